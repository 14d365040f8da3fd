/**
 * A Redis for tests, from the first source that works:
 *   1. REDIS_URL (an external server; stop() leaves it alone),
 *   2. a `redis:7-alpine` container via testcontainers, if a Docker engine answers,
 *   3. a `redis-server` spawned on a free loopback port.
 * TEST_REDIS_MODE=external|container|spawned (or options.mode) forces one source.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { getFreePort, LOOPBACK } from './free-port.js';
import { findExecutable } from './paths.js';
import { spawnProcess, type SpawnedProcess } from './processes.js';

export type RedisKind = 'external' | 'container' | 'spawned';

export interface RedisHandle {
  url: string;
  host: string;
  port: number;
  stop(): Promise<void>;
  kind: RedisKind;
  /** The server's process ID when this run spawned it (to pause it with SIGSTOP, say). */
  pid?: number;
}

export interface StartRedisOptions {
  /** 'auto' (default) tries REDIS_URL, then Docker, then redis-server. Default from TEST_REDIS_MODE. */
  mode?: 'auto' | RedisKind;
  /** Container image (default redis:7-alpine). */
  image?: string;
  /** How long to wait for the server to accept connections (default 30 s; containers: 120 s). */
  startupTimeoutMs?: number;
  /** How long to wait for a Docker engine to answer (default 3 s). */
  dockerProbeTimeoutMs?: number;
  /** redis-server binary (default: REDIS_SERVER_BIN or redis-server on PATH). */
  redisServerPath?: string;
  /** Extra redis-server arguments (spawned and container modes), e.g. ['--maxmemory', '10mb']. */
  extraArgs?: string[];
  /** Spawned mode: this port rather than a free one (a server started where a client already waits). */
  port?: number;
}

const READY_LINE = /Ready to accept connections/;
const ADDRESS_IN_USE = /Address already in use|Could not create server TCP listening socket/i;
const SPAWN_ATTEMPTS = 5;

export async function startRedis(options: StartRedisOptions = {}): Promise<RedisHandle> {
  const mode = options.mode ?? parseMode(process.env.TEST_REDIS_MODE) ?? 'auto';
  const externalUrl = process.env.REDIS_URL?.trim();

  if (mode === 'external' || (mode === 'auto' && externalUrl)) {
    if (!externalUrl) throw new Error('TEST_REDIS_MODE=external but REDIS_URL is not set');
    return external(externalUrl);
  }
  if (mode === 'container') {
    const probe = await probeDocker(options.dockerProbeTimeoutMs ?? 3_000);
    if (!probe.ok) throw new Error(`a Redis container was asked for, but no Docker engine answers: ${probe.reason}`);
    return startContainer(options);
  }
  if (mode === 'auto') {
    const probe = await probeDocker(options.dockerProbeTimeoutMs ?? 3_000);
    if (probe.ok) return startContainer(options);
  }
  return startSpawned(options);
}

function parseMode(value: string | undefined): StartRedisOptions['mode'] | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'auto' || value === 'external' || value === 'container' || value === 'spawned') return value;
  throw new Error(`TEST_REDIS_MODE must be auto, external, container or spawned (got ${JSON.stringify(value)})`);
}

function external(url: string): RedisHandle {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`REDIS_URL is not a valid URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(`REDIS_URL must start with redis:// or rediss:// (got ${parsed.protocol}//)`);
  }
  return {
    kind: 'external',
    url,
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    stop: async () => {},
  };
}

// ---------------------------------------------------------------------------------------------------------
// Docker (testcontainers)

async function probeDocker(timeoutMs: number): Promise<{ ok: true } | { ok: false; reason: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      timer.unref();
    });
    const probe = getContainerRuntimeClient();
    probe.catch(() => {}); // may settle after the timeout won
    await Promise.race([probe, timeout]);
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  } finally {
    if (timer) clearTimeout(timer);
  }
}

async function startContainer(options: StartRedisOptions): Promise<RedisHandle> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const container = await new GenericContainer(options.image ?? 'redis:7-alpine')
    .withExposedPorts(6379)
    .withCommand(['redis-server', '--save', '', '--appendonly', 'no', ...(options.extraArgs ?? [])])
    .withWaitStrategy(Wait.forLogMessage(READY_LINE))
    .withStartupTimeout(options.startupTimeoutMs ?? 120_000)
    .start();
  const reportedHost = container.getHost();
  // 'localhost' may resolve to ::1 first; the published port is on IPv4 loopback.
  const host = reportedHost === 'localhost' ? LOOPBACK : reportedHost;
  const port = container.getMappedPort(6379);
  let stopped: Promise<void> | undefined;
  return {
    kind: 'container',
    url: `redis://${formatHost(host)}:${port}`,
    host,
    port,
    stop: () => (stopped ??= container.stop({ timeout: 2_000 }).then(() => undefined)),
  };
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

// ---------------------------------------------------------------------------------------------------------
// redis-server on a free loopback port

/** The redis-server binary, or an error that says how to get one. */
export function findRedisServer(explicit?: string): string {
  const wanted = explicit ?? process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const found = findExecutable(wanted);
  if (!found) {
    throw new Error(
      `${wanted} was not found and no Docker engine answers. Install it (\`apt-get install redis-server\`) ` +
        'or set REDIS_URL to a Redis the tests may use (e.g. REDIS_URL=redis://127.0.0.1:6379).',
    );
  }
  return found;
}

