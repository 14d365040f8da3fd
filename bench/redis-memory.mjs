#!/usr/bin/env node
// Redis memory per connected client: starts its own redis-server and one gateway node, creates N channels
// and opens N sockets, and reports Redis `used_memory` per client at each step (idle, no messages).
// Usage: node bench/redis-memory.mjs [--clients 10000]
import { spawn } from 'node:child_process';
import net from 'node:net';
import WebSocket from 'ws';
import { GATEWAY_MAIN, loadIoredis } from './lib/common.mjs';

const clients = Number(process.argv[process.argv.indexOf('--clients') + 1] || 10_000) || 10_000;
const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
const children = [];
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));
const waitLine = (child, pattern, ms) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timeout waiting for ${pattern}`)), ms);
    let seen = '';
    child.stdout.on('data', (d) => {
      seen += d;
      const m = seen.match(pattern);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
  });

const redisPort = await freePort();
const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
children.push(redis);
await waitLine(redis, /Ready to accept connections/, 10_000);
const Redis = loadIoredis();
const probe = new Redis(`redis://127.0.0.1:${redisPort}`);
const used = async () => Number((await probe.info('memory')).match(/used_memory:(\d+)/)[1]);

const API_KEY = 'bench-memory-key-0123456789';
const gwPort = await freePort();
const gateway = spawn(process.execPath, [GATEWAY_MAIN], {
  env: {
    ...process.env,
    CG_PORT: String(gwPort),
    CG_HOST: '127.0.0.1',
    CG_REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    CG_API_KEYS: API_KEY,
    CG_NODE_ID: 'mem',
    CG_CONNECTS_PER_SECOND_PER_IP: '1000000',
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
children.push(gateway);
await waitLine(gateway, /"msg":"listening"/, 20_000);
const base = await used();

const tokens = [];
for (let i = 0; i < clients; i += 200) {
  const batch = await Promise.all(
    Array.from({ length: Math.min(200, clients - i) }, (_, j) =>
      fetch(`http://127.0.0.1:${gwPort}/v1/channels`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ clientId: `client-${i + j}` }),
      }).then((r) => r.json()),
    ),
  );
  for (const answer of batch) tokens.push(answer.token);
}
const afterCreate = await used();

const sockets = [];
for (let i = 0; i < tokens.length; i += 200) {
  await Promise.all(
    tokens.slice(i, i + 200).map(
      (token) =>
        new Promise((resolve, reject) => {
          const ws = new WebSocket(`ws://127.0.0.1:${gwPort}/v1/socket`);
          ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', token })));
          ws.on('message', () => resolve());
          ws.on('error', reject);
          sockets.push(ws);
        }),
    ),
  );
}
const afterConnect = await used();
const perClient = (bytes) => Math.round(bytes / clients);
const lines = [
  `command: node bench/redis-memory.mjs --clients ${clients}`,
  `date: ${new Date().toISOString()}`,
  `Redis used_memory before: ${base} bytes`,
  `after creating ${clients} channels (token + channel hash): +${afterCreate - base} bytes = ${perClient(afterCreate - base)} bytes/client`,
  `after connecting them (owner fields + node index): +${afterConnect - base} bytes = ${perClient(afterConnect - base)} bytes/client`,
];
console.log(lines.join('\n'));
for (const ws of sockets) ws.terminate();
await probe.quit();
process.exit(0);
