/**
 * Connection owns its lifecycle: each transition is a method, the transport close says what to undo, and
 * the ownership of the client is released exactly once whichever way the socket went (docs/PROTOCOL.md).
 * The TransportSocket here records frames (a unit test; the socket-path tests run real sockets).
 */
import { describe, expect, it } from 'vitest';
import { CloseCode, type OpenFrame } from '@channel-gateway/protocol';
import { Connection } from '../../src/sockets/connection.js';
import { DeadlineWheel } from '../../src/sockets/deadline-wheel.js';
import type { SendResult, TransportSocket } from '../../src/transport/transport.js';

class RecordingSocket implements TransportSocket {
  readonly frames: unknown[] = [];
  ended: number | undefined;
  /** Sends after this many are dropped (a client that stopped reading). */
  constructor(private readonly room = Infinity) {}
  send(text: string): SendResult {
    if (this.frames.length >= this.room) return 'dropped';
    this.frames.push(JSON.parse(text));
    return 'sent';
  }
  bufferedAmount(): number {
    return 0;
  }
  end(code: number): void {
    this.ended = code;
  }
  cork(writes: () => void): void {
    writes();
  }
}

const OPEN: OpenFrame = { type: 'open', clientId: 'alice', epoch: 'e1', expiresAt: 2_000_000 };
const message = (seq: number) => ({ seq, encodedData: JSON.stringify(`m${seq}`) });

function attaching(socket: TransportSocket): Connection {
  const connection = new Connection('c1', 1_000_000, '127.0.0.1');
  connection.opened(socket);
  expect(connection.beginHello()).toBe(true);
  connection.identify('alice', 2_000_000);
  return connection;
}

describe('Connection lifecycle', () => {
  it('goes awaiting-hello, attaching, open, with the frames in order and live messages held while it attached', () => {
    const socket = new RecordingSocket();
    const connection = attaching(socket);
    expect(connection.beginHello()).toBe(false); // a second hello changes nothing
    expect(connection.state).toBe('attaching');
    connection.attachedFrom(3);
    expect(connection.lastSeq).toBe(2); // what a takeover meanwhile is told it delivered
    expect(connection.deliver(message(6))).toBe(0); // live, while attaching: held
    expect(connection.ownsClient('e1')).toBe(true);
    const { replayed, pending } = connection.goLive({
      open: OPEN,
      gap: { type: 'gap', reason: 'position' },
      replay: [message(3), message(4), message(5)],
      lastSeq: 5,
      delivered: 3,
    });
    expect(connection.state).toBe('open');
    expect(replayed).toBe(2); // 3 was delivered by the socket it replaced
    expect(pending).toEqual([message(6)]);
    expect(connection.deliver(pending[0]!)).toBe(1);
    expect(socket.frames).toEqual([OPEN, { type: 'gap', reason: 'position' }, ...[4, 5, 6].map((seq) => ({ type: 'msg', seq, data: `m${seq}` }))]);
  });

  it('says on the transport close what to undo, once, and that an owner is released', () => {
    const connection = attaching(new RecordingSocket());
    const wheel = new DeadlineWheel<Connection>(0);
    connection.attachedFrom(1);
    connection.ownsClient('e1');
    connection.goLive({ open: OPEN, replay: [], lastSeq: 0 });
    connection.scheduleExpiry(wheel);
    expect(wheel.size).toBe(1);
    connection.scheduleExpiry(wheel, 3_000_000); // moved (a refresh): still one entry
    expect([wheel.size, connection.expiresAt]).toEqual([1, 3_000_000]);
    expect(connection.transportClosed()).toEqual({ opened: true, live: true, owner: true });
    expect(connection.state).toBe('closed');
    expect(connection.transportClosed()).toEqual({ opened: false, live: false, owner: false });
  });

  it('a socket that left while attaching is not released by its close report but by the hello path, once', () => {
    const connection = attaching(new RecordingSocket());
    connection.attachedFrom(1);
    expect(connection.transportClosed()).toEqual({ opened: true, live: false, owner: false });
    expect(connection.ownsClient('e1')).toBe(false); // the caller releases it now
  });

  it('a socket this node closed while attaching is released by its close report, not by the hello path', () => {
    const socket = new RecordingSocket();
    const connection = attaching(socket);
    connection.close(CloseCode.REPLACED);
    expect([connection.state, socket.ended, connection.closedWith]).toEqual(['closed', CloseCode.REPLACED, CloseCode.REPLACED]);
    expect(connection.ownsClient('e1')).toBe(true); // the close report is still to come
    expect(connection.transportClosed().owner).toBe(true);
  });

  it('stays closed when its open frame already finds the client too slow', () => {
    const socket = new RecordingSocket(0);
    const connection = attaching(socket);
    connection.ownsClient('e1');
    const { replayed } = connection.goLive({ open: OPEN, replay: [], lastSeq: 1 });
    expect([connection.state, replayed, socket.ended]).toEqual(['closed', 0, CloseCode.SLOW_CONSUMER]);
    expect(connection.deliver(message(2))).toBe(0);
  });

  it('counts inbound frames per flood window', () => {
    const connection = new Connection('c2', 1_000_000, '127.0.0.1');
    expect([connection.countFrame(1_000, 10_000), connection.countFrame(5_000, 10_000), connection.countFrame(11_000, 10_000)]).toEqual([1, 2, 1]);
  });
});
