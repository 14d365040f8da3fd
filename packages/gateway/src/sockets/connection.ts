import {
  CloseCode,
  describeCloseCode,
  encodeServerFrame,
  messageFrameFromEncoded,
  type GapFrame,
  type OpenFrame,
  type ServerFrame,
} from '@channel-gateway/protocol';
import type { BufferedMessage } from '../channels/channel-store.js';
import type { TransportSocket } from '../transport/transport.js';
import type { DeadlineWheel } from './deadline-wheel.js';

/**
 * awaiting-hello ─beginHello─▶ attaching ─goLive─▶ open
 *        └───────────────────────┴─────────────────┴──close / transportClosed──▶ closed
 */
export type ConnectionState = 'awaiting-hello' | 'attaching' | 'open' | 'closed';

/** Messages held for a socket while it attaches; past this the socket is told to resume instead. */
const MAX_PENDING_WHILE_ATTACHING = 1_000;
/** Live messages held behind a missing seq; past this the socket is told to resume (RESYNC). */
const MAX_HELD = 1_000;

/** How an attached socket opens: its frames, then the replay, then live messages after `lastSeq`. */
export interface OpenPlan {
  readonly open: OpenFrame;
  readonly gap?: GapFrame;
  readonly replay: readonly BufferedMessage[];
  /** The client's newest seq when the socket attached: everything up to it was replayed or reported as a gap. */
  readonly lastSeq: number;
  /** How far the socket this one replaced delivered, when known: the replay skips that far. */
  readonly delivered?: number;
}

/**
 * One client socket over a TransportSocket (a WebSocket, or any other transport socket): the transport's
 * per-socket data. It owns its state: every change goes through one of the methods below (the socket
 * server, the hello path and the registry call them; none writes a field). Kept small (it is the
 * per-connection memory cost) and with no timers of its own; deadlines live in the node's wheels.
 */
export class Connection {
  #state: ConnectionState = 'awaiting-hello';
  #ws: TransportSocket | undefined;
  #clientId = '';
  #epoch = '';
  /** Highest seq written to the socket (or not owed to it). */
  #lastSeq = 0;
  /** Token expiry; the socket is closed with TOKEN_EXPIRED then. */
  #expiresAt = 0;
  /** Bucket in whichever deadline wheel holds this connection (hello deadline, then token expiry). */
  #wheelBucket = -1;
  /** Live messages that arrived while attaching, delivered after the replay. */
  #pending: BufferedMessage[] | undefined;
  /**
   * Live messages that arrived ahead of a missing seq, in seq order, and when the first of them arrived.
   * Live messages can overtake each other (a node delivers its own sends without the pub/sub hop), so a
   * gap is first waited for; the registry resyncs the socket if it is not filled in time.
   */
  #held: BufferedMessage[] | undefined;
  #heldSince = 0;
  /** A local socket for the same client that this one will replace once attached. */
  #previous: Connection | undefined;
  /** Inbound frames in the current flood window (see SocketServer.onFrame). */
  #framesInWindow = 0;
  #floodWindowStart = 0;
  /** Counted in cg_sockets_live (open and scheduled for expiry). */
  #live = false;
  /** Code this node closed the socket with, for metrics and logs. */
  #closedWith: number | undefined;

  constructor(
    readonly id: string,
    readonly maxBackpressureBytes: number,
    /** The client's address (for the per-address socket cap). */
    readonly address: string,
    /** Set when the origin was refused at upgrade: the socket is closed as soon as it opens. */
    readonly refusal?: number,
  ) {}

  get state(): ConnectionState {
    return this.#state;
  }

  /** '' until the token is known. */
  get clientId(): string {
    return this.#clientId;
  }

  /** '' until the socket owns its client (in this epoch of the client's stream). */
  get epoch(): string {
    return this.#epoch;
  }

  /** Highest seq written to the socket (or not owed to it): how far it delivered. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  get expiresAt(): number {
    return this.#expiresAt;
  }

  get closedWith(): number | undefined {
    return this.#closedWith;
  }

  /** The node's socket for the same client that this one replaces once attached. */
  get previous(): Connection | undefined {
    return this.#previous;
  }

