/**
 * `node dist/main.js`: reads CG_* configuration, starts a node, drains on SIGTERM/SIGINT.
 */
import { ConfigError, loadConfig } from './config.js';
import { GatewayNode } from './gateway-node.js';
import { createLogger } from './logger.js';
import { TransportUnavailableError } from './transport/create-transport.js';

async function main(): Promise<void> {
  let loaded;
  try {
    loaded = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`channel-gateway: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const { config, unknownVariables } = loaded;
  const logger = createLogger(config.logLevel, config.nodeId);
  for (const name of unknownVariables) logger.warn({ variable: name }, 'unknown configuration variable (ignored)');
  if (config.apiKeyGenerated) {
    // Only for a first run on a workstation: print the key so the README's curl walkthrough works.
    process.stderr.write(`channel-gateway: CG_API_KEYS is not set; API key for this run: ${config.apiKeys[0]}\n`);
  }
  if (config.redisSentinels) logger.info({ sentinels: config.redisSentinels, master: config.redisSentinelMaster }, 'Redis through Sentinel');
  else if (!config.redisUrl) logger.info('CG_REDIS_URL is not set: single node with in-memory stores');

  const node = new GatewayNode(config, { logger });
  await node.start();

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, timeoutMs: config.drainTimeoutMs }, 'drain started');
    const deadline = setTimeout(() => {
      logger.warn('drain timed out; exiting');
      process.exit(1);
    }, config.drainTimeoutMs);
    deadline.unref();
    node
      .drain()
      .then(() => {
        logger.info('drained; exiting');
        process.exit(0);
      })
      .catch((error: Error) => {
        logger.error({ err: error.message }, 'drain failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((error: Error) => {
  // Expected refusals (no native uWS for CG_TRANSPORT=uws, port taken): the message says it all.
  if (error instanceof TransportUnavailableError) {
    process.stderr.write(`channel-gateway: ${error.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`channel-gateway: failed to start: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
