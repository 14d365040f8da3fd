/**
 * Issue 12 item 7: API-key guessing was neither limited nor logged (≈ 4,200 wrong keys/s on one
 * connection). Now failed attempts are counted per address: past CG_AUTH_FAILURES_PER_MINUTE the address
 * gets 429 `rate_limited` with Retry-After on every authenticated route (Hono and native send routes),
 * and failures are logged by fingerprint and address, never by key, a bounded number of lines.
 */
import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { waitFor } from '../support/index.js';
import { ATTACKER_ADDRESS, describeSecurity, requestFrom } from './support.js';

const LIMIT = 10;

describeSecurity(
  'API-key guessing',
  (target) => {
    it('throttles an address after too many wrong keys, on every authenticated route, and never logs a key', async () => {
      const t = target();
      const { clientId } = await t.createChannel();
      const routes: Array<[string, string, unknown]> = [
        ['POST', `/v1/channels/${clientId}/messages`, { message: 'guess' }], // native send route
        ['POST', '/v1/messages', { messages: [{ clientId, message: 'guess' }] }], // native batch route
        ['POST', '/v1/channels', {}], // Hono
        ['GET', `/v1/channels/${clientId}`, undefined], // Hono
      ];
      const guesses: string[] = [];
      const attempt = async (index: number, key: string) => {
        const [method, path, body] = routes[index % routes.length]!;
        // From a second loopback address, with a forged X-Forwarded-For that must not help it.
        const response = await requestFrom(ATTACKER_ADDRESS, t.httpUrl + path, {
          method,
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        return {
          status: response.status,
          retryAfter: response.headers['retry-after'] as string | undefined,
          body: JSON.parse(response.text) as { error?: { code: string } },
        };
      };

      await t.withinMemory(32 * 1_048_576, async () => {
        const statuses: number[] = [];
        // Two nodes behind nginx each count on their own: at most 2 × LIMIT wrong keys get a 401.
        for (let i = 0; i < 3 * LIMIT; i++) {
          const key = `wrong-key-${i}-${'x'.repeat(20)}`;
          guesses.push(key);
          statuses.push((await attempt(i, key)).status);
        }
        const unauthorized = statuses.filter((status) => status === 401).length;
        expect(unauthorized).toBeGreaterThanOrEqual(LIMIT);
        expect(unauthorized).toBeLessThanOrEqual(t.topology === 'nginx' ? 2 * LIMIT : LIMIT);
        expect(statuses.filter((status) => status !== 401 && status !== 429)).toEqual([]);
      });
      // Now every route refuses this address, even with the right key (a right guess must not get through).
      for (let i = 0; i < routes.length; i++) {
        const throttled = await attempt(i, t.apiKey);
        expect(throttled.status).toBe(429);
        expect(throttled.body.error?.code).toBe('rate_limited');
        expect(Number(throttled.retryAfter)).toBeGreaterThanOrEqual(1);
        expect(Number(throttled.retryAfter)).toBeLessThanOrEqual(60);
      }
      // Other clients (the harness, from 127.0.0.1) are unaffected.
      await t.expectStillServing();

      // Log lines travel through a pipe: wait (bounded) for the ones the probe must have produced.
      const entries = () => t.nodes.flatMap((node) => node.logEntries());
      const fingerprint = createHash('sha256').update(guesses[0]!).digest('hex').slice(0, 8);
      const first = await waitFor(() => entries().find((entry) => entry.msg === 'api key refused' && entry.keyFingerprint === fingerprint), {
        what: 'the first refusal to be logged',
      });
      expect(first).toMatchObject({ address: ATTACKER_ADDRESS, failures: 1 });
      await waitFor(() => entries().some((entry) => entry.msg === 'api key attempts throttled'), { what: 'the throttle to be logged' });
      const failures = entries().filter((entry) => entry.msg === 'api key refused');
      expect(failures.length).toBeLessThanOrEqual(2 * LIMIT);
      expect(failures.every((entry) => entry.address === ATTACKER_ADDRESS)).toBe(true);
      const logs = t.nodes.flatMap((node) => node.logs()).join('\n');
      for (const key of [...guesses, t.apiKey]) expect(logs).not.toContain(key);
    });
  },
  { env: { CG_AUTH_FAILURES_PER_MINUTE: String(LIMIT) } },
);
