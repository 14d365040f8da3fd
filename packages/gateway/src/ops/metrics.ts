/**
 * Prometheus metrics (prom-client). Each node has its own registry, so several nodes can run in one
 * process (tests) without clashing. Every dropped message or refused socket is counted here.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export type DropReason = 'no_socket' | 'slow_consumer' | 'stale_owner' | 'buffer_trimmed';

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly socketsLive = new Gauge({ name: 'cg_sockets_live', help: 'Open, authenticated client sockets on this node', registers: [this.registry] });
  readonly connects = new Counter({
    name: 'cg_connects_total',
    help: 'Socket connection attempts by result (open, invalid_token, expired, rate_limited, origin_rejected, protocol_error, hello_timeout, unavailable)',
    labelNames: ['result'],
    registers: [this.registry],
  });
  readonly closes = new Counter({ name: 'cg_socket_closes_total', help: 'Sockets closed, by close code name', labelNames: ['reason'], registers: [this.registry] });
  readonly sends = new Counter({ name: 'cg_sends_total', help: 'Messages accepted for sending, by status', labelNames: ['status'], registers: [this.registry] });
  readonly deliveries = new Counter({ name: 'cg_deliveries_total', help: 'Message frames written to client sockets (live and replayed)', registers: [this.registry] });
  readonly replays = new Counter({ name: 'cg_replayed_messages_total', help: 'Buffered messages replayed when a socket opened', registers: [this.registry] });
  readonly gaps = new Counter({ name: 'cg_gaps_total', help: 'Gaps reported to clients, by reason', labelNames: ['reason'], registers: [this.registry] });
  readonly drops = new Counter({ name: 'cg_drops_total', help: 'Messages that reached this node but not a socket, by reason', labelNames: ['reason'], registers: [this.registry] });
  readonly redisErrors = new Counter({ name: 'cg_redis_errors_total', help: 'Redis commands or connections that failed', registers: [this.registry] });
  readonly httpRequests = new Counter({ name: 'cg_http_requests_total', help: 'HTTP API requests by route and status code', labelNames: ['route', 'code'], registers: [this.registry] });
  readonly uwsBuild = new Gauge({ name: 'cg_uws_build_info', help: 'The uWebSockets.js build this node loaded (value is always 1)', labelNames: ['build'], registers: [this.registry] });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  countDrop(reason: DropReason, count = 1): void {
    this.drops.inc({ reason }, count);
  }
}
