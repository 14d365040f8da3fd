import { afterEach, describe, expect, it, vi } from 'vitest';
import { CloseCode, Socket } from '../src/index.js';
import { AppLog } from './helpers/app-log.js';
import { channelFor, startGateway } from './helpers/harness.js';
import { ManualClock } from './helpers/manual-clock.js';

/** Opens a socket, lets the gateway accept it (or not), closes it with `code`, and waits until the client handled that close. */
async function closedWith(code: number, options: { accept: boolean }) {
  const gateway = await startGateway();
  const clock = new ManualClock();
  const log = new AppLog();
  const { channel, clients } = channelFor(gateway, { setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout });
  const socket = channel.open(log.handlers());
  const server = await gateway.nextSocket();
  await server.hello;
  if (options.accept) {
    server.open();
    await log.untilCount('open');
  }
  server.close(code);
  expect(await clients[0]!.closed).toBe(code);
  return { socket, log, clock };
}

describe('terminal close codes', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('4001: onerror {401, "Invalid+token."} then onclose, no reconnect', async () => {
    const { socket, log, clock } = await closedWith(CloseCode.INVALID_TOKEN, { accept: false });
    expect(log.events).toEqual([{ type: 'error', code: 401, description: 'Invalid+token.' }, { type: 'close' }]);
    expect(socket.readyState).toBe(Socket.ReadyState.CLOSED);
    expect(clock.pending).toEqual([]);
  });

  it('4002 while connected: onerror {401, "Token+timed+out."} then onclose, no reconnect', async () => {
    const { log, clock } = await closedWith(CloseCode.TOKEN_EXPIRED, { accept: true });
    expect(log.events).toEqual([{ type: 'open' }, { type: 'error', code: 401, description: 'Token+timed+out.' }, { type: 'close' }]);
    expect(clock.pending).toEqual([]);
  });

  it('4003 replaced: onclose without onerror, no reconnect', async () => {
    const { log, clock } = await closedWith(CloseCode.REPLACED, { accept: true });
    expect(log.types()).toEqual(['open', 'close']);
    expect(clock.pending).toEqual([]);
  });

  it('still calls onclose when onerror throws', async () => {
    const reported = vi.spyOn(console, 'error').mockImplementation(() => {});
    const log = new AppLog();
    const handlers = log.handlers();
    const onerror = handlers.onerror;
    Object.assign(handlers, {
      onerror: (error: { code: number; description: string }) => {
        onerror(error);
        throw new Error('app bug');
      },
    });
    const gateway = await startGateway();
    const clock = new ManualClock();
    const { channel, clients } = channelFor(gateway, { setTimeout: clock.setTimeout, clearTimeout: clock.clearTimeout });
    channel.open(handlers);
    const server = await gateway.nextSocket();
    await server.hello;
    server.close(CloseCode.INVALID_TOKEN);
    await clients[0]!.closed;
    expect(log.types()).toEqual(['error', 'close']);
    expect(reported).toHaveBeenCalledWith(expect.objectContaining({ message: 'app bug' }));
  });
});
