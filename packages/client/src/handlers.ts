/** What the app's handlers receive; the shapes follow GAE's `goog.appengine.Socket`. */

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

export interface SocketHandler {
  onopen?: (() => void) | null;
  onmessage?: ((message: ChannelMessage) => void) | null;
  onerror?: ((error: ChannelError) => void) | null;
  onclose?: (() => void) | null;
  ongap?: ((gap: ChannelGap) => void) | null;
}
