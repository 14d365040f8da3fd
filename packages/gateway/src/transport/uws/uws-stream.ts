/**
 * HttpStream over a uWS response: chunked `res.write`s, always corked (the official build warns on every
 * uncorked write, and a cork is one syscall).
 *
 * uWS reports no buffered amount for HTTP answers, and inside a cork `write` only reports backpressure
 * that was already there (a cork's own failed flush is invisible). So this keeps its own account:
 *  - while uWS's buffer is backed up, parts wait in a queue here (uWS would copy its whole buffer on
 *    every write), counted exactly; what uWS holds is estimated by the failed write that backed it up;
 *  - `onWritable` is registered from the start. uWS then no longer drains its buffer by itself, and its
 *    writable event is the only sign of a flush that failed inside a cork: each one writes an SSE comment
 *    first (`write` drains uWS's buffer before it appends, so its result says whether the buffer emptied),
 *    then, when it did, the queue. A comment is harmless in the stream, and the event stops once drained.
 * uWS also closes a connection whose buffer does not move for 10 s (its HTTP timeout): a reader that
 * stops reading altogether is dropped then, like an aborted request.
 */
import type { HttpStream, SendResult } from '../transport.js';
import type { HttpResponse } from './load-uws.js';

/** An SSE comment: what a writable event writes to learn whether uWS's buffer emptied. */
const PROBE = ':\n\n';

export class UwsStream implements HttpStream {
  private ended = false;
  private aborted = false;
  private abortHandler: (() => void) | undefined;
  /** Status and headers, written with the first part. */
  private head: (() => void) | undefined;
  /** uWS's buffer is backed up: parts wait in `queue`. */
  private backedUp = false;
  private queue: string[] = [];
  private queuedBytes = 0;
  /** What uWS's buffer holds, at most (the write that backed it up). */
  private heldByUws = 0;
  private corked = false;

  constructor(
    private readonly res: HttpResponse,
    status: string,
    headers: Array<readonly [string, string]>,
    private readonly maxBackpressureBytes: number,
    /** The client asked for `Connection: close`. */
    private readonly closeOnEnd: boolean,
  ) {
    this.head = () => {
      res.writeStatus(status);
      for (const [key, value] of headers) if (key.toLowerCase() !== 'content-length') res.writeHeader(key, value);
    };
    res.onWritable(() => this.writable());
  }

  get finished(): boolean {
    return this.ended || this.aborted;
  }

  /** The client went away (uWS's onAborted, relayed by the exchange). */
  abort(): void {
    if (this.finished) return;
    this.aborted = true;
    this.queue = [];
    this.abortHandler?.();
  }

  write(text: string): SendResult {
    if (this.finished || this.bufferedAmount() > this.maxBackpressureBytes) return 'dropped';
    if (this.backedUp) {
      this.queue.push(text);
      this.queuedBytes += text.length;
    } else {
      this.corkedWrite(() => {
        if (!this.res.write(text)) this.backUp(text.length);
      });
    }
    return this.bufferedAmount() > this.maxBackpressureBytes / 2 ? 'backpressure' : 'sent';
  }

  bufferedAmount(): number {
    return this.finished ? 0 : this.heldByUws + this.queuedBytes;
  }

  cork(writes: () => void): void {
    this.corkedWrite(writes);
  }

  end(last?: string): void {
    if (this.finished) return;
    // What is queued goes to uWS now: once the answer is ended, uWS drains its buffer by itself.
    this.corkedWrite(() => {
      const rest = this.takeQueue() + (last ?? '');
      if (rest.length > 0) this.res.write(rest);
      this.res.end(undefined, this.closeOnEnd);
    });
    this.ended = true; // after: uWS frees `res` once it is ended
  }

  onAborted(handler: () => void): void {
    this.abortHandler = handler;
  }

  private writable(): boolean {
    if (this.finished) return true;
    let drained = false;
    let ok = true;
    this.corkedWrite(() => {
      drained = this.res.write(PROBE);
      if (!drained) {
        this.backedUp = true; // possibly learnt only now (a cork's failed flush)
        return;
      }
      this.heldByUws = 0;
      this.backedUp = false;
      const queued = this.takeQueue();
      if (queued.length > 0 && !this.res.write(queued)) {
        ok = false;
        this.backUp(queued.length);
      }
    });
    return drained && ok;
  }

  private backUp(bytes: number): void {
    this.backedUp = true;
    this.heldByUws = bytes;
  }

  private takeQueue(): string {
    const text = this.queue.length === 1 ? this.queue[0]! : this.queue.join('');
    this.queue = [];
    this.queuedBytes = 0;
    return text;
  }

  /** Runs `writes` in one cork (nested calls join the outer one), the head first if not yet written. */
  private corkedWrite(writes: () => void): void {
    if (this.corked || this.finished) return writes();
    this.res.cork(() => {
      this.corked = true;
      try {
        if (this.head) {
          this.head();
          this.head = undefined;
        }
        writes();
      } finally {
        this.corked = false;
      }
    });
  }
}
