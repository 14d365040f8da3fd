/**
 * Redis going away and coming back (killed and restarted with its append-only file, as a managed Redis
 * restarts): the node answers 503 and fails /readyz meanwhile, then recovers by itself: it resubscribes,
 * routes again, and releases the socket that closed during the outage so presence is not left with a ghost.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRedisServer, getFreePort, redisCommand, redisCommands, spawnProcess, waitFor, type SpawnedProcess } from '../../../test/support/index.js';
import { startTestGateway, type TestGateway } from './support/in-process-gateway.js';
import { TestSocket } from './support/test-socket.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

async function startOwnRedis(port: number, dir: string): Promise<SpawnedProcess> {
  const redis = spawnProcess(
    findRedisServer(),
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''],
    { name: 'redis-outage' },
  );
  await redis.waitForLine(/Ready to accept connections/, 10_000);
  return redis;
}

/** The commands Redis connections have waiting in a client pause, by connection name ('' when unnamed). */
async function pausedCommands(url: string): Promise<Array<{ name: string; cmd: string }>> {
  const clients = String(await redisCommand(url, 'CLIENT', 'LIST')).split('\n');
  return clients
    .filter((entry) => / flags=b /.test(entry))
    .map((entry) => ({ name: / name=(\S*) /.exec(entry)?.[1] ?? '', cmd: / cmd=(\S+) /.exec(entry)?.[1] ?? '' }));
}

/** The command the node's (non-subscriber) Redis connection has waiting in a client pause, if any. */
async function pausedCommand(url: string, nodeId: string): Promise<string | undefined> {
  return (await pausedCommands(url)).find((client) => client.name === `cg:${nodeId}`)?.cmd;
}

/** The sum of a metric's series on the node's /metrics (every label set whose line starts with `series`). */
async function metricOf(gateway: TestGateway, series: string): Promise<number> {
  const lines = (await (await fetch(gateway.httpUrl + '/metrics')).text()).split('\n');
  return lines
    .filter((line) => line.startsWith(series + ' ') || line.startsWith(series + '{'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describe('Redis outage', () => {
  let gateway: TestGateway | undefined;
  let redis: SpawnedProcess | undefined;
  let app: WebhookReceiver | undefined;
  afterEach(async () => {
    await gateway?.stop();
    await redis?.stop('SIGKILL');
    await app?.stop();
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
    await waitFor(async () => (await gateway!.api('GET', `/v1/channels/${clientId}`)).body.connected === false, {
      timeoutMs: 10_000,
      what: 'the closed socket to be released',
    });
    await waitFor(async () => (await pending()) === 0, { what: 'no detach left to retry' });
    expect(await gateway.send(clientId, 'after')).toBe('queued');
    const again = await TestSocket.open(gateway.wsUrl, token);
    expect(await again.waitForMessages(1)).toEqual(['after']);
    expect(await gateway.send(clientId, 'live again')).toBe('routed');
    expect(await again.waitForMessages(2)).toEqual(['after', 'live again']);
    again.close();
  });

  it('retries the release of a socket that left during its attach until Redis answers, then reports it disconnected', async () => {
    const port = await getFreePort();
    const url = `redis://127.0.0.1:${port}`;
    const dir = mkdtempSync(join(tmpdir(), 'cg-redis-attach-'));
    redis = await startOwnRedis(port, dir);
    app = await WebhookReceiver.start('a-webhook-secret-of-some-length');
    gateway = await startTestGateway('redis', {
      redisUrl: url,
      webhooks: { url: app.url, secret: 'a-webhook-secret-of-some-length', maxAgeMs: 60_000, timeoutMs: 2_000, concurrency: 4, maxBacklog: 1_000 },
      presence: { graceMs: 300, heartbeatIntervalMs: 5_000, nodeTimeoutMs: 30_000 },
    });
    const nodeId = gateway.node.config.nodeId;

    // Writes are paused, so the token lookup (a read) answers but the attach waits in Redis; the socket
    // leaves meanwhile (polled every 10 ms: the attach must not reach a Redis command timeout). A background write of the node's can get paused before the lookup: then try again.
    let clientId = '';
    for (let attempt = 1; !clientId; attempt++) {
      const created = await gateway.createChannel();
      expect(await redisCommand(url, 'CLIENT', 'PAUSE', '10000', 'WRITE')).toBe('OK');
      const socket = await TestSocket.connect(gateway.wsUrl);
      socket.send({ type: 'hello', token: created.token });
      const paused = await waitFor(() => pausedCommand(url, nodeId), { intervalMs: 10, what: 'a paused command of the node' });
      if (paused !== 'sadd' && attempt < 5) {
        expect(await redisCommand(url, 'CLIENT', 'UNPAUSE')).toBe('OK');
        await socket.waitForFrame((frame) => frame.type === 'open');
        socket.close();
        continue;
      }
      expect(paused).toBe('sadd'); // the client index, then the attach, wait behind it
      const closes = await metricOf(gateway, 'cg_socket_closes_total');
      socket.close();
      await waitFor(async () => (await metricOf(gateway!, 'cg_socket_closes_total')) > closes, { intervalMs: 10, what: 'the node to see the socket leave' });
      // Queued behind the attach: once it has run, pause everything, so the release cannot get through.
      const behind = redisCommands(url, [
        ['SET', 'behind-the-attach', '1'],
        ['CLIENT', 'PAUSE', '10000', 'ALL'],
      ]);
      await waitFor(async () => (await pausedCommands(url)).some((client) => client.name === '' && client.cmd === 'set'), {
        intervalMs: 10,
        what: 'the pipeline to queue',
      });
      expect(await redisCommand(url, 'CLIENT', 'UNPAUSE')).toBe('OK');
      expect(await behind).toEqual(['OK', 'OK']);
      clientId = created.clientId;
    }
    // Redis goes away with the release unsent or in flight.
    await redis.stop('SIGKILL');
    await waitFor(async () => (await metricOf(gateway!, 'cg_detaches_pending')) === 1, {
      timeoutMs: 10_000,
      what: 'the failed release to be queued for retry',
    });

    redis = await startOwnRedis(port, dir);
    await waitFor(async () => (await metricOf(gateway!, 'cg_detaches_pending')) === 0, { timeoutMs: 15_000, what: 'the release to be retried' });
    expect((await gateway.api('GET', `/v1/channels/${clientId}`)).body.connected).toBe(false);
    await app.waitFor(() => app!.events(clientId).includes(`disconnected ${clientId}`), 15_000, 'the disconnected webhook');
    expect(app.events(clientId)).toEqual([`connected ${clientId}`, `disconnected ${clientId}`]);
  }, 60_000);
});
