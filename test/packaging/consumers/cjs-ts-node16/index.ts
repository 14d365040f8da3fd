// A CommonJS TypeScript backend (package.json "type": "commonjs", moduleResolution node16): the imports
// compile to require() and must find CommonJS types (no TS1479, no TS2307).
import { ChannelGatewayClient, ChannelGatewayError, MAX_MESSAGE_BYTES, type SendStatus } from '@channel-gateway/sdk';
import { CloseCode } from '@channel-gateway/protocol';

async function main(): Promise<void> {
  const [baseUrl = '', apiKey = ''] = process.argv.slice(2);
  const gateway = new ChannelGatewayClient({ baseUrl, apiKey });
  const { clientId } = await gateway.createChannel({ clientId: 'consumer-cjs-ts-node16' });
  const status: SendStatus = (await gateway.sendMessage(clientId, 'hello from CommonJS TypeScript')).status;
  const error: unknown = await gateway.sendMessage(clientId, 'x'.repeat(MAX_MESSAGE_BYTES + 1)).catch((caught: unknown) => caught);
  const code = error instanceof ChannelGatewayError ? error.code : undefined;
  console.log(
    JSON.stringify({ clientId, status, typedError: error instanceof ChannelGatewayError, code, replaced: CloseCode.REPLACED, format: typeof module }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
