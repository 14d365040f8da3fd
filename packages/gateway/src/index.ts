export { GatewayNode, type GatewayNodeOptions } from './gateway-node.js';
export { loadConfig, configWith, ConfigError, type GatewayConfig } from './config.js';
export { OffsetClock, systemClock, type Clock } from './clock.js';
export { createMemoryStores, createRedisStores, type Stores } from './stores/create-stores.js';
export { MemoryInboxHub } from './channels/node-inbox-memory.js';
