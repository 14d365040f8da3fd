/**
 * An HTTP stream as a TransportSocket, so the socket path (Connection, hello, ownership, presence, drain,
 * expiry, backpressure) serves it unchanged: each frame is one SSE event (`data: <frame JSON>`; a frame's
 * JSON never holds a raw newline), and a close is a `close` frame and the end of the answer.
 */
import { CloseCode, encodeServerFrame } from '@channel-gateway/protocol';
import type { HttpStream, SendResult, TransportSocket } from '../transport/transport.js';

/** An SSE comment: flushes the headers through proxies, and keeps an idle stream from timing out. */
export const HEARTBEAT = ':\n\n';

export class StreamSocket implements TransportSocket {
  closed = false;

  constructor(
    private readonly stream: HttpStream,
    /** Called once when the stream is over: the code it was ended with, or 1006 when the client went away. */
    private readonly onClose: (code: number) => void,
  ) {
    stream.onAborted(() => this.finish(CloseCode.ABNORMAL));
  }

  send(text: string): SendResult {
    if (this.closed) return 'dropped';
    return this.stream.write(`data: ${text}\n\n`);
  }

  bufferedAmount(): number {
    return this.stream.bufferedAmount();
  }

  /** The close frame goes out whatever is queued (the stream writes it past its limit), then the answer ends. */
  end(code: number, reason: string): void {
    if (this.closed) return;
    this.stream.end(`data: ${encodeServerFrame({ type: 'close', code, reason })}\n\n`);
    this.finish(code);
  }

  cork(writes: () => void): void {
    this.stream.cork(writes);
  }

  /** A heartbeat, unless frames are still queued (the stream is not idle then). */
  heartbeat(): void {
    if (!this.closed && this.stream.bufferedAmount() === 0) this.stream.write(HEARTBEAT);
  }

  private finish(code: number): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose(code);
  }
}
