/**
 * Presence through the stores, run against each implementation: which webhooks the channel transitions
 * queue, the grace window, dead-node release, and the outbox's at-least-once delivery side.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AttachResult } from '../../src/channels/channel-store.js';
import type { WebhookJob } from '../../src/presence/webhook-outbox.js';
import type { StoreSet, StoreSetFactory } from '../support/store-fixtures.js';

const MINUTE = 60_000;
const GRACE = 5_000;

function attached(result: AttachResult) {
  if (result.kind !== 'attached') throw new Error(`expected attached, got ${result.kind}`);
  return result;
}

export function presenceContract(name: string, makeStores: StoreSetFactory): void {
  describe(`presence contract: ${name}`, () => {
    let stores: StoreSet;
    let now: number;
    beforeEach(async () => {
      stores = await makeStores({ presence: { graceMs: GRACE } });
      now = Date.now();
    });
    afterEach(async () => stores.close());

    const owner = (connectionId: string, nodeId = 'node-a') => ({ nodeId, connectionId });
    /** Every job due by `at`, claimed and completed, as "event clientId". */
    async function drain(at = now + 10 * MINUTE): Promise<string[]> {
      const jobs: WebhookJob[] = await stores.outbox.claimDue(at, 1_000, at + MINUTE);
      for (const job of jobs) await stores.outbox.complete(job.id);
      return jobs.map((job) => `${job.event} ${job.clientId}`);
    }
    async function connect(clientId: string, connectionId: string, at = now, nodeId = 'node-a') {
      const generation = await stores.channels.open(clientId, now + 10 * MINUTE, now);
      return attached(await stores.channels.attach({ clientId, generation, owner: owner(connectionId, nodeId), now: at }));
    }

    it('queues connected on the first socket, and disconnected once the grace window passes', async () => {
      const first = await connect('c1', '1');
      expect(first.presence).toBe('connected');
      expect(await drain()).toEqual(['connected c1']);
      expect(await stores.channels.detach('c1', owner('1'), first.epoch, 0, now)).toBe(true);
      expect(await stores.channels.settleDisconnects(now + GRACE - 1, 100)).toEqual({ due: 0, queued: 0, dropped: 0 });
      expect(await stores.channels.settleDisconnects(now + GRACE, 100)).toEqual({ due: 1, queued: 1, dropped: 0 });
      expect(await drain()).toEqual(['disconnected c1']);
    });

    it('sends no disconnected/connected pair for a reconnect inside the grace window, or for a replaced socket', async () => {
      const first = await connect('c1', '1');
      await stores.channels.detach('c1', owner('1'), first.epoch, 0, now);
      const again = await connect('c1', '2', now + GRACE - 1, 'node-b');
      expect(again.presence).toBeUndefined();
      const newer = await connect('c1', '3', now + GRACE);
      expect(newer.presence).toBeUndefined();
      expect(await stores.channels.detach('c1', owner('2', 'node-b'), first.epoch, 0, now + GRACE)).toBe(false);
      expect(await stores.channels.settleDisconnects(now + 2 * GRACE, 100)).toMatchObject({ queued: 0 });
      expect(await drain()).toEqual(['connected c1']);
    });

    it('reports a deleted channel disconnected at once', async () => {
      await connect('c1', '1');
      await drain();
      expect(await stores.channels.delete('c1', now)).toBe(true);
      expect(await drain()).toEqual(['disconnected c1']);
    });

    it('releases the clients of a dead node only where it still owns them', async () => {
      await connect('a', '1', now, 'dead');
      await connect('b', '2', now, 'dead');
      await connect('b', '3', now, 'alive'); // moved before the node died
      await drain();
      expect(await stores.channels.releaseDeadOwner('dead', ['a', 'b', 'unknown'], now)).toBe(1);
      expect((await stores.channels.info('a', now))?.owner).toBeUndefined();
      expect((await stores.channels.info('b', now))?.owner?.nodeId).toBe('alive');
      expect(await stores.channels.settleDisconnects(now, 100)).toMatchObject({ queued: 1 });
      expect(await drain()).toEqual(['disconnected a']);
    });

    it('refuses new webhooks beyond the backlog limit and says so', async () => {
      await stores.close();
      stores = await makeStores({ presence: { maxBacklog: 2 } });
      expect((await connect('a', '1')).presence).toBe('connected');
      expect((await connect('b', '2')).presence).toBe('connected');
      expect((await connect('c', '3')).presence).toBe('dropped');
      expect(await stores.outbox.backlog()).toBe(2);
    });

    it('queues nothing when webhooks are off', async () => {
      await stores.close();
      stores = await makeStores({ presence: { webhooks: false } });
      const first = await connect('a', '1');
      expect(first.presence).toBeUndefined();
      await stores.channels.detach('a', owner('1'), first.epoch, 0, now);
      expect(await stores.channels.settleDisconnects(now + MINUTE, 100)).toMatchObject({ queued: 0 });
      expect(await stores.outbox.backlog()).toBe(0);
    });

    it('leases claimed jobs, returns them after the lease, and counts attempts on reschedule', async () => {
      await connect('a', '1');
      const [job] = await stores.outbox.claimDue(now, 10, now + 1_000);
      expect(job).toMatchObject({ event: 'connected', clientId: 'a', attempts: 0 });
      expect(await stores.outbox.claimDue(now + 999, 10, now + 2_000)).toEqual([]);
      const [again] = await stores.outbox.claimDue(now + 1_000, 10, now + 2_000);
      expect(again?.id).toBe(job!.id);
      await stores.outbox.reschedule(again!, now + 5_000);
      expect(await stores.outbox.claimDue(now + 4_999, 10, now + 9_000)).toEqual([]);
      const [third] = await stores.outbox.claimDue(now + 5_000, 10, now + 9_000);
      expect(third).toMatchObject({ id: job!.id, attempts: 1, firstAt: now });
      await stores.outbox.complete(job!.id);
      expect(await stores.outbox.backlog()).toBe(0);
    });
  });

  describe(`node liveness contract: ${name}`, () => {
    let stores: StoreSet;
    beforeEach(async () => (stores = await makeStores()));
    afterEach(async () => stores.close());

    it('finds nodes whose heartbeat is old, lists their clients, and forgets them', async () => {
      const { liveness } = stores;
      await liveness.heartbeat('old', 1_000);
      await liveness.heartbeat('new', 5_000);
      expect(await liveness.staleNodes(2_000)).toEqual(['old']);
      expect(await liveness.liveCount(2_000)).toBe(1);
      for (let i = 0; i < 1_200; i++) await liveness.trackClient('old', `c${i}`);
      await liveness.untrackClient('old', 'c0');
      const seen: string[] = [];
      for await (const batch of liveness.clientsOf('old')) seen.push(...batch);
      expect(new Set(seen).size).toBe(1_199);
      expect(seen).not.toContain('c0');
      expect(await liveness.claimReap('old', 10_000)).toBe(true);
      expect(await liveness.claimReap('old', 10_000)).toBe(false);
      await liveness.forget('old');
      expect(await liveness.staleNodes(2_000)).toEqual([]);
      const after: string[] = [];
      for await (const batch of liveness.clientsOf('old')) after.push(...batch);
      expect(after).toEqual([]);
    });
  });
}
