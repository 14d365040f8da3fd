/**
 * "No silent loss": the loss checker (loss-checker.ts) at CI size on every run; scale it up for a
 * manual run with environment variables (see README.md in this folder):
 *   LOSS_CHECK_MESSAGES (default 100000), LOSS_CHECK_CLIENTS (default 50), LOSS_CHECK_SEED (default random).
 */
import { expect, inject, it } from 'vitest';
import { formatReport, runLossCheck } from './loss-checker.js';

function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer (got ${JSON.stringify(raw)})`);
  return value;
}

const messages = positiveInteger('LOSS_CHECK_MESSAGES', 100_000);
const clients = positiveInteger('LOSS_CHECK_CLIENTS', 50);
const seed = process.env.LOSS_CHECK_SEED ? positiveInteger('LOSS_CHECK_SEED', 1) : undefined;
// About 1 000 messages a second on a 2-core machine, plus setup and settling; generous on purpose.
const timeoutMs = 120_000 + Math.ceil(messages / 250) * 1_000;

it(
  `delivers ${messages} messages to ${clients} clients exactly once and in order through node restarts and connection kills`,
  async () => {
    const report = await runLossCheck({
      redisUrl: inject('redisUrl'),
      messages,
      clients,
      ...(seed === undefined ? {} : { seed }),
    });
    console.log(formatReport(report));

    // The check means something only if the chaos happened and most sends went through.
    expect(report.chaos.nodeRestarts, 'node restarts').toBeGreaterThan(0);
    expect(report.chaos.connectionKills, 'connection kills').toBeGreaterThan(0);
    expect(report.sent.attempted).toBe(messages);
    expect(report.acknowledged.total, 'acknowledged sends').toBeGreaterThanOrEqual(messages * 0.8);

    expect(report.failures, formatReport(report)).toEqual([]);
    expect(report.duplicates).toBe(0);
    expect(report.outOfOrder).toBe(0);
    expect(report.unreportedMissing).toBe(0);
    // The buffer holds every message a client gets in this run (CG_BUFFER_MAX_MESSAGES, bytes and TTL
    // are raised), so even a reported gap means the gateway lost something it should have kept.
    expect(report.gaps.reported, 'gaps reported although the buffer could hold everything').toBe(0);
    expect(report.missing).toBe(0);
    expect(report.chaos.unexpectedNodeExits).toBe(0);
  },
  timeoutMs,
);
