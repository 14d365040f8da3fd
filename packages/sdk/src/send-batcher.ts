/**
 * Coalesces concurrent sends into batch requests (issue 16 item 3): one HTTP request per message costs
 * more than the whole floor of the architecture, so sends that arrive while the previous requests are
 * still out travel together in the next `POST /v1/messages`.
 *
 * - A queued send goes out at the end of the current event-loop turn (setImmediate; or after `lingerMs`),
 *   at once when `maxBatch` are queued, and otherwise as soon as one of `maxInFlight` requests returns:
 *   an idle process adds no delay, a busy one sends bigger batches.
 * - Per-recipient order: a send never overtakes an earlier one to the same recipient (client ID or
 *   token). It is held back while an earlier one is in a request still out, and batches keep queue order.
 * - Each caller gets its own result, or its own error: its deadline and AbortSignal are its own (a
 *   sweep every SWEEP_MS rejects the sends past their deadline, even while their request is out).
 * - A request that fails without an answer is retried (retry.ts) with the same idempotency keys, minus the
 *   sends whose callers gave up; the gateway delivers a repeat once.
 */
import type { BatchSendResult } from '@channel-gateway/protocol';
import { ChannelGatewayError } from './errors.js';
import { abortedError } from './http.js';
import { withRetries, type CallBudget, type RetryPolicy } from './retry.js';

/** One item as sent: to a client ID or a token, always with an idempotency key. */
export type WireItem = ({ clientId: string } | { token: string }) & { message: string; idempotencyKey: string };

export interface BatchingOptions {
  /** Most items in one request (the API's limit is 1000). */
  readonly maxBatch: number;
  /** Batch requests out at once; more sends wait and go in the next batch. */
  readonly maxInFlight: number;
  /** 0: send at the end of the turn; more: wait this long for more sends first. */
  readonly lingerMs: number;
}

export type PostBatch = (items: WireItem[], timeoutMs: number, signal: AbortSignal) => Promise<BatchSendResult[]>;

interface PendingSend {
  readonly item: WireItem;
  readonly orderKey: string;
  readonly budget: CallBudget;
  settled: boolean;
  resolve(result: BatchSendResult): void;
  reject(error: unknown): void;
  detach?: () => void;
  /** The request carrying it, once taken from the queue. */
  batch?: ActiveBatch;
}

interface ActiveBatch {
  readonly sends: PendingSend[];
  readonly controller: AbortController;
  /** What the latest failed attempt said: a send whose deadline passes meanwhile is told that. */
  lastError?: unknown;
  /** The earliest deadline of its unsettled sends: the sweep looks at them only from then on. */
  earliest: number;
}

const WHAT = 'POST /v1/messages';
/** How often sends are checked against their deadline. */
const SWEEP_MS = 20;

