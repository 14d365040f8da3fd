import {
  CloseCode,
  describeCloseCode,
  parseServerFrame,
  type CloseCodeInfo,
  type GapFrame,
  type HelloFrame,
  type MessageFrame,
  type OpenFrame,
  type PingFrame,
  type RefreshedFrame,
  type RefreshRefusedFrame,
  type StreamPosition,
} from '@channel-gateway/protocol';
import { Backoff } from './backoff.js';
import type { ConnectionSettings } from './options.js';
import { PendingRefresh, TokenRefresher, type RefreshAnswer, type RefreshLink } from './token-refresh.js';
import type { WebSocketLike } from './web-socket.js';

/** What a connection tells the socket the app holds. */
export interface ConnectionListener {
  /** The gateway accepted a WebSocket (the first one, or one after a reconnect). */
  opened(): void;
  message(data: string): void;
  gap(frame: GapFrame): void;
  /** A WebSocket closed or went silent, and another one follows after a delay. */
  dropped(info: CloseCodeInfo): void;
  /** The gateway closed for good (a terminal close code); nothing follows. */
  ended(info: CloseCodeInfo): void;
}

/** DRAINING clients reconnect within this window, so a draining node's clients do not arrive all at once. */
const DRAIN_SPREAD_MS = 1_000;

const ignore = (): void => {};

const PING = JSON.stringify({ type: 'ping' } satisfies PingFrame);

/** Detaches the client's handlers from a WebSocket it no longer uses and closes it. */
function discard(ws: WebSocketLike): void {
  ws.onopen = ws.onmessage = ws.onclose = null;
  // Not null: ws (Node) throws on an 'error' event nobody listens to, e.g. closing mid-handshake.
  ws.onerror = ignore;
  try {
    ws.close(CloseCode.NORMAL);
  } catch {
    // Already closing; nothing left to do.
  }
}

/**
 * One logical connection to the gateway: a succession of WebSockets, each resuming where the last
 * one stopped, until a terminal close code or `stop()`.
 *
 * Heartbeat: a browser learns of a half-open connection (the peer vanished without FIN or RST) only
 * when TCP gives up, minutes later. So once a socket is open the client pings every
 * `heartbeatIntervalMs`, and when no frame at all arrives within `heartbeatTimeoutMs` of a ping (or of
 * the hello) it drops that WebSocket and reconnects as after a network drop: backoff, resume, no
 * `onclose` for the app.
 */
export class Connection implements RefreshLink {
  private ws: WebSocketLike | undefined;
  /** Set between the gateway's open frame and the socket's close: only then may a refresh be sent. */
  private accepted = false;
  /** With `getToken`: refreshes the token before it expires (token-refresh.ts). */
  private readonly refresher: TokenRefresher | undefined;
  private readonly pendingRefresh = new PendingRefresh();
  private position: StreamPosition | undefined;
  private readonly backoff: Backoff;
  private retryTimer: unknown;
  private stableTimer: unknown;
  /** Next ping. */
  private pingTimer: unknown;
  /** Armed while a ping (or the hello) waits for any frame from the gateway. */
  private replyTimer: unknown;
  private stopped = false;

  constructor(
    /** The token the next hello carries: the first one, then the last one the gateway accepted in a refresh. */
    private token: string,
    private readonly settings: ConnectionSettings,
    private readonly listener: ConnectionListener,
  ) {
    this.backoff = new Backoff(settings, settings.random);
    if (settings.getToken) this.refresher = new TokenRefresher(settings.getToken, this, settings, settings.now);
  }

  start(): void {
    this.connect();
  }

  /** Closes from the client side; the listener hears nothing after this. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.refresher?.stop();
    this.linkGone();
    this.cancelTimers();
    const ws = this.ws;
    this.ws = undefined;
    if (ws) discard(ws);
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
    ws.onopen = () => {
      if (this.ws !== ws) return;
      ws.send(JSON.stringify(this.hello()));
      // A gateway that accepted the socket but never answers the hello is as good as gone.
      this.awaitReply();
    };
    ws.onmessage = (event) => {
      if (this.ws !== ws) return;
      // Any frame at all shows the connection is alive.
      this.heard();
      if (typeof event.data === 'string') this.receive(event.data);
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
      case 'refreshed':
      case 'refresh-refused':
        return this.refreshAnswered(frame);
    }
  }

  /** Hands a newer token to the gateway on the open WebSocket (RefreshLink, for the TokenRefresher). */
  refresh(token: string): Promise<RefreshAnswer> {
    const ws = this.ws;
    if (!ws || !this.accepted) return Promise.resolve({ kind: 'failed' });
    return this.pendingRefresh.start(token, (frame) => ws.send(frame));
  }

