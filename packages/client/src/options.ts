import type { LinkOpener, Transport } from './link.js';
import { refreshUrlFor, socketUrlFromLocation, streamUrlFor } from './socket-url.js';
import { openStreamLink, type FetchLike } from './stream-link.js';
import { openWebSocketLink } from './web-socket-link.js';
import type { WebSocketConstructor } from './web-socket.js';

export interface BackoffOptions {
  /** Window of the first retry, in ms (default 500). */
  baseMs?: number;
  /** Largest window, in ms (default 30 000). */
  capMs?: number;
  /** How long a socket must stay open before the retry window shrinks back to `baseMs` (default 10 000). */
  resetAfterMs?: number;
}

export interface WebSocketRetryOptions {
  /** How long a stream carries the connection before the client tries a WebSocket again, in ms (default 30 000). */
  firstMs?: number;
  /** Each failed try doubles the wait, up to this, in ms (default 300 000). */
  capMs?: number;
}

export interface ChannelOptions {
  /** The gateway's socket endpoint, `ws(s)://host/v1/socket`. Default: derived from the page (or the jsapi script). */
  url?: string;
  /**
   * The gateway's HTTP stream endpoint. Default: beside `url`, `http(s)://host/v1/stream`. A stream's token
   * refresh (with `getToken`) goes to `/v1/refresh` beside it.
   */
  streamUrl?: string;
  /**
   * Which links the client may use (default both): a WebSocket when it gets through, else an HTTP stream.
   * `['websocket']` never falls back; `['stream']` never tries a WebSocket.
   */
  transports?: readonly Transport[];
  /** WebSocket implementation, e.g. `ws` in Node. Default: the global `WebSocket`. */
  WebSocket?: WebSocketConstructor;
  /** `fetch` for the stream (its answer's body must be a ReadableStream). Default: the global `fetch`. */
  fetch?: FetchLike;
  backoff?: BackoffOptions;
  /**
   * A WebSocket that has not brought the gateway's `open` within this many ms gives way to a stream,
   * as one refused by the network does (default 5 000; only where the stream is allowed).
   */
  fallbackTimeoutMs?: number;
  /** While on a stream, when to try to get back to a WebSocket. */
  websocketRetry?: WebSocketRetryOptions;
  /**
   * Once a socket is open, the client pings the gateway this often, in ms (default 25 000), so a
   * half-open connection (the network went away without a FIN or RST) is noticed. 0 turns the
   * heartbeat off, e.g. where the WebSocket implementation pings by itself. Keep it well above a
   * third of a second: the gateway closes sockets that send more than 30 frames in 10 s.
   */
  heartbeatIntervalMs?: number;
  /**
   * How long to wait, in ms, for any frame from the gateway after a ping (or after the hello) before
   * the connection counts as lost: it is closed and the client reconnects and resumes, as after a
   * network drop (default 10 000).
   */
  heartbeatTimeoutMs?: number;
  /**
   * How often the gateway writes a heartbeat on a stream, in ms (its `CG_STREAM_HEARTBEAT_SECONDS`,
   * default 15 000). A stream silent for twice that plus 5 s counts as lost.
   */
  streamHeartbeatMs?: number;
  /**
   * Token refresh (ESM client only; GAE had none): resolves with a new token for the same client ID, from
   * your backend's `POST /v1/channels`. Called before the current token expires (a tenth of its lifetime
   * ahead, at most a minute); the new token is handed to the gateway on the live connection, with no
   * reconnect and nothing lost. A rejection, a token the gateway refuses, or no answer is retried a few
   * times within the time left; if every try fails the socket expires as without it (`onerror` with
   * `Token+timed+out.`, then `onclose`). Without it the token is never refreshed.
   */
  getToken?: () => Promise<string>;
  /** Source of jitter in [0, 1) (default `Math.random`); injectable so tests can pin delays. */
  random?: () => number;
  /** The local clock in ms since the Unix epoch (default `Date.now`); injectable, with the timers, so tests can move time. */
  now?(): number;
  // Methods rather than function properties so both the browser's and Node's timer signatures fit.
  setTimeout?(callback: () => void, ms: number): unknown;
  clearTimeout?(handle: unknown): void;
}

/** Options with every default filled in, as the connection uses them. */
export interface ConnectionSettings {
  /** The links the client may use, each bound to its endpoint; at least one is set. */
  readonly links: Readonly<Partial<Record<Transport, LinkOpener>>>;
  readonly baseMs: number;
  readonly capMs: number;
  readonly resetAfterMs: number;
  readonly fallbackTimeoutMs: number;
  readonly websocketRetry: Required<WebSocketRetryOptions>;
  /** 0: no heartbeat. */
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly streamHeartbeatMs: number;
  readonly random: () => number;
  readonly getToken: (() => Promise<string>) | undefined;
  readonly now: () => number;
  readonly setTimeout: (callback: () => void, ms: number) => unknown;
  readonly clearTimeout: (handle: unknown) => void;
}

