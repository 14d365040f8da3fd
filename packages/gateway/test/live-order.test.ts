/**
 * Live messages reach a socket in seq order even when they arrive out of order, and a socket that may
 * have missed one is told to resume (RESYNC) rather than skipping it: on one in-process node with Redis
 * stores, with deliveries published into the node's inbox as another node would, and the node's real
 * subscription cut by Redis.
 */
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { CloseCode } from '@channel-gateway/protocol';
import { startTestGateway, type TestGateway } from './support/in-process-gateway.js';
import { TestSocket } from './support/test-socket.js';

describe('live message order (redis stores)', () => {
  let gateway: TestGateway;
  let admin: Redis;
  beforeEach(async () => {
    gateway = await startTestGateway('redis');
    admin = new Redis(inject('redisUrl'));
  });
  afterEach(async () => {
    await gateway.stop();
    await admin.quit();
  });

  const nodeId = () => gateway.node.config.nodeId;
  const deliver = (clientId: string, seq: number, text: string) =>
    gateway.node.stores.inbox.publish(nodeId(), { kind: 'deliver', clientId, seq, encodedData: JSON.stringify(text) });

  it('holds a message that overtook an earlier one and writes both in seq order', async () => {
    const { clientId, token } = await gateway.createChannel();
    const socket = await TestSocket.open(gateway.wsUrl, token);
    expect(await gateway.send(clientId, 'one')).toBe('routed');
    await socket.waitForMessages(1);
    await deliver(clientId, 3, 'three');
    await deliver(clientId, 2, 'two');
    expect(await socket.waitForMessages(3)).toEqual(['one', 'two', 'three']);
    expect(socket.frames.filter((frame) => frame.type === 'msg').map((frame) => frame.seq)).toEqual([1, 2, 3]);
    socket.close();
  });

  it('tells the socket to resume when a missing seq never comes', async () => {
    const { clientId, token } = await gateway.createChannel();
    const socket = await TestSocket.open(gateway.wsUrl, token);
    await gateway.send(clientId, 'one');
    await socket.waitForMessages(1);
    await deliver(clientId, 3, 'three'); // seq 2 was "lost" on the way
    expect(await socket.closeCode()).toBe(CloseCode.RESYNC);
    expect(socket.messages()).toEqual(['one']); // nothing was written past the gap
  });

  it('tells every socket to resume when the subscription was cut, and the resumed socket gets what was sent meanwhile', async () => {
    const { clientId, token } = await gateway.createChannel();
    const socket = await TestSocket.open(gateway.wsUrl, token);
    await gateway.send(clientId, 'before');
    await socket.waitForMessages(1);
    const subscribers = String(await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub'));
    const line = subscribers.split('\n').find((entry) => entry.includes(` name=cg:${nodeId()} `));
    expect(line).toBeDefined();
    await admin.client('KILL', 'ID', /\bid=(\d+)/.exec(line!)![1]!);
    await gateway.send(clientId, 'meanwhile'); // queued or routed, depending on how fast ioredis resubscribed
    expect(await socket.closeCode()).toBe(CloseCode.RESYNC);
    const resumed = await TestSocket.open(gateway.wsUrl, token, socket.position());
    await gateway.send(clientId, 'after');
    const seen = [...socket.messages(), ...(await resumed.waitForMessages(socket.messages().includes('meanwhile') ? 1 : 2))];
    expect(seen).toEqual(['before', 'meanwhile', 'after']);
    resumed.close();
  });
});
