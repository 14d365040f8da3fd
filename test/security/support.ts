/**
 * The security suite's harness: every case runs against two gateway nodes on one Redis, once directly
 * (probes go to node A) and once behind the shipped deploy/nginx/nginx.conf (probes go to nginx, which
 * spreads them over both nodes). A case asserts the exact status or close code, then `expectStillServing`
 * (both nodes answer, a bystander socket opened before the probe still receives), and, for probes that
 * could grow memory, `withinMemory` (RSS of both nodes sampled while the probe runs).
 *
 *   describeSecurity('API-key guessing', (target) => {
 *     it('…', async () => { const t = target(); … await t.expectStillServing(); });
 *   }, { env: { CG_FAILED_AUTH_PER_MINUTE: '20' } });
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { gatewayApi, startGatewayProcess, startNginx, uniqueId, uniqueKeyPrefix, type ApiCall, type GatewayHandle } from '../support/index.js';
import { TestSocket } from '../../packages/gateway/test/support/test-socket.js';

export type Topology = 'direct' | 'nginx';
export const TOPOLOGIES: readonly Topology[] = ['direct', 'nginx'];

export interface SecurityOptions {
  /** Extra CG_* variables for both nodes. A function: called when the nodes start (after the file's beforeAll). */
  env?: Record<string, string | undefined> | (() => Record<string, string | undefined>);
  /** CG_REDIS_URL for both nodes (default: the run's shared Redis). A function: read when the nodes start. */
  redisUrl?: string | (() => string);
  /** Default: both. */
  topologies?: readonly Topology[];
}

export interface SecurityTarget {
  topology: Topology;
  /** Where probes go: node A, or nginx in front of A and B. */
  httpUrl: string;
  wsUrl: string;
  /** Host and port of `httpUrl`, for raw-socket probes. */
  host: string;
  port: number;
  nodes: readonly [GatewayHandle, GatewayHandle];
  apiKey: string;
  /** Authenticated JSON calls to `httpUrl`. */
  api: ApiCall;
  /** A channel (created through `httpUrl`) and its token. */
  createChannel(clientId?: string): Promise<{ clientId: string; token: string }>;
  /** Resident set size of a node's process, in bytes. */
  rssBytes(node: GatewayHandle): number;
  /** Both nodes alive and answering /healthz, and the bystander socket receives a message sent now. */
  expectStillServing(): Promise<void>;
  /** Runs `probe` while sampling both nodes' RSS; fails if either grows by more than `limitBytes`. */
  withinMemory<T>(limitBytes: number, probe: () => Promise<T>): Promise<T>;
}

/** Declares `body` once per topology, with nodes (and nginx) started before and stopped after. */
export function describeSecurity(name: string, body: (target: () => SecurityTarget) => void, options: SecurityOptions = {}): void {
  describe.each([...(options.topologies ?? TOPOLOGIES)])(`${name} (%s)`, (topology) => {
    let target: SecurityTarget | undefined;
    let stop: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      ({ target, stop } = await startTarget(topology, options));
    });
    afterAll(async () => {
      await stop?.();
    });
    body(() => {
      if (!target) throw new Error('the security target did not start (see beforeAll)');
      return target;
    });
  });
}

