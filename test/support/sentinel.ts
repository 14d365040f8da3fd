/**
 * Redis behind Sentinel for tests: a master, a replica of it and one redis-sentinel watching them, each a
 * redis-server process on a free loopback port. Resolves once the sentinel knows the replica (without it,
 * SENTINEL FAILOVER has nothing to promote).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getFreePort } from './free-port.js';
import { spawnProcess, type SpawnedProcess } from './processes.js';
import { findRedisServer } from './redis.js';

export interface SentinelRedis {
  /** The name the sentinel monitors the master under (CG_REDIS_SENTINEL_MASTER). */
  masterName: string;
  masterPort: number;
  replicaPort: number;
  sentinelPort: number;
  stop(): Promise<void>;
}

export const redisUrlAt = (port: number) => `redis://127.0.0.1:${port}`;

async function startServer(port: number, extra: string[] = []): Promise<SpawnedProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'cg-sentinel-data-'));
  const server = spawnProcess(findRedisServer(), ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extra], {
    name: `redis ${port}`,
  });
  await server.waitForLine(/Ready to accept connections/, 10_000);
  return server;
}

export async function startSentinelRedis(masterName = 'cgmaster'): Promise<SentinelRedis> {
  const processes: SpawnedProcess[] = [];
  const stop = async () => {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
  };
  try {
    const [masterPort, replicaPort, sentinelPort] = await Promise.all([getFreePort(), getFreePort(), getFreePort()]);
    processes.push(await startServer(masterPort));
    const replica = await startServer(replicaPort, ['--replicaof', '127.0.0.1', String(masterPort)]);
    processes.push(replica);
    await replica.waitForLine(/MASTER <-> REPLICA sync: Finished with success/, 10_000);

    const dir = mkdtempSync(join(tmpdir(), 'cg-sentinel-'));
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${sentinelPort}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} 1`,
        `sentinel down-after-milliseconds ${masterName} 1000`,
        `sentinel failover-timeout ${masterName} 5000`,
      ].join('\n') + '\n',
    );
    const sentinel = spawnProcess(findRedisServer(), [conf, '--sentinel'], { name: 'sentinel' });
    processes.push(sentinel);
    await sentinel.waitForLine(/\+slave slave/, 20_000);
    return { masterName, masterPort, replicaPort, sentinelPort, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
