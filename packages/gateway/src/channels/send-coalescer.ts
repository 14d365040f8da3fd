/**
 * Gathers the single sends that arrive within one event-loop turn into one `sendMany` store call.
 *
 * Why: on Redis a send costs a script call (a socket write, a reply to read, a Lua run) and a PUBLISH that
 * the owning node must read. Requests that uWS reads in the same poll phase (several at a few thousand
 * requests a second, many under load) share one script call, and each owning node gets one pub/sub message
 * for all of its deliveries. The wait is until the end of the current turn (`setImmediate`), not a timer:
 * an idle gateway adds no latency. Order is kept: sends are queued in call order, `sendMany` applies them in
 * array order, and the flushes go out on one connection in order.
 */
import type { Clock } from '../clock.js';
import type { OutgoingMessage, SendResult } from './channel-store.js';

interface QueuedSend extends OutgoingMessage {
  resolve(result: SendResult): void;
  reject(error: unknown): void;
}

export class SendCoalescer {
  private queue: QueuedSend[] = [];
  private flushScheduled = false;

  constructor(
    private readonly sendMany: (messages: ReadonlyArray<OutgoingMessage>, now: number) => Promise<SendResult[]>,
    private readonly clock: Clock,
    /** A fuller queue goes out at once: one Lua call must stay short, it blocks Redis while it runs. */
    private readonly maxBatch = 128,
  ) {}

  send(message: OutgoingMessage): Promise<SendResult> {
    return new Promise<SendResult>((resolve, reject) => {
      this.queue.push({ ...message, resolve, reject });
      if (this.queue.length >= this.maxBatch) this.flush();
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(this.flushScheduledQueue);
      }
    });
  }

  private readonly flushScheduledQueue = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  private flush(): void {
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    this.sendMany(batch, this.clock.now()).then(
      (results) => {
        for (let i = 0; i < batch.length; i++) batch[i]!.resolve(results[i]!);
      },
      (error: unknown) => {
        for (const queued of batch) queued.reject(error);
      },
    );
  }
}
