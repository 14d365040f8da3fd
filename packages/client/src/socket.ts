import type { CloseCodeInfo, GapFrame } from '@channel-gateway/protocol';
import { Connection } from './connection.js';
import type { ChannelError, ChannelGap, ChannelMessage, ConnectionState, SocketHandler, StateChange } from './handlers.js';
import type { Transport } from './link.js';
import type { ConnectionSettings } from './options.js';

export const ReadyState = Object.freeze({ CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 } as const);
export type ReadyStateValue = (typeof ReadyState)[keyof typeof ReadyState];

/**
 * GAE's `goog.appengine.Socket`: what `Channel.open()` returns. Reconnects are hidden from the app:
 * `onopen` fires once, `readyState` stays OPEN through a transient drop, and `onclose` only fires
 * when the socket is finished (terminal close code or `close()`), after `onerror` when there was an error.
 */
export class Socket {
  static readonly ReadyState = ReadyState;

  readyState: ReadyStateValue = ReadyState.CONNECTING;
  // Read when an event fires, not when the socket opens, so apps can set them after open().
  onopen: SocketHandler['onopen'];
  onmessage: SocketHandler['onmessage'];
  onerror: SocketHandler['onerror'];
  onclose: SocketHandler['onclose'];
  ongap: SocketHandler['ongap'];
  onstatechange: SocketHandler['onstatechange'];
  /** The last close of a link under this socket (a drop it reconnects from, or the terminal one). */
  lastDrop: CloseCodeInfo | undefined;
  /**
   * What carries the socket since the gateway last accepted it: `websocket`, or `stream` (an HTTP stream,
   * where no WebSocket gets through); undefined before the first open. Not in GAE.
   */
  transport: Transport | undefined;

  private readonly connection: Connection;
  private current: ConnectionState = 'connecting';

  /** Sockets come from `Channel.open()`; apps do not construct them. */
  constructor(token: string, settings: ConnectionSettings, handler: SocketHandler = {}) {
    this.onopen = handler.onopen ?? null;
    this.onmessage = handler.onmessage ?? null;
    this.onerror = handler.onerror ?? null;
    this.onclose = handler.onclose ?? null;
    this.ongap = handler.ongap ?? null;
    this.onstatechange = handler.onstatechange ?? null;
    this.connection = new Connection(token, settings, {
      opened: (transport) => this.opened(transport),
      message: (data) => this.invoke(this.onmessage, { data } satisfies ChannelMessage),
      gap: (frame) => this.gap(frame),
      dropped: (info) => this.dropped(info),
      ended: (info) => this.ended(info),
    });
    // Every handler call comes from a WebSocket event or a timer, so none runs inside open().
    this.connection.start();
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** Finishes the socket: no reconnect, and `onclose` follows (asynchronously, once). */
  close(): void {
    if (this.readyState >= ReadyState.CLOSING) return;
    this.readyState = ReadyState.CLOSING;
    this.connection.stop();
    void Promise.resolve().then(() => {
      this.readyState = ReadyState.CLOSED;
      this.changeState('closed', undefined);
      this.invoke(this.onclose, undefined);
    });
  }

  private opened(transport: Transport): void {
    this.transport = transport;
    this.changeState('open', this.lastDrop);
    if (this.readyState !== ReadyState.CONNECTING) return;
    this.readyState = ReadyState.OPEN;
    this.invoke(this.onopen, undefined);
  }

  private gap(frame: GapFrame): void {
    const gap: ChannelGap = {
      reason: frame.reason,
      ...(frame.from === undefined ? {} : { from: frame.from }),
      ...(frame.to === undefined ? {} : { to: frame.to }),
    };
    if (this.ongap) return this.invoke(this.ongap, gap);
    // GAE apps know nothing of gaps, but losing messages silently is worse than a console line.
    const range = frame.from === undefined ? '' : ` (seq ${frame.from}–${frame.to ?? frame.from})`;
    console.warn(`Channel Gateway: messages could not be delivered: ${frame.reason}${range}`);
  }

  private dropped(info: CloseCodeInfo): void {
    this.lastDrop = info;
    // Before the first open the socket is still connecting, as GAE's readyState says.
    if (this.current === 'open') this.changeState('reconnecting', info);
  }

  private ended(info: CloseCodeInfo): void {
    if (this.readyState === ReadyState.CLOSED) return;
    this.readyState = ReadyState.CLOSED;
    this.lastDrop = info;
    this.changeState('closed', info);
    if (info.error) {
      const error: ChannelError = { code: info.error.code, description: info.error.description };
      this.invoke(this.onerror, error);
    }
    this.invoke(this.onclose, undefined);
  }

  private changeState(state: ConnectionState, reason: CloseCodeInfo | undefined): void {
    const previous = this.current;
    if (previous === state || previous === 'closed') return;
    this.current = state;
    const change: StateChange = reason ? { state, previous, reason } : { state, previous };
    this.invoke(this.onstatechange, change);
  }

  /** Calls an app handler; a throwing handler is reported but cannot derail the connection. */
  private invoke<T>(handler: ((arg: T) => void) | null | undefined, arg: T): void {
    if (!handler) return;
    try {
      handler.call(this, arg);
    } catch (error) {
      reportError(error);
    }
  }
}

function reportError(error: unknown): void {
  // reportError sends it to window.onerror like an uncaught exception; Node lacks it.
  const report = (globalThis as { reportError?: (error: unknown) => void }).reportError;
  if (report) report(error);
  else console.error(error);
}
