/**
 * The Python SDK's own unittest suite (sdks/python/tests) against a real cluster: two gateway processes
 * on the run's Redis, presence webhooks delivered to the harness, a silent server and a refused address
 * (test/sdks/support/cluster.ts). Passes when python3 exits 0 having run every test it should.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { repoPath } from '../support/index.js';
import { startSdkCluster, type SdkCluster } from './support/cluster.js';
import { runSdkTests } from './support/run-sdk-tests.js';

/** Test methods in sdks/python/tests; a suite that silently loses some must not pass. */
const EXPECTED_TESTS = 45;

let cluster: SdkCluster;

beforeAll(async () => {
  cluster = await startSdkCluster();
});
afterAll(async () => {
  await cluster?.stop();
});

it('runs the Python SDK tests against two gateway nodes', async () => {
  // PYTHON picks another interpreter (e.g. a Python 3.9, the oldest supported).
  const run = await runSdkTests(process.env.PYTHON ?? 'python3', ['-m', 'unittest', 'discover', '-s', 'sdks/python/tests', '-v'], {
    cwd: repoPath(),
    env: { ...cluster.env(), PYTHONPATH: repoPath('sdks', 'python', 'src'), PYTHONDONTWRITEBYTECODE: '1' },
    timeoutMs: 150_000,
    name: 'python3 -m unittest',
  });
  const ran = /^Ran (\d+) tests? in /m.exec(run.output);
  expect({ code: run.code, signal: run.signal, ran: ran ? Number(ran[1]) : undefined, ok: /^OK$/m.test(run.output) }, run.output).toEqual({
    code: 0,
    signal: null,
    ran: EXPECTED_TESTS,
    ok: true,
  });
}, 180_000);
