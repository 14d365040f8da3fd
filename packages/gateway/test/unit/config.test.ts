/** Configuration: validated once, every bad variable named, unknown CG_ variables reported. */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { ConfigError, loadConfig } from '../../src/config.js';
import { GATEWAY_MAIN } from '../../../../test/support/index.js';

const KEY_A = 'key-a-0123456789abcdef';
const KEY_B = 'key-b-0123456789abcdef';

describe('configuration', () => {
  it('has working defaults and generates an API key when none is set', () => {
    const { config, unknownVariables } = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      redisUrl: undefined,
      keyPrefix: 'cg:',
      maxInboundFrameBytes: 4096,
      compression: false,
      webhooks: undefined,
    });
    expect(config.apiKeyGenerated).toBe(true);
    expect(config.apiKeys[0]!.length).toBeGreaterThanOrEqual(32);
    expect(unknownVariables).toEqual([]);
  });

  it('reads typed values and lists', () => {
    const { config } = loadConfig({
      CG_PORT: '9000',
      CG_API_KEYS: ` ${KEY_A}, ${KEY_B} ,,`,
      CG_ALLOWED_ORIGINS: 'https://x.example',
      CG_COMPRESSION: 'true',
      CG_BUFFER_MAX_MESSAGES: '7',
    });
    expect(config).toMatchObject({
      port: 9000,
      apiKeys: [KEY_A, KEY_B],
      apiKeyGenerated: false,
      allowedOrigins: ['https://x.example'],
      compression: true,
      buffer: { maxMessages: 7 },
    });
  });

  it('names every invalid variable', () => {
    const attempt = () => loadConfig({ CG_PORT: 'eighty', CG_REDIS_URL: 'not a url', CG_KEY_PREFIX: 'a{b}', CG_LOG_LEVEL: 'loud' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/CG_PORT.*CG_REDIS_URL.*CG_KEY_PREFIX.*CG_LOG_LEVEL/);
  });

  it('reads the stream heartbeat (15 s by default) and refuses one out of 1…300 s', () => {
    expect(loadConfig({}).config.streamHeartbeatSeconds).toBe(15);
    expect(loadConfig({ CG_STREAM_HEARTBEAT_SECONDS: '2' }).config.streamHeartbeatSeconds).toBe(2);
    for (const bad of ['0', '301', '1.5', 'often']) expect(() => loadConfig({ CG_STREAM_HEARTBEAT_SECONDS: bad })).toThrow(/CG_STREAM_HEARTBEAT_SECONDS/);
  });

  it('reads Sentinel addresses and refuses one without a port', () => {
    const { config } = loadConfig({ CG_REDIS_SENTINELS: 's1.example:26379, 10.0.0.2:26380', CG_REDIS_SENTINEL_MASTER: 'main' });
    expect(config).toMatchObject({
      redisSentinels: [
        { host: 's1.example', port: 26379 },
        { host: '10.0.0.2', port: 26380 },
      ],
      redisSentinelMaster: 'main',
    });
    expect(loadConfig({}).config).toMatchObject({ redisSentinels: undefined, redisSentinelMaster: 'mymaster' });
    expect(() => loadConfig({ CG_REDIS_SENTINELS: 's1.example' })).toThrow(/CG_REDIS_SENTINELS/);
  });

  it('refuses unsigned webhooks and a node timeout shorter than two heartbeats', () => {
    expect(() => loadConfig({ CG_WEBHOOK_URL: 'https://app.example' })).toThrow(/CG_WEBHOOK_SECRET/);
    expect(() => loadConfig({ CG_HEARTBEAT_INTERVAL_MS: '5000', CG_NODE_TIMEOUT_MS: '6000' })).toThrow(/CG_NODE_TIMEOUT_MS/);
  });

  it('remembers idempotency keys for the buffer TTL by default, and never for less', () => {
    expect(loadConfig({ CG_BUFFER_TTL_SECONDS: '600' }).config.idempotency).toEqual({ ttlSeconds: 600, maxKeys: 1_000_000 });
    expect(loadConfig({ CG_IDEMPOTENCY_TTL_SECONDS: '3600', CG_IDEMPOTENCY_MAX_KEYS: '5000' }).config.idempotency).toEqual({ ttlSeconds: 3600, maxKeys: 5000 });
    expect(() => loadConfig({ CG_BUFFER_TTL_SECONDS: '600', CG_IDEMPOTENCY_TTL_SECONDS: '599' })).toThrow(
      /CG_IDEMPOTENCY_TTL_SECONDS: must be at least CG_BUFFER_TTL_SECONDS/,
    );
  });

  it('refuses the placeholder API keys of the examples (docker-compose, Kubernetes secret)', () => {
    expect(() => loadConfig({ CG_API_KEYS: 'change-me' })).toThrow(/CG_API_KEYS: .*placeholder/);
    expect(() => loadConfig({ CG_API_KEYS: 'real-key,change-me' })).toThrow(/CG_API_KEYS/);
    expect(loadConfig({ CG_API_KEYS: 'change-me-not-really-a-placeholder' }).config.apiKeys).toEqual(['change-me-not-really-a-placeholder']);
  });

  it('accepts only redis:// and rediss:// Redis URLs', () => {
    expect(loadConfig({ CG_REDIS_URL: 'redis://user:pw@redis.example:6380/2' }).config.redisUrl).toBe('redis://user:pw@redis.example:6380/2');
    expect(loadConfig({ CG_REDIS_URL: 'rediss://redis.example' }).config.redisUrl).toBe('rediss://redis.example');
    for (const url of ['http://x', 'https://redis.example', 'tcp://127.0.0.1:6379', 'unix:///run/redis.sock']) {
      expect(() => loadConfig({ CG_REDIS_URL: url })).toThrow(/CG_REDIS_URL: .*redis:\/\/ or rediss:\/\//);
    }
  });

  it('refuses API keys shorter than 16 characters without printing them', () => {
    expect(loadConfig({ CG_API_KEYS: '0123456789abcdef' }).config.apiKeys).toEqual(['0123456789abcdef']);
    const attempt = () => loadConfig({ CG_API_KEYS: `${KEY_A},short-key-one` });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/CG_API_KEYS: key 2 of 2 has 13 characters; at least 16/);
    expect(attempt).not.toThrow(/short-key-one/);
    expect(() => loadConfig({ CG_API_KEYS: 'x' })).toThrow(/CG_API_KEYS/);
  });

  it('reports unknown CG_ variables and ignores other ones', () => {
    expect(loadConfig({ CG_PROT: '1', HOME: '/root', CG_PORT: '1' }).unknownVariables).toEqual(['CG_PROT']);
  });

  it('stops the process with a message naming the variable', () => {
    const result = spawnSync(process.execPath, [GATEWAY_MAIN], { env: { PATH: process.env.PATH, CG_PORT: '-1' }, encoding: 'utf8', timeout: 20_000 });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/CG_PORT/);
  });
});
