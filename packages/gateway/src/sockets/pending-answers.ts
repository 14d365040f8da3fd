/**
 * Answers awaited from another node by request ID, each for a bounded time: a node that does not answer
 * (frozen, cut off from Redis, or one that predates the request's kind) costs the caller at most the wait.
 */
export class PendingAnswers<T> {
  private readonly waiting = new Map<string, (value: T | undefined) => void>();

  /** Resolves with the answer to `requestId`, or undefined after `timeoutMs` (or when settled with undefined). */
  wait(requestId: string, timeoutMs: number): Promise<T | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(undefined), timeoutMs);
      timer.unref();
      const done = (value: T | undefined) => {
        clearTimeout(timer);
        this.waiting.delete(requestId);
        resolve(value);
      };
      this.waiting.set(requestId, done);
    });
  }

  /** The answer arrived (an unknown or late request ID is ignored). */
  settle(requestId: string, value: T | undefined): void {
    this.waiting.get(requestId)?.(value);
  }

  cancelAll(): void {
    for (const done of [...this.waiting.values()]) done(undefined);
  }

  get size(): number {
    return this.waiting.size;
  }
}
