/**
 * Issue 12 item 2: `{bob}` was stored under `b64:` + base64url("{bob}") = `b64:e2JvYn0`, the same keys as
 * the literal ID `b64:e2JvYn0`. Two clients whose IDs once collided must be fully separate: messages,
 * presence and DELETE.
 */
import { expect, it } from 'vitest';
import { CloseCode } from '@channel-gateway/protocol';
import { TestSocket } from '../../packages/gateway/test/support/test-socket.js';
import { describeSecurity } from './support.js';

const BRACED = '{bob}';
const LOOKALIKE = 'b64:e2JvYn0';
const path = (clientId: string) => `/v1/channels/${encodeURIComponent(clientId)}`;

describeSecurity('client IDs that used to share Redis keys', (target) => {
  it('keeps {bob} and b64:e2JvYn0 apart: messages, presence and DELETE', async () => {
    const t = target();
    const bob = await t.createChannel(BRACED);
    const lookalike = await t.createChannel(LOOKALIKE);
    const bobSocket = await TestSocket.open(t.nodes[0].wsUrl, bob.token);
    const lookalikeSocket = await TestSocket.open(t.nodes[1].wsUrl, lookalike.token);
    // Opening one must not have replaced the other (same keys meant "newest wins" across the two).
    expect(bobSocket.ws.readyState).toBe(bobSocket.ws.OPEN);

    expect((await t.api('POST', `${path(BRACED)}/messages`, { message: 'for bob' })).body).toEqual({ status: 'routed' });
    expect((await t.api('POST', `${path(LOOKALIKE)}/messages`, { message: 'for the lookalike' })).body).toEqual({ status: 'routed' });
    expect(await bobSocket.waitForMessages(1)).toEqual(['for bob']);
    expect(await lookalikeSocket.waitForMessages(1)).toEqual(['for the lookalike']);

    const infoBob = await t.api('GET', path(BRACED));
    const infoLookalike = await t.api('GET', path(LOOKALIKE));
    expect(infoBob.body).toMatchObject({ clientId: BRACED, connected: true, node: t.nodes[0].nodeId });
    expect(infoLookalike.body).toMatchObject({ clientId: LOOKALIKE, connected: true, node: t.nodes[1].nodeId });

    expect((await t.api('DELETE', path(BRACED))).status).toBe(204);
    expect(await bobSocket.closeCode()).toBe(CloseCode.INVALID_TOKEN);
    expect((await t.api('GET', path(BRACED))).status).toBe(404);
    expect((await t.api('GET', path(LOOKALIKE))).body).toMatchObject({ connected: true });
    expect((await t.api('POST', `${path(LOOKALIKE)}/messages`, { message: 'still mine' })).body).toEqual({ status: 'routed' });
    expect(await lookalikeSocket.waitForMessages(2)).toEqual(['for the lookalike', 'still mine']);
    expect(bobSocket.messages()).toEqual(['for bob']);
    lookalikeSocket.close();
    await t.expectStillServing();
  });
});
