/**
 * Messages flowing to one client while a test breaks things: each send carries the next number, and what
 * the gateway acknowledged (202 routed/queued) must arrive; a send that failed at the HTTP level (a node
 * going away under it) may or may not. `expectDelivered` then checks what the page received.
 */
import { expect } from 'vitest';
import type { ApiCall } from '../../support/index.js';

/** Sends are paced (a rate, not a wait for anything), so a run of some seconds stays a few hundred messages. */
const PACE_MS = 20;
/** Bound on one flow, whatever happens to `stop()`. */
const MAX_SENDS = 5_000;

export class MessageFlow {
  readonly acknowledged: number[] = [];
  readonly unacknowledged = new Set<number>();
  private sending = true;
  private readonly done: Promise<void>;

  constructor(
    private readonly api: ApiCall,
    private readonly clientId: string,
  ) {
    this.done = this.run();
  }

  /** Stops sending; resolves once the last send has its answer. Returns the last acknowledged number. */
  async stop(): Promise<number | undefined> {
    this.sending = false;
    await this.done;
    return this.acknowledged.at(-1);
  }

  private async run(): Promise<void> {
    for (let n = 0; this.sending && n < MAX_SENDS; n++) {
      try {
        const { status, body } = await this.api('POST', `/v1/channels/${encodeURIComponent(this.clientId)}/messages`, { message: String(n) });
        if (status === 202 && (body.status === 'routed' || body.status === 'queued')) this.acknowledged.push(n);
        else this.unacknowledged.add(n);
      } catch {
        this.unacknowledged.add(n);
      }
      await new Promise((resolve) => setTimeout(resolve, PACE_MS));
    }
  }
}

/** In order, no duplicate, every acknowledged message, nothing that was never sent. */
export function expectDelivered(received: string[], flow: MessageFlow): void {
  const numbers = received.map(Number);
  const disorder = numbers.filter((n, i) => i > 0 && n <= numbers[i - 1]!);
  expect(disorder, `out of order or repeated in ${numbers.join(',')}`).toEqual([]);
  const seen = new Set(numbers);
  expect(
    flow.acknowledged.filter((n) => !seen.has(n)),
    'acknowledged but never delivered',
  ).toEqual([]);
  expect(
    numbers.filter((n) => !flow.acknowledged.includes(n) && !flow.unacknowledged.has(n)),
    'never sent',
  ).toEqual([]);
  expect(flow.acknowledged.length).toBeGreaterThan(0);
}
