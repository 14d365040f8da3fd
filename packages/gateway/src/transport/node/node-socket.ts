import type { WebSocket } from 'ws';
import type { SendResult, TransportSocket } from '../transport.js';

/** TransportSocket over a `ws` WebSocket, with uWS's backpressure rule: a send past the limit is dropped. */
export class NodeSocket implements TransportSocket {
  closed = false;
  /** Last time anything (a frame, a ping or a pong) arrived; the idle sweep closes sockets silent too long. */
  lastSeen = Date.now();
  pingSent = false;

  constructor(
    readonly ws: WebSocket,
    private readonly maxBackpressureBytes: number,
  ) {}

  send(text: string): SendResult {
    if (this.closed) return 'dropped';
    // As uWS: refused once what is queued already passes the limit.
    if (this.ws.bufferedAmount > this.maxBackpressureBytes) return 'dropped';
    this.ws.send(text);
    return this.ws.bufferedAmount > this.maxBackpressureBytes / 2 ? 'backpressure' : 'sent';
  }

  bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  end(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.ws.close(code, reason);
  }

  /** `ws` already writes each frame with one socket write; there is nothing to batch across frames. */
  cork(writes: () => void): void {
    writes();
  }

  seen(): void {
    this.lastSeen = Date.now();
    this.pingSent = false;
  }
}
