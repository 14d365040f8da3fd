import { CloseCode, parseServerFrame } from '@channel-gateway/protocol';
import type { Link, LinkEvents } from './link.js';
import { SseParser } from './sse-parser.js';
import { refreshOverHttp } from './stream-refresh.js';

/** The slice of `fetch` the stream link uses; the browser's and Node's both fit. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/**
 * A link over one HTTP stream: `POST <url>` with the hello as the body, answered with Server-Sent Events,
 * one event per server frame (docs/PROTOCOL.md, "HTTP stream"). The hello travels as text/plain so a
 * cross-origin page needs no CORS preflight, and the token stays out of the URL.
 *
 * The gateway's last event is a `close` frame with the close code; an answer that ends without one, a
 * fetch that fails, or an answer other than 200 (a refused stream: 429, 503) is a drop, 1006.
 */
export interface StreamEndpoints {
  /** `POST` here opens the stream: `<gateway>/v1/stream`. */
  readonly stream: string;
  /** `POST` here refreshes its token: `<gateway>/v1/refresh`. */
  readonly refresh: string;
}

export function openStreamLink(fetchStream: FetchLike, endpoints: StreamEndpoints, hello: string, events: LinkEvents): Link {
  const abort = typeof AbortController === 'function' ? new AbortController() : undefined;
  let live = true;
  const end = (code: number): void => {
    if (!live) return;
    live = false;
    abort?.abort();
    events.closed(code);
  };
  void read(fetchStream, endpoints.stream, hello, abort?.signal, {
    ready: () => live && events.ready(),
    heard: () => live && events.heard(),
    frame: (text) => {
      if (!live) return;
      const frame = parseServerFrame(text);
      if (frame?.type === 'close') end(frame.code);
      // The answer to POST /v1/refresh settles a refresh; its frame on the stream says the same again.
      else if (frame && frame.type !== 'refreshed' && frame.type !== 'refresh-refused') events.frame(frame);
    },
  }).then(
    () => end(CloseCode.ABNORMAL),
    () => end(CloseCode.ABNORMAL),
  );
  return {
    transport: 'stream',
    pings: false,
    ping: () => false,
    refresh: async (token, connectionId) => {
      if (!live) return { kind: 'failed' };
      const answer = await refreshOverHttp(fetchStream, endpoints.refresh, token, connectionId);
      if (answer.kind === 'refreshed' && live) events.refreshed(token, answer.expiresAt, undefined);
      return answer;
    },
    close: () => {
      live = false;
      abort?.abort();
    },
  };
}

interface StreamReader {
  ready(): void;
  heard(): void;
  frame(text: string): void;
}

/** Resolves when the answer ends (or is not a stream); rejects when the request or the read fails. */
async function read(fetchStream: FetchLike, url: string, hello: string, signal: AbortSignal | undefined, reader: StreamReader): Promise<void> {
  const response = await fetchStream(url, {
    method: 'POST',
    body: hello,
    headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
    cache: 'no-store',
    credentials: 'omit',
    ...(signal ? { signal } : {}),
  });
  if (response.status !== 200 || !response.body) {
    // Nothing more will come; let the connection be reused.
    void response.body?.cancel().catch(() => undefined);
    return;
  }
  reader.ready();
  const body = response.body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  try {
    for (;;) {
      const { done, value } = await body.read();
      if (done) return;
      reader.heard();
      for (const event of parser.push(decoder.decode(value, { stream: true }))) reader.frame(event);
    }
  } finally {
    void body.cancel().catch(() => undefined);
  }
}
