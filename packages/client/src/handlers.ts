/** What the app's handlers receive; the shapes follow GAE's `goog.appengine.Socket`. */
import type { CloseCodeInfo } from '@channel-gateway/protocol';

export interface ChannelMessage {
  /** Exactly the string the backend sent. */
  readonly data: string;
}

/** GAE-style error: an HTTP status and its text with literal `+` signs, e.g. `{401, "Invalid+token."}`. */
export interface ChannelError {
  readonly code: number;
  readonly description: string;
}

/**
 * Messages that were sent but can no longer be delivered (not in GAE, which never replayed anything).
 * `expired`: seqs `from`…`to` fell out of the gateway's buffer; `epoch`: the stream started over;
 * `position`: the gateway did not recognise where the client said it was.
 */
export interface ChannelGap {
  readonly reason: 'expired' | 'epoch' | 'position';
  readonly from?: number;
  readonly to?: number;
}

/**
 * Where the socket stands (not in GAE, whose client never reconnected): `connecting` until the gateway
 * first accepts it, `open`, `reconnecting` after a transient drop (the app's `onopen`/`onclose` do not
 * fire for it), `closed` when it is finished.
 */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface StateChange {
  readonly state: ConnectionState;
  readonly previous: ConnectionState;
  /**
   * The close that caused the change: the drop for `reconnecting`, the drop it recovered from for `open`
   * after a reconnect, the terminal close for `closed` (none when the app called `close()`).
   */
  readonly reason?: CloseCodeInfo;
}

export interface SocketHandler {
  onopen?: (() => void) | null;
  onmessage?: ((message: ChannelMessage) => void) | null;
  onerror?: ((error: ChannelError) => void) | null;
  onclose?: (() => void) | null;
  ongap?: ((gap: ChannelGap) => void) | null;
  /** Announced before the GAE callback that goes with it (`onopen`, `onerror`/`onclose`). */
  onstatechange?: ((change: StateChange) => void) | null;
}
