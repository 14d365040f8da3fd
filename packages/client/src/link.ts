import type { CloseFrame, RefreshedFrame, RefreshRefusedFrame, ServerFrame } from '@channel-gateway/protocol';
import type { RefreshAnswer } from './token-refresh.js';

/** How the client reaches the gateway: a WebSocket, or an HTTP stream where no WebSocket gets through. */
export type Transport = 'websocket' | 'stream';

/**
 * The frames a link passes on: a stream's `close` frame is the link's end, reported as `closed`; the
 * answers to a refresh settle the link's `refresh()`.
 */
export type LinkFrame = Exclude<ServerFrame, CloseFrame | RefreshedFrame | RefreshRefusedFrame>;

/** What a link reports to the connection; nothing is reported after `closed`, nor after `close()`. */
export interface LinkEvents {
  /** The link can carry frames and the hello is on its way (a WebSocket's open event, a stream's 200). */
  ready(): void;
  /** Something arrived, frame or heartbeat: the link is alive. Called before `frame` for a frame. */
  heard(): void;
  /** A frame from the gateway that this client knows (unknown ones are skipped, for newer gateways). */
  frame(frame: LinkFrame): void;
  /**
   * The gateway accepted a refresh on this link: from now on it expires at `expiresAt` (its clock, with
   * `serverTime` when it said). Reported even when the `refresh()` that asked has stopped waiting (a slow
   * answer), so a late acceptance still moves the connection to the new token.
   */
  refreshed(token: string, expiresAt: number, serverTime: number | undefined): void;
  /**
   * The link ended, with a WebSocket close code: the gateway's (its close frame on a WebSocket, the
   * `close` frame on a stream) or 1006 when it just dropped (a failed connect, a refused answer, a cut).
   */
  closed(code: number): void;
}

/**
 * One attempt to reach the gateway: it sends the hello it was made with and reports what comes back.
 * A link is never reused; the connection makes a new one for every attempt (reconnects, fallback, the
 * return to a WebSocket), so the resume, dedupe and backoff rules are written once, over this interface.
 */
export interface Link {
  readonly transport: Transport;
  /**
   * Whether the client can ping the gateway on this link (a WebSocket). A stream carries nothing from
   * the client after the hello, so there the connection relies on the gateway's own heartbeat.
   */
  readonly pings: boolean;
  /** Sends a ping (only where `pings`); false when it could not be sent (the close event is on its way). */
  ping(): boolean;
  /**
   * Hands a newer token to the gateway for this link (token-refresh.ts): a `refresh` frame on a WebSocket,
   * `POST /v1/refresh` with the link's `connectionId` (from its open frame) for a stream. Settles `failed`
   * when the link is gone or goes away first.
   */
  refresh(token: string, connectionId: string | undefined): Promise<RefreshAnswer>;
  /** Ends the link from the client side; no event follows. */
  close(): void;
}

/** Opens a link that says `hello` (the hello frame's JSON) first. May throw: counted as a failed connect. */
export type LinkOpener = (hello: string, events: LinkEvents) => Link;
