import {
  CloseCode,
  describeCloseCode,
  type CloseCodeInfo,
  type GapFrame,
  type HelloFrame,
  type MessageFrame,
  type OpenFrame,
  type StreamPosition,
} from '@channel-gateway/protocol';
import { Backoff } from './backoff.js';
import { Heartbeat } from './heartbeat.js';
import type { Link, LinkEvents, LinkFrame, Transport } from './link.js';
import type { ConnectionSettings } from './options.js';
import { TokenRefresher, type RefreshAnswer, type RefreshLink } from './token-refresh.js';
import { WebSocketReturn } from './web-socket-return.js';

/** What a connection tells the socket the app holds. */
export interface ConnectionListener {
  /** The gateway accepted a link (the first one, one after a reconnect, or a WebSocket that took over a stream). */
  opened(transport: Transport): void;
  message(data: string): void;
  gap(frame: GapFrame): void;
  /** A link closed or went silent, and another one follows (after a delay, or at once for a fallback). */
  dropped(info: CloseCodeInfo): void;
  /** The gateway closed for good (a terminal close code); nothing follows. */
  ended(info: CloseCodeInfo): void;
}

/** DRAINING clients reconnect within this window, so a draining node's clients do not arrive all at once. */
const DRAIN_SPREAD_MS = 1_000;

/** Close codes below this come from the browser or the network, not from the gateway (4xxx). */
const FIRST_GATEWAY_CODE = 4_000;

/**
 * One logical connection to the gateway: a succession of links (WebSockets or HTTP streams), each
 * resuming where the last one stopped, until a terminal close code or `stop()`. The app's stream of
 * messages is one whichever link carries it: the position (epoch, last seq) lives here, so a message a
 * replay repeats on the next link is dropped by its seq.
 *
 * Transport: a WebSocket first. When one fails before the gateway's `open` (the upgrade refused or cut
 * by a proxy, or nothing within `fallbackTimeoutMs`), the next attempt, at once, is a stream; while on a
 * stream, `WebSocketReturn` keeps trying to get back to a WebSocket without disturbing the stream.
 */
export class Connection implements RefreshLink {
  /** The link carrying the connection (or trying to). */
  private link: Link | undefined;
  /** Whether `link` has had the gateway's `open`; only then may a refresh go through it. */
  private linkOpen = false;
  /** What the gateway called `link` in its open frame (a stream's refresh names it). */
  private connectionId: string | undefined;
  /** The gateway's clock minus this machine's, as of the last open frame (0 when it did not say). */
  private clockOffsetMs = 0;
  /** With `getToken`: refreshes the token before it expires (token-refresh.ts). */
  private readonly refresher: TokenRefresher | undefined;
  /** What the next attempt uses. */
  private transport: Transport;
  private position: StreamPosition | undefined;
  private readonly backoff: Backoff;
  private readonly heartbeat: Heartbeat;
  private readonly webSocketReturn: WebSocketReturn;
  private retryTimer: unknown;
  private stableTimer: unknown;
  /** A WebSocket that has not opened within `fallbackTimeoutMs` gives way to a stream. */
  private fallbackTimer: unknown;
  private stopped = false;

  constructor(
    /** The token the next hello carries: the first one, then the last one the gateway accepted in a refresh. */
    private token: string,
    private readonly settings: ConnectionSettings,
    private readonly listener: ConnectionListener,
  ) {
    this.backoff = new Backoff(settings, settings.random);
    this.heartbeat = new Heartbeat(settings, () => this.lost());
    if (settings.getToken) this.refresher = new TokenRefresher(settings.getToken, this, settings, settings.now);
    this.transport = settings.links.websocket ? 'websocket' : 'stream';
    this.webSocketReturn = new WebSocketReturn(settings, {
      open: () => this.openLink('websocket'),
      took: (link, frame) => this.tookOver(link, frame),
      failed: (code) => this.afterClose(code),
    });
  }

  start(): void {
    this.connect();
  }

  /** Closes from the client side; the listener hears nothing after this. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.refresher?.stop();
    this.cancelTimers();
    const link = this.link;
    this.link = undefined;
    link?.close();
  }

  private connect(): void {
    this.retryTimer = undefined;
    this.linkOpen = false;
    const transport = this.transport;
    const link = this.openLink(transport);
    if (!link) return this.failedBeforeOpen(transport, CloseCode.ABNORMAL);
    this.link = link;
    this.heartbeat.watch(link);
    if (transport === 'websocket' && this.settings.links.stream) {
      this.fallbackTimer = this.settings.setTimeout(() => {
        this.fallbackTimer = undefined;
        this.lost();
      }, this.settings.fallbackTimeoutMs);
    }
  }

  /**
   * A new link saying the current hello; its events go to the connection while it carries it, to
   * `webSocketReturn` while it is a WebSocket returning from a stream, and nowhere once it is neither.
   */
  private openLink(transport: Transport): Link | undefined {
    let link: Link | undefined;
    const carrying = (): boolean => link !== undefined && link === this.link;
    const returning = (): boolean => link !== undefined && this.webSocketReturn.isReturning(link);
    const events: LinkEvents = {
      ready: () => carrying() && this.heartbeat.ready(),
      refreshed: (token, expiresAt, serverTime) => carrying() && this.refreshed(token, expiresAt, serverTime),
      heard: () => carrying() && this.heartbeat.heard(),
      frame: (frame) => {
        if (carrying()) this.receive(frame);
        else if (returning() && frame.type === 'open') this.webSocketReturn.opened(link!, frame);
      },
      closed: (code) => {
        if (carrying()) this.linkClosed(code);
        else if (returning()) this.webSocketReturn.failed();
      },
    };
    try {
      link = this.settings.links[transport]?.(this.helloText(), events);
    } catch {
      // e.g. a WebSocket refused by the page's CSP: a failed connect, like one refused by the network.
    }
    return link;
  }

