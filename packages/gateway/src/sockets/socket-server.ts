/**
 * The WebSocket endpoint `/v1/socket` on the transport (uWS or node): upgrade checks (origin, per-IP rate), the hello deadline,
 * frame rules, token expiry, and clean-up when a socket closes. Protocol: docs/PROTOCOL.md. The HTTP stream
 * `/v1/stream` (stream-route.ts) goes through the same route: same checks, same Connection.
 */
import { randomBytes } from 'node:crypto';
import { CloseCode, SOCKET_PATH, describeCloseCode, parseClientFrame, type HelloFrame } from '@channel-gateway/protocol';
import { isStoreOutage } from '../stores/store-health.js';
import type { GatewayConfig } from '../config.js';
import { Connection } from './connection.js';
import { ConnectRateLimiter } from './connect-rate-limiter.js';
import { SocketCaps } from './socket-caps.js';
import { DeadlineWheel } from './deadline-wheel.js';
import { handleHello, type HelloDeps } from './hello.js';
import { OwnershipRelease } from './ownership-release.js';
import { StreamRoute } from './stream-route.js';
import { TokenRefresh } from './token-refresh.js';
import type { SocketRoute, Transport, TransportSocket, UpgradeAnswer, UpgradeRequest } from '../transport/transport.js';

/** Failed releases are retried every 2 s (8 ticks). */
const RELEASE_RETRY_EVERY_TICKS = 8;

/**
 * Inbound frames a socket may send per window. Clients send a hello and then a ping every 25 s, so this
 * only ever stops a flood (closed with RATE_LIMITED, which makes a well-behaved client back off).
 */
const MAX_FRAMES_PER_WINDOW = 30;
const FLOOD_WINDOW_MS = 10_000;

export type SocketServerDeps = Omit<HelloDeps, 'closedSockets'> & { config: GatewayConfig };

export class SocketServer {
  private readonly helloDeadlines: DeadlineWheel<Connection>;
  private readonly tokenExpiries: DeadlineWheel<Connection>;
  private readonly rateLimiter: ConnectRateLimiter;
  private readonly caps: SocketCaps;
  private readonly ticker: NodeJS.Timeout;
  private nextConnectionId = 0;
  /** Connection IDs are unique per process start, so a restarted node never mistakes an old ID for a new socket. */
  private readonly bootId = randomBytes(3).toString('hex');
  private readonly release: OwnershipRelease;
  /** Token refresh on live connections: refresh frames here, POST /v1/refresh and the inbox through the node. */
  readonly refreshes: TokenRefresh;
  private ticks = 0;
  private accepting = true;
  private streams: StreamRoute<Connection> | undefined;

  constructor(private readonly deps: SocketServerDeps) {
    const now = deps.clock.now();
    this.helloDeadlines = new DeadlineWheel(now);
    this.tokenExpiries = new DeadlineWheel(now);
    this.rateLimiter = new ConnectRateLimiter(deps.config.connectsPerSecondPerIp);
    this.caps = new SocketCaps(deps.config.maxSocketsPerIp, deps.config.maxSockets);
    this.release = new OwnershipRelease(deps);
    this.refreshes = new TokenRefresh({ ...deps, moveExpiry: (connection, expiresAt) => this.moveExpiry(connection, expiresAt) });
    deps.registry.answerHandoversWith({
      deliveredSeq: (connectionId) => this.release.deliveredSeq(connectionId),
      answer: (nodeId, message) => {
        deps.inbox
          .publish(nodeId, message)
          .catch((error: Error) => deps.logger.warn({ err: error.message, clientId: message.clientId }, 'could not answer a takeover'));
      },
    });
    // One timer for all sockets: hello deadlines and token expiry, checked every quarter second.
    this.ticker = setInterval(() => this.tick(), 250);
    this.ticker.unref();
  }

