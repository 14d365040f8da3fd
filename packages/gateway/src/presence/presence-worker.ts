/**
 * The presence path's background work, on every node: heartbeat, release the clients of dead nodes,
 * turn due pending disconnects into webhooks, and deliver webhooks with retries. Each loop runs on one
 * interval and never overlaps itself; every failure is logged and counted, none stops the loops.
 */
import { isStoreOutage } from '../stores/store-health.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { GatewayMetrics } from '../ops/metrics.js';
import type { NodeLiveness } from './node-liveness.js';
import type { PresenceStore } from './presence-store.js';
import type { WebhookOutbox, WebhookJob } from './webhook-outbox.js';
import { LogBudget } from '../log-budget.js';
import { sendWebhook, type WebhookTarget } from './webhook-sender.js';

export interface PresenceWorkerDeps {
  nodeId: string;
  channels: PresenceStore;
  liveness: NodeLiveness;
  outbox: WebhookOutbox;
  webhooks: (WebhookTarget & { maxAgeMs: number; concurrency: number }) | undefined;
  heartbeatIntervalMs: number;
  nodeTimeoutMs: number;
  clock: Clock;
  metrics: GatewayMetrics;
  logger: Logger;
  /** False while the stores are known to be unreachable: the loops then wait rather than fail and log. */
  storesReachable?: () => boolean;
}

const SETTLE_INTERVAL_MS = 250;
const DELIVER_INTERVAL_MS = 250;
const SETTLE_BATCH = 500;
const RETRY_BASE_MS = 500;
const RETRY_CAP_MS = 60_000;
const RELEASE_RETRY_MS = 250;

export class PresenceWorker {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly busy = new Set<string>();
  // An app that is down fails every webhook: the first lines say so, the rest are counted.
  private readonly failureLogs = new LogBudget(10);
  private previousRunReleased = false;

  constructor(private readonly deps: PresenceWorkerDeps) {}

  /**
   * A node starting under an ID that ran before (a restart) holds no sockets yet: whatever its previous run
   * owned is stale. It is released before the first heartbeat, so those clients are reported disconnected;
   * until then (also while the stores are unreachable at start-up) the node is not ready.
   */
  get started(): boolean {
    return this.previousRunReleased;
  }

  /**
   * Starts the loops. The first attempt to release the previous run is awaited, so a node whose stores
   * answer is ready when this resolves; if they do not (yet), the release loop retries until they do.
   */
  async start(): Promise<void> {
    const { heartbeatIntervalMs, webhooks } = this.deps;
    this.every(RELEASE_RETRY_MS, 'release', () => this.releasePreviousRun());
    this.every(heartbeatIntervalMs, 'heartbeat', () => this.heartbeatAndReap());
    // Settling turns a due disconnect into a webhook: a node that cannot send webhooks (none configured,
    // e.g. mid-way through a rolling deploy that turns them on) would only drop it, so it leaves the
    // shared queue to the nodes that can (issue 12).
    if (webhooks) {
      this.every(SETTLE_INTERVAL_MS, 'settle', () => this.settle());
      this.every(DELIVER_INTERVAL_MS, 'deliver', () => this.deliver());
    }
    // Unreachable stores were already reported (once) by the stores; the loop retries in silence.
    await this.run('release', () => this.releasePreviousRun(), { quiet: true });
  }

  /** Stops the loops and waits for webhook requests in flight (each bounded by its timeout). */
  async stop(): Promise<void> {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    await Promise.allSettled([...this.inFlight]);
  }

  /** After a clean drain: this node is gone, nobody needs to reap it. */
  async leave(): Promise<void> {
    await this.deps.liveness.forget(this.deps.nodeId);
  }

  private every(intervalMs: number, name: string, work: () => Promise<void>): void {
    const timer = setInterval(() => void this.run(name, work), intervalMs);
    timer.unref();
    this.timers.push(timer);
  }

  private async run(name: string, work: () => Promise<void>, options: { quiet?: boolean } = {}): Promise<void> {
    if (this.busy.has(name)) return;
    if (!options.quiet && this.deps.storesReachable?.() === false) return;
    this.busy.add(name);
    try {
      await work();
    } catch (error) {
      if (options.quiet) return;
      // A Redis outage is logged once by the store health, not by every loop on every tick.
      if (!isStoreOutage(error)) this.deps.logger.warn({ err: (error as Error).message, loop: name }, 'presence loop failed');
    } finally {
      this.busy.delete(name);
    }
  }

