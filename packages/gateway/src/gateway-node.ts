/**
 * One gateway node: stores, the HTTP API and the WebSocket endpoint on one transport (uWS or node:http)
 * and port.
 *
 *   POST /v1/channels/{id}/messages ─▶ ChannelService (one store call a turn) ─▶ ChannelStore.sendMany
 *     ─(pub/sub, or directly when this node owns the client)─▶ owning node's inbox
 *   owning node: NodeInbox ─▶ ConnectionRegistry ─▶ Connection.deliver (in seq order) ─▶ socket
 */
import { CloseCode } from '@channel-gateway/protocol';
import { ChannelService } from './channels/channel-service.js';
import { createStores, type Stores } from './stores/create-stores.js';
import { systemClock, type Clock } from './clock.js';
import type { GatewayConfig } from './config.js';
import { ApiKeyGuard } from './http/api-keys.js';
import { createHttpApp } from './http/http-app.js';
import { mountRefreshRoute } from './http/refresh-route.js';
import { mountSendRoutes } from './http/send-routes.js';
import { serveFetch } from './http/fetch-bridge.js';
import { createLogger, type Logger } from './logger.js';
import { GatewayMetrics } from './ops/metrics.js';
import { PresenceWorker } from './presence/presence-worker.js';
import { ConnectionRegistry } from './sockets/connection-registry.js';
import { SocketServer } from './sockets/socket-server.js';
import { isRefreshMessage } from './sockets/token-refresh.js';
import { TransportUnavailableError, createTransport } from './transport/create-transport.js';
import type { Transport } from './transport/transport.js';

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
  private transport: Transport | undefined;
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
      storesReachable: () => this.stores.isReachable(),
    });
  }

  get port(): number {
    return this.boundPort;
  }

  /** The transport serving this node (after start). */
  get transportName(): string | undefined {
    return this.transport?.name;
  }

  /**
   * Subscribes to the node's inbox and starts listening; resolves with the bound port. Rejects with a
   * TransportUnavailableError when CG_TRANSPORT=uws cannot load, or when the port is taken.
   */
  async start(): Promise<number> {
    const { transport, skipped } = createTransport(this.config.transport, {
      onError: (error, where) => this.logger.error({ err: (error as Error)?.message, stack: (error as Error)?.stack, where }, 'transport handler failed'),
    });
    this.transport = transport;
    this.metrics.transportInfo.set({ transport: transport.name, build: transport.build }, 1);
    await this.stores.inbox.subscribe(this.config.nodeId, {
      onMessage: (message) => (isRefreshMessage(message) ? this.sockets.refreshes.onInbox(message) : this.registry.dispatch(message)),
      onResubscribed: () => {
        const sockets = this.registry.resyncAll();
        if (sockets > 0) this.logger.warn({ sockets }, 'inbox subscription was interrupted: sockets told to resume');
      },
    });
    await this.presence.start(); // releases the previous run first; retried until Redis answers

    this.sockets.mount(transport);
    const service = new ChannelService(this.stores.tokens, this.stores.channels, this.clock, this.metrics);
    const apiKeys = new ApiKeyGuard({
      keys: this.config.apiKeys,
      failuresPerMinute: this.config.authFailuresPerMinute,
      trustProxy: this.config.trustProxy,
      logger: this.logger,
      metrics: this.metrics,
      now: () => this.clock.now(),
    });
    const http = createHttpApp({
      service,
      apiKeys,
      metrics: this.metrics,
      readiness: { notReadyBecause: () => this.notReadyBecause() },
      storesReachable: () => this.stores.isReachable(),
      logger: this.logger,
    });
    mountSendRoutes(transport, {
      service,
      apiKeys,
      maxBodyBytes: this.config.maxBodyBytes,
      metrics: this.metrics,
      storesReachable: () => this.stores.isReachable(),
      logger: this.logger,
    });
    mountRefreshRoute(transport, {
      refreshes: this.sockets.refreshes,
      config: this.config,
      metrics: this.metrics,
      storesReachable: () => this.stores.isReachable(),
      logger: this.logger,
    });
    serveFetch(transport, (request, env) => http.fetch(request, env), {
      maxBodyBytes: this.config.maxBodyBytes,
      apiKeys,
      onError: (error) => this.logger.error({ err: error.message }, 'http handler failed'),
    });

    try {
      this.boundPort = await transport.listen(this.config.host, this.config.port);
    } catch (error) {
      await this.stop();
      throw new TransportUnavailableError((error as Error).message);
    }
    this.logger.info(
      { port: this.boundPort, host: this.config.host, stores: this.stores.kind, transport: transport.name, build: transport.build, skipped },
      'listening',
    );
    return this.boundPort;
  }

  notReadyBecause(): string | undefined {
    if (this.draining) return 'draining';
    const storesNotReady = this.stores.notReadyBecause();
    if (storesNotReady) return storesNotReady;
    if (!this.stores.inbox.isLive()) return 'inbox subscription not live';
    if (!this.presence.started) return 'releasing the previous run';
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
    this.sockets.stopAccepting();
    this.sockets.closeAll(CloseCode.DRAINING);
    await this.sockets.settle();
    this.transport?.close();
    this.transport = undefined;
    this.sockets.stop();
    this.registry.stop();
    await this.presence.stop();
    if (options.leave) await this.presence.leave().catch((error: Error) => this.logger.warn({ err: error.message }, 'could not leave the live set'));
    await this.stores.close();
  }
}
