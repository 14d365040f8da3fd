import { describe, expect, it } from 'vitest';
import { refreshMargin } from '../src/token-refresh.js';
import { AppLog } from './helpers/app-log.js';
import { channelFor, startGateway, startStreamGateway, streamChannelFor } from './helpers/harness.js';
import { MovingClock, type ManualTimer } from './helpers/manual-clock.js';

const SERVER_NOW = 1_000_000_000_000;
const LIFETIME_MS = 100_000;
const isRefresh = (timer: ManualTimer) => timer.ms === LIFETIME_MS - refreshMargin(LIFETIME_MS);
/** A try gives up after half the time left (the 10 s margin). */
const isGiveUp = (timer: ManualTimer) => timer.ms === refreshMargin(LIFETIME_MS) / 2;
const isNextRefresh = (timer: ManualTimer) => timer.ms === 200_000 - refreshMargin(200_000);

function options(clock: MovingClock) {
  return {
    heartbeatIntervalMs: 0,
    backoff: { resetAfterMs: 99_000 },
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
    now: clock.now,
    getToken: async () => 'second-token',
  };
}

const open = { type: 'open', clientId: 'client-1', epoch: 'e1', expiresAt: SERVER_NOW + LIFETIME_MS, connectionId: 'c.1', serverTime: SERVER_NOW } as const;

describe('a refresh accepted after the client stopped waiting for it', () => {
  it('on a WebSocket: the late refreshed frame still makes the new token the one to say hello with', async () => {
    const gateway = await startGateway();
    const clock = new MovingClock();
    const log = new AppLog();
    channelFor(gateway, options(clock), 'first-token').channel.open(log.handlers());
    const server = await gateway.nextSocket();
    await server.hello;
    server.send(open);
    await log.untilCount('open');
    clock.fire(await clock.timer(isRefresh));
    expect(await server.framesReceived(1)).toEqual([{ type: 'refresh', token: 'second-token' }]);
    clock.fire(await clock.timer(isGiveUp)); // the gateway is slow: this try counts as failed
    server.send({ type: 'refreshed', expiresAt: SERVER_NOW + 295_000, serverTime: SERVER_NOW + 95_000 });
    await clock.timer(isNextRefresh); // scheduled from the late answer: 200 s left
    server.terminate();
    clock.fire(await clock.timer((timer) => timer.ms === 0));
    expect((await (await gateway.nextSocket()).hello).token).toBe('second-token');
  });

  it('on a stream: the late 200 of POST /v1/refresh does the same', async () => {
    const gateway = await startStreamGateway();
    const clock = new MovingClock();
    const log = new AppLog();
    streamChannelFor(gateway, options(clock), 'first-token').open(log.handlers());
    const stream = await gateway.nextStream();
    stream.send(open);
    await log.untilCount('open');
    clock.fire(await clock.timer(isRefresh));
    const refresh = await gateway.nextRefresh();
    clock.fire(await clock.timer(isGiveUp));
    // 95 s have passed on both clocks (the refresh was due at 90 s, given up 5 s later): 200 s from now.
    refresh.answer(200, { expiresAt: SERVER_NOW + 95_000 + 200_000 });
    await clock.timer(isNextRefresh);
    stream.end();
    clock.fire(await clock.timer((timer) => timer.ms === 0));
    expect((await gateway.nextStream()).hello.token).toBe('second-token');
  });
});
