/**
 * The answers docs/openapi.yaml shows are the real ones: every error example (components.responses), with
 * the headers the document declares for it, and the /readyz examples are produced on a real node and
 * compared whole. A documented example that this
 * file does not know how to produce fails the test, so a new one cannot drift unchecked.
 */
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { findRedisServer, getFreePort, spawnProcess, waitFor, type SpawnedProcess } from '../../../test/support/index.js';
import { GatewayNode } from '../src/gateway-node.js';
import { configWith } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { opsRoutes } from '../src/http/ops-routes.js';
import { API_KEY, startTestGateway, type TestGateway } from './support/in-process-gateway.js';

interface Documented {
  readonly status: number;
  readonly body: unknown;
}

const openapi = parse(readFileSync(new URL('../../../docs/openapi.yaml', import.meta.url), 'utf8'));

/** Every example in components.responses, as `<Response>` or `<Response>.<example name>`. */
function errorExamples(): Map<string, unknown> {
  const found = new Map<string, unknown>();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the parsed YAML document is untyped
  for (const [name, response] of Object.entries<any>(openapi.components.responses)) {
    const content = response.content?.['application/json'];
    if (content?.example !== undefined) found.set(name, content.example);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the parsed YAML document is untyped
    for (const [example, { value }] of Object.entries<any>(content?.examples ?? {})) found.set(`${name}.${example}`, value);
  }
  return found;
}

function readyzExample(status: '200' | '503', name?: string): unknown {
  const content = openapi.paths['/readyz'].get.responses[status].content['application/json'];
  return name ? content.examples[name].value : content.example;
}

async function answer(response: Response): Promise<Documented> {
  return { status: response.status, body: await response.json() };
}

