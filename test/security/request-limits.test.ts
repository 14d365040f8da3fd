/**
 * Issue 12.2/12.8, request heads on every transport: more than 40 headers or over 16 KiB of them answer
 * 431 (the uWS fork used to give no answer past ~49 headers), a repeated Content-Length 400 (uWS took the
 * first), and HEAD answers the GET's Content-Length with no body (it answered 0).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_TRANSPORTS } from '../../packages/gateway/test/support/transports.js';
import { startGatewayProcess, type GatewayHandle } from '../support/index.js';
import { rawHttp } from '../support/raw-http.js';

const get = (path: string, extra: string[] = []) => [`GET ${path} HTTP/1.1`, 'Host: localhost', 'Connection: close', ...extra, '', ''].join('\r\n');
const headers = (count: number) => Array.from({ length: count }, (_, i) => `X-Filler-${i}: v`);

describe.each(TEST_TRANSPORTS)('request head limits (%s transport)', (transport) => {
  let node: GatewayHandle;
  beforeAll(async () => {
    node = await startGatewayProcess({ redisUrl: null, transport });
  });
  afterAll(async () => node?.stop());

  it('serves 40 headers and answers 431 to 41, and to over 16 KiB of them', async () => {
    expect((await rawHttp(node.port, get('/healthz', headers(38)))).answers[0]?.status).toBe(200); // + Host, Connection
    expect((await rawHttp(node.port, get('/healthz', headers(39)))).answers[0]?.status).toBe(431);
    expect((await rawHttp(node.port, get('/healthz', [`X-Big: ${'a'.repeat(17 * 1024)}`]))).answers[0]?.status).toBe(431);
    expect((await rawHttp(node.port, get('/healthz', [`X-Big: ${'a'.repeat(8 * 1024)}`]))).answers[0]?.status).toBe(200);
  });

  it('refuses a repeated Content-Length with 400, on the native send route and on Hono routes', async () => {
    for (const path of ['/v1/channels', '/v1/channels/someone/messages']) {
      const twoLengths = [
        `POST ${path} HTTP/1.1`,
        'Host: localhost',
        `Authorization: Bearer ${node.apiKey}`,
        'Content-Type: application/json',
        'Content-Length: 2',
        'Content-Length: 16',
        '',
        '{}',
      ].join('\r\n');
      const { answers, closed } = await rawHttp(node.port, twoLengths, { expectAnswers: 2 });
      expect(
        answers.map((answer) => answer.status),
        path,
      ).toEqual([400]);
      expect(closed).toBe(true);
    }
  });

  it('answers HEAD with the GET’s Content-Length and no body', async () => {
    const got = (await rawHttp(node.port, get('/healthz'))).answers[0]!;
    const head = await rawHttp(node.port, get('/healthz').replace(/^GET/, 'HEAD'), { head: true });
    expect(head.answers[0]!.status).toBe(200);
    expect(head.answers[0]!.headers['content-length']).toBe(String(Buffer.byteLength(got.body)));
    expect(head.raw.endsWith('\r\n\r\n')).toBe(true); // nothing after the head
    const missing = await rawHttp(node.port, get('/no-such-page').replace(/^GET/, 'HEAD'), { head: true });
    expect(missing.answers[0]!.status).toBe(404);
    expect(Number(missing.answers[0]!.headers['content-length'])).toBeGreaterThan(0);
  });

  it('serves requests that ask for an h2c upgrade as ordinary ones (Java’s HttpClient asks on every request)', async () => {
    const h2c = ['Connection: Upgrade, HTTP2-Settings', 'Upgrade: h2c', 'HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA'];
    const body = JSON.stringify({ clientId: `h2c-${transport}` });
    const post = [
      `POST /v1/channels HTTP/1.1`,
      'Host: localhost',
      `Authorization: Bearer ${node.apiKey}`,
      'Content-Type: application/json',
      `Content-Length: ${body.length}`,
      ...h2c,
      '',
      body,
    ].join('\r\n');
    const del = [`DELETE /v1/channels/h2c-${transport} HTTP/1.1`, 'Host: localhost', `Authorization: Bearer ${node.apiKey}`, ...h2c, '', ''].join('\r\n');
    const health = ['GET /healthz HTTP/1.1', 'Host: localhost', ...h2c, '', ''].join('\r\n');
    expect((await rawHttp(node.port, health)).answers[0]?.status).toBe(200);
    expect((await rawHttp(node.port, post)).answers[0]?.status).toBe(201);
    expect((await rawHttp(node.port, del)).answers[0]?.status).toBe(204);
  });
});
