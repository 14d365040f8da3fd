#!/usr/bin/env node
/**
 * Channel Gateway load tool. Starts its own redis-server and gateway nodes (two unless --nodes; for the
 * floor as many bare uWS.js nodes), connects N clients with real tokens, sends at a fixed open-loop rate and reports
 * connects/s, RSS per connection, send→receive latency, sent/delivered/lost and CPU µs per delivered
 * message (nodes, Redis, from /proc), with the load generator's own CPU. See bench/README.md.
 *
 *   ulimit -n 20000   # or more: each node holds up to clients/nodes sockets
 *   node bench/run.mjs --clients 10000 --rate 5000 --seconds 20 --mode all --out bench/results/x.md
 *   node bench/run.mjs --clients 2000 --mode single --sweep single,batch
 */
import { fork, spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import { cpus, hostname, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, basename } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import net from 'node:net';
import { createRequire } from 'node:module';
import WebSocket from 'ws';
import {
  BENCH_DIR,
  GATEWAY_MAIN,
  REPO_ROOT,
  Histogram,
  HttpPool,
  gatewayRequire,
  httpPromise,
  loadIoredis,
  nowUs,
  openFilesLimit,
  packageVersion,
  procCpuUs,
  procRssBytes,
  procWakeups,
  sleep,
} from './lib/common.mjs';
import { summarizeProfile } from './profile-summary.mjs';

// ---------------------------------------------------------------- options

const { values: opt } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000' },
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    mode: { type: 'string', default: 'all' },
    'batch-size': { type: 'string', default: '100' },
    'payload-bytes': { type: 'string', default: '200' },
    sweep: { type: 'string', default: '' },
    'sweep-rates': { type: 'string', default: '' },
    'sweep-seconds': { type: 'string', default: '6' },
    'sweep-warmup': { type: 'string', default: '2' },
    receivers: { type: 'string', default: '2' },
    nodes: { type: 'string', default: '2' },
    'source-addresses': { type: 'boolean', default: false },
    'connect-concurrency': { type: 'string', default: '200' },
    'http-connections': { type: 'string', default: '32' },
    drain: { type: 'string', default: '5' },
    profile: { type: 'boolean', default: false },
    'no-gc': { type: 'boolean', default: false },
    'wait-quiet': { type: 'string', default: '0' },
    out: { type: 'string', default: '' },
    label: { type: 'string', default: '' },
    transport: { type: 'string', default: 'auto' },
    'max-minutes': { type: 'string', default: '15' },
    seed: { type: 'string', default: '12345' },
    repeat: { type: 'string', default: '1' },
    'sdk-options': { type: 'string', default: '{}' },
    help: { type: 'boolean', default: false },
  },
});

if (opt.help) {
  process.stdout.write(
    readFileSync(new URL(import.meta.url), 'utf8')
      .split('\n')
      .slice(1, 11)
      .join('\n') + '\n',
  );
  process.exit(0);
}

const CLIENTS = int('clients', 1, 150_000);
const RATE = num('rate', 1, 200_000);
const SECONDS = num('seconds', 1, 300);
const WARMUP = num('warmup', 0, 60);
const BATCH = int('batch-size', 1, 1000);
const PAYLOAD = int('payload-bytes', 48, 32_000);
const RECEIVERS = int('receivers', 1, 12);
const NODES = int('nodes', 1, 8);
const CONNECT_CONCURRENCY = int('connect-concurrency', 1, 5000);
const HTTP_CONNECTIONS = int('http-connections', 1, 1024);
const DRAIN_SECONDS = num('drain', 0.5, 60);
const SWEEP_SECONDS = num('sweep-seconds', 1, 60);
const SWEEP_WARMUP = num('sweep-warmup', 0, 30);
const MAX_MINUTES = num('max-minutes', 1, 60);
const SEED = int('seed', 1, 2 ** 31);
const REPEAT = int('repeat', 1, 5);
/** Extra ChannelGatewayClient options for the sdk mode (JSON), e.g. '{"batching":{"lingerMs":2}}'. */
const SDK_OPTIONS = (() => {
  try {
    return JSON.parse(opt['sdk-options']);
  } catch {
    return die('--sdk-options must be a JSON object');
  }
})();
const MODES = list(opt.mode === 'all' ? 'floor,single,batch' : opt.mode, ['floor', 'floor-http', 'single', 'batch', 'sdk', 'stream-single', 'stream-batch']);
const SWEEPS = list(opt.sweep, ['floor', 'floor-http', 'single', 'batch', 'sdk', 'stream-single', 'stream-batch']);
/**
 * floor and floor-http run on the floor's nodes; single, batch and sdk on the gateway's; stream-single and
 * stream-batch on a second gateway cluster whose clients hold HTTP streams (POST /v1/stream) instead of
 * WebSockets, sent to exactly as single and batch are.
 */
const onFloor = (mode) => mode.startsWith('floor');
const onStream = (mode) => mode.startsWith('stream-');
/** What the sender does for a mode: the stream modes send as single and batch. */
const senderMode = (mode) => (onStream(mode) ? mode.slice('stream-'.length) : mode);
const clusterKindOf = (mode) => (onFloor(mode) ? 'floor' : onStream(mode) ? 'stream' : 'gateway');
const MAX_SWEEP_STEPS = 12;
const DEFAULT_SWEEP_RATES = {
  floor: [2500, 5000, 10000, 15000, 20000, 30000, 40000, 60000],
  'floor-http': [2500, 5000, 7500, 10000, 12500, 15000, 20000, 25000, 30000],
  single: [2500, 5000, 7500, 10000, 12500, 15000, 20000, 25000, 30000],
  batch: [5000, 10000, 15000, 20000, 30000, 40000, 50000, 60000],
  'stream-single': [2500, 5000, 7500, 10000, 12500, 15000, 20000, 25000, 30000],
  'stream-batch': [5000, 10000, 15000, 20000, 30000, 40000, 50000, 60000],
  sdk: [2500, 5000, 10000, 15000, 20000, 30000, 40000],
};
const SWEEP_RATES = opt['sweep-rates']
  ? opt['sweep-rates']
      .split(',')
      .map(Number)
      .filter((r) => r > 0)
      .slice(0, MAX_SWEEP_STEPS)
  : undefined;
const P99_LIMIT_MS = 100;

const HOST = '127.0.0.1';
const INSPECT_ARGS = opt['no-gc'] ? [] : ['--inspect=127.0.0.1:0'];
const API_KEY = 'bench-api-key-0123456789';
const KEY_PREFIX = 'bench:';
const STREAM_KEY_PREFIX = 'bench-stream:';
const ID_PREFIX = 'c';
const NODE_NAMES = 'abcdefgh'.slice(0, NODES).split('');

