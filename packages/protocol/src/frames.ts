/**
 * Frames on the WebSocket, all JSON text frames. The token never travels in a URL: it is the first
 * frame the client sends (`hello`). Until the gateway answers `open`, nothing else is allowed.
 *
 *   client                         gateway
 *     | -- hello {token, resume?} --> |   token checked, ownership claimed, buffer read
 *     | <-- open {clientId, epoch} -- |
 *     | <-- gap {…}  (if something could not be replayed)
 *     | <-- msg {seq, data} ...       |   replayed, then live, in seq order, no duplicates
 *     | -- ping --> / <-- pong --     |
 *     | -- refresh {token} -->        |   a newer token for the same client: the socket lives on
 *     | <-- refreshed {expiresAt} --  |   (or refresh-refused {reason}: nothing changes)
 *     | <-- close(code, reason) ----- |   codes in close-codes.ts say whether to reconnect
 *
 * The HTTP stream (`POST /v1/stream`, docs/PROTOCOL.md) carries the same server frames as SSE events; its
 * hello is the request body, and its close is a `close` frame (an HTTP answer has no close code).
 */

/** The gateway's WebSocket endpoint (the same on every node). */
export const SOCKET_PATH = '/v1/socket';
/** The gateway's HTTP stream endpoint, for clients whose WebSocket cannot connect (the same on every node). */
export const STREAM_PATH = '/v1/stream';

/** Where a client stands in its message stream: the epoch of the stream and the last seq it saw. */
export interface StreamPosition {
  /** Changes whenever the client's stream starts over (channel deleted and created again, Redis data lost). */
  readonly epoch: string;
  /** Sequence number of the last message seen; messages are numbered from 1 within an epoch. */
  readonly seq: number;
}

export interface HelloFrame {
  readonly type: 'hello';
  readonly token: string;
  /** Present when the client reconnects and wants what it missed since this position. */
  readonly resume?: StreamPosition;
}
export interface PingFrame {
  readonly type: 'ping';
}
/**
 * A newer token for the client this socket opened (the app got it from its backend before the current one
 * expires): the gateway then expires the socket at the new token's expiry, with no reconnect.
 */
export interface RefreshFrame {
  readonly type: 'refresh';
  readonly token: string;
}
export type ClientFrame = HelloFrame | PingFrame | RefreshFrame;

export interface OpenFrame {
  readonly type: 'open';
  readonly clientId: string;
  readonly epoch: string;
  /** Milliseconds since the epoch at which the token stops being valid. */
  readonly expiresAt: number;
  /**
   * Identifies this socket (or stream), e.g. for `POST /v1/refresh`. Opaque. Always sent by this gateway;
   * optional in the type so that a client still reads an older gateway's open frame.
   */
  readonly connectionId?: string;
  /**
   * The gateway's clock when it sent the frame (ms since the epoch), so a client whose own clock is off
   * can still tell how long its token has left: `expiresAt - serverTime`.
   */
  readonly serverTime?: number;
}
export interface MessageFrame {
  readonly type: 'msg';
  readonly seq: number;
  /** Exactly the string given to send. */
  readonly data: string;
}
/**
 * Messages the client should have had but that the gateway can no longer replay.
 * `reason: 'expired'` means they fell out of the buffer window (seqs `from`…`to` inclusive);
 * `reason: 'epoch'` means the stream started over, so the client's position means nothing any more.
 * `reason: 'position'` means the client presented a position the gateway does not know (from the future or malformed).
 */
export interface GapFrame {
  readonly type: 'gap';
  readonly reason: 'expired' | 'epoch' | 'position';
  readonly from?: number;
  readonly to?: number;
}
export interface PongFrame {
  readonly type: 'pong';
}
/**
 * The last event of an HTTP stream: the code and name a WebSocket would have been closed with
 * (close-codes.ts). A stream that ends without it was dropped (the client treats it as 1006).
 */
