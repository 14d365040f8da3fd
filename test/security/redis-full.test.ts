/**
 * Issue 12 item 6: a full Redis (`maxmemory` reached with `noeviction`) answered 500 `internal` with a
 * stack in the log for every request while /readyz stayed 200. Now: 503 `storage_full` with Retry-After,
 * /readyz failing while Redis refuses writes, one log line (no stack) per outage, reads still served.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CloseCode } from '@channel-gateway/protocol';
import { redisCommand, startRedis, waitFor, type RedisHandle } from '../support/index.js';
import { TestSocket } from '../../packages/gateway/test/support/test-socket.js';
import { describeSecurity } from './support.js';

let redis: RedisHandle;
let redisUrl = '';

beforeAll(async () => {
  // Its own server: the test shrinks its maxmemory.
  redis = await startRedis({ mode: 'spawned', extraArgs: ['--maxmemory-policy', 'noeviction'] });
  redisUrl = redis.url;
});
afterAll(async () => {
  await redis?.stop();
});

describeSecurity(
  'a Redis out of memory',
  (target) => {
    it('answers writes with 503 storage_full and Retry-After, fails /readyz, logs once without a stack, recovers', async () => {
      const t = target();
      const { clientId, token } = await t.createChannel();
      const socket = await TestSocket.open(t.wsUrl, token);
      const auth = { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json' };
      const send = () =>
        fetch(`${t.httpUrl}/v1/channels/${clientId}/messages`, { method: 'POST', headers: auth, body: JSON.stringify({ message: 'no room' }) });
      const batch = () =>
        fetch(`${t.httpUrl}/v1/messages`, { method: 'POST', headers: auth, body: JSON.stringify({ messages: [{ clientId, message: 'no room' }] }) });
      const create = () => fetch(`${t.httpUrl}/v1/channels`, { method: 'POST', headers: auth, body: '{}' });

      // A tiny maxmemory: whatever Redis holds is already over it, so every write is refused with OOM.
      await redisCommand(redisUrl, 'CONFIG', 'SET', 'maxmemory', '1');
      try {
        for (const request of [send, batch, create, send, create]) {
          const response = await request();
          const body = (await response.json()) as { error?: { code: string; message: string } };
          expect(response.status, JSON.stringify(body)).toBe(503);
          expect(body.error?.code).toBe('storage_full');
          expect(response.headers.get('retry-after')).toBe('5');
        }
        // Reads are still served.
        expect((await t.api('GET', `/v1/channels/${clientId}`)).body).toMatchObject({ connected: true });
        // A new socket cannot be attached (that is a write): closed as UNAVAILABLE, so the client retries.
        const second = await t.createChannel().catch(() => undefined);
        expect(second).toBeUndefined();
        const refused = await TestSocket.connect(t.wsUrl);
        refused.send({ type: 'hello', token });
        expect(await refused.closeCode()).toBe(CloseCode.UNAVAILABLE);
        for (const node of t.nodes) {
          await waitFor(async () => (await fetch(`${node.httpUrl}/readyz`)).status === 503, { timeoutMs: 5_000, what: `${node.nodeId} /readyz to fail` });
          expect(await (await fetch(`${node.httpUrl}/readyz`)).json()).toEqual({ status: 'not_ready', reason: 'redis refuses writes (out of memory)' });
        }
      } finally {
        await redisCommand(redisUrl, 'CONFIG', 'SET', 'maxmemory', '0');
      }
      for (const node of t.nodes) {
        await waitFor(async () => (await fetch(`${node.httpUrl}/readyz`)).status === 200, { timeoutMs: 10_000, what: `${node.nodeId} /readyz to recover` });
        // The log line is written before /readyz turns, but travels through a pipe: wait for it (bounded).
        await node.waitForLog((entry) => entry.msg === 'redis healthy again', 5_000, '"redis healthy again"');
        const entries = node.logEntries();
        expect(entries.filter((entry) => entry.msg === 'redis unhealthy').map((entry) => entry.reason)).toEqual(['redis refuses writes (out of memory)']);
        expect(entries.filter((entry) => 'stack' in entry || entry.level! >= 50)).toEqual([]);
        const perRequest = ['request failed', 'token lookup failed', 'attach failed', 'hello failed', 'detach failed; will retry'];
        expect(entries.filter((entry) => perRequest.includes(String(entry.msg)))).toEqual([]);
      }
      // The socket that was open all along still receives.
      expect((await t.api('POST', `/v1/channels/${clientId}/messages`, { message: 'room again' })).body).toEqual({ status: 'routed' });
      await waitFor(() => socket.messages().includes('room again'), { what: 'the message sent after recovery' });
      socket.close();
      await t.expectStillServing();
    }, 40_000);
  },
  { redisUrl: () => redisUrl },
);
