import { channelStoreContract } from './contracts/channel-store.contract.js';
import { nodeInboxContract } from './contracts/node-inbox.contract.js';
import { presenceContract } from './contracts/presence.contract.js';
import { tokenStoreContract } from './contracts/token-store.contract.js';
import { redisStores } from './support/store-fixtures.js';

channelStoreContract('redis', redisStores);
tokenStoreContract('redis', redisStores);
nodeInboxContract('redis', redisStores);
presenceContract('redis', redisStores);