function int(name, min, max) {
  const value = num(name, min, max);
  if (!Number.isInteger(value)) die(`--${name} must be a whole number`);
  return value;
}
function num(name, min, max) {
  const value = Number(opt[name]);
  if (!Number.isFinite(value) || value < min || value > max) die(`--${name} must be a number in ${min}…${max} (got ${opt[name]})`);
  return value;
}
function list(text, allowed) {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const item of items) if (!allowed.includes(item)) die(`unknown mode ${item} (allowed: ${allowed.join(', ')}, all)`);
  return items;
}
function die(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}
const log = (...parts) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${parts.join(' ')}\n`);

// ---------------------------------------------------------------- child processes (all ours, all cleaned up)

const children = new Set();

function track(child, label) {
  child.label = label;
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function killAll() {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    log(`${signal}: stopping`);
    killAll();
    process.exit(130);
  });
}
const watchdog = setTimeout(() => {
  log(`still running after --max-minutes ${MAX_MINUTES}: giving up`);
  killAll();
  process.exit(3);
}, MAX_MINUTES * 60_000);

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Spawns a process and resolves once a stdout line matches `ready` (or rejects on exit/timeout). */
function spawnUntil(label, command, args, env, ready, timeoutMs = 30_000) {
  const child = track(spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'], cwd: REPO_ROOT }), label);
  const lines = [];
  const keep = (line) => {
    lines.push(line);
    if (lines.length > 200) lines.shift();
  };
  child.lines = lines;
  createInterface({ input: child.stderr }).on('line', (line) => {
    keep(line);
    const inspector = /Debugger listening on (ws:\/\/\S+)/.exec(line);
    if (inspector) child.inspectorUrl = inspector[1];
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label}: not ready after ${timeoutMs} ms\n${lines.slice(-20).join('\n')}`)), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited (${code ?? signal}) before it was ready\n${lines.slice(-20).join('\n')}`));
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      keep(line);
      const match = ready(line);
      if (match) {
        clearTimeout(timer);
        resolve({ child, pid: child.pid, ...match });
      }
    });
  });
}

async function stopChild(child, graceMs = 15_000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function cleanEnv(extra) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('CG_') && key !== 'NODE_OPTIONS') env[key] = value;
  return { ...env, ...extra };
}

// ---------------------------------------------------------------- IPC helpers for forked receivers/sender

function forkChild(script, label, execArgv = []) {
  const child = track(fork(join(BENCH_DIR, script), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv }), label);
  child.setMaxListeners(100);
  return child;
}

function request(child, message, replyType, timeoutMs = 120_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`${child.label}: no ${replyType} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (reply) => {
      if (reply.type !== replyType) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(reply);
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

// ---------------------------------------------------------------- measurements

/** CPU counters of every process that matters, at one instant. */
function cpuSnapshot(procs) {
  const snap = { us: nowUs(), cpu: {}, wakeups: {} };
  for (const { key, pid } of procs) {
    snap.cpu[key] = procCpuUs(pid);
    snap.wakeups[key] = procWakeups(pid);
  }
  const self = process.cpuUsage();
  snap.cpu.orchestrator = self.user + self.system;
  snap.machine = machineTicks();
  return snap;
}

/** Whole-machine CPU from /proc/stat (ticks): busy (everything but idle and iowait), steal, total. */
function machineTicks() {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const [, ...fields] = line.trim().split(/\s+/);
    const [user, nice, system, idle, iowait, irq, softirq, steal = 0] = fields.map(Number);
    const total = user + nice + system + idle + iowait + irq + softirq + steal;
    return { busy: total - idle - iowait, steal, total };
  } catch {
    return undefined;
  }
}

function cpuDelta(a, b) {
  const seconds = (b.us - a.us) / 1e6;
  const us = {};
  for (const key of Object.keys(b.cpu)) if (a.cpu[key] !== undefined && b.cpu[key] !== undefined) us[key] = b.cpu[key] - a.cpu[key];
  // Machine-wide, as % of one core (so 200 % = both cores of a 2-CPU machine busy), and what was not ours.
  let machine;
  if (a.machine && b.machine && b.machine.total > a.machine.total) {
    const cores = cpus().length;
    const totalTicks = b.machine.total - a.machine.total;
    const busyPercent = (100 * cores * (b.machine.busy - a.machine.busy)) / totalTicks;
    const ours = (100 * sum(Object.values(us))) / 1e6 / seconds;
    machine = {
      busyPercent,
      stealPercent: (100 * cores * (b.machine.steal - a.machine.steal)) / totalTicks,
      oursPercent: ours,
      othersPercent: Math.max(0, busyPercent - ours),
      cores,
    };
  }
  const wakeups = {};
  for (const key of Object.keys(b.wakeups ?? {}))
    if (a.wakeups?.[key] !== undefined && b.wakeups[key] !== undefined) wakeups[key] = b.wakeups[key] - a.wakeups[key];
  return { seconds, us, machine, wakeups };
}

const sum = (values) => values.reduce((a, b) => a + (b ?? 0), 0);

// ---------------------------------------------------------------- redis

async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'cg-bench-redis-'));
  const started = await spawnUntil(
    'redis-server',
    'redis-server',
    ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'no', '--maxclients', '20000'],
    process.env,
    (line) => (/Ready to accept connections/.test(line) ? {} : undefined),
  );
  const url = `redis://${HOST}:${port}`;
  const Redis = loadIoredis();
  const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await admin.connect();
  return { ...started, port, url, admin, dir };
}

// ---------------------------------------------------------------- clusters: gateway or floor

/** The gateway's nodes; `stream`: the second cluster (its own node IDs and key prefix in the same Redis). */
async function startGateways(redisUrl, kind = 'gateway') {
  const tag = kind === 'stream' ? 's-' : '';
  const nodeArgs = [...INSPECT_ARGS];
  if (opt.profile) {
    mkdirSync(PROFILE_DIR, { recursive: true });
    nodeArgs.push('--cpu-prof', '--cpu-prof-dir', PROFILE_DIR);
  }
  return Promise.all(
    NODE_NAMES.map(async (name) => {
      const env = cleanEnv({
        CG_PORT: '0',
        CG_HOST: HOST,
        CG_REDIS_URL: redisUrl,
        CG_API_KEYS: API_KEY,
        CG_NODE_ID: `bench-${tag}${name}`,
        CG_KEY_PREFIX: kind === 'stream' ? STREAM_KEY_PREFIX : KEY_PREFIX,
        CG_CONNECTS_PER_SECOND_PER_IP: '1000000',
        CG_MAX_SOCKETS_PER_IP: '1000000', // every bench client connects from loopback
        CG_LOG_LEVEL: 'info',
        CG_TRANSPORT: opt.transport,
      });
      let build;
      const node = await spawnUntil(`${kind}-${name}`, process.execPath, [...nodeArgs, GATEWAY_MAIN], env, (line) => {
        if (!line.startsWith('{')) return undefined;
        try {
          const entry = JSON.parse(line);
          if (entry.msg === 'listening' && entry.port) {
            build = `${entry.transport}: ${entry.build}`;
            return { port: entry.port };
          }
        } catch {
          /* not JSON */
        }
        return undefined;
      });
      return { ...node, name, build, key: `${kind}-${name}` };
    }),
  );
}

async function startFloorNodes(redisUrl) {
  return Promise.all(
    NODE_NAMES.map(async (name) => {
      // floor-http: every node can publish to the owner of client c<i>, node i mod N.
      const FLOOR_CHANNELS = NODE_NAMES.map((n) => `${KEY_PREFIX}floor:${n}`).join(',');
      const env = cleanEnv({ FLOOR_REDIS_URL: redisUrl, FLOOR_NODE: name, FLOOR_PREFIX: KEY_PREFIX, FLOOR_HOST: HOST, FLOOR_CHANNELS });
      const node = await spawnUntil(`floor-${name}`, process.execPath, [...INSPECT_ARGS, join(BENCH_DIR, 'floor-node.mjs')], env, (line) => {
        try {
          const entry = JSON.parse(line);
          if (entry.msg === 'listening') return { port: entry.port, build: entry.build, channel: entry.channel };
        } catch {
          /* not JSON */
        }
        return undefined;
      });
      return { ...node, name, key: `floor-${name}` };
    }),
  );
}

async function waitReady(nodes) {
  for (const node of nodes) {
    const pool = new HttpPool({ host: HOST, port: node.port, maxConnections: 1 });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const answer = await httpPromise(pool, `GET /readyz HTTP/1.1\r\nHost: ${HOST}:${node.port}\r\n\r\n`).catch((error) => ({
        status: 0,
        body: error.message,
      }));
      if (answer.status === 200) break;
      if (Date.now() > deadline) throw new Error(`${node.key} not ready: ${answer.status} ${answer.body}`);
      await sleep(200);
    }
    pool.close();
  }
}

/**
 * A full garbage collection in a node process, through its inspector (the nodes run with
 * --inspect=127.0.0.1:0 for this), so RSS per connection is not inflated by garbage from the connect burst.
 */
