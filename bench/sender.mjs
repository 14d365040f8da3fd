/**
 * The sender process (forked by run.mjs for each phase): issues sends at a fixed open-loop rate, i.e. on
 * schedule whatever the answers, to uniformly random client IDs, and reports what it sent and what the
 * answers said. Modes:
 *   single  POST /v1/channels/{id}/messages, round-robin over the gateway nodes (keep-alive pools)
 *   batch   POST /v1/messages with `batchSize` recipients per request, same spreading
 *   floor   PUBLISH <prefix>floor:<owner node> "<clientId>\n<payload>" straight to the owner (ioredis)
 *   floor-http  the single-send request, to the floor's nodes (which PUBLISH to the owner)
 *   sdk     the Node SDK's sendMessage, one call per message and every call concurrent (the SDK coalesces
 *           them into batch requests and retries); one ChannelGatewayClient per node, alternating
 * Each payload is `payloadSize` bytes and carries the phase, a unique index, the target client and the
 * send time (CLOCK_MONOTONIC µs, comparable across processes on this machine).
 * IPC: run {…} → window-start, window-end, done {…}.
 */
import { Histogram, HttpPool, loadIoredis, makePayload, nowUs, padding, postJson, prng } from './lib/common.mjs';

process.on('message', (message) => {
  if (message.cmd === 'run') run(message).catch((error) => process.send({ type: 'error', error: error.stack ?? String(error) }));
  if (message.cmd === 'exit') process.exit(0);
});
process.on('disconnect', () => process.exit(0));

