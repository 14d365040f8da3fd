import { describe, expect, it } from 'vitest';
import { CloseCode, type StateChange } from '../src/index.js';
import { AppLog } from './helpers/app-log.js';
import { channelFor, startGateway } from './helpers/harness.js';

/** Records the state changes a socket announced; `summary()` gives them as `state(reason)` strings. */
function recordStates() {
  const changes: StateChange[] = [];
  const waiters: Array<() => void> = [];
  return {
    changes,
    handler: (change: StateChange) => {
      changes.push(change);
      for (const waiter of waiters.splice(0)) waiter();
    },
    summary: () => changes.map((change) => (change.reason ? `${change.state}(${change.reason.name})` : change.state)),
    /** Resolves once `count` changes have been announced. */
    untilCount(count: number): Promise<void> {
      return new Promise((resolve) => {
        const check = (): void => void (changes.length >= count ? resolve() : waiters.push(check));
        check();
      });
    },
  };
}

describe('connection state', () => {
  it('starts connecting, opens, reports a transient drop as reconnecting with its reason, and opens again', async () => {
    const gateway = await startGateway();
    const log = new AppLog();
    const states = recordStates();
    const socket = channelFor(gateway).channel.open({ ...log.handlers(), onstatechange: states.handler });
    expect(socket.state).toBe('connecting');
    const first = await gateway.nextSocket();
    await first.hello;
    first.open('e1');
    await log.untilCount('open');
    expect(socket.state).toBe('open');
    first.close(CloseCode.UNAVAILABLE);

    const second = await gateway.nextSocket();
    await second.hello;
    expect(socket.state).toBe('reconnecting');
    expect(socket.lastDrop).toMatchObject({ code: CloseCode.UNAVAILABLE, name: 'UNAVAILABLE' });
    second.open('e1');
    await states.untilCount(3);
    expect(states.summary()).toEqual(['open', 'reconnecting(UNAVAILABLE)', 'open(UNAVAILABLE)']);
    expect(states.changes.map((change) => change.previous)).toEqual(['connecting', 'open', 'reconnecting']);
    // The GAE callbacks are untouched: one onopen, no onclose for the drop.
    expect(log.types()).toEqual(['open']);
  });

  it('ends in closed with the terminal reason, announced before onerror and onclose', async () => {
    const gateway = await startGateway();
    const order: string[] = [];
    let closed!: () => void;
    const onclose = new Promise<void>((resolve) => (closed = resolve));
    const socket = channelFor(gateway).channel.open({
      onopen: () => order.push('onopen'),
      onerror: () => order.push('onerror'),
      onclose: () => {
        order.push('onclose');
        closed();
      },
      onstatechange: (change) => order.push(`state:${change.state}${change.reason ? `(${change.reason.name})` : ''}`),
    });
    const server = await gateway.nextSocket();
    await server.hello;
    server.open('e1');
    server.close(CloseCode.TOKEN_EXPIRED);
    await onclose;
    expect(order).toEqual(['state:open', 'onopen', 'state:closed(TOKEN_EXPIRED)', 'onerror', 'onclose']);
    expect(socket.state).toBe('closed');
  });

  it('close() by the app ends in closed with no reason; the handler may also be set as a property', async () => {
    const gateway = await startGateway();
    const log = new AppLog();
    const socket = channelFor(gateway).channel.open(log.handlers());
    const states = recordStates();
    socket.onstatechange = states.handler;
    const server = await gateway.nextSocket();
    await server.hello;
    server.open('e1');
    await log.untilCount('open');
    socket.close();
    await log.untilCount('close');
    expect(states.summary()).toEqual(['open', 'closed']);
  });

  it('failures before the first open keep the socket connecting', async () => {
    const gateway = await startGateway();
    const states = recordStates();
    const socket = channelFor(gateway).channel.open({ onstatechange: states.handler });
    const first = await gateway.nextSocket();
    await first.hello;
    first.close(CloseCode.UNAVAILABLE);
    const second = await gateway.nextSocket();
    await second.hello;
    expect(socket.state).toBe('connecting');
    expect(socket.lastDrop).toMatchObject({ name: 'UNAVAILABLE' });
    expect(states.changes).toEqual([]);
  });
});