export class SendBatcher {
  private queue: PendingSend[] = [];
  private readonly active = new Set<ActiveBatch>();
  /** Recipients with a send in a request still out → how many. */
  private readonly busy = new Map<string, number>();
  private flushScheduled = false;
  /** The earliest deadline in the queue (or later: settled sends are not subtracted): the sweep skips the queue before it. */
  private queueEarliest = Infinity;
  private sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly post: PostBatch,
    private readonly options: BatchingOptions,
    private readonly retry: RetryPolicy,
  ) {}

  send(item: WireItem, orderKey: string, budget: CallBudget): Promise<BatchSendResult> {
    return new Promise<BatchSendResult>((resolve, reject) => {
      const signal = budget.signal;
      if (signal?.aborted) return reject(abortedError(WHAT));
      const pending: PendingSend = { item, orderKey, budget, settled: false, resolve, reject };
      if (signal) {
        const onAbort = () => {
          this.settle(pending, abortedError(WHAT));
          // The last caller of a request gave up: stop it and its retries now.
          const batch = pending.batch;
          if (batch && batch.sends.every((send) => send.settled)) batch.controller.abort();
          // A queued send leaves the queue at the next flush.
          if (!batch) this.scheduleFlush();
        };
        signal.addEventListener('abort', onAbort, { once: true });
        pending.detach = () => signal.removeEventListener('abort', onAbort);
      }
      this.queue.push(pending);
      if (budget.deadline < this.queueEarliest) this.queueEarliest = budget.deadline;
      if (!this.sweeper) {
        this.sweeper = setInterval(this.sweep, SWEEP_MS);
        // The requests out keep the process alive; the sweep alone should not.
        this.sweeper.unref?.();
      }
      if (this.queue.length >= this.options.maxBatch && this.active.size < this.options.maxInFlight) this.flush();
      else this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    if (this.options.lingerMs > 0) setTimeout(this.flush, this.options.lingerMs);
    else setImmediate(this.flush);
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    while (this.active.size < this.options.maxInFlight) {
      const sends = this.take();
      if (sends.length === 0) return;
      void this.run(sends);
    }
  };

  /** The next batch in queue order, leaving behind every send whose recipient must wait. */
  private take(): PendingSend[] {
    const batch: PendingSend[] = [];
    const rest: PendingSend[] = [];
    const held = new Set<string>();
    let earliest = Infinity;
    for (const pending of this.queue) {
      if (pending.settled) continue;
      if (batch.length < this.options.maxBatch && !held.has(pending.orderKey) && !this.busy.has(pending.orderKey)) {
        batch.push(pending);
      } else {
        rest.push(pending);
        held.add(pending.orderKey);
        if (pending.budget.deadline < earliest) earliest = pending.budget.deadline;
      }
    }
    this.queue = rest;
    this.queueEarliest = earliest;
    return batch;
  }

  private async run(sends: PendingSend[]): Promise<void> {
    let earliest = Infinity;
    for (const { budget } of sends) if (budget.deadline < earliest) earliest = budget.deadline;
    const batch: ActiveBatch = { sends, controller: new AbortController(), earliest };
    this.active.add(batch);
    for (const pending of sends) {
      pending.batch = batch;
      this.busy.set(pending.orderKey, (this.busy.get(pending.orderKey) ?? 0) + 1);
    }
    let deadline = 0;
    for (const { budget } of sends) deadline = Math.max(deadline, budget.deadline);
    try {
      await withRetries(
        WHAT,
        this.retry,
        { deadline, signal: batch.controller.signal },
        async (timeoutMs) => {
          // A retry leaves out the sends whose callers have given up.
          const live = sends.filter((pending) => !pending.settled);
          if (live.length === 0) return;
          const results = await this.post(
            live.map((pending) => pending.item),
            timeoutMs,
            batch.controller.signal,
          );
          for (let i = 0; i < live.length; i++) this.settle(live[i]!, undefined, results[i]);
        },
        (error) => (batch.lastError = error),
      );
    } catch (error) {
      for (const pending of sends) this.settle(pending, error);
    } finally {
      this.active.delete(batch);
      for (const { orderKey } of sends) {
        const count = this.busy.get(orderKey)! - 1;
        if (count === 0) this.busy.delete(orderKey);
        else this.busy.set(orderKey, count);
      }
      this.flush();
    }
  }

  private settle(pending: PendingSend, error: unknown, result?: BatchSendResult): void {
    if (pending.settled) return;
    pending.settled = true;
    pending.detach?.();
    if (error === undefined) pending.resolve(result!);
    else pending.reject(error);
  }

  /**
   * Rejects the sends past their deadline. Cheap while nothing is due: the queue and each request are
   * only walked once their earliest deadline has come, so a long backlog costs nothing per sweep.
   */
  private readonly sweep = (): void => {
    const now = Date.now();
    if (now >= this.queueEarliest) {
      const kept: PendingSend[] = [];
      let earliest = Infinity;
      for (const pending of this.queue) {
        if (pending.settled) continue;
        if (pending.budget.deadline <= now) {
          this.settle(pending, deadlineError());
        } else {
          kept.push(pending);
          if (pending.budget.deadline < earliest) earliest = pending.budget.deadline;
        }
      }
      this.queue = kept;
      this.queueEarliest = earliest;
    }
    for (const batch of this.active) {
      if (now < batch.earliest) continue;
      let earliest = Infinity;
      for (const pending of batch.sends) {
        if (pending.settled) continue;
        if (pending.budget.deadline <= now) this.settle(pending, batch.lastError ?? deadlineError());
        else if (pending.budget.deadline < earliest) earliest = pending.budget.deadline;
      }
      batch.earliest = earliest;
      // Nobody waits for this request any more: stop it (and its retries).
      if (earliest === Infinity) batch.controller.abort();
    }
    if (this.queue.length === 0 && this.active.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  };
}

function deadlineError(): ChannelGatewayError {
  return new ChannelGatewayError(`${WHAT} gave up at its deadline (it may have been processed)`, { code: 'timeout' });
}
