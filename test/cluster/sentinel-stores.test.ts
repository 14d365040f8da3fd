/**
 * The store contract suites on Redis behind Sentinel (a real master, replica and sentinel): the stores find
 * the master through the sentinel, as a node configured with CG_REDIS_SENTINELS does.
 */
import { afterAll, beforeAll } from 'vitest';
import { startSentinelRedis, type SentinelRedis } from '../support/index.js';
import { channelStoreContract } from '../../packages/gateway/test/contracts/channel-store.contract.js';
import { nodeInboxContract } from '../../packages/gateway/test/contracts/node-inbox.contract.js';
import { presenceContract } from '../../packages/gateway/test/contracts/presence.contract.js';
import { tokenStoreContract } from '../../packages/gateway/test/contracts/token-store.contract.js';
import { sentinelStores as storesThrough } from '../../packages/gateway/test/support/store-fixtures.js';

let sentinel: SentinelRedis | undefined;
beforeAll(async () => {
  sentinel = await startSentinelRedis();
}, 60_000);
afterAll(async () => {
  await sentinel?.stop();
});

const sentinelStores = storesThrough(() => {
  if (!sentinel) throw new Error('the sentinel is not running');
  return sentinel;
});

channelStoreContract('sentinel', sentinelStores);
tokenStoreContract('sentinel', sentinelStores);
nodeInboxContract('sentinel', sentinelStores);
presenceContract('sentinel', sentinelStores);
