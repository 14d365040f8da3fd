/**
 * Issue 14.4: an HTTP stream through a buffering proxy. The repository's own nginx configuration
 * (deploy/nginx/nginx.conf) leaves `proxy_buffering` at its default (on) for every route but the
 * WebSocket, and this adds `gzip on` for event streams, as many deployments have: buffered, nginx's gzip
 * holds small writes until its buffer fills (without the header below nothing at all arrived here, not
 * even the open frame). The stream's `X-Accel-Buffering: no` turns buffering off for the stream alone, and
 * nginx then flushes every write, through gzip too: each message reaches the client before the next is sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayApi, startGatewayProcess, startNginx, type GatewayHandle, type LoadBalancer } from '../support/index.js';
import { TestStream } from '../support/sse-client.js';

describe('HTTP stream through nginx with its default buffering', () => {
  let node: GatewayHandle;
  let nginx: LoadBalancer;
  beforeAll(async () => {
    // A heartbeat far apart, so that nothing but the message itself can carry it through.
    node = await startGatewayProcess({ env: { CG_STREAM_HEARTBEAT_SECONDS: '120' } });
    nginx = await startNginx([node.port], {
      transform: (shipped) => shipped.replace(/^http\s*\{$/m, (line) => `${line}\n    gzip on;\n    gzip_types text/event-stream;`),
    });
  });
  afterAll(async () => {
    await nginx?.stop();
    await node?.stop();
  });

  it('delivers each message promptly, before the next is sent, with proxy_buffering at its default and gzip on', async () => {
    const api = gatewayApi(nginx.httpUrl, node.apiKey);
    const { clientId, token } = (await api('POST', '/v1/channels', {})).body as { clientId: string; token: string };
    const stream = await TestStream.open(nginx.httpUrl, token);
    expect(stream.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    for (let i = 1; i <= 5; i++) {
      const sentAt = Date.now();
      expect((await api('POST', `/v1/channels/${clientId}/messages`, { message: `message ${i}` })).body.status).toBe('routed');
      await stream.waitForMessages(i, 2_000);
      expect(stream.arrivals.at(-1)! - sentAt).toBeLessThan(2_000);
    }
    expect(stream.messages()).toEqual([1, 2, 3, 4, 5].map((i) => `message ${i}`));
    await api('DELETE', `/v1/channels/${clientId}`);
    expect(await stream.closeCode()).toBe(4001);
  });
});