describe('docs/openapi.yaml examples are real answers', () => {
  let gateway: TestGateway;
  let redis: SpawnedProcess | undefined;
  let onRedis: TestGateway | undefined;
  let throttled: TestGateway | undefined;
  let browserFacing: TestGateway | undefined;
  beforeAll(async () => {
    gateway = await startTestGateway('memory');
  });
  afterAll(async () => {
    await gateway?.stop();
    await onRedis?.stop();
    await throttled?.stop();
    await browserFacing?.stop();
    await redis?.stop('SIGKILL');
  });

  const ALLOWED = 'https://app.example';
  const BROWSER_FACING = { allowedOrigins: [ALLOWED], connectsPerSecondPerIp: 1 };
  const refresh = (node: TestGateway, body: unknown, origin = ALLOWED) =>
    fetch(node.httpUrl + '/v1/refresh', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'text/plain;charset=UTF-8', origin } });
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(gateway.httpUrl + path, { method: 'POST', body, headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json', ...headers } });

  /** How to get each documented error from a real node, and the status it comes with. */
  const produce: Record<string, () => Promise<Response>> = {
    'BadRequest.invalidField': () => post('/v1/channels', JSON.stringify({ durationMinutes: 1.5 })),
    'BadRequest.invalidJson': () => post('/v1/channels', '{"clientId":'),
    'Unauthorized.missing': () => fetch(gateway.httpUrl + '/v1/channels/user-42'),
    'Unauthorized.wrong': () => fetch(gateway.httpUrl + '/v1/channels/user-42', { headers: { authorization: 'Bearer not-the-key' } }),
    NotFound: () => fetch(gateway.httpUrl + '/v1/channels/nobody-here', { headers: { authorization: `Bearer ${API_KEY}` } }),
    PayloadTooLarge: () => post('/v1/channels/user-42/messages', JSON.stringify({ message: 'x'.repeat(gateway.node.config.maxBodyBytes) })),
    UnsupportedMediaType: () => post('/v1/channels', '{}', { 'content-type': 'text/plain' }),
    MethodNotAllowed: () => fetch(gateway.httpUrl + '/v1/messages', { headers: { authorization: `Bearer ${API_KEY}` } }),
    UpgradeRequired: () => fetch(gateway.httpUrl + '/v1/socket'),
    IdempotencyKeyReused: async () => {
      await post('/v1/channels', JSON.stringify({ clientId: 'user-42' }));
      const once = (message: string) => post('/v1/channels/user-42/messages', JSON.stringify({ message }), { 'idempotency-key': 'order-1' });
      expect((await once('first')).status).toBe(202);
      return once('another message');
    },
    // An address past its failed API-key attempts (a node of its own, so the other examples are not throttled).
    RateLimited: async () => {
      throttled = await startTestGateway('memory', { authFailuresPerMinute: 2 });
      const wrongKey = () => fetch(throttled!.httpUrl + '/v1/channels/user-42', { headers: { authorization: 'Bearer not-the-key' } });
      for (let attempt = 0; attempt < 2; attempt++) expect((await wrongKey()).status).toBe(401);
      return wrongKey();
    },
    // POST /v1/refresh, as a page sends it (text/plain, no API key).
    'TokenRefused.invalidToken': () => refresh(gateway, { token: 'not-a-token', connectionId: 'a1b2c3.4f' }),
    'TokenRefused.expired': async () => {
      const { token } = await gateway.createChannel({ durationMinutes: 1 });
      gateway.clock.advance(61_000);
      try {
        return await refresh(gateway, { token, connectionId: 'a1b2c3.4f' });
      } finally {
        gateway.clock.advance(-61_000);
      }
    },
    NotOwner: async () => refresh(gateway, { token: (await gateway.createChannel()).token, connectionId: 'a1b2c3.4f' }),
    OriginRejected: async () =>
      refresh(
        (browserFacing ??= await startTestGateway('memory', BROWSER_FACING)),
        { token: 'not-a-token', connectionId: 'a1b2c3.4f' },
        'https://elsewhere.example',
      ),
    // Past its connect rate (1 a second, burst 2) from one address; the first two are answered on their merits.
    RefreshRateLimited: async () => {
      browserFacing ??= await startTestGateway('memory', BROWSER_FACING);
      for (let attempt = 0; attempt < 2; attempt++)
        expect((await refresh(browserFacing, { token: 'not-a-token', connectionId: 'a1b2c3.4f' }, ALLOWED)).status).toBe(401);
      return refresh(browserFacing, { token: 'not-a-token', connectionId: 'a1b2c3.4f' }, ALLOWED);
    },
    // A node whose Redis is gone.
    Unavailable: async () => {
      const port = await getFreePort();
      redis = spawnProcess(
        findRedisServer(),
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', mkdtempSync(join(tmpdir(), 'cg-openapi-'))],
        { name: 'redis-openapi' },
      );
      await redis.waitForLine(/Ready to accept connections/, 10_000);
      onRedis = await startTestGateway('redis', { redisUrl: `redis://127.0.0.1:${port}` });
      await redis.stop('SIGKILL');
      await waitFor(async () => (await fetch(onRedis!.httpUrl + '/readyz')).status === 503, { what: '/readyz to fail' });
      return fetch(onRedis.httpUrl + '/v1/channels', {
        method: 'POST',
        body: '{}',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      });
    },
  };
  const statusOf: Record<string, number> = {
    BadRequest: 400,
    Unauthorized: 401,
    NotFound: 404,
    PayloadTooLarge: 413,
    UnsupportedMediaType: 415,
    MethodNotAllowed: 405,
    UpgradeRequired: 426,
    IdempotencyKeyReused: 409,
    RateLimited: 429,
    Unavailable: 503,
    TokenRefused: 401,
    OriginRejected: 403,
    NotOwner: 409,
    RefreshRateLimited: 429,
  };

  it('documents exactly the error examples this test produces', () => {
    expect([...errorExamples().keys()].sort()).toEqual(Object.keys(produce).sort());
  });

  for (const [name, request] of Object.entries(produce)) {
    it(`${name}: the documented body is what the node answers`, async () => {
      const documented = errorExamples().get(name);
      const response = await request();
      // The headers the document declares for this answer (Retry-After, Allow, Upgrade) are sent.
      const declared = Object.keys(openapi.components.responses[name.split('.')[0]!].headers ?? {});
      for (const header of declared) expect(response.headers.get(header), `${name}: ${header}`).toBeTruthy();
      expect(await answer(response)).toEqual({ status: statusOf[name.split('.')[0]!], body: documented });
    });
  }

  it('/readyz: ready, and the body of a node whose Redis is gone', async () => {
    expect(await answer(await fetch(gateway.httpUrl + '/readyz'))).toEqual({ status: 200, body: readyzExample('200') });
    if (!onRedis) throw new Error('runs after Unavailable, which stops that node’s Redis');
    const notReady = await fetch(onRedis.httpUrl + '/readyz');
    expect(notReady.headers.get('retry-after')).toBe('1');
    expect(await answer(notReady)).toEqual({ status: 503, body: readyzExample('503', 'redisUnreachable') });
  });

  it('/readyz: the body of a draining node', async () => {
    // A node's readiness as its /readyz route reports it; a draining node no longer accepts connections,
    // so the route is asked directly (the same Hono route the node serves).
    const node = new GatewayNode(
      configWith({ port: 0, host: '127.0.0.1', apiKeys: [API_KEY], apiKeyGenerated: false, nodeId: 'draining-node', logLevel: 'silent' }),
      {
        logger: createLogger('silent', 'draining-node'),
      },
    );
    await node.drain();
    const response = await opsRoutes(node.metrics, node).request('/readyz');
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await answer(response)).toEqual({ status: 503, body: readyzExample('503', 'draining') });
  });
});
