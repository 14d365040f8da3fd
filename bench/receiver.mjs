/**
 * A receiver process (forked by run.mjs): holds a share of the client sockets (the `ws` package, as a
 * Node backend or test would; or HTTP streams, `POST /v1/stream` with node:http, for clients marked
 * `stream`), measures send→receive latency from the timestamp in each payload and
 * counts deliveries, duplicates and misroutes per phase. Commands arrive over IPC:
 *   connect {clients:[{index,id,url,token?}], concurrency, timeoutMs, localAddress} → connected {…}
 *   phase {phase, capacity}                                             → phase-ready
 *   mark {name}                                                         → mark {delivered}
 *   stats                                                               → stats {delivered}
 *   report                                                              → report {…histograms, counts}
 *   close                                                               → closes every socket, exits
 */
import { request } from 'node:http';
import WebSocket from 'ws';
import { Histogram, nowUs } from './lib/common.mjs';

const sockets = [];
let phase = -1;
let seen = new Uint8Array(0);
let counters;
let latency;
let latencyWarm;

function resetPhase(newPhase, capacity) {
  phase = newPhase;
  seen = new Uint8Array(capacity);
  latency = new Histogram();
  latencyWarm = new Histogram();
  counters = { delivered: 0, deliveredMeasured: 0, duplicates: 0, misrouted: 0, otherPhase: 0, outOfRange: 0, otherFrames: 0, closes: 0 };
}
resetPhase(-1, 0);

function onFrame(clientIndex, data) {
  const received = nowUs();
  const text = typeof data === 'string' ? data : data.toString('latin1');
  const at = text.indexOf('~');
  if (at < 0) {
    counters.otherFrames++;
    return;
  }
  const parts = text.slice(at + 1, at + 64).split('.', 5);
  if (Number(parts[0]) !== phase) {
    counters.otherPhase++;
    return;
  }
  const index = Number(parts[1]);
  if (!(index >= 0 && index < seen.length)) {
    counters.outOfRange++;
    return;
  }
  if (Number(parts[2]) !== clientIndex) counters.misrouted++;
  if (seen[index]) {
    counters.duplicates++;
    return;
  }
  seen[index] = 1;
  counters.delivered++;
  const us = received - Number(parts[3]);
  if (parts[4] === 'm') {
    counters.deliveredMeasured++;
    latency.record(us);
  } else {
    latencyWarm.record(us);
  }
}

/** An HTTP stream client: POSTs the hello, splits the SSE body into frames (comments are heartbeats). */
function connectStream(client, results, timeoutMs, localAddress) {
  return new Promise((resolve) => {
    let settled = false;
    let closed = false;
    const req = request(client.url, { method: 'POST', headers: { 'content-type': 'text/plain;charset=UTF-8' }, localAddress, agent: false });
    const timer = setTimeout(() => finish(false, 'timeout'), timeoutMs);
    const finish = (ok, why) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (ok) {
        results.connected++;
        sockets.push({ terminate: () => req.destroy() });
      } else {
        results.failed++;
        if (results.errors.length < 5) results.errors.push(`${client.id}: ${why}`);
        req.destroy();
      }
      resolve();
    };
    const onClose = (code) => {
      if (closed) return;
      closed = true;
      if (!settled) return finish(false, `closed ${code}`);
      counters.closes++;
      if (!counters.closeCodes) counters.closeCodes = {};
      counters.closeCodes[code] = (counters.closeCodes[code] ?? 0) + 1;
    };
    req.on('response', (response) => {
      if (response.statusCode !== 200) return finish(false, `status ${response.statusCode}`);
      response.setEncoding('latin1'); // the payload's marker and numbers are ASCII
      let buffered = '';
      response.on('data', (chunk) => {
        buffered += chunk;
        let end;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const event = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          if (!event.startsWith('data: ')) continue; // a heartbeat
          if (!settled) {
            if (event.includes('"type":"open"')) finish(true);
            else finish(false, `first frame ${event.slice(6, 86)}`);
          } else if (event.startsWith('data: {"type":"close"')) onClose(Number(/"code":(\d+)/.exec(event)?.[1]));
          else onFrame(client.index, event);
        }
      });
      response.on('close', () => onClose(1006));
    });
    req.on('error', (error) => (settled ? onClose(1006) : finish(false, error.message)));
    req.end(JSON.stringify({ type: 'hello', token: client.token }));
  });
}

function connectOne(client, results, timeoutMs, localAddress) {
  if (client.stream) return connectStream(client, results, timeoutMs, localAddress);
  return new Promise((resolve) => {
    let settled = false;
    const ws = new WebSocket(client.url, { perMessageDeflate: false, handshakeTimeout: timeoutMs, localAddress });
    const timer = setTimeout(() => finish(false, 'timeout'), timeoutMs);
    const finish = (ok, why) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (ok) {
        results.connected++;
        sockets.push(ws);
      } else {
        results.failed++;
        if (results.errors.length < 5) results.errors.push(`${client.id}: ${why}`);
        ws.terminate();
      }
      resolve();
    };
    ws.on('open', () => ws.send(client.token === undefined ? '{"type":"hello"}' : JSON.stringify({ type: 'hello', token: client.token })));
    ws.on('message', (data) => {
      if (!settled) {
        const text = data.toString('utf8');
        if (text.includes('"type":"open"')) finish(true);
        else finish(false, `first frame ${text.slice(0, 80)}`);
        return;
      }
      onFrame(client.index, data);
    });
    ws.on('error', (error) => finish(false, error.message));
    ws.on('close', (code, reason) => {
      if (!settled) finish(false, `closed ${code} ${reason}`);
      else {
        counters.closes++;
        if (!counters.closeCodes) counters.closeCodes = {};
        counters.closeCodes[code] = (counters.closeCodes[code] ?? 0) + 1;
      }
    });
  });
}

async function connectAll({ clients, concurrency, timeoutMs, localAddress }) {
  const results = { connected: 0, failed: 0, errors: [], startUs: nowUs(), endUs: 0, cpuUs: 0 };
  const cpuBefore = process.cpuUsage();
  let next = 0;
  const worker = async () => {
    while (next < clients.length) await connectOne(clients[next++], results, timeoutMs, localAddress);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, clients.length) }, worker));
  results.endUs = nowUs();
  const cpu = process.cpuUsage(cpuBefore);
  results.cpuUs = cpu.user + cpu.system;
  return results;
}

process.on('message', async (message) => {
  switch (message.cmd) {
    case 'connect':
      process.send({ type: 'connected', ...(await connectAll(message)) });
      break;
    case 'phase':
      resetPhase(message.phase, message.capacity);
      process.send({ type: 'phase-ready' });
      break;
    case 'mark':
      // Deliveries so far (any phase message): run.mjs marks the start and end of the measured window.
      process.send({ type: 'mark', name: message.name, delivered: counters.delivered + counters.duplicates });
      break;
    case 'stats':
      process.send({ type: 'stats', delivered: counters.delivered });
      break;
    case 'report':
      process.send({ type: 'report', phase, counters, latency: latency.toJSON(), latencyWarm: latencyWarm.toJSON(), sockets: sockets.length });
      break;
    case 'close':
      for (const ws of sockets) ws.terminate();
      process.send({ type: 'closed' }, () => process.exit(0));
      break;
  }
});
process.on('disconnect', () => process.exit(0));
