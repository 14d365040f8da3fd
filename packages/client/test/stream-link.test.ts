import { describe, expect, it } from 'vitest';
import { CloseCode, Socket } from '../src/index.js';
import { AppLog } from './helpers/app-log.js';
import { startStreamGateway, streamChannelFor } from './helpers/harness.js';
import { ManualClock } from './helpers/manual-clock.js';

describe('HTTP stream link', () => {
  it('POSTs the hello as text/plain to /v1/stream and delivers the frames of the event stream', async () => {
    const gateway = await startStreamGateway();
    const log = new AppLog();
    const socket = streamChannelFor(gateway, {}, 'secret-token').open(log.handlers());
    const stream = await gateway.nextStream();
    expect(stream.hello).toEqual({ type: 'hello', token: 'secret-token' });
    expect(stream.request.headers['content-type']).toBe('text/plain;charset=UTF-8');
    expect(stream.request.url).toBe('/v1/stream'); // the token is in the body only
    stream.open();
    stream.msg(1, 'a');
    // An event cut across writes, a heartbeat comment before its blank line, and JSON escapes.
    stream.raw('data: {"type":"msg","seq":2,');
    stream.raw('"data":"b \\n ✓"}\n');
    stream.heartbeat();
    await log.untilCount('message', 2);
    expect(log.events).toEqual([{ type: 'open' }, { type: 'message', data: 'a' }, { type: 'message', data: 'b \n ✓' }]);
    expect(socket.transport).toBe('stream');
    expect(socket.readyState).toBe(Socket.ReadyState.OPEN);
    expect(gateway.upgrades).toBe(0); // transports: ['stream'] never tries a WebSocket
  });

  it('a close frame gives the close code: 4001 is onerror Invalid+token then onclose, and no retry', async () => {
    const gateway = await startStreamGateway();
    const log = new AppLog();
    streamChannelFor(gateway).open(log.handlers());
    const stream = await gateway.nextStream();
    stream.close(CloseCode.INVALID_TOKEN, 'INVALID_TOKEN');
    await log.untilCount('close');
    expect(log.events).toEqual([{ type: 'error', code: 401, description: 'Invalid+token.' }, { type: 'close' }]);
    expect(gateway.streams).toBe(1);
  });

  it('an answer that ends without a close frame is a drop: it reconnects and resumes, invisibly to the app', async () => {
    const gateway = await startStreamGateway();
    const log = new AppLog();
    const socket = streamChannelFor(gateway).open(log.handlers());
    const first = await gateway.nextStream();
    first.open('e1');
    first.msg(1, 'a');
    await log.untilCount('message');
    first.end();
    const second = await gateway.nextStream();
    expect(second.hello).toEqual({ type: 'hello', token: 'tok-1', resume: { epoch: 'e1', seq: 1 } });
    second.open('e1');
    second.msg(1, 'a'); // a replay overlapping what the first stream delivered
    second.msg(2, 'b');
    await log.untilCount('message', 2);
    expect(log.types()).toEqual(['open', 'message', 'message']);
    expect(socket.lastDrop?.code).toBe(CloseCode.ABNORMAL);
  });

  it('a cut connection and a refused answer (503) are drops retried with backoff', async () => {
    const gateway = await startStreamGateway();
    const clock = new ManualClock();
    const log = new AppLog();
    streamChannelFor(gateway, { random: () => 1, backoff: { baseMs: 100 }, setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout }).open(
      log.handlers(),
    );
    const first = await gateway.nextStream();
    first.open('e1');
    await log.untilCount('open');
    first.destroy();
    clock.fire(await clock.timer((timer) => timer.ms === 100));
    const second = await gateway.nextStream();
    expect(second.hello.resume).toEqual({ epoch: 'e1', seq: 0 });
    second.refuse(503);
    clock.fire(await clock.timer((timer) => timer.ms === 200)); // the window doubled
    const third = await gateway.nextStream();
    third.open('e1');
    third.msg(1, 'after the retries');
    await log.untilCount('message');
    expect(log.types()).toEqual(['open', 'message']);
  });

  it('a stream silent for twice the gateway heartbeat plus 5 s is dropped and resumed', async () => {
    const gateway = await startStreamGateway();
    const clock = new ManualClock();
    const log = new AppLog();
    const socket = streamChannelFor(gateway, {
      streamHeartbeatMs: 1_000,
      backoff: { resetAfterMs: 99_000 },
      setTimeout: clock.setTimeout,
      clearTimeout: clock.clearTimeout,
    }).open(log.handlers());
    const silence = (timer: { ms: number }) => timer.ms === 7_000;
    const first = await gateway.nextStream();
    first.open('e1');
    first.msg(1, 'a');
    await log.untilCount('message');
    // Every byte re-arms the deadline: still exactly one silence timer.
    first.heartbeat();
    first.msg(2, 'b');
    await log.untilCount('message', 2);
    expect(clock.pending.filter(silence)).toHaveLength(1);

    clock.fire(await clock.timer(silence));
    await first.closed; // the client gave up on it
    clock.fire(await clock.timer((timer) => timer.ms === 0)); // backoff with jitter 0
    const second = await gateway.nextStream();
    expect(second.hello.resume).toEqual({ epoch: 'e1', seq: 2 });
    second.open('e1');
    second.msg(3, 'c');
    await log.untilCount('message', 3);
    expect(log.types()).toEqual(['open', 'message', 'message', 'message']);
    expect(socket.lastDrop?.code).toBe(CloseCode.ABNORMAL);
  });

  it('a stream whose request is never answered counts as silent too', async () => {
    const gateway = await startStreamGateway();
    const clock = new ManualClock();
    streamChannelFor(gateway, { streamHeartbeatMs: 2_000, setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout }).open();
    const first = await gateway.nextStream(); // never answered
    clock.fire(await clock.timer((timer) => timer.ms === 9_000));
    await first.closed;
    clock.fire(await clock.timer((timer) => timer.ms === 0));
    expect((await gateway.nextStream()).hello).toEqual({ type: 'hello', token: 'tok-1' });
  });

  it('close() aborts the request and calls onclose once', async () => {
    const gateway = await startStreamGateway();
    const log = new AppLog();
    const socket = streamChannelFor(gateway).open(log.handlers());
    const stream = await gateway.nextStream();
    stream.open();
    await log.untilCount('open');
    socket.close();
    await stream.closed;
    await log.untilCount('close');
    expect(log.types()).toEqual(['open', 'close']);
    expect(gateway.streams).toBe(1);
  });
});
