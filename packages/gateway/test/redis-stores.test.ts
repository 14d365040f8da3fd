import { describe, expect, it } from 'vitest';
import { channelStoreContract } from './contracts/channel-store.contract.js';
import { nodeInboxContract } from './contracts/node-inbox.contract.js';
import { presenceContract } from './contracts/presence.contract.js';
import { tokenStoreContract } from './contracts/token-store.contract.js';
import type { InboxMessage } from '../src/channels/node-inbox.js';
import { InboxRecorder, redisStores } from './support/store-fixtures.js';

channelStoreContract('redis', redisStores);
tokenStoreContract('redis', redisStores);
nodeInboxContract('redis', redisStores);
presenceContract('redis', redisStores);

describe('RedisChannelStore on the owning node', () => {
  it('hands the node its own clients’ messages without publishing them', async () => {
    const stores = await redisStores();
    const inbox = stores.newInbox();
    const recorder = new InboxRecorder<InboxMessage>();
    await inbox.subscribe('node-a', recorder.handler);
    // A second listener on node-a's pub/sub channel sees whatever is published there.
    const listener = stores.newInbox();
    const published = new InboxRecorder<InboxMessage>();
    await listener.subscribe('node-a', published.handler);
    const now = Date.now();
    const generation = await stores.channels.open('c1', now + 60_000, now);
    await stores.channels.attach({ clientId: 'c1', generation, owner: { nodeId: 'node-a', connectionId: 'k1' }, now });

    const [result] = await stores.channelsAt(inbox).sendMany([{ clientId: 'c1', encodedData: '"own"' }], now);
    expect(result).toEqual({ status: 'routed', seq: 1 });
    expect(recorder.received).toEqual([{ kind: 'deliver', clientId: 'c1', seq: 1, encodedData: '"own"' }]);
    // Pub/sub keeps order, so once a later publish arrived, an earlier one would have too.
    await stores.channels.sendMany([{ clientId: 'c1', encodedData: '"from elsewhere"' }], now);
    expect(await published.waitFor(1)).toEqual([{ kind: 'deliver', clientId: 'c1', seq: 2, encodedData: '"from elsewhere"' }]);
    await stores.close();
  });
});
