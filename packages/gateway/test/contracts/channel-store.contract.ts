/**
 * What every ChannelStore must do, run against each implementation (memory, Redis).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AttachResult, ChannelStore } from '../../src/channels/channel-store.js';
import type { InboxMessage } from '../../src/channels/node-inbox.js';
import { InboxRecorder, type StoreSet, type StoreSetFactory } from '../support/store-fixtures.js';
import { idempotentSendContract } from './idempotent-send.contract.js';

const MINUTE = 60_000;
const enc = (text: string) => JSON.stringify(text);

/** One message through `sendMany`, the store's only send (single sends are coalesced above it). */
async function sendOne(store: ChannelStore, clientId: string, encodedData: string, now: number) {
  const [result] = await store.sendMany([{ clientId, encodedData }], now);
  return result!;
}

function attached(result: AttachResult) {
  if (result.kind !== 'attached') throw new Error(`expected attached, got ${result.kind}`);
  return result;
}

export function channelStoreContract(name: string, makeStores: StoreSetFactory): void {
  describe(`ChannelStore contract: ${name}`, () => {
    let stores: StoreSet;
    let channels: ChannelStore;
    let now: number;
    beforeEach(async () => {
      stores = await makeStores();
      channels = stores.channels;
      now = Date.now();
    });
    afterEach(async () => stores.close());

    const owner = (connectionId: string, nodeId = 'node-a') => ({ nodeId, connectionId });
    async function openChannel(clientId: string, store = channels) {
      return store.open(clientId, now + 10 * MINUTE, now);
    }

    it('answers no_channel for a client without a channel', async () => {
      expect(await sendOne(channels, 'nobody', enc('x'), now)).toEqual({ status: 'no_channel' });
    });

    it('queues messages with consecutive seqs in call order when no socket is attached', async () => {
      await openChannel('c1');
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => sendOne(channels, 'c1', enc(`m${i}`), now)));
      expect(results.map((r) => r.status)).toEqual(Array(50).fill('queued'));
      expect(results.map((r) => ('seq' in r ? r.seq : undefined))).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    });

    it('replays queued messages in order to the first socket, and not again after it delivered them', async () => {
      const generation = await openChannel('c1');
      await sendOne(channels, 'c1', enc('one'), now);
      await sendOne(channels, 'c1', enc('two "quoted" ✓'), now);
      const first = attached(await channels.attach({ clientId: 'c1', generation, owner: owner('1'), now }));
      expect(first.replay).toEqual([
        { seq: 1, encodedData: enc('one') },
        { seq: 2, encodedData: enc('two "quoted" ✓') },
      ]);
      expect(first.replayFrom).toBe(1);
      expect(first.gap).toBeUndefined();
      expect(await channels.detach('c1', owner('1'), first.epoch, 2, now)).toBe(true);
      await sendOne(channels, 'c1', enc('three'), now);
      const second = attached(await channels.attach({ clientId: 'c1', generation, owner: owner('2'), now }));
      expect(second.replay.map((m) => m.seq)).toEqual([3]);
      expect(second.replayFrom).toBe(3);
    });

    it('resumes after the position the client presents, in the same epoch', async () => {
      const generation = await openChannel('c1');
      for (const text of ['a', 'b', 'c', 'd']) await sendOne(channels, 'c1', enc(text), now);
      const { epoch } = attached(await channels.attach({ clientId: 'c1', generation, owner: owner('1'), now }));
      const resumed = attached(await channels.attach({ clientId: 'c1', generation, owner: owner('2', 'node-b'), now, resume: { epoch, seq: 2 } }));
      expect(resumed.replay.map((m) => m.seq)).toEqual([3, 4]);
      expect(resumed.gap).toBeUndefined();
      expect(resumed.previousOwner).toEqual(owner('1'));
    });

    it('reports a gap for a position from another epoch or from the future, and starts fresh', async () => {
      const generation = await openChannel('c1');
      await sendOne(channels, 'c1', enc('a'), now);
      const other = attached(await channels.attach({ clientId: 'c1', generation, owner: owner('1'), now, resume: { epoch: 'not-this-epoch', seq: 7 } }));
      expect(other.gap).toEqual({ type: 'gap', reason: 'epoch' });
      expect(other.replay.map((m) => m.seq)).toEqual([1]);
      const future = attached(await channels.attach({ clientId: 'c1', generation, owner: owner('2'), now, resume: { epoch: other.epoch, seq: 99 } }));
      expect(future.gap).toEqual({ type: 'gap', reason: 'position' });
    });

    it('trims the buffer by count and reports what can no longer be replayed', async () => {
      await stores.close();
      stores = await makeStores({ maxMessages: 3 });
      channels = stores.channels;
      const generation = await openChannel('c1');
      const { epoch } = attached(await channels.attach({ clientId: 'c1', generation, owner: owner('1'), now }));
      for (let i = 1; i <= 6; i++) await sendOne(channels, 'c1', enc(`m${i}`), now);
      const resumed = attached(await channels.attach({ clientId: 'c1', generation, owner: owner('2'), now, resume: { epoch, seq: 1 } }));
      expect(resumed.gap).toEqual({ type: 'gap', reason: 'expired', from: 2, to: 3 });
      expect(resumed.replay.map((m) => m.seq)).toEqual([4, 5, 6]);
    });

    it('keeps the buffer at its limits while messages keep coming, over many trims', async () => {
      await stores.close();
      stores = await makeStores({ maxMessages: 3, maxBytes: 40, ttlMs: MINUTE });
      channels = stores.channels;
      const generation = await openChannel('c1');
      const { epoch } = attached(await channels.attach({ clientId: 'c1', generation, owner: owner('1'), now }));
      // Twenty 8-byte messages, one a second: the count (3) and byte (40) limits take turns to bind.
      for (let i = 1; i <= 20; i++) await sendOne(channels, 'c1', enc(`m${String(i).padStart(4, '0')}`), now + i * 1000);
      const later = now + 20_000;
      const resumed = attached(await channels.attach({ clientId: 'c1', generation, owner: owner('2'), now: later, resume: { epoch, seq: 0 } }));
      expect(resumed.replay.map((m) => m.seq)).toEqual([18, 19, 20]);
      expect(resumed.gap).toEqual({ type: 'gap', reason: 'expired', from: 1, to: 17 });
      // Age: a minute later only the newest survives the next send's trim.
      await sendOne(channels, 'c1', enc('fresh'), later + 2 * MINUTE);
      const aged = attached(await channels.attach({ clientId: 'c1', generation, owner: owner('3'), now: later + 2 * MINUTE, resume: { epoch, seq: 17 } }));
      expect(aged.replay.map((m) => m.seq)).toEqual([21]);
    });

    it('trims by bytes and by age, but never drops the newest message', async () => {
      await stores.close();
      stores = await makeStores({ maxBytes: 2_000, ttlMs: MINUTE });
      channels = stores.channels;
      const generation = await openChannel('c1');
      await sendOne(channels, 'c1', enc('x'.repeat(1_500)), now);
      await sendOne(channels, 'c1', enc('y'.repeat(1_500)), now);
      await sendOne(channels, 'c1', enc('z'.repeat(5_000)), now);
      let result = attached(await channels.attach({ clientId: 'c1', generation, owner: owner('1'), now }));
      expect(result.replay.map((m) => m.seq)).toEqual([3]);
      expect(result.gap).toEqual({ type: 'gap', reason: 'expired', from: 1, to: 2 });
      await sendOne(channels, 'c1', enc('fresh'), now + 2 * MINUTE);
      result = attached(
        await channels.attach({ clientId: 'c1', generation, owner: owner('2'), now: now + 2 * MINUTE, resume: { epoch: result.epoch, seq: 2 } }),
      );
      expect(result.replay.map((m) => m.seq)).toEqual([4]);
      expect(result.gap).toEqual({ type: 'gap', reason: 'expired', from: 3, to: 3 });
    });

    it('routes to the owning node when it is subscribed, and queues when no node listens', async () => {
      const inbox = stores.newInbox();
      const recorder = new InboxRecorder<InboxMessage>();
      await inbox.subscribe('node-a', recorder.handler);
      const generation = await openChannel('c1');
      attached(await channels.attach({ clientId: 'c1', generation, owner: owner('1'), now }));
      expect(await sendOne(channels, 'c1', enc('live\nline'), now)).toEqual({ status: 'routed', seq: 1 });
      expect(await recorder.waitFor(1)).toEqual([{ kind: 'deliver', clientId: 'c1', seq: 1, encodedData: enc('live\nline') }]);

      const gen2 = await openChannel('c2');
      attached(await channels.attach({ clientId: 'c2', generation: gen2, owner: owner('9', 'dead-node'), now }));
      expect(await sendOne(channels, 'c2', enc('nobody listens'), now)).toEqual({ status: 'queued', seq: 1 });
    });

    it('delivers every message to the owning node exactly once, whether the owner or another node sends it', async () => {
      const inbox = stores.newInbox();
      const recorder = new InboxRecorder<InboxMessage>();
      await inbox.subscribe('node-a', recorder.handler);
      const atOwner = stores.channelsAt(inbox);
      const generation = await openChannel('c1');
      attached(await channels.attach({ clientId: 'c1', generation, owner: owner('1'), now }));
      const results = [];
      for (let i = 1; i <= 20; i++) results.push(await sendOne(i % 2 ? atOwner : channels, 'c1', enc(`m${i}`), now));
      results.push(
        ...(await atOwner.sendMany(
          [
            { clientId: 'c1', encodedData: enc('m21') },
            { clientId: 'c1', encodedData: enc('m22') },
          ],
          now,
        )),
      );
      expect(results).toEqual(Array.from({ length: 22 }, (_, i) => ({ status: 'routed', seq: i + 1 })));
      const received = (await recorder.waitFor(22)).map((m) => (m.kind === 'deliver' ? `${m.seq}:${m.encodedData}` : m.kind));
      // Both ways may interleave differently (the socket orders by seq); each message arrives once.
      expect([...received].sort((a, b) => parseInt(a) - parseInt(b))).toEqual(Array.from({ length: 22 }, (_, i) => `${i + 1}:${enc(`m${i + 1}`)}`));
    });

    it('sends a batch as single sends in order would, with one status per message', async () => {
      const inbox = stores.newInbox();
      const recorder = new InboxRecorder<InboxMessage>();
      await inbox.subscribe('node-a', recorder.handler);
      const owned = await openChannel('owned');
      attached(await channels.attach({ clientId: 'owned', generation: owned, owner: owner('1'), now }));
      await openChannel('away');
      const gone = await openChannel('gone-node');
      attached(await channels.attach({ clientId: 'gone-node', generation: gone, owner: owner('2', 'dead-node'), now }));
      expect(await sendOne(channels, 'owned', enc('single first'), now)).toEqual({ status: 'routed', seq: 1 });
      const results = await channels.sendMany(
        [
          { clientId: 'owned', encodedData: enc('a\nb') },
          { clientId: 'away', encodedData: enc('queued one') },
          { clientId: 'nobody', encodedData: enc('lost?') },
          { clientId: 'gone-node', encodedData: enc('dead owner') },
          { clientId: 'owned', encodedData: enc('"last" ✓') },
        ],
        now,
      );
      expect(results).toEqual([
        { status: 'routed', seq: 2 },
        { status: 'queued', seq: 1 },
        { status: 'no_channel' },
        { status: 'queued', seq: 1 },
        { status: 'routed', seq: 3 },
      ]);
      expect(await recorder.waitFor(3)).toEqual([
        { kind: 'deliver', clientId: 'owned', seq: 1, encodedData: enc('single first') },
        { kind: 'deliver', clientId: 'owned', seq: 2, encodedData: enc('a\nb') },
        { kind: 'deliver', clientId: 'owned', seq: 3, encodedData: enc('"last" ✓') },
      ]);
      expect(await channels.sendMany([], now)).toEqual([]);
    });

    it('sends a message that names a generation only while the channel is in it (a send by token)', async () => {
      const first = await openChannel('c1');
      expect(await channels.sendMany([{ clientId: 'c1', encodedData: enc('right'), generation: first }], now)).toEqual([{ status: 'queued', seq: 1 }]);
      expect(await channels.sendMany([{ clientId: 'c1', encodedData: enc('wrong'), generation: 'not-the-generation' }], now)).toEqual([
        { status: 'no_channel' },
      ]);
      expect(await channels.delete('c1', now)).toBe(true);
      const second = await openChannel('c1');
      expect(second).not.toBe(first);
      const results = await channels.sendMany(
        [
          { clientId: 'c1', encodedData: enc('revoked'), generation: first },
          { clientId: 'c1', encodedData: enc('current'), generation: second },
          { clientId: 'c1', encodedData: enc('any') },
        ],
        now,
      );
      expect(results).toEqual([{ status: 'no_channel' }, { status: 'queued', seq: 1 }, { status: 'queued', seq: 2 }]);
      const socket = attached(await channels.attach({ clientId: 'c1', generation: second, owner: owner('1'), now }));
      expect(socket.replay.map((m) => m.encodedData)).toEqual([enc('current'), enc('any')]);
    });

    it('keeps publish order per client', async () => {
      const inbox = stores.newInbox();
      const recorder = new InboxRecorder<InboxMessage>();
      await inbox.subscribe('node-a', recorder.handler);
      const generation = await openChannel('c1');
      attached(await channels.attach({ clientId: 'c1', generation, owner: owner('1'), now }));
      await Promise.all(Array.from({ length: 100 }, (_, i) => sendOne(channels, 'c1', enc(String(i)), now)));
      const received = await recorder.waitFor(100);
      expect(received.map((m) => (m.kind === 'deliver' ? m.seq : -1))).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    });

    it('lets the newest socket win: an older owner detaching does not release it', async () => {
      const generation = await openChannel('c1');
      const first = attached(await channels.attach({ clientId: 'c1', generation, owner: owner('1'), now }));
      expect(first.previousOwner).toBeUndefined();
      const second = attached(await channels.attach({ clientId: 'c1', generation, owner: owner('2', 'node-b'), now: now + 1 }));
      expect(second.previousOwner).toEqual(owner('1'));
      expect(await channels.detach('c1', owner('1'), first.epoch, 0, now)).toBe(false);
      expect((await channels.info('c1', now))?.owner).toEqual({ nodeId: 'node-b', connectionId: '2', connectedAt: now + 1 });
      expect(await channels.detach('c1', owner('2', 'node-b'), first.epoch, 0, now)).toBe(true);
      expect((await channels.info('c1', now))?.owner).toBeUndefined();
    });

    it('reports a live channel in info, and none when unknown or expired', async () => {
      expect(await channels.info('c1', now)).toBeUndefined();
      const generation = await channels.open('c1', now + MINUTE, now);
      expect(await channels.info('c1', now)).toEqual({ clientId: 'c1', expiresAt: now + MINUTE, generation });
      expect(await channels.info('c1', now + MINUTE)).toBeUndefined();
      expect(await sendOne(channels, 'c1', enc('late'), now + MINUTE)).toEqual({ status: 'no_channel' });
    });

    it('extends a live channel and keeps its generation; starts a new generation once it expired', async () => {
      const generation = await channels.open('c1', now + MINUTE, now);
      expect(await channels.open('c1', now + 5 * MINUTE, now)).toBe(generation);
      expect(await channels.open('c1', now + 2 * MINUTE, now)).toBe(generation);
      expect((await channels.info('c1', now))?.expiresAt).toBe(now + 5 * MINUTE);
      const later = now + 6 * MINUTE;
      const next = await channels.open('c1', later + MINUTE, later);
      expect(next).not.toBe(generation);
      expect((await channels.info('c1', later))?.generation).toBe(next);
    });

    it('refuses attach with a stale generation or after expiry', async () => {
      const generation = await channels.open('c1', now + MINUTE, now);
      expect(await channels.attach({ clientId: 'c1', generation: 'other', owner: owner('1'), now })).toEqual({ kind: 'invalid' });
      expect(await channels.attach({ clientId: 'c1', generation, owner: owner('1'), now: now + MINUTE })).toEqual({ kind: 'expired' });
      expect(await channels.attach({ clientId: 'nobody', generation, owner: owner('1'), now })).toEqual({ kind: 'invalid' });
    });

    it('delete revokes the generation, drops the buffer and tells the owning node', async () => {
      const inbox = stores.newInbox();
      const recorder = new InboxRecorder<InboxMessage>();
      await inbox.subscribe('node-a', recorder.handler);
      const generation = await openChannel('c1');
      await sendOne(channels, 'c1', enc('kept?'), now);
      attached(await channels.attach({ clientId: 'c1', generation, owner: owner('7'), now }));
      expect(await channels.delete('c1', now)).toBe(true);
      expect(await recorder.waitFor(1)).toEqual([{ kind: 'revoked', clientId: 'c1', connectionId: '7' }]);
      expect(await sendOne(channels, 'c1', enc('x'), now)).toEqual({ status: 'no_channel' });
      expect(await channels.attach({ clientId: 'c1', generation, owner: owner('8'), now })).toEqual({ kind: 'invalid' });
      expect(await channels.delete('c1', now)).toBe(false);
      const fresh = await openChannel('c1');
      const reopened = attached(await channels.attach({ clientId: 'c1', generation: fresh, owner: owner('9'), now }));
      expect(reopened.replay).toEqual([]);
    });

    it('ignores a detach from an earlier epoch', async () => {
      const generation = await openChannel('c1');
      const old = attached(await channels.attach({ clientId: 'c1', generation, owner: owner('1'), now }));
      await channels.delete('c1', now);
      const fresh = await openChannel('c1');
      await sendOne(channels, 'c1', enc('new epoch'), now);
      expect(await channels.detach('c1', owner('1'), old.epoch, 50, now)).toBe(false);
      const next = attached(await channels.attach({ clientId: 'c1', generation: fresh, owner: owner('2'), now }));
      expect(next.replay.map((m) => m.seq)).toEqual([1]);
    });

    it('keeps client IDs apart, including ones with braces, spaces and unicode', async () => {
      const ids = ['a', 'a b', '{a}', 'a}', 'ünï €'];
      for (const id of ids) await openChannel(id);
      for (const [index, id] of ids.entries()) expect(await sendOne(channels, id, enc(`to ${index}`), now)).toEqual({ status: 'queued', seq: 1 });
    });
  });
  idempotentSendContract(name, makeStores);
}
