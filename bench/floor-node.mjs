/**
 * The floor: the least a node can do to deliver a Redis-routed message to a socket. A bare uWS.js node
 * that accepts WebSockets at `/?id=<clientId>`, answers a client's first frame with {"type":"open"} (the
 * same handshake round trip as the gateway's hello, without the token check), SUBSCRIBEs to its own
 * channel `<prefix>floor:<node>` and forwards each message `<clientId>\n<payload>` to that client's socket.
 * No HTTP, no lookup, no auth, no buffer, no seq.
 *
 * For the `floor-http` mode it also answers `POST /v1/channels/<clientId>/messages` (`{"message":"…"}`,
 * as the gateway's single send) by PUBLISHing `<clientId>\n<message>` to the owner's channel (client
 * `c<i>` is owned by node i mod N, FLOOR_CHANNELS lists the N channels) and answering 202 when Redis
 * replied: the floor plus one HTTP hop, still with no auth, no lookup and no buffer.
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

const channels = (process.env.FLOOR_CHANNELS ?? '').split(',').filter(Boolean);

const { uws, build } = await loadUws();
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

// floor-http: a second connection (a subscribed one cannot PUBLISH), pipelined like the gateway's.
const publisher = new Redis(redisUrl, { connectionName: `floor-pub:${node}`, enableAutoPipelining: true });
publisher.on('error', () => {});
const ROUTED = '{"status":"routed"}';
const QUEUED = '{"status":"queued"}';

app.post('/v1/channels/:clientId/messages', (res, req) => {
  const clientId = req.getParameter(0);
  const owner = channels[Number(clientId.slice(1)) % channels.length];
  let aborted = false;
  res.onAborted(() => (aborted = true));
  const chunks = [];
  res.onData((chunk, isLast) => {
    chunks.push(Buffer.from(chunk.slice(0))); // uWS reuses the ArrayBuffer after this callback
    if (!isLast) return;
    let message;
    try {
      message = JSON.parse(Buffer.concat(chunks).toString('utf8')).message;
    } catch {
      /* answered below */
    }
    if (typeof message !== 'string' || owner === undefined) {
      res.cork(() => res.writeStatus('400 Bad Request').end('{"error":"message must be a string"}'));
      return;
    }
    publisher.publish(owner, `${clientId}\n${message}`).then(
      (receivers) => {
        if (!aborted)
          res.cork(() =>
            res
              .writeStatus('202 Accepted')
              .writeHeader('content-type', 'application/json')
              .end(receivers > 0 ? ROUTED : QUEUED),
          );
      },
      () => {
        if (!aborted) res.cork(() => res.writeStatus('503 Service Unavailable').end());
      },
    );
  });
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