  mount(transport: Transport): void {
    const { config } = this.deps;
    const route: SocketRoute<Connection> = {
      path: SOCKET_PATH,
      // uWS drops the TCP connection (no close code) past its own limit, so it gets headroom and we
      // enforce the configured limit ourselves with a proper 1009. Memory stays bounded by the headroom.
      maxPayloadBytes: config.maxInboundFrameBytes * 4,
      maxBackpressureBytes: config.maxBackpressureBytes,
      idleTimeoutSeconds: config.idleTimeoutSeconds,
      compression: config.compression,
      upgrade: (request) => this.upgrade(request),
      open: (socket: TransportSocket, connection) => {
        // Counted once open (an accepted upgrade can still fail its handshake), released in onClose.
        this.caps.add(connection.address);
        connection.opened(socket);
        if (connection.refusal !== undefined) return connection.close(connection.refusal);
        connection.scheduleIn(this.helloDeadlines, this.deps.clock.now() + config.helloTimeoutMs);
      },
      message: (_socket, connection, message, isBinary) => this.onFrame(connection, message, isBinary),
      close: (_socket, connection, code) => this.onClose(connection, code),
    };
    transport.socket(route);
    this.streams = new StreamRoute(route, {
      allowedOrigins: config.allowedOrigins,
      maxBodyBytes: config.maxInboundFrameBytes,
      maxBackpressureBytes: config.maxBackpressureBytes,
      heartbeatSeconds: config.streamHeartbeatSeconds,
    });
    this.streams.mount(transport);
  }

  /** Stops taking new sockets (drain). */
  stopAccepting(): void {
    this.accepting = false;
  }

  /** Closes every attached socket with `code` (e.g. DRAINING); returns how many. Their releases run in the background (see settle). */
  closeAll(code: number): number {
    const open = [...this.deps.registry.all()];
    for (const connection of open) connection.close(code);
    return open.length;
  }

  /** Resolves once every release issued so far has finished. */
  async settle(): Promise<void> {
    await this.release.settle();
  }

  stop(): void {
    clearInterval(this.ticker);
    this.streams?.stop();
    this.refreshes.stop();
  }

  private upgrade(request: UpgradeRequest): UpgradeAnswer<Connection> {
    const { config, clock, metrics } = this.deps;
    const origin = request.header('origin');
    if (!this.accepting) return { refuse: { status: 503, body: 'draining', headers: { 'Retry-After': '1' } } };
    const address = clientAddress(request, config.trustProxy);
    if (!this.rateLimiter.allow(address, clock.now())) {
      // Refused before the upgrade (cheap); the browser sees a failed connection and backs off.
      metrics.connects.inc({ result: 'rate_limited' });
      return { refuse: { status: 429, body: 'too many connections from this address' } };
    }
    const full = this.caps.refusal(address);
    if (full) {
      metrics.connects.inc({ result: full === 'address' ? 'too_many_sockets' : 'node_full' });
      return full === 'address'
        ? { refuse: { status: 429, body: 'too many open sockets from this address' } }
        : { refuse: { status: 503, body: 'this node holds as many sockets as it may', headers: { 'Retry-After': '5' } } };
    }
    const originRefused = config.allowedOrigins !== undefined && !config.allowedOrigins.includes(origin);
    if (originRefused) metrics.connects.inc({ result: 'origin_rejected' });
    // Refusals that the app must see as an error are upgraded and then closed with their code.
    const connection = new Connection(
      `${this.bootId}.${(this.nextConnectionId++).toString(36)}`,
      config.maxBackpressureBytes,
      address,
      originRefused ? CloseCode.ORIGIN_REJECTED : undefined,
    );
    return { accept: connection };
  }

  private onFrame(connection: Connection, message: Uint8Array, isBinary: boolean): void {
    if (message.byteLength > this.deps.config.maxInboundFrameBytes) return connection.close(CloseCode.FRAME_TOO_BIG);
    if (connection.countFrame(Date.now(), FLOOD_WINDOW_MS) > MAX_FRAMES_PER_WINDOW) return connection.close(CloseCode.RATE_LIMITED);
    const frame = isBinary ? undefined : parseClientFrame(Buffer.from(message.buffer, message.byteOffset, message.byteLength).toString('utf8'));
    if (!frame) return this.protocolError(connection);
    if (frame.type === 'ping') {
      if (connection.state === 'open') connection.sendFrame({ type: 'pong' });
      // While the hello is being processed a ping is harmless: the open frame that follows answers it.
      else if (connection.state !== 'attaching') this.protocolError(connection);
      return;
    }
    if (frame.type === 'refresh') {
      // Only an open socket has a token to replace; before that it is a protocol error, like any early frame.
      if (connection.state !== 'open') return this.protocolError(connection);
      this.refreshes.onFrame(connection, frame.token).catch((error: Error) => this.deps.logger.error({ err: error.message }, 'token refresh failed'));
      return;
    }
    if (connection.state !== 'awaiting-hello') return this.protocolError(connection);
    if (!this.accepting) return connection.close(CloseCode.DRAINING);
    connection.unscheduleFrom(this.helloDeadlines);
    connection.beginHello();
    this.hello(connection, frame).catch((error: Error) => {
      if (!isStoreOutage(error)) this.deps.logger.error({ err: error.message }, 'hello failed');
      connection.close(CloseCode.UNAVAILABLE);
    });
  }

