/**
 * Redis behind Sentinel: a gateway process that finds its master through a real redis-sentinel keeps
 * working across a failover (SENTINEL FAILOVER promotes the replica): sends are accepted again, /readyz
 * recovers, and a client gets what was sent after the failover, live or by resuming.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisKeys } from '@channel-gateway/protocol';
import {
  gatewayApi,
  redisCommand,
  redisUrlAt as url,
  startGatewayProcess,
  startSentinelRedis,
  uniqueKeyPrefix,
  waitFor,
  type GatewayHandle,
  type SentinelRedis,
} from '../support/index.js';
import { TestSocket } from '../../packages/gateway/test/support/test-socket.js';

const API_KEY = 'sentinel-failover-key';

/** The replication offset a server has processed (master and replica both report it). */
async function replicationOffset(port: number): Promise<number> {
  const info = String(await redisCommand(url(port), 'INFO', 'replication'));
  return Number(/master_repl_offset:(\d+)/.exec(info)?.[1] ?? -1);
}

describe('Redis through Sentinel', () => {
  let redis: SentinelRedis;
  let masterPort: number;
  let replicaPort: number;
  let sentinelPort: number;
  let masterName: string;
  let gateway: GatewayHandle;
  const keyPrefix = uniqueKeyPrefix();
  const keys = redisKeys(keyPrefix);
  /** The client's buffered messages, read straight from a Redis server. */
  const buffered = async (port: number) => ((await redisCommand(url(port), 'ZRANGE', keys.buffer('survivor'), '0', '-1')) as string[]).join('\n');
  const api = (method: string, path: string, body?: unknown) => gatewayApi(gateway.httpUrl, API_KEY)(method, path, body);

  beforeAll(async () => {
    redis = await startSentinelRedis();
    ({ masterPort, replicaPort, sentinelPort, masterName } = redis);
    gateway = await startGatewayProcess({
      apiKey: API_KEY,
      redisUrl: null,
      keyPrefix,
      env: { CG_REDIS_SENTINELS: `127.0.0.1:${sentinelPort}`, CG_REDIS_SENTINEL_MASTER: masterName },
    });
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await redis?.stop();
  });

  it('keeps sending across a failover, and the client gets what was sent after it', async () => {
    const created = await api('POST', '/v1/channels', { clientId: 'survivor' });
    expect(created.status).toBe(201);
    let socket = await TestSocket.open(gateway.wsUrl, created.body.token);
    expect((await api('POST', '/v1/channels/survivor/messages', { message: 'before' })).body.status).toBe('routed');
    expect(await socket.waitForMessages(1)).toEqual(['before']);
    expect(await buffered(masterPort)).toContain('before'); // the node really writes to the master Sentinel named
    // Replication is asynchronous: fail over only once the replica has everything (channel, token, buffer).
    const written = await replicationOffset(masterPort);
    await waitFor(async () => (await replicationOffset(replicaPort)) >= written, { timeoutMs: 10_000, what: 'the replica to catch up' });

    expect(await redisCommand(url(sentinelPort), 'SENTINEL', 'FAILOVER', masterName)).toBe('OK');
    await waitFor(
      async () => ((await redisCommand(url(sentinelPort), 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName)) as string[])[1] === String(replicaPort),
      {
        timeoutMs: 20_000,
        what: 'the sentinel to name the replica as master',
      },
    );
    // Until the sentinel has also demoted the old master it still takes writes, which its resync to the new
    // master then drops: the window in which asynchronous replication can lose acknowledged writes
    // (README, "Limits and guarantees"). The test sends after it.
    await waitFor(async () => /role:slave/.test(String(await redisCommand(url(masterPort), 'INFO', 'replication'))), {
      timeoutMs: 20_000,
      what: 'the old master to be demoted',
    });

    // Sends may fail (503) while the node moves to the new master; each attempt has its own text.
    const demotedAt = Date.now();
    let attempt = 0;
    const accepted = await waitFor(
      async () => {
        const text = `after-${++attempt}`;
        const answer = await api('POST', '/v1/channels/survivor/messages', { message: text });
        return answer.status === 202 ? text : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200, what: 'a send to be accepted after the failover' },
    );
    const acceptedAt = Date.now();
    await waitFor(async () => (await fetch(`${gateway.httpUrl}/readyz`)).status === 200, { timeoutMs: 20_000, what: '/readyz after the failover' });
    expect(await buffered(replicaPort)).toContain(accepted); // written to the promoted replica

    // Live, or (if the node told the socket to resync when its subscription moved) by resuming.
    let resumed = false;
    for (let round = 0; round < 3 && !socket.messages().includes(accepted); round++) {
      const outcome = await Promise.race([
        socket.waitForFrame(() => socket.messages().includes(accepted), 10_000).then(() => 'received'),
        socket.closed.then(() => 'closed'),
      ]);
      if (outcome === 'closed') {
        socket = await TestSocket.open(gateway.wsUrl, created.body.token, socket.position());
        resumed = true;
      }
    }
    expect(socket.messages()).toContain(accepted);
    console.log(
      `sentinel failover: a send was accepted ${acceptedAt - demotedAt} ms after the old master was demoted (attempt ${attempt}); the client ${resumed ? 'resumed' : 'stayed connected'}`,
    );
    socket.close();
  }, 90_000);
});
