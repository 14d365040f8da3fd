/**
 * A gateway process started before its Redis (a compose file without depends_on, a Redis still booting):
 * the node listens but is not ready, says so in one log line without a stack trace, and becomes ready by
 * itself once Redis answers, with sockets and sends working as after any outage.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { gatewayApi, getFreePort, startGatewayProcess, startRedis, waitFor, type GatewayHandle, type RedisHandle } from '../../../test/support/index.js';
import { TestSocket } from './support/test-socket.js';

const API_KEY = 'redis-start-up-key-0123456789';
const STACK_FRAME = /^\s+at .+[(:]\d+/;

describe('Redis unreachable at start-up', () => {
  let gateway: GatewayHandle | undefined;
  let redis: RedisHandle | undefined;
  afterEach(async () => {
    await gateway?.stop();
    await redis?.stop();
  });

  it('starts not ready, logs one line without a stack trace, and recovers when Redis comes', async () => {
    const port = await getFreePort();
    gateway = await startGatewayProcess({ redisUrl: `redis://127.0.0.1:${port}`, apiKey: API_KEY });
    const api = gatewayApi(gateway.httpUrl, API_KEY);

    const readyz = await fetch(gateway.httpUrl + '/readyz');
    expect(readyz.status).toBe(503);
    expect(((await readyz.json()) as { reason: string }).reason).toBe('redis unreachable');
    expect((await fetch(gateway.httpUrl + '/healthz')).status).toBe(200);
    expect((await api('POST', '/v1/channels', { clientId: 'early' })).status).toBe(503);
    const START_UP_LINE = 'redis unavailable at start-up: not ready until it answers (retrying)';
    await gateway.waitForLog((entry) => entry.msg === START_UP_LINE, 5_000, 'the start-up line');
    // More reconnect attempts fail after that line (ioredis retries by itself): still one line.
    const errors = async () => Number((await (await fetch(gateway!.httpUrl + '/metrics')).text()).match(/^cg_redis_errors_total (\d+)/m)?.[1]);
    const seen = await errors();
    await waitFor(async () => (await errors()) >= seen + 3, { timeoutMs: 10_000, what: 'three more failed connection attempts' });
    const warnings = gateway.logEntries().filter((entry) => /redis/i.test(String(entry.msg)) && (entry.level ?? 0) >= 40);
    expect(warnings.map((entry) => entry.msg)).toEqual([START_UP_LINE]);
    expect(gateway.logs().filter((line) => STACK_FRAME.test(line))).toEqual([]);

    redis = await startRedis({ mode: 'spawned', port });
    await waitFor(async () => (await fetch(gateway!.httpUrl + '/readyz')).status === 200, { timeoutMs: 15_000, what: '/readyz to recover' });
    await gateway.waitForLog((entry) => entry.msg === 'redis healthy', 1_000, 'the recovery log line');

    const created = await api('POST', '/v1/channels', { clientId: 'alice' });
    expect(created.status).toBe(201);
    const socket = await TestSocket.open(gateway.wsUrl, created.body.token);
    const sent = await api('POST', '/v1/channels/alice/messages', { message: 'after the wait' });
    expect(sent.body).toEqual({ status: 'routed' });
    expect(await socket.waitForMessages(1)).toEqual(['after the wait']);
    socket.close();
    expect(gateway.process.exitInfo()).toBeUndefined();
    expect(gateway.logs().filter((line) => STACK_FRAME.test(line))).toEqual([]);
  });
});
