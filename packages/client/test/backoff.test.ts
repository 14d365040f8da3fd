import { describe, expect, it } from 'vitest';
import { AppLog } from './helpers/app-log.js';
import { channelFor, startGateway } from './helpers/harness.js';
import { ManualClock, type ManualTimer } from './helpers/manual-clock.js';
import type { ScriptedGateway } from './helpers/scripted-gateway.js';

const RESET_MS = 77_777;
const PING_MS = 66_666;
const REPLY_MS = 55_555;
/** The clock also holds the stability and heartbeat timers; each has its own distinctive delay. */
const isRetry = (timer: ManualTimer): boolean => ![RESET_MS, PING_MS, REPLY_MS].includes(timer.ms);

/** Random values that sweep the whole [0, 1) range, so delays are checked at both ends of each window. */
function cyclingRandom(values: number[]): () => number {
  let index = 0;
  return () => values[index++ % values.length]!;
}

describe('full-jitter backoff', () => {
  async function setup(randomValues: number[]) {
    const gateway = await startGateway();
    const clock = new ManualClock();
    const log = new AppLog();
    const { channel } = channelFor(gateway, {
      random: cyclingRandom(randomValues),
      backoff: { baseMs: 100, capMs: 1_000, resetAfterMs: RESET_MS },
      heartbeatIntervalMs: PING_MS,
      heartbeatTimeoutMs: REPLY_MS,
      setTimeout: clock.setTimeout,
      clearTimeout: clock.clearTimeout,
    });
    channel.open(log.handlers());
    return { gateway, clock, log };
  }

  /** The gateway drops the current socket (after accepting it when `accept`); returns the delay chosen for the retry. */
  async function dropAndReadDelay(gateway: ScriptedGateway, clock: ManualClock, accept = false): Promise<number> {
    const server = await gateway.nextSocket();
    await server.hello;
    if (accept) server.open();
    server.terminate();
    const retry = await clock.timer(isRetry);
    clock.fire(retry);
    return retry.ms;
  }

  it('waits random × min(cap, base × 2^attempt)', async () => {
    const randoms = [0.5, 0.999, 0, 0.25];
    const { gateway, clock } = await setup(randoms);
    const delays: number[] = [];
    for (let attempt = 0; attempt < 8; attempt++) delays.push(await dropAndReadDelay(gateway, clock));
    const windows = [100, 200, 400, 800, 1_000, 1_000, 1_000, 1_000];
    expect(delays).toEqual(windows.map((window, i) => randoms[i % randoms.length]! * window));
    delays.forEach((delay, i) => {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(windows[i]!);
    });
  });

  it('starts from the base window again once a socket stayed open for resetAfterMs', async () => {
    const { gateway, clock } = await setup([1]);
    expect(await dropAndReadDelay(gateway, clock)).toBe(100);
    expect(await dropAndReadDelay(gateway, clock)).toBe(200);
    // Accepted but dropped before it proved stable: the window keeps growing.
    expect(await dropAndReadDelay(gateway, clock, true)).toBe(400);

    const stable = await gateway.nextSocket();
    await stable.hello;
    stable.open();
    const reset = await clock.timer((timer) => timer.ms === RESET_MS);
    clock.fire(reset);
    stable.terminate();
    const retry = await clock.timer(isRetry);
    expect(retry.ms).toBe(100);
  });
});