async function forceGc(node) {
  const url = node.child.inspectorUrl;
  if (!url) return false;
  const ws = new WebSocket(url, { perMessageDeflate: false });
  try {
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    for (let id = 1; id <= 2; id++) {
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('inspector: no answer')), 10_000);
        ws.on('message', function onMessage(data) {
          if (JSON.parse(data.toString()).id !== id) return;
          ws.off('message', onMessage);
          clearTimeout(timer);
          resolve();
        });
        ws.send(JSON.stringify({ id, method: 'HeapProfiler.collectGarbage' }));
      });
    }
    return true;
  } catch (error) {
    log(`${node.key}: forced GC failed: ${error.message}`);
    return false;
  } finally {
    ws.close();
  }
}

/** GET /metrics of a gateway node → { 'name{labels}': value }; {} for floor nodes or on failure. */
async function scrapeMetrics(node) {
  if (node.key.startsWith('floor')) return {};
  const pool = new HttpPool({ host: HOST, port: node.port, maxConnections: 1 });
  try {
    const { status, body } = await httpPromise(pool, `GET /metrics HTTP/1.1\r\nHost: ${HOST}:${node.port}\r\n\r\n`);
    if (status !== 200) return {};
    const values = {};
    for (const line of body.split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const cut = line.lastIndexOf(' ');
      values[line.slice(0, cut)] = Number(line.slice(cut + 1));
    }
    return values;
  } catch {
    return {};
  } finally {
    pool.close();
  }
}

/** Sums of the counters that explain a phase, differenced between two scrapes of every node. */
function counterDelta(before, after, prefixes) {
  const out = {};
  for (let n = 0; n < after.length; n++) {
    for (const [key, value] of Object.entries(after[n])) {
      if (!prefixes.some((p) => key.startsWith(p))) continue;
      const delta = value - (before[n]?.[key] ?? 0);
      if (delta) out[key] = (out[key] ?? 0) + delta;
    }
  }
  return out;
}

