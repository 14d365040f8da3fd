/**
 * A takeover across nodes: a client has a socket on node A and has seen "before"; the app creates a new
 * token for the same client ID and a second page opens a socket on node B without a resume position. The
 * second page gets only what the first did not deliver (docs/PROTOCOL.md), because node A answers with how
 * far its socket got. When node A does not answer in time, B replays from the stored position: a repeat,
 * never a loss, and counted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode } from '@channel-gateway/protocol';
import { gatewayApi, startGatewayProcess, uniqueKeyPrefix, waitFor, type GatewayHandle } from '../support/index.js';
import { TestSocket } from '../../packages/gateway/test/support/test-socket.js';

const API_KEY = 'takeover-test-key-01';

/** Freezes or thaws a node's process (SIGSTOP/SIGCONT): alive and subscribed as far as Redis knows, but silent. */
function signal(node: GatewayHandle, name: 'SIGSTOP' | 'SIGCONT'): void {
  const pid = node.process.pid;
  if (pid === undefined) throw new Error(`${node.nodeId} has no process to ${name}`);
  process.kill(pid, name);
}

const api = (node: GatewayHandle, method: string, path: string, body?: unknown) => gatewayApi(node.httpUrl, API_KEY)(method, path, body);

/** The value of one counter series on a node's /metrics (0 when absent). */
async function metric(node: GatewayHandle, series: string): Promise<number> {
  const text = await (await fetch(`${node.httpUrl}/metrics`)).text();
  const line = text.split('\n').find((entry) => entry.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

async function startPair(): Promise<[GatewayHandle, GatewayHandle]> {
  const keyPrefix = uniqueKeyPrefix();
  const [a, b] = await Promise.all([
    startGatewayProcess({ apiKey: API_KEY, keyPrefix, nodeId: 'node-a' }),
    startGatewayProcess({ apiKey: API_KEY, keyPrefix, nodeId: 'node-b' }),
  ]);
  return [a, b];
}

describe('a takeover on another node', () => {
  let a: GatewayHandle;
  let b: GatewayHandle;
  beforeAll(async () => ([a, b] = await startPair()));
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('gives the newer socket nothing the older one delivered, then everything after it', async () => {
    const created = await api(a, 'POST', '/v1/channels', { clientId: 'taken-over' });
    const firstStartedAt = performance.now();
    const first = await TestSocket.open(a.wsUrl, created.body.token);
    const firstOpenMs = performance.now() - firstStartedAt;
    await api(a, 'POST', '/v1/channels/taken-over/messages', { message: 'before' });
    expect(await first.waitForMessages(1)).toEqual(['before']);

    const again = await api(b, 'POST', '/v1/channels', { clientId: 'taken-over' });
    const startedAt = performance.now();
    const second = await TestSocket.open(b.wsUrl, again.body.token);
    const openedAt = performance.now();
    expect(await first.closeCode()).toBe(CloseCode.REPLACED);
    await api(a, 'POST', '/v1/channels/taken-over/messages', { message: 'after' });
    await second.waitForFrame((frame) => frame.type === 'msg' && frame.data === 'after');
    expect(second.messages()).toEqual(['after']);
    expect(second.frames.filter((frame) => frame.type === 'gap')).toEqual([]);
    expect(await metric(b, 'cg_handovers_total{result="answered"}')).toBe(1);
    console.log(
      `takeover across nodes: open after ${(openedAt - startedAt).toFixed(1)} ms (older node answered); a first socket: ${firstOpenMs.toFixed(1)} ms`,
    );
    second.close();
  });
});

describe('a takeover when the older node does not answer', () => {
  let a: GatewayHandle;
  let b: GatewayHandle;
  beforeAll(async () => ([a, b] = await startPair()));
  afterAll(async () => {
    if (a) signal(a, 'SIGCONT');
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('replays from the stored position after the wait: a repeat, never a loss, in seq order', async () => {
    const created = await api(a, 'POST', '/v1/channels', { clientId: 'frozen-owner' });
    const first = await TestSocket.open(a.wsUrl, created.body.token);
    for (const message of ['one', 'two']) await api(a, 'POST', '/v1/channels/frozen-owner/messages', { message });
    expect(await first.waitForMessages(2)).toEqual(['one', 'two']);
    // Node A is frozen: still subscribed as far as Redis knows, but it never answers.
    signal(a, 'SIGSTOP');

    const again = await api(b, 'POST', '/v1/channels', { clientId: 'frozen-owner' });
    const opening = TestSocket.open(b.wsUrl, again.body.token);
    // Sent while B waits (or just before its attach): either way it must come once, after what is replayed.
    await waitFor(
      async () => (await metric(b, 'cg_connects_total{result="open"}')) === 0 && (await api(b, 'GET', '/v1/channels/frozen-owner')).body.node === 'node-b',
      {
        what: 'node B to own the client',
      },
    );
    expect((await api(b, 'POST', '/v1/channels/frozen-owner/messages', { message: 'during' })).status).toBe(202);
    const second = await opening;
    await second.waitForFrame((frame) => frame.type === 'msg' && frame.data === 'during');
    expect(second.frames.filter((frame) => frame.type === 'msg').map((frame) => frame.type === 'msg' && frame.seq)).toEqual([1, 2, 3]);
    expect(second.messages()).toEqual(['one', 'two', 'during']);
    expect(await metric(b, 'cg_handovers_total{result="unanswered"}')).toBe(1);
    second.close();
  });
});
