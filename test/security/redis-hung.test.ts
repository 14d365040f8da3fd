/**
 * Issue 12 item 4: a Redis that stops answering (kill -STOP: connections stay open, nothing comes back)
 * must not hang the API. Requests answer 503 with Retry-After within the command timeout, /readyz fails
 * while Redis is silent, the outage is logged once (not per request), and everything recovers on -CONT.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRedis, waitFor, type RedisHandle } from '../support/index.js';
import { CloseCode } from '@channel-gateway/protocol';
import { TestSocket } from '../../packages/gateway/test/support/test-socket.js';
import { describeSecurity } from './support.js';

const TIMEOUT_MS = 1_000;
let redis: RedisHandle;
let redisUrl = '';

beforeAll(async () => {
  // Its own server: SIGSTOP would freeze every other test on the shared one.
  redis = await startRedis({ mode: 'spawned' });
  redisUrl = redis.url;
});
afterAll(async () => {
  if (redis?.pid) process.kill(redis.pid, 'SIGCONT');
  await redis?.stop();
});

const timed = async (request: () => Promise<Response>) => {
  const started = Date.now();
  const response = await request();
  return { response, ms: Date.now() - started, body: (await response.json()) as { error?: { code: string } } };
};

describeSecurity(
  'a Redis that stops answering',
  (target) => {
    it('answers 503 with Retry-After within the command timeout, fails /readyz, logs once, recovers', async () => {
      const t = target();
      const { clientId, token } = await t.createChannel();
      const socket = await TestSocket.open(t.wsUrl, token);
      const auth = { authorization: `Bearer ${t.apiKey}`, 'content-type': 'application/json' };
      const send = () =>
        fetch(`${t.httpUrl}/v1/channels/${clientId}/messages`, { method: 'POST', headers: auth, body: JSON.stringify({ message: 'while hung' }) });
      const create = () => fetch(`${t.httpUrl}/v1/channels`, { method: 'POST', headers: auth, body: '{}' });

      process.kill(redis.pid!, 'SIGSTOP');
      try {
        for (const request of [send, create, send, create, send]) {
          const { response, ms, body } = await timed(request);
          expect(response.status).toBe(503);
          expect(body.error?.code).toBe('unavailable');
          expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
          expect(ms).toBeLessThan(TIMEOUT_MS + 1_500);
        }
        // A socket's hello cannot be checked either: closed as UNAVAILABLE within the bound, so it retries.
        const started = Date.now();
        const refused = await TestSocket.connect(t.wsUrl);
        refused.send({ type: 'hello', token });
        expect(await refused.closeCode(TIMEOUT_MS + 3_000)).toBe(CloseCode.UNAVAILABLE);
        expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 2_000);
        for (const node of t.nodes) {
          await waitFor(async () => (await fetch(`${node.httpUrl}/readyz`)).status === 503, {
            timeoutMs: 3 * TIMEOUT_MS + 2_000,
            what: `${node.nodeId} /readyz to fail`,
          });
          const readyz = await (await fetch(`${node.httpUrl}/readyz`)).json();
          expect(readyz).toEqual({ status: 'not_ready', reason: 'redis not answering' });
        }
      } finally {
        process.kill(redis.pid!, 'SIGCONT');
      }
      for (const node of t.nodes) {
        await waitFor(async () => (await fetch(`${node.httpUrl}/readyz`)).status === 200, { timeoutMs: 10_000, what: `${node.nodeId} /readyz to recover` });
        // The log line is written before /readyz turns, but travels through a pipe: wait for it (bounded).
        await node.waitForLog((entry) => entry.msg === 'redis healthy again', 5_000, '"redis healthy again"');
        const entries = node.logEntries();
        expect(entries.filter((entry) => entry.msg === 'redis unhealthy').length).toBe(1);
        expect(entries.filter((entry) => entry.msg === 'redis healthy again').length).toBe(1);
        // The outage is logged once, by the store health: nothing per request or per socket.
        const perRequest = ['request failed', 'token lookup failed', 'attach failed', 'hello failed', 'detach failed; will retry', 'presence loop failed'];
        expect(entries.filter((entry) => perRequest.includes(String(entry.msg)))).toEqual([]);
      }
      expect((await t.api('POST', `/v1/channels/${clientId}/messages`, { message: 'after' })).status).toBe(202);
      // Sends that timed out may still have run when Redis woke up (their 503 said so); a node that lost
      // their local delivery closes the socket with RESYNC rather than skip them. A client resumes.
      let socketNow = socket;
      const resynced = await Promise.race([
        waitFor(() => socket.messages().includes('after'), { timeoutMs: 5_000, what: 'the message sent after recovery' }).then(() => false),
        socket.closed.then(({ code }) => (expect(code).toBe(CloseCode.RESYNC), true)),
      ]);
      if (resynced) {
        socketNow = await TestSocket.open(t.wsUrl, token, socket.position());
        await waitFor(() => socketNow.messages().includes('after'), { what: 'the message sent after recovery, on the resumed socket' });
      }
      expect([...socket.messages(), ...(resynced ? socketNow.messages() : [])].filter((message) => message !== 'while hung')).toEqual(['after']);
      socketNow.close();
      await t.expectStillServing();
    }, 40_000);
  },
  { redisUrl: () => redisUrl, env: { CG_REDIS_COMMAND_TIMEOUT_MS: String(TIMEOUT_MS) } },
);
