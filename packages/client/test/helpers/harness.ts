import { onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import { Channel, type ChannelOptions, type Socket } from '../../src/index.js';
import { ScriptedGateway } from './scripted-gateway.js';
import { ScriptedStreamGateway } from './scripted-stream-gateway.js';

/** A client-side ws that exposes its own close, so tests can wait until the client has handled it. */
export class TrackedWebSocket extends WebSocket {
  readonly closed: Promise<number>;

  constructor(url: string) {
    super(url);
    // Registered before the client's own onclose, and resolved only after every listener has run.
    this.closed = new Promise((resolve) => this.once('close', (code) => resolve(code)));
  }
}

export async function startGateway(): Promise<ScriptedGateway> {
  const gateway = await ScriptedGateway.start();
  onTestFinished(() => gateway.stop());
  return gateway;
}

export interface TestChannel {
  channel: Channel;
  /** Every client-side WebSocket the channel's sockets created, in order. */
  clients: TrackedWebSocket[];
}

/**
 * A Channel on the scripted gateway. Reconnects are immediate (jitter 0) unless options say otherwise,
 * and every socket it opens is closed when the test ends, so no retry loop outlives its test. The
 * scripted gateway speaks only WebSocket, so there is no stream to fall back to unless options allow one.
 */
export function channelFor(gateway: ScriptedGateway, options: ChannelOptions = {}, token = 'tok-1'): TestChannel {
  const clients: TrackedWebSocket[] = [];
  class Client extends TrackedWebSocket {
    constructor(url: string) {
      super(url);
      clients.push(this);
    }
  }
  const channel = new Channel(token, { url: gateway.url, WebSocket: Client, random: () => 0, transports: ['websocket'], ...options });
  const open = channel.open.bind(channel);
  channel.open = (handler): Socket => {
    const socket = open(handler);
    onTestFinished(() => socket.close());
    return socket;
  };
  return { channel, clients };
}

export async function startStreamGateway(upgrades: 'refuse' | 'hang' = 'refuse'): Promise<ScriptedStreamGateway> {
  const gateway = await ScriptedStreamGateway.start(upgrades);
  onTestFinished(() => gateway.stop());
  return gateway;
}

/**
 * A Channel on the scripted stream gateway, whose WebSocket upgrades never succeed; by default it may use
 * only the stream (options can allow the WebSocket too, to test the fallback).
 */
export function streamChannelFor(gateway: ScriptedStreamGateway, options: ChannelOptions = {}, token = 'tok-1'): Channel {
  const channel = new Channel(token, { url: gateway.socketUrl, WebSocket: TrackedWebSocket, random: () => 0, transports: ['stream'], ...options });
  const open = channel.open.bind(channel);
  channel.open = (handler): Socket => {
    const socket = open(handler);
    onTestFinished(() => socket.close());
    return socket;
  };
  return channel;
}
