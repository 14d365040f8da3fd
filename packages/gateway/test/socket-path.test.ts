/**
 * The socket path end to end on one in-process node: real sockets on each transport, real HTTP, memory and Redis stores.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloseCode } from '@channel-gateway/protocol';
import { startTestGateway, type StoreKind, type TestGateway } from './support/in-process-gateway.js';
import { TestSocket } from './support/test-socket.js';
import { TEST_TRANSPORTS } from './support/transports.js';

for (const kind of ['memory', 'redis'] as StoreKind[]) {
  describe.each(TEST_TRANSPORTS)(`socket path (${kind} stores, %s transport)`, (transport) => {
    let gateway: TestGateway;
    beforeEach(async () => (gateway = await startTestGateway(kind, { transport })));
    afterEach(async () => gateway.stop());

    it('delivers a routed message with the exact string that was sent', async () => {
      const { clientId, token } = await gateway.createChannel({ clientId: 'alice' });
      const socket = await TestSocket.open(gateway.wsUrl, token);
      expect(socket.frames[0]).toMatchObject({ type: 'open', clientId: 'alice' });
      const texts = ['hello', '', 'ünïcödé ✓ 🎉', '{"json":"inside"}', 'line\nbreak\u2028'];
      for (const text of texts) expect(await gateway.send(clientId, text)).toBe('routed');
      expect(await socket.waitForMessages(texts.length)).toEqual(texts);
      const info = await gateway.api('GET', '/v1/channels/alice');
      expect(info.body).toMatchObject({ clientId: 'alice', connected: true, node: gateway.node.config.nodeId });
      socket.close();
    });

    it('delivers queued messages in order when the socket opens, and not again to the next socket', async () => {
      const { clientId, token } = await gateway.createChannel();
      expect(await gateway.send(clientId, 'first')).toBe('queued');
      expect(await gateway.send(clientId, 'second')).toBe('queued');
      const socket = await TestSocket.open(gateway.wsUrl, token);
      expect(await socket.waitForMessages(2)).toEqual(['first', 'second']);
      socket.close();
      await socket.closed;
      // The next socket (e.g. a page reload, no resume position) gets only what the first did not.
      await gateway.send(clientId, 'third');
      const next = await TestSocket.open(gateway.wsUrl, token);
      expect(await next.waitForMessages(1)).toEqual(['third']);
      next.close();
    });

    it('resumes from the position a reconnecting client presents, with no gap and no duplicate', async () => {
      const { clientId, token } = await gateway.createChannel();
      const socket = await TestSocket.open(gateway.wsUrl, token);
      for (const text of ['1', '2', '3']) await gateway.send(clientId, text);
      await socket.waitForMessages(3);
      const position = { ...socket.position(), seq: 2 }; // as if message 3 was lost in the drop
      socket.ws.terminate();
      await socket.closed;
      await gateway.send(clientId, '4');
      const resumed = await TestSocket.open(gateway.wsUrl, token, position);
      expect(await resumed.waitForMessages(2)).toEqual(['3', '4']);
      expect(resumed.frames.some((frame) => frame.type === 'gap')).toBe(false);
      resumed.close();
    });

    it('tells a resuming client about a gap it cannot replay', async () => {
      await gateway.stop();
      gateway = await startTestGateway(kind, { transport, buffer: { maxMessages: 2, maxBytes: 1_000_000, ttlSeconds: 300 } });
      const { clientId, token } = await gateway.createChannel();
      const socket = await TestSocket.open(gateway.wsUrl, token);
      const position = socket.position();
      socket.close();
      await socket.closed;
      for (const text of ['1', '2', '3', '4']) await gateway.send(clientId, text);
      const resumed = await TestSocket.open(gateway.wsUrl, token, position);
      expect(await resumed.waitForMessages(2)).toEqual(['3', '4']);
      expect(resumed.frames.find((frame) => frame.type === 'gap')).toEqual({ type: 'gap', reason: 'expired', from: 1, to: 2 });
      resumed.close();
    });

    it('closes an unknown token with INVALID_TOKEN', async () => {
      const socket = await TestSocket.connect(gateway.wsUrl);
      socket.send({ type: 'hello', token: 'not-a-token' });
      expect(await socket.closeCode()).toBe(CloseCode.INVALID_TOKEN);
    });

    it('revokes every token of a deleted channel and closes its socket', async () => {
      const { clientId, token } = await gateway.createChannel();
      const second = await gateway.createChannel({ clientId });
      const socket = await TestSocket.open(gateway.wsUrl, token);
      expect((await gateway.api('DELETE', `/v1/channels/${clientId}`)).status).toBe(204);
      expect(await socket.closeCode()).toBe(CloseCode.INVALID_TOKEN);
      for (const old of [token, second.token]) {
        const again = await TestSocket.connect(gateway.wsUrl);
        again.send({ type: 'hello', token: old });
        expect(await again.closeCode()).toBe(CloseCode.INVALID_TOKEN);
      }
      expect(await gateway.send(clientId, 'gone')).toBe('no_channel');
      expect((await gateway.api('GET', `/v1/channels/${clientId}`)).status).toBe(404);
    });

    it('closes a connected socket with TOKEN_EXPIRED when its token expires', async () => {
      const { token } = await gateway.createChannel({ durationMinutes: 1 });
      const socket = await TestSocket.open(gateway.wsUrl, token);
      gateway.clock.advance(61_000);
      expect(await socket.closeCode()).toBe(CloseCode.TOKEN_EXPIRED);
    });

    it('refuses an expired token with TOKEN_EXPIRED', async () => {
      const { token } = await gateway.createChannel({ durationMinutes: 1 });
      gateway.clock.advance(61_000);
      const socket = await TestSocket.connect(gateway.wsUrl);
      socket.send({ type: 'hello', token });
      expect(await socket.closeCode()).toBe(CloseCode.TOKEN_EXPIRED);
    });

    it('lets the newest socket for a client win and closes the older one with REPLACED', async () => {
      const { clientId, token } = await gateway.createChannel();
      const older = await TestSocket.open(gateway.wsUrl, token);
      const newer = await TestSocket.open(gateway.wsUrl, token);
      expect(await older.closeCode()).toBe(CloseCode.REPLACED);
      await gateway.send(clientId, 'to the newer');
      expect(await newer.waitForMessages(1)).toEqual(['to the newer']);
      expect(older.messages()).toEqual([]);
      newer.close();
    });
  });
}
