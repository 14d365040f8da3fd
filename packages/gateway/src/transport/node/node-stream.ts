/**
 * HttpStream over node:http's ServerResponse. node:http writes chunked on HTTP/1.1 and close-delimited on
 * HTTP/1.0 by itself when no Content-Length is set. Backpressure follows the uWS rule the sockets use: a
 * write is refused once what is queued (in the response and its socket) passes the limit.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpStream, SendResult } from '../transport.js';

export class NodeStream implements HttpStream {
  private ended = false;
  private aborted = false;
  private abortHandler: (() => void) | undefined;

  constructor(
    req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly maxBackpressureBytes: number,
    /** The server's inactivity timeout, put back once the answer ends. */
    private readonly idleTimeoutMs: number,
  ) {
    // The server closes connections silent for its idle timeout; a stream is silent between heartbeats.
    req.socket.setTimeout(0);
    res.once('close', () => {
      if (this.ended) return;
      this.aborted = true;
      this.abortHandler?.();
    });
  }

  get finished(): boolean {
    return this.ended || this.aborted;
  }

  write(text: string): SendResult {
    if (this.finished || this.res.writableLength > this.maxBackpressureBytes) return 'dropped';
    this.res.write(text);
    return this.res.writableLength > this.maxBackpressureBytes / 2 ? 'backpressure' : 'sent';
  }

  bufferedAmount(): number {
    return this.finished ? 0 : this.res.writableLength;
  }

  cork(writes: () => void): void {
    if (this.finished) return writes();
    this.res.cork();
    try {
      writes();
    } finally {
      this.res.uncork();
    }
  }

  end(last?: string): void {
    if (this.finished) return;
    this.ended = true;
    // A reader that stops reading does not hold the connection past the usual idle timeout.
    this.res.socket?.setTimeout(this.idleTimeoutMs);
    this.res.end(last);
  }

  onAborted(handler: () => void): void {
    this.abortHandler = handler;
  }
}
