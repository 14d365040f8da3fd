/**
 * Shared by the bench processes: module loading from the gateway's node_modules, the clock, /proc
 * readers, a mergeable latency histogram, a minimal keep-alive HTTP/1.1 client, a seeded PRNG.
 */
import { createRequire } from 'node:module';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import net from 'node:net';

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const REPO_ROOT = dirname(BENCH_DIR);
export const GATEWAY_DIR = join(REPO_ROOT, 'packages', 'gateway');
export const GATEWAY_MAIN = join(GATEWAY_DIR, 'dist', 'main.js');

/** `require` as seen from packages/gateway: ioredis and the uWS builds live in its node_modules. */
export const gatewayRequire = createRequire(join(GATEWAY_DIR, 'package.json'));

export function loadIoredis() {
  const mod = gatewayRequire('ioredis');
  return mod.Redis ?? mod.default ?? mod;
}

/**
 * The gateway's own uWS loader (packages/gateway/src/transport/uws/load-uws.ts, from dist): native builds
 * only, never the fork's JavaScript emulation. Throws with the reasons where none loads.
 */
export async function loadUws() {
  const { loadUws: load } = await import(join(GATEWAY_DIR, 'dist', 'transport', 'uws', 'load-uws.js'));
  return load();
}

export function packageVersion(entryFile) {
  for (let dir = dirname(entryFile); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        const pkg = JSON.parse(readFileSync(file, 'utf8'));
        if (pkg.version) return pkg.version;
      } catch {
        /* keep looking */
      }
    }
  }
  return 'unknown';
}

/**
 * Microseconds on CLOCK_MONOTONIC (libuv's hrtime). The clock is system-wide on Linux, so times taken in
 * the sender process and in the receiver processes are comparable (and so are V8 CPU-profile timestamps).
 */
export function nowUs() {
  const t = process.hrtime();
  return t[0] * 1e6 + t[1] / 1e3;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- /proc

let clkTck;
export function clockTicksPerSecond() {
  if (clkTck === undefined) {
    try {
      clkTck = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clkTck = 100;
    }
  }
  return clkTck;
}

/** utime + stime of a process (all its threads), in µs; undefined when it is gone. */
export function procCpuUs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "(comm)": state is field 3, utime field 14, stime field 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1e6) / clockTicksPerSecond();
  } catch {
    return undefined;
  }
}

/** VmRSS in bytes. */
export function procRssBytes(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Voluntary context switches of a process's main thread: for a Node process, event-loop wake-ups. */
export function procWakeups(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^voluntary_ctxt_switches:\s+(\d+)/m.exec(status);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

export function openFilesLimit() {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const match = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(limits);
    return match ? { soft: match[1], hard: match[2] } : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- latency histogram

const LOG_BASE = Math.log(1.01);
const BUCKETS = 2200; // 1.01^2200 µs ≈ 3e9 µs: far past any time-bounded run

/** Log-linear buckets of 1 % width over µs; mergeable across processes; exact count, sum and max. */
export class Histogram {
  constructor() {
    this.counts = new Float64Array(BUCKETS);
    this.count = 0;
    this.sum = 0;
    this.max = 0;
    this.min = Infinity;
  }

  record(us) {
    if (!(us >= 0)) us = 0;
    const index = us < 1 ? 0 : Math.min(BUCKETS - 1, 1 + Math.floor(Math.log(us) / LOG_BASE));
    this.counts[index]++;
    this.count++;
    this.sum += us;
    if (us > this.max) this.max = us;
    if (us < this.min) this.min = us;
  }

  merge(other) {
    for (let i = 0; i < BUCKETS; i++) this.counts[i] += other.counts[i];
    this.count += other.count;
    this.sum += other.sum;
    this.max = Math.max(this.max, other.max);
    this.min = Math.min(this.min, other.min);
    return this;
  }

  /** Value (µs) at quantile q: the geometric middle of the bucket holding it (±0.5 %), capped by max. */
  quantile(q) {
    if (this.count === 0) return NaN;
    const rank = Math.ceil(q * this.count);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) {
        if (i === 0) return Math.min(0.5, this.max);
        return Math.min(this.max, Math.exp((i - 0.5) * LOG_BASE));
      }
    }
    return this.max;
  }

  toJSON() {
    const sparse = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i]) sparse.push(i, this.counts[i]);
    return { sparse, count: this.count, sum: this.sum, max: this.max, min: this.min };
  }

  static fromJSON(json) {
    const h = new Histogram();
    for (let i = 0; i < json.sparse.length; i += 2) h.counts[json.sparse[i]] = json.sparse[i + 1];
    h.count = json.count;
    h.sum = json.sum;
    h.max = json.max;
    h.min = json.min ?? Infinity;
    return h;
  }

  summary() {
    return {
      count: this.count,
      meanMs: this.count ? this.sum / this.count / 1e3 : NaN,
      p50Ms: this.quantile(0.5) / 1e3,
      p90Ms: this.quantile(0.9) / 1e3,
      p99Ms: this.quantile(0.99) / 1e3,
      p999Ms: this.quantile(0.999) / 1e3,
      maxMs: this.count ? this.max / 1e3 : NaN,
    };
  }
}

