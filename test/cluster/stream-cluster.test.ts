/**
 * HTTP streams across three gateway processes behind a round-robin HAProxy with no stickiness: any node
 * takes any stream, sends through every node reach it, a stream resumed through another node loses and
 * repeats nothing, and draining a node (SIGTERM) moves its streams to the others without loss.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, type StreamPosition } from '@channel-gateway/protocol';
import {
  gatewayApi,
  getFreePort,
  startGatewayProcess,
  startHaproxy,
  uniqueKeyPrefix,
  waitFor,
  type ApiCall,
  type GatewayHandle,
  type LoadBalancer,
} from '../support/index.js';
import { TestStream } from '../support/sse-client.js';

const API_KEY = 'stream-cluster-key-0123';

/** A client on streams only: reconnects through the load balancer with its position whenever a stream ends. */
class StreamFollower {
  readonly received: string[] = [];
  readonly closes: number[] = [];
  private position: StreamPosition | undefined;
  private running = true;
  private current: TestStream | undefined;
  readonly done: Promise<void>;

  constructor(
    private readonly url: () => string,
    private readonly token: string,
  ) {
    this.done = this.run();
  }

  private async run(): Promise<void> {
    for (let attempt = 0; this.running && attempt < 50; attempt++) {
      let stream: TestStream;
      try {
        stream = this.current = await TestStream.open(this.url(), this.token, this.position);
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100)); // refused (a draining node): back off, as a client does
        continue;
      }
      for (let seen = 0; await stream.hasFrames(seen + 1, 60_000); seen++) {
        const frame = stream.frames[seen]!;
        if (frame.type === 'open') this.position = { epoch: frame.epoch, seq: this.position?.epoch === frame.epoch ? this.position.seq : 0 };
        if (frame.type === 'msg') {
          this.received.push(frame.data);
          this.position = { epoch: this.position!.epoch, seq: frame.seq };
        }
      }
      const { code } = await stream.closed;
      this.closes.push(code);
      if (code !== CloseCode.DRAINING && code !== CloseCode.ABNORMAL) return;
    }
  }

  stop(): void {
    this.running = false;
    this.current?.close();
  }
}

