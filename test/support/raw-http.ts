/**
 * HTTP/1.x over a raw TCP socket, for requests fetch refuses to send (odd methods, malformed Host, two
 * requests in one write, HTTP/1.0). Collects what the server writes until it closes the connection, the
 * expected number of answers arrived, or the deadline passes.
 */
import { connect } from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawExchange {
  /** Every complete answer, in order. */
  answers: RawAnswer[];
  /** Whether the server closed the connection (before the deadline). */
  closed: boolean;
  raw: string;
}

/**
 * Writes `request` (a string or chunks, each written as it comes) and reads answers. Resolves once
 * `expectAnswers` complete answers arrived (default 1), the server closed, or `timeoutMs` passed.
 */
export function rawHttp(
  port: number,
  request: string | Buffer,
  options: {
    expectAnswers?: number;
    timeoutMs?: number;
    head?: boolean;
    /** Source address, e.g. 127.0.0.2 to be another client. */ localAddress?: string;
  } = {},
): Promise<RawExchange> {
  const expectAnswers = options.expectAnswers ?? 1;
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', ...(options.localAddress ? { localAddress: options.localAddress } : {}) });
    let raw = Buffer.alloc(0);
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const text = raw.toString('latin1');
      resolve({ answers: parseAnswers(text, options.head ?? false), closed, raw: text });
    };
    const timer = setTimeout(() => finish(false), options.timeoutMs ?? 3_000);
    socket.on('data', (chunk) => {
      raw = Buffer.concat([raw, chunk]);
      if (parseAnswers(raw.toString('latin1'), options.head ?? false).length >= expectAnswers) finish(false);
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.write(request);
  });
}

/** Splits a byte stream into answers (Content-Length or chunked bodies; `head`: answers carry no body). */
export function parseAnswers(text: string, head = false): RawAnswer[] {
  const answers: RawAnswer[] = [];
  let rest = text;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) return answers;
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
    if (!status) return answers;
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    let bodyStart = end + 4;
    let body = '';
    if (!head && headers['transfer-encoding']?.includes('chunked')) {
      const last = rest.indexOf('\r\n0\r\n\r\n', bodyStart - 2);
      if (last < 0) return answers;
      body = rest.slice(bodyStart, last);
      bodyStart = last + 7;
    } else if (!head && headers['content-length'] !== undefined) {
      const length = Number(headers['content-length']);
      if (rest.length < bodyStart + length) return answers;
      body = rest.slice(bodyStart, bodyStart + length);
      bodyStart += length;
    }
    answers.push({ status, headers, body });
    rest = rest.slice(bodyStart);
  }
}
