/**
 * Token refresh (option `getToken`): before the token expires, the client asks the app for a new one and
 * hands it to the gateway on the live link, so the connection lives on with no reconnect. When every try
 * fails, nothing special happens: the gateway closes the socket at the old expiry, and the app sees
 * `onerror({code: 401, description: "Token+timed+out."})` then `onclose`, as without `getToken`.
 *
 * The link (a WebSocket today; an HTTP stream too, later) only has to carry one refresh and say how it ended.
 */
import type { RefreshedFrame, RefreshFrame, RefreshRefusal, RefreshRefusedFrame } from '@channel-gateway/protocol';

/** How a refresh handed to the link ended. `failed`: no live link, it dropped, or no answer came in time. */
export type RefreshAnswer =
  | { readonly kind: 'refreshed'; readonly expiresAt: number; readonly serverTime?: number }
  | { readonly kind: 'refused'; readonly reason: RefreshRefusal }
  | { readonly kind: 'failed' };

/** What the refresher needs from the connection. */
export interface RefreshLink {
  /** Hands `token` to the gateway on the live link. */
  refresh(token: string): Promise<RefreshAnswer>;
}

export interface RefreshTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The refresh starts this long before expiry: a tenth of the token's lifetime, at most a minute. */
export function refreshMargin(lifetimeMs: number): number {
  return Math.min(60_000, Math.max(0, lifetimeMs) / 10);
}

/** Tries per token (the first and its retries), all within the margin. */
export const REFRESH_ATTEMPTS = 4;
/** First retry delay; doubled each time, and never more than the time left allows. */
const RETRY_BASE_MS = 1_000;
/** A try (getToken, then the gateway's answer) that takes longer than this, or half the time left, failed. */
const ATTEMPT_TIMEOUT_MS = 30_000;

const FAILED: RefreshAnswer = { kind: 'failed' };

export class TokenRefresher {
  private timer: unknown;
  /** Bumped whenever the schedule is replaced, so a try that was overtaken drops its outcome. */
  private round = 0;
  private knownExpiry = Number.NaN;
  private lifetimeMs = 0;
  /** Local time (this.now) at which the current token expires. */
  private deadline = 0;
  private stopped = false;

  constructor(
    private readonly getToken: () => Promise<string>,
    private readonly link: RefreshLink,
    private readonly timers: RefreshTimers,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The gateway said when the token in use expires (its open frame, or a refreshed one). `serverTime` is
   * its clock then: the time left is measured on the gateway's clock, whatever this machine's says.
   */
  expiresAt(expiresAt: number, serverTime: number | undefined): void {
    if (this.stopped) return;
    const now = this.now();
    const left = expiresAt - (serverTime ?? now);
    // The lifetime is what a token had when first seen; a reconnect with the same token does not shrink its margin.
    if (expiresAt !== this.knownExpiry) {
      this.knownExpiry = expiresAt;
      this.lifetimeMs = left;
    }
    this.deadline = now + left;
    this.schedule(Math.max(0, left - refreshMargin(this.lifetimeMs)), 1);
  }

  /**
   * A refreshed frame, on whichever link it came: reschedules when it moved the expiry on. One that did not
   * (the app handed back the token in use) leaves the try that sent it to count as failed, so an app that
   * keeps doing so costs a few tries, not a loop.
   */
  refreshed(expiresAt: number, serverTime: number | undefined): void {
    if (expiresAt > this.knownExpiry) this.expiresAt(expiresAt, serverTime);
  }

  stop(): void {
    this.stopped = true;
    this.cancel();
    this.round++;
  }

  private schedule(delayMs: number, attempt: number): void {
    this.cancel();
    const round = ++this.round;
    // setTimeout holds 2^31-1 ms at most (~24.8 days); tokens live at most a day.
    this.timer = this.timers.setTimeout(
      () => {
        this.timer = undefined;
        void this.attempt(round, attempt);
      },
      Math.min(delayMs, 2 ** 31 - 1),
    );
  }

  private async attempt(round: number, attempt: number): Promise<void> {
    const answer = await this.tryOnce(Math.max(1, Math.min(ATTEMPT_TIMEOUT_MS, (this.deadline - this.now()) / 2)));
    if (round !== this.round || this.stopped) return; // a newer expiry came meanwhile (e.g. a reconnect's open)
    if (answer.kind === 'refreshed' && answer.expiresAt > this.knownExpiry) return this.expiresAt(answer.expiresAt, answer.serverTime);
    const left = this.deadline - this.now();
    if (attempt >= REFRESH_ATTEMPTS || left <= 0) return; // given up: the socket expires as without getToken
    this.schedule(Math.min(RETRY_BASE_MS * 2 ** (attempt - 1), left / (REFRESH_ATTEMPTS - attempt + 1)), attempt + 1);
  }

  /** One try, bounded: an app whose getToken never settles costs a try, not the refresh. */
  private async tryOnce(timeoutMs: number): Promise<RefreshAnswer> {
    let timer: unknown;
    const timedOut = new Promise<RefreshAnswer>((resolve) => (timer = this.timers.setTimeout(() => resolve(FAILED), timeoutMs)));
    const attempt = (async (): Promise<RefreshAnswer> => {
      let token: unknown;
      try {
        token = await this.getToken();
      } catch {
        return FAILED; // the app (or its backend) is down: try again later
      }
      if (typeof token !== 'string' || token === '') return FAILED;
      return this.link.refresh(token);
    })();
    try {
      return await Promise.race([attempt, timedOut]);
    } finally {
      this.timers.clearTimeout(timer);
    }
  }

  private cancel(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * The one refresh a WebSocket link has in flight: its frame and the answer frame that settles it. A newer
 * refresh, or the socket going away, settles the older one as failed.
 */
export class PendingRefresh {
  private pending: { readonly token: string; readonly settle: (answer: RefreshAnswer) => void } | undefined;

  /** Sends the refresh frame with `send`; false from it (or a throw) means the link could not take it. */
  start(token: string, send: (frame: string) => void): Promise<RefreshAnswer> {
    this.fail();
    try {
      send(JSON.stringify({ type: 'refresh', token } satisfies RefreshFrame));
    } catch {
      return Promise.resolve(FAILED);
    }
    return new Promise((settle) => (this.pending = { token, settle }));
  }

  /** The gateway's answer: returns the token it accepted (the one to say hello with from now on), if any. */
  answered(frame: RefreshedFrame | RefreshRefusedFrame): string | undefined {
    const pending = this.pending;
    this.pending = undefined;
    if (!pending) return undefined;
    if (frame.type === 'refresh-refused') {
      pending.settle({ kind: 'refused', reason: frame.reason });
      return undefined;
    }
    pending.settle({ kind: 'refreshed', expiresAt: frame.expiresAt, ...(frame.serverTime === undefined ? {} : { serverTime: frame.serverTime }) });
    return pending.token;
  }

  /** The link went away (or a newer refresh replaces this one). */
  fail(): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.settle(FAILED);
  }
}
