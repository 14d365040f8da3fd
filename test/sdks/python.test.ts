/**
 * The Python SDK's own unittest suite (sdks/python/tests) against a real cluster: two gateway processes
 * on the run's Redis, presence webhooks delivered to the harness, a silent server and a refused address
 * (test/sdks/support/cluster.ts). Passes when python3 exits 0 having run every test it should.
 * Then the tests of delivered webhooks again, with the gateway sending multipart/form-data bodies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from '../support/index.js';
import { startSdkCluster, type SdkCluster } from './support/cluster.js';
import { runSdkTests } from './support/run-sdk-tests.js';

/** Test methods in sdks/python/tests; a suite that silently loses some must not pass. */
const EXPECTED_TESTS = 52;
/** Test methods in test_presence.DeliveredWebhookTest. */
const DELIVERED_WEBHOOK_TESTS = 5;

async function unittest(cluster: SdkCluster, args: string[], expected: number, env: NodeJS.ProcessEnv = {}): Promise<void> {
  // PYTHON picks another interpreter (e.g. a Python 3.9, the oldest supported).
  const run = await runSdkTests(process.env.PYTHON ?? 'python3', ['-m', 'unittest', ...args, '-v'], {
    cwd: repoPath(),
    env: {
      ...cluster.env(),
      PYTHONPATH: [repoPath('sdks', 'python', 'src'), repoPath('sdks', 'python', 'tests')].join(':'),
      PYTHONDONTWRITEBYTECODE: '1',
      ...env,
    },
    timeoutMs: 150_000,
    name: 'python3 -m unittest',
  });
  const ran = /^Ran (\d+) tests? in /m.exec(run.output);
  const summary = { code: run.code, signal: run.signal, ran: ran ? Number(ran[1]) : undefined, ok: /^OK$/m.test(run.output) };
  expect(summary, run.output).toEqual({ code: 0, signal: null, ran: expected, ok: true });
}

describe('Python SDK', () => {
  let cluster: SdkCluster;
  beforeAll(async () => {
    cluster = await startSdkCluster();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('runs the Python SDK tests against two gateway nodes', async () => {
    await unittest(cluster, ['discover', '-s', 'sdks/python/tests'], EXPECTED_TESTS);
  }, 180_000);
});

describe('Python SDK with multipart presence webhooks (CG_WEBHOOK_BODY_FORMAT=multipart)', () => {
  let cluster: SdkCluster;
  beforeAll(async () => {
    cluster = await startSdkCluster({ env: { CG_WEBHOOK_BODY_FORMAT: 'multipart' } });
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('verifies and reads the multipart webhooks the gateway sends', async () => {
    await unittest(cluster, ['test_presence.DeliveredWebhookTest'], DELIVERED_WEBHOOK_TESTS, {
      CHANNEL_GATEWAY_TEST_WEBHOOK_BODY_FORMAT: 'multipart',
    });
  }, 120_000);
});
