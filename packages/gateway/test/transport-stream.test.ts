/**
 * The transport contract for streamed answers (HttpExchange.stream), on every transport: status and
 * headers once, parts that reach the client as they are written, backpressure reported like a socket's
 * send (and nothing lost once the reader catches up), the last part written past the limit, the client's
 * going away reported once, HTTP/1.0 close-delimited. Payloads are SSE events: the uWS stream may add
 * comments (`:`) between writes (uws-stream.ts).
 */
import { request, type IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { rawHttp } from '../../../test/support/raw-http.js';
import { waitFor } from '../../../test/support/wait.js';
import { createTransport } from '../src/transport/create-transport.js';
import type { HttpStream, SendResult, Transport } from '../src/transport/transport.js';
import { TEST_TRANSPORTS } from './support/transports.js';

const HEADERS: Array<[string, string]> = [
  ['content-type', 'text/event-stream; charset=utf-8'],
  ['cache-control', 'no-cache'],
];

/** The events in an SSE body so far (comments left out). */
const events = (body: string) =>
  body
    .split('\n\n')
    .slice(0, -1)
    .filter((event) => !event.startsWith(':'));

describe.each(TEST_TRANSPORTS)('streamed answers (%s transport)', (name) => {
  let transport: Transport;
  let port: number;
  let streams: HttpStream[];
  let aborts: number;
  const errors: unknown[] = [];

  const start = async (maxBackpressureBytes = 1024 * 1024) => {
    streams = [];
    aborts = 0;
    transport = createTransport(name, { onError: (error) => errors.push(error) }).transport;
    transport.route('post', '/stream', (exchange) => {
      const body: Buffer[] = [];
      exchange.onData((chunk, isLast) => {
        body.push(chunk);
        if (!isLast) return;
        const stream = exchange.stream(200, [...HEADERS, ['x-request-body', Buffer.concat(body).toString()]], { maxBackpressureBytes });
        stream.onAborted(() => aborts++);
        stream.write(':\n\n');
        streams.push(stream);
      });
    });
    transport.route('any', '/*', (exchange) => exchange.respond(404, [], 'none'));
    port = await transport.listen('127.0.0.1', 0);
  };
  afterEach(() => {
    transport.close();
    expect(errors).toEqual([]);
  });

  /** POSTs and resolves with the response once its headers arrived. */
  const open = (body = 'hello') =>
    new Promise<IncomingMessage>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/stream', method: 'POST', headers: { 'content-type': 'text/plain' } }, resolve);
      req.on('error', reject);
      req.end(body);
    });
  const collect = (response: IncomingMessage) => {
    const state = { text: '', ended: false, closed: false };
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => (state.text += chunk));
    response.on('end', () => (state.ended = true));
    response.on('close', () => (state.closed = true));
    return state;
  };

  it('sends status and headers once, then each part as it is written, then ends', async () => {
    await start();
    const response = await open('the body');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(response.headers['x-request-body']).toBe('the body');
    expect(response.headers['content-length']).toBeUndefined();
    expect(response.headers['transfer-encoding']).toBe('chunked');
    const body = collect(response);
    const [stream] = streams;
    for (let i = 1; i <= 3; i++) {
      expect(stream!.write(`data: ${i}\n\n`)).toBe('sent');
      // Each part arrives before the next is written: nothing waits for the end.
      await waitFor(() => events(body.text).length === i, { what: `part ${i}`, timeoutMs: 5_000 });
    }
    stream!.cork(() => {
      stream!.write('data: 4\n\n');
      stream!.write('data: 5\n\n');
    });
    stream!.end('data: last\n\n');
    await waitFor(() => body.ended, { what: 'the end of the answer' });
    expect(events(body.text)).toEqual(['data: 1', 'data: 2', 'data: 3', 'data: 4', 'data: 5', 'data: last']);
    expect(stream!.finished).toBe(true);
    expect(stream!.write('data: after\n\n')).toBe('dropped');
    expect(aborts).toBe(0);
  });

  it('reports the client going away once, and drops writes after it', async () => {
    await start();
    const response = await open();
    response.destroy();
    await waitFor(() => aborts === 1, { what: 'onAborted' });
    const [stream] = streams;
    expect(stream!.finished).toBe(true);
    expect(stream!.write('data: x\n\n')).toBe('dropped');
    stream!.end('data: y\n\n');
    expect(aborts).toBe(1);
  });

  it('reports backpressure while the reader lags, drops past the limit, and loses nothing written once it reads', async () => {
    const limit = 256 * 1024;
    await start(limit);
    const response = await open();
    response.pause();
    const [stream] = streams;
    const part = (i: number) => `data: ${i} ${'x'.repeat(8 * 1024)}\n\n`;
    const results: SendResult[] = [];
    let written = 0;
    // Bounded: the kernel's buffers on both sides hold a few MiB at most.
    for (let i = 0; i < 4_000 && results.at(-1) !== 'dropped'; i++) {
      const result = stream!.write(part(i));
      results.push(result);
      if (result !== 'dropped') written++;
      if (i % 64 === 63) await new Promise((resolve) => setImmediate(resolve)); // lets the socket report
    }
    expect(results.at(-1)).toBe('dropped');
    expect(results).toContain('backpressure');
    expect(results.indexOf('backpressure')).toBeLessThan(results.indexOf('dropped'));
    expect(stream!.bufferedAmount()).toBeGreaterThan(limit / 2);
    // The last part goes out past the limit (a close frame must reach the client).
    stream!.end('data: last\n\n');
    const body = collect(response);
    response.resume();
    await waitFor(() => body.ended, { what: 'the whole answer', timeoutMs: 15_000 });
    const received = events(body.text);
    expect(received.length).toBe(written + 1);
    expect(received.slice(0, written)).toEqual(Array.from({ length: written }, (_, i) => part(i).slice(0, -2)));
    expect(received.at(-1)).toBe('data: last');
  });

  it('writes nothing lost after backpressure clears, and bufferedAmount returns to 0', async () => {
    await start(256 * 1024);
    const response = await open();
    response.pause();
    const [stream] = streams;
    let written = 0;
    for (let i = 0; i < 4_000 && stream!.write(`data: ${i} ${'y'.repeat(4096)}\n\n`) === 'sent'; i++) {
      written++;
      if (i % 64 === 63) await new Promise((resolve) => setImmediate(resolve));
    }
    const body = collect(response);
    response.resume();
    await waitFor(() => stream!.bufferedAmount() === 0, { what: 'the buffer to drain', timeoutMs: 10_000 });
    expect(stream!.write('data: after\n\n')).toBe('sent');
    await waitFor(() => events(body.text).at(-1) === 'data: after', { what: 'the part written after the drain', timeoutMs: 10_000 });
    expect(events(body.text).length).toBe(written + 2);
  });

  // The uWS fork does not answer HTTP/1.0 at all (test/security/http10.test.ts).
  if (name === 'node')
    it('streams close-delimited to an HTTP/1.0 client', async () => {
      await start();
      const exchange = rawHttp(port, 'POST /stream HTTP/1.0\r\nHost: localhost\r\nContent-Length: 2\r\n\r\nhi', { expectAnswers: 2, timeoutMs: 5_000 });
      await waitFor(() => streams.length === 1, { what: 'the stream' });
      streams[0]!.write('data: 1\n\n');
      streams[0]!.end('data: 2\n\n');
      const { raw, closed } = await exchange;
      expect(closed).toBe(true);
      const [head, body] = raw.split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.[01] 200 /);
      expect(head!.toLowerCase()).not.toMatch(/content-length|transfer-encoding/);
      expect(head!.toLowerCase()).toMatch(/connection: close/);
      expect(body).toBe(':\n\ndata: 1\n\ndata: 2\n\n');
    });
});