  private async releasePreviousRun(): Promise<void> {
    if (this.previousRunReleased) return;
    await this.reap(this.deps.nodeId);
    this.previousRunReleased = true;
    void this.run('heartbeat', () => this.heartbeatAndReap());
  }

  private async heartbeatAndReap(): Promise<void> {
    if (!this.previousRunReleased) return;
    const { liveness, nodeId, clock, metrics, nodeTimeoutMs, outbox } = this.deps;
    const now = clock.now();
    await liveness.heartbeat(nodeId, now);
    metrics.liveNodes.set(await liveness.liveCount(now - nodeTimeoutMs));
    metrics.webhookBacklog.set(await outbox.backlog());
    for (const dead of await liveness.staleNodes(now - nodeTimeoutMs)) {
      if (dead !== nodeId) await this.reap(dead);
    }
  }

  private async reap(deadNode: string): Promise<void> {
    const { liveness, channels, clock, metrics, logger, nodeTimeoutMs } = this.deps;
    if (!(await liveness.claimReap(deadNode, nodeTimeoutMs * 2))) return;
    let released = 0;
    for await (const clientIds of liveness.clientsOf(deadNode)) {
      released += await channels.releaseDeadOwner(deadNode, clientIds, clock.now());
    }
    await liveness.forget(deadNode);
    if (deadNode === this.deps.nodeId && released === 0) return; // a fresh start with nothing left over
    metrics.reapedNodes.inc();
    metrics.reapedClients.inc(released);
    logger.info({ deadNode, released }, 'released the clients of a dead node');
  }

  private async settle(): Promise<void> {
    const { channels, clock, metrics } = this.deps;
    // Bounded: at most ten batches a tick; the rest waits for the next tick.
    for (let round = 0; round < 10; round++) {
      const result = await channels.settleDisconnects(clock.now(), SETTLE_BATCH);
      if (result.queued) metrics.presenceEvents.inc({ event: 'disconnected' }, result.queued);
      if (result.dropped) metrics.webhookDrops.inc({ reason: 'backlog_full' }, result.dropped);
      if (result.due < SETTLE_BATCH) return;
    }
  }

  private async deliver(): Promise<void> {
    const webhooks = this.deps.webhooks!;
    const free = webhooks.concurrency - this.inFlight.size;
    if (free <= 0) return;
    const now = this.deps.clock.now();
    // The lease outlasts one attempt, so no other node takes a job that is still in flight here.
    const jobs = await this.deps.outbox.claimDue(now, free, now + webhooks.timeoutMs + 5_000);
    for (const job of jobs) {
      const attempt = this.attempt(job).finally(() => this.inFlight.delete(attempt));
      this.inFlight.add(attempt);
    }
  }

  private async attempt(job: WebhookJob): Promise<void> {
    const { outbox, clock, metrics, logger } = this.deps;
    const webhooks = this.deps.webhooks!;
    const result = await sendWebhook(webhooks, job, clock.now());
    const now = clock.now();
    metrics.webhookDeliveries.inc({ event: job.event, result: result.delivered ? 'delivered' : 'failed' });
    try {
      if (result.delivered) {
        metrics.webhookLatency.observe(Math.max(0, now - job.firstAt) / 1000);
        await outbox.complete(job.id);
        return;
      }
      const expired = now - job.firstAt >= webhooks.maxAgeMs;
      const retryInMs = expired ? undefined : Math.round(Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** job.attempts) * (0.5 + Math.random() / 2));
      const budget = this.failureLogs.take();
      if (budget) {
        const { status, error } = result;
        const suppressed = budget.suppressed ? { suppressed: budget.suppressed } : {};
        logger.warn({ eventId: job.id, event: job.event, attempt: job.attempts + 1, status, err: error, retryInMs, ...suppressed }, 'webhook failed');
      }
      if (retryInMs === undefined) {
        metrics.webhookDrops.inc({ reason: 'expired' });
        logger.warn({ eventId: job.id, event: job.event, clientId: job.clientId, attempts: job.attempts + 1 }, 'webhook given up');
        await outbox.complete(job.id);
      } else {
        metrics.webhookRetries.inc();
        await outbox.reschedule(job, now + retryInMs);
      }
    } catch (error) {
      // The lease runs out and another attempt follows: at least once.
      logger.warn({ err: (error as Error).message, jobId: job.id }, 'could not record a webhook attempt');
    }
  }
}
