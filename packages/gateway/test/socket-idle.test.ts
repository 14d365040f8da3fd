/**
 * CG_IDLE_TIMEOUT_SECONDS on each transport: a socket from which nothing arrives (not even a pong) is
 * dropped after the timeout; one whose client answers the gateway's automatic pings stays open past it.
 * The silent client is a raw TCP WebSocket handshake that never reads a ping nor writes a byte.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from './support/in-process-gateway.js';
import { TestSocket } from './support/test-socket.js';
import { TEST_TRANSPORTS } from './support/transports.js';

const IDLE_SECONDS = 8; // the smallest the configuration allows

/** Opens a WebSocket by hand and then stays silent; resolves with the ms from the 101 until the server closed. */
function silentSocket(port: number, boundMs: number): Promise<number | 'still open'> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let upgradedAt = 0;
    const bound = setTimeout(() => {
      socket.destroy();
      resolve('still open');
    }, boundMs);
    socket.on('data', (chunk) => {
      if (!upgradedAt && chunk.toString('latin1').startsWith('HTTP/1.1 101')) upgradedAt = Date.now();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(bound);
      resolve(Date.now() - upgradedAt);
    });
    const key = randomBytes(16).toString('base64');
    socket.write(
      `GET /v1/socket HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  });
}

describe.each(TEST_TRANSPORTS)('socket idle timeout (%s transport)', (transport) => {
  let gateway: TestGateway;
  afterEach(async () => gateway.stop());

  it('drops a silent socket after the idle timeout and keeps one that answers pings', async () => {
    // A hello deadline past the idle timeout, so only the idle timeout can close the silent socket.
    gateway = await startTestGateway('memory', { transport, idleTimeoutSeconds: IDLE_SECONDS, helloTimeoutMs: 60_000 });
    const { token } = await gateway.createChannel();
    const answering = await TestSocket.open(gateway.wsUrl, token); // `ws` answers pings by itself
    const silentFor = await silentSocket(gateway.node.port, (IDLE_SECONDS + 6) * 1000);
    expect(silentFor).not.toBe('still open');
    expect(silentFor).toBeGreaterThanOrEqual((IDLE_SECONDS - 1) * 1000);
    expect(answering.ws.readyState).toBe(answering.ws.OPEN);
    answering.send({ type: 'ping' });
    await answering.waitForFrame((frame) => frame.type === 'pong');
    answering.close();
  }, 30_000);
});
