import { CloseCode, type OpenFrame } from '@channel-gateway/protocol';
import type { Link } from './link.js';
import type { ConnectionSettings } from './options.js';

/** What the return to a WebSocket needs from the connection. */
export interface WebSocketReturnHost {
  /** Opens a WebSocket link that says the current hello (with the resume position); undefined if it threw. */
  open(): Link | undefined;
  /** The WebSocket had the gateway's `open`: it carries the connection from now on. */
  took(link: Link, frame: OpenFrame): void;
  /** The WebSocket failed after the gateway had already replaced the stream: the connection must reconnect. */
  failed(code: number): void;
}

/**
 * While a stream carries the connection, tries now and then to get back to a WebSocket (a proxy that
 * refused the upgrade may have gone, the page may have moved to another network), without disturbing the
 * stream: a WebSocket says hello with the resume position, and only its `open` retires the stream. Until
 * then the stream goes on delivering; what it delivers twice meanwhile the connection drops by seq.
 *
 * Taking over makes the gateway close the stream with REPLACED, which may arrive before the WebSocket's
 * `open` (two connections, no order between them): `replacing()` tells the connection to expect it.
 * A WebSocket that fails leaves the stream as it was; the next try waits twice as long, up to a cap.
 */
export class WebSocketReturn {
  private returning: Link | undefined;
  private retryTimer: unknown;
  private openTimer: unknown;
  /** Failed tries since the last WebSocket took over; sets the wait before the next one. */
  private tries = 0;
  /** The stream has closed with REPLACED while `returning` had not opened yet. */
  private streamReplaced = false;

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly host: WebSocketReturnHost,
  ) {}

  /** A stream opened: schedule a try, unless one is already scheduled or under way. */
  onStream(): void {
    if (!this.settings.links.websocket || this.retryTimer !== undefined || this.returning) return;
    const { firstMs, capMs } = this.settings.websocketRetry;
    const delay = Math.min(capMs, firstMs * 2 ** Math.min(this.tries, 32));
    this.retryTimer = this.settings.setTimeout(() => {
      this.retryTimer = undefined;
      this.start();
    }, delay);
  }

  isReturning(link: Link): boolean {
    return link === this.returning;
  }

  /**
   * The stream closed with REPLACED: true when a returning WebSocket explains it (the connection then
   * waits for that WebSocket instead of ending), false when something else replaced this client.
   */
  replacing(): boolean {
    if (!this.returning) return false;
    this.streamReplaced = true;
    return true;
  }

  /** The returning WebSocket had the gateway's `open`. */
  opened(link: Link, frame: OpenFrame): void {
    if (link !== this.returning) return;
    this.clear();
    this.tries = 0;
    this.host.took(link, frame);
  }

  /** The returning WebSocket closed (or did not open in time) before the gateway's `open`. */
  failed(): void {
    if (!this.returning) return;
    const replaced = this.streamReplaced;
    this.returning.close();
    this.clear();
    this.tries += 1;
    if (replaced) this.host.failed(CloseCode.ABNORMAL);
    else this.onStream();
  }

  /** The stream dropped or the connection stopped: no try scheduled, none under way. */
  cancel(): void {
    this.returning?.close();
    this.clear();
    if (this.retryTimer !== undefined) this.settings.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private start(): void {
    const link = this.host.open();
    if (!link) {
      this.tries += 1;
      return this.onStream();
    }
    this.returning = link;
    this.openTimer = this.settings.setTimeout(() => {
      this.openTimer = undefined;
      this.failed();
    }, this.settings.fallbackTimeoutMs);
  }

  private clear(): void {
    if (this.openTimer !== undefined) this.settings.clearTimeout(this.openTimer);
    this.returning = this.openTimer = undefined;
    this.streamReplaced = false;
  }
}
