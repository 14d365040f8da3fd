/**
 * The one configuration module: every setting is an environment variable with the CG_ prefix,
 * validated once at start-up. An invalid value stops the process with a message naming the variable.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { DEFAULT_MAX_INBOUND_FRAME_BYTES } from '@channel-gateway/protocol';

const PREFIX = 'CG_';
/** Placeholders of the examples (deploy/kubernetes/secret.example.yaml, older docker-compose.yml): known to everyone. */
const PLACEHOLDER_API_KEYS = new Set(['change-me', 'changeme']);

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const list = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);
/** Keys are compared as given; a short one can be guessed. The generated development key is 32 characters. */
export const MIN_API_KEY_LENGTH = 16;
const redisUrl = z
  .string()
  .url()
  .refine((value) => /^rediss?:\/\//i.test(value), 'must start with redis:// or rediss:// (TLS)');
const apiKeyList = list.superRefine((keys, context) => {
  // By position, never by value: the message goes to logs.
  keys.forEach((key, index) => {
    // A placeholder gets its own, plainer message after parsing.
    if (key.length < MIN_API_KEY_LENGTH && !PLACEHOLDER_API_KEYS.has(key)) {
      context.addIssue({ code: 'custom', message: `key ${index + 1} of ${keys.length} has ${key.length} characters; at least ${MIN_API_KEY_LENGTH}` });
    }
  });
});
const flag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

/** Each key is the variable name without the prefix; defaults are documented in README.md. */
const schema = z.object({
  /** TCP port for HTTP and WebSocket; 0 picks a free one (tests). */
  PORT: integer(0, 65_535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  /** redis://, rediss:// (TLS) URL, with ACL user and password if needed. Unset: in-memory stores, one node. */
  REDIS_URL: redisUrl.optional(),
  /**
   * Comma-separated Sentinel addresses (host:port). Set: the master named REDIS_SENTINEL_MASTER is found
   * through them and followed across failovers; REDIS_URL then only gives user, password, TLS and db.
   */
  REDIS_SENTINELS: list.pipe(z.array(z.string().regex(/^[^\s:,]+:\d{1,5}$/, 'host:port')).min(1)).optional(),
  REDIS_SENTINEL_MASTER: z.string().min(1).default('mymaster'),
  /**
   * A Redis command (or a sentinel's) not answered within this is failed: the API answers 503 rather than
   * hang, and /readyz fails while Redis stays silent (a probe runs every second with this timeout).
   */
  REDIS_COMMAND_TIMEOUT_MS: integer(100, 60_000).default(2_000),
  /** Comma-separated API keys accepted as `Authorization: Bearer <key>`. Unset: one is generated and printed. */
  API_KEYS: apiKeyList.optional(),
  /**
   * Failed API-key attempts one address may make per minute; beyond them it gets 429 until the minute is
   * over. 0 turns the throttle off.
   */
  AUTH_FAILURES_PER_MINUTE: integer(0, 1_000_000).default(20),
  /** Unique per node; names the node's pub/sub inbox and its ownership entries. */
  NODE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, ".", "_" or "-", at most 64')
    .optional(),
  /** Prefix of every Redis key and channel, so several deployments can share one Redis. */
  KEY_PREFIX: z
    .string()
    .regex(/^[^{}\s]{0,64}$/, 'at most 64 characters, no braces or spaces')
    .default('cg:'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Comma-separated origins allowed to open sockets (e.g. https://app.example). Unset: any origin. */
  ALLOWED_ORIGINS: list.optional(),
  /** Largest frame a client may send; clients only say hello and ping. */
  MAX_INBOUND_FRAME_BYTES: integer(256, 1_048_576).default(DEFAULT_MAX_INBOUND_FRAME_BYTES),
  /** Bytes queued for a socket that reads too slowly before it is closed as SLOW_CONSUMER. */
  MAX_BACKPRESSURE_BYTES: integer(16_384, 64 * 1_048_576).default(1_048_576),
  /** Time a new socket has to send its hello. */
  HELLO_TIMEOUT_MS: integer(100, 120_000).default(10_000),
  /**
   * Seconds without any frame before a socket is considered dead and closed (so presence does not keep a
   * half-open socket). The browser client pings every 25 s; uWS also pings idle sockets by itself.
   */
  IDLE_TIMEOUT_SECONDS: integer(8, 960).default(60),
  /**
   * Seconds between heartbeats (SSE comments) on every HTTP stream (`POST /v1/stream`): they keep proxies
   * from timing the stream out and let clients notice a dead one (silence past twice this plus 5 s).
   */
  STREAM_HEARTBEAT_SECONDS: integer(1, 300).default(15),
  /** Largest HTTP request body; larger ones are refused with 413 before they are read whole. */
  MAX_BODY_BYTES: integer(1_024, 64 * 1_048_576).default(4 * 1_048_576),
  /** Take the client address from the last X-Forwarded-For entry (only behind a load balancer that appends it). */
  TRUST_PROXY: flag.default(false),
  /** New sockets per second allowed from one IP address (burst: twice this). */
  CONNECTS_PER_SECOND_PER_IP: integer(1, 1_000_000).default(50),
  /** Open sockets from one address at once (behind TRUST_PROXY: the forwarded address); beyond it a new one gets 429. */
  MAX_SOCKETS_PER_IP: integer(1, 10_000_000).default(10_000),
  /** Open sockets on this node at once; beyond it a new one gets 503. Keep it below the file limit (`ulimit -n`). */
  MAX_SOCKETS: integer(1, 10_000_000).default(100_000),
  /** Per-client buffer: most messages kept for replay. */
  BUFFER_MAX_MESSAGES: integer(1, 100_000).default(100),
  /** Per-client buffer: most bytes (of message text) kept for replay. */
  BUFFER_MAX_BYTES: integer(1_024, 64 * 1_048_576).default(256 * 1_024),
  /** Per-client buffer: how long a message is kept for replay. */
  BUFFER_TTL_SECONDS: integer(1, 86_400).default(300),
  /**
   * How long an idempotency key is remembered: a repeat within it delivers nothing new. At least
   * BUFFER_TTL_SECONDS (its default), so a retry cannot outlive the key while its message is still replayable.
   */
  IDEMPOTENCY_TTL_SECONDS: integer(1, 7 * 86_400).optional(),
  /** Memory stores only (Redis keeps every key for the window): most keys remembered, the oldest forgotten first. */
  IDEMPOTENCY_MAX_KEYS: integer(1_000, 100_000_000).default(1_000_000),
  /** Time a draining node gives its clients to move before it exits. */
  DRAIN_TIMEOUT_MS: integer(0, 600_000).default(10_000),
  /** The app's base URL for presence webhooks (`<url>/_ah/channel/connected/`…). Unset: presence webhooks off. */
  WEBHOOK_URL: z.string().url().optional(),
  /** HMAC-SHA256 key that signs every webhook; required with WEBHOOK_URL. */
  WEBHOOK_SECRET: z.string().min(16, 'at least 16 characters').optional(),
  /** How long a webhook is retried before it is dropped (and counted). */
  WEBHOOK_MAX_AGE_SECONDS: integer(1, 7 * 86_400).default(3_600),
  /** Time the app has to answer one webhook request. */
  WEBHOOK_TIMEOUT_MS: integer(100, 120_000).default(5_000),
  /** Webhook requests in flight per node. */
  WEBHOOK_CONCURRENCY: integer(1, 1_000).default(16),
  /** Most webhooks waiting for delivery; beyond it new ones are dropped (and counted). */
  WEBHOOK_MAX_BACKLOG: integer(100, 10_000_000).default(100_000),
  /** Webhook body: form-urlencoded (GAE's dev server) or multipart/form-data (GAE production; its Java parsePresence read only this). */
  WEBHOOK_BODY_FORMAT: z.enum(['urlencoded', 'multipart']).default('urlencoded'),
  /** A reconnect within this window produces no disconnected/connected pair. */
  PRESENCE_GRACE_MS: integer(0, 600_000).default(5_000),
  /** How often a node writes its heartbeat. */
  HEARTBEAT_INTERVAL_MS: integer(100, 60_000).default(5_000),
  /** A node whose heartbeat is older than this is dead: its clients are released and reported disconnected. */
  NODE_TIMEOUT_MS: integer(300, 600_000).default(15_000),
  /** permessage-deflate; off by default (CPU and memory per socket). */
  COMPRESSION: flag.default(false),
  /** Server transport: uws (uWebSockets.js, native builds only), node (node:http + ws), auto (uws when a native build loads). */
  TRANSPORT: z.enum(['auto', 'uws', 'node']).default('auto'),
});

export type WebhookBodyFormat = z.infer<typeof schema>['WEBHOOK_BODY_FORMAT'];

export type GatewayConfig = {
  port: number;
  host: string;
  redisUrl: string | undefined;
  /** Sentinels to ask for the master (Sentinel topology); undefined: `redisUrl` is the server itself. */
  redisSentinels: Array<{ host: string; port: number }> | undefined;
  redisSentinelMaster: string;
  redisCommandTimeoutMs: number;
  apiKeys: string[];
  /** True when no key was configured and one was generated for this run. */
  apiKeyGenerated: boolean;
  authFailuresPerMinute: number;
  nodeId: string;
  keyPrefix: string;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  allowedOrigins: string[] | undefined;
  maxInboundFrameBytes: number;
  maxBackpressureBytes: number;
  helloTimeoutMs: number;
  idleTimeoutSeconds: number;
  streamHeartbeatSeconds: number;
  maxBodyBytes: number;
  connectsPerSecondPerIp: number;
  maxSocketsPerIp: number;
  maxSockets: number;
  trustProxy: boolean;
  buffer: { maxMessages: number; maxBytes: number; ttlSeconds: number };
  idempotency: { ttlSeconds: number; maxKeys: number };
  drainTimeoutMs: number;
  compression: boolean;
  transport: 'auto' | 'uws' | 'node';
  /** `bodyFormat` absent: urlencoded. */
  webhooks:
    { url: string; secret: string; maxAgeMs: number; timeoutMs: number; concurrency: number; maxBacklog: number; bodyFormat?: WebhookBodyFormat } | undefined;
  presence: { graceMs: number; heartbeatIntervalMs: number; nodeTimeoutMs: number };
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface LoadedConfig {
  config: GatewayConfig;
  /** Prefixed variables that no setting reads (probably typos). */
  unknownVariables: string[];
}

/** Reads and validates the configuration; throws ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): LoadedConfig {
  const raw: Record<string, string> = {};
  const unknownVariables: string[] = [];
  const known = new Set(Object.keys(schema.shape));
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(PREFIX) || value === undefined || value === '') continue;
    const key = name.slice(PREFIX.length);
    if (known.has(key)) raw[key] = value;
    else unknownVariables.push(name);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${PREFIX}${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const c = parsed.data;
  if (c.WEBHOOK_URL && !c.WEBHOOK_SECRET)
    throw new ConfigError(`invalid configuration: ${PREFIX}WEBHOOK_SECRET: required when ${PREFIX}WEBHOOK_URL is set (webhooks are always signed)`);
  if (c.NODE_TIMEOUT_MS < c.HEARTBEAT_INTERVAL_MS * 2) {
    throw new ConfigError(`invalid configuration: ${PREFIX}NODE_TIMEOUT_MS: must be at least twice ${PREFIX}HEARTBEAT_INTERVAL_MS`);
  }
  if (c.IDEMPOTENCY_TTL_SECONDS !== undefined && c.IDEMPOTENCY_TTL_SECONDS < c.BUFFER_TTL_SECONDS) {
    throw new ConfigError(`invalid configuration: ${PREFIX}IDEMPOTENCY_TTL_SECONDS: must be at least ${PREFIX}BUFFER_TTL_SECONDS (${c.BUFFER_TTL_SECONDS})`);
  }
  const placeholder = c.API_KEYS?.find((key) => PLACEHOLDER_API_KEYS.has(key));
  if (placeholder) {
    throw new ConfigError(
      `invalid configuration: ${PREFIX}API_KEYS: "${placeholder}" is the placeholder from the examples; set a secret key, e.g. $(openssl rand -base64 32 | tr -d '=+/')`,
    );
  }
  const apiKeys = c.API_KEYS ?? [];
  const apiKeyGenerated = apiKeys.length === 0;
  if (apiKeyGenerated) apiKeys.push(randomBytes(24).toString('base64url'));
  return {
    unknownVariables,
    config: {
      port: c.PORT,
      host: c.HOST,
      redisUrl: c.REDIS_URL,
      redisSentinels: c.REDIS_SENTINELS?.map((address) => {
        const colon = address.lastIndexOf(':');
        return { host: address.slice(0, colon), port: Number(address.slice(colon + 1)) };
      }),
      redisSentinelMaster: c.REDIS_SENTINEL_MASTER,
      redisCommandTimeoutMs: c.REDIS_COMMAND_TIMEOUT_MS,
      apiKeys,
      apiKeyGenerated,
      authFailuresPerMinute: c.AUTH_FAILURES_PER_MINUTE,
      nodeId:
        c.NODE_ID ??
        `${hostname()
          .replace(/[^A-Za-z0-9._-]/g, '-')
          .slice(0, 40)}-${randomBytes(4).toString('hex')}`,
      keyPrefix: c.KEY_PREFIX,
      logLevel: c.LOG_LEVEL,
      allowedOrigins: c.ALLOWED_ORIGINS,
      maxInboundFrameBytes: c.MAX_INBOUND_FRAME_BYTES,
      maxBackpressureBytes: c.MAX_BACKPRESSURE_BYTES,
      helloTimeoutMs: c.HELLO_TIMEOUT_MS,
      idleTimeoutSeconds: c.IDLE_TIMEOUT_SECONDS,
      streamHeartbeatSeconds: c.STREAM_HEARTBEAT_SECONDS,
      maxBodyBytes: c.MAX_BODY_BYTES,
      connectsPerSecondPerIp: c.CONNECTS_PER_SECOND_PER_IP,
      maxSocketsPerIp: c.MAX_SOCKETS_PER_IP,
      maxSockets: c.MAX_SOCKETS,
      trustProxy: c.TRUST_PROXY,
      buffer: { maxMessages: c.BUFFER_MAX_MESSAGES, maxBytes: c.BUFFER_MAX_BYTES, ttlSeconds: c.BUFFER_TTL_SECONDS },
      idempotency: { ttlSeconds: c.IDEMPOTENCY_TTL_SECONDS ?? c.BUFFER_TTL_SECONDS, maxKeys: c.IDEMPOTENCY_MAX_KEYS },
      drainTimeoutMs: c.DRAIN_TIMEOUT_MS,
      compression: c.COMPRESSION,
      transport: c.TRANSPORT,
      webhooks:
        c.WEBHOOK_URL && c.WEBHOOK_SECRET
          ? {
              url: c.WEBHOOK_URL.replace(/\/+$/, ''),
              secret: c.WEBHOOK_SECRET,
              maxAgeMs: c.WEBHOOK_MAX_AGE_SECONDS * 1000,
              timeoutMs: c.WEBHOOK_TIMEOUT_MS,
              concurrency: c.WEBHOOK_CONCURRENCY,
              maxBacklog: c.WEBHOOK_MAX_BACKLOG,
              bodyFormat: c.WEBHOOK_BODY_FORMAT,
            }
          : undefined,
      presence: { graceMs: c.PRESENCE_GRACE_MS, heartbeatIntervalMs: c.HEARTBEAT_INTERVAL_MS, nodeTimeoutMs: c.NODE_TIMEOUT_MS },
    },
  };
}

/** A full configuration for in-process use (tests, embedding), with overrides. */
export function configWith(overrides: Partial<GatewayConfig>): GatewayConfig {
  const { config } = loadConfig({});
  return { ...config, ...overrides };
}

/** Every setting's variable name and default (undefined: unset unless given), for `channel-gateway --help`. */
export function settingDefaults(): Array<{ variable: string; default: string | undefined }> {
  return Object.entries(schema.shape).map(([key, setting]) => {
    const parsed = setting.safeParse(undefined);
    const value: unknown = parsed.success ? parsed.data : undefined;
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- defaults are strings, numbers, booleans or lists of strings
    return { variable: `${PREFIX}${key}`, default: value === undefined ? undefined : String(value) };
  });
}
