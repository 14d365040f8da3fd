import { describe, expect, it } from 'vitest';
import type { ChannelOptions } from '../src/index.js';
import { REFRESH_ATTEMPTS, refreshMargin } from '../src/token-refresh.js';
import { AppLog } from './helpers/app-log.js';
import { channelFor, startGateway } from './helpers/harness.js';
import { MovingClock, type ManualTimer } from './helpers/manual-clock.js';
import type { GatewaySocket, ScriptedGateway } from './helpers/scripted-gateway.js';

const RESET_MS = 99_000;
/** Far from this machine's clock on purpose: the client must go by the gateway's. */
const SERVER_NOW = 1_000_000_000_000;

/** A getToken the test answers by hand: each call waits for the test to resolve or reject it. */
class TokenSource {
  readonly calls: Array<{ resolve(token: string): void; reject(error: Error): void }> = [];
  private waiters: Array<() => void> = [];
  readonly getToken = (): Promise<string> =>
    new Promise((resolve, reject) => {
      this.calls.push({ resolve, reject });
      for (const wake of this.waiters.splice(0)) wake();
    });
  async call(count: number): Promise<TokenSource['calls'][number]> {
    while (this.calls.length < count) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.calls[count - 1]!;
  }
}

function setup(gateway: ScriptedGateway, options: ChannelOptions = {}) {
  const clock = new MovingClock();
  const log = new AppLog();
  const tokens = new TokenSource();
  const { channel } = channelFor(
    gateway,
    {
      heartbeatIntervalMs: 0,
      backoff: { resetAfterMs: RESET_MS },
      setTimeout: clock.setTimeout,
      clearTimeout: clock.clearTimeout,
      now: clock.now,
      getToken: tokens.getToken,
      ...options,
    },
    'first-token',
  );
  const socket = channel.open(log.handlers());
  return { clock, log, tokens, socket };
}

function openWith(server: GatewaySocket, lifetimeMs: number, epoch = 'e1'): void {
  server.send({ type: 'open', clientId: 'client-1', epoch, expiresAt: SERVER_NOW + lifetimeMs, connectionId: 'c.1', serverTime: SERVER_NOW });
}

/** A socket opened with a token living `lifetimeMs`, up to the moment its refresh timer fires. */
async function openedUntilRefresh(lifetimeMs: number, options: ChannelOptions = {}) {
  const gateway = await startGateway();
  const opened = setup(gateway, options);
  const server = await gateway.nextSocket();
  await server.hello;
  openWith(server, lifetimeMs);
  await opened.log.untilCount('open');
  opened.clock.fire(await opened.clock.timer(refreshTimer(lifetimeMs)));
  return { ...opened, gateway, server };
}

/** Polls a condition that no event announces (the client handling a frame), for at most 2 s. */
async function until(condition: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 2_000; !condition();) {
    if (Date.now() > deadline) throw new Error('condition not met within 2 s');
    await new Promise<void>((resolve) => setTimeout(resolve, 5));
  }
}

const refreshTimer = (lifetimeMs: number) => (timer: ManualTimer) => timer.ms === lifetimeMs - refreshMargin(lifetimeMs);

