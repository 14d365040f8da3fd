import type { NodeSocket } from './node-socket.js';

/**
 * uWS's idleTimeout with sendPingsAutomatically, for `ws`: one timer for all sockets. A socket silent for
 * half the timeout is pinged; one silent for the whole timeout is dropped (as uWS does: no close frame).
 */
export class IdleSweeper {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sockets: Set<NodeSocket>,
    private readonly idleTimeoutMs: number,
  ) {}

  start(): void {
    // A sweep every eighth of the timeout: a dead socket goes within 1⅛ timeouts.
    this.timer = setInterval(() => this.sweep(Date.now()), Math.max(250, this.idleTimeoutMs / 8));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sweep(now: number): void {
    for (const socket of this.sockets) {
      const silentFor = now - socket.lastSeen;
      if (silentFor >= this.idleTimeoutMs) {
        socket.closed = true;
        socket.ws.terminate();
      } else if (silentFor >= this.idleTimeoutMs / 2 && !socket.pingSent) {
        socket.pingSent = true;
        socket.ws.ping();
      }
    }
  }
}
