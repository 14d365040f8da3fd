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
  /** Source of jitter in [0, 1) (default `Math.random`); injectable so tests can pin delays. */
  random?: () => number;
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
  readonly random: () => number;
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
    baseMs: duration(options.backoff?.baseMs, 500, 'baseMs'),
    capMs: duration(options.backoff?.capMs, 30_000, 'capMs'),
    resetAfterMs: duration(options.backoff?.resetAfterMs, 10_000, 'resetAfterMs'),
    random: options.random ?? Math.random,
    // Wrapped so the timer functions are never called with `this` set to some other object,
    // which browsers reject ("Illegal invocation") for window.setTimeout.
    setTimeout: set ? (callback, ms) => set(callback, ms) : (callback, ms) => globalThis.setTimeout(callback, ms),
    clearTimeout: clear
      ? (handle) => clear(handle)
      : (handle) => globalThis.clearTimeout(handle as Parameters<typeof globalThis.clearTimeout>[0]),
  };
}

function globalWebSocket(): WebSocketConstructor | undefined {
  return typeof WebSocket === 'function' ? WebSocket : undefined;
}

function duration(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`Channel Gateway: backoff.${name} must be a non-negative number`);
  return value;
}
