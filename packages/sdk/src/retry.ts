/**
 * Safe retries (issue 16 item 2): a call whose attempt failed without an answer that settles it (network
 * error, timeout, 502/503/504) is tried again after a jittered, growing pause, until the caller's deadline.
 * Retrying a send is safe because every send carries an idempotency key: the gateway delivers a repeat
 * once and answers the first status. The other calls are safe to repeat by nature (a repeated create
 * issues one more valid token, a repeated delete finds nothing).
 */
import { ChannelGatewayError } from './errors.js';
import { abortedError } from './http.js';

export interface RetryPolicy {
  /** False: one attempt only. */
  readonly enabled: boolean;
  /** The first pause's upper bound; each retry doubles it, up to `maxDelayMs`. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Longest single attempt (the client's `timeoutMs`). */
  readonly attemptTimeoutMs: number;
}

/** What one call may spend: an absolute deadline (Date.now() ms) and the caller's signal. */
export interface CallBudget {
  readonly deadline: number;
  readonly signal?: AbortSignal | undefined;
}

export function isRetryable(error: unknown): boolean {
  if (!(error instanceof ChannelGatewayError)) return false;
  if (error.code === 'network' || error.code === 'timeout') return true;
  return error.status === 502 || error.status === 503 || error.status === 504;
}

/** "Full jitter": uniform in [0, min(max, base × 2^attempt)], so retrying callers spread out. */
export function backoffDelay(policy: RetryPolicy, retry: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(retry, 30));
  return Math.random() * ceiling;
}

/**
 * Runs `attempt` (given the time it may take) until it succeeds, fails for good, the deadline leaves no
 * room for another try, or the signal aborts. The last attempt's error is the one thrown.
 */
export async function withRetries<T>(
  what: string,
  policy: RetryPolicy,
  budget: CallBudget,
  attempt: (timeoutMs: number) => Promise<T>,
  onRetryableError?: (error: unknown) => void,
): Promise<T> {
  let lastError: unknown;
  for (let retry = 0; ; retry++) {
    if (budget.signal?.aborted) throw abortedError(what);
    const left = budget.deadline - Date.now();
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- a caught error, passed on
    if (left <= 0) throw lastError ?? deadlineError(what, retry);
    const timeoutMs = Math.min(policy.attemptTimeoutMs, left);
    try {
      return await attempt(timeoutMs);
    } catch (error) {
      if (!policy.enabled || !isRetryable(error)) throw error;
      // An attempt cut short by the call's deadline says less than the failure that led to it.
      const cutShort = timeoutMs < policy.attemptTimeoutMs && (error as ChannelGatewayError).code === 'timeout';
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- a caught error, passed on
      if (cutShort && lastError !== undefined) throw lastError;
      lastError = error;
      onRetryableError?.(error);
      const pause = backoffDelay(policy, retry);
      if (Date.now() + pause >= budget.deadline) throw error;
      await sleep(pause, budget.signal, what);
    }
  }
}

function deadlineError(what: string, attempts: number): ChannelGatewayError {
  return new ChannelGatewayError(`${what} gave up at its deadline after ${attempts} attempt(s) (it may have been processed)`, { code: 'timeout' });
}

function sleep(ms: number, signal: AbortSignal | undefined, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError(what));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
