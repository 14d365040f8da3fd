/**
 * Redis going away and coming back (killed and restarted with its append-only file, as a managed Redis
 * restarts): the node answers 503 and fails /readyz meanwhile, then recovers by itself: it resubscribes,
 * routes again, and releases the socket that closed during the outage so presence is not left with a ghost.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRedisServer, getFreePort, spawnProcess, waitFor, type SpawnedProcess } from '../../../test/support/index.js';
import { startTestGateway, type TestGateway } from './support/in-process-gateway.js';
import { TestSocket } from './support/test-socket.js';

async function startOwnRedis(port: number, dir: string): Promise<SpawnedProcess> {
  const redis = spawnProcess(findRedisServer(), ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], { name: 'redis-outage' });
  await redis.waitForLine(/Ready to accept connections/, 10_000);
  return redis;
}

describe('Redis outage', () => {
  let gateway: TestGateway | undefined;
  let redis: SpawnedProcess | undefined;
  afterEach(async () => {
    await gateway?.stop();
    await redis?.stop('SIGKILL');
  });

  it('fails fast while Redis is down and recovers by itself, releasing sockets closed meanwhile', async () => {
    const port = await getFreePort();
    const dir = mkdtempSync(join(tmpdir(), 'cg-redis-outage-'));
    redis = await startOwnRedis(port, dir);
    gateway = await startTestGateway('redis', { redisUrl: `redis://127.0.0.1:${port}` });
    const { clientId, token } = await gateway.createChannel();
    const socket = await TestSocket.open(gateway.wsUrl, token);
    expect(await gateway.send(clientId, 'before')).toBe('routed');
    await socket.waitForMessages(1);

    await redis.stop('SIGKILL');
    await waitFor(async () => (await fetch(gateway!.httpUrl + '/readyz')).status === 503, { what: '/readyz to fail' });
    const during = await gateway.api('POST', `/v1/channels/${clientId}/messages`, { message: 'during' });
    expect(during.status).toBe(503);
    expect(during.body.error.code).toBe('unavailable');
    socket.close(); // its detach cannot reach Redis now
    await socket.closed;
    const pending = async () => Number((await (await fetch(gateway!.httpUrl + '/metrics')).text()).match(/^cg_detaches_pending (\d+)/m)?.[1]);
    await waitFor(async () => (await pending()) === 1, { what: 'the failed detach to be queued for retry' });

    redis = await startOwnRedis(port, dir);
    await waitFor(async () => (await fetch(gateway!.httpUrl + '/readyz')).status === 200, { timeoutMs: 15_000, what: '/readyz to recover' });
    // The detach is retried: the client is no longer reported connected, and sends queue for it.
    await waitFor(async () => (await gateway!.api('GET', `/v1/channels/${clientId}`)).body.connected === false, { timeoutMs: 10_000, what: 'the closed socket to be released' });
    await waitFor(async () => (await pending()) === 0, { what: 'no detach left to retry' });
    expect(await gateway.send(clientId, 'after')).toBe('queued');
    const again = await TestSocket.open(gateway.wsUrl, token);
    expect(await again.waitForMessages(1)).toEqual(['after']);
    expect(await gateway.send(clientId, 'live again')).toBe('routed');
    expect(await again.waitForMessages(2)).toEqual(['after', 'live again']);
    again.close();
  });
});
