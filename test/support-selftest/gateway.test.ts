import { describe, expect, inject, it } from 'vitest';
import { startGatewayProcess } from '../support/gateway.js';
import { isPortOpen } from '../support/free-port.js';
import { repoPath } from '../support/paths.js';
import '../support/provided-context.js';

const main = repoPath('test', 'support-selftest', 'fixtures', 'fake-gateway.mjs');

describe('startGatewayProcess (against a fake gateway)', () => {
  it('passes the CG_* settings, waits for "listening" and stops', async () => {
    const gateway = await startGatewayProcess({ main, env: { CG_LOG_LEVEL: 'debug' } });
    try {
      expect(gateway.httpUrl).toBe(`http://127.0.0.1:${gateway.port}`);
      expect(gateway.wsUrl).toBe(`ws://127.0.0.1:${gateway.port}/v1/socket`);
      const env = (await (await fetch(gateway.httpUrl)).json()) as Record<string, string>;
      expect(env).toEqual({
        CG_PORT: '0',
        CG_HOST: '127.0.0.1',
        CG_REDIS_URL: inject('redisUrl'),
        CG_NODE_ID: gateway.nodeId,
        CG_API_KEYS: gateway.apiKey,
        CG_KEY_PREFIX: gateway.keyPrefix,
        CG_LOG_LEVEL: 'debug',
      });
      expect(gateway.keyPrefix).toMatch(/^t[0-9a-f]+:$/);
      expect(gateway.logEntries().map((entry) => entry.msg)).toEqual(['starting', 'listening']);
      expect((await gateway.waitForLog((entry) => entry.msg === 'starting')).node).toBe(gateway.nodeId);
    } finally {
      expect(await gateway.kill('SIGTERM')).toBe(0);
    }
    expect(gateway.logs().some((line) => line.includes('"draining"'))).toBe(true);
    expect(await isPortOpen(gateway.port)).toBe(false);
    await gateway.stop(); // idempotent after kill
  });

  it('gives each node its own prefix, and honours explicit settings', async () => {
    const [a, b] = await Promise.all([
      startGatewayProcess({ main, redisUrl: null, nodeId: 'node-a', apiKey: 'key-a-0123456789abcdef' }),
      startGatewayProcess({ main, redisUrl: 'redis://127.0.0.1:1', keyPrefix: 'custom:' }),
    ]);
    try {
      expect(a.keyPrefix).not.toBe(b.keyPrefix);
      const envA = (await (await fetch(a.httpUrl)).json()) as Record<string, string>;
      const envB = (await (await fetch(b.httpUrl)).json()) as Record<string, string>;
      expect(envA).toMatchObject({ CG_NODE_ID: 'node-a', CG_API_KEYS: 'key-a-0123456789abcdef' });
      expect(envA.CG_REDIS_URL).toBeUndefined();
      expect(envB).toMatchObject({ CG_REDIS_URL: 'redis://127.0.0.1:1', CG_KEY_PREFIX: 'custom:' });
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('rejects with the output when the node exits before listening', async () => {
    await expect(startGatewayProcess({ main, env: { FAKE_FAIL: '1' } })).rejects.toThrow(
      /exited with code 1 before printing its "listening" log line[\s\S]*invalid configuration/,
    );
  });

  it('kill(SIGKILL) simulates a crash', async () => {
    const gateway = await startGatewayProcess({ main });
    expect(await gateway.kill('SIGKILL')).toBe(null);
    expect((await gateway.exited).signal).toBe('SIGKILL');
  });
});
