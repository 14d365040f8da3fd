import { onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import { Channel, type ChannelOptions, type Socket } from '../../src/index.js';
import { ScriptedGateway } from './scripted-gateway.js';

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
 * and every socket it opens is closed when the test ends, so no retry loop outlives its test.
 */
export function channelFor(gateway: ScriptedGateway, options: ChannelOptions = {}, token = 'tok-1'): TestChannel {
  const clients: TrackedWebSocket[] = [];
  class Client extends TrackedWebSocket {
    constructor(url: string) {
      super(url);
      clients.push(this);
    }
  }
  const channel = new Channel(token, { url: gateway.url, WebSocket: Client, random: () => 0, ...options });
  const open = channel.open.bind(channel);
  channel.open = (handler): Socket => {
    const socket = open(handler);
    onTestFinished(() => socket.close());
    return socket;
  };
  return { channel, clients };
}
