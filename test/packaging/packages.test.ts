/**
 * The packages as a user gets them: `pnpm pack` tarballs of protocol, client, sdk and gateway, installed
 * with npm into a project outside the repository (tarballs + the registry, cache first), then
 *   - four consumer projects (CommonJS JS, CommonJS TS node16, ESM TS node16, ESM TS bundler) compiled with
 *     the repository's TypeScript and run against a gateway started from the gateway tarball;
 *   - the gateway's command, installed (`npx channel-gateway`) and straight from the tarball (`npx --package`);
 *   - publint and arethetypeswrong on every tarball.
 * Needs `pnpm build` first (pnpm test does it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoPath, spawnProcess, startGatewayProcess, type GatewayHandle } from '../support/index.js';

const PACKAGES = ['protocol', 'client', 'sdk', 'gateway'] as const;
type PackageName = (typeof PACKAGES)[number];
const CONSUMERS = ['cjs-js', 'cjs-ts-node16', 'esm-ts-node16', 'esm-ts-bundler'] as const;
const API_KEY = 'packaging-test-key-0123456789';
const PNPM = ['--yes', `pnpm@${(JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { packageManager: string }).packageManager.split('@')[1]}`];
/**
 * How to run pnpm: the very pnpm that runs `pnpm test` (npm_execpath) when there is one, else through npx.
 * Not four npx processes at once: on a CI run with another Node first on PATH one of them hung until killed.
 */
const PNPM_RUN: [string, string[]] = /pnpm\.c?js$/.test(process.env.npm_execpath ?? '') ? [process.execPath, [process.env.npm_execpath!]] : ['npx', PNPM];
const TSC = repoPath('node_modules', 'typescript', 'bin', 'tsc');
const BIN = (name: string) => repoPath('node_modules', '.bin', name);

interface Ran {
  code: number | null;
  stdout: string;
  output: string;
}

/** Runs a command to its end (bounded) and resolves with its output; rejects when it fails, quoting it. */
async function run(command: string, args: string[], options: { cwd: string; timeoutMs?: number; allowFailure?: boolean }): Promise<Ran> {
  const name = `${command.split('/').pop()} ${args.slice(0, 3).join(' ')}`;
  const proc = spawnProcess(command, args, {
    cwd: options.cwd,
    name,
    env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', npm_config_prefer_offline: 'true' },
  });
  const timeout = setTimeout(() => void proc.stop('SIGKILL'), options.timeoutMs ?? 60_000);
  const exit = await proc.exited.finally(() => clearTimeout(timeout));
  const ran = {
    code: exit.code,
    stdout: proc.stdoutLines().join('\n'),
    output: proc
      .lines()
      .map((line) => line.text)
      .join('\n'),
  };
  if (ran.code !== 0 && !options.allowFailure) throw new Error(`${name} (in ${options.cwd}) exited with ${exit.code ?? exit.signal}:\n${proc.tail(40)}`);
  return ran;
}

let work: string;
let app: string;
const tarballs = {} as Record<PackageName, string>;
let gateway: GatewayHandle | undefined;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'cg-packaging-'));
  for (const name of PACKAGES) await run(PNPM_RUN[0], [...PNPM_RUN[1], 'pack', '--pack-destination', work], { cwd: repoPath('packages', name) });
  for (const name of PACKAGES) tarballs[name] = join(work, `channel-gateway-${name}-0.1.0.tgz`);

  // One project holds the install; the consumers are folders in it (each with its own "type"), so Node
  // and TypeScript find the packages by walking up to its node_modules.
  app = join(work, 'app');
  cpSync(repoPath('test', 'packaging', 'consumers'), app, { recursive: true });
  const typesNode = (JSON.parse(readFileSync(repoPath('node_modules', '@types', 'node', 'package.json'), 'utf8')) as { version: string }).version;
  const dependencies = Object.fromEntries([...PACKAGES.map((name) => [`@channel-gateway/${name}`, `file:${tarballs[name]}`]), ['@types/node', typesNode]]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer-app', private: true, dependencies }, null, 2));
  await run('npm', ['install', '--prefer-offline', '--no-package-lock'], { cwd: app, timeoutMs: 90_000 });

  // One compiler process for the three TypeScript consumers (build mode takes several projects).
  await run(process.execPath, [TSC, '-b', ...CONSUMERS.filter((name) => existsSync(join(app, name, 'tsconfig.json')))], { cwd: app, timeoutMs: 90_000 });

  const main = join(app, 'node_modules', '@channel-gateway', 'gateway', 'dist', 'main.js');
  gateway = await startGatewayProcess({ main, redisUrl: null, apiKey: API_KEY });
}, 150_000);

afterAll(async () => {
  await gateway?.stop();
  if (!work) return;
  await forgetNpxInstall(work);
  rmSync(work, { recursive: true, force: true });
});

