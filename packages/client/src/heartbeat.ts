import type { Link } from './link.js';
import type { ConnectionSettings } from './options.js';

/**
 * Notices a link that went quiet without closing: a browser learns of a half-open connection (the peer
 * vanished without FIN or RST) only when TCP gives up, minutes later.
 *
 * - On a WebSocket the client pings every `heartbeatIntervalMs` once open, and when no frame at all
 *   arrives within `heartbeatTimeoutMs` of a ping (or of the hello) the link counts as lost.
 * - A stream carries nothing from the client, so it relies on the gateway's heartbeat (every
 *   `streamHeartbeatMs`): silence longer than twice that plus 5 s, from the request on, is a loss.
 *
 * Either way the connection drops the link and reconnects as after a network drop: backoff, resume,
 * no `onclose` for the app.
 */
export class Heartbeat {
  private link: Link | undefined;
  /** Next ping (WebSocket). */
  private pingTimer: unknown;
  /** Armed while a ping (or the hello) waits for any frame (WebSocket), or for any byte at all (stream). */
  private silenceTimer: unknown;

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly lost: () => void,
  ) {}

  /** A new link carries the connection; a stream is watched from the request on (it may hang unanswered). */
  watch(link: Link): void {
    this.stop();
    this.link = link;
    if (!link.pings) this.rearm(this.streamSilenceMs());
  }

  /** The link's hello is on its way: a gateway that never answers it is as good as gone. */
  ready(): void {
    if (this.link?.pings) this.awaitReply();
    else this.rearm(this.streamSilenceMs());
  }

  /** The gateway's `open`: pings may start now (before it the gateway allows nothing but the hello). */
  opened(): void {
    if (this.link?.pings) this.schedulePing();
  }

  heard(): void {
    if (!this.link) return;
    if (!this.link.pings) return this.rearm(this.streamSilenceMs());
    if (this.silenceTimer === undefined) return;
    this.settings.clearTimeout(this.silenceTimer);
    this.silenceTimer = undefined;
  }

  stop(): void {
    if (this.pingTimer !== undefined) this.settings.clearTimeout(this.pingTimer);
    if (this.silenceTimer !== undefined) this.settings.clearTimeout(this.silenceTimer);
    this.pingTimer = this.silenceTimer = this.link = undefined;
  }

  private streamSilenceMs(): number {
    return 2 * this.settings.streamHeartbeatMs + 5_000;
  }

  private schedulePing(): void {
    if (this.settings.heartbeatIntervalMs <= 0) return;
    if (this.pingTimer !== undefined) this.settings.clearTimeout(this.pingTimer);
    this.pingTimer = this.settings.setTimeout(() => {
      this.pingTimer = undefined;
      if (!this.link?.ping()) return;
      this.awaitReply();
      this.schedulePing();
    }, this.settings.heartbeatIntervalMs);
  }

  /** Starts waiting for a frame, unless already waiting (the oldest unanswered ping sets the deadline). */
  private awaitReply(): void {
    if (this.settings.heartbeatIntervalMs <= 0 || this.silenceTimer !== undefined) return;
    this.arm(this.settings.heartbeatTimeoutMs);
  }

  private rearm(ms: number): void {
    if (this.silenceTimer !== undefined) this.settings.clearTimeout(this.silenceTimer);
    this.arm(ms);
  }

  private arm(ms: number): void {
    this.silenceTimer = this.settings.setTimeout(() => {
      this.silenceTimer = undefined;
      this.lost();
    }, ms);
  }
}
