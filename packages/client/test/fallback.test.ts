import { describe, expect, it } from 'vitest';
import { Channel, CloseCode } from '../src/index.js';
import { AppLog } from './helpers/app-log.js';
import { channelFor, startGateway, startStreamGateway, streamChannelFor } from './helpers/harness.js';
import { ManualClock } from './helpers/manual-clock.js';

const BOTH = ['websocket', 'stream'] as const;

describe('fallback from a WebSocket to a stream', () => {
  it('a refused upgrade: the next attempt is a stream, at once (no backoff), and the app sees one onopen', async () => {
    const gateway = await startStreamGateway('refuse');
    const clock = new ManualClock();
    const log = new AppLog();
    const socket = streamChannelFor(gateway, { transports: BOTH, setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout }).open(log.handlers());
    // No timer is fired: a backoff delay would leave the stream unrequested.
    const stream = await gateway.nextStream();
    expect(gateway.upgrades).toBe(1);
    expect(stream.hello).toEqual({ type: 'hello', token: 'tok-1' });
    stream.open('e1');
    stream.msg(1, 'over the stream');
    await log.untilCount('message');
    expect(log.types()).toEqual(['open', 'message']);
    expect(socket.transport).toBe('stream');
    expect(socket.state).toBe('open');
    expect(socket.lastDrop?.code).toBe(CloseCode.ABNORMAL);
  });

  it('an upgrade left unanswered: a stream after fallbackTimeoutMs', async () => {
    const gateway = await startStreamGateway('hang');
    const clock = new ManualClock();
    const log = new AppLog();
    streamChannelFor(gateway, { transports: BOTH, fallbackTimeoutMs: 3_210, setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout }).open(
      log.handlers(),
    );
    const bound = await clock.timer((timer) => timer.ms === 3_210);
    await gateway.untilUpgrades(1);
    expect(gateway.streams).toBe(0);
    clock.fire(bound);
    const stream = await gateway.nextStream();
    stream.open();
    await log.untilCount('open');
    expect(log.types()).toEqual(['open']);
  });

  it('a WebSocket the gateway itself closes before open (4007 RATE_LIMITED) is retried as a WebSocket, with backoff', async () => {
    const gateway = await startGateway();
    const clock = new ManualClock();
    const log = new AppLog();
    const { channel } = channelFor(gateway, {
      transports: BOTH,
      random: () => 1,
      backoff: { baseMs: 432 },
      setTimeout: clock.setTimeout,
      clearTimeout: clock.clearTimeout,
    });
    const socket = channel.open(log.handlers());
    const first = await gateway.nextSocket();
    await first.hello;
    first.close(CloseCode.RATE_LIMITED);
    clock.fire(await clock.timer((timer) => timer.ms === 432));
    const second = await gateway.nextSocket();
    await second.hello;
    second.open();
    await log.untilCount('open');
    expect(socket.transport).toBe('websocket');
  });

  it('neither gets through: after the stream fails too, it retries the stream with backoff, telling the app nothing', async () => {
    const gateway = await startStreamGateway('refuse');
    const clock = new ManualClock();
    const log = new AppLog();
    const socket = streamChannelFor(gateway, {
      transports: BOTH,
      random: () => 1,
      backoff: { baseMs: 321 },
      setTimeout: clock.setTimeout,
      clearTimeout: clock.clearTimeout,
    }).open(log.handlers());
    (await gateway.nextStream()).refuse(503);
    clock.fire(await clock.timer((timer) => timer.ms === 321));
    const second = await gateway.nextStream();
    expect(gateway.upgrades).toBe(1); // still on the stream: the way back to a WebSocket starts once it is open
    second.open();
    await log.untilCount('open');
    expect(log.types()).toEqual(['open']);
    expect(socket.transport).toBe('stream');
  });

  it('a WebSocket that fell back once (after open) falls back again when the upgrade starts failing', async () => {
    const wsGateway = await startGateway();
    const streamGateway = await startStreamGateway('refuse');
    const log = new AppLog();
    const { channel } = channelFor(wsGateway, { transports: BOTH, streamUrl: streamGateway.streamUrl });
    const socket = channel.open(log.handlers());
    const first = await wsGateway.nextSocket();
    await first.hello;
    first.open('e1');
    first.msg(1, 'a');
    await log.untilCount('message');
    await wsGateway.stop(); // drops the WebSocket; from now on its port refuses connections
    const stream = await streamGateway.nextStream();
    expect(stream.hello.resume).toEqual({ epoch: 'e1', seq: 1 });
    stream.open('e1');
    stream.msg(2, 'b');
    await log.untilCount('message', 2);
    expect(log.types()).toEqual(['open', 'message', 'message']);
    expect(socket.transport).toBe('stream');
  });

  it('refuses a transports list that names something else, or nothing', () => {
    const url = 'ws://127.0.0.1:9/v1/socket';
    expect(() => new Channel('t', { url, transports: [] })).toThrow(/transports/);
    expect(() => new Channel('t', { url, transports: ['polling' as never] })).toThrow(/transports/);
  });
});
