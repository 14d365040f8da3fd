// A project built by a bundler (moduleResolution bundler): the SDK on the server side, and the browser
// client's types (type-checked only; its socket needs a browser).
import { ChannelGatewayClient, ChannelGatewayError, MAX_MESSAGE_BYTES, type SendStatus } from '@channel-gateway/sdk';
import { CloseCode } from '@channel-gateway/protocol';
import { describeCloseCode, type Channel, type SocketHandler } from '@channel-gateway/client';

const handler: SocketHandler = { onmessage: (message) => void message.data };
const browserSide: { channel?: Channel; handler: SocketHandler } = { handler };

const [baseUrl = '', apiKey = ''] = process.argv.slice(2);
const gateway = new ChannelGatewayClient({ baseUrl, apiKey });
const { clientId } = await gateway.createChannel({ clientId: 'consumer-esm-ts-bundler' });
const status: SendStatus = (await gateway.sendMessage(clientId, 'hello from a bundled project')).status;
const error: unknown = await gateway.sendMessage(clientId, 'x'.repeat(MAX_MESSAGE_BYTES + 1)).catch((caught: unknown) => caught);
const code = error instanceof ChannelGatewayError ? error.code : undefined;
const replacedName = describeCloseCode(CloseCode.REPLACED).name;
console.log(
  JSON.stringify({
    clientId,
    status,
    typedError: error instanceof ChannelGatewayError,
    code,
    replaced: CloseCode.REPLACED,
    replacedName,
    browserSide: Object.keys(browserSide),
  }),
);
