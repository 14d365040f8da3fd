/**
 * Prometheus metrics (prom-client). Each node has its own registry, so several nodes can run in one
 * process (tests) without clashing. Every dropped message or refused socket is counted here.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Why a message reached a node but no socket. The only case: the socket closed after the send was routed;
 * the message stays in the client's buffer and is replayed to its next socket. (Messages that fall out of
 * the replay window are reported to the client as gaps: cg_gaps_total.)
 */
export type DropReason = 'no_socket';

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly socketsLive = new Gauge({ name: 'cg_sockets_live', help: 'Open, authenticated client sockets on this node', registers: [this.registry] });
  readonly connects = new Counter({
    name: 'cg_connects_total',
    help: 'Socket connection attempts by result (open, invalid_token, expired, rate_limited, too_many_sockets, node_full, origin_rejected, protocol_error, hello_timeout, unavailable)',
    labelNames: ['result'],
    registers: [this.registry],
  });
  readonly closes = new Counter({
    name: 'cg_socket_closes_total',
    help: 'Sockets closed, by close code name',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly sends = new Counter({
    name: 'cg_sends_total',
    help: 'Messages accepted for sending, by status',
    labelNames: ['status'],
    registers: [this.registry],
  });
  readonly idempotentReplays = new Counter({
    name: 'cg_idempotent_replays_total',
    help: 'Sends whose idempotency key was seen before for the same client and message: answered, not sent again',
    registers: [this.registry],
  });
  readonly idempotencyKeyReuses = new Counter({
    name: 'cg_idempotency_key_reuses_total',
    help: 'Sends refused because their idempotency key was first used for another client or message',
    registers: [this.registry],
  });
  readonly deliveries = new Counter({
    name: 'cg_deliveries_total',
    help: 'Message frames written to client sockets (live and replayed)',
    registers: [this.registry],
  });
  readonly replays = new Counter({ name: 'cg_replayed_messages_total', help: 'Buffered messages replayed when a socket opened', registers: [this.registry] });
  readonly gaps = new Counter({ name: 'cg_gaps_total', help: 'Gaps reported to clients, by reason', labelNames: ['reason'], registers: [this.registry] });
  readonly drops = new Counter({
    name: 'cg_drops_total',
    help: 'Messages that reached this node but not a socket, by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly redisErrors = new Counter({ name: 'cg_redis_errors_total', help: 'Redis commands or connections that failed', registers: [this.registry] });
  readonly httpRequests = new Counter({
    name: 'cg_http_requests_total',
    help: 'HTTP API requests by route and status code',
    labelNames: ['route', 'code'],
    registers: [this.registry],
  });
  readonly presenceEvents = new Counter({
    name: 'cg_presence_events_total',
    help: 'Presence webhooks queued, by event',
    labelNames: ['event'],
    registers: [this.registry],
  });
  readonly webhookDeliveries = new Counter({
    name: 'cg_webhook_deliveries_total',
    help: 'Webhook delivery attempts by event and result (delivered, failed)',
    labelNames: ['event', 'result'],
    registers: [this.registry],
  });
  readonly authFailures = new Counter({
    name: 'cg_auth_failures_total',
    help: 'API requests refused for their API key, by result (refused: wrong or missing key; throttled: too many failures from the address)',
    labelNames: ['result'],
    registers: [this.registry],
  });
  readonly webhookRetries = new Counter({ name: 'cg_webhook_retries_total', help: 'Webhooks rescheduled after a failed attempt', registers: [this.registry] });
  readonly webhookDrops = new Counter({
    name: 'cg_webhook_drops_total',
    help: 'Webhooks given up, by reason (expired: retried for the whole max age; backlog_full: the outbox was full)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly webhookLatency = new Histogram({
    name: 'cg_webhook_latency_seconds',
    help: 'From the presence change to the app answering 2xx',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
    registers: [this.registry],
  });
  readonly webhookBacklog = new Gauge({ name: 'cg_webhook_backlog', help: 'Webhooks waiting for delivery (all nodes)', registers: [this.registry] });
  readonly reapedClients = new Counter({
    name: 'cg_reaped_clients_total',
    help: 'Clients released because the node holding them died',
    registers: [this.registry],
  });
  readonly reapedNodes = new Counter({ name: 'cg_reaped_nodes_total', help: 'Dead nodes whose clients this node released', registers: [this.registry] });
  readonly liveNodes = new Gauge({ name: 'cg_live_nodes', help: 'Nodes whose heartbeat this node sees as current', registers: [this.registry] });
  readonly detachesPending = new Gauge({
    name: 'cg_detaches_pending',
    help: 'Closed sockets whose release could not reach Redis yet (retried until it does)',
    registers: [this.registry],
  });
  readonly transportInfo = new Gauge({
    name: 'cg_transport_info',
    help: 'The server transport this node runs (uws or node) and what serves it (value is always 1)',
    labelNames: ['transport', 'build'],
    registers: [this.registry],
  });
  readonly releaseDrops = new Counter({
    name: 'cg_release_drops_total',
    help: 'Closed sockets whose release was given up because the retry queue was full (the client stays owned until its channel expires)',
    registers: [this.registry],
  });
  readonly handovers = new Counter({
    name: 'cg_handovers_total',
    help: "Takeovers without a resume position, by how the older socket's delivered position was learnt (local, answered, unknown, unanswered, unreachable)",
    labelNames: ['result'],
    registers: [this.registry],
  });
  readonly tokenRefreshes = new Counter({
    name: 'cg_token_refreshes_total',
    help: 'Token refreshes of live connections, by where they came (socket: a refresh frame; http: POST /v1/refresh) and result (refreshed, invalid_token, expired, other_client, not_owner, unavailable)',
    labelNames: ['via', 'result'],
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  countDrop(reason: DropReason, count = 1): void {
    this.drops.inc({ reason }, count);
  }

  // Label children resolved once: the send path counts every message, and a label lookup per call shows
  // up in profiles.
  private readonly sendCounters = new Map<string, { inc(): void }>();
  countSend(status: string): void {
    let counter = this.sendCounters.get(status);
    if (!counter) this.sendCounters.set(status, (counter = this.sends.labels({ status })));
    counter.inc();
  }

  private readonly requestCounters = new Map<string, { inc(): void }>();
  countHttpRequest(route: string, code: number): void {
    const key = `${code} ${route}`;
    let counter = this.requestCounters.get(key);
    if (!counter) this.requestCounters.set(key, (counter = this.httpRequests.labels({ route, code })));
    counter.inc();
  }
}
