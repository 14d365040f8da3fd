#!/usr/bin/env node
// Redis CPU per message of the gateway's send script, alone: no HTTP, no sockets, no other process on
// the critical path. Starts its own redis-server, opens N channels through the gateway's RedisChannelStore
// (packages/gateway/dist), makes a subscribed connection own half of them, then calls sendMany with
// batches of each size and reads Redis's own CPU (INFO cpu) per message. Use it to compare script
// versions: the numbers are Redis-only and far less noisy than a full run.
// --keys: every message carries an idempotency key (as the SDK's sends do), so the key's record is counted.
//   node bench/redis-send-cost.mjs [--clients 1000] [--messages 20000] [--batches 1,4,16,100] [--keys]
import { spawn } from 'node:child_process';
import net from 'node:net';
import { parseArgs } from 'node:util';
import { GATEWAY_DIR, loadIoredis } from './lib/common.mjs';

const { values: opt } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000' },
    messages: { type: 'string', default: '20000' },
    batches: { type: 'string', default: '1,4,16,100' },
    keys: { type: 'boolean', default: false },
  },
});
const CLIENTS = Math.min(100_000, Math.max(2, Number(opt.clients) || 1000));
const MESSAGES = Math.min(1_000_000, Math.max(100, Number(opt.messages) || 20_000));
const BATCHES = opt.batches
  .split(',')
  .map(Number)
  .filter((n) => n >= 1 && n <= 1000)
  .slice(0, 8);

const { RedisChannelStore } = await import(`${GATEWAY_DIR}/dist/channels/channel-store-redis.js`);
const { redisKeys } = await import(`${GATEWAY_DIR}/node_modules/@channel-gateway/protocol/dist/esm/index.js`);
const Redis = loadIoredis();

const port = await new Promise((resolve) => {
  const server = net.createServer().listen(0, '127.0.0.1', () => {
    const { port: free } = server.address();
    server.close(() => resolve(free));
  });
});
const redisServer = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
process.on('exit', () => redisServer.kill('SIGKILL'));
const url = `redis://127.0.0.1:${port}`;
const redis = new Redis(url, { enableAutoPipelining: true, retryStrategy: (n) => (n > 50 ? null : 100) });
redis.on('error', () => {}); // refused until redis-server is up; ping() below waits for it (≤ 5 s)
await redis.ping();
const subscriber = new Redis(url);
subscriber.on('error', (error) => console.error(`redis: ${error.message}`));
const keys = redisKeys('cost:');
await subscriber.subscribe(keys.nodeInbox('node-a'));
let published = 0;
subscriber.on('message', () => published++);

const limits = { maxMessages: 100, maxBytes: 256 * 1024, ttlMs: 300_000, idempotencyTtlMs: 300_000, idempotencyMaxKeys: 1_000_000 };
const store = new RedisChannelStore(redis, keys, limits, { graceMs: 0, webhooks: false, maxBacklog: 1000 });
const now = Date.now();
const ids = Array.from({ length: CLIENTS }, (_, i) => `c${i}`);
const generations = await Promise.all(ids.map((id) => store.open(id, now + 3_600_000, now)));
// Half of the clients are owned by node-a (subscribed above), as a socket would make them.
await Promise.all(
  ids
    .slice(0, CLIENTS / 2)
    .map((clientId, i) => store.attach({ clientId, generation: generations[i], owner: { nodeId: 'node-a', connectionId: `k${i}` }, now })),
);

const cpuUs = async () => {
  const info = await redis.info('cpu');
  const get = (name) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)[1]);
  return (get('used_cpu_sys') + get('used_cpu_user')) * 1e6;
};
const data = JSON.stringify('x'.repeat(200));
const KEY_PREFIX = `k${Date.now().toString(36)}`.padEnd(16, 'k');
const FINGERPRINT = 'f'.repeat(22);
let keyCounter = 0;
const rows = [];
for (const batch of BATCHES) {
  let next = 0;
  const before = await cpuUs();
  const started = process.hrtime.bigint();
  // Up to 8 calls in flight, as several gateway requests would be.
  const worker = async () => {
    while (next < MESSAGES) {
      const messages = [];
      for (let i = 0; i < batch && next < MESSAGES; i++, next++) {
        const message = { clientId: ids[next % CLIENTS], encodedData: data };
        // Keys shaped like the SDK's (a 16-character prefix and a counter), fingerprints like the gateway's.
        if (opt.keys) message.idempotency = { key: `${KEY_PREFIX}${(keyCounter++).toString(36)}`, fingerprint: FINGERPRINT };
        messages.push(message);
      }
      await store.sendMany(messages, Date.now());
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const usPerMessage = ((await cpuUs()) - before) / MESSAGES;
  rows.push({ batch, usPerMessage, messagesPerSecond: MESSAGES / seconds });
}
console.log(
  `Redis CPU per message of sendMany (${CLIENTS} channels, half owned by a subscribed node, 200-byte messages, ${MESSAGES} messages a batch size${opt.keys ? ', each with an idempotency key' : ''})`,
);
console.log('| messages per call | Redis CPU µs/msg | msg/s (one client, 8 calls in flight) |\n|---:|---:|---:|');
for (const row of rows) console.log(`| ${row.batch} | ${row.usPerMessage.toFixed(1)} | ${Math.round(row.messagesPerSecond)} |`);
console.log(`(publishes received by the subscriber: ${published})`);
await Promise.all([redis.quit(), subscriber.quit()]);
redisServer.kill('SIGTERM');
