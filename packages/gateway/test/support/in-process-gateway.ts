/**
 * Gateway nodes in the test process, on ephemeral ports, with memory or Redis stores and a clock the
 * test can move forward.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { configWith, type GatewayConfig } from '../../src/config.js';
import { GatewayNode } from '../../src/gateway-node.js';
import { OffsetClock } from '../../src/clock.js';
import { createLogger } from '../../src/logger.js';

export const API_KEY = 'test-key-0123456789abcdef';

export type StoreKind = 'memory' | 'redis';

export interface TestGateway {
  node: GatewayNode;
  clock: OffsetClock;
  httpUrl: string;
  wsUrl: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers of many shapes; the SDK is the typed client
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  createChannel(body?: Record<string, unknown>): Promise<{ clientId: string; token: string; expiresAt: string }>;
  send(clientId: string, message: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startTestGateway(
  kind: StoreKind,
  overrides: Partial<GatewayConfig> = {},
  keyPrefix = `t${randomBytes(6).toString('hex')}:`,
): Promise<TestGateway> {
  const nodeId = `n${randomBytes(4).toString('hex')}`;
  const config = configWith({
    port: 0,
    host: '127.0.0.1',
    apiKeys: [API_KEY],
    apiKeyGenerated: false,
    nodeId,
    keyPrefix,
    redisUrl: kind === 'redis' ? inject('redisUrl') : undefined,
    logLevel: 'silent',
    ...overrides,
  });
  const clock = new OffsetClock();
  const node = new GatewayNode(config, { clock, logger: createLogger('silent', nodeId) });
  const port = await node.start();
  const httpUrl = `http://127.0.0.1:${port}`;
  const api: TestGateway['api'] = async (method, path, body, headers = {}) => {
    const response = await fetch(httpUrl + path, {
      method,
      headers: { authorization: `Bearer ${API_KEY}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    node,
    clock,
    httpUrl,
    wsUrl: `ws://127.0.0.1:${port}/v1/socket`,
    api,
    async createChannel(body = {}) {
      const response = await api('POST', '/v1/channels', body);
      if (response.status !== 201) throw new Error(`create failed: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body;
    },
    async send(clientId, message) {
      const response = await api('POST', `/v1/channels/${encodeURIComponent(clientId)}/messages`, { message });
      if (response.status !== 202) throw new Error(`send failed: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body.status;
    },
    stop: () => node.stop(),
  };
}
