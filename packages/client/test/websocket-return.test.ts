import { describe, expect, it } from 'vitest';
import { Channel, CloseCode, type ChannelOptions, type StateChange } from '../src/index.js';
import { AppLog } from './helpers/app-log.js';
import { startGateway, startStreamGateway, TrackedWebSocket } from './helpers/harness.js';
import { ManualClock, type ManualTimer } from './helpers/manual-clock.js';

const FIRST_MS = 31_000;
const CAP_MS = 100_000;
const FALLBACK_MS = 4_321;
const isReturn = (ms: number) => (timer: ManualTimer) => timer.ms === ms;

/**
 * A channel whose WebSocket is refused (it is sent to the stream gateway, which refuses upgrades) until
 * the test sets `reachable`, after which it reaches the scripted WebSocket gateway.
 */
async function setup(options: ChannelOptions = {}) {
  const wsGateway = await startGateway();
  const streamGateway = await startStreamGateway('refuse');
  const clock = new ManualClock();
  const log = new AppLog();
  const states: StateChange[] = [];
  const network = { reachable: false };
  class Switchable extends TrackedWebSocket {
    constructor(url: string) {
      super(network.reachable ? url : streamGateway.socketUrl);
    }
  }
  const socket = new Channel('tok-1', {
    url: wsGateway.url,
    streamUrl: streamGateway.streamUrl,
    WebSocket: Switchable,
    random: () => 0,
    websocketRetry: { firstMs: FIRST_MS, capMs: CAP_MS },
    fallbackTimeoutMs: FALLBACK_MS,
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
    ...options,
  }).open({ ...log.handlers(), onstatechange: (change) => states.push(change) });
  const stream = await streamGateway.nextStream();
  stream.open('e1');
  stream.msg(1, 'a');
  stream.msg(2, 'b');
  await log.untilCount('message', 2);
  expect(socket.transport).toBe('stream');
  return { wsGateway, streamGateway, clock, log, states, network, socket, stream };
}

async function tryWebSocket(clock: ManualClock, ms = FIRST_MS): Promise<void> {
  clock.fire(await clock.timer(isReturn(ms)));
}

/** The WebSocket gets through and says hello; the gateway closes the stream with REPLACED before its open. */
async function replacedWhileReturning({ wsGateway, clock, network, stream }: Awaited<ReturnType<typeof setup>>) {
  network.reachable = true;
  await tryWebSocket(clock);
  const ws = await wsGateway.nextSocket();
  await ws.hello;
  stream.close(CloseCode.REPLACED, 'REPLACED');
  await stream.closed;
  return ws;
}

describe('return from a stream to a WebSocket', () => {
  it('takes over only at the WebSocket open: no duplicate, nothing missed, no onclose, the stream retired', async () => {
    const { wsGateway, clock, log, states, network, socket, stream } = await setup();
    network.reachable = true;
    await tryWebSocket(clock);
    const ws = await wsGateway.nextSocket();
    expect(await ws.hello).toEqual({ type: 'hello', token: 'tok-1', resume: { epoch: 'e1', seq: 2 } });
    // Until the WebSocket opens, the stream goes on delivering.
    stream.msg(3, 'c');
    await log.untilCount('message', 3);
    ws.open('e1');
    ws.msg(3, 'c'); // replayed from the resume position: the stream delivered it already
    ws.msg(4, 'd');
    await stream.closed; // the client let go of the stream
    await log.untilCount('message', 4);
    expect(log.events).toEqual([{ type: 'open' }, ...['a', 'b', 'c', 'd'].map((data) => ({ type: 'message', data }))]);
    expect(socket.transport).toBe('websocket');
    expect(states.map((change) => change.state)).toEqual(['open']);
    // The WebSocket now has the heartbeat (pings), and no more returns are scheduled.
    expect(clock.pending.some(isReturn(FIRST_MS))).toBe(false);
  });

  it("the stream's REPLACED arriving before the WebSocket's open is expected: no onclose, the WebSocket carries on", async () => {
    const setting = await setup();
    const { log, states, socket } = setting;
    const ws = await replacedWhileReturning(setting);
    ws.open('e1');
    ws.msg(3, 'c');
    await log.untilCount('message', 3);
    expect(log.types()).toEqual(['open', 'message', 'message', 'message']);
    expect(socket.transport).toBe('websocket');
    expect(socket.state).toBe('open');
    expect(states.map((change) => change.state)).toEqual(['open']);
  });

  it('a WebSocket still refused leaves the stream undisturbed; the next try waits twice as long, up to the cap', async () => {
    const { streamGateway, clock, log, socket, stream } = await setup();
    await tryWebSocket(clock, FIRST_MS);
    await streamGateway.untilUpgrades(2);
    await tryWebSocket(clock, 2 * FIRST_MS);
    await streamGateway.untilUpgrades(3);
    await tryWebSocket(clock, CAP_MS); // 4 × 31 s is past the cap
    await streamGateway.untilUpgrades(4);
    await clock.timer(isReturn(CAP_MS));
    stream.msg(3, 'c');
    await log.untilCount('message', 3);
    expect(log.types()).toEqual(['open', 'message', 'message', 'message']);
    expect(socket.transport).toBe('stream');
    expect(streamGateway.streams).toBe(1);
  });

  it('a WebSocket that does not open within fallbackTimeoutMs is given up, and the stream stays', async () => {
    const { wsGateway, clock, log, network, socket, stream } = await setup();
    network.reachable = true;
    await tryWebSocket(clock);
    const ws = await wsGateway.nextSocket();
    await ws.hello; // never answered
    clock.fire(await clock.timer(isReturn(FALLBACK_MS)));
    expect(await ws.closed).toBe(1000);
    stream.msg(3, 'c');
    await log.untilCount('message', 3);
    expect(socket.transport).toBe('stream');
    await clock.timer(isReturn(2 * FIRST_MS));
  });

  it('REPLACED on the stream with no WebSocket under way is a real takeover: onclose, as on a WebSocket', async () => {
    const { log, stream, socket } = await setup();
    stream.close(CloseCode.REPLACED, 'REPLACED');
    await log.untilCount('close');
    expect(log.types()).toEqual(['open', 'message', 'message', 'close']);
    expect(socket.state).toBe('closed');
  });

  it('a WebSocket that fails after the stream was replaced: the client reconnects and resumes, without onclose', async () => {
    const setting = await setup();
    const { streamGateway, clock, log, network } = setting;
    const ws = await replacedWhileReturning(setting);
    network.reachable = false;
    ws.terminate();
    clock.fire(await clock.timer((timer) => timer.ms === 0)); // backoff (jitter 0); retried as a stream
    const again = await streamGateway.nextStream();
    expect(again.hello.resume).toEqual({ epoch: 'e1', seq: 2 });
    again.open('e1');
    again.msg(3, 'c');
    await log.untilCount('message', 3);
    expect(log.types()).toEqual(['open', 'message', 'message', 'message']);
  });
});
