/**
 * A takeover on one node: a second page opens a socket for the same client ID (a new token, no resume
 * position) while the first socket is open. docs/PROTOCOL.md: a hello without a resume position gets only
 * what no earlier socket delivered, so the new page never repeats what the first one already showed.
 * The same across two nodes: test/cluster/takeover.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloseCode } from '@channel-gateway/protocol';
import { startTestGateway, type StoreKind, type TestGateway } from './support/in-process-gateway.js';
import { TestSocket } from './support/test-socket.js';

for (const kind of ['memory', 'redis'] as StoreKind[]) {
  describe(`takeover on one node (${kind} stores)`, () => {
    let gateway: TestGateway;
    beforeEach(async () => (gateway = await startTestGateway(kind)));
    afterEach(async () => gateway.stop());

    it('gives the newer socket nothing the older one delivered, then everything after it', async () => {
      const { clientId, token } = await gateway.createChannel({ clientId: 'taken-over' });
      const first = await TestSocket.open(gateway.wsUrl, token);
      await gateway.send(clientId, 'before');
      expect(await first.waitForMessages(1)).toEqual(['before']);

      const second = await TestSocket.open(gateway.wsUrl, (await gateway.createChannel({ clientId })).token);
      expect(await first.closeCode()).toBe(CloseCode.REPLACED);
      await gateway.send(clientId, 'after');
      await second.waitForFrame((frame) => frame.type === 'msg' && frame.data === 'after');
      expect(second.messages()).toEqual(['after']);
      expect(second.frames.filter((frame) => frame.type === 'gap')).toEqual([]);
      second.close();
    });

    it('still replays what the older socket had not delivered (queued while it was away)', async () => {
      const { clientId, token } = await gateway.createChannel();
      const first = await TestSocket.open(gateway.wsUrl, token);
      await gateway.send(clientId, 'seen');
      await first.waitForMessages(1);
      first.close();
      await first.closed;
      await gateway.send(clientId, 'unseen');
      const second = await TestSocket.open(gateway.wsUrl, token);
      const third = await TestSocket.open(gateway.wsUrl, token);
      expect(await second.closeCode()).toBe(CloseCode.REPLACED);
      await gateway.send(clientId, 'live');
      await third.waitForFrame((frame) => frame.type === 'msg' && frame.data === 'live');
      expect(second.messages()).toEqual(['unseen']);
      expect(third.messages()).toEqual(['live']);
      third.close();
    });
  });
}
