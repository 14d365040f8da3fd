export * from './limits.js';
export * from './close-codes.js';
export * from './frames.js';
export * from './api.js';
export * from './redis-keys.js';
export * from './webhooks.js';