async function startTarget(topology: Topology, options: SecurityOptions): Promise<{ target: SecurityTarget; stop: () => Promise<void> }> {
  const apiKey = `sec-${uniqueId('key')}`;
  const keyPrefix = uniqueKeyPrefix('sec');
  const redisUrl = typeof options.redisUrl === 'function' ? options.redisUrl() : options.redisUrl;
  // Behind nginx the client's address is the last X-Forwarded-For entry (nginx appends it).
  const extraEnv = typeof options.env === 'function' ? options.env() : options.env;
  const env: Record<string, string | undefined> = { ...(topology === 'nginx' ? { CG_TRUST_PROXY: 'true' } : {}), ...extraEnv };
  const start = (label: string) => startGatewayProcess({ apiKey, keyPrefix, nodeId: uniqueId(label), env, ...(redisUrl ? { redisUrl } : {}) });
  const nodes = await Promise.all([start('sec-a'), start('sec-b')]);
  const nginx = topology === 'nginx' ? await startNginx(nodes.map((node) => node.port)) : undefined;
  const httpUrl = nginx?.httpUrl ?? nodes[0].httpUrl;
  const wsUrl = nginx?.wsUrl ?? nodes[0].wsUrl;
  const url = new URL(httpUrl);
  const api = gatewayApi(httpUrl, apiKey);

  const createChannel = async (clientId?: string) => {
    const created = await api('POST', '/v1/channels', clientId === undefined ? {} : { clientId });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return { clientId: created.body.clientId as string, token: created.body.token as string };
  };
  // The bystander holds a socket on node B the whole time; every probe must leave it served.
  const bystander = await createChannel(uniqueId('bystander'));
  const origin = env.CG_ALLOWED_ORIGINS?.split(',')[0]?.trim();
  const bystanderSocket = await TestSocket.connect(nodes[1].wsUrl, origin ? { origin } : {});
  bystanderSocket.send({ type: 'hello', token: bystander.token });
  await bystanderSocket.waitForFrame((frame) => frame.type === 'open');
  let bystanderSends = 0;

  const target: SecurityTarget = {
    topology,
    httpUrl,
    wsUrl,
    host: url.hostname,
    port: Number(url.port),
    nodes,
    apiKey,
    api,
    createChannel,
    rssBytes: (node) => rssOf(node.process.pid),
    expectStillServing: async () => {
      for (const node of nodes) {
        expect(node.process.exitInfo(), `${node.nodeId} exited; last output:\n${node.process.tail(20)}`).toBeUndefined();
        expect((await fetch(`${node.httpUrl}/healthz`)).status).toBe(200);
      }
      const message = `still here ${++bystanderSends}`;
      const sent = await api('POST', `/v1/channels/${encodeURIComponent(bystander.clientId)}/messages`, { message });
      expect(sent).toEqual({ status: 202, body: { status: 'routed' } });
      expect((await bystanderSocket.waitForMessages(bystanderSends)).at(-1)).toBe(message);
    },
    withinMemory: async (limitBytes, probe) => {
      const baseline = nodes.map((node) => rssOf(node.process.pid));
      const peak = [...baseline];
      const sample = () => nodes.forEach((node, i) => (peak[i] = Math.max(peak[i]!, rssOf(node.process.pid))));
      const timer = setInterval(sample, 50);
      try {
        return await probe();
      } finally {
        clearInterval(timer);
        sample();
        nodes.forEach((node, i) => {
          const grown = peak[i]! - baseline[i]!;
          expect(grown, `${node.nodeId} RSS grew by ${(grown / 1_048_576).toFixed(1)} MiB`).toBeLessThanOrEqual(limitBytes);
        });
      }
    },
  };
  return {
    target,
    stop: async () => {
      bystanderSocket.close();
      await nginx?.stop();
      await Promise.all(nodes.map((node) => node.stop()));
    },
  };
}

/** VmRSS of a process, from /proc (Linux). */
export function rssOf(pid: number | undefined): number {
  if (pid === undefined) throw new Error('the process has no pid');
  const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/**
 * Writes raw bytes to host:port and collects what comes back until the peer closes or `timeoutMs`
 * passes (then `timedOut`). For probes no HTTP client would send.
 */
export function rawExchange(host: string, port: number, request: string | Buffer, timeoutMs = 5_000): Promise<{ response: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    const chunks: Buffer[] = [];
    const finish = (timedOut: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ response: Buffer.concat(chunks).toString('latin1'), timedOut });
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('close', () => finish(false));
    socket.on('error', () => finish(false));
  });
}

/** The status codes of every HTTP response in a raw exchange, in order. */
export function statusCodes(response: string): number[] {
  return [...response.matchAll(/^HTTP\/1\.[01] (\d{3})/gm)].map((match) => Number(match[1]));
}

/** A second loopback address: probes sent from it are "another client" to the per-address limits. */
export const ATTACKER_ADDRESS = '127.0.0.2';

/** An HTTP request from a chosen local address (fetch cannot bind one). */
export function requestFrom(
  localAddress: string,
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: init.method ?? 'GET', headers: init.headers, localAddress }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(init.body);
  });
}
