/**
 * One gateway node: stores, the HTTP API and the WebSocket endpoint on one uWS app and port.
 *
 *   POST /v1/channels/{id}/messages ─▶ ChannelService (one store call a turn) ─▶ ChannelStore.sendMany
 *     ─(pub/sub, or directly when this node owns the client)─▶ owning node's inbox
 *   owning node: NodeInbox ─▶ ConnectionRegistry ─▶ Connection.deliver (in seq order) ─▶ socket
 */
import { CloseCode } from '@channel-gateway/protocol';
import { ChannelService } from './channels/channel-service.js';
import { createStores, type Stores } from './channels/stores.js';
import { systemClock, type Clock } from './clock.js';
import type { GatewayConfig } from './config.js';
import { createHttpApp } from './http/http-app.js';
import { mountSendRoutes } from './http/send-routes.js';
import { serveFetch } from './http/uws-fetch.js';
import { createLogger, type Logger } from './logger.js';
import { GatewayMetrics } from './ops/metrics.js';
import { PresenceWorker } from './presence/presence-worker.js';
import { ConnectionRegistry } from './sockets/connection-registry.js';
import { SocketServer } from './sockets/socket-server.js';
import { closeListenSocket, listenPort, loadUws, type UsListenSocket } from './sockets/uws.js';

export interface GatewayNodeOptions {
  clock?: Clock;
  logger?: Logger;
  /** Supply stores (tests share a memory hub between in-process nodes); default from the config. */
  stores?: Stores;
}

export class GatewayNode {
  readonly metrics = new GatewayMetrics();
  readonly logger: Logger;
  readonly clock: Clock;
  readonly stores: Stores;
  private readonly registry: ConnectionRegistry;
  private readonly sockets: SocketServer;
  private readonly presence: PresenceWorker;
  private listenSocket: UsListenSocket | undefined;
  private draining = false;
  private boundPort = 0;

  constructor(
    readonly config: GatewayConfig,
    options: GatewayNodeOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? createLogger(config.logLevel, config.nodeId);
    this.stores = options.stores ?? createStores(config, this.clock, this.metrics, this.logger);
    this.registry = new ConnectionRegistry(this.metrics);
    this.sockets = new SocketServer({
      config,
      nodeId: config.nodeId,
      tokens: this.stores.tokens,
      channels: this.stores.channels,
      inbox: this.stores.inbox,
      registry: this.registry,
      liveness: this.stores.liveness,
      clock: this.clock,
      metrics: this.metrics,
      logger: this.logger,
    });
    this.presence = new PresenceWorker({
      nodeId: config.nodeId,
      channels: this.stores.channels,
      liveness: this.stores.liveness,
      outbox: this.stores.outbox,
      webhooks: config.webhooks,
      heartbeatIntervalMs: config.presence.heartbeatIntervalMs,
      nodeTimeoutMs: config.presence.nodeTimeoutMs,
      clock: this.clock,
      metrics: this.metrics,
      logger: this.logger,
    });
  }

  get port(): number {
    return this.boundPort;
  }

  /** Subscribes to the node's inbox and starts listening; resolves with the bound port. */
  async start(): Promise<number> {
    const { uws, build, skipped } = loadUws();
    this.metrics.uwsBuild.set({ build }, 1);
    this.logger.info({ build, skipped }, 'uWebSockets.js loaded');
    await this.stores.inbox.subscribe(this.config.nodeId, {
      onMessage: (message) => this.registry.dispatch(message),
      onResubscribed: () => {
        const sockets = this.registry.resyncAll();
        this.logger.warn({ sockets }, 'inbox subscription was interrupted: sockets told to resume');
      },
    });
    await this.presence.releasePreviousRun();
    this.presence.start();

    const app = uws.App();
    this.sockets.mount(app);
    const service = new ChannelService(this.stores.tokens, this.stores.channels, this.clock, this.metrics);
    const http = createHttpApp({
      service,
      apiKeys: this.config.apiKeys,
      metrics: this.metrics,
      readiness: { notReadyBecause: () => this.notReadyBecause() },
      storesReachable: () => this.stores.isReachable(),
      logger: this.logger,
    });
    mountSendRoutes(app, {
      service,
      apiKeys: this.config.apiKeys,
      maxBodyBytes: this.config.maxBodyBytes,
      metrics: this.metrics,
      storesReachable: () => this.stores.isReachable(),
      logger: this.logger,
    });
    serveFetch(app, (request) => http.fetch(request), {
      maxBodyBytes: this.config.maxBodyBytes,
      onError: (error) => this.logger.error({ err: error.message }, 'http handler failed'),
    });

    this.listenSocket = await new Promise<UsListenSocket>((resolve, reject) => {
      app.listen(this.config.host, this.config.port, (socket) => (socket ? resolve(socket) : reject(new Error(`cannot listen on ${this.config.host}:${this.config.port}`))));
    });
    this.boundPort = listenPort(this.listenSocket);
    this.logger.info({ port: this.boundPort, host: this.config.host, stores: this.stores.kind }, 'listening');
    return this.boundPort;
  }

  notReadyBecause(): string | undefined {
    if (this.draining) return 'draining';
    if (!this.stores.isReachable()) return 'redis unreachable';
    if (!this.stores.inbox.isLive()) return 'inbox subscription not live';
    return undefined;
  }

  /**
   * Graceful drain: stop accepting sockets, fail /readyz, tell clients to reconnect elsewhere, release
   * ownership, close the stores. Bounded by the drain timeout.
   */
  async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    this.sockets.stopAccepting();
    this.logger.info({ sockets: this.registry.size }, 'draining');
    await this.stop({ leave: true }); // closes every socket with DRAINING
  }

  /**
   * Stops listening and closes everything. With `leave`, the node also removes itself from the live set
   * once its sockets have released their clients (a clean exit: nobody needs to reap it).
   */
  async stop(options: { leave?: boolean } = {}): Promise<void> {
    if (this.listenSocket) closeListenSocket(this.listenSocket);
    this.listenSocket = undefined;
    this.sockets.closeAll(CloseCode.DRAINING);
    await this.sockets.settle();
    this.sockets.stop();
    this.registry.stop();
    await this.presence.stop();
    if (options.leave) await this.presence.leave().catch((error: Error) => this.logger.warn({ err: error.message }, 'could not leave the live set'));
    await this.stores.close();
  }
}
