/**
 * The OWASP WebSocket cheat sheet items that apply to the gateway, each proved against two nodes, directly
 * and behind the shipped nginx: origin check, authentication on upgrade (the hello), token never taken
 * from the URL, message size limit, frame-rate limit, per-address connect rate, no compression by
 * default, idle timeout.
 */
import { expect, it } from 'vitest';
import WebSocket from 'ws';
import { CloseCode } from '@channel-gateway/protocol';
import { TestSocket } from '../../packages/gateway/test/support/test-socket.js';
import { describeSecurity } from './support.js';

const APP_ORIGIN = 'https://app.example';

describeSecurity(
  'OWASP WebSocket items',
  (target) => {
    it('refuses a socket from an origin that is not allowed (4010) and serves the allowed one', async () => {
      const t = target();
      const { token } = await t.createChannel();
      const evil = await TestSocket.connect(t.wsUrl, { origin: 'https://evil.example' });
      evil.send({ type: 'hello', token });
      expect(await evil.closeCode()).toBe(CloseCode.ORIGIN_REJECTED);
      expect(evil.frames).toEqual([]);
      const good = await TestSocket.connect(t.wsUrl, { origin: APP_ORIGIN });
      good.send({ type: 'hello', token });
      expect((await good.waitForFrame((frame) => frame.type === 'open')).type).toBe('open');
      good.close();
      await t.expectStillServing();
    });

    it('authenticates on the socket itself: a wrong token closes with 4001, a frame before hello with 4004', async () => {
      const t = target();
      const wrong = await TestSocket.connect(t.wsUrl, { origin: APP_ORIGIN });
      wrong.send({ type: 'hello', token: 'x'.repeat(43) });
      expect(await wrong.closeCode()).toBe(CloseCode.INVALID_TOKEN);
      const early = await TestSocket.connect(t.wsUrl, { origin: APP_ORIGIN });
      early.send({ type: 'ping' });
      expect(await early.closeCode()).toBe(CloseCode.PROTOCOL_ERROR);
      await t.expectStillServing();
    });

    it('never takes the token from the URL: a socket with ?token= and no hello is closed at the hello deadline (4005)', async () => {
      const t = target();
      const { token } = await t.createChannel();
      const started = Date.now();
      const socket = await TestSocket.connect(`${t.wsUrl}?token=${encodeURIComponent(token)}`, { origin: APP_ORIGIN });
      expect(await socket.closeCode(5_000)).toBe(CloseCode.HELLO_TIMEOUT);
      expect(Date.now() - started).toBeGreaterThanOrEqual(900);
      expect(socket.frames).toEqual([]);
      await t.expectStillServing();
    });

    it('closes a socket whose frame is over the inbound limit with 1009, before parsing it', async () => {
      const t = target();
      const socket = await TestSocket.connect(t.wsUrl, { origin: APP_ORIGIN });
      socket.send(JSON.stringify({ type: 'hello', token: 'y'.repeat(8_000) }));
      expect(await socket.closeCode()).toBe(CloseCode.FRAME_TOO_BIG);
      await t.expectStillServing();
    });

    it('closes a socket that floods frames with 4007, other clients unaffected', async () => {
      const t = target();
      const { token } = await t.createChannel();
      const socket = await TestSocket.connect(t.wsUrl, { origin: APP_ORIGIN });
      socket.send({ type: 'hello', token });
      await socket.waitForFrame((frame) => frame.type === 'open');
      await t.withinMemory(32 * 1_048_576, async () => {
        // One ping per pong: nothing is in flight when the limit closes the socket, so the close frame is
        // not lost to a reset (a burst still in nginx's buffers makes the close arrive as 1006 there).
        for (let i = 1; i <= 40 && socket.ws.readyState === WebSocket.OPEN; i++) {
          socket.send({ type: 'ping' });
          const pong = socket.waitForFrame(() => socket.frames.filter((f) => f.type === 'pong').length >= i).catch(() => undefined);
          await Promise.race([pong, socket.closed]);
        }
        expect(await socket.closeCode()).toBe(CloseCode.RATE_LIMITED);
      });
      await t.expectStillServing();
    });

    it('does not negotiate compression by default', async () => {
      const t = target();
      const ws = new WebSocket(t.wsUrl, { origin: APP_ORIGIN, perMessageDeflate: true });
      const accepted = await new Promise<string | undefined>((resolve, reject) => {
        ws.once('upgrade', (response) => resolve(response.headers['sec-websocket-extensions']));
        ws.once('error', reject);
      });
      expect(accepted).toBeUndefined();
      ws.close();
      await t.expectStillServing();
    });

    it('closes a socket that stops answering (no pong, no frame) after the idle timeout', async () => {
      const t = target();
      const { token } = await t.createChannel();
      const ws = new WebSocket(t.wsUrl, { origin: APP_ORIGIN, autoPong: false });
      await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
      const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
      ws.send(JSON.stringify({ type: 'hello', token }));
      const started = Date.now();
      const code = await Promise.race([closed, new Promise<string>((resolve) => setTimeout(() => resolve('still open'), 25_000))]);
      expect(code).not.toBe('still open');
      // CG_IDLE_TIMEOUT_SECONDS=8 below: uWS pings half-way and closes when no pong came; not at once.
      const after = Date.now() - started;
      expect(after).toBeGreaterThanOrEqual(2_000);
      expect(after).toBeLessThanOrEqual(10_000);
      await t.expectStillServing();
    }, 40_000);
  },
  { env: { CG_ALLOWED_ORIGINS: APP_ORIGIN, CG_HELLO_TIMEOUT_MS: '1000', CG_IDLE_TIMEOUT_SECONDS: '8' } },
);

describeSecurity(
  'per-address connect rate',
  (target) => {
    it('refuses upgrades beyond the per-address rate with 429 and keeps serving others', async () => {
      const t = target();
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) {
        const ws = new WebSocket(t.wsUrl);
        statuses.push(
          await new Promise<number>((resolve) => {
            ws.once('upgrade', () => (resolve(101), ws.close()));
            ws.once('unexpected-response', (_request, response) => (resolve(response.statusCode ?? 0), ws.terminate()));
            ws.once('error', () => resolve(0));
          }),
        );
      }
      // Burst of twice the rate (2 a second → 4) per node, plus what refills meanwhile; nginx spreads over both.
      expect(statuses.filter((status) => status === 101).length).toBeLessThanOrEqual(t.topology === 'nginx' ? 10 : 5);
      expect(statuses.at(-1)).toBe(429);
      await t.expectStillServing();
    });
  },
  { env: { CG_CONNECTS_PER_SECOND_PER_IP: '2' } },
);
