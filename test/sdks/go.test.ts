/**
 * The Go SDK (sdks/go) in its own language: `go test` runs its Go tests against a real cluster started
 * here — two gateway processes on the run's Redis — and this file checks what Go cannot see alone: that
 * every Go test ran and passed (none skipped), that messages the Go tests sent as `routed` reached a
 * real socket on the other node, and that the Go tests fail, rather than skip, without a cluster.
 * Webhooks really sent — urlencoded by the cluster, multipart/form-data by a third node set to send that
 * format (CG_WEBHOOK_BODY_FORMAT=multipart) — are captured here and handed to the Go tests to verify.
 */
import { createServer, type Server } from 'node:http';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Channel, type Socket } from '@channel-gateway/client';
import {
  findExecutable,
  gatewayApi,
  repoPath,
  spawnProcess,
  startGatewayProcess,
  uniqueId,
  uniqueKeyPrefix,
  waitFor,
  type GatewayHandle,
} from '../support/index.js';

const SDK_DIR = repoPath('sdks', 'go');
const GO_MODULE = 'github.com/channel-gateway/channel-gateway/sdks/go';
const API_KEY = `go-sdk-${randomBytes(12).toString('hex')}`;
const WEBHOOK_SECRET = `go-sdk-secret-${randomBytes(12).toString('hex')}`;
/** What TestGatewayRouted and TestGatewayRoutedByToken send, in this order. */
const ROUTED = ['go routed: Send', '{"go":"SendJSON"}', 'go routed: SendBatch', 'go routed: SendToToken'];

interface CapturedWebhook {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** What the Go side must read from it: the client whose socket this file opened on that cluster. */
  expect?: { clientId: string; connected: boolean };
}

/** Where each cluster posts its webhooks on the capture server. */
const URLENCODED_PREFIX = '';
const MULTIPART_PREFIX = '/multipart';

let nodes: GatewayHandle[] = [];
/** A cluster of its own whose webhooks are multipart/form-data (CG_WEBHOOK_BODY_FORMAT=multipart). */
let multipartNode: GatewayHandle | undefined;
let webhookServer: Server | undefined;
const webhooks: CapturedWebhook[] = [];
const sockets: Socket[] = [];
const received: string[] = [];
let socketClient: { clientId: string; token: string };
let multipartClientId: string;

/** Creates a channel on `node` and opens its socket there; resolves once the socket is open. */
async function openSocket(node: GatewayHandle, onmessage: (data: string) => void): Promise<{ clientId: string; token: string }> {
  const created = await gatewayApi(node.httpUrl, API_KEY)('POST', '/v1/channels', { clientId: uniqueId('go-socket') });
  expect(created.status).toBe(201);
  let opened!: () => void;
  const open = new Promise<void>((resolve) => (opened = resolve));
  sockets.push(
    new Channel(created.body.token, { url: node.wsUrl, WebSocket }).open({
      onopen: () => opened(),
      onmessage: ({ data }) => onmessage(data),
    }),
  );
  await open;
  return { clientId: created.body.clientId, token: created.body.token };
}

/** The Go toolchain, self-contained: caches under .tmp, no module proxy, no toolchain download. */
function goEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('CHANNEL_GATEWAY_') && !name.startsWith('GO')) env[name] = value;
  }
  return {
    ...env,
    GOCACHE: repoPath('.tmp', 'go', 'cache'),
    GOPATH: repoPath('.tmp', 'go', 'path'),
    GOTOOLCHAIN: 'local',
    GOPROXY: 'off',
    GOSUMDB: 'off',
    GOWORK: 'off',
    GOFLAGS: '-buildvcs=false',
    // No C compiler needed, and the same pure-Go build everywhere.
    CGO_ENABLED: '0',
    ...extra,
  };
}

async function runGo(args: string[], extraEnv: Record<string, string> = {}, timeoutMs = 240_000) {
  const go = findExecutable('go');
  if (!go) throw new Error('go is not installed: `apt-get install golang-go` (.ci/run does)');
  const proc = spawnProcess(go, args, { cwd: SDK_DIR, env: goEnv(extraEnv), name: `go ${args[0]}` });
  const timer = setTimeout(() => void proc.stop('SIGKILL'), timeoutMs);
  const exit = await proc.exited;
  clearTimeout(timer);
  if (exit.error) throw exit.error;
  return { code: exit.code, lines: proc.lines().map((line) => line.text), output: proc.tail(400) };
}

/** Every `func TestX(t *testing.T)` in the module's test files: all of them must run and pass. */
function goTestNames(): string[] {
  const names: string[] = [];
  for (const file of readdirSync(SDK_DIR).filter((name) => name.endsWith('_test.go'))) {
    for (const match of readFileSync(`${SDK_DIR}/${file}`, 'utf8').matchAll(/^func (Test\w+)\(t \*testing\.T\)/gm)) {
      names.push(match[1]!);
    }
  }
  return names.sort();
}

