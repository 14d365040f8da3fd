import { channelStoreContract } from './contracts/channel-store.contract.js';
import { nodeInboxContract } from './contracts/node-inbox.contract.js';
import { presenceContract } from './contracts/presence.contract.js';
import { tokenStoreContract } from './contracts/token-store.contract.js';
import { memoryStores } from './support/store-fixtures.js';

channelStoreContract('memory', memoryStores);
tokenStoreContract('memory', memoryStores);
nodeInboxContract('memory', memoryStores);
presenceContract('memory', memoryStores);
