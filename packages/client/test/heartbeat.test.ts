import { describe, expect, it } from 'vitest';
import { Channel, Socket, type ChannelOptions } from '../src/index.js';
import { AppLog } from './helpers/app-log.js';
import { channelFor, startGateway, TrackedWebSocket } from './helpers/harness.js';
import { ManualClock, type ManualTimer } from './helpers/manual-clock.js';
import type { ScriptedGateway } from './helpers/scripted-gateway.js';

// Distinct delays, so each timer on the manual clock can be told apart.
const PING_MS = 1_000;
const REPLY_MS = 2_000;
const RESET_MS = 99_000;
const BASE_MS = 400;
const isPing = (timer: ManualTimer): boolean => timer.ms === PING_MS;
const isReply = (timer: ManualTimer): boolean => timer.ms === REPLY_MS;

function setup(gateway: ScriptedGateway, options: ChannelOptions = {}) {
  const clock = new ManualClock();
  const log = new AppLog();
  const { channel, clients } = channelFor(gateway, {
    random: () => 0.5,
    backoff: { baseMs: BASE_MS, resetAfterMs: RESET_MS },
    heartbeatIntervalMs: PING_MS,
    heartbeatTimeoutMs: REPLY_MS,
    setTimeout: clock.setTimeout,
    clearTimeout: clock.clearTimeout,
    ...options,
  });
  const socket = channel.open(log.handlers());
  return { clock, log, socket, clients };
}

const delays = (clock: ManualClock): number[] => clock.pending.map((timer) => timer.ms).sort((a, b) => a - b);

