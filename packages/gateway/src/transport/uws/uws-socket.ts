import type { SendResult, TransportSocket } from '../transport.js';
import type { WebSocket } from './load-uws.js';

/** uWS's send() results. */
const BACKPRESSURE = 0;
const DROPPED = 2;

/** TransportSocket over a uWS WebSocket; once closed every call is a no-op (uWS throws on a closed socket). */
export class UwsSocket implements TransportSocket {
  closed = false;

  constructor(private readonly ws: WebSocket<unknown>) {}

  send(text: string): SendResult {
    if (this.closed) return 'dropped';
    const result = this.ws.send(text, false, false);
    return result === DROPPED ? 'dropped' : result === BACKPRESSURE ? 'backpressure' : 'sent';
  }

  bufferedAmount(): number {
    return this.closed ? 0 : this.ws.getBufferedAmount();
  }

  end(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.ws.end(code, reason);
  }

  cork(writes: () => void): void {
    if (this.closed) writes();
    else this.ws.cork(writes);
  }
}