  /** Hands a newer token to the gateway on the link in use (RefreshLink, for the TokenRefresher). */
  refresh(token: string): Promise<RefreshAnswer> {
    const link = this.link;
    if (!link || !this.linkOpen) return Promise.resolve({ kind: 'failed' });
    // An acceptance reaches refreshed() through the link's event, also when it comes too late for this answer.
    return link
      .refresh(token, this.connectionId)
      .then((answer) => (answer.kind === 'refreshed' && answer.serverTime === undefined ? { ...answer, serverTime: this.gatewayNow() } : answer));
  }

  /** The gateway's clock now, as the last open frame told it (POST /v1/refresh answers without it). */
  private gatewayNow(): number {
    return this.settings.now() + this.clockOffsetMs;
  }

  private refreshed(token: string, expiresAt: number, serverTime: number | undefined): void {
    // A reconnect says hello with the newest token: the old one may have expired by then.
    this.token = token;
    this.refresher?.refreshed(expiresAt, serverTime ?? this.gatewayNow());
  }

  private helloText(): string {
    const { token, position } = this;
    const hello: HelloFrame = position ? { type: 'hello', token, resume: position } : { type: 'hello', token };
    return JSON.stringify(hello);
  }

  private receive(frame: LinkFrame): void {
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
    const link = this.link;
    if (!link) return;
    this.linkOpen = true;
    if (this.fallbackTimer !== undefined) this.settings.clearTimeout(this.fallbackTimer);
    this.fallbackTimer = undefined;
    // A new epoch numbers messages from 1 again, so the old seq must not filter them out.
    if (this.position?.epoch !== frame.epoch) this.position = { epoch: frame.epoch, seq: 0 };
    if (this.stableTimer !== undefined) this.settings.clearTimeout(this.stableTimer);
    this.stableTimer = this.settings.setTimeout(() => {
      this.stableTimer = undefined;
      this.backoff.reset();
    }, this.settings.resetAfterMs);
    this.heartbeat.opened();
    this.connectionId = frame.connectionId;
    this.clockOffsetMs = frame.serverTime === undefined ? 0 : frame.serverTime - this.settings.now();
    this.refresher?.expiresAt(frame.expiresAt, frame.serverTime);
    if (link.transport === 'stream') this.webSocketReturn.onStream();
    this.listener.opened(link.transport);
  }

  /** A WebSocket opened while a stream carried the connection: it carries it from now on. */
  private tookOver(link: Link, frame: OpenFrame): void {
    // The gateway closes the old stream (REPLACED); closing it here first means that close is never seen.
    this.link?.close();
    this.link = link;
    this.transport = 'websocket';
    this.heartbeat.watch(link);
    this.opened(frame);
  }

  private delivered(frame: MessageFrame): void {
    const position = this.position;
    if (!position || typeof frame.seq !== 'number' || typeof frame.data !== 'string') return;
    // The gateway promises no duplicates; this guards the app should a replay overlap (as it does when a
    // WebSocket takes over from a stream that went on delivering meanwhile).
    if (frame.seq <= position.seq) return;
    this.position = { epoch: position.epoch, seq: frame.seq };
    this.listener.message(frame.data);
  }

  private gapped(frame: GapFrame): void {
    // After an epoch or position gap the gateway numbers from its own idea of the stream; ours is void.
    if (frame.reason !== 'expired' && this.position) this.position = { epoch: this.position.epoch, seq: 0 };
    this.listener.gap(frame);
  }

  /** The link went silent, or a WebSocket did not open in time: give up on it without waiting for a close. */
  private lost(): void {
    const link = this.link;
    if (!link) return;
    link.close();
    this.linkClosed(CloseCode.ABNORMAL);
  }

  private linkClosed(code: number): void {
    const link = this.link;
    this.link = undefined;
    this.connectionId = undefined;
    this.heartbeat.stop();
    if (!link) return;
    // The WebSocket returning from a stream replaced it: expected, and that WebSocket carries on.
    if (code === CloseCode.REPLACED && this.webSocketReturn.replacing()) return;
    if (!this.linkOpen) return this.failedBeforeOpen(link.transport, code);
    this.afterClose(code);
  }

  /**
   * A link that never opened. A WebSocket the network refused (a close code not from the gateway) gives
   * way to a stream, at once: that is no gateway fault to back off from.
   */
  private failedBeforeOpen(transport: Transport, code: number): void {
    if (transport === 'websocket' && code < FIRST_GATEWAY_CODE && this.settings.links.stream) {
      this.cancelTimers();
      this.transport = 'stream';
      this.listener.dropped(describeCloseCode(CloseCode.ABNORMAL));
      return this.connect();
    }
    this.afterClose(code);
  }

  private afterClose(code: number): void {
    this.cancelTimers();
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
    if (this.fallbackTimer !== undefined) this.settings.clearTimeout(this.fallbackTimer);
    this.retryTimer = this.stableTimer = this.fallbackTimer = undefined;
    this.heartbeat.stop();
    this.webSocketReturn.cancel();
  }
}
