import { CloseCode, describeCloseCode, encodeServerFrame, messageFrameFromEncoded, type ServerFrame } from '@channel-gateway/protocol';
import type { BufferedMessage } from '../channels/channel-store.js';
import type { TransportSocket } from '../transport/transport.js';

export type ConnectionState = 'awaiting-hello' | 'attaching' | 'open' | 'closed';

/** Messages held for a socket while it attaches; past this the socket is told to resume instead. */
const MAX_PENDING_WHILE_ATTACHING = 1_000;
/** Live messages held behind a missing seq; past this the socket is told to resume (RESYNC). */
const MAX_HELD = 1_000;

/**
 * One client socket: the transport's per-socket data. Kept small (it is the per-connection memory cost) and with no
 * timers of its own; deadlines live in the node's wheels.
 */
export class Connection {
  state: ConnectionState = 'awaiting-hello';
  ws: TransportSocket | undefined;
  clientId = '';
  epoch = '';
  /** Highest seq written to the socket (or not owed to it). */
  lastSeq = 0;
  /** Token expiry; the socket is closed with TOKEN_EXPIRED then. */
  expiresAt = 0;
  /** Bucket in whichever deadline wheel holds this connection (hello deadline, then token expiry). */
  wheelBucket = -1;
  /** Live messages that arrived while attaching, delivered after the replay. */
  pending: BufferedMessage[] | undefined;
  /**
   * Live messages that arrived ahead of a missing seq, in seq order, and when the first of them arrived.
   * Live messages can overtake each other (a node delivers its own sends without the pub/sub hop), so a
   * gap is first waited for; the registry resyncs the socket if it is not filled in time.
   */
  held: BufferedMessage[] | undefined;
  heldSince = 0;
  /** A local socket for the same client that this one will replace once attached. */
  previous: Connection | undefined;
  /** Inbound frames in the current flood window (see SocketServer.onFrame). */
  framesInWindow = 0;
  floodWindowStart = 0;
  /** Counted in cg_sockets_live (open and scheduled for expiry). */
  live = false;
  /** The client's address (for the per-address socket cap) and whether the socket is counted in it. */
  address = '';
  counted = false;
  /** Code this node closed the socket with, for metrics and logs. */
  closedWith: number | undefined;

  constructor(
    readonly id: string,
    readonly maxBackpressureBytes: number,
    /** Set when the origin was refused at upgrade: the socket is closed as soon as it opens. */
    readonly refusal?: number,
  ) {}

  /** A method, not a field read, so checks after an await are not narrowed away by TypeScript. */
  isClosed(): boolean {
    return this.state === 'closed';
  }

  /** Sends a frame; closes the socket as SLOW_CONSUMER when the client does not keep up. */
  sendText(text: string): boolean {
    const ws = this.ws;
    if (!ws || this.state === 'closed') return false;
    // Dropped: the backpressure limit was reached; over it: queued, but the client is not keeping up.
    if (ws.send(text) === 'dropped' || ws.bufferedAmount() > this.maxBackpressureBytes) {
      this.close(CloseCode.SLOW_CONSUMER);
      return false;
    }
    return true;
  }

  sendFrame(frame: ServerFrame): boolean {
    return this.sendText(encodeServerFrame(frame));
  }

  /**
   * Delivers a live message once and in seq order: a message ahead of a missing seq is held until the
   * gap is filled (see `held`). Returns how many messages it wrote: 0, 1, or more when it filled a gap.
   */
  deliver(message: BufferedMessage): number {
    if (this.state === 'attaching') {
      const pending = (this.pending ??= []);
      if (pending.length >= MAX_PENDING_WHILE_ATTACHING) {
        // Still in the buffer: the client gets it when it resumes.
        this.close(CloseCode.SLOW_CONSUMER);
        return 0;
      }
      pending.push(message);
      return 0;
    }
    if (this.state !== 'open' || message.seq <= this.lastSeq) return 0;
    if (message.seq > this.lastSeq + 1) {
      this.hold(message);
      return 0;
    }
    if (!this.write(message)) return 0;
    return this.held ? 1 + this.releaseHeld() : 1;
  }

  /** Writes a replayed message (the buffer is authoritative: a trimmed seq was reported as a gap). */
  replay(message: BufferedMessage): boolean {
    if (this.state !== 'open' || message.seq <= this.lastSeq) return false;
    return this.write(message);
  }

  private write(message: BufferedMessage): boolean {
    if (!this.sendText(messageFrameFromEncoded(message.seq, message.encodedData))) return false;
    this.lastSeq = message.seq;
    return true;
  }

  private hold(message: BufferedMessage): void {
    const held = (this.held ??= []);
    if (held.length >= MAX_HELD) return this.close(CloseCode.RESYNC);
    if (held.length === 0) this.heldSince = performance.now();
    let at = held.length;
    while (at > 0 && held[at - 1]!.seq > message.seq) at--;
    if (held[at - 1]?.seq !== message.seq) held.splice(at, 0, message);
  }

  /** Writes the held messages that are now next in line; returns how many. */
  private releaseHeld(): number {
    const held = this.held!;
    let next = 0;
    let written = 0;
    while (next < held.length && held[next]!.seq <= this.lastSeq + 1) {
      const message = held[next++]!;
      if (message.seq <= this.lastSeq) continue;
      if (!this.write(message)) return written; // closed as a slow consumer
      written++;
    }
    held.splice(0, next);
    if (held.length === 0) this.held = undefined;
    else this.heldSince = performance.now(); // what is left waits for the next missing seq
    return written;
  }

  /** Whether messages have been waiting for a missing seq since before `cutoff` (performance.now() ms). */
  heldBefore(cutoff: number): boolean {
    return this.held !== undefined && this.heldSince <= cutoff;
  }

  close(code: number): void {
    if (this.state === 'closed' || !this.ws) return;
    this.closedWith = code;
    this.state = 'closed';
    this.ws.end(code, describeCloseCode(code).name);
  }
}
