/**
 * Token refresh on one in-process node, on each transport, with memory and Redis stores: the expiry moves
 * with the node's clock, refusals change nothing, early refreshes and floods are refused as other frames.
 * (Two gateway processes: test/cluster/token-refresh.test.ts.)
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloseCode, type OpenFrame } from '@channel-gateway/protocol';
import { startTestGateway, type StoreKind, type TestGateway } from './support/in-process-gateway.js';
import { TestSocket } from './support/test-socket.js';
import { TEST_TRANSPORTS } from './support/transports.js';

const MINUTE = 60_000;

for (const kind of ['memory', 'redis'] as StoreKind[]) {
  describe.each(TEST_TRANSPORTS)(`token refresh (${kind} stores, %s transport)`, (transport) => {
    let gateway: TestGateway;
    beforeEach(async () => (gateway = await startTestGateway(kind, { transport })));
    afterEach(async () => gateway.stop());

    const refresh = (node: TestGateway, body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${node.httpUrl}/v1/refresh`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers });

    it('expires the socket at the new token’s expiry, not the old one', async () => {
      const { clientId, token } = await gateway.createChannel({ durationMinutes: 1 });
      const socket = await TestSocket.open(gateway.wsUrl, token);
      const next = await gateway.createChannel({ clientId, durationMinutes: 5 });
      socket.send({ type: 'refresh', token: next.token });
      expect(await socket.waitForFrame((frame) => frame.type === 'refreshed')).toMatchObject({ expiresAt: Date.parse(next.expiresAt) });

      gateway.clock.advance(2 * MINUTE);
      expect(await gateway.send(clientId, 'two minutes in')).toBe('routed');
      expect(await socket.waitForMessages(1)).toEqual(['two minutes in']);
      gateway.clock.advance(4 * MINUTE);
      expect(await socket.closeCode()).toBe(CloseCode.TOKEN_EXPIRED);
    });

    it('keeps the old expiry after a refused refresh', async () => {
      const { clientId, token } = await gateway.createChannel({ durationMinutes: 1 });
      const other = await gateway.createChannel({ durationMinutes: 5 });
      const socket = await TestSocket.open(gateway.wsUrl, token);
      socket.send({ type: 'refresh', token: other.token });
      expect(await socket.waitForFrame((frame) => frame.type === 'refresh-refused')).toEqual({ type: 'refresh-refused', reason: 'other_client' });
      expect(await gateway.send(clientId, 'still here')).toBe('routed');
      expect(await socket.waitForMessages(1)).toEqual(['still here']);
      gateway.clock.advance(61_000);
      expect(await socket.closeCode()).toBe(CloseCode.TOKEN_EXPIRED);
    });

    it('POST /v1/refresh: 200 with the new expiry, read as JSON whatever the content type; 400 for a malformed body', async () => {
      const { clientId, token } = await gateway.createChannel({ durationMinutes: 1 });
      const socket = await TestSocket.open(gateway.wsUrl, token);
      const { connectionId } = socket.frames[0] as OpenFrame;
      const next = await gateway.createChannel({ clientId, durationMinutes: 3 });
      const answer = await refresh(gateway, { token: next.token, connectionId }, { 'content-type': 'text/plain;charset=UTF-8' });
      expect([answer.status, await answer.json()]).toEqual([200, { expiresAt: Date.parse(next.expiresAt) }]);
      await socket.waitForFrame((frame) => frame.type === 'refreshed');
      gateway.clock.advance(2 * MINUTE);
      expect(await gateway.send(clientId, 'refreshed over HTTP')).toBe('routed');
      expect(await socket.waitForMessages(1)).toEqual(['refreshed over HTTP']);

      const bad = await Promise.all([
        refresh(gateway, '{"token":'),
        refresh(gateway, { token: next.token }),
        refresh(gateway, { token: next.token, connectionId: 'a\nb' }),
        refresh(gateway, { token: '', connectionId }),
        refresh(gateway, { token: next.token, connectionId, extra: 1 }),
      ]);
      expect(await Promise.all(bad.map(async (response) => [response.status, ((await response.json()) as { error: { field: string } }).error.field]))).toEqual([
        [400, 'body'],
        [400, 'connectionId'],
        [400, 'connectionId'],
        [400, 'token'],
        [400, 'extra'],
      ]);
      expect(socket.ws.readyState).toBe(socket.ws.OPEN);
      socket.close();
    });

    it('closes a socket that sends a refresh before its hello, or floods refreshes', async () => {
      const { token } = await gateway.createChannel();
      const early = await TestSocket.connect(gateway.wsUrl);
      early.send({ type: 'refresh', token });
      expect(await early.closeCode()).toBe(CloseCode.PROTOCOL_ERROR);

      const flooding = await TestSocket.open(gateway.wsUrl, token);
      for (let i = 0; i < 40; i++) flooding.send({ type: 'refresh', token });
      expect(await flooding.closeCode()).toBe(CloseCode.RATE_LIMITED);
    });
  });
}

describe('POST /v1/refresh and CG_ALLOWED_ORIGINS', () => {
  let gateway: TestGateway;
  beforeEach(async () => (gateway = await startTestGateway('memory', { allowedOrigins: ['https://app.example'] })));
  afterEach(async () => gateway.stop());

  it('answers an allowed origin with CORS headers and refuses another one with 403, changing nothing', async () => {
    const { clientId, token } = await gateway.createChannel({ durationMinutes: 1 });
    const socket = await TestSocket.connect(gateway.wsUrl, { origin: 'https://app.example' });
    socket.send({ type: 'hello', token });
    const open = (await socket.waitForFrame((frame) => frame.type === 'open')) as OpenFrame;
    const next = await gateway.createChannel({ clientId, durationMinutes: 5 });
    const post = (origin: string) =>
      fetch(`${gateway.httpUrl}/v1/refresh`, {
        method: 'POST',
        headers: { origin },
        body: JSON.stringify({ token: next.token, connectionId: open.connectionId }),
      });

    const refused = await post('https://evil.example');
    expect([refused.status, ((await refused.json()) as { error: { code: string } }).error.code, refused.headers.get('access-control-allow-origin')]).toEqual([
      403,
      'origin_rejected',
      null,
    ]);
    expect(socket.frames.some((frame) => frame.type === 'refreshed')).toBe(false);

    const allowed = await post('https://app.example');
    expect([allowed.status, allowed.headers.get('access-control-allow-origin'), allowed.headers.get('vary')]).toEqual([200, 'https://app.example', 'Origin']);
    await socket.waitForFrame((frame) => frame.type === 'refreshed');
    socket.close();
  });
});
