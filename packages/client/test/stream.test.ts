import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SocketHandler } from '../src/index.js';
import { AppLog } from './helpers/app-log.js';
import { channelFor, startGateway } from './helpers/harness.js';

async function openSocket(handlers: SocketHandler) {
  const gateway = await startGateway();
  channelFor(gateway).channel.open(handlers);
  const server = await gateway.nextSocket();
  await server.hello;
  server.open();
  return server;
}

describe('message stream', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('ignores messages whose seq is not past the last one seen', async () => {
    const log = new AppLog();
    const server = await openSocket(log.handlers());
    server.msg(1, 'a');
    server.msg(1, 'a again');
    server.msg(2, 'b');
    server.msg(2, 'b again');
    server.msg(1, 'stale');
    server.msg(3, 'c');
    await log.until((l) => l.messages().includes('c'));
    expect(log.messages()).toEqual(['a', 'b', 'c']);
  });

  it('passes gap frames to ongap', async () => {
    const log = new AppLog();
    const server = await openSocket(log.handlers());
    server.send({ type: 'gap', reason: 'expired', from: 3, to: 5 });
    server.msg(6, 'after gap');
    await log.untilCount('message');
    expect(log.events).toEqual([{ type: 'open' }, { type: 'gap', gap: { reason: 'expired', from: 3, to: 5 } }, { type: 'message', data: 'after gap' }]);
  });

  it('warns on the console about a gap when the app has no ongap (GAE apps)', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const log = new AppLog();
    const { ongap: _ignored, ...gaeHandlers } = log.handlers();
    const server = await openSocket(gaeHandlers);
    server.send({ type: 'gap', reason: 'expired', from: 3, to: 5 });
    server.msg(6, 'after gap');
    await log.untilCount('message');
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/expired.*3.*5/);
  });

  it('ignores frames it does not know, so a newer gateway can add some', async () => {
    const log = new AppLog();
    const server = await openSocket(log.handlers());
    server.send({ type: 'pong' });
    server.send({ type: 'future-frame' } as never);
    server.msg(1, 'still here');
    await log.untilCount('message');
    expect(log.types()).toEqual(['open', 'message']);
  });
});
