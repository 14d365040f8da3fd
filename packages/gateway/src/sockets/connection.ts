import { CloseCode, describeCloseCode, encodeServerFrame, messageFrameFromEncoded, type ServerFrame } from '@channel-gateway/protocol';
import type { BufferedMessage } from '../channels/channel-store.js';
import type { WebSocket } from './uws.js';

export type ConnectionState = 'awaiting-hello' | 'attaching' | 'open' | 'closed';

/** Messages held for a socket while it attaches; past this the socket is told to resume instead. */
const MAX_PENDING_WHILE_ATTACHING = 1_000;

/**
 * One client socket: the uWS user data. Kept small (it is the per-connection memory cost) and with no
 * timers of its own; deadlines live in the node's wheels.
 */
export class Connection {
  state: ConnectionState = 'awaiting-hello';
  ws: WebSocket<{ connection: Connection }> | undefined;
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
  /** A local socket for the same client that this one will replace once attached. */
  previous: Connection | undefined;
  /** Inbound frames in the current flood window (see SocketServer.onFrame). */
  framesInWindow = 0;
  floodWindowStart = 0;
  /** Counted in cg_sockets_live (open and scheduled for expiry). */
  live = false;
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
    const result = ws.send(text, false, false);
    // 2 = dropped by uWS because the backpressure limit was reached.
    if (result === 2 || ws.getBufferedAmount() > this.maxBackpressureBytes) {
      this.close(CloseCode.SLOW_CONSUMER);
      return false;
    }
    return true;
  }

  sendFrame(frame: ServerFrame): boolean {
    return this.sendText(encodeServerFrame(frame));
  }

  /** Delivers a message once, in seq order; returns whether it was written. */
  deliver(message: BufferedMessage): boolean {
    if (this.state === 'attaching') {
      const pending = (this.pending ??= []);
      if (pending.length >= MAX_PENDING_WHILE_ATTACHING) {
        // Still in the buffer: the client gets it when it resumes.
        this.close(CloseCode.SLOW_CONSUMER);
        return false;
      }
      pending.push(message);
      return false;
    }
    if (this.state !== 'open' || message.seq <= this.lastSeq) return false;
    if (!this.sendText(messageFrameFromEncoded(message.seq, message.encodedData))) return false;
    this.lastSeq = message.seq;
    return true;
  }

  close(code: number): void {
    if (this.state === 'closed' || !this.ws) return;
    this.closedWith = code;
    this.state = 'closed';
    this.ws.end(code, describeCloseCode(code).name);
  }
}