beforeAll(async () => {
  webhookServer = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
      webhooks.push({ method: req.method ?? '', path: req.url ?? '', headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => webhookServer!.listen(0, '127.0.0.1', resolve));
  const address = webhookServer.address();
  if (address === null || typeof address === 'string') throw new Error('webhook server has no port');

  const capture = `http://127.0.0.1:${address.port}`;
  const env = { CG_WEBHOOK_URL: capture + URLENCODED_PREFIX, CG_WEBHOOK_SECRET: WEBHOOK_SECRET };
  const keyPrefix = uniqueKeyPrefix('go');
  const started = await Promise.all([
    ...[0, 1].map(() => startGatewayProcess({ apiKey: API_KEY, keyPrefix, env })),
    startGatewayProcess({
      apiKey: API_KEY,
      keyPrefix: uniqueKeyPrefix('gomp'),
      env: { ...env, CG_WEBHOOK_URL: capture + MULTIPART_PREFIX, CG_WEBHOOK_BODY_FORMAT: 'multipart' },
    }),
  ]);
  nodes = started.slice(0, 2);
  multipartNode = started[2];

  // The socket lives on the first node; the Go tests send through the second.
  socketClient = await openSocket(nodes[0]!, (data) => received.push(data));
  multipartClientId = (await openSocket(multipartNode!, () => {})).clientId;
  const connectedAt = (prefix: string) => (w: CapturedWebhook) => w.path === `${prefix}/_ah/channel/connected/`;
  await waitFor(() => webhooks.some((w) => connectedAt(URLENCODED_PREFIX)(w) && w.body === `from=${socketClient.clientId}`), {
    timeoutMs: 15_000,
    what: 'the connected webhook of the socket',
  });
  await waitFor(() => webhooks.some(connectedAt(MULTIPART_PREFIX)), { timeoutMs: 15_000, what: 'the multipart node\'s connected webhook' });
  const other = gatewayApi(nodes[1]!.httpUrl, API_KEY);
  await waitFor(async () => (await other('GET', `/v1/channels/${socketClient.clientId}`)).body?.connected === true, {
    timeoutMs: 10_000,
    what: 'the socket to show as connected on the other node',
  });
}, 60_000);

afterAll(async () => {
  for (const socket of sockets) socket.close();
  await Promise.all([...nodes, ...(multipartNode ? [multipartNode] : [])].map((node) => node.stop()));
  await new Promise<void>((resolve) => (webhookServer ? webhookServer.close(() => resolve()) : resolve()));
});

describe('the Go SDK', () => {
  it('is gofmt- and go vet-clean', async () => {
    const gofmt = findExecutable('gofmt');
    expect(gofmt, 'gofmt (part of golang-go)').toBeDefined();
    const listed = spawnProcess(gofmt!, ['-l', '.'], { cwd: SDK_DIR, env: goEnv({}) });
    expect((await listed.exited).code, listed.tail()).toBe(0);
    expect(listed.lines().map((line) => line.text).filter(Boolean), 'files gofmt would change').toEqual([]);
    const vet = await runGo(['vet', './...']);
    expect(vet.code, vet.output).toBe(0);
  }, 300_000);

  it('fails, rather than skips, its gateway tests when no cluster is given', async () => {
    const run = await runGo(['test', '-v', '-count=1', '-run', '^TestGateway', './...']);
    expect(run.code, run.output).not.toBe(0);
    const gatewayTests = goTestNames().filter((name) => name.startsWith('TestGateway'));
    const failed = run.lines.flatMap((line) => /^--- FAIL: (Test\w+) /.exec(line)?.[1] ?? []).sort();
    expect(gatewayTests.length).toBeGreaterThan(5);
    expect(failed, run.output).toEqual(gatewayTests);
    expect(run.output).toContain('CHANNEL_GATEWAY_TEST_URLS is not set');
  }, 300_000);

  it('gets multipart/form-data webhooks from a node set to send them', () => {
    const multipart = webhooks.filter((w) => w.path.startsWith(`${MULTIPART_PREFIX}/`));
    expect(multipart.length).toBeGreaterThan(0);
    for (const w of multipart) expect(w.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    const urlencoded = webhooks.filter((w) => !w.path.startsWith(`${MULTIPART_PREFIX}/`));
    for (const w of urlencoded) expect(w.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it('passes every Go test against the two-node cluster, and its routed sends reach the socket', async () => {
    const dir = repoPath('.tmp', 'go');
    mkdirSync(dir, { recursive: true });
    const webhooksFile = `${dir}/webhooks-${randomBytes(4).toString('hex')}.json`;
    // Each cluster has one socket, so its connected webhook is that socket's client.
    const connectedWebhooks = webhooks
      .filter((w) => w.path.endsWith('/_ah/channel/connected/'))
      .map((w) => ({
        ...w,
        expect: { clientId: w.path.startsWith(`${MULTIPART_PREFIX}/`) ? multipartClientId : socketClient.clientId, connected: true },
      }));
    writeFileSync(webhooksFile, JSON.stringify(connectedWebhooks));

    const run = await runGo(['test', '-v', '-count=1', '-timeout', '180s', './...'], {
      CHANNEL_GATEWAY_TEST_URLS: nodes.map((node) => node.httpUrl).join(','),
      CHANNEL_GATEWAY_API_KEY: API_KEY,
      CHANNEL_GATEWAY_TEST_WEBHOOK_SECRET: WEBHOOK_SECRET,
      CHANNEL_GATEWAY_TEST_SOCKET: JSON.stringify(socketClient),
      CHANNEL_GATEWAY_TEST_WEBHOOKS: webhooksFile,
    });
    expect(run.code, run.output).toBe(0);
    const passed = run.lines.flatMap((line) => /^--- PASS: (Test\w+) /.exec(line)?.[1] ?? []).sort();
    const expected = goTestNames();
    expect(expected).toContain('TestGatewayRouted');
    expect(passed, run.output).toEqual(expected);
    expect(run.lines.filter((line) => /--- (SKIP|FAIL)/.test(line)), run.output).toEqual([]);
    expect(run.lines).toContainEqual(expect.stringMatching(new RegExp(`^ok\\s+${GO_MODULE}\\s`)));

    await waitFor(() => received.length >= ROUTED.length, { timeoutMs: 10_000, what: 'the routed messages at the socket' });
    expect(received).toEqual(ROUTED);
  }, 300_000);
});
