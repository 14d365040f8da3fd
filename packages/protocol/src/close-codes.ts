/**
 * Every way a gateway closes a client socket, in one place for gateway, client and SDK.
 * Each code says what the client must do next:
 *  - `terminal`: the socket is finished; the app gets `onerror` (when `error` is set) and `onclose`.
 *  - `backoff`:  a transient fault; reconnect with full-jitter exponential backoff and resume.
 *  - `now`:      the node is going away on purpose (drain); reconnect at once, elsewhere, and resume.
 */
export type ReconnectRule = 'terminal' | 'backoff' | 'now';

export interface CloseCodeInfo {
  readonly code: number;
  readonly name: string;
  readonly reconnect: ReconnectRule;
  /** GAE-style error the browser client reports through `onerror`, when the close is an error. */
  readonly error?: { readonly code: number; readonly description: string };
}

/** GAE's exact error texts; the `+` signs are literal (GAE copied the HTTP status text). */
export const GAE_INVALID_TOKEN = { code: 401, description: 'Invalid+token.' } as const;
export const GAE_TOKEN_TIMED_OUT = { code: 401, description: 'Token+timed+out.' } as const;

export const CloseCode = {
  /** The client closed the socket itself (`socket.close()`). */
  NORMAL: 1000,
  /** The browser or a proxy dropped the connection without a close frame (never sent by the gateway). */
  ABNORMAL: 1006,
  /** A frame was larger than the inbound frame limit. */
  FRAME_TOO_BIG: 1009,
  /** The token is unknown, revoked (channel deleted) or malformed. */
  INVALID_TOKEN: 4001,
  /** The token's lifetime ended, before or during the connection. */
  TOKEN_EXPIRED: 4002,
  /** A newer socket for the same client ID took over (on any node). */
  REPLACED: 4003,
  /** The client sent something the protocol does not allow (bad JSON, unknown frame, hello twice). */
  PROTOCOL_ERROR: 4004,
  /** No hello arrived within the authentication deadline. */
  HELLO_TIMEOUT: 4005,
  /** The client read too slowly and its outbound buffer passed the backpressure limit. */
  SLOW_CONSUMER: 4006,
  /** Too many connection attempts from this address; try again later. */
  RATE_LIMITED: 4007,
  /** The gateway could not reach Redis or failed internally; try again. */
  UNAVAILABLE: 4008,
  /** The node is draining (deploy, scale-in): reconnect now, the load balancer sends you elsewhere. */
  DRAINING: 4009,
  /** The client's origin is not in the allowlist. */
  ORIGIN_REJECTED: 4010,
  /**
   * The node may have missed live messages for this socket (its Redis subscription was interrupted, or a
   * seq never arrived): reconnect and resume, the buffer replays them.
   */
  RESYNC: 4011,
} as const;

export type CloseCodeName = keyof typeof CloseCode;

const table: Record<number, CloseCodeInfo> = {};
function define(name: CloseCodeName, reconnect: ReconnectRule, error?: CloseCodeInfo['error']): void {
  const code = CloseCode[name];
  table[code] = error ? { code, name, reconnect, error } : { code, name, reconnect };
}
define('NORMAL', 'terminal');
define('ABNORMAL', 'backoff');
define('FRAME_TOO_BIG', 'terminal', { code: 413, description: 'Frame+too+large.' });
define('INVALID_TOKEN', 'terminal', GAE_INVALID_TOKEN);
define('TOKEN_EXPIRED', 'terminal', GAE_TOKEN_TIMED_OUT);
define('REPLACED', 'terminal');
define('PROTOCOL_ERROR', 'terminal', { code: 400, description: 'Bad+request.' });
define('HELLO_TIMEOUT', 'backoff');
define('SLOW_CONSUMER', 'backoff');
define('RATE_LIMITED', 'backoff');
define('UNAVAILABLE', 'backoff');
define('DRAINING', 'now');
define('ORIGIN_REJECTED', 'terminal', { code: 403, description: 'Forbidden.' });
// Backoff, not now: after a subscription blip every socket of every node resyncs; jitter spreads them.
define('RESYNC', 'backoff');

/**
 * What a close code means. Unknown codes (other 1xxx from browsers and proxies, 4xxx from a newer
 * gateway) are treated as transient, so a client never gives up on a code it does not know.
 */
export function describeCloseCode(code: number): CloseCodeInfo {
  return table[code] ?? { code, name: 'UNKNOWN', reconnect: 'backoff' };
}

/** Every defined close code, for documentation and tests. */
export function allCloseCodes(): readonly CloseCodeInfo[] {
  return Object.values(table);
}