const TRANSPORTS: readonly Transport[] = ['websocket', 'stream'];

export function resolveSettings(options: ChannelOptions): ConnectionSettings {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called without `this` on purpose (see below)
  const { setTimeout: set, clearTimeout: clear } = options;
  return {
    links: resolveLinks(options),
    baseMs: duration(options.backoff?.baseMs, 500, 'backoff.baseMs'),
    capMs: duration(options.backoff?.capMs, 30_000, 'backoff.capMs'),
    resetAfterMs: duration(options.backoff?.resetAfterMs, 10_000, 'backoff.resetAfterMs'),
    fallbackTimeoutMs: positiveDuration(options.fallbackTimeoutMs, 5_000, 'fallbackTimeoutMs'),
    websocketRetry: {
      firstMs: positiveDuration(options.websocketRetry?.firstMs, 30_000, 'websocketRetry.firstMs'),
      capMs: positiveDuration(options.websocketRetry?.capMs, 300_000, 'websocketRetry.capMs'),
    },
    heartbeatIntervalMs: duration(options.heartbeatIntervalMs, 25_000, 'heartbeatIntervalMs'),
    heartbeatTimeoutMs: positiveDuration(options.heartbeatTimeoutMs, 10_000, 'heartbeatTimeoutMs'),
    streamHeartbeatMs: positiveDuration(options.streamHeartbeatMs, 15_000, 'streamHeartbeatMs'),
    random: options.random ?? Math.random,
    getToken: tokenSource(options.getToken),
    now: options.now ? () => options.now!() : () => Date.now(),
    // Wrapped so the timer functions are never called with `this` set to some other object,
    // which browsers reject ("Illegal invocation") for window.setTimeout.
    setTimeout: set ? (callback, ms) => set(callback, ms) : (callback, ms) => globalThis.setTimeout(callback, ms),
    clearTimeout: clear ? (handle) => clear(handle) : (handle) => globalThis.clearTimeout(handle as Parameters<typeof globalThis.clearTimeout>[0]),
  };
}

/** The links allowed and available here (a page may lack WebSocket, or a streaming fetch). */
function resolveLinks(options: ChannelOptions): ConnectionSettings['links'] {
  const allowed = options.transports ?? TRANSPORTS;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-argument -- Array.isArray narrows to any[]; this checks untyped callers' input
  if (!Array.isArray(allowed) || allowed.length === 0 || allowed.some((transport) => !TRANSPORTS.includes(transport))) {
    throw new RangeError(`Channel Gateway: transports must list one or both of ${TRANSPORTS.join(', ')}`);
  }
  const url = options.url ?? socketUrlFromLocation();
  if (!url) throw new Error('Channel Gateway: no gateway URL (pass options.url outside a browser page)');
  const links: Partial<Record<Transport, LinkOpener>> = {};
  const WebSocketClass = options.WebSocket ?? globalWebSocket();
  if (allowed.includes('websocket') && WebSocketClass) {
    links.websocket = (hello, events) => openWebSocketLink(WebSocketClass, url, hello, events);
  }
  const fetchStream = options.fetch ?? globalFetch();
  if (allowed.includes('stream') && fetchStream) {
    const streamUrl = options.streamUrl ?? streamUrlFor(url);
    if (!streamUrl) throw new Error(`Channel Gateway: no stream URL can be derived from ${url} (pass options.streamUrl)`);
    const endpoints = { stream: streamUrl, refresh: refreshUrlFor(streamUrl) };
    links.stream = (hello, events) => openStreamLink(fetchStream, endpoints, hello, events);
  }
  if (!links.websocket && !links.stream) {
    throw new Error('Channel Gateway: neither WebSocket nor a streaming fetch here (pass options.WebSocket or options.fetch)');
  }
  return links;
}

function tokenSource(getToken: ChannelOptions['getToken']): ConnectionSettings['getToken'] {
  if (getToken === undefined) return undefined;
  if (typeof getToken !== 'function') throw new TypeError('Channel Gateway: getToken must be a function returning a Promise of a token');
  // Called as a plain function (not as a method of the options object), and a non-promise result is tolerated.
  return async () => getToken();
}

function globalWebSocket(): WebSocketConstructor | undefined {
  return typeof WebSocket === 'function' ? WebSocket : undefined;
}

/** The page's fetch, when its answers can be read as they arrive (a ReadableStream body). */
function globalFetch(): FetchLike | undefined {
  if (typeof fetch !== 'function' || typeof ReadableStream !== 'function' || typeof TextDecoder !== 'function') return undefined;
  return fetch;
}

function duration(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`Channel Gateway: ${name} must be a non-negative number`);
  return value;
}

function positiveDuration(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`Channel Gateway: ${name} must be a positive number`);
  return value;
}
