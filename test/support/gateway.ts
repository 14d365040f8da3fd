/**
 * A real gateway node as a child process: `node packages/gateway/dist/main.js` (run `pnpm build` first).
 *
 * Contract with the gateway: configured by CG_* variables; logs pino JSON lines on stdout; once
 * listening it logs one line with "msg":"listening" and a numeric "port".
 */
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { repoPath, repoRoot } from './paths.js';
import { spawnProcess, type ExitInfo, type SpawnedProcess } from './processes.js';
import { uniqueId, uniqueKeyPrefix } from './ids.js';

export const GATEWAY_MAIN = repoPath('packages', 'gateway', 'dist', 'main.js');

export interface StartGatewayOptions {
  /** Extra environment (applied last, so it can override anything below). Undefined values unset a variable. */
  env?: Record<string, string | undefined>;
  /**
   * CG_REDIS_URL. Default: the run's shared Redis (inject('redisUrl')). null: no Redis (in-memory stores).
   */
  redisUrl?: string | null;
  /** CG_NODE_ID (default: a unique `gw-xxxxxxxx`). */
  nodeId?: string;
  /** The API key put in CG_API_KEYS (default: a random one). */
  apiKey?: string;
  /** CG_KEY_PREFIX (default: a unique `t<random>:` per call). */
  keyPrefix?: string;
  /** How long to wait for the "listening" line (default 20 s). */
  startupTimeoutMs?: number;
  /** Script to run instead of packages/gateway/dist/main.js (self-tests use a fake). */
  main?: string;
  /** Echo the gateway's output to stderr (also: TEST_GATEWAY_ECHO=1). */
  echo?: boolean;
  /** CG_TRANSPORT (default: unset, i.e. auto). */
  transport?: 'auto' | 'uws' | 'node';
}

export type LogEntry = Record<string, unknown> & { msg?: string; level?: number };

export interface GatewayHandle {
  port: number;
  /** http://127.0.0.1:<port> */
  httpUrl: string;
  /** ws://127.0.0.1:<port>/v1/socket */
  wsUrl: string;
  nodeId: string;
  apiKey: string;
  keyPrefix: string;
  /** The transport the node reported in its "listening" line (`uws` or `node`). */
  transport: string | undefined;
  /** The CG_REDIS_URL given to the node (undefined: in-memory). */
  redisUrl: string | undefined;
  /** Every output line so far (stdout and stderr). */
  logs(): string[];
  /** The stdout lines that are JSON objects, parsed. */
  logEntries(): LogEntry[];
  /** Resolves with the first log entry (past or future) that matches; rejects on timeout or exit. */
  waitForLog(match: (entry: LogEntry) => boolean, timeoutMs?: number, what?: string): Promise<LogEntry>;
  /** The underlying process (pid, exit status, raw lines). */
  process: SpawnedProcess;
  /** Settles when the process exits. */
  exited: Promise<ExitInfo>;
  /**
   * Sends `signal` (default SIGTERM; SIGKILL simulates a crash) and resolves with the exit code
   * (null if the process died from the signal). Escalates to SIGKILL after `graceMs` (default 30 s).
   */
  kill(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
  /** Graceful stop (SIGTERM, SIGKILL after 15 s). Idempotent; safe in afterEach/afterAll. */
  stop(): Promise<void>;
}

function parseEntry(line: string): LogEntry | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as LogEntry) : undefined;
  } catch {
    return undefined;
  }
}

function sharedRedisUrl(): string {
  try {
    return inject('redisUrl');
  } catch (error) {
    throw new Error(
      'startGatewayProcess: no redisUrl given and the shared one is not available (is test/support/global-setup.ts ' +
        `the globalSetup?). Pass redisUrl, or null for in-memory. (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    );
  }
}

export async function startGatewayProcess(options: StartGatewayOptions = {}): Promise<GatewayHandle> {
  const main = options.main ?? GATEWAY_MAIN;
  if (!existsSync(main)) {
    throw new Error(`${main} does not exist: run \`pnpm build\` first (pnpm test does).`);
  }
  const redisUrl = options.redisUrl === undefined ? sharedRedisUrl() : (options.redisUrl ?? undefined);
  const nodeId = options.nodeId ?? uniqueId('gw');
  const keyPrefix = options.keyPrefix ?? uniqueKeyPrefix();
  const firstConfiguredKey = options.env?.CG_API_KEYS?.split(',')[0]?.trim();
  const apiKey = options.apiKey ?? (firstConfiguredKey || `test-${randomBytes(16).toString('hex')}`);

  // The parent's CG_* variables must not leak into the node under test.
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!name.startsWith('CG_') && value !== undefined) env[name] = value;
  }
  Object.assign(env, {
    CG_PORT: '0',
    CG_HOST: '127.0.0.1',
    CG_NODE_ID: nodeId,
    CG_API_KEYS: apiKey,
    CG_KEY_PREFIX: keyPrefix,
  });
  if (redisUrl !== undefined) env.CG_REDIS_URL = redisUrl;
  if (options.transport !== undefined) env.CG_TRANSPORT = options.transport;
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  if (options.apiKey !== undefined && options.env?.CG_API_KEYS === undefined) env.CG_API_KEYS = options.apiKey;

  const proc = spawnProcess(process.execPath, [main], {
    cwd: repoRoot,
    env,
    name: `gateway ${nodeId}`,
    echo: options.echo ?? process.env.TEST_GATEWAY_ECHO === '1',
  });

  const isListening = (entry: LogEntry | undefined) =>
    entry?.msg === 'listening' && typeof entry.port === 'number' && Number.isInteger(entry.port) && entry.port > 0;

  let port: number;
  let transport: string | undefined;
  try {
    const line = await proc.waitForLine((text, stream) => stream === 'stdout' && isListening(parseEntry(text)), options.startupTimeoutMs ?? 20_000, {
      what: 'its "listening" log line',
    });
    const listening = parseEntry(line);
    port = listening?.port as number;
    transport = typeof listening?.transport === 'string' ? listening.transport : undefined;
  } catch (error) {
    await proc.stop('SIGKILL');
    throw error;
  }

  const logEntries = () =>
    proc
      .stdoutLines()
      .map(parseEntry)
      .filter((entry): entry is LogEntry => entry !== undefined);

  let stopped: Promise<void> | undefined;
  return {
    port,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/v1/socket`,
    nodeId,
    apiKey,
    keyPrefix,
    transport,
    redisUrl,
    logs: () => proc.lines().map((line) => line.text),
    logEntries,
    waitForLog: async (match, timeoutMs = 10_000, what = 'a matching log entry') => {
      const line = await proc.waitForLine(
        (text, stream) => {
          if (stream !== 'stdout') return false;
          const entry = parseEntry(text);
          return entry !== undefined && match(entry);
        },
        timeoutMs,
        { what },
      );
      return parseEntry(line) as LogEntry;
    },
    process: proc,
    exited: proc.exited,
    kill: (signal = 'SIGTERM', graceMs = 30_000) => proc.stop(signal, graceMs),
    stop: () => (stopped ??= proc.stop('SIGTERM', 15_000).then(() => undefined)),
  };
}
