/**
 * What the transport refuses: frames the protocol does not allow, oversized frames, silent sockets, wrong
 * origins, connection floods and slow readers. Each gets its close code; the node keeps serving.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { CloseCode } from '@channel-gateway/protocol';
import type { GatewayConfig } from '../src/config.js';
import { startTestGateway, type TestGateway } from './support/in-process-gateway.js';
import { TestSocket } from './support/test-socket.js';
import { TEST_TRANSPORTS } from './support/transports.js';

describe.each(TEST_TRANSPORTS)('socket limits (%s transport)', (transport) => {
  let gateway: TestGateway;
  const start = (overrides: Partial<GatewayConfig> = {}) => startTestGateway('memory', { transport, ...overrides });
  afterEach(async () => gateway.stop());

  it('closes sockets that break the protocol with PROTOCOL_ERROR', async () => {
    gateway = await start();
    const { token } = await gateway.createChannel();
    const cases: Array<(socket: TestSocket) => void> = [
      (s) => s.send('not json'),
      (s) => s.send({ type: 'ping' }), // before hello
      (s) => s.send({ type: 'subscribe', channel: 'x' }),
      (s) => s.send({ type: 'hello' }),
      (s) => s.send({ type: 'hello', token, resume: { epoch: 'e', seq: -1 } }),
      (s) => s.ws.send(Buffer.from([1, 2, 3]), { binary: true }),
    ];
    for (const breakIt of cases) {
      const socket = await TestSocket.connect(gateway.wsUrl);
      breakIt(socket);
      expect(await socket.closeCode()).toBe(CloseCode.PROTOCOL_ERROR);
    }
    const twice = await TestSocket.open(gateway.wsUrl, token);
    twice.send({ type: 'hello', token });
    expect(await twice.closeCode()).toBe(CloseCode.PROTOCOL_ERROR);
  });

  it('answers ping with pong once open', async () => {
    gateway = await start();
    const { token } = await gateway.createChannel();
    const socket = await TestSocket.open(gateway.wsUrl, token);
    socket.send({ type: 'ping' });
    expect(await socket.waitForFrame((frame) => frame.type === 'pong')).toEqual({ type: 'pong' });
    socket.close();
  });

  it('closes a socket that floods the gateway with frames with RATE_LIMITED', async () => {
    gateway = await start();
    const { token } = await gateway.createChannel();
    const socket = await TestSocket.open(gateway.wsUrl, token);
    for (let i = 0; i < 100; i++) socket.send({ type: 'ping' });
    expect(await socket.closeCode()).toBe(CloseCode.RATE_LIMITED);
    expect(socket.frames.filter((frame) => frame.type === 'pong').length).toBeLessThan(30);
  });

  it('closes a socket that sends a frame over the inbound limit with 1009', async () => {
    gateway = await start({ maxInboundFrameBytes: 1024 });
    const socket = await TestSocket.connect(gateway.wsUrl);
    socket.send('x'.repeat(2048));
    expect(await socket.closeCode()).toBe(CloseCode.FRAME_TOO_BIG);
  });

  it('closes a socket that never says hello with HELLO_TIMEOUT', async () => {
    gateway = await start({ helloTimeoutMs: 300 });
    const socket = await TestSocket.connect(gateway.wsUrl);
    expect(await socket.closeCode()).toBe(CloseCode.HELLO_TIMEOUT);
  });

  it('refuses origins outside the allowlist with ORIGIN_REJECTED, and accepts listed ones', async () => {
    gateway = await start({ allowedOrigins: ['https://app.example'] });
    const { token } = await gateway.createChannel();
    const refused = await TestSocket.connect(gateway.wsUrl, { origin: 'https://evil.example' });
    expect(await refused.closeCode()).toBe(CloseCode.ORIGIN_REJECTED);
    const allowed = await TestSocket.connect(gateway.wsUrl, { origin: 'https://app.example' });
    allowed.send({ type: 'hello', token });
    await allowed.waitForFrame((frame) => frame.type === 'open');
    allowed.close();
  });

  it('refuses connections over the per-IP rate with 429 before upgrading', async () => {
    gateway = await start({ connectsPerSecondPerIp: 2 });
    const outcomes: string[] = [];
    for (let i = 0; i < 8; i++) {
      try {
        const socket = await TestSocket.connect(gateway.wsUrl);
        outcomes.push('open');
        socket.close();
      } catch (error) {
        outcomes.push((error as Error).message);
      }
    }
    expect(outcomes.filter((o) => o === 'open').length).toBeLessThanOrEqual(5); // burst of 4, plus refill
    expect(outcomes).toContain('upgrade refused: 429');
  });

  it('closes a socket that does not read with SLOW_CONSUMER, and its messages wait in the buffer', async () => {
    gateway = await start({ maxBackpressureBytes: 64 * 1024, buffer: { maxMessages: 1000, maxBytes: 64 * 1024 * 1024, ttlSeconds: 300 } });
    const { clientId, token } = await gateway.createChannel();
    const socket = await TestSocket.open(gateway.wsUrl, token);
    const position = socket.position();
    // Stop reading from the TCP socket: the gateway's send queue for it can only grow.
    (socket.ws as WebSocket & { _socket: { pause(): void; resume(): void } })._socket.pause();
    const big = 'x'.repeat(30_000);
    const statuses = new Set<string>();
    for (let i = 0; i < 200 && statuses.size < 2; i++) statuses.add(await gateway.send(clientId, `${i}:${big}`));
    (socket.ws as WebSocket & { _socket: { resume(): void } })._socket.resume();
    // The close frame cannot pass a full pipe, so the client may only see the connection drop (1006);
    // both mean "reconnect with backoff". The node counts it as SLOW_CONSUMER.
    expect([CloseCode.SLOW_CONSUMER, CloseCode.ABNORMAL]).toContain(await socket.closeCode(10_000));
    const metrics = await (await fetch(gateway.httpUrl + '/metrics')).text();
    expect(metrics).toContain('cg_socket_closes_total{reason="SLOW_CONSUMER"} 1');
    // Nothing is lost: a resume replays everything the slow socket did not get.
    const resumed = await TestSocket.open(gateway.wsUrl, token, { ...position, seq: socket.position().seq });
    const sent = (await gateway.api('GET', `/v1/channels/${clientId}`)).body;
    expect(sent.connected).toBe(true);
    const received = socket.messages().length;
    await resumed.waitForMessages(1);
    expect(Number(resumed.messages()[0]!.split(':')[0])).toBe(received);
    resumed.close();
  });
});
