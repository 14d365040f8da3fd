/**
 * The floor: the least a node can do to deliver a Redis-routed message to a socket. A bare uWS.js node
 * that accepts WebSockets at `/?id=<clientId>`, answers a client's first frame with {"type":"open"} (the
 * same handshake round trip as the gateway's hello, without the token check), SUBSCRIBEs to its own
 * channel `<prefix>floor:<node>` and forwards each message `<clientId>\n<payload>` to that client's socket.
 * No HTTP, no lookup, no auth, no buffer, no seq.
 *
 *   FLOOR_REDIS_URL=redis://127.0.0.1:6379 FLOOR_NODE=a FLOOR_PREFIX=bench: node bench/floor-node.mjs
 * Prints {"msg":"listening","port":N} on stdout; exits on SIGTERM/SIGINT.
 */
import { loadIoredis, loadUws } from './lib/common.mjs';

const redisUrl = process.env.FLOOR_REDIS_URL ?? 'redis://127.0.0.1:6379';
const node = process.env.FLOOR_NODE ?? 'a';
const prefix = process.env.FLOOR_PREFIX ?? 'bench:';
const host = process.env.FLOOR_HOST ?? '127.0.0.1';
const port = Number(process.env.FLOOR_PORT ?? 0);

const { uws, build } = loadUws();
const Redis = loadIoredis();

const clients = new Map();
let forwarded = 0;
let noSocket = 0;
const OPEN = '{"type":"open"}';

const app = uws.App().ws('/*', {
  compression: uws.DISABLED,
  maxPayloadLength: 16 * 1024,
  maxBackpressure: 1024 * 1024,
  idleTimeout: 120,
  sendPingsAutomatically: true,
  upgrade: (res, req, context) => {
    res.upgrade(
      { id: req.getQuery('id') ?? '' },
      req.getHeader('sec-websocket-key'),
      req.getHeader('sec-websocket-protocol'),
      req.getHeader('sec-websocket-extensions'),
      context,
    );
  },
  open: (ws) => {
    clients.set(ws.getUserData().id, ws);
  },
  message: (ws) => {
    ws.send(OPEN, false);
  },
  close: (ws) => {
    const { id } = ws.getUserData();
    if (clients.get(id) === ws) clients.delete(id);
  },
});

const subscriber = new Redis(redisUrl, { connectionName: `floor:${node}` });
subscriber.on('error', () => {});
const channel = `${prefix}floor:${node}`;
subscriber.on('message', (from, message) => {
  const cut = message.indexOf('\n');
  const ws = clients.get(message.slice(0, cut));
  if (ws === undefined) {
    noSocket++;
    return;
  }
  ws.send(message.slice(cut + 1), false);
  forwarded++;
});
await subscriber.subscribe(channel);

app.listen(host, port, (listenSocket) => {
  if (!listenSocket) {
    process.stderr.write(`floor-node: cannot listen on ${host}:${port}\n`);
    process.exit(1);
  }
  process.stdout.write(JSON.stringify({ msg: 'listening', port: uws.us_socket_local_port(listenSocket), node, build, channel }) + '\n');
});

const stop = () => {
  process.stdout.write(JSON.stringify({ msg: 'stopping', forwarded, noSocket, sockets: clients.size }) + '\n');
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