  /** A method, not a field read, so checks after an await are not narrowed away by TypeScript. */
  isClosed(): boolean {
    return this.#state === 'closed';
  }

  // ── Transitions, in the order a socket goes through them ──

  /** The transport opened the socket (an accepted upgrade can still fail its handshake before this). */
  opened(ws: TransportSocket): void {
    this.#ws = ws;
  }

  /** Counts an inbound frame in the current flood window of `windowMs`; returns how many that window holds. */
  countFrame(now: number, windowMs: number): number {
    if (now - this.#floodWindowStart >= windowMs) {
      this.#floodWindowStart = now;
      this.#framesInWindow = 0;
    }
    return ++this.#framesInWindow;
  }

  /** The hello arrived: the socket attaches. False (nothing changes) unless it was awaiting its hello. */
  beginHello(): boolean {
    if (this.#state !== 'awaiting-hello') return false;
    this.#state = 'attaching';
    return true;
  }

  /** The token is valid: the socket is for `clientId` until `expiresAt` (live messages for it wait in `pending`). */
  identify(clientId: string, expiresAt: number): void {
    this.#clientId = clientId;
    this.#expiresAt = expiresAt;
  }

  /** This socket, attaching, will replace `current`, the node's socket for the same client, once attached. */
  replacing(current: Connection): void {
    this.#previous = current;
  }

  /** The socket this one replaces (if any), handed over once: the attach is settled either way. */
  takePrevious(): Connection | undefined {
    const previous = this.#previous;
    this.#previous = undefined;
    return previous;
  }

  /** The live messages held while attaching, handed over once (to the previous socket when the attach failed). */
  takePending(): BufferedMessage[] {
    const pending = this.#pending ?? [];
    this.#pending = undefined;
    return pending;
  }

  /**
   * The store made this socket its client's owner, with replay from `replayFrom`: until it opens it counts
   * as having delivered what comes before (a takeover of it meanwhile is told so).
   */
  attachedFrom(replayFrom: number): void {
    this.#lastSeq = replayFrom - 1;
  }

  /**
   * The attach is settled: from now on the close handler releases the client's ownership (epoch `epoch`).
   * False when the transport already reported the socket closed: that report came before it owned the
   * client, so the caller releases it, once.
   */
  ownsClient(epoch: string): boolean {
    this.#epoch = epoch;
    return this.#ws !== undefined;
  }

  /**
   * Opens the attached socket: the open frame (and gap), the replay, then live from the client's seq at
   * attach. Returns how many messages it replayed and the live messages that arrived while it attached,
   * for the registry to deliver (they may need to wait for a missing seq).
   */
  goLive(plan: OpenPlan): { replayed: number; pending: BufferedMessage[] } {
    this.sendFrame(plan.open);
    if (plan.gap) this.sendFrame(plan.gap);
    if (this.#state === 'attaching') this.#state = 'open';
    const pending = this.takePending();
    if (plan.delivered !== undefined) this.#lastSeq = Math.max(this.#lastSeq, plan.delivered);
    let replayed = 0;
    for (const message of plan.replay) if (this.replay(message)) replayed++;
    // Everything up to the channel's seq at attach time was replayed or reported as a gap.
    this.#lastSeq = Math.max(this.#lastSeq, plan.lastSeq);
    return { replayed, pending };
  }

  /** Puts the connection in `wheel` at `deadline` (its hello deadline; see `scheduleExpiry` for the token's). */
  scheduleIn(wheel: DeadlineWheel<Connection>, deadline: number): void {
    this.#wheelBucket = wheel.add(this, deadline);
  }

  /** Takes the connection out of `wheel` (a no-op when it is not there). */
  unscheduleFrom(wheel: DeadlineWheel<Connection>): void {
    wheel.remove(this, this.#wheelBucket);
  }

  /**
   * Schedules the close at token expiry in `wheel`, at `expiresAt` (when a newer token moves it) or the
   * token's own. From then on the socket counts as live (cg_sockets_live) until the transport closes it.
   */
  scheduleExpiry(wheel: DeadlineWheel<Connection>, expiresAt = this.#expiresAt): void {
    wheel.remove(this, this.#wheelBucket);
    this.#expiresAt = expiresAt;
    this.#wheelBucket = wheel.add(this, expiresAt);
    this.#live = true;
  }

  /** This node closes the socket with `code` (the transport reports the close after). */
  close(code: number): void {
    if (this.#state === 'closed' || !this.#ws) return;
    this.#closedWith = code;
    this.#state = 'closed';
    this.#ws.end(code, describeCloseCode(code).name);
  }

  /**
   * The transport reports the socket closed, whoever began it. Says what the socket server counted it in,
   * to undo: the socket caps (`opened`, false on a repeated report), cg_sockets_live (`live`), and the
   * client's ownership in the store (`owner`: it attached; the release path takes it from here).
   */
  transportClosed(): { opened: boolean; live: boolean; owner: boolean } {
    const opened = this.#ws !== undefined;
    const was = { opened, live: this.#live, owner: opened && this.#epoch !== '' };
    this.#state = 'closed';
    this.#ws = undefined;
    this.#live = false;
    return was;
  }

  // ── Writing to the socket ──

  /** Sends a frame; closes the socket as SLOW_CONSUMER when the client does not keep up. */
  sendText(text: string): boolean {
    const ws = this.#ws;
    if (!ws || this.#state === 'closed') return false;
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
    if (this.#state === 'attaching') {
      const pending = (this.#pending ??= []);
      if (pending.length >= MAX_PENDING_WHILE_ATTACHING) {
        // Still in the buffer: the client gets it when it resumes.
        this.close(CloseCode.SLOW_CONSUMER);
        return 0;
      }
      pending.push(message);
      return 0;
    }
    if (this.#state !== 'open' || message.seq <= this.#lastSeq) return 0;
    if (message.seq > this.#lastSeq + 1) {
      this.hold(message);
      return 0;
    }
    if (!this.write(message)) return 0;
    return this.#held ? 1 + this.releaseHeld() : 1;
  }

  /** Writes a replayed message (the buffer is authoritative: a trimmed seq was reported as a gap). */
  replay(message: BufferedMessage): boolean {
    if (this.#state !== 'open' || message.seq <= this.#lastSeq) return false;
    return this.write(message);
  }

  /** Whether live messages wait for a missing seq (the registry watches such sockets). */
  isHolding(): boolean {
    return this.#held !== undefined;
  }

  /** Whether messages have been waiting for a missing seq since before `cutoff` (performance.now() ms). */
  heldBefore(cutoff: number): boolean {
    return this.#held !== undefined && this.#heldSince <= cutoff;
  }

  private write(message: BufferedMessage): boolean {
    if (!this.sendText(messageFrameFromEncoded(message.seq, message.encodedData))) return false;
    this.#lastSeq = message.seq;
    return true;
  }

  private hold(message: BufferedMessage): void {
    const held = (this.#held ??= []);
    if (held.length >= MAX_HELD) return this.close(CloseCode.RESYNC);
    if (held.length === 0) this.#heldSince = performance.now();
    let at = held.length;
    while (at > 0 && held[at - 1]!.seq > message.seq) at--;
    if (held[at - 1]?.seq !== message.seq) held.splice(at, 0, message);
  }

  /** Writes the held messages that are now next in line; returns how many. */
  private releaseHeld(): number {
    const held = this.#held!;
    let next = 0;
    let written = 0;
    while (next < held.length && held[next]!.seq <= this.#lastSeq + 1) {
      const message = held[next++]!;
      if (message.seq <= this.#lastSeq) continue;
      if (!this.write(message)) return written; // closed as a slow consumer
      written++;
    }
    held.splice(0, next);
    if (held.length === 0) this.#held = undefined;
    else this.#heldSince = performance.now(); // what is left waits for the next missing seq
    return written;
  }
}