export interface CloseFrame {
  readonly type: 'close';
  readonly code: number;
  readonly reason: string;
}
/** The refresh was accepted: the socket now expires at `expiresAt` (the new token's expiry). */
export interface RefreshedFrame {
  readonly type: 'refreshed';
  readonly expiresAt: number;
  /** As in the open frame. */
  readonly serverTime?: number;
}
/**
 * Why a refresh was refused; the socket keeps its old expiry and nothing is closed.
 * `invalid_token`: unknown or revoked (its channel was deleted); `expired`; `other_client`: the token opens
 * another client ID than this socket's; `unavailable`: the gateway could not check it now (try again).
 */
export type RefreshRefusal = 'invalid_token' | 'expired' | 'other_client' | 'unavailable';
export const REFRESH_REFUSALS: readonly RefreshRefusal[] = ['invalid_token', 'expired', 'other_client', 'unavailable'];
export interface RefreshRefusedFrame {
  readonly type: 'refresh-refused';
  readonly reason: RefreshRefusal;
}
export type ServerFrame = OpenFrame | MessageFrame | GapFrame | PongFrame | RefreshedFrame | RefreshRefusedFrame | CloseFrame;

/** Longest token a hello or a send by token may carry (the gateway's own are 43 characters). */
export const MAX_TOKEN_LENGTH = 512;

/**
 * Parses a frame from a client, or returns undefined when it is not one the protocol allows.
 * Strict on purpose: anything unexpected closes the socket with PROTOCOL_ERROR.
 */
export function parseClientFrame(text: string): ClientFrame | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const frame = value as Record<string, unknown>;
  if (frame.type === 'ping') return { type: 'ping' };
  if (frame.type !== 'hello' && frame.type !== 'refresh') return undefined;
  const token = frame.token;
  if (!isTokenLike(token)) return undefined;
  if (frame.type === 'refresh') return { type: 'refresh', token };
  if (frame.resume === undefined) return { type: 'hello', token };
  const resume = parsePosition(frame.resume);
  return resume ? { type: 'hello', token, resume } : undefined;
}

/** A string a token could be: 1…MAX_TOKEN_LENGTH characters (what it opens is the gateway's to check). */
export function isTokenLike(token: unknown): token is string {
  return typeof token === 'string' && token.length > 0 && token.length <= MAX_TOKEN_LENGTH;
}

function parsePosition(value: unknown): StreamPosition | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { epoch, seq } = value as Record<string, unknown>;
  if (typeof epoch !== 'string' || epoch.length === 0 || epoch.length > 64) return undefined;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return undefined;
  return { epoch, seq };
}

/** Serialises a message frame. */
export function encodeMessageFrame(seq: number, data: string): string {
  return messageFrameFromEncoded(seq, JSON.stringify(data));
}

/**
 * A message frame from data that is already a JSON string literal: the sending node encodes the message
 * once, and the owning node only splices in the seq.
 */
export function messageFrameFromEncoded(seq: number, encodedData: string): string {
  return `{"type":"msg","seq":${seq},"data":${encodedData}}`;
}

export function encodeServerFrame(frame: ServerFrame): string {
  return frame.type === 'msg' ? encodeMessageFrame(frame.seq, frame.data) : JSON.stringify(frame);
}

/** Parses a frame from the gateway (used by clients); undefined when it is not a known frame. */
export function parseServerFrame(text: string): ServerFrame | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const frame = value as { type?: unknown };
  switch (frame.type) {
    case 'open':
    case 'msg':
    case 'gap':
    case 'pong':
      return value as ServerFrame;
    case 'close':
      return parseCloseFrame(value as Record<string, unknown>);
    case 'refreshed':
      return isTimestamp((value as { expiresAt?: unknown }).expiresAt) ? (value as ServerFrame) : undefined;
    case 'refresh-refused':
      return REFRESH_REFUSALS.includes((value as { reason?: RefreshRefusal }).reason!) ? (value as ServerFrame) : undefined;
    default:
      return undefined;
  }
}

/** A close frame with a close code (1000…4999) and a reason of at most 123 bytes, as a WebSocket close carries. */
function parseCloseFrame(frame: Record<string, unknown>): CloseFrame | undefined {
  const { code, reason } = frame;
  if (typeof code !== 'number' || !Number.isInteger(code) || code < 1000 || code > 4999) return undefined;
  if (typeof reason !== 'string' || reason.length > 123) return undefined;
  return { type: 'close', code, reason };
}

function isTimestamp(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
