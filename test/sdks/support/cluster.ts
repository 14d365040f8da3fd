/**
 * A real gateway cluster for the server SDKs' own test suites (Python, Go, Java): two gateway processes
 * on the run's shared Redis (one key prefix, one API key), presence webhooks signed and delivered to the
 * harness server (or to an app), a silent server and a refused address for the failure tests.
 *
 * `cluster.env()` is the one environment contract every SDK test runner reads:
 *
 * | variable | value |
 * |---|---|
 * | `CHANNEL_GATEWAY_URL` | node A's base URL (what the SDK reads in production too) |
 * | `CHANNEL_GATEWAY_API_KEY` | the API key of every node |
 * | `CHANNEL_GATEWAY_TEST_URLS` | every node's base URL, comma-separated (A first) |
 * | `CHANNEL_GATEWAY_TEST_SOCKET_URLS` | every node's `ws://…/v1/socket`, comma-separated |
 * | `CHANNEL_GATEWAY_TEST_WEBHOOK_SECRET` | `CG_WEBHOOK_SECRET` of every node |
 * | `CHANNEL_GATEWAY_TEST_HARNESS_URL` | the harness server (recorded webhooks, browser stand-ins; see harness-server.ts) |
 * | `CHANNEL_GATEWAY_TEST_SILENT_URL` | accepts connections, never answers |
 * | `CHANNEL_GATEWAY_TEST_DOWN_URL` | nothing listens there (connection refused) |
 */
import { randomBytes } from 'node:crypto';
import { startGatewayProcess, uniqueKeyPrefix, type GatewayHandle } from '../../support/index.js';
import { startHarnessServer, type HarnessServer } from './harness-server.js';
import { refusedUrl, startSilentServer, type SilentServer } from './silent-server.js';

export interface SdkClusterOptions {
  /** Gateway processes (default 2). */
  nodes?: number;
  /** Where presence webhooks go (CG_WEBHOOK_URL). Default: the harness server. */
  webhookUrl?: string;
  /** Extra CG_* settings for every node (e.g. a webhook body format). */
  env?: Record<string, string | undefined>;
}

export interface SdkCluster {
  nodes: GatewayHandle[];
  apiKey: string;
  webhookSecret: string;
  harness: HarnessServer;
  silent: SilentServer;
  downUrl: string;
  /** The environment for an SDK test process (see the table above), over `process.env`. */
  env(): NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

export async function startSdkCluster(options: SdkClusterOptions = {}): Promise<SdkCluster> {
  const apiKey = `sdk-${randomBytes(12).toString('hex')}`;
  const webhookSecret = `whsec-${randomBytes(16).toString('hex')}`;
  const keyPrefix = uniqueKeyPrefix();
  const [harness, silent, downUrl] = await Promise.all([startHarnessServer(), startSilentServer(), refusedUrl()]);
  const nodeEnv = {
    CG_WEBHOOK_URL: options.webhookUrl ?? harness.url,
    CG_WEBHOOK_SECRET: webhookSecret,
    // Short grace and retry windows: a disconnected webhook arrives in about a second, not five.
    CG_PRESENCE_GRACE_MS: '300',
    ...options.env,
  };
  const started = await Promise.allSettled(
    Array.from({ length: options.nodes ?? 2 }, () => startGatewayProcess({ apiKey, keyPrefix, env: nodeEnv })),
  );
  const nodes = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const stop = async (): Promise<void> => {
    await Promise.all([...nodes.map((node) => node.stop()), harness.close(), silent.close()]);
  };
  const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  return {
    nodes,
    apiKey,
    webhookSecret,
    harness,
    silent,
    downUrl,
    env: () => ({
      ...process.env,
      CHANNEL_GATEWAY_URL: nodes[0]!.httpUrl,
      CHANNEL_GATEWAY_API_KEY: apiKey,
      CHANNEL_GATEWAY_TEST_URLS: nodes.map((node) => node.httpUrl).join(','),
      CHANNEL_GATEWAY_TEST_SOCKET_URLS: nodes.map((node) => node.wsUrl).join(','),
      CHANNEL_GATEWAY_TEST_WEBHOOK_SECRET: webhookSecret,
      CHANNEL_GATEWAY_TEST_HARNESS_URL: harness.url,
      CHANNEL_GATEWAY_TEST_SILENT_URL: silent.url,
      CHANNEL_GATEWAY_TEST_DOWN_URL: downUrl,
    }),
    stop,
  };
}
