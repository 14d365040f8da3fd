/** What every NodeInbox must do, run against each implementation. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InboxMessage } from '../../src/channels/node-inbox.js';
import { InboxRecorder, type StoreSet, type StoreSetFactory } from '../support/store-fixtures.js';

export function nodeInboxContract(name: string, makeStores: StoreSetFactory): void {
  describe(`NodeInbox contract: ${name}`, () => {
    let stores: StoreSet;
    beforeEach(async () => (stores = await makeStores()));
    afterEach(async () => stores.close());

    it('delivers every kind of message to the subscribed node only, in publish order', async () => {
      const a = stores.newInbox();
      const b = stores.newInbox();
      const atA = new InboxRecorder<InboxMessage>();
      const atB = new InboxRecorder<InboxMessage>();
      await a.subscribe('node-a', atA.handler);
      await b.subscribe('node-b', atB.handler);
      expect(a.isLive()).toBe(true);
      const messages: InboxMessage[] = [
        { kind: 'deliver', clientId: 'c 1', seq: 1, encodedData: JSON.stringify('line\nbreak ✓') },
        { kind: 'replaced', clientId: 'c 1', connectionId: 'k1' },
        { kind: 'revoked', clientId: '{c}', connectionId: 'k2' },
        { kind: 'ask-delivered', clientId: 'c 1', connectionId: 'k3', to: { nodeId: 'node-b', connectionId: 'k4' } },
        { kind: 'handover', clientId: 'c 1', connectionId: 'k4', deliveredSeq: 7 },
        { kind: 'handover', clientId: 'c 1', connectionId: 'k5', deliveredSeq: -1 },
        ...Array.from({ length: 50 }, (_, i): InboxMessage => ({ kind: 'deliver', clientId: 'c2', seq: i + 2, encodedData: `"${i}"` })),
      ];
      for (const message of messages) expect(await b.publish('node-a', message)).toBe(true);
      expect(await atA.waitFor(messages.length)).toEqual(messages);
      expect(atB.received).toEqual([]);
    });

    it('says when no node is subscribed to receive a message', async () => {
      const a = stores.newInbox();
      expect(a.isLive()).toBe(false);
      expect(await a.publish('nobody', { kind: 'revoked', clientId: 'c', connectionId: '1' })).toBe(false);
    });
  });
}