// ---------------------------------------------------------------- PRNG

/** xorshift32: reproducible target choice without Math.random's cost or global state. */
export function prng(seed) {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

// ---------------------------------------------------------------- HTTP/1.1 keep-alive client

/**
 * A minimal keep-alive HTTP/1.1 client pool for one origin: one request in flight per connection (no
 * pipelining, as a load balancer's upstream keep-alive pool), up to `maxConnections`, then a FIFO queue.
 * Far cheaper per request than node:http, so the generator does not hide the gateway's cost.
 * Handles Content-Length bodies only (what uWS answers with).
 */
export class HttpPool {
  constructor({ host, port, maxConnections = 32 }) {
    this.host = host;
    this.port = port;
    this.maxConnections = maxConnections;
    this.idle = [];
    this.connections = new Set();
    this.queue = [];
    this.queueHead = 0;
    this.opened = 0;
    this.failures = 0;
  }

  get queued() {
    return (this.queue.length - this.queueHead) / 2;
  }

  /** `request`: the whole request (head and body) as a string; `done(error, status, body)`. */
  send(request, done) {
    const connection = this.idle.pop();
    if (connection) return connection.send(request, done);
    if (this.connections.size < this.maxConnections) return this.open().send(request, done);
    this.queue.push(request, done);
  }

  open() {
    const connection = new HttpConnection(this);
    this.connections.add(connection);
    this.opened++;
    return connection;
  }

  released(connection) {
    if (this.queueHead < this.queue.length) {
      const request = this.queue[this.queueHead];
      const done = this.queue[this.queueHead + 1];
      this.queue[this.queueHead] = this.queue[this.queueHead + 1] = undefined;
      this.queueHead += 2;
      if (this.queueHead > 4096 && this.queueHead * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.queueHead);
        this.queueHead = 0;
      }
      connection.send(request, done);
    } else {
      this.idle.push(connection);
    }
  }

  lost(connection) {
    this.connections.delete(connection);
    const at = this.idle.indexOf(connection);
    if (at >= 0) this.idle.splice(at, 1);
    // Anything queued gets a fresh connection.
    if (this.queueHead < this.queue.length && this.connections.size < this.maxConnections) this.released(this.open());
  }

  close() {
    for (const connection of this.connections) connection.socket.destroy();
    this.connections.clear();
    this.idle = [];
  }
}

class HttpConnection {
  constructor(pool) {
    this.pool = pool;
    this.done = undefined;
    this.buffer = undefined;
    this.socket = net.connect({ host: pool.host, port: pool.port });
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk) => this.onData(chunk));
    const fail = (error) => {
      if (this.dead) return;
      this.dead = true;
      this.pool.failures++;
      const done = this.done;
      this.done = undefined;
      this.pool.lost(this);
      if (done) done(error ?? new Error('connection closed'));
    };
    this.socket.on('error', fail);
    this.socket.on('close', () => fail(undefined));
  }

  send(request, done) {
    this.done = done;
    this.socket.write(request);
  }

  onData(chunk) {
    this.buffer = this.buffer ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      const buffer = this.buffer;
      if (!buffer) return;
      const headEnd = buffer.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const head = buffer.toString('latin1', 0, headEnd);
      const status = Number(head.slice(9, 12));
      const match = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      if (!match) {
        this.socket.destroy(new Error(`response without Content-Length: ${head.split('\r\n')[0]}`));
        return;
      }
      const end = headEnd + 4 + Number(match[1]);
      if (buffer.length < end) return;
      const body = buffer.toString('utf8', headEnd + 4, end);
      this.buffer = buffer.length > end ? buffer.subarray(end) : undefined;
      const done = this.done;
      this.done = undefined;
      if (/\r\nconnection:\s*close/i.test(head)) {
        this.dead = true;
        this.pool.lost(this);
        this.socket.end();
        if (done) done(undefined, status, body);
        return;
      }
      this.pool.released(this);
      if (done) done(undefined, status, body);
    }
  }
}

/** Builds a JSON POST request for HttpPool. */
export function postJson(host, port, path, apiKey, body) {
  return (
    `POST ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nAuthorization: Bearer ${apiKey}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

export function httpPromise(pool, request) {
  return new Promise((resolve, reject) => pool.send(request, (error, status, body) => (error ? reject(error) : resolve({ status, body }))));
}

// ---------------------------------------------------------------- payloads

/**
 * A message body of exactly `size` bytes (ASCII, nothing JSON would escape):
 *   "~<phase>.<index>.<client index>.<sent µs>.<w|m>." then 'x' padding.
 * The receivers find it by the '~' in the frame, whether the gateway wrapped it in a msg frame or the
 * floor forwarded it bare.
 */
export function makePayload(size, phase, index, client, sentUs, measured, pad) {
  const head = `~${phase}.${index}.${client}.${Math.round(sentUs)}.${measured ? 'm' : 'w'}.`;
  return head.length >= size ? head : head + pad.slice(0, size - head.length);
}

export function padding(size) {
  return 'x'.repeat(size);
}