describe('token refresh (getToken)', () => {
  it('takes a tenth of the lifetime as margin, a minute at most', () => {
    expect([refreshMargin(60_000), refreshMargin(600_000), refreshMargin(2 * 3_600_000)]).toEqual([6_000, 60_000, 60_000]);
  });

  it('refreshes before expiry on the gateway’s clock, hands the token over on the live socket, and says hello with it after a drop', async () => {
    const { clock, log, tokens, gateway, server: first } = await openedUntilRefresh(100_000); // 90 s after open, whatever this machine's clock says

    (await tokens.call(1)).resolve('second-token');
    expect(await first.framesReceived(1)).toEqual([{ type: 'refresh', token: 'second-token' }]);
    first.send({ type: 'refreshed', expiresAt: SERVER_NOW + 300_000, serverTime: SERVER_NOW + 100_000 });
    await clock.timer(refreshTimer(200_000)); // the next refresh, for the new token's lifetime
    expect(clock.pending.filter(refreshTimer(100_000))).toEqual([]);

    first.terminate();
    clock.fire(await clock.timer((timer) => timer.ms < 1_000)); // the reconnect (jitter 0)
    const second = await gateway.nextSocket();
    expect(await second.hello).toEqual({ type: 'hello', token: 'second-token', resume: { epoch: 'e1', seq: 0 } });
    expect(log.types()).toEqual(['open']);
  });

  it('retries a failing getToken a bounded number of times within the time left, then leaves the expiry to the gateway', async () => {
    const { clock, log, tokens, server } = await openedUntilRefresh(60_000);

    const retryDelays: number[] = [];
    for (let attempt = 1; attempt <= REFRESH_ATTEMPTS; attempt++) {
      (await tokens.call(attempt)).reject(new Error('the app is down'));
      if (attempt === REFRESH_ATTEMPTS) break;
      // Once the failed try has settled (its own time limit cleared), the only other timer is the retry.
      await new Promise((resolve) => setImmediate(resolve));
      const retry = await clock.timer((timer) => timer.ms !== RESET_MS);
      retryDelays.push(retry.ms);
      clock.fire(retry);
    }
    // Each retry waits longer, and all of them fit in the 6 s margin.
    expect(retryDelays).toHaveLength(REFRESH_ATTEMPTS - 1);
    expect(retryDelays.reduce((sum, ms) => sum + ms, 0)).toBeLessThan(refreshMargin(60_000));
    expect([...retryDelays].sort((x, y) => x - y)).toEqual(retryDelays);
    await new Promise((resolve) => setImmediate(resolve));
    expect(tokens.calls).toHaveLength(REFRESH_ATTEMPTS);
    expect(clock.pending.map((timer) => timer.ms)).toEqual([RESET_MS]); // nothing more is scheduled
    expect(server.frames).toEqual([]);

    // The gateway closes at expiry, exactly as without getToken.
    server.close(4002);
    await log.untilCount('close');
    expect(log.events).toEqual([{ type: 'open' }, { type: 'error', code: 401, description: 'Token+timed+out.' }, { type: 'close' }]);
  });

  it('retries a refused token with a fresh one from getToken; the refused one is never used for a hello', async () => {
    const { clock, tokens, gateway, server: first } = await openedUntilRefresh(100_000);
    (await tokens.call(1)).resolve('token-for-someone-else');
    await first.framesReceived(1);
    first.send({ type: 'refresh-refused', reason: 'other_client' });

    clock.fire(await clock.timer((timer) => timer.ms === 1_000)); // the first retry
    (await tokens.call(2)).resolve('right-token');
    expect(await first.framesReceived(2)).toEqual([
      { type: 'refresh', token: 'token-for-someone-else' },
      { type: 'refresh', token: 'right-token' },
    ]);
    // The socket drops before the answer: the refresh failed, and the reconnect keeps the token it had.
    first.terminate();
    clock.fire(await clock.timer((timer) => timer.ms < 1_000));
    const second = await gateway.nextSocket();
    expect((await second.hello).token).toBe('first-token');
    // Its open reschedules the refresh from the time left.
    openWith(second, 5_000);
    await clock.timer(refreshTimer(5_000));
  });

  it('gives up on a getToken that never answers after half the time left, and tries again', async () => {
    const { clock, tokens, server } = await openedUntilRefresh(60_000);
    await tokens.call(1); // never settled
    clock.fire(await clock.timer((timer) => timer.ms === refreshMargin(60_000) / 2));
    // 3 s left: the retry comes within a quarter of it (four tries at most in the time left).
    clock.fire(await clock.timer((timer) => timer.ms === 750));
    (await tokens.call(2)).resolve('second-token');
    expect(await server.framesReceived(1)).toEqual([{ type: 'refresh', token: 'second-token' }]);
  });

  it('counts a refresh that does not move the expiry on (the app handed back the token in use) as a failed try', async () => {
    const { clock, tokens, server } = await openedUntilRefresh(60_000);
    for (let attempt = 1; attempt <= REFRESH_ATTEMPTS; attempt++) {
      (await tokens.call(attempt)).resolve('first-token');
      await server.framesReceived(attempt);
      const timeLimit = clock.pending.find((timer) => timer.ms !== RESET_MS); // the try's own
      server.send({ type: 'refreshed', expiresAt: SERVER_NOW + 60_000, serverTime: SERVER_NOW + 54_000 });
      if (attempt === REFRESH_ATTEMPTS) break;
      clock.fire(await clock.timer((timer) => timer.ms !== RESET_MS && timer !== timeLimit)); // the retry
    }
    // Once the last answer is in, its try's time limit is cleared and no retry follows.
    await until(() => clock.pending.length === 1);
    expect(tokens.calls).toHaveLength(REFRESH_ATTEMPTS);
    expect(clock.pending.map((timer) => timer.ms)).toEqual([RESET_MS]);
  });

  it('without getToken, schedules nothing and sends nothing', async () => {
    const gateway = await startGateway();
    const { clock, log } = setup(gateway, { getToken: undefined });
    const server = await gateway.nextSocket();
    await server.hello;
    openWith(server, 1_000);
    await log.untilCount('open');
    expect(clock.pending.map((timer) => timer.ms)).toEqual([RESET_MS]);
  });

  it('refuses a getToken that is not a function when the channel is made', () => {
    expect(() => channelFor({ url: 'ws://127.0.0.1:1/v1/socket' } as ScriptedGateway, { getToken: 'token' as unknown as () => Promise<string> })).toThrow(
      TypeError,
    );
  });
});