/** npx keeps what it installed for the tarballs in npm's cache (_npx/<hash>); this run's one goes too. */
async function forgetNpxInstall(tarballDir: string): Promise<void> {
  const npxRoot = join((await run('npm', ['config', 'get', 'cache'], { cwd: tarballDir })).stdout.trim(), '_npx');
  if (!existsSync(npxRoot)) return;
  for (const entry of readdirSync(npxRoot)) {
    const manifest = join(npxRoot, entry, 'package.json');
    if (existsSync(manifest) && readFileSync(manifest, 'utf8').includes(tarballDir)) rmSync(join(npxRoot, entry), { recursive: true, force: true });
  }
}

describe('consumer projects built from the tarballs', () => {
  it.each(CONSUMERS)('%s (compiled in beforeAll) talks to the gateway from the tarball', async (consumer) => {
    const dir = join(app, consumer);
    const entry = existsSync(join(dir, 'tsconfig.json')) ? join('dist', 'index.js') : 'index.js';
    const { stdout } = await run(process.execPath, [entry, gateway!.httpUrl, API_KEY], { cwd: dir });
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(result).toMatchObject({ clientId: `consumer-${consumer}`, status: 'queued', typedError: true, code: 'invalid_field', replaced: 4003 });
    if (consumer === 'cjs-ts-node16') expect(result.format).toBe('object'); // compiled to CommonJS: `module` exists
    if (consumer === 'esm-ts-node16') expect(result).toMatchObject({ format: 'string', configPort: 9999 });
    if (consumer === 'esm-ts-bundler') expect(result.replacedName).toBe('REPLACED');
  });
});

describe('the gateway package', () => {
  it('serves the OpenAPI document and the browser script it carries', async () => {
    const installed = join(app, 'node_modules', '@channel-gateway', 'gateway');
    expect(readdirSync(join(installed, 'dist', 'assets')).sort()).toEqual(['jsapi.js', 'openapi.yaml']);
    expect(await (await fetch(gateway!.httpUrl + '/openapi.yaml')).text()).toBe(readFileSync(repoPath('docs', 'openapi.yaml'), 'utf8'));
    const jsapi = await fetch(gateway!.httpUrl + '/_ah/channel/jsapi');
    expect(jsapi.status).toBe(200);
    expect(await jsapi.text()).toBe(readFileSync(repoPath('packages', 'client', 'dist', 'jsapi.js'), 'utf8'));
  });

  it('has a channel-gateway command with --help and --version, installed and through npx from the tarball', async () => {
    const version = (JSON.parse(readFileSync(repoPath('packages', 'gateway', 'package.json'), 'utf8')) as { version: string }).version;
    const help = await run('npx', ['--no-install', 'channel-gateway', '--help'], { cwd: app });
    expect(help.stdout).toMatch(/^channel-gateway \d+\.\d+\.\d+/);
    for (const variable of ['CG_PORT', 'CG_REDIS_URL', 'CG_API_KEYS', 'CG_DRAIN_TIMEOUT_MS']) expect(help.stdout).toContain(variable);
    expect((await run('npx', ['--no-install', 'channel-gateway', '--version'], { cwd: app })).stdout.trim()).toBe(version);
    const wrong = await run('npx', ['--no-install', 'channel-gateway', '--port=1'], { cwd: app, allowFailure: true });
    expect(wrong.code).toBe(2);
    expect(wrong.output).toMatch(/unknown argument/);

    // `npx @channel-gateway/gateway` once published; here the tarballs stand in for the registry.
    const viaNpx = await run(
      'npx',
      ['--yes', '--prefer-offline', '--package', tarballs.protocol, '--package', tarballs.gateway, '--', 'channel-gateway', '--help'],
      {
        cwd: work,
        timeoutMs: 90_000,
      },
    );
    expect(viaNpx.stdout).toContain('CG_REDIS_URL');
  }, 120_000);
});

describe('package linters on every tarball', () => {
  it.each(PACKAGES)('%s passes publint (strict)', async (name) => {
    const { output } = await run(BIN('publint'), ['run', tarballs[name], '--strict'], { cwd: work });
    expect(output).toContain('All good!');
  });

  it.each(PACKAGES)('%s passes arethetypeswrong', async (name) => {
    // protocol and sdk are dual (every resolution mode); the browser client and the gateway are ES modules only.
    const profile = name === 'protocol' || name === 'sdk' ? [] : ['--profile', 'esm-only'];
    const exclude = name === 'client' ? ['--exclude-entrypoints', './jsapi'] : []; // a classic script, no types
    // Its exit status is the verdict (run() throws on a failure); problems a profile ignores are listed as such.
    const { output } = await run(BIN('attw'), [tarballs[name], ...profile, ...exclude, '--format', 'ascii'], { cwd: work });
    expect(output).toContain(`@channel-gateway/${name} v`);
    if (profile.length === 0) expect(output).toMatch(/No problems found/);
  });
});
