import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { Channel, CloseCode, Socket } from '../src/index.js';
import { AppLog } from './helpers/app-log.js';
import { channelFor, startGateway, TrackedWebSocket } from './helpers/harness.js';
import { ManualClock } from './helpers/manual-clock.js';

describe('reconnection', () => {
  it('after a network drop, resumes from the last seq seen, with no onclose and no second onopen', async () => {
    const gateway = await startGateway();
    const log = new AppLog();
    const socket = channelFor(gateway).channel.open(log.handlers());
    const first = await gateway.nextSocket();
    await first.hello;
    first.open('e1');
    first.msg(1, 'a');
    first.msg(2, 'b');
    await log.untilCount('message', 2);
    first.terminate();

    const second = await gateway.nextSocket();
    expect(await second.hello).toEqual({ type: 'hello', token: 'tok-1', resume: { epoch: 'e1', seq: 2 } });
    second.open('e1');
    second.msg(3, 'c');
    await log.untilCount('message', 3);
    expect(log.types()).toEqual(['open', 'message', 'message', 'message']);
    expect(socket.readyState).toBe(Socket.ReadyState.OPEN);
  });

  it('resumes from the open position when no message arrived yet', async () => {
    const gateway = await startGateway();
    const log = new AppLog();
    channelFor(gateway).channel.open(log.handlers());
    const first = await gateway.nextSocket();
    await first.hello;
    first.open('e7');
    await log.untilCount('open');
    first.terminate();
    const second = await gateway.nextSocket();
    expect((await second.hello).resume).toEqual({ epoch: 'e7', seq: 0 });
  });

  it('on 4009 DRAINING reconnects within 0–1 s regardless of backoff, and resumes', async () => {
    const gateway = await startGateway();
    const clock = new ManualClock();
    const log = new AppLog();
    const { channel } = channelFor(gateway, {
      random: () => 0.5,
      backoff: { baseMs: 20_000, capMs: 60_000, resetAfterMs: 99_000 },
      heartbeatIntervalMs: 88_000,
      heartbeatTimeoutMs: 77_000,
      setTimeout: clock.setTimeout,
      clearTimeout: clock.clearTimeout,
    });
    channel.open(log.handlers());
    const first = await gateway.nextSocket();
    await first.hello;
    first.open('e1');
    first.msg(5, 'before drain');
    await log.untilCount('message');
    first.close(CloseCode.DRAINING);

    // Not the stability timer nor a heartbeat timer.
    const retry = await clock.timer((timer) => ![99_000, 88_000, 77_000].includes(timer.ms));
    expect(retry.ms).toBe(500); // 0.5 × the 1 s drain window, not 0.5 × 20 s
    clock.fire(retry);
    const second = await gateway.nextSocket();
    expect((await second.hello).resume).toEqual({ epoch: 'e1', seq: 5 });
    expect(log.types()).toEqual(['open', 'message']);
  });

  it('after a new epoch, delivers messages numbered from 1 again and reports the gap', async () => {
    const gateway = await startGateway();
    const log = new AppLog();
    channelFor(gateway).channel.open(log.handlers());
    const first = await gateway.nextSocket();
    await first.hello;
    first.open('e1');
    first.msg(3, 'old');
    await log.untilCount('message');
    first.terminate();

    const second = await gateway.nextSocket();
    await second.hello;
    second.open('e2');
    second.send({ type: 'gap', reason: 'epoch' });
    second.msg(1, 'new');
    await log.untilCount('message', 2);
    expect(log.events).toEqual([
      { type: 'open' },
      { type: 'message', data: 'old' },
      { type: 'gap', gap: { reason: 'epoch' } },
      { type: 'message', data: 'new' },
    ]);
  });

  it('trusts the epoch in open even without a gap frame', async () => {
    const gateway = await startGateway();
    const log = new AppLog();
    channelFor(gateway).channel.open(log.handlers());
    const first = await gateway.nextSocket();
    await first.hello;
    first.open('e1');
    first.msg(9, 'old');
    await log.untilCount('message');
    first.terminate();

    const second = await gateway.nextSocket();
    await second.hello;
    second.open('e2');
    second.msg(1, 'new');
    await log.untilCount('message', 2);
    expect(log.messages()).toEqual(['old', 'new']);
  });

  it('retries with backoff when the gateway cannot be reached, without telling the app', async () => {
    const probe = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(probe, 'listening');
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const clock = new ManualClock();
    const clients: TrackedWebSocket[] = [];
    class Client extends TrackedWebSocket {
      constructor(url: string) {
        super(url);
        clients.push(this);
      }
    }
    const log = new AppLog();
    const socket = new Channel('tok-1', {
      url: `ws://127.0.0.1:${port}/v1/socket`,
      WebSocket: Client,
      // A WebSocket alone: the fallback to a stream is tested in fallback.test.ts.
      transports: ['websocket'],
      random: () => 1,
      backoff: { baseMs: 100 },
      setTimeout: clock.setTimeout,
      clearTimeout: clock.clearTimeout,
    }).open(log.handlers());
    try {
      expect(await clients[0]!.closed).toBe(1006);
      const first = await clock.timer();
      expect(first.ms).toBe(100);
      clock.fire(first);
      expect(await clients[1]!.closed).toBe(1006);
      expect((await clock.timer()).ms).toBe(200);
      expect(log.events).toEqual([]);
      expect(socket.readyState).toBe(Socket.ReadyState.CONNECTING);
    } finally {
      socket.close();
    }
  });
});
