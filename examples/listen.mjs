#!/usr/bin/env node
// Opens a channel from Node, exactly as a browser page would with goog.appengine.Channel, and prints
// every message. Usage: node examples/listen.mjs <token> [gateway URL, default http://localhost:8080]
import WebSocket from 'ws';
import { Channel } from '@channel-gateway/client';

const [token, gateway = 'http://localhost:8080'] = process.argv.slice(2);
if (!token) {
  console.error('usage: node examples/listen.mjs <token> [gateway URL]');
  process.exit(2);
}
const url = gateway.replace(/^http/, 'ws').replace(/\/$/, '') + '/v1/socket';
const socket = new Channel(token, { url, WebSocket }).open({
  onopen: () => console.log('open'),
  onmessage: (message) => console.log('message:', message.data),
  onerror: (error) => console.log('error:', error.code, error.description),
  onclose: () => {
    console.log('closed');
    process.exit(0);
  },
});
process.on('SIGINT', () => socket.close());
