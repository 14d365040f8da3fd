/**
 * The Java SDK (sdks/java) tested in its own language: its JUnit 5 suite is compiled with `javac --release 11`
 * (-Werror; the main code has no dependencies) and run by Debian's JUnit console launcher against real
 * gateways (test/sdks/support/cluster.ts): a two-node cluster on the run's Redis whose webhooks are
 * urlencoded, and a one-node cluster with CG_WEBHOOK_BODY_FORMAT=multipart, both posting to the webhook
 * inbox the Java tests open (on a port chosen here). Passes only if the launcher exits 0 having run
 * exactly the expected tests, none skipped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { findExecutable, getFreePort, repoPath } from '../support/index.js';
import { startSdkCluster, type SdkCluster } from './support/cluster.js';
import { runSdkTests } from './support/run-sdk-tests.js';

/** Every @Test and parameterized case in sdks/java/src/test; update it with the suite. */
const EXPECTED_TESTS = 74;
const JUNIT_JAR = process.env.JUNIT_CONSOLE_JAR ?? '/usr/share/java/junit-platform-console-standalone.jar';
const SDK = repoPath('sdks', 'java');
const OUT = repoPath('.tmp', 'java-sdk');

function javaFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? javaFiles(path) : entry.name.endsWith('.java') ? [path] : [];
  });
}

/** The console launcher's summary, e.g. `[        64 tests successful      ]`. */
function summary(output: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const match of output.matchAll(/\[\s*(\d+) tests (found|skipped|started|aborted|successful|failed)\s*\]/g)) {
    counts[match[2]!] = Number(match[1]);
  }
  return counts;
}

describe('Java SDK (JUnit 5) against a two-node cluster', () => {
  const javac = findExecutable('javac');
  const java = findExecutable('java');
  const clusters: SdkCluster[] = [];
  const compile = (args: string[]) => runSdkTests(javac!, ['--release', '11', '-encoding', 'UTF-8', '-Xlint:all', '-Werror', ...args], { cwd: SDK, env: process.env, timeoutMs: 120_000, name: 'javac' });

  beforeAll(async () => {
    if (!javac || !java) throw new Error('javac and java are needed (Debian: default-jdk-headless)');
    if (!existsSync(JUNIT_JAR)) throw new Error(`${JUNIT_JAR} is missing (Debian: junit5), or set JUNIT_CONSOLE_JAR`);
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    // Compiled before the clusters start, so the webhook port chosen in the test is bound soon after.
    const main = await compile(['-d', join(OUT, 'main'), ...javaFiles(join(SDK, 'src', 'main'))]);
    expect(main.code, main.output).toBe(0);
    const tests = await compile(['-d', join(OUT, 'test'), '-cp', `${join(OUT, 'main')}:${JUNIT_JAR}`, ...javaFiles(join(SDK, 'src', 'test'))]);
    expect(tests.code, tests.output).toBe(0);
  }, 240_000);

  afterAll(async () => {
    await Promise.all(clusters.map((cluster) => cluster.stop()));
  });

  const launcher = () => {
    const classPath = `${join(OUT, 'main')}:${join(OUT, 'test')}`;
    return ['-jar', JUNIT_JAR, '--class-path', classPath, '--scan-class-path', '--disable-banner', '--disable-ansi-colors', '--details=tree', '--fail-if-no-tests'];
  };

  it('fails, rather than skips, its gateway tests when no gateway is given', async () => {
    const env: NodeJS.ProcessEnv = {};
    for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('CHANNEL_GATEWAY_')) env[name] = value;
    const result = await runSdkTests(java!, launcher(), { cwd: SDK, env, timeoutMs: 240_000, name: 'junit' });
    const counts = summary(result.output);
    expect(result.code, result.output).not.toBe(0);
    expect(counts.skipped, result.output).toBe(0);
    expect(counts.failed, result.output).toBeGreaterThanOrEqual(10);
    expect(result.output).toContain('CHANNEL_GATEWAY_URL is not set');
  }, 300_000);

  it('passes every test: create, send, batch, by token, limits, timeouts, a gateway down, webhooks in both formats', async () => {
    const webhookPort = await getFreePort();
    const inbox = `http://127.0.0.1:${webhookPort}`;
    const [cluster, multipart] = await Promise.all([
      startSdkCluster({ webhookUrl: `${inbox}/urlencoded` }),
      startSdkCluster({ nodes: 1, webhookUrl: `${inbox}/multipart`, env: { CG_WEBHOOK_BODY_FORMAT: 'multipart' } }),
    ]);
    clusters.push(cluster, multipart);
    const env: NodeJS.ProcessEnv = {
      ...cluster.env(),
      // What an app sets; the factory reads it (cluster.env() names it for the SDK tests only).
      CHANNEL_GATEWAY_WEBHOOK_SECRET: cluster.webhookSecret,
      CHANNEL_GATEWAY_TEST_MULTIPART_URL: multipart.nodes[0]!.httpUrl,
      CHANNEL_GATEWAY_TEST_MULTIPART_API_KEY: multipart.apiKey,
      CHANNEL_GATEWAY_TEST_MULTIPART_WEBHOOK_SECRET: multipart.webhookSecret,
      CHANNEL_GATEWAY_TEST_WEBHOOK_PORT: String(webhookPort),
    };
    const result = await runSdkTests(java!, launcher(), { cwd: SDK, env, timeoutMs: 240_000, name: 'junit' });
    const counts = summary(result.output);
    const logs = [...cluster.nodes, ...multipart.nodes].map((node) => node.logs().slice(-20).join('\n')).join('\n---\n');
    const report = `${result.output}\n(gateway logs:\n${logs})`;
    expect(counts, report).toMatchObject({ found: EXPECTED_TESTS, successful: EXPECTED_TESTS, failed: 0, aborted: 0, skipped: 0 });
    expect(result.code, report).toBe(0);
  }, 300_000);
});