  /** Runs the hello path and applies what came of it. */
  private async hello(connection: Connection, frame: HelloFrame): Promise<void> {
    const { metrics, registry } = this.deps;
    const outcome = await handleHello(connection, frame, { ...this.deps, closedSockets: this.release });
    if (outcome.kind === 'gone') return;
    if (outcome.kind === 'refused') {
      metrics.connects.inc({ result: outcome.result });
      return connection.close(outcome.code);
    }
    // The client left while it attached: its close handler ran before it owned the client, so it is released here.
    if (!connection.ownsClient(outcome.epoch)) return this.release.release(connection);
    // Closed by this node meanwhile (replaced, too slow): released when the transport reports the close.
    if (connection.isClosed()) return;
    metrics.connects.inc({ result: 'open' });
    if (outcome.gap) metrics.gaps.inc({ reason: outcome.gap.reason });
    const { replayed, pending } = connection.goLive(outcome);
    if (replayed > 0) metrics.replays.inc(replayed);
    for (const message of pending) registry.deliver(connection, message);
    if (connection.state === 'open') this.scheduleExpiry(connection);
  }

  private protocolError(connection: Connection): void {
    if (connection.state === 'awaiting-hello') this.deps.metrics.connects.inc({ result: 'protocol_error' });
    connection.close(CloseCode.PROTOCOL_ERROR);
  }

  private scheduleExpiry(connection: Connection): void {
    connection.scheduleExpiry(this.tokenExpiries);
    this.deps.metrics.socketsLive.inc();
  }

  /** A refreshed token: the open connection now expires at `expiresAt` (its bucket moves in the expiry wheel). */
  private moveExpiry(connection: Connection, expiresAt: number): void {
    connection.scheduleExpiry(this.tokenExpiries, expiresAt);
  }

  private onClose(connection: Connection, code: number): void {
    const { metrics } = this.deps;
    const reason = describeCloseCode(connection.closedWith ?? code).name;
    metrics.closes.inc({ reason });
    const was = connection.transportClosed();
    if (was.opened) this.caps.release(connection.address);
    // In whichever wheel holds the connection; taking it out of the other is a no-op.
    connection.unscheduleFrom(this.helloDeadlines);
    connection.unscheduleFrom(this.tokenExpiries);
    if (was.live) metrics.socketsLive.dec();
    // Not yet its client's owner (never attached, or still attaching: the hello step releases it when its attach returns).
    if (was.owner) this.release.release(connection);
  }

  private tick(): void {
    if (++this.ticks % RELEASE_RETRY_EVERY_TICKS === 0) this.release.retryQueued();
    const now = this.deps.clock.now();
    for (const connection of this.helloDeadlines.takeDue(now)) {
      if (connection.state !== 'awaiting-hello') continue;
      this.deps.metrics.connects.inc({ result: 'hello_timeout' });
      connection.close(CloseCode.HELLO_TIMEOUT);
    }
    for (const connection of this.tokenExpiries.takeDue(now)) {
      if (connection.state === 'open' && connection.expiresAt <= now) connection.close(CloseCode.TOKEN_EXPIRED);
    }
  }
}

/**
 * The client's IP: the socket's peer, or, behind a trusted proxy, the last X-Forwarded-For entry (the one
 * our proxy added; earlier entries come from the client and could be forged).
 */
export function clientAddress(request: UpgradeRequest, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = request.header('x-forwarded-for');
    if (forwarded) return forwarded.slice(forwarded.lastIndexOf(',') + 1).trim();
  }
  return request.remoteAddress();
}