async function startSpawned(options: StartRedisOptions): Promise<RedisHandle> {
  const binary = findRedisServer(options.redisServerPath);
  const timeoutMs = options.startupTimeoutMs ?? 30_000;
  const dir = await mkdtemp(join(tmpdir(), 'cg-redis-'));
  let lastError: Error | undefined;

  // A given port is tried once: if it is taken, another one would not be what the caller asked for.
  const attempts = options.port === undefined ? SPAWN_ATTEMPTS : 1;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = options.port ?? (await getFreePort());
    const proc = spawnProcess(
      binary,
      ['--port', String(port), '--bind', LOOPBACK, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--dir', dir, ...(options.extraArgs ?? [])],
      { name: `redis-server :${port}`, cwd: dir },
    );
    try {
      await proc.waitForLine(READY_LINE, timeoutMs, { what: '"Ready to accept connections"' });
      return spawnedHandle(proc, port, dir);
    } catch (error) {
      lastError = error instanceof Error ? error : new Error(String(error));
      await proc.stop('SIGKILL');
      const addressInUse = proc.lines().some((line) => ADDRESS_IN_USE.test(line.text));
      if (!addressInUse) break; // a real failure: do not hide it behind retries
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`could not start redis-server: ${lastError?.message ?? 'unknown error'}`);
}

function spawnedHandle(proc: SpawnedProcess, port: number, dir: string): RedisHandle {
  let stopped: Promise<void> | undefined;
  return {
    kind: 'spawned',
    url: `redis://${LOOPBACK}:${port}`,
    host: LOOPBACK,
    port,
    ...(proc.pid === undefined ? {} : { pid: proc.pid }),
    stop: () =>
      (stopped ??= (async () => {
        await proc.stop('SIGTERM', 5_000);
        await rm(dir, { recursive: true, force: true });
      })()),
  };
}

// ---------------------------------------------------------------------------------------------------------
// A dependency-free Redis client for one-off commands in tests (readiness checks, PING, FLUSH of a prefix…)

export type RespValue = string | number | null | RespValue[] | RedisReplyError;

export class RedisReplyError extends Error {
  override readonly name = 'RedisReplyError';
}

/**
 * Sends commands over one fresh connection (AUTH and SELECT from the URL first) and returns the
 * reply to each. Error replies come back as RedisReplyError values, not exceptions.
 */
export async function redisCommands(url: string, commands: readonly (readonly string[])[], timeoutMs = 5_000): Promise<RespValue[]> {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1') || LOOPBACK;
  const port = parsed.port === '' ? 6379 : Number(parsed.port);
  const setup: string[][] = [];
  if (parsed.password) {
    const password = decodeURIComponent(parsed.password);
    setup.push(parsed.username ? ['AUTH', decodeURIComponent(parsed.username), password] : ['AUTH', password]);
  }
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && db !== '0') setup.push(['SELECT', db]);
  const all = [...setup, ...commands];

  const socket: Socket = parsed.protocol === 'rediss:' ? tlsConnect({ host, port, servername: host }) : netConnect({ host, port });
  return new Promise<RespValue[]>((resolve, reject) => {
    let buffer = Buffer.alloc(0);
    const replies: RespValue[] = [];
    const finish = (error?: Error) => {
      socket.removeAllListeners();
      socket.on('error', () => {});
      socket.destroy();
      if (error) reject(error);
      else resolve(replies.slice(setup.length));
    };
    socket.setTimeout(timeoutMs, () => finish(new Error(`no reply from Redis at ${host}:${port} within ${timeoutMs} ms`)));
    socket.once('error', (error) => finish(new Error(`Redis at ${host}:${port}: ${error.message}`)));
    socket.once('close', () => finish(new Error(`Redis at ${host}:${port} closed the connection`)));
    socket.once(parsed.protocol === 'rediss:' ? 'secureConnect' : 'connect', () => {
      socket.write(all.map(encodeCommand).join(''));
    });
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        let parsedReply: { value: RespValue; end: number } | undefined;
        try {
          parsedReply = parseReply(buffer, 0);
        } catch (error) {
          finish(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        if (!parsedReply) break;
        buffer = buffer.subarray(parsedReply.end);
        const value = parsedReply.value;
        if (replies.length < setup.length && value instanceof RedisReplyError) {
          finish(new Error(`Redis rejected ${setup[replies.length]?.[0]}: ${value.message}`));
          return;
        }
        replies.push(value);
        if (replies.length === all.length) {
          finish();
          return;
        }
      }
    });
  });
}

/** One command; see redisCommands. */
export async function redisCommand(url: string, ...args: string[]): Promise<RespValue> {
  const [reply] = await redisCommands(url, [args]);
  return reply ?? null;
}

/** Resolves to 'PONG' if the server answers. */
export async function pingRedis(url: string, timeoutMs = 5_000): Promise<string> {
  const [reply] = await redisCommands(url, [['PING']], timeoutMs);
  if (reply instanceof RedisReplyError) throw reply;
  return String(reply);
}

function encodeCommand(args: readonly string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;
}

function parseReply(buffer: Buffer, start: number): { value: RespValue; end: number } | undefined {
  const lineEnd = buffer.indexOf('\r\n', start);
  if (lineEnd === -1) return undefined;
  const type = String.fromCharCode(buffer[start] ?? 0);
  const line = buffer.toString('utf8', start + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: new RedisReplyError(line), end: next };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, end: next };
      if (buffer.length < next + length + 2) return undefined;
      return { value: buffer.toString('utf8', next, next + length), end: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, end: next };
      const items: RespValue[] = [];
      let position = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buffer, position);
        if (!item) return undefined;
        items.push(item.value);
        position = item.end;
      }
      return { value: items, end: position };
    }
    default:
      throw new Error(`unexpected RESP reply type ${JSON.stringify(type)}`);
  }
}
