/** Waiting in tests: events where there are events, polling only where there are none. */
import { once, type EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitForOptions {
  /** Default 5 000 ms. */
  timeoutMs?: number;
  /** Pause between polls (default 50 ms). */
  intervalMs?: number;
  /** What is being waited for, named in the timeout error, e.g. 'cg_sockets_open to reach 3'. */
  what: string;
}

/**
 * Polls `predicate` until it returns a truthy value, and resolves with that value. For conditions
 * that raise no event (a metric value, a Redis key). Errors thrown by the predicate count as "not yet";
 * the last one is quoted if time runs out.
 */
export async function waitFor<T>(predicate: () => T | Promise<T>, options: WaitForOptions): Promise<Exclude<T, false | null | undefined | 0 | ''>> {
  const { timeoutMs = 5_000, intervalMs = 50, what } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let lastValue: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value as Exclude<T, false | null | undefined | 0 | ''>;
      lastValue = value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
  const detail =
    lastError !== undefined
      ? `last attempt threw: ${lastError instanceof Error ? lastError.message : String(lastError)}`
      : `last value: ${safeJson(lastValue)}`;
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${detail})`);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * The arguments of the next `name` event (node:events once()). Works with EventEmitters (ws sockets,
 * child processes) and EventTargets. Rejects after `timeoutMs`, or if an EventEmitter emits 'error' first.
 *   const [code, reason] = await nextEvent<[number, Buffer]>(socket, 'close');
 */
export async function nextEvent<A extends unknown[] = unknown[]>(emitter: EventEmitter | EventTarget, name: string, timeoutMs = 5_000): Promise<A> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    return (await once(emitter as EventEmitter, name, { signal: controller.signal })) as A;
  } catch (error) {
    if (controller.signal.aborted) throw new Error(`timed out after ${timeoutMs} ms waiting for a '${name}' event`, { cause: error });
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
