/**
 * The Java SDK (sdks/java) tested in its own language: its JUnit 5 suite is compiled with `javac --release 11`
 * (main code with -Werror, no dependencies) and run by Debian's JUnit console launcher against a real cluster
 * started here — nodes A and B on the run's Redis with one key prefix (urlencoded presence webhooks), and
 * node C on its own prefix with CG_WEBHOOK_BODY_FORMAT=multipart — plus the webhook inbox the Java tests open
 * on a port chosen here. Passes only if the launcher exits 0 having run exactly the expected tests.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { findExecutable, getFreePort, repoPath, spawnProcess, startGatewayProcess, uniqueKeyPrefix, type GatewayHandle } from '../support/index.js';

/** Every @Test and parameterized case in sdks/java/src/test; update it with the suite. */
const EXPECTED_TESTS = 70;
const JUNIT_JAR = process.env.JUNIT_CONSOLE_JAR ?? '/usr/share/java/junit-platform-console-standalone.jar';
const SDK = repoPath('sdks', 'java');
const OUT = repoPath('.tmp', 'java-sdk');
const API_KEY = `java-${randomBytes(12).toString('hex')}`;
const WEBHOOK_SECRET = `java-webhooks-${randomBytes(12).toString('hex')}`;

function javaFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? javaFiles(path) : entry.name.endsWith('.java') ? [path] : [];
  });
}

/** Runs a command to its end (bounded), with its whole output for the assertion message. */
async function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  const proc = spawnProcess(command, args, { cwd: SDK, env, name: command.split('/').pop() });
  const timer = setTimeout(() => void proc.stop('SIGKILL'), timeoutMs);
  const exit = await proc.exited;
  clearTimeout(timer);
  const output = proc.lines().map((line) => line.text).join('\n');
  if (exit.error) throw new Error(`${command} did not start: ${exit.error.message}`);
  return { code: exit.code, output };
}

/** The console launcher's summary, e.g. `[        64 tests successful      ]`. */
function summary(output: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const match of output.matchAll(/\[\s*(\d+) tests (found|skipped|started|aborted|successful|failed)\s*\]/g)) {
    counts[match[2]!] = Number(match[1]);
  }
  return counts;
}

/** Two nodes on one Redis and key prefix (webhooks urlencoded), and a multipart node on its own prefix. */
async function startCluster(webhookPort: number): Promise<GatewayHandle[]> {
  const redisUrl = inject('redisUrl');
  const common = {
    CG_WEBHOOK_SECRET: WEBHOOK_SECRET,
    CG_PRESENCE_GRACE_MS: '200',
    CG_WEBHOOK_TIMEOUT_MS: '2000',
  };
  const shared = uniqueKeyPrefix('java');
  const urlencoded = { ...common, CG_WEBHOOK_URL: `http://127.0.0.1:${webhookPort}/urlencoded` };
  const multipart = { ...common, CG_WEBHOOK_URL: `http://127.0.0.1:${webhookPort}/multipart`, CG_WEBHOOK_BODY_FORMAT: 'multipart' };
  return Promise.all([
    startGatewayProcess({ redisUrl, apiKey: API_KEY, keyPrefix: shared, env: urlencoded }),
    startGatewayProcess({ redisUrl, apiKey: API_KEY, keyPrefix: shared, env: urlencoded }),
    startGatewayProcess({ redisUrl, apiKey: API_KEY, keyPrefix: uniqueKeyPrefix('javamp'), env: multipart }),
  ]);
}

describe('Java SDK (JUnit 5) against a two-node cluster', () => {
  const javac = findExecutable('javac');
  const java = findExecutable('java');
  let nodes: GatewayHandle[] = [];

  beforeAll(async () => {
    if (!javac || !java) throw new Error('javac and java are needed (Debian: default-jdk-headless)');
    if (!existsSync(JUNIT_JAR)) throw new Error(`${JUNIT_JAR} is missing (Debian: junit5), or set JUNIT_CONSOLE_JAR`);
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    // Compiled before the cluster starts, so the webhook port chosen below is bound soon after it is chosen.
    const main = await run(javac, ['--release', '11', '-Xlint:all', '-Werror', '-d', join(OUT, 'main'), ...javaFiles(join(SDK, 'src', 'main'))], process.env, 120_000);
    expect(main.code, main.output).toBe(0);
    const tests = await run(
      javac,
      ['--release', '11', '-Xlint:all', '-Werror', '-d', join(OUT, 'test'), '-cp', `${join(OUT, 'main')}:${JUNIT_JAR}`, ...javaFiles(join(SDK, 'src', 'test'))],
      process.env,
      120_000,
    );
    expect(tests.code, tests.output).toBe(0);
  }, 240_000);

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  });

  it('passes every test: create, send, batch, by token, limits, timeouts, a gateway down, webhooks in both formats', async () => {
    const webhookPort = await getFreePort();
    nodes = await startCluster(webhookPort);
    const [a, b, c] = nodes as [GatewayHandle, GatewayHandle, GatewayHandle];
    const env: NodeJS.ProcessEnv = {};
    for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('CHANNEL_GATEWAY_')) env[name] = value;
    Object.assign(env, {
      CHANNEL_GATEWAY_URL: a.httpUrl,
      CHANNEL_GATEWAY_API_KEY: API_KEY,
      CHANNEL_GATEWAY_WEBHOOK_SECRET: WEBHOOK_SECRET,
      CHANNEL_GATEWAY_TEST_NODE_B_URL: b.httpUrl,
      CHANNEL_GATEWAY_TEST_MULTIPART_URL: c.httpUrl,
      CHANNEL_GATEWAY_TEST_WEBHOOK_PORT: String(webhookPort),
    });
    const classPath = `${join(OUT, 'main')}:${join(OUT, 'test')}`;
    const launcher = ['-jar', JUNIT_JAR, '--class-path', classPath, '--scan-class-path', '--disable-banner', '--disable-ansi-colors', '--details=tree', '--fail-if-no-tests'];
    const result = await run(java!, launcher, env, 240_000);
    const counts = summary(result.output);
    const report = `${result.output}\n(gateway logs: ${nodes.map((n) => n.logs().slice(-20).join('\n')).join('\n---\n')})`;
    expect(counts, report).toMatchObject({ found: EXPECTED_TESTS, successful: EXPECTED_TESTS, failed: 0, aborted: 0, skipped: 0 });
    expect(result.code, report).toBe(0);
  }, 300_000);
});