  private refreshAnswered(frame: RefreshedFrame | RefreshRefusedFrame): void {
    const accepted = this.pendingRefresh.answered(frame);
    // A reconnect says hello with the newest token: the old one may have expired by then.
    if (accepted !== undefined) this.token = accepted;
    if (frame.type === 'refreshed') this.refresher?.refreshed(frame.expiresAt, frame.serverTime);
  }

  /** The WebSocket in use is gone: a refresh in flight on it failed. */
  private linkGone(): void {
    this.accepted = false;
    this.pendingRefresh.fail();
  }

  private opened(frame: OpenFrame): void {
    // A new epoch numbers messages from 1 again, so the old seq must not filter them out.
    if (this.position?.epoch !== frame.epoch) this.position = { epoch: frame.epoch, seq: 0 };
    if (this.stableTimer !== undefined) this.settings.clearTimeout(this.stableTimer);
    this.stableTimer = this.settings.setTimeout(() => {
      this.stableTimer = undefined;
      this.backoff.reset();
    }, this.settings.resetAfterMs);
    // Pings start only now: before `open` the gateway allows nothing but the hello.
    this.schedulePing();
    this.accepted = true;
    this.refresher?.expiresAt(frame.expiresAt, frame.serverTime);
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

  private schedulePing(): void {
    if (this.settings.heartbeatIntervalMs <= 0) return;
    if (this.pingTimer !== undefined) this.settings.clearTimeout(this.pingTimer);
    this.pingTimer = this.settings.setTimeout(() => {
      this.pingTimer = undefined;
      this.ping();
    }, this.settings.heartbeatIntervalMs);
  }

  private ping(): void {
    const ws = this.ws;
    if (!ws) return;
    try {
      ws.send(PING);
    } catch {
      // Not open any more: its close event is on the way and decides what happens next.
      return;
    }
    this.awaitReply();
    this.schedulePing();
  }

  /** Starts waiting for a frame, unless already waiting (the oldest unanswered ping sets the deadline). */
  private awaitReply(): void {
    if (this.settings.heartbeatIntervalMs <= 0 || this.replyTimer !== undefined) return;
    this.replyTimer = this.settings.setTimeout(() => {
      this.replyTimer = undefined;
      this.lost();
    }, this.settings.heartbeatTimeoutMs);
  }

  private heard(): void {
    if (this.replyTimer === undefined) return;
    this.settings.clearTimeout(this.replyTimer);
    this.replyTimer = undefined;
  }

  /** The gateway went silent: give up on this WebSocket without waiting for a close that may never come. */
  private lost(): void {
    const ws = this.ws;
    if (!ws) return;
    this.ws = undefined;
    discard(ws);
    this.afterClose(CloseCode.ABNORMAL);
  }

  private afterClose(code: number): void {
    this.cancelTimers();
    this.linkGone();
    const info = describeCloseCode(code);
    if (info.reconnect === 'terminal') {
      this.stopped = true;
      this.refresher?.stop();
      this.listener.ended(info);
      return;
    }
    this.listener.dropped(info);
    const delay = info.reconnect === 'now' ? this.settings.random() * DRAIN_SPREAD_MS : this.backoff.next();
    this.retryTimer = this.settings.setTimeout(() => this.connect(), delay);
  }

  private cancelTimers(): void {
    if (this.retryTimer !== undefined) this.settings.clearTimeout(this.retryTimer);
    if (this.stableTimer !== undefined) this.settings.clearTimeout(this.stableTimer);
    if (this.pingTimer !== undefined) this.settings.clearTimeout(this.pingTimer);
    if (this.replyTimer !== undefined) this.settings.clearTimeout(this.replyTimer);
    this.retryTimer = this.stableTimer = this.pingTimer = this.replyTimer = undefined;
  }
}
