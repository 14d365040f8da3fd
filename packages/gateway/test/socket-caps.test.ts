/**
 * Issue 12.7: open sockets are capped per address and per node. Past a cap a new socket is refused at the
 * upgrade at once (429 per address, 503 per node), counted in cg_connects_total, and a slot comes back
 * when a socket closes. On each transport.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/in-process-gateway.js';
import { TestSocket } from './support/test-socket.js';
import { TEST_TRANSPORTS } from './support/transports.js';

const refusal = (url: string) =>
  TestSocket.connect(url).then(
    (socket) => {
      socket.close();
      return 'open';
    },
    (error: Error) => error.message,
  );

describe.each(TEST_TRANSPORTS)('socket caps (%s transport)', (transport) => {
  let gateway: TestGateway;
  afterEach(async () => gateway.stop());

  it('refuses a socket over the per-address cap with 429 and takes one again after a close', async () => {
    gateway = await startTestGateway('memory', { transport, maxSocketsPerIp: 2 });
    const first = await TestSocket.connect(gateway.wsUrl);
    const second = await TestSocket.connect(gateway.wsUrl);
    expect(await refusal(gateway.wsUrl)).toBe('upgrade refused: 429');
    first.close();
    await first.closed;
    await expect.poll(() => refusal(gateway.wsUrl), { timeout: 5_000 }).toBe('open');
    second.close();
    const metrics = await (await fetch(`${gateway.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/cg_connects_total\{result="too_many_sockets"\} 1/);
  });

  it('refuses a socket over the per-node cap with 503', async () => {
    gateway = await startTestGateway('memory', { transport, maxSockets: 3 });
    const open = await Promise.all([1, 2, 3].map(() => TestSocket.connect(gateway.wsUrl)));
    expect(await refusal(gateway.wsUrl)).toBe('upgrade refused: 503');
    for (const socket of open) socket.close();
  });
});