/** POST /v1/channels for every client, concurrently, spread over the nodes. */
async function createChannels(nodes) {
  const pools = nodes.map((node) => new HttpPool({ host: HOST, port: node.port, maxConnections: 32 }));
  const tokens = new Array(CLIENTS);
  const started = nowUs();
  let next = 0;
  let failures = 0;
  const worker = async () => {
    while (next < CLIENTS) {
      const i = next++;
      const pool = pools[i % pools.length];
      const body = JSON.stringify({ clientId: `${ID_PREFIX}${i}`, durationMinutes: 120 });
      for (let attempt = 0; attempt < 3; attempt++) {
        const answer = await httpPromise(pool, requestHead(pool, '/v1/channels', body)).catch((error) => ({ status: 0, body: error.message }));
        if (answer.status === 201) {
          tokens[i] = JSON.parse(answer.body).token;
          break;
        }
        if (attempt === 2) {
          failures++;
          if (failures <= 3) log(`create channel ${i} failed: ${answer.status} ${answer.body}`);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
  const seconds = (nowUs() - started) / 1e6;
  pools.forEach((pool) => pool.close());
  return { tokens, seconds, perSecond: CLIENTS / seconds, failures };
}

function requestHead(pool, path, body) {
  return `POST ${path} HTTP/1.1\r\nHost: ${HOST}:${pool.port}\r\nAuthorization: Bearer ${API_KEY}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** Forks the receivers and connects every client: client i → node i % nodes, receiver i % R. */
async function connectClients(kind, nodes, tokens, procs, receivers) {
  const shares = receivers.map(() => []);
  for (let i = 0; i < CLIENTS; i++) {
    const node = nodes[i % nodes.length];
    const id = `${ID_PREFIX}${i}`;
    const url =
      kind === 'floor'
        ? `ws://${HOST}:${node.port}/?id=${id}`
        : kind === 'stream'
          ? `http://${HOST}:${node.port}/v1/stream`
          : `ws://${HOST}:${node.port}/v1/socket`;
    shares[i % RECEIVERS].push(kind === 'floor' ? { index: i, id, url } : { index: i, id, url, token: tokens[i], stream: kind === 'stream' });
  }
  const heapOf = async () =>
    Object.fromEntries(await Promise.all(nodes.map(async (node) => [node.key, (await scrapeMetrics(node)).nodejs_heap_size_used_bytes])));
  if (!opt['no-gc']) await Promise.all(nodes.map(forceGc));
  await sleep(300);
  const heapBefore = await heapOf();
  const rssBefore = Object.fromEntries(nodes.map((node) => [node.key, procRssBytes(node.pid)]));
  const before = cpuSnapshot(procs);
  const concurrency = Math.max(1, Math.floor(CONNECT_CONCURRENCY / RECEIVERS));
  const replies = await Promise.all(
    // --source-addresses: each receiver connects from a loopback address of its own (127.0.0.0/8 is all
    // loopback), for more than ~28,000 sockets to one node (the ephemeral port range of one address pair).
    // Off by default: binding before connect makes the kernel's port search slow as ports fill up.
    receivers.map((child, r) => {
      const localAddress = opt['source-addresses'] ? `127.0.1.${r + 1}` : undefined;
      return request(child, { cmd: 'connect', clients: shares[r], concurrency, timeoutMs: 20_000, localAddress }, 'connected', 600_000);
    }),
  );
  const after = cpuSnapshot(procs);
  const connected = sum(replies.map((r) => r.connected));
  const failed = sum(replies.map((r) => r.failed));
  const seconds = (Math.max(...replies.map((r) => r.endUs)) - Math.min(...replies.map((r) => r.startUs))) / 1e6;
  // Let allocation settle (and the nodes' event loops go idle) before reading RSS; CPU while idle is the baseline.
  await sleep(2000);
  const rssBeforeGc = Object.fromEntries(nodes.map((node) => [node.key, procRssBytes(node.pid)]));
  if (!opt['no-gc']) await Promise.all(nodes.map(forceGc));
  await sleep(300);
  const rssAfter = Object.fromEntries(nodes.map((node) => [node.key, procRssBytes(node.pid)]));
  const heapAfter = await heapOf();
  const idleFrom = cpuSnapshot(procs);
  await sleep(3000);
  const idle = cpuDelta(idleFrom, cpuSnapshot(procs));
  const perNode = nodes.map((node, n) => {
    const count = Math.ceil((CLIENTS - n) / nodes.length);
    const heapPerConnection =
      heapAfter[node.key] !== undefined && heapBefore[node.key] !== undefined ? (heapAfter[node.key] - heapBefore[node.key]) / count : undefined;
    return {
      node: node.key,
      before: rssBefore[node.key],
      after: rssAfter[node.key],
      afterBeforeGc: rssBeforeGc[node.key],
      connections: count,
      bytesPerConnection: (rssAfter[node.key] - rssBefore[node.key]) / count,
      bytesPerConnectionBeforeGc: (rssBeforeGc[node.key] - rssBefore[node.key]) / count,
      heapPerConnection,
    };
  });
  const cpu = cpuDelta(before, after);
  const nodeCpu = sum(nodes.map((node) => cpu.us[node.key]));
  return {
    connect: {
      connected,
      failed,
      errors: replies.flatMap((r) => r.errors).slice(0, 5),
      seconds,
      perSecond: connected / seconds,
      rss: perNode,
      rssPerConnection: sum(perNode.map((p) => p.after - p.before)) / Math.max(1, connected),
      rssPerConnectionBeforeGc: sum(perNode.map((p) => p.afterBeforeGc - p.before)) / Math.max(1, connected),
      gcForced: !opt['no-gc'],
      heapPerConnection: perNode.every((p) => p.heapPerConnection !== undefined)
        ? sum(perNode.map((p) => p.heapPerConnection * p.connections)) / Math.max(1, connected)
        : undefined,
      nodeCpuUsPerConnect: nodeCpu / Math.max(1, connected),
      redisCpuUsPerConnect: (cpu.us.redis ?? 0) / Math.max(1, connected),
      receiverCpuPercent: Object.fromEntries(receivers.map((_, r) => [`receiver-${r}`, (100 * (cpu.us[`receiver-${r}`] ?? 0)) / 1e6 / cpu.seconds])),
      nodeCpuPercent: Object.fromEntries(nodes.map((node) => [node.key, (100 * (cpu.us[node.key] ?? 0)) / 1e6 / cpu.seconds])),
      idleCpuPercent: Object.fromEntries([...nodes.map((node) => node.key), 'redis'].map((key) => [key, (100 * (idle.us[key] ?? 0)) / 1e6 / idle.seconds])),
    },
  };
}

// ---------------------------------------------------------------- one send phase

let phaseCounter = 0;

async function runPhase({ kind, mode, rate, seconds, warmup, nodes, receivers, procs, redisUrl }) {
  const phase = ++phaseCounter;
  const unitSize = senderMode(mode) === 'batch' ? BATCH : 1;
  const capacity = (Math.ceil((rate / unitSize) * (warmup + seconds)) + 2) * unitSize;
  await Promise.all(receivers.map((child) => request(child, { cmd: 'phase', phase, capacity }, 'phase-ready')));
  const countersBefore = await Promise.all(nodes.map(scrapeMetrics));
  // With --profile the SDK's sending process is profiled too (what the SDK costs the backend).
  const senderArgs = opt.profile && mode === 'sdk' ? ['--cpu-prof', '--cpu-prof-dir', PROFILE_DIR, '--cpu-prof-name', `sender-${phase}-sdk.cpuprofile`] : [];
  const sender = forkChild('sender.mjs', `sender-${phase}`, senderArgs);
  const senderProc = { key: 'sender', pid: sender.pid, role: 'generator' };
  const phaseProcs = [...procs, senderProc];
  log(`phase ${phase}: ${kind} ${mode} at ${rate} msg/s for ${warmup}+${seconds} s`);
  let windowStart;
  let windowEnd;
  // Deliveries inside the window, whichever message they were: with a backlog, the window's CPU went to
  // what was processed in it, not to what was sent in it.
  const marks = {};
  const mark = (name) => (marks[name] = Promise.all(receivers.map((child) => request(child, { cmd: 'mark', name }, 'mark'))));
  const done = new Promise((resolve, reject) => {
    sender.on('message', (message) => {
      if (message.type === 'window-start') {
        windowStart = cpuSnapshot(phaseProcs);
        mark('start');
      } else if (message.type === 'window-end') {
        windowEnd = cpuSnapshot(phaseProcs);
        mark('end');
      } else if (message.type === 'done') resolve(message);
      else if (message.type === 'error') reject(new Error(`sender: ${message.error}`));
    });
    sender.once('exit', (code) => reject(new Error(`sender exited (${code})`)));
  });
  sender.send({
    cmd: 'run',
    mode: senderMode(mode),
    rate,
    warmupSeconds: warmup,
    seconds,
    phase,
    clients: CLIENTS,
    idPrefix: ID_PREFIX,
    payloadSize: PAYLOAD,
    batchSize: BATCH,
    seed: SEED + phase,
    nodes: nodes.map((node) => ({ host: HOST, port: node.port })),
    apiKey: API_KEY,
    maxConnections: HTTP_CONNECTIONS,
    ackTimeoutMs: 15_000,
    redisUrl,
    floorChannels: nodes.map((node) => node.channel),
    sdkOptions: SDK_OPTIONS,
  });
  const result = await done;
  sender.send({ cmd: 'exit' });
  const deliveredInWindow = marks.start && marks.end ? sum((await marks.end).map((m) => m.delivered)) - sum((await marks.start).map((m) => m.delivered)) : NaN;

  // Drain: wait until everything sent has arrived, progress stops for a second, or the drain time is up.
  const drainStart = Date.now();
  let delivered = -1;
  let lastProgress = Date.now();
  while (Date.now() - drainStart < DRAIN_SECONDS * 1000) {
    const stats = await Promise.all(receivers.map((child) => request(child, { cmd: 'stats' }, 'stats')));
    const now = sum(stats.map((s) => s.delivered));
    if (now > delivered) lastProgress = Date.now();
    delivered = now;
    if (delivered >= result.stats.sent || Date.now() - lastProgress > 1000) break;
    await sleep(100);
  }
  const reports = await Promise.all(receivers.map((child) => request(child, { cmd: 'report' }, 'report')));
  const gatewayCounters = counterDelta(countersBefore, await Promise.all(nodes.map(scrapeMetrics)), [
    'cg_sends_total',
    'cg_deliveries_total',
    'cg_drops_total',
    'cg_redis_errors_total',
    'cg_socket_closes_total',
    'cg_http_requests_total',
    'cg_idempotent_replays_total',
  ]);

  const latency = new Histogram();
  const latencyWarm = new Histogram();
  const counters = {};
  for (const report of reports) {
    latency.merge(Histogram.fromJSON(report.latency));
    latencyWarm.merge(Histogram.fromJSON(report.latencyWarm));
    for (const [key, value] of Object.entries(report.counters)) {
      if (typeof value === 'number') counters[key] = (counters[key] ?? 0) + value;
      else if (value && typeof value === 'object') {
        counters[key] ??= {};
        for (const [k, v] of Object.entries(value)) counters[key][k] = (counters[key][k] ?? 0) + v;
      }
    }
  }
  const cpu = windowStart && windowEnd ? cpuDelta(windowStart, windowEnd) : { seconds: NaN, us: {} };
  const deliveredMeasured = counters.deliveredMeasured ?? 0;
  const perMessage = deliveredInWindow > 0 ? deliveredInWindow : deliveredMeasured;
  const nodeCpuUs = sum(nodes.map((node) => cpu.us[node.key]));
  const redisCpuUs = cpu.us.redis ?? 0;
  const percent = (us) => (100 * us) / 1e6 / cpu.seconds;
  const generator = {
    sender: percent(cpu.us.sender ?? 0),
    ...Object.fromEntries(receivers.map((_, r) => [`receiver-${r}`, percent(cpu.us[`receiver-${r}`] ?? 0)])),
    orchestrator: percent(cpu.us.orchestrator ?? 0),
  };
  const lag = Histogram.fromJSON(result.lag).summary();
  const generatorSaturated = Object.values(generator).some((p) => p > 90) || lag.p99Ms > 10;
  const out = {
    phase,
    kind,
    mode,
    rate,
    warmup,
    seconds,
    windowSeconds: cpu.seconds,
    sent: result.stats.sent,
    sentMeasured: result.stats.sentMeasured,
    acked: result.stats.acked,
    statuses: result.stats.statuses,
    httpStatuses: result.stats.httpStatuses,
    errors: result.stats.errors,
    errorSamples: result.stats.errorSamples,
    unanswered: result.stats.unanswered,
    delivered: counters.delivered ?? 0,
    deliveredMeasured,
    lost: result.stats.sent - (counters.delivered ?? 0),
    duplicates: counters.duplicates ?? 0,
    misrouted: counters.misrouted ?? 0,
    socketCloses: counters.closes ?? 0,
    closeCodes: counters.closeCodes ?? {},
    achievedRate: result.stats.sentMeasured / cpu.seconds,
    latency: latency.summary(),
    latencyWarmup: latencyWarm.summary(),
    ack: Histogram.fromJSON(result.ack).summary(),
    senderLag: lag,
    deliveredInWindow,
    deliveredRate: deliveredInWindow / cpu.seconds,
    senderPool: result.stats.pool,
    cpuUsPerMessage: {
      nodes: nodeCpuUs / perMessage,
      redis: redisCpuUs / perMessage,
      total: (nodeCpuUs + redisCpuUs) / perMessage,
      // The load generator's own CPU: for sdk, what the SDK costs the backend that sends.
      sender: (cpu.us.sender ?? NaN) / perMessage,
      perNode: Object.fromEntries(nodes.map((node) => [node.key, (cpu.us[node.key] ?? 0) / perMessage])),
    },
    // Voluntary context switches of the main thread per delivered message: how often the event loop had
    // to sleep and wake up (1 = no batching at all; a busy loop amortises wake-ups over many messages).
    wakeupsPerMessage: {
      nodes: sum(nodes.map((node) => cpu.wakeups?.[node.key])) / perMessage,
      redis: (cpu.wakeups?.redis ?? NaN) / perMessage,
    },
    cpuPercent: {
      ...Object.fromEntries(nodes.map((node) => [node.key, percent(cpu.us[node.key] ?? 0)])),
      redis: percent(redisCpuUs),
    },
    generatorCpuPercent: generator,
    machineCpu: cpu.machine,
    gatewayCounters,
    generatorSaturated,
    windowUs: windowStart && windowEnd ? [windowStart.us, windowEnd.us] : undefined,
  };
  out.pass = out.lost === 0 && out.errors === 0 && out.latency.p99Ms < P99_LIMIT_MS;
  log(
    `phase ${phase}: sent ${out.sent} delivered ${out.delivered} lost ${out.lost} | p50 ${f(out.latency.p50Ms)} p99 ${f(out.latency.p99Ms)} max ${f(out.latency.maxMs)} ms | ` +
      `µs/msg nodes ${f(out.cpuUsPerMessage.nodes)} redis ${f(out.cpuUsPerMessage.redis)} | sender ${f(generator.sender, 0)}% receivers ${receivers.map((_, r) => f(generator[`receiver-${r}`], 0)).join('/')}%` +
      (cpu.machine ? ` | machine ${f(cpu.machine.busyPercent, 0)}% (others ${f(cpu.machine.othersPercent, 0)}%)` : '') +
      (out.errors ? ` | errors ${out.errors}: ${out.errorSamples[0]}` : ''),
  );
  await sleep(1000);
  return out;
}

async function runSweep(kind, mode, ctx) {
  const rates = SWEEP_RATES ?? DEFAULT_SWEEP_RATES[mode];
  const steps = [];
  let best;
  for (const rate of rates.slice(0, MAX_SWEEP_STEPS)) {
    const step = await runPhase({ ...ctx, kind, mode, rate, seconds: SWEEP_SECONDS, warmup: SWEEP_WARMUP });
    steps.push(step);
    if (!step.pass) break;
    best = rate;
  }
  return { mode, highestPassingRate: best ?? 0, failedAt: steps.find((step) => !step.pass)?.rate, steps };
}

// ---------------------------------------------------------------- the two clusters

/** Starts a cluster's nodes, creates channels (gateway) and connects every client through the receivers. */
async function startCluster(kind, redis, receivers) {
  log(`${kind}: starting ${NODES} nodes`);
  const nodes = kind === 'floor' ? await startFloorNodes(redis.url) : await startGateways(redis.url, kind);
  const procs = [
    ...nodes.map((node) => ({ key: node.key, pid: node.pid, role: 'node' })),
    { key: 'redis', pid: redis.pid, role: 'redis' },
    ...receivers.map((child, r) => ({ key: `receiver-${r}`, pid: child.pid, role: 'generator' })),
  ];
  const result = { kind, build: nodes[0].build, nodes: nodes.map((n) => ({ key: n.key, port: n.port, pid: n.pid })), phases: [], sweeps: [] };
  const cluster = { kind, nodes, procs, result, ctx: { nodes, receivers, procs, redisUrl: redis.url } };
  let tokens = [];
  const redisUsedMemory = async () => Number(/used_memory:(\d+)/.exec(await redis.admin.info('memory'))?.[1]);
  const redisMemoryBefore = await redisUsedMemory();
  if (kind !== 'floor') {
    await waitReady(nodes);
    log(`${kind}: creating ${CLIENTS} channels`);
    const created = await createChannels(nodes);
    result.channels = { seconds: created.seconds, perSecond: created.perSecond, failures: created.failures };
    tokens = created.tokens;
    log(`${kind}: ${CLIENTS} channels in ${f(created.seconds)} s (${f(created.perSecond, 0)}/s, ${created.failures} failed)`);
  }
  log(`${kind}: connecting ${CLIENTS} clients`);
  const connected = await connectClients(kind, nodes, tokens, procs, receivers);
  result.connect = connected.connect;
  // The floor keeps nothing in Redis; for the gateway this is channels + tokens + ownership + presence.
  result.connect.redisBytesPerClient = kind !== 'floor' ? ((await redisUsedMemory()) - redisMemoryBefore) / CLIENTS : undefined;
  log(
    `${kind}: ${connected.connect.connected} connected (${connected.connect.failed} failed) in ${f(connected.connect.seconds)} s = ${f(connected.connect.perSecond, 0)}/s; ` +
      `RSS/conn ${bytes(connected.connect.rssPerConnection)} bytes` +
      (connected.connect.errors.length ? `; e.g. ${connected.connect.errors[0]}` : ''),
  );
  return cluster;
}

/**
 * Both clusters stay up (idle) side by side and the fixed-rate phases alternate between them
 * (floor, single, batch, then again for each --repeat), so the gateway and the floor are measured under
 * the same background load; then the sweeps.
 */
async function runAll(redis) {
  const wanted = (kind) => [...MODES, ...SWEEPS].some((mode) => clusterKindOf(mode) === kind);
  const receivers = Array.from({ length: RECEIVERS }, (_, r) => forkChild('receiver.mjs', `receiver-${r}`));
  await sleep(300);
  const clusters = {};
  try {
    for (const kind of ['floor', 'gateway', 'stream']) if (wanted(kind)) clusters[kind] = await startCluster(kind, redis, receivers);
    const clusterOf = (mode) => clusters[clusterKindOf(mode)];
    for (let rep = 1; rep <= REPEAT; rep++) {
      for (const mode of MODES) {
        const cluster = clusterOf(mode);
        const phase = await runPhase({ ...cluster.ctx, kind: cluster.kind, mode, rate: RATE, seconds: SECONDS, warmup: WARMUP });
        phase.rep = rep;
        cluster.result.phases.push(phase);
      }
    }
    for (const cluster of Object.values(clusters))
      cluster.result.rssAfterSends = Object.fromEntries(cluster.nodes.map((node) => [node.key, procRssBytes(node.pid)]));
    for (const mode of SWEEPS) {
      const cluster = clusterOf(mode);
      cluster.result.sweeps.push(await runSweep(cluster.kind, mode, cluster.ctx));
    }
  } finally {
    await Promise.all(receivers.map((child) => request(child, { cmd: 'close' }, 'closed', 30_000).catch(() => child.kill('SIGKILL'))));
    await sleep(500);
    await Promise.all(Object.values(clusters).flatMap((cluster) => cluster.nodes.map((node) => stopChild(node.child))));
  }
  return { floor: clusters.floor?.result, gateway: clusters.gateway?.result, stream: clusters.stream?.result };
}

// ---------------------------------------------------------------- environment facts

function sh(command, args) {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

function environment() {
  const meminfo = readFileSync('/proc/meminfo', 'utf8');
  const wsEntry = (() => {
    try {
      return packageVersion(createRequireFromRoot().resolve('ws'));
    } catch {
      return 'unknown';
    }
  })();
  let ioredisVersion = 'unknown';
  try {
    ioredisVersion = packageVersion(gatewayRequire.resolve('ioredis'));
  } catch {
    /* unknown */
  }
  const dirty = sh('git', ['-C', REPO_ROOT, 'status', '--porcelain', '--untracked-files=no']);
  return {
    date: new Date().toISOString(),
    host: hostname(),
    node: process.version,
    redis: sh('redis-server', ['--version']),
    ws: wsEntry,
    ioredis: ioredisVersion,
    commit: `${sh('git', ['-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD'])}${dirty && dirty !== 'unknown' ? ' (with uncommitted changes)' : ''}`,
    nproc: sh('nproc', []),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memTotal: /MemTotal:\s+(\d+) kB/.exec(meminfo)?.[1]
      ? `${(Number(/MemTotal:\s+(\d+) kB/.exec(meminfo)[1]) / 1048576).toFixed(1)} GiB`
      : `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    kernel: sh('uname', ['-r']),
    openFiles: openFilesLimit(),
    loadavgStart: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    clkTck: sh('getconf', ['CLK_TCK']),
  };
}

function createRequireFromRoot() {
  return createRequire(join(REPO_ROOT, 'package.json'));
}

// ---------------------------------------------------------------- report

function f(value, digits = 2) {
  if (value === undefined || value === null || Number.isNaN(value)) return '–';
  if (!Number.isFinite(value)) return '∞';
  return value.toFixed(digits);
}
const ratio = (a, b) => (a !== undefined && b ? a / b : NaN);
const bytes = (value) => (value === undefined || Number.isNaN(value) ? '–' : Math.round(value).toLocaleString('en-US'));

const median = (values) => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function targetRows(floor, gateway) {
  const sweep = (mode) => gateway?.sweeps.find((s) => s.mode === mode);
  const rows = [];
  const row = (metric, value, floorValue, r, target, pass) =>
    rows.push(`| ${metric} | ${value} | ${floorValue} | ${r} | ${target} | ${pass === undefined ? '–' : pass ? 'yes' : '**no**'} |`);
  /** Gateway vs floor for a metric: each repeat's gateway phase against the floor phase of the same repeat; median over repeats. */
  const compare = (mode, metric, pick, target, limit, against = 'floor') => {
    const pairs = (gateway?.phases ?? [])
      .filter((p) => p.mode === mode)
      .map((g) => ({ g: pick(g), fl: pick(floor?.phases.find((p) => p.mode === against && p.rep === g.rep) ?? {}) }))
      .filter((pair) => pair.g !== undefined);
    if (pairs.length === 0) return;
    const ratios = pairs.map((pair) => ratio(pair.g, pair.fl));
    const r = median(ratios);
    const each = (values) => (values.length > 1 ? ` (${values.map((v) => f(v)).join(', ')})` : '');
    row(
      metric,
      f(median(pairs.map((p) => p.g))) + each(pairs.map((p) => p.g)),
      f(median(pairs.map((p) => p.fl))) + each(pairs.map((p) => p.fl)),
      `${f(r)}×${each(ratios)}`,
      target,
      Number.isFinite(r) && limit !== undefined ? r <= limit : undefined,
    );
  };
  compare('single', 'single: CPU µs / delivered msg (nodes+Redis)', (p) => p.cpuUsPerMessage?.total, '≤ 2.0×', 2.0);
  compare('single', 'single: CPU µs / delivered msg (nodes only)', (p) => p.cpuUsPerMessage?.nodes, '(≤ 2.0×)', 2.0);
  compare('single', `single: p99 at ${RATE} msg/s (ms)`, (p) => p.latency?.p99Ms, '≤ 1.5×', 1.5);
  compare('batch', `batch (${BATCH}/request): CPU µs / delivered msg (nodes+Redis)`, (p) => p.cpuUsPerMessage?.total, '≤ 1.2×', 1.2);
  compare('batch', 'batch: CPU µs / delivered msg (nodes only)', (p) => p.cpuUsPerMessage?.nodes, '(≤ 1.2×)', 1.2);
  compare('sdk', 'sdk (sendMessage, coalesced): CPU µs / delivered msg (nodes+Redis)', (p) => p.cpuUsPerMessage?.total, '≤ 1.3×', 1.3);
  compare('sdk', 'sdk: CPU µs / delivered msg (nodes only)', (p) => p.cpuUsPerMessage?.nodes, '(≤ 1.3×)', 1.3);
  compare('sdk', `sdk: p99 at ${RATE} msg/s (ms)`, (p) => p.latency?.p99Ms, '≤ 2.0×', 2.0);
  compare('sdk', 'sdk: the sending process itself (the SDK), CPU µs / msg', (p) => p.cpuUsPerMessage?.sender, '(info)');
  if (floor?.phases.some((p) => p.mode === 'floor-http')) {
    // For information: the same single sends against a floor that also pays an HTTP hop per message.
    compare('single', 'single vs floor-http: CPU µs / delivered msg (nodes+Redis)', (p) => p.cpuUsPerMessage?.total, '(info)', undefined, 'floor-http');
    compare('single', 'single vs floor-http: CPU µs / delivered msg (nodes only)', (p) => p.cpuUsPerMessage?.nodes, '(info)', undefined, 'floor-http');
  }
  const floorSweep = floor?.sweeps.find((s) => s.mode === 'floor');
  const best = (s) => (s ? `${s.highestPassingRate}${s.failedAt ? '' : '+'}` : '–');
  if (sweep('single'))
    row(
      'single: highest rate, no loss, p99 < 100 ms (msg/s)',
      best(sweep('single')),
      best(floorSweep),
      '',
      '≥ 15,000',
      sweep('single').highestPassingRate >= 15000,
    );
  if (sweep('batch'))
    row(
      'batch: highest rate, no loss, p99 < 100 ms (msg/s)',
      best(sweep('batch')),
      best(floorSweep),
      '',
      '≥ 30,000',
      sweep('batch').highestPassingRate >= 30000,
    );
  if (gateway?.connect) {
    row(
      'RSS per idle connection (bytes, gateway nodes)',
      bytes(gateway.connect.rssPerConnection),
      floor?.connect ? bytes(floor.connect.rssPerConnection) : '–',
      `${f(ratio(gateway.connect.rssPerConnection, floor?.connect?.rssPerConnection))}×`,
      '≤ 3 KB (3,000 bytes)',
      gateway.connect.rssPerConnection <= 3000,
    );
    if (floor?.connect) {
      const r = ratio(gateway.connect.perSecond, floor.connect.perSecond);
      row('connects/s (with token checks)', f(gateway.connect.perSecond, 0), f(floor.connect.perSecond, 0), `${f(r)}×`, '≥ 0.7×', r >= 0.7);
    } else row('connects/s (with token checks)', f(gateway.connect.perSecond, 0), '–', '', '≥ 0.7× floor', undefined);
  }
  return rows;
}

function phaseTable(phases, floorPhases = []) {
  const lines = [
    '| run | rate msg/s | issued/s | delivered/s | sent | delivered | lost | dup | p50 ms | p90 ms | p99 ms | max ms | nodes µs/msg | Redis µs/msg | total µs/msg | ×floor | nodes CPU % | Redis CPU % | sender CPU % | receivers CPU % | sender lag p99 ms | machine busy % (others) | wake-ups/msg nodes; Redis | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const p of phases) {
    const nodeKeys = Object.keys(p.cpuPercent).filter((k) => k !== 'redis');
    const receiverKeys = Object.keys(p.generatorCpuPercent).filter((k) => k.startsWith('receiver'));
    lines.push(
      `| ${p.mode}${p.rep && REPEAT > 1 ? ` #${p.rep}` : ''}${p.generatorSaturated ? ' ⚠gen' : ''} | ${p.rate} | ${f(p.achievedRate, 0)} | ${f(p.deliveredRate, 0)} | ${p.sent} | ${p.delivered} | ${p.lost} | ${p.duplicates} | ` +
        `${f(p.latency.p50Ms)} | ${f(p.latency.p90Ms)} | ${f(p.latency.p99Ms)} | ${f(p.latency.maxMs)} | ` +
        `${f(p.cpuUsPerMessage.nodes)} | ${f(p.cpuUsPerMessage.redis)} | ${f(p.cpuUsPerMessage.total)} | ${(() => {
          const floorPhase = p.mode !== 'floor' && floorPhases.find((q) => q.mode === 'floor' && q.rep === p.rep);
          return floorPhase ? f(ratio(p.cpuUsPerMessage.total, floorPhase.cpuUsPerMessage.total)) + '×' : '–';
        })()} | ` +
        `${nodeKeys.map((k) => f(p.cpuPercent[k], 0)).join(' + ')} | ${f(p.cpuPercent.redis, 0)} | ${f(p.generatorCpuPercent.sender, 0)} | ${receiverKeys.map((k) => f(p.generatorCpuPercent[k], 0)).join(' + ')} | ` +
        `${f(p.senderLag.p99Ms)} | ${p.machineCpu ? `${f(p.machineCpu.busyPercent, 0)} of ${p.machineCpu.cores * 100} (${f(p.machineCpu.othersPercent, 0)})` : '–'} | ${p.wakeupsPerMessage ? `${f(p.wakeupsPerMessage.nodes)}; ${f(p.wakeupsPerMessage.redis)}` : '–'} | ${p.errors}${p.unanswered ? ` (+${p.unanswered} unanswered)` : ''} |`,
    );
  }
  return lines;
}

/** HTTP streams beside WebSockets: the stream cluster's numbers against the gateway cluster's, same run. */
function streamRows(gateway, stream) {
  const rows = [];
  const row = (metric, value, base) => rows.push(`| ${metric} | ${f(value)} | ${f(base)} | ${f(ratio(value, base))}× |`);
  if (stream.connect && gateway?.connect) {
    row('RSS per open connection, after GC (bytes, nodes)', stream.connect.rssPerConnection, gateway.connect.rssPerConnection);
    row('JS heap per open connection (bytes)', stream.connect.heapPerConnection, gateway.connect.heapPerConnection);
    row('connects/s', stream.connect.perSecond, gateway.connect.perSecond);
    row('node CPU µs per connect', stream.connect.nodeCpuUsPerConnect, gateway.connect.nodeCpuUsPerConnect);
  }
  for (const mode of ['single', 'batch']) {
    for (const p of stream.phases.filter((phase) => phase.mode === `stream-${mode}`)) {
      const base = gateway?.phases.find((phase) => phase.mode === mode && phase.rep === p.rep) ?? {};
      const rep = REPEAT > 1 ? ` #${p.rep}` : '';
      row(`${mode}${rep}: CPU µs / delivered msg (nodes+Redis)`, p.cpuUsPerMessage?.total, base.cpuUsPerMessage?.total);
      row(`${mode}${rep}: CPU µs / delivered msg (nodes only)`, p.cpuUsPerMessage?.nodes, base.cpuUsPerMessage?.nodes);
      row(`${mode}${rep}: p99 at ${p.rate} msg/s (ms)`, p.latency?.p99Ms, base.latency?.p99Ms);
      row(`${mode}${rep}: lost`, p.lost, base.lost);
    }
  }
  return rows;
}

function renderMarkdown(env, command, floor, gateway, profiles, wallSeconds, stream) {
  const md = [];
  md.push(`# Load test: ${LABEL}`, '');
  md.push('```', command, '```', '');
  md.push('| | |', '|---|---|');
  md.push(`| date | ${env.date} |`);
  md.push(`| machine | ${env.host}: ${env.nproc} CPUs (${env.cpuModel}), ${env.memTotal}, Linux ${env.kernel}, CLK_TCK ${env.clkTck} |`);
  md.push(
    `| load average at start / end | ${env.loadavgStart} / ${env.loadavgEnd}${env.quietWait ? `; ${env.quietWait}` : ''} (see "machine busy" below for other work during each window) |`,
  );
  md.push(`| open files (soft/hard) | ${env.openFiles ? `${env.openFiles.soft} / ${env.openFiles.hard}` : 'unknown'} |`);
  md.push(`| Node | ${env.node} |`);
  md.push(`| Redis | ${env.redis} |`);
  md.push(`| transport | gateway: ${(gateway ?? stream)?.build ?? '–'}; floor (uWS): ${floor?.build ?? '–'} |`);
  md.push(`| ws / ioredis | ${env.ws} / ${env.ioredis} |`);
  md.push(`| gateway commit | ${env.commit} |`);
  md.push(
    `| settings | ${CLIENTS} clients, ${PAYLOAD}-byte messages, rate ${RATE} msg/s, warm-up ${WARMUP} s + measured ${SECONDS} s, batch ${BATCH}/request, ${REPEAT} repeat(s) of the fixed-rate phases, ${NODES} nodes a cluster, ${RECEIVERS} receiver processes, ${HTTP_CONNECTIONS} keep-alive connections/node max, drain ≤ ${DRAIN_SECONDS} s, sdk options ${JSON.stringify(SDK_OPTIONS)} |`,
  );
  md.push(`| wall time | ${f(wallSeconds, 0)} s |`, '');

  md.push('## Against the targets', '');
  md.push('| metric | gateway | floor | ratio | target | met |', '|---|---:|---:|---:|---|---|');
  md.push(...targetRows(floor, gateway), '');
  if (stream) {
    md.push('## HTTP streams beside WebSockets (same run, same receivers; streams: a second gateway cluster whose clients hold POST /v1/stream)', '');
    md.push('| metric | streams | WebSockets | ratio |', '|---|---:|---:|---:|');
    md.push(...streamRows(gateway, stream), '');
  }

  md.push('## Connecting', '');
  md.push(
    '| cluster | connected | failed | connects/s | RSS bytes/conn after GC (per node) | before GC | JS heap bytes/conn | node CPU µs/connect | Redis CPU µs/connect | nodes CPU % | receivers CPU % | channel creates/s | idle CPU % (nodes; Redis) | Redis bytes/client |',
  );
  md.push('|---|---:|---:|---:|---|---:|---:|---:|---:|---|---|---:|---|---:|');
  for (const c of [floor, gateway, stream].filter(Boolean)) {
    const k = c.connect;
    if (!k) continue;
    md.push(
      `| ${c.kind} | ${k.connected} | ${k.failed} | ${f(k.perSecond, 0)} | ${bytes(k.rssPerConnection)} (${k.rss.map((r) => bytes(r.bytesPerConnection)).join(', ')}) | ${bytes(k.rssPerConnectionBeforeGc)} | ${bytes(k.heapPerConnection)} | ${f(k.nodeCpuUsPerConnect, 1)} | ${f(k.redisCpuUsPerConnect, 1)} | ` +
        `${Object.values(k.nodeCpuPercent)
          .map((v) => f(v, 0))
          .join(' + ')} | ${Object.values(k.receiverCpuPercent)
          .map((v) => f(v, 0))
          .join(' + ')} | ${c.channels ? f(c.channels.perSecond, 0) : '–'} | ${Object.entries(k.idleCpuPercent)
          .filter(([key]) => key !== 'redis')
          .map(([, v]) => f(v, 1))
          .join(' + ')}; ${f(k.idleCpuPercent.redis, 1)} | ${k.redisBytesPerClient === undefined ? '–' : bytes(k.redisBytesPerClient)} |`,
    );
  }
  md.push('');

  const phases = [...(floor?.phases ?? []), ...(gateway?.phases ?? []), ...(stream?.phases ?? [])].sort((a, b) => a.phase - b.phase);
  if (phases.length) {
    md.push(`## Sends at a fixed rate (measured window ${SECONDS} s after ${WARMUP} s warm-up; phases in the order run)`, '');
    md.push(...phaseTable(phases, floor?.phases ?? []), '');
    for (const p of phases) {
      const extra = [];
      if (Object.keys(p.statuses).length) extra.push(`answers ${JSON.stringify(p.statuses)}`);
      if (p.misrouted) extra.push(`misrouted ${p.misrouted}`);
      if (p.socketCloses) extra.push(`socket closes ${JSON.stringify(p.closeCodes)}`);
      if (p.errorSamples.length) extra.push(`errors e.g. ${p.errorSamples[0]}`);
      if (p.senderPool) extra.push(`sender HTTP pools: ${p.senderPool.opened} connections, queue high-water ${p.senderPool.maxQueued}`);
      if (p.gatewayCounters && Object.keys(p.gatewayCounters).length) extra.push(`gateway counters ${JSON.stringify(p.gatewayCounters)}`);
      md.push(`- ${p.mode}: ack (HTTP answer / PUBLISH reply) p50 ${f(p.ack.p50Ms)} ms p99 ${f(p.ack.p99Ms)} ms; ${extra.join('; ')}`);
    }
    md.push('');
  }

  const sweeps = [...(floor?.sweeps ?? []), ...(gateway?.sweeps ?? []), ...(stream?.sweeps ?? [])];
  for (const s of sweeps) {
    md.push(`## Rate sweep: ${s.mode} (${SWEEP_WARMUP} s warm-up + ${SWEEP_SECONDS} s per step; pass = no loss, no errors, p99 < ${P99_LIMIT_MS} ms)`, '');
    md.push(
      `Highest passing rate: **${s.highestPassingRate} msg/s**${s.failedAt ? ` (failed at ${s.failedAt})` : ' (no step failed: the rate list ran out)'}`,
      '',
    );
    md.push(...phaseTable(s.steps), '');
  }

  if (profiles?.length) {
    md.push('## Where the gateway spends CPU (V8 CPU profile, samples inside the measured windows)', '');
    for (const profile of profiles) md.push(profile, '');
  }

  md.push('## Notes', '');
  md.push(
    '- CPU is utime+stime from /proc/<pid>/stat over the measured window; "per delivered message" divides by the messages delivered during that window (equal to the rate when the system keeps up; lower when a backlog forms, see delivered/s).',
  );
  md.push(
    '- Latency: receive time − send time (CLOCK_MONOTONIC, same machine), for messages sent in the measured window. The sender is open-loop: it issues on schedule whatever the answers; "sender lag" is how late it issued (a saturated generator shows here and in its CPU %). ⚠gen marks a phase where a generator process was above 90 % of a core or lagged > 10 ms at p99.',
  );
  md.push(
    '- The floor: two bare uWS.js nodes (bench/floor-node.mjs), each SUBSCRIBEd to its own Redis channel; the sender PUBLISHes `<clientId>\\n<payload>` to the owner (no HTTP, no lookup, no auth, no buffer).',
  );
  md.push(
    "- floor-http (when run): the same floor nodes also answer the single-send HTTP request by PUBLISHing to the owner (the floor plus one HTTP hop per message; still no auth, no lookup, no buffer). It separates the cost of HTTP from the gateway's own.",
  );
  md.push(
    '- RSS per connection: VmRSS of the nodes after connecting, 2 s of idling and a forced full GC (HeapProfiler.collectGarbage through the inspector; --no-gc skips it), minus the same before connecting (after channel creation), divided by connections. "before GC" is the same without the forced collection.',
  );
  md.push('');
  return md.join('\n');
}

/** Waits (at most `seconds`) until the machine is mostly idle (< 40 % of one core busy over 2 s). */
async function waitForQuietMachine(seconds) {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const a = cpuSnapshot([]);
    await sleep(2000);
    const busy = cpuDelta(a, cpuSnapshot([])).machine?.busyPercent ?? 0;
    if (busy < 40) {
      log(`machine quiet (${f(busy, 0)} % busy)`);
      return `quiet (${f(busy, 0)} % of one core busy) when started`;
    }
    if (Date.now() > deadline) {
      log(`machine still busy (${f(busy, 0)} %) after ${seconds} s: starting anyway`);
      return `still ${f(busy, 0)} % busy after waiting ${seconds} s`;
    }
    log(`machine busy (${f(busy, 0)} % of one core): waiting`);
    await sleep(3000);
  }
}

// ---------------------------------------------------------------- main

const today = new Date().toISOString().slice(0, 10);
const LABEL = opt.label || `${MODES.join('-') || 'sweep'}${SWEEPS.length ? `-sweep-${SWEEPS.join('-')}` : ''}-${CLIENTS}c-${RATE}r`;
const OUT = opt.out || join(BENCH_DIR, 'results', `${today}-${LABEL}.md`);
// .cpuprofile files are large: kept out of the results directory (the summary goes into the results file).
const PROFILE_DIR = join(tmpdir(), 'cg-bench-profiles', basename(OUT, '.md'));

async function main() {
  const started = Date.now();
  if (!existsSync(GATEWAY_MAIN)) die(`${relative(process.cwd(), GATEWAY_MAIN)} is missing: run pnpm build first`);
  const limit = openFilesLimit();
  const clusters = new Set([...MODES, ...SWEEPS].map(clusterKindOf)).size;
  const perProcess = Math.max(Math.ceil((CLIENTS * clusters) / RECEIVERS), Math.ceil(CLIENTS / NODES)) + 1000;
  if (limit && limit.soft !== 'unlimited' && Number(limit.soft) < perProcess) {
    die(
      `ulimit -n is ${limit.soft}; a process here may hold ~${perProcess} sockets: raise it (ulimit -n ${Math.min(65536, Number(limit.hard) || 65536)}) or use more --receivers`,
    );
  }
  const env = environment();
  const command = `node ${relative(REPO_ROOT, process.argv[1])} ${process.argv.slice(2).join(' ')}`;
  log(`${command}\n  ${env.nproc} CPUs, load ${env.loadavgStart}, ${env.node}, ${env.redis.split(' ').slice(0, 3).join(' ')}`);

  const waitQuiet = num('wait-quiet', 0, 1800);
  if (waitQuiet > 0) env.quietWait = await waitForQuietMachine(waitQuiet);
  const redis = await startRedis();
  let floor;
  let gateway;
  let stream;
  try {
    ({ floor, gateway, stream } = await runAll(redis));
  } finally {
    await redis.admin.quit().catch(() => undefined);
    await stopChild(redis.child);
    rmSync(redis.dir, { recursive: true, force: true });
  }
  env.loadavgEnd = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

  let profiles = [];
  if (opt.profile && gateway && existsSync(PROFILE_DIR)) {
    const windows = [...gateway.phases, ...gateway.sweeps.flatMap((s) => s.steps)]
      .filter((p) => p.windowUs)
      .map((p) => ({ label: `${p.mode} @ ${p.rate}`, phase: p.phase, from: p.windowUs[0], to: p.windowUs[1] }));
    for (const file of readdirSync(PROFILE_DIR).filter((name) => name.endsWith('.cpuprofile'))) {
      const profile = JSON.parse(readFileSync(join(PROFILE_DIR, file), 'utf8'));
      // A sender's profile covers its own phase only.
      const own = /^sender-(\d+)-/.exec(file);
      for (const window of windows)
        if (!own || window.phase === Number(own[1]))
          profiles.push(`### ${file} — ${window.label}\n\n${summarizeProfile(profile, { from: window.from, to: window.to, top: 25 })}`);
    }
    log(`profiles: ${PROFILE_DIR}`);
  }

  const wallSeconds = (Date.now() - started) / 1000;
  const markdown = renderMarkdown(env, command, floor, gateway, profiles, wallSeconds, stream);
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(
    OUT,
    markdown +
      '\n<details><summary>raw results (JSON)</summary>\n\n```json\n' +
      JSON.stringify({ env, command, floor, gateway, stream }, null, 1) +
      '\n```\n</details>\n',
  );
  log(`results: ${relative(process.cwd(), OUT)} (${f(wallSeconds, 0)} s)`);
  process.stdout.write(markdown.split('## Notes')[0]);
}

main()
  .then(() => {
    clearTimeout(watchdog);
    killAll();
    process.exit(0);
  })
  .catch((error) => {
    log(`failed: ${error.stack ?? error.message}`);
    killAll();
    process.exit(1);
  });
