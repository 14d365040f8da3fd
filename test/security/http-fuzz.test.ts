/**
 * Fuzzing the HTTP API end to end (issue 12 item 4): random methods, routes, client-ID segments, content
 * types and bodies, with the right key, against two nodes directly and behind nginx. No answer is a 500,
 * every answer comes, memory stays bounded and the nodes keep serving.
 */
import { expect, it } from 'vitest';
import fc from 'fast-check';
import { fuzzRuns, FUZZ_SEED } from '../support/fuzz.js';
import { describeSecurity } from './support.js';

const segment = fc.oneof(
  fc.string({ minLength: 1, maxLength: 30 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }),
  fc.constantFrom('{bob}', 'b64:e2JvYn0', '%', '..', '%2F', 'a/b'),
);
const route = fc.oneof(
  fc.constant('/v1/channels'),
  fc.constant('/v1/messages'),
  fc.constant('/v1/presence'),
  segment.map((id) => `/v1/channels/${encodeURIComponent(id)}`),
  segment.map((id) => `/v1/channels/${encodeURIComponent(id)}/messages`),
  fc.constantFrom('/v1/channels/%zz', '/v1/channels/%zz/messages', '/v1/', '/v1/socket', '/healthz', '/readyz', '/metrics', '/nope'),
);
const jsonBody = fc.oneof(
  fc.record(
    { clientId: fc.oneof(segment, fc.jsonValue({ maxDepth: 2 })), durationMinutes: fc.oneof(fc.integer(), fc.double(), fc.string()) },
    { requiredKeys: [] },
  ),
  fc.record({ message: fc.oneof(fc.string({ maxLength: 100 }), fc.jsonValue({ maxDepth: 2 })) }, { requiredKeys: [] }),
  fc.record(
    { messages: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.array(fc.record({ clientId: segment, message: fc.string() }), { maxLength: 4 })) },
    { requiredKeys: [] },
  ),
  fc.record({ clientIds: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.array(segment, { maxLength: 4 })) }, { requiredKeys: [] }),
  fc.jsonValue({ maxDepth: 3 }),
);
const body = fc.oneof(
  jsonBody.map((value) => JSON.stringify(value) ?? ''),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom('', '{', '[]', 'null', '{"message":"a"}{"message":"b"}', '{"__proto__":{"x":1}}', `{"message":"${'x'.repeat(40_000)}"}`),
);
const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  '',
  'application/x-www-form-urlencoded',
  'application/vnd.api+json',
);
const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS');

describeSecurity(
  'HTTP API fuzzing',
  (target) => {
    it('answers every random request with something other than 500, and keeps serving', async () => {
      const t = target();
      const seen = new Map<number, number>();
      await t.withinMemory(64 * 1_048_576, () =>
        fc.assert(
          fc.asyncProperty(method, route, contentType, body, async (m, path, type, text) => {
            const response = await fetch(t.httpUrl + path, {
              method: m,
              headers: { authorization: `Bearer ${t.apiKey}`, ...(type ? { 'content-type': type } : {}) },
              ...(m === 'GET' ? {} : { body: text }),
              signal: AbortSignal.timeout(10_000),
            });
            await response.arrayBuffer();
            seen.set(response.status, (seen.get(response.status) ?? 0) + 1);
            expect(response.status, `${m} ${path} (${type}) ${text.slice(0, 100)}`).toBeLessThan(500);
          }),
          { seed: FUZZ_SEED, numRuns: fuzzRuns(150) },
        ),
      );
      // The run reached the handlers, not only the router's 404.
      expect([...seen.keys()]).toEqual(expect.arrayContaining([400, 404]));
      await t.expectStillServing();
    }, 60_000);
  },
  { env: { CG_AUTH_FAILURES_PER_MINUTE: '0' } },
);
