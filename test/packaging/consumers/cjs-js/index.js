// A CommonJS JavaScript backend: require() of the SDK and the protocol package.
const { ChannelGatewayClient, ChannelGatewayError, MAX_MESSAGE_BYTES } = require('@channel-gateway/sdk');
const { CloseCode } = require('@channel-gateway/protocol');

async function main() {
  const [baseUrl, apiKey] = process.argv.slice(2);
  const gateway = new ChannelGatewayClient({ baseUrl, apiKey });
  const { clientId } = await gateway.createChannel({ clientId: 'consumer-cjs-js' });
  const { status } = await gateway.sendMessage(clientId, 'hello from CommonJS');
  const error = await gateway.sendMessage(clientId, 'x'.repeat(MAX_MESSAGE_BYTES + 1)).catch((caught) => caught);
  console.log(JSON.stringify({ clientId, status, typedError: error instanceof ChannelGatewayError, code: error.code, replaced: CloseCode.REPLACED }));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
