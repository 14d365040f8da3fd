/**
 * Part of the ChannelStore contract (run from channel-store.contract.ts): idempotent sends. A message
 * whose key was already used is not sent again and is answered with the first send's status and seq,
 * through any store handle (any node), in the same call or a later one, until the window ends; a key
 * first used for another client or message is refused, and nothing is sent.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChannelStore, OutgoingMessage } from '../../src/channels/channel-store.js';
import { fingerprintOf } from '../../src/channels/idempotency.js';
import type { InboxMessage } from '../../src/channels/node-inbox.js';
import { InboxRecorder, type StoreSet, type StoreSetFactory } from '../support/store-fixtures.js';

const MINUTE = 60_000;

function tagged(clientId: string, text: string, key: string): OutgoingMessage {
  const encodedData = JSON.stringify(text);
  return { clientId, encodedData, idempotency: { key, fingerprint: fingerprintOf(encodedData) } };
}

export function idempotentSendContract(name: string, makeStores: StoreSetFactory): void {
  describe(`ChannelStore contract: ${name}: idempotent sends`, () => {
    let stores: StoreSet;
    let channels: ChannelStore;
    let now: number;
    beforeEach(async () => {
      stores = await makeStores();
      channels = stores.channels;
      now = Date.now();
    });
    afterEach(async () => stores.close());

    const open = (clientId: string) => channels.open(clientId, now + 10 * MINUTE, now);
    const buffered = async (clientId: string, generation: string) => {
      const result = await channels.attach({ clientId, generation, owner: { nodeId: 'reader', connectionId: clientId }, now });
      if (result.kind !== 'attached') throw new Error(result.kind);
      return result.replay.map((message) => JSON.parse(message.encodedData) as string);
    };

    it('answers a repeat with the first send’s status and seq, and buffers the message once', async () => {
      const generation = await open('c1');
      expect(await channels.sendMany([tagged('c1', 'one', 'k1')], now)).toEqual([{ status: 'queued', seq: 1 }]);
      expect(await channels.sendMany([tagged('c1', 'two', 'k2')], now)).toEqual([{ status: 'queued', seq: 2 }]);
      expect(await channels.sendMany([tagged('c1', 'one', 'k1')], now)).toEqual([{ status: 'queued', seq: 1, replayed: true }]);
      expect(await buffered('c1', generation)).toEqual(['one', 'two']);
    });

    it('sends a key repeated within one call once, the repeat answered as the first', async () => {
      const generation = await open('c1');
      const results = await channels.sendMany([tagged('c1', 'a', 'k'), tagged('c1', 'b', 'other'), tagged('c1', 'a', 'k'), tagged('c1', 'c', 'k')], now);
      expect(results).toEqual([
        { status: 'queued', seq: 1 },
        { status: 'queued', seq: 2 },
        { status: 'queued', seq: 1, replayed: true },
        { status: 'key_reused', differs: 'message' },
      ]);
      expect(await buffered('c1', generation)).toEqual(['a', 'b']);
    });

    it('refuses a key reused for another client or another message, sending nothing', async () => {
      const one = await open('c1');
      const two = await open('c2');
      await channels.sendMany([tagged('c1', 'first', 'k')], now);
      expect(await channels.sendMany([tagged('c2', 'first', 'k'), tagged('c1', 'changed', 'k')], now)).toEqual([
        { status: 'key_reused', differs: 'client' },
        { status: 'key_reused', differs: 'message' },
      ]);
      expect(await buffered('c1', one)).toEqual(['first']);
      expect(await buffered('c2', two)).toEqual([]);
    });

    it('remembers a routed send with its status, and the owning node receives it once', async () => {
      const inbox = stores.newInbox();
      const recorder = new InboxRecorder<InboxMessage>();
      await inbox.subscribe('node-a', recorder.handler);
      const generation = await open('c1');
      const attached = await channels.attach({ clientId: 'c1', generation, owner: { nodeId: 'node-a', connectionId: '1' }, now });
      expect(attached.kind).toBe('attached');
      // Through the owning node's handle (delivered by that node itself) and through another node's.
      const atOwner = stores.channelsAt(inbox);
      expect(await atOwner.sendMany([tagged('c1', 'live', 'k')], now)).toEqual([{ status: 'routed', seq: 1 }]);
      expect(await channels.sendMany([tagged('c1', 'live', 'k')], now)).toEqual([{ status: 'routed', seq: 1, replayed: true }]);
      expect(await atOwner.sendMany([tagged('c1', 'live', 'k')], now)).toEqual([{ status: 'routed', seq: 1, replayed: true }]);
      expect(await channels.sendMany([tagged('c1', 'next', 'k2')], now)).toEqual([{ status: 'routed', seq: 2 }]);
      const received = await recorder.waitFor(2);
      expect(received.map((m) => (m.kind === 'deliver' ? m.encodedData : m.kind))).toEqual([JSON.stringify('live'), JSON.stringify('next')]);
    });

    it('remembers a send to an owner that nobody listens for as queued, also for a repeat in the same call', async () => {
      const generation = await open('c1');
      // Owned by a node with no subscriber (gone without releasing): the publish finds nobody.
      const attached = await channels.attach({ clientId: 'c1', generation, owner: { nodeId: 'gone', connectionId: '1' }, now });
      expect(attached.kind).toBe('attached');
      expect(await channels.sendMany([tagged('c1', 'lost?', 'k'), tagged('c1', 'lost?', 'k')], now)).toEqual([
        { status: 'queued', seq: 1 },
        { status: 'queued', seq: 1, replayed: true },
      ]);
      expect(await channels.sendMany([tagged('c1', 'lost?', 'k')], now)).toEqual([{ status: 'queued', seq: 1, replayed: true }]);
    });

    it('remembers no_channel too: a repeat after the channel was created sends nothing', async () => {
      expect(await channels.sendMany([tagged('late', 'early bird', 'k')], now)).toEqual([{ status: 'no_channel' }]);
      const generation = await open('late');
      expect(await channels.sendMany([tagged('late', 'early bird', 'k')], now)).toEqual([{ status: 'no_channel', replayed: true }]);
      expect(await buffered('late', generation)).toEqual([]);
    });

    it('sends concurrent repeats through two nodes once', async () => {
      const generation = await open('c1');
      const other = stores.channelsAt(stores.newInbox());
      const rounds = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? other : channels).sendMany([tagged('c1', 'once', 'k'), tagged('c1', `m${i}`, `k${i}`)], now)),
      );
      const firsts = rounds.map(([result]) => result!);
      expect(firsts.filter((result) => !('replayed' in result))).toHaveLength(1);
      const seq = firsts.find((result) => !('replayed' in result))!;
      for (const result of firsts) expect(result).toMatchObject({ status: 'queued', seq: (seq as { seq: number }).seq });
      const messages = await buffered('c1', generation);
      expect(messages.filter((text) => text === 'once')).toHaveLength(1);
      expect(messages).toHaveLength(21);
    });

    it('forgets a key after the window: the message can then be sent again', async () => {
      await stores.close();
      stores = await makeStores({ idempotencyTtlMs: 300 });
      channels = stores.channels;
      await open('c1');
      expect(await channels.sendMany([tagged('c1', 'again', 'k')], Date.now())).toEqual([{ status: 'queued', seq: 1 }]);
      expect(await channels.sendMany([tagged('c1', 'again', 'k')], Date.now())).toEqual([{ status: 'queued', seq: 1, replayed: true }]);
      const deadline = Date.now() + 5_000;
      let result;
      do {
        await new Promise((resolve) => setTimeout(resolve, 50));
        [result] = await channels.sendMany([tagged('c1', 'again', 'k')], Date.now());
      } while (result && 'replayed' in result && Date.now() < deadline);
      expect(result).toEqual({ status: 'queued', seq: 2 });
    });
  });
}
