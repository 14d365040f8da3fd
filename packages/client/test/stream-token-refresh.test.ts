import { describe, expect, it } from 'vitest';
import { refreshMargin } from '../src/token-refresh.js';
import { AppLog } from './helpers/app-log.js';
import { startStreamGateway, streamChannelFor } from './helpers/harness.js';
import { MovingClock, type ManualTimer } from './helpers/manual-clock.js';
import type { ScriptedStreamGateway } from './helpers/scripted-stream-gateway.js';

/** Far from this machine's clock on purpose: the client must go by the gateway's. */
const SERVER_NOW = 1_000_000_000_000;
const RESET_MS = 99_000;

const refreshTimer = (lifetimeMs: number) => (timer: ManualTimer) => timer.ms === lifetimeMs - refreshMargin(lifetimeMs);

/** A stream-only socket whose getToken issues token-2, token-3… (listed in `issued`), open and due for its first refresh. */
async function openAndDue(gateway: ScriptedStreamGateway, issued: string[]) {
  const clock = new MovingClock();
  const log = new AppLog();
  const socket = streamChannelFor(
    gateway,
    {
      backoff: { resetAfterMs: RESET_MS },
      setTimeout: clock.setTimeout,
      clearTimeout: clock.clearTimeout,
      now: clock.now,
      getToken: async () => {
        const token = `token-${issued.length + 2}`;
        issued.push(token);
        return token;
      },
    },
    'token-1',
  ).open(log.handlers());
  const stream = await gateway.nextStream();
  stream.send({ type: 'open', clientId: 'client-1', epoch: 'e1', expiresAt: SERVER_NOW + 100_000, connectionId: 'stream.7', serverTime: SERVER_NOW });
  await log.untilCount('open');
  clock.fire(await clock.timer(refreshTimer(100_000)));
  return { clock, log, socket, stream };
}

describe('token refresh on a stream (getToken)', () => {
  it('POSTs /v1/refresh with the token and the connectionId as text/plain; the new token is the next hello', async () => {
    const gateway = await startStreamGateway();
    const issued: string[] = [];
    const { clock, log, stream } = await openAndDue(gateway, issued);

    const refresh = await gateway.nextRefresh();
    expect(refresh.body).toEqual({ token: 'token-2', connectionId: 'stream.7' });
    expect(refresh.request.headers['content-type']).toBe('text/plain;charset=UTF-8');
    // The gateway's clock moved on as this machine's did (90 s): the new token has 200 s left.
    refresh.answer(200, { expiresAt: SERVER_NOW + 90_000 + 200_000 });
    await clock.timer(refreshTimer(200_000));
    // The frame the gateway also writes on the stream changes nothing more.
    stream.send({ type: 'refreshed', expiresAt: SERVER_NOW + 290_000 });
    stream.msg(1, 'after the refresh');
    await log.untilCount('message');

    stream.end();
    clock.fire(await clock.timer((timer) => timer.ms === 0));
    const again = await gateway.nextStream();
    expect(again.hello).toEqual({ type: 'hello', token: 'token-2', resume: { epoch: 'e1', seq: 1 } });
    expect(log.types()).toEqual(['open', 'message']);
  });

  it('409 not_owner is a refusal: a fresh token is tried; the refused one is never said hello with', async () => {
    const gateway = await startStreamGateway();
    const issued: string[] = [];
    const { clock, log, stream } = await openAndDue(gateway, issued);
    (await gateway.nextRefresh()).answer(409, { error: { code: 'not_owner', message: 'not this connection' } });
    clock.fire(await clock.timer((timer) => timer.ms === 1_000)); // the first retry
    const second = await gateway.nextRefresh();
    expect(second.body).toEqual({ token: 'token-3', connectionId: 'stream.7' });
    second.answer(503, { error: { code: 'unavailable', message: 'try again' } });
    await clock.timer((timer) => timer.ms === 2_000); // failed too: the next retry waits longer

    stream.destroy();
    clock.fire(await clock.timer((timer) => timer.ms === 0));
    expect((await gateway.nextStream()).hello.token).toBe('token-1');
    expect(log.types()).toEqual(['open']);
  });
});
