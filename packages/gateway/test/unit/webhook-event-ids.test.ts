/**
 * Event IDs (X-Channel-Event-Id) are what apps deduplicate on, and a field of the v2 signed text: the
 * in-memory outbox's must not start again at the same value when a node restarts (an app would drop the
 * new events as repeats), and must fit the protocol's pattern.
 */
import { describe, expect, it } from 'vitest';
import { WEBHOOK_EVENT_ID_PATTERN } from '@channel-gateway/protocol';
import { MemoryWebhookOutbox } from '../../src/presence/webhook-outbox-memory.js';

async function firstIds(outbox: MemoryWebhookOutbox, count: number): Promise<string[]> {
  for (let i = 0; i < count; i++) expect(outbox.add('connected', `c${i}`, 1_000)).toBe(true);
  return (await outbox.claimDue(1_000, count, 2_000)).map((job) => job.id);
}

describe("the in-memory outbox's event IDs", () => {
  it('differ between two lifetimes of a node, and within one', async () => {
    const before = await firstIds(new MemoryWebhookOutbox(10), 3);
    const after = await firstIds(new MemoryWebhookOutbox(10), 3);
    expect(new Set([...before, ...after]).size).toBe(6);
  });

  it("match the protocol's event ID pattern", async () => {
    for (const id of await firstIds(new MemoryWebhookOutbox(10), 2)) expect(id).toMatch(WEBHOOK_EVENT_ID_PATTERN);
  });
});
