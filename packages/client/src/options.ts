import { socketUrlFromLocation } from './socket-url.js';
import type { WebSocketConstructor } from './web-socket.js';

export interface BackoffOptions {
  /** Window of the first retry, in ms (default 500). */
  baseMs?: number;
  /** Largest window, in ms (default 30 000). */
  capMs?: number;
  /** How long a socket must stay open before the retry window shrinks back to `baseMs` (default 10 000). */
  resetAfterMs?: number;
}

export interface ChannelOptions {
  /** The gateway's socket endpoint, `ws(s)://host/v1/socket`. Default: derived from the page (or the jsapi script). */
  url?: string;
  /** WebSocket implementation, e.g. `ws` in Node. Default: the global `WebSocket`. */
  WebSocket?: WebSocketConstructor;
  backoff?: BackoffOptions;
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
  readonly url: string;
  readonly WebSocket: WebSocketConstructor;
  readonly baseMs: number;
  readonly capMs: number;
  readonly resetAfterMs: number;
  /** 0: no heartbeat. */
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly random: () => number;
  readonly getToken: (() => Promise<string>) | undefined;
  readonly now: () => number;
  readonly setTimeout: (callback: () => void, ms: number) => unknown;
  readonly clearTimeout: (handle: unknown) => void;
}

export function resolveSettings(options: ChannelOptions): ConnectionSettings {
  const url = options.url ?? socketUrlFromLocation();
  if (!url) throw new Error('Channel Gateway: no gateway URL (pass options.url outside a browser page)');
  const WebSocketClass = options.WebSocket ?? globalWebSocket();
  if (!WebSocketClass) throw new Error('Channel Gateway: no WebSocket implementation (pass options.WebSocket)');
  const { setTimeout: set, clearTimeout: clear } = options;
  return {
    url,
    WebSocket: WebSocketClass,
    baseMs: duration(options.backoff?.baseMs, 500, 'backoff.baseMs'),
    capMs: duration(options.backoff?.capMs, 30_000, 'backoff.capMs'),
    resetAfterMs: duration(options.backoff?.resetAfterMs, 10_000, 'backoff.resetAfterMs'),
    heartbeatIntervalMs: duration(options.heartbeatIntervalMs, 25_000, 'heartbeatIntervalMs'),
    heartbeatTimeoutMs: positiveDuration(options.heartbeatTimeoutMs, 10_000, 'heartbeatTimeoutMs'),
    random: options.random ?? Math.random,
    getToken: tokenSource(options.getToken),
    now: options.now ? () => options.now!() : () => Date.now(),
    // Wrapped so the timer functions are never called with `this` set to some other object,
    // which browsers reject ("Illegal invocation") for window.setTimeout.
    setTimeout: set ? (callback, ms) => set(callback, ms) : (callback, ms) => globalThis.setTimeout(callback, ms),
    clearTimeout: clear
      ? (handle) => clear(handle)
      : (handle) => globalThis.clearTimeout(handle as Parameters<typeof globalThis.clearTimeout>[0]),
  };
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
