import { connect } from 'node:net';
import { describe, expect, inject, it } from 'vitest';
import { startRedis, pingRedis, redisCommands, RedisReplyError } from '../support/redis.js';
import { isPortOpen } from '../support/free-port.js';
import { findExecutable } from '../support/paths.js';
import '../support/provided-context.js';

/** PING over a raw socket: no client library involved. */
function rawPing(url: string): Promise<string> {
  const { hostname, port, username, password } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(port || 6379) });
    let received = '';
    socket.setTimeout(5_000, () => socket.destroy(new Error('no reply within 5 s')));
    socket.once('error', reject);
    socket.once('connect', () => {
      const auth = password ? `AUTH ${username ? `${decodeURIComponent(username)} ` : ''}${decodeURIComponent(password)}\r\n` : '';
      socket.write(`${auth}PING\r\n`);
    });
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
      const lines = received.split('\r\n').filter(Boolean);
      const last = lines[password ? 1 : 0];
      if (last !== undefined) {
        socket.end();
        resolve(last);
      }
    });
  });
}

describe('shared Redis (global setup)', () => {
  it('is provided to test files and answers PING with PONG', async () => {
    const url = inject('redisUrl');
    expect(url).toMatch(/^rediss?:\/\//);
    expect(await rawPing(url)).toBe('+PONG');
  });

  it('runs commands through the dependency-free helper', async () => {
    const url = inject('redisUrl');
    const key = `selftest:${Math.random().toString(36).slice(2)}`;
    const replies = await redisCommands(url, [['SET', key, 'héllo', 'PX', '10000'], ['GET', key], ['DEL', key], ['NOSUCHCOMMAND']]);
    expect(replies.slice(0, 3)).toEqual(['OK', 'héllo', 1]);
    expect(replies[3]).toBeInstanceOf(RedisReplyError);
  });
});

// Skipped only outside CI when redis-server is not installed (REDIS_URL users); CI installs it.
describe.skipIf(!findExecutable('redis-server') && !process.env.CI)('startRedis() spawning redis-server', () => {
  it('answers PING, then stops and frees its port', async () => {
    const redis = await startRedis({ mode: 'spawned' });
    try {
      expect(redis.kind).toBe('spawned');
      expect(redis.host).toBe('127.0.0.1');
      expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
      expect(await rawPing(redis.url)).toBe('+PONG');
      expect(await pingRedis(redis.url)).toBe('PONG');
    } finally {
      await redis.stop();
    }
    expect(await isPortOpen(redis.port)).toBe(false);
    await redis.stop(); // idempotent
  });

  it('starts independent servers on different ports', async () => {
    const [a, b] = await Promise.all([startRedis({ mode: 'spawned' }), startRedis({ mode: 'spawned' })]);
    try {
      expect(a.port).not.toBe(b.port);
      await redisCommands(a.url, [['SET', 'k', 'a']]);
      expect(await redisCommands(b.url, [['GET', 'k']])).toEqual([null]);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('fails clearly when redis-server cannot be found', async () => {
    await expect(startRedis({ mode: 'spawned', redisServerPath: 'no-such-redis-server' })).rejects.toThrow(/apt-get install redis-server.*REDIS_URL/s);
  });
});
