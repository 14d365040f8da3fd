#!/usr/bin/env node
/**
 * CPU per HTTP request of one gateway node, on loopback, closed loop: one node (in-memory stores) per
 * transport given, `--connections` keep-alive connections, `--requests` requests per round, `--rounds`
 * rounds; the node's CPU (utime + stime from /proc) per request, per round. Routes: the native send route
 * (POST /v1/channels/bench/messages, 200-byte message, no socket open: `queued`) and GET /healthz (Hono).
 *
 *   node bench/http-request-cost.mjs --transports uws,node --requests 20000 --rounds 3
 *
 * `--transports` takes CG_TRANSPORT values; at the commit "Experiment (issue 14.6 …)" (`git log --grep uws-front`; 985a9bd when written) also `uws-front`, the HTTP/1.0 front
 * experiment measured in bench/results/2026-12-01-http10-front.md (built, measured, not kept).
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { GATEWAY_MAIN, HttpPool, nowUs, postJson, procCpuUs } from './lib/common.mjs';

const { values: opt } = parseArgs({
  options: {
    transports: { type: 'string', default: 'uws,node' },
    connections: { type: 'string', default: '32' },
    requests: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
  },
});
const CONNECTIONS = Math.min(512, Math.max(1, Number(opt.connections)));
const REQUESTS = Math.min(1_000_000, Math.max(100, Number(opt.requests)));
const ROUNDS = Math.min(10, Math.max(1, Number(opt.rounds)));
const HOST = '127.0.0.1';
const API_KEY = 'bench-key-0123456789abcdef';

function startNode(transport) {
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('CG_'))),
    CG_PORT: '0',
    CG_HOST: HOST,
    CG_API_KEYS: API_KEY,
    CG_TRANSPORT: transport,
    CG_LOG_LEVEL: 'info',
  };
  const child = spawn(process.execPath, [GATEWAY_MAIN], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway (${transport}) did not start within 15 s`)), 15_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const entry = JSON.parse(line);
      if (entry.msg === 'listening') {
        clearTimeout(timer);
        resolve({ child, port: entry.port, build: entry.build });
      }
    });
    child.once('exit', (code) => reject(new Error(`gateway (${transport}) exited with ${code}`)));
  });
}

/** Runs `count` requests with at most CONNECTIONS in flight; resolves with the statuses seen. */
function run(pool, request, count) {
  return new Promise((resolve, reject) => {
    const statuses = new Map();
    let started = 0;
    let finished = 0;
    const next = () => {
      if (started >= count) return;
      started++;
      pool.send(request, (error, status) => {
        if (error) return reject(error);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (++finished === count) resolve(statuses);
        else next();
      });
    };
    for (let i = 0; i < Math.min(CONNECTIONS, count); i++) next();
  });
}

const rows = [];
for (const transport of opt.transports.split(',')) {
  const node = await startNode(transport);
  try {
    const pool = new HttpPool({ host: HOST, port: node.port, maxConnections: CONNECTIONS });
    const routes = {
      send: postJson(HOST, node.port, '/v1/channels/bench/messages', API_KEY, JSON.stringify({ message: 'x'.repeat(200) })),
      healthz: `GET /healthz HTTP/1.1\r\nHost: ${HOST}:${node.port}\r\n\r\n`,
    };
    await run(pool, postJson(HOST, node.port, '/v1/channels', API_KEY, JSON.stringify({ clientId: 'bench' })), 1);
    for (const [route, request] of Object.entries(routes)) {
      await run(pool, request, Math.min(REQUESTS, 2000)); // warm-up
      for (let round = 0; round < ROUNDS; round++) {
        const cpu0 = procCpuUs(node.child.pid);
        const t0 = nowUs();
        const statuses = await run(pool, request, REQUESTS);
        const seconds = (nowUs() - t0) / 1e6;
        const cpuUs = procCpuUs(node.child.pid) - cpu0;
        rows.push({
          transport,
          build: node.build,
          route,
          round,
          perRequestUs: cpuUs / REQUESTS,
          perSecond: REQUESTS / seconds,
          statuses: Object.fromEntries(statuses),
        });
      }
    }
    pool.close();
  } finally {
    node.child.kill('SIGKILL');
  }
}

console.log(`| transport | route | round | node CPU µs/request | requests/s | statuses |`);
console.log(`|---|---|---:|---:|---:|---|`);
for (const row of rows)
  console.log(
    `| ${row.transport} | ${row.route} | ${row.round + 1} | ${row.perRequestUs.toFixed(1)} | ${Math.round(row.perSecond)} | ${JSON.stringify(row.statuses)} |`,
  );
console.log(`\nbuilds: ${[...new Set(rows.map((row) => `${row.transport}: ${row.build}`))].join('; ')}`);
