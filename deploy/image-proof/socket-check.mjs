// Part of prove-image.sh, run on the host against a gateway inside the Debian 13 root: creates a channel,
// opens its WebSocket, sends one message over HTTP and waits for it on the socket. Prints one JSON line.
// Usage: node socket-check.mjs <http base url> <api key>     (bounded: exits 1 after 15 s)
import { createRequire } from 'node:module';

const WebSocket = createRequire(new URL('../../package.json', import.meta.url))('ws');
const [base, apiKey] = process.argv.slice(2);
const deadline = setTimeout(() => fail('timed out after 15 s'), 15_000);

function fail(why) {
  console.error(`socket-check: ${why}`);
  process.exit(1);
}

async function api(method, path, body) {
  const response = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) fail(`${method} ${path}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

const { clientId, token } = await api('POST', '/v1/channels', { clientId: 'image-proof' });
const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/v1/socket`);
ws.on('error', (error) => fail(`socket: ${error.message}`));
ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', token })));
const seen = {};
// The frame may arrive before the send's answer: print once both are in.
const report = (fields) => {
  Object.assign(seen, fields);
  if (!seen.send || !seen.received) return;
  clearTimeout(deadline);
  console.log(JSON.stringify({ socket: 'open', ...seen }));
  ws.close();
};
ws.on('message', async (data) => {
  const frame = JSON.parse(data.toString());
  if (frame.type === 'open') report({ send: await api('POST', `/v1/channels/${clientId}/messages`, { message: 'hello from Debian 13' }) });
  if (frame.type === 'msg') report({ received: frame.data });
});
