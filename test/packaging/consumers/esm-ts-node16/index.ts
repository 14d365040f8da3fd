// An ES-module TypeScript backend (moduleResolution node16) that also embeds a gateway node's config.
import { ChannelGatewayClient, ChannelGatewayError, MAX_MESSAGE_BYTES, type SendStatus } from '@channel-gateway/sdk';
import { CloseCode } from '@channel-gateway/protocol';
import { loadConfig, type GatewayConfig } from '@channel-gateway/gateway';

const [baseUrl = '', apiKey = ''] = process.argv.slice(2);
const gateway = new ChannelGatewayClient({ baseUrl, apiKey });
const { clientId } = await gateway.createChannel({ clientId: 'consumer-esm-ts-node16' });
const status: SendStatus = (await gateway.sendMessage(clientId, 'hello from ES modules')).status;
const error: unknown = await gateway.sendMessage(clientId, 'x'.repeat(MAX_MESSAGE_BYTES + 1)).catch((caught: unknown) => caught);
const code = error instanceof ChannelGatewayError ? error.code : undefined;
const config: GatewayConfig = loadConfig({ CG_PORT: '9999', CG_API_KEYS: apiKey }).config;
console.log(
  JSON.stringify({
    clientId,
    status,
    typedError: error instanceof ChannelGatewayError,
    code,
    replaced: CloseCode.REPLACED,
    format: typeof import.meta.url,
    configPort: config.port,
  }),
);
