import { describe, expect, it } from 'vitest';
import { Socket } from '../src/index.js';
import { AppLog } from './helpers/app-log.js';
import { channelFor, startGateway } from './helpers/harness.js';

describe('connecting', () => {
  it('opens /v1/socket and says hello with the token and no resume', async () => {
    const gateway = await startGateway();
    const { channel } = channelFor(gateway, {}, 'secret-token');
    channel.open();
    const server = await gateway.nextSocket();
    expect(server.path).toBe('/v1/socket');
    expect(await server.hello).toEqual({ type: 'hello', token: 'secret-token' });
  });

  it('calls onopen once the gateway answers open, and readyState follows', async () => {
    const gateway = await startGateway();
    const log = new AppLog();
    const socket = channelFor(gateway).channel.open(log.handlers());
    expect(socket.readyState).toBe(Socket.ReadyState.CONNECTING);
    const server = await gateway.nextSocket();
    await server.hello;
    expect(log.events).toEqual([]);
    server.open();
    await log.untilCount('open');
    expect(socket.readyState).toBe(Socket.ReadyState.OPEN);
    expect(Socket.ReadyState).toEqual({ CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  });

  it('delivers each message string exactly, in order', async () => {
    const gateway = await startGateway();
    const log = new AppLog();
    channelFor(gateway).channel.open(log.handlers());
    const server = await gateway.nextSocket();
    await server.hello;
    server.open();
    const texts = ['plain', '', 'héllo wörld – 日本語 😀', '{"json":[1,2]}', ' \n\t"quoted" \\ \u2028 '];
    texts.forEach((text, index) => server.msg(index + 1, text));
    await log.untilCount('message', texts.length);
    expect(log.messages()).toEqual(texts);
  });

  it('uses handlers from the object given to open()', async () => {
    const gateway = await startGateway();
    const log = new AppLog();
    channelFor(gateway).channel.open(log.handlers());
    const server = await gateway.nextSocket();
    await server.hello;
    server.open();
    server.msg(1, 'via handler object');
    await log.untilCount('message');
    expect(log.types()).toEqual(['open', 'message']);
  });

  it('uses handlers set as properties right after open(), over those in the handler object', async () => {
    const gateway = await startGateway();
    const log = new AppLog();
    const overridden: string[] = [];
    const socket = channelFor(gateway).channel.open({ onmessage: (message) => overridden.push(message.data) });
    Object.assign(socket, log.handlers());
    const server = await gateway.nextSocket();
    await server.hello;
    server.open();
    server.msg(1, 'via property');
    await log.untilCount('message');
    expect(log.types()).toEqual(['open', 'message']);
    expect(overridden).toEqual([]);
  });

  it('close() calls onclose once, closes with 1000 and does not reconnect', async () => {
    const gateway = await startGateway();
    const log = new AppLog();
    const { channel, clients } = channelFor(gateway);
    const socket = channel.open(log.handlers());
    const server = await gateway.nextSocket();
    await server.hello;
    server.open();
    await log.untilCount('open');
    socket.close();
    expect(socket.readyState).toBe(Socket.ReadyState.CLOSING);
    expect(log.types()).toEqual(['open']); // onclose comes asynchronously
    expect(await server.closed).toBe(1000);
    await clients[0]!.closed;
    socket.close();
    expect(log.types()).toEqual(['open', 'close']);
    expect(socket.readyState).toBe(Socket.ReadyState.CLOSED);
    expect(clients).toHaveLength(1);
  });

  it('lets channel.open() be called again after the socket closed', async () => {
    const gateway = await startGateway();
    const first = new AppLog();
    const { channel } = channelFor(gateway);
    const socket = channel.open(first.handlers());
    const server1 = await gateway.nextSocket();
    await server1.hello;
    server1.open();
    await first.untilCount('open');
    socket.close();
    await first.untilCount('close');

    const second = new AppLog();
    channel.open(second.handlers());
    const server2 = await gateway.nextSocket();
    expect(await server2.hello).toEqual({ type: 'hello', token: 'tok-1' });
    server2.open();
    server2.msg(1, 'again');
    await second.untilCount('message');
    expect(second.types()).toEqual(['open', 'message']);
    expect(first.types()).toEqual(['open', 'close']);
  });
});
