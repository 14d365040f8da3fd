/**
 * The loss checker must fail on real loss. Two small runs against real nodes:
 * - with faults injected on the client side (a frame dropped, shown twice, shown late), the report
 *   must show an unreported loss, a duplicate and a reordering, and fail;
 * - with a buffer far too small for the connection kills (CG_BUFFER_MAX_MESSAGES=5), messages are
 *   really lost: every one of them must fall inside a gap the gateway reported, and the run passes.
 */
import { expect, inject, it } from 'vitest';
import { formatReport, runLossCheck } from './loss-checker.js';

it('reports a dropped, a duplicated and a reordered frame, and fails', async () => {
  const report = await runLossCheck({
    redisUrl: inject('redisUrl'),
    messages: 3_000,
    clients: 6,
    nodes: 2,
    seed: 7,
    chaos: false,
    minSendDurationMs: 2_000,
    settleTimeoutMs: 3_000,
    faults: { byClient: { 0: 'drop', 1: 'duplicate', 2: 'swap' }, every: 25 },
  });
  console.log(formatReport(report));
  expect(report.ok).toBe(false);
  expect(report.acknowledged.total).toBe(3_000);
  expect(report.unreportedMissing).toBeGreaterThan(0);
  expect(report.duplicates).toBeGreaterThan(0);
  expect(report.outOfOrder).toBeGreaterThan(0);
  expect(report.failures.join('\n')).toMatch(/lost without a reported gap/);
  expect(report.failures.join('\n')).toMatch(/duplicate deliveries/);
  expect(report.failures.join('\n')).toMatch(/out of per-client send order/);
  // Each fault shows up on the client it was injected for, and nowhere else.
  const examples = report.examples.join('\n');
  expect(examples).toMatch(/^client 0 \(.*never arrived/m);
  expect(examples).not.toMatch(/^client [1-5] \(.*never arrived/m);
  expect(examples).toMatch(/^message \d+ \(client 1, routed\) arrived 2 times/m);
  expect(examples).not.toMatch(/^message \d+ \(client [02-5], \w+\) arrived/m);
  expect(examples).toMatch(/^client 2: message \d+ \(send #\d+\) arrived after/m);
  expect(examples).not.toMatch(/^client [013-5]: message/m);
  expect(report.misrouted + report.foreign).toBe(0);
}, 60_000);

it('accepts losses the gateway reported as gaps (buffer of 5 messages, frequent connection kills)', async () => {
  const report = await runLossCheck({
    redisUrl: inject('redisUrl'),
    messages: 8_000,
    clients: 10,
    nodes: 2,
    seed: 11,
    minSendDurationMs: 8_000,
    connectionKillIntervalMs: [30, 200],
    nodeRestartIntervalMs: [2_500, 3_500],
    settleTimeoutMs: 15_000,
    gatewayEnv: { CG_BUFFER_MAX_MESSAGES: '5' },
  });
  console.log(formatReport(report));
  expect(report.gaps.expired).toBeGreaterThan(0);
  expect(report.missing).toBeGreaterThan(0);
  expect(report.missingInReportedGaps).toBe(report.missing);
  expect(report.failures, formatReport(report)).toEqual([]);
  expect(report.ok).toBe(true);
}, 90_000);
