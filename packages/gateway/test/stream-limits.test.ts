/**
 * What the HTTP stream refuses and limits, on each transport: the WebSocket's admission checks (per-IP
 * connect rate, per-address and per-node caps, counted together with WebSockets) answered as JSON errors;
 * a body that is not a hello; CORS; heartbeats; a reader that does not keep up (SLOW_CONSUMER); HTTP/1.0.
 */
import { request, type IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { CloseCode } from '@channel-gateway/protocol';
import { rawHttp } from '../../../test/support/raw-http.js';
import { TestStream } from '../../../test/support/sse-client.js';
import { waitFor } from '../../../test/support/wait.js';
import type { GatewayConfig } from '../src/config.js';
import { startTestGateway, type TestGateway } from './support/in-process-gateway.js';
import { TestSocket } from './support/test-socket.js';
import { TEST_TRANSPORTS } from './support/transports.js';

const metric = async (gateway: TestGateway, pattern: RegExp) => Number(pattern.exec(await (await fetch(`${gateway.httpUrl}/metrics`)).text())?.[1] ?? 0);

describe.each(TEST_TRANSPORTS)('HTTP stream limits (%s transport)', (transport) => {
  let gateway: TestGateway;
  const start = async (overrides: Partial<GatewayConfig> = {}) => (gateway = await startTestGateway('redis', { transport, ...overrides }));
  afterEach(async () => gateway.stop());

  it('refuses a body that is not a hello (400), a body over the frame limit (413) and other methods (405)', async () => {
    await start({ maxInboundFrameBytes: 1024 });
    for (const body of ['not json', '{"type":"ping"}', '{"type":"hello"}', '']) {
      const stream = await TestStream.post(gateway.httpUrl, body);
      expect(stream.response.status).toBe(400);
      expect(await stream.response.json()).toMatchObject({ error: { code: 'invalid_field' } });
    }
    const big = await TestStream.post(gateway.httpUrl, { type: 'hello', token: 'x'.repeat(2000) });
    expect(big.response.status).toBe(413);
    const get = await fetch(`${gateway.httpUrl}/v1/stream`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST, OPTIONS');
  });

  it('answers CORS for allowed origins and the preflight; a refused origin gets no CORS and ORIGIN_REJECTED', async () => {
    await start({ allowedOrigins: ['https://app.example'] });
    const { token } = await gateway.createChannel();
    const preflight = await fetch(`${gateway.httpUrl}/v1/stream`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(
      Object.fromEntries(
        ['access-control-allow-origin', 'access-control-allow-methods', 'access-control-allow-headers', 'vary'].map((name) => [
          name,
          preflight.headers.get(name),
        ]),
      ),
    ).toEqual({
      'access-control-allow-origin': 'https://app.example',
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'Content-Type',
      vary: 'Origin',
    });
    const allowed = await TestStream.open(gateway.httpUrl, token, undefined, { origin: 'https://app.example' });
    expect(allowed.response.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(allowed.response.headers.get('vary')).toBe('Origin');
    allowed.close();
    const refused = await TestStream.post(gateway.httpUrl, { type: 'hello', token }, { origin: 'https://evil.example' });
    expect(refused.response.headers.get('access-control-allow-origin')).toBeNull();
    expect(await refused.closeCode()).toBe(CloseCode.ORIGIN_REJECTED);
  });

  it('writes a heartbeat at once and then every CG_STREAM_HEARTBEAT_SECONDS', async () => {
    await start({ streamHeartbeatSeconds: 1 });
    const { token } = await gateway.createChannel();
    const stream = await TestStream.open(gateway.httpUrl, token);
    expect(stream.framesBeforeFirstHeartbeat).toBe(0); // the first one comes before the open frame
    const [opened, count] = [Date.now(), stream.heartbeats];
    await waitFor(() => stream.heartbeats >= count + 2, { what: 'two more heartbeats', timeoutMs: 5_000 });
    expect(Date.now() - opened).toBeGreaterThanOrEqual(900); // one timer tick apart, at least
    stream.close();
  });

  it('refuses streams past the per-IP connect rate and the per-address cap (shared with WebSockets) with 429, past the node cap with 503', async () => {
    await start({ connectsPerSecondPerIp: 2 }); // burst 4
    const { token } = await gateway.createChannel();
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await TestStream.post(gateway.httpUrl, { type: 'hello', token }));
    expect(answers.map((stream) => stream.response.status)).toEqual([200, 200, 200, 200, 429]);
    expect(await answers[4]!.response.json()).toMatchObject({ error: { code: 'rate_limited' } });
    for (const stream of answers) stream.close();
    await gateway.stop();

    await start({ maxSocketsPerIp: 2, maxSockets: 3 });
    const channel = await gateway.createChannel();
    const socket = await TestSocket.connect(gateway.wsUrl);
    const stream = await TestStream.open(gateway.httpUrl, channel.token);
    const over = await TestStream.post(gateway.httpUrl, { type: 'hello', token: channel.token });
    expect(over.response.status).toBe(429);
    await expect(TestSocket.connect(gateway.wsUrl)).rejects.toThrow('upgrade refused: 429');
    stream.close();
    await waitFor(
      () => TestStream.post(gateway.httpUrl, { type: 'hello', token: channel.token }).then((again) => (again.close(), again.response.status === 200)),
      {
        what: 'a slot after the stream left',
      },
    );
    expect(await metric(gateway, /cg_connects_total\{result="too_many_sockets"\} (\d+)/)).toBe(2);
    socket.close();
    await gateway.stop();

    await start({ maxSockets: 1 });
    const other = await TestSocket.connect(gateway.wsUrl, { localAddress: '127.0.0.2' }); // the node's one socket, from another address
    const full = await TestStream.post(gateway.httpUrl, { type: 'hello', token: (await gateway.createChannel()).token });
    expect(full.response.status).toBe(503);
    expect(full.response.headers.get('retry-after')).toBe('1');
    expect(await full.response.json()).toMatchObject({ error: { code: 'unavailable' } });
    other.close();
  });

  it('closes a stream whose reader does not keep up with SLOW_CONSUMER, the close frame last', async () => {
    await start({ maxBackpressureBytes: 16_384 });
    const { clientId, token } = await gateway.createChannel();
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(`${gateway.httpUrl}/v1/stream`, { method: 'POST', headers: { 'content-type': 'text/plain' } }, resolve);
      req.on('error', reject);
      req.end(JSON.stringify({ type: 'hello', token }));
    });
    response.pause(); // reads nothing: the kernel's buffers fill, then the gateway's
    const message = 'm'.repeat(30_000);
    const closed = () => metric(gateway, /cg_socket_closes_total\{reason="SLOW_CONSUMER"\} (\d+)/);
    for (let batch = 0; batch < 200 && (await closed()) === 0; batch++) {
      await gateway.api('POST', '/v1/messages', { messages: Array.from({ length: 50 }, () => ({ clientId, message })) });
    }
    expect(await closed()).toBe(1);
    let body = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => (body += chunk));
    response.resume();
    await new Promise((resolve) => response.once('end', resolve));
    const events = body.split('\n\n').filter((event) => event.startsWith('data: '));
    expect(JSON.parse(events.at(-1)!.slice(6))).toEqual({ type: 'close', code: CloseCode.SLOW_CONSUMER, reason: 'SLOW_CONSUMER' });
    expect(events.slice(1, -1).every((event) => event === `data: {"type":"msg","seq":${JSON.parse(event.slice(6)).seq},"data":"${message}"}`)).toBe(true);
  });

  // The uWS fork does not answer HTTP/1.0 at all (test/security/http10.test.ts).
  if (transport === 'node') {
    it('streams close-delimited to an HTTP/1.0 client', async () => {
      await start();
      const { clientId, token } = await gateway.createChannel();
      const hello = JSON.stringify({ type: 'hello', token });
      const exchange = rawHttp(gateway.node.port, `POST /v1/stream HTTP/1.0\r\nHost: localhost\r\nContent-Length: ${hello.length}\r\n\r\n${hello}`, {
        expectAnswers: 2,
        timeoutMs: 10_000,
      });
      await waitFor(async () => (await gateway.api('GET', `/v1/channels/${clientId}`)).body?.connected, { what: 'the stream to open' });
      await gateway.send(clientId, 'over HTTP/1.0');
      await gateway.api('DELETE', `/v1/channels/${clientId}`);
      const { raw, closed } = await exchange;
      expect(closed).toBe(true);
      const [head, body] = raw.split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.[01] 200 /);
      expect(head!.toLowerCase()).not.toMatch(/content-length|transfer-encoding/);
      expect(head!.toLowerCase()).toMatch(/connection: close/);
      expect(body).toMatch(
        /^:\n\ndata: \{"type":"open",[^\n]*\n\ndata: \{"type":"msg","seq":1,"data":"over HTTP\/1\.0"\}\n\ndata: \{"type":"close","code":4001,"reason":"INVALID_TOKEN"\}\n\n$/,
      );
    });
  }
});