async function run(config) {
  const { mode, rate, warmupSeconds, seconds, phase, clients, idPrefix, payloadSize, batchSize, seed } = config;
  const unitSize = mode === 'batch' ? batchSize : 1;
  const unitRate = rate / unitSize;
  const totalUnits = Math.max(1, Math.ceil(unitRate * (warmupSeconds + seconds)));
  const warmUnits = Math.min(totalUnits - 1, Math.round(unitRate * warmupSeconds));
  const random = prng(seed);
  const pad = padding(payloadSize);

  const stats = {
    mode,
    rate,
    unitSize,
    totalUnits,
    warmUnits,
    sent: 0,
    sentMeasured: 0,
    acked: 0,
    statuses: {},
    httpStatuses: {},
    errors: 0,
    errorSamples: [],
    unanswered: 0,
  };
  const lag = new Histogram(); // actual issue time − scheduled time: the generator's own delay
  const ack = new Histogram(); // request → answer
  let inflight = 0;

  const countStatus = (status, n = 1) => (stats.statuses[status] = (stats.statuses[status] ?? 0) + n);
  const fail = (why) => {
    stats.errors++;
    if (stats.errorSamples.length < 5) stats.errorSamples.push(String(why).slice(0, 300));
  };

  let issue;
  let closeTransport;
  if (mode === 'floor') {
    const Redis = loadIoredis();
    const redis = new Redis(config.redisUrl, { enableAutoPipelining: true, connectionName: 'bench-sender' });
    await redis.ping();
    closeTransport = () => redis.disconnect();
    const channels = config.floorChannels;
    issue = (unit, measured) => {
      const client = Math.floor(random() * clients);
      const sentUs = nowUs();
      const payload = makePayload(payloadSize, phase, unit, client, sentUs, measured, pad);
      inflight++;
      redis.publish(channels[client % channels.length], `${idPrefix}${client}\n${payload}`).then(
        (receivers) => {
          inflight--;
          stats.acked++;
          ack.record(nowUs() - sentUs);
          countStatus(receivers > 0 ? 'routed' : 'no_subscriber');
        },
        (error) => {
          inflight--;
          fail(error.message);
        },
      );
      return 1;
    };
  } else if (mode === 'sdk') {
    const { ChannelGatewayClient } = await import(new URL('../packages/sdk/dist/esm/index.js', import.meta.url).href);
    const sdks = config.nodes.map(
      ({ host, port }) => new ChannelGatewayClient({ baseUrl: `http://${host}:${port}`, apiKey: config.apiKey, ...config.sdkOptions }),
    );
    closeTransport = () => undefined;
    let next = 0;
    issue = (unit, measured) => {
      const sdk = sdks[next];
      next = (next + 1) % sdks.length;
      const client = Math.floor(random() * clients);
      const sentUs = nowUs();
      const payload = makePayload(payloadSize, phase, unit, client, sentUs, measured, pad);
      inflight++;
      sdk.sendMessage(`${idPrefix}${client}`, payload).then(
        ({ status }) => {
          inflight--;
          stats.acked++;
          ack.record(nowUs() - sentUs);
          countStatus(status);
        },
        (error) => {
          inflight--;
          fail(`${error.code}: ${error.message}`);
        },
      );
      return 1;
    };
  } else {
    const pools = config.nodes.map(({ host, port }) => new HttpPool({ host, port, maxConnections: config.maxConnections }));
    stats.pool = { opened: 0, maxQueued: 0 };
    closeTransport = () => {
      stats.pool.opened = pools.reduce((n, pool) => n + pool.opened, 0);
      pools.forEach((pool) => pool.close());
    };
    let next = 0;
    const answer = (sentUs, count) => (error, status, body) => {
      inflight--;
      if (error) return fail(error.message);
      stats.acked += count;
      ack.record(nowUs() - sentUs);
      stats.httpStatuses[status] = (stats.httpStatuses[status] ?? 0) + 1;
      if (status !== 202) {
        fail(`${status} ${body}`);
        return;
      }
      try {
        const parsed = JSON.parse(body);
        if (parsed.results) for (const result of parsed.results) countStatus(result.status);
        else countStatus(parsed.status);
      } catch {
        fail(`unparsable answer ${body.slice(0, 100)}`);
      }
    };
    issue = (unit, measured) => {
      const pool = pools[next];
      next = (next + 1) % pools.length;
      const sentUs = nowUs();
      inflight++;
      if (mode === 'single' || mode === 'floor-http') {
        const client = Math.floor(random() * clients);
        const payload = makePayload(payloadSize, phase, unit, client, sentUs, measured, pad);
        const body = `{"message":"${payload}"}`;
        pool.send(postJson(pool.host, pool.port, `/v1/channels/${idPrefix}${client}/messages`, config.apiKey, body), answer(sentUs, 1));
        if (pool.queued > stats.pool.maxQueued) stats.pool.maxQueued = pool.queued;
        return 1;
      }
      let body = '{"messages":[';
      for (let j = 0; j < batchSize; j++) {
        const client = Math.floor(random() * clients);
        const payload = makePayload(payloadSize, phase, unit * batchSize + j, client, sentUs, measured, pad);
        body += `${j ? ',' : ''}{"clientId":"${idPrefix}${client}","message":"${payload}"}`;
      }
      body += ']}';
      pool.send(postJson(pool.host, pool.port, '/v1/messages', config.apiKey, body), answer(sentUs, batchSize));
      if (pool.queued > stats.pool.maxQueued) stats.pool.maxQueued = pool.queued;
      return batchSize;
    };
  }

  const cpuStart = process.cpuUsage();
  const t0 = nowUs() + 20_000;
  const intervalUs = 1e6 / unitRate;
  let issued = 0;
  let windowStartUs = 0;
  let windowEndUs = 0;
  await new Promise((resolve) => {
    const tick = () => {
      const now = nowUs();
      const due = Math.min(totalUnits, Math.floor((now - t0) / intervalUs) + 1);
      while (issued < due) {
        const scheduled = t0 + issued * intervalUs;
        const measured = issued >= warmUnits;
        if (issued === warmUnits) {
          windowStartUs = nowUs();
          process.send({ type: 'window-start', us: windowStartUs });
        }
        lag.record(nowUs() - scheduled);
        const n = issue(issued, measured);
        stats.sent += n;
        if (measured) stats.sentMeasured += n;
        issued++;
      }
      if (issued >= totalUnits) {
        // The window ends when the last unit is due (one interval after the last one was issued).
        windowEndUs = nowUs();
        process.send({ type: 'window-end', us: windowEndUs });
        return resolve();
      }
      const wait = (t0 + issued * intervalUs - nowUs()) / 1000;
      setTimeout(tick, Math.max(0, Math.floor(wait)));
    };
    setTimeout(tick, 20);
  });

  // Answers still on their way; bounded.
  const deadline = Date.now() + config.ackTimeoutMs;
  while (inflight > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  stats.unanswered = inflight;
  const cpu = process.cpuUsage(cpuStart);
  closeTransport();
  process.send({
    type: 'done',
    stats,
    lag: lag.toJSON(),
    ack: ack.toJSON(),
    windowStartUs,
    windowEndUs,
    cpuUs: cpu.user + cpu.system,
  });
}
