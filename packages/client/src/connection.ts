import {
  CloseCode,
  describeCloseCode,
  parseServerFrame,
  type CloseCodeInfo,
  type GapFrame,
  type HelloFrame,
  type MessageFrame,
  type OpenFrame,
  type StreamPosition,
} from '@channel-gateway/protocol';
import { Backoff } from './backoff.js';
import type { ConnectionSettings } from './options.js';
import type { WebSocketLike } from './web-socket.js';

/** What a connection tells the socket the app holds. */
export interface ConnectionListener {
  /** The gateway accepted a WebSocket (the first one, or one after a reconnect). */
  opened(): void;
  message(data: string): void;
  gap(frame: GapFrame): void;
  /** The gateway closed for good (a terminal close code); nothing follows. */
  ended(info: CloseCodeInfo): void;
}

/** DRAINING clients reconnect within this window, so a draining node's clients do not arrive all at once. */
const DRAIN_SPREAD_MS = 1_000;

const ignore = (): void => {};

/**
 * One logical connection to the gateway: a succession of WebSockets, each resuming where the last
 * one stopped, until a terminal close code or `stop()`.
 */
export class Connection {
  private ws: WebSocketLike | undefined;
  private position: StreamPosition | undefined;
  private readonly backoff: Backoff;
  private retryTimer: unknown;
  private stableTimer: unknown;
  private stopped = false;

  constructor(
    private readonly token: string,
    private readonly settings: ConnectionSettings,
    private readonly listener: ConnectionListener,
  ) {
    this.backoff = new Backoff(settings, settings.random);
  }

  start(): void {
    this.connect();
  }

  /** Closes from the client side; the listener hears nothing after this. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.cancelTimers();
    const ws = this.ws;
    this.ws = undefined;
    if (!ws) return;
    ws.onopen = ws.onmessage = ws.onclose = null;
    // Not null: ws (Node) throws on an 'error' event nobody listens to, e.g. closing mid-handshake.
    ws.onerror = ignore;
    try {
      ws.close(CloseCode.NORMAL);
    } catch {
      // Already closing; nothing left to do.
    }
  }

  private connect(): void {
    this.retryTimer = undefined;
    let ws: WebSocketLike;
    try {
      ws = new this.settings.WebSocket(this.settings.url);
    } catch {
      // Counted as a network failure so it is retried with backoff rather than in a hot loop.
      this.afterClose(CloseCode.ABNORMAL);
      return;
    }
    this.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify(this.hello()));
    ws.onmessage = (event) => {
      if (this.ws === ws && typeof event.data === 'string') this.receive(event.data);
    };
    ws.onclose = (event) => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      this.afterClose(event.code);
    };
    // A close event always follows an error, and the close code is what decides.
    ws.onerror = ignore;
  }

  private hello(): HelloFrame {
    const { token, position } = this;
    return position ? { type: 'hello', token, resume: position } : { type: 'hello', token };
  }

  private receive(text: string): void {
    const frame = parseServerFrame(text);
    // Unknown frames would come from a newer gateway; skipping them keeps this client working.
    if (!frame) return;
    switch (frame.type) {
      case 'open':
        return this.opened(frame);
      case 'msg':
        return this.delivered(frame);
      case 'gap':
        return this.gapped(frame);
      case 'pong':
        return;
    }
  }

  private opened(frame: OpenFrame): void {
    // A new epoch numbers messages from 1 again, so the old seq must not filter them out.
    if (this.position?.epoch !== frame.epoch) this.position = { epoch: frame.epoch, seq: 0 };
    if (this.stableTimer !== undefined) this.settings.clearTimeout(this.stableTimer);
    this.stableTimer = this.settings.setTimeout(() => {
      this.stableTimer = undefined;
      this.backoff.reset();
    }, this.settings.resetAfterMs);
    this.listener.opened();
  }

  private delivered(frame: MessageFrame): void {
    const position = this.position;
    if (!position || typeof frame.seq !== 'number' || typeof frame.data !== 'string') return;
    // The gateway promises no duplicates; this guards the app should a replay overlap anyway.
    if (frame.seq <= position.seq) return;
    this.position = { epoch: position.epoch, seq: frame.seq };
    this.listener.message(frame.data);
  }

  private gapped(frame: GapFrame): void {
    // After an epoch or position gap the gateway numbers from its own idea of the stream; ours is void.
    if (frame.reason !== 'expired' && this.position) this.position = { epoch: this.position.epoch, seq: 0 };
    this.listener.gap(frame);
  }

  private afterClose(code: number): void {
    this.cancelTimers();
    const info = describeCloseCode(code);
    if (info.reconnect === 'terminal') {
      this.stopped = true;
      this.listener.ended(info);
      return;
    }
    const delay = info.reconnect === 'now' ? this.settings.random() * DRAIN_SPREAD_MS : this.backoff.next();
    this.retryTimer = this.settings.setTimeout(() => this.connect(), delay);
  }

  private cancelTimers(): void {
    if (this.retryTimer !== undefined) this.settings.clearTimeout(this.retryTimer);
    if (this.stableTimer !== undefined) this.settings.clearTimeout(this.stableTimer);
    this.retryTimer = this.stableTimer = undefined;
  }
}
