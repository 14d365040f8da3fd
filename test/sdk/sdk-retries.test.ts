/**
 * Safe retries end to end (issue 16): the Node SDK talks to a real gateway process through a TCP proxy
 * that cuts connections between request and answer, so each request is processed but its answer lost.
 * The SDK retries with the same idempotency keys and every message arrives exactly once, coalesced or
 * not; while the gateway cannot be reached, sends wait inside their deadline and go out once it can.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChannelGatewayClient } from '@channel-gateway/sdk';
import { startGatewayProcess, uniqueId, waitFor, type GatewayHandle } from '../support/index.js';
import { TcpProxy } from '../browser/support/tcp-proxy.js';
import WebSocket from 'ws';

const API_KEY = `sdk-retries-${uniqueId('key')}`;

let gateway: GatewayHandle;
let proxy: TcpProxy;
/** Straight to the gateway: creates channels and reads metrics, never cut. */
let direct: ChannelGatewayClient;
beforeAll(async () => {
  gateway = await startGatewayProcess({ apiKey: API_KEY });
  proxy = await TcpProxy.start(gateway.port);
  direct = new ChannelGatewayClient({ baseUrl: gateway.httpUrl, apiKey: API_KEY });
});
afterAll(async () => {
  await proxy?.close();
  await gateway?.stop();
});
afterEach(() => {
  proxy.unblock();
  proxy.dropNextAnswers(0);
});

const throughProxy = (batching: boolean) =>
  new ChannelGatewayClient({
    baseUrl: proxy.httpUrl,
    apiKey: API_KEY,
    timeoutMs: 2_000,
    deadlineMs: 15_000,
    retry: { baseDelayMs: 10, maxDelayMs: 100 },
    batching: batching ? {} : false,
  });

async function replays(): Promise<number> {
  const text = await (await fetch(`${gateway.httpUrl}/metrics`)).text();
  return Number(/^cg_idempotent_replays_total (\d+)$/m.exec(text)?.[1] ?? NaN);
}

/** A protocol-level socket that records the messages it receives. */
interface OpenSocket {
  waitForMessages(count: number): Promise<string[]>;
  close(): void;
}

async function openClient(): Promise<{ clientId: string; socket: OpenSocket }> {
  const { clientId, token } = await direct.createChannel({ clientId: uniqueId('retry') });
  const ws = new WebSocket(gateway.wsUrl);
  const messages: string[] = [];
  let opened = false;
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as { type: string; data?: string };
    if (frame.type === 'open') opened = true;
    if (frame.type === 'msg') messages.push(frame.data!);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'hello', token }));
  await waitFor(() => opened, { timeoutMs: 10_000, what: 'the open frame' });
  return {
    clientId,
    socket: {
      async waitForMessages(count) {
        await waitFor(() => messages.length >= count, { timeoutMs: 10_000, what: `${count} messages` });
        return [...messages];
      },
      close: () => ws.close(),
    },
  };
}

describe('retries through connections cut between request and answer', () => {
  it.each([
    ['coalesced sends', true],
    ['one request per send', false],
  ])('deliver each message exactly once (%s)', async (_name, batching) => {
    const { clientId, socket } = await openClient();
    const sdk = throughProxy(batching);
    const replaysBefore = await replays();
    const droppedBefore = proxy.droppedAnswers;
    proxy.dropNextAnswers(4);
    const expected = Array.from({ length: 30 }, (_, i) => `m${i}`);
    const answers = [];
    // Ten at a time, so several requests (and several cut answers) are involved.
    for (let i = 0; i < expected.length; i += 10) {
      answers.push(...(await Promise.all(expected.slice(i, i + 10).map((message) => sdk.sendMessage(clientId, message)))));
    }
    expect(answers).toEqual(expected.map(() => ({ status: 'routed' })));
    expect(proxy.droppedAnswers - droppedBefore).toBe(4);
    // The lost answers were for processed requests: their retries were answered as repeats.
    expect(await replays()).toBeGreaterThan(replaysBefore);
    await direct.sendMessage(clientId, 'end');
    const received = await socket.waitForMessages(expected.length + 1);
    expect(received.at(-1)).toBe('end');
    expect([...received.slice(0, -1)].sort()).toEqual([...expected].sort());
    socket.close();
  });

  it('delivers a sendMessages batch whose answer was lost exactly once, in order', async () => {
    const { clientId, socket } = await openClient();
    const sdk = throughProxy(false);
    proxy.dropNextAnswers(1);
    const items = Array.from({ length: 20 }, (_, i) => ({ clientId, message: `b${i}` }));
    const { results } = await sdk.sendMessages(items);
    expect(results).toEqual(items.map(() => ({ clientId, status: 'routed' })));
    await direct.sendMessage(clientId, 'end');
    expect(await socket.waitForMessages(21)).toEqual([...items.map((item) => item.message), 'end']);
    socket.close();
  });

  it('waits while the gateway cannot be reached and sends once it can', async () => {
    const { clientId, socket } = await openClient();
    const sdk = throughProxy(true);
    proxy.block();
    // Pooled keep-alive connections too: every attempt now needs a new one, which is refused.
    proxy.cutAll();
    const acceptedBefore = proxy.accepted;
    const pending = Promise.all([sdk.sendMessage(clientId, 'x1'), sdk.sendMessage(clientId, 'x2')]);
    await waitFor(() => proxy.accepted >= acceptedBefore + 2, { timeoutMs: 10_000, what: 'two refused attempts' });
    proxy.unblock();
    expect(await pending).toEqual([{ status: 'routed' }, { status: 'routed' }]);
    expect(await socket.waitForMessages(2)).toEqual(['x1', 'x2']);
    socket.close();
  });
});