describe('heartbeat', () => {
  it('sends no ping before open, then pings every heartbeatIntervalMs', async () => {
    const gateway = await startGateway();
    const { clock, log } = setup(gateway);
    const server = await gateway.nextSocket();
    await server.hello;
    // Only the wait for the answer to the hello: the gateway refuses pings before open.
    expect(delays(clock)).toEqual([REPLY_MS]);
    server.open();
    await log.untilCount('open');
    expect(delays(clock)).toEqual([PING_MS, RESET_MS]);

    clock.fire(await clock.timer(isPing));
    expect(await server.framesReceived(1)).toEqual([{ type: 'ping' }]);
    expect(delays(clock)).toEqual([PING_MS, REPLY_MS, RESET_MS]);

    server.send({ type: 'pong' });
    server.msg(1, 'after pong'); // frames arrive in order: once this is seen, so was the pong
    await log.untilCount('message');
    expect(delays(clock)).toEqual([PING_MS, RESET_MS]);

    clock.fire(await clock.timer(isPing));
    expect(await server.framesReceived(2)).toEqual([{ type: 'ping' }, { type: 'ping' }]);
    expect(gateway.connections).toBe(1);
  });

  it('a gateway that stops answering: drops the socket, reconnects with backoff and resumes, invisibly to the app', async () => {
    const gateway = await startGateway();
    const { clock, log, socket, clients } = setup(gateway);
    const first = await gateway.nextSocket();
    await first.hello;
    first.open('e1');
    first.msg(1, 'a');
    first.msg(2, 'b');
    await log.untilCount('message', 2);

    // The gateway keeps the TCP connection but no longer says anything, like a half-open connection.
    clock.fire(await clock.timer(isPing));
    await first.framesReceived(1);
    clock.fire(await clock.timer(isReply));

    expect(await first.closed).toBe(1000); // the client gave up on it
    const retry = await clock.timer((timer) => timer.ms < PING_MS);
    expect(retry.ms).toBe(0.5 * BASE_MS); // backoff, as after a network drop
    expect(clock.pending.some(isPing)).toBe(false); // the old socket's heartbeat is gone
    clock.fire(retry);

    const second = await gateway.nextSocket();
    expect(await second.hello).toEqual({ type: 'hello', token: 'tok-1', resume: { epoch: 'e1', seq: 2 } });
    second.open('e1');
    second.msg(3, 'c');
    await log.untilCount('message', 3);
    expect(log.events).toEqual([{ type: 'open' }, { type: 'message', data: 'a' }, { type: 'message', data: 'b' }, { type: 'message', data: 'c' }]);
    expect(socket.readyState).toBe(Socket.ReadyState.OPEN);
    expect(clients).toHaveLength(2);
    // The new socket has its own heartbeat.
    clock.fire(await clock.timer(isPing));
    expect(await second.framesReceived(1)).toEqual([{ type: 'ping' }]);
  });

  it('counts any frame as an answer, not only pong', async () => {
    const gateway = await startGateway();
    const { clock, log } = setup(gateway);
    const server = await gateway.nextSocket();
    await server.hello;
    server.open();
    await log.untilCount('open');
    clock.fire(await clock.timer(isPing));
    await server.framesReceived(1);
    expect(clock.pending.some(isReply)).toBe(true);
    server.msg(1, 'busy gateway');
    await log.untilCount('message');
    expect(clock.pending.some(isReply)).toBe(false);
  });

  it('keeps the deadline of the oldest unanswered ping', async () => {
    const gateway = await startGateway();
    const { clock, log } = setup(gateway);
    const server = await gateway.nextSocket();
    await server.hello;
    server.open();
    await log.untilCount('open');
    clock.fire(await clock.timer(isPing));
    const reply = await clock.timer(isReply);
    clock.fire(await clock.timer(isPing));
    await server.framesReceived(2);
    expect(clock.pending.filter(isReply)).toEqual([reply]);
  });

  it('treats a hello the gateway never answers as a lost connection', async () => {
    const gateway = await startGateway();
    const { clock, log } = setup(gateway);
    const first = await gateway.nextSocket();
    await first.hello;
    clock.fire(await clock.timer(isReply));
    expect(await first.closed).toBe(1000);
    clock.fire(await clock.timer((timer) => timer.ms < PING_MS));
    const second = await gateway.nextSocket();
    expect(await second.hello).toEqual({ type: 'hello', token: 'tok-1' });
    second.open();
    await log.untilCount('open');
    expect(log.types()).toEqual(['open']);
  });

  it('stops with the socket: close() leaves no timer behind', async () => {
    const gateway = await startGateway();
    const { clock, log, socket } = setup(gateway);
    const server = await gateway.nextSocket();
    await server.hello;
    server.open();
    await log.untilCount('open');
    clock.fire(await clock.timer(isPing));
    await server.framesReceived(1);
    socket.close();
    expect(clock.pending).toEqual([]);
    await log.untilCount('close');
    expect(log.types()).toEqual(['open', 'close']);
  });

  it('defaults to a ping every 25 s and a 10 s wait for an answer', async () => {
    const gateway = await startGateway();
    const { clock, log } = setup(gateway, { heartbeatIntervalMs: undefined, heartbeatTimeoutMs: undefined });
    const server = await gateway.nextSocket();
    await server.hello;
    expect(delays(clock)).toEqual([10_000]);
    server.open();
    await log.untilCount('open');
    expect(delays(clock)).toEqual([25_000, RESET_MS]);
    clock.fire(await clock.timer((timer) => timer.ms === 25_000));
    await server.framesReceived(1);
    expect(delays(clock)).toEqual([10_000, 25_000, RESET_MS]);
  });

  it('heartbeatIntervalMs: 0 turns the heartbeat off', async () => {
    const gateway = await startGateway();
    const { clock, log } = setup(gateway, { heartbeatIntervalMs: 0 });
    const server = await gateway.nextSocket();
    await server.hello;
    expect(delays(clock)).toEqual([]);
    server.open();
    await log.untilCount('open');
    expect(delays(clock)).toEqual([RESET_MS]);
  });

  it('refuses heartbeat settings that make no sense', () => {
    const base = { url: 'ws://127.0.0.1:1/v1/socket', WebSocket: TrackedWebSocket };
    expect(() => new Channel('t', { ...base, heartbeatTimeoutMs: 0 })).toThrow(/heartbeatTimeoutMs must be a positive number/);
    expect(() => new Channel('t', { ...base, heartbeatIntervalMs: -1 })).toThrow(RangeError);
    expect(() => new Channel('t', { ...base, heartbeatIntervalMs: Number.NaN })).toThrow(RangeError);
    expect(() => new Channel('t', { ...base, heartbeatIntervalMs: 0 })).not.toThrow();
  });

  it('with real timers: reconnects and resumes after the gateway goes silent', async () => {
    const gateway = await startGateway();
    const log = new AppLog();
    const { channel } = channelFor(gateway, { heartbeatIntervalMs: 30, heartbeatTimeoutMs: 60 });
    channel.open(log.handlers());
    const first = await gateway.nextSocket();
    await first.hello;
    first.open('e1');
    first.msg(1, 'before');
    await first.framesReceived(1); // pinged, and never answered
    const second = await gateway.nextSocket();
    expect((await second.hello).resume).toEqual({ epoch: 'e1', seq: 1 });
    second.open('e1');
    second.msg(2, 'after');
    await log.untilCount('message', 2);
    expect(log.types()).toEqual(['open', 'message', 'message']);
  });
});