describe('HTTP streams across three nodes behind HAProxy (no stickiness)', () => {
  let lb: LoadBalancer;
  const nodes: GatewayHandle[] = [];
  const ports: number[] = [];
  const keyPrefix = uniqueKeyPrefix();
  const startNode = (index: number) =>
    startGatewayProcess({ apiKey: API_KEY, keyPrefix, nodeId: `node-${index}`, env: { CG_PORT: String(ports[index]), CG_DRAIN_TIMEOUT_MS: '5000' } });
  const nodeApi = (index: number) => gatewayApi(nodes[index]!.httpUrl, API_KEY);
  /** The API through a node that is up (the balancer is for the streams; its health checks flap under load). */
  const api: ApiCall = (method, path, body) => nodeApi(nodes.findIndex((node) => node.process.exitInfo() === undefined))(method, path, body);
  /** Opens a stream through the balancer, retrying a refusal (HAProxy's 503 while its checks flap) as a client backs off. */
  const openThroughLb = async (token: string, resume?: StreamPosition): Promise<TestStream> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await TestStream.open(lb.httpUrl, token, resume);
      } catch (error) {
        if (attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  };

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) ports.push(await getFreePort());
    for (let i = 0; i < 3; i++) nodes.push(await startNode(i));
    lb = await startHaproxy(ports.map((port, i) => ({ name: `node-${i}`, port })));
    await waitFor(async () => (await lb.serversUp()).length === 3, { what: 'all three nodes up in HAProxy' });
  });
  afterAll(async () => {
    await lb?.stop();
    await Promise.all(nodes.map((node) => node.stop()));
  });

  it('takes streams on any node, delivers sends made through every node, and resumes through another node', async () => {
    const channels = await Promise.all(
      Array.from({ length: 6 }, async () => (await api('POST', '/v1/channels', {})).body as { clientId: string; token: string }),
    );
    await waitFor(async () => (await lb.serversUp()).length === 3, { what: 'all three nodes up in HAProxy', timeoutMs: 10_000 });
    const streams = await Promise.all(channels.map((channel) => openThroughLb(channel.token)));
    const holder = async (clientId: string) => (await api('GET', `/v1/channels/${clientId}`)).body.node as string;
    const holders = new Set(await Promise.all(channels.map((channel) => holder(channel.clientId))));
    for (let round = 0; round < 3; round++) {
      for (const channel of channels)
        expect((await nodeApi(round)('POST', `/v1/channels/${channel.clientId}/messages`, { message: `via node-${round}` })).body.status).toBe('routed');
    }
    for (const stream of streams) expect(await stream.waitForMessages(3, 15_000)).toEqual(['via node-0', 'via node-1', 'via node-2']);

    // Each client drops and comes back through the balancer (most land on another node) with its position.
    for (const [index, stream] of streams.entries()) {
      const position = stream.position();
      stream.close();
      await stream.closed;
      await api('POST', `/v1/channels/${channels[index]!.clientId}/messages`, { message: 'while away' });
      const resumed = await openThroughLb(channels[index]!.token, position);
      holders.add(await holder(channels[index]!.clientId));
      await api('POST', `/v1/channels/${channels[index]!.clientId}/messages`, { message: 'after' });
      expect(await resumed.waitForMessages(2, 15_000)).toEqual(['while away', 'after']);
      resumed.close();
    }
    // Round robin spread the twelve streams over the nodes (HAProxy's checks may have left one out at times).
    expect(holders.size).toBeGreaterThan(1);
  });

  it('moves the streams of a draining node to the others with nothing lost or repeated', async () => {
    const channels = await Promise.all(
      Array.from({ length: 9 }, async () => (await api('POST', '/v1/channels', {})).body as { clientId: string; token: string }),
    );
    const followers = channels.map((channel) => new StreamFollower(() => lb.httpUrl, channel.token));
    await waitFor(async () => (await Promise.all(channels.map(async (c) => (await api('GET', `/v1/channels/${c.clientId}`)).body.connected))).every(Boolean), {
      what: 'every stream open',
      timeoutMs: 10_000,
    });
    const drainedNode = (await api('GET', `/v1/channels/${channels[0]!.clientId}`)).body.node as string;
    const index = Number(drainedNode.split('-')[1]);
    const acknowledged = channels.map(() => [] as string[]);
    let sending = true;
    const sender = (async () => {
      for (let n = 0; sending && n < 20_000; n++) {
        const client = n % channels.length;
        const other = nodeApi((index + 1 + (n % 2)) % 3); // never through the node going away
        const { body } = await other('POST', `/v1/channels/${channels[client]!.clientId}/messages`, { message: String(n) });
        if (body.status === 'routed' || body.status === 'queued') acknowledged[client]!.push(String(n));
      }
    })();
    await waitFor(() => followers.every((follower) => follower.received.length >= 3), { what: 'messages flowing', timeoutMs: 10_000 });
    expect(await nodes[index]!.kill('SIGTERM')).toBe(0);
    await waitFor(() => followers.filter((follower) => follower.closes.includes(CloseCode.DRAINING)).length >= 1, { what: 'a DRAINING close frame' });
    const after = followers.map((follower) => follower.received.length);
    await waitFor(() => followers.every((follower, i) => follower.received.length >= after[i]! + 3), { what: 'messages flowing again', timeoutMs: 15_000 });
    sending = false;
    await sender;
    for (const [client, follower] of followers.entries()) {
      const last = acknowledged[client]!.at(-1)!;
      await waitFor(() => follower.received.includes(last), { what: `client ${client} to get ${last}`, timeoutMs: 10_000 });
      expect(follower.received).toEqual(acknowledged[client]);
      follower.stop();
    }
    for (const follower of followers) await follower.done;
    expect(followers.some((follower) => follower.closes.includes(CloseCode.DRAINING))).toBe(true);
    nodes[index] = await startNode(index);
  });
});
