/**
 * A real HAProxy (Debian's `haproxy`) in front of gateway nodes for cluster tests: round robin, no sticky
 * sessions, /readyz health checks, retries on refused connections; its stats page tells which servers are up.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getFreePort, LOOPBACK } from './free-port.js';
import { findExecutable } from './paths.js';
import { spawnProcess, type SpawnedProcess } from './processes.js';
import { waitFor } from './wait.js';

export interface LoadBalancer {
  /** http://127.0.0.1:<port> */
  httpUrl: string;
  /** ws://127.0.0.1:<port>/v1/socket */
  wsUrl: string;
  /** Names of the servers HAProxy currently considers up. */
  serversUp(): Promise<string[]>;
  stop(): Promise<void>;
}

/** HTTP/1.1 checks: uWS keeps connections open, and the uWS fork does not answer an HTTP/1.0 check at all. */
export const HTTP11_CHECK = ['option httpchk', 'http-check send meth GET uri /readyz ver HTTP/1.1 hdr Host localhost hdr Connection close'];

export interface HaproxyOptions {
  /** The backend's health-check lines (default HTTP11_CHECK), e.g. `option httpchk GET /readyz` for HAProxy's own default of HTTP/1.0. */
  check?: readonly string[];
  /**
   * Behave like a proxy that does not pass WebSocket upgrades: the `Upgrade` and `Sec-WebSocket-*` request
   * headers are stripped, so the node sees a plain GET and no WebSocket is ever opened through it.
   */
  stripUpgrades?: boolean;
}

export async function startHaproxy(
  backends: Array<{ name: string; port: number }>,
  options: HaproxyOptions = {},
): Promise<LoadBalancer & { checkStatus(): Promise<string[]> }> {
  const haproxy = findExecutable('haproxy');
  if (!haproxy) throw new Error('haproxy is not installed: apt-get install haproxy');
  const [port, statsPort] = [await getFreePort(), await getFreePort()];
  const config = [
    'global',
    '  maxconn 4000', // needs about 2 file descriptors a connection; stays under common ulimits
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 1h',
    '  timeout server 1h',
    '  timeout tunnel 1h',
    // A refused connection (a node that stopped listening) is retried on another server.
    '  retries 3',
    '  option redispatch',
    `frontend gateways`,
    `  bind ${LOOPBACK}:${port}`,
    ...(options.stripUpgrades
      ? ['upgrade', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'sec-websocket-protocol'].map(
          (header) => `  http-request del-header ${header}`,
        )
      : []),
    '  default_backend nodes',
    'frontend stats',
    `  bind ${LOOPBACK}:${statsPort}`,
    '  stats enable',
    '  stats uri /stats',
    'backend nodes',
    '  balance roundrobin',
    ...(options.check ?? HTTP11_CHECK).map((line) => `  ${line}`),
    '  http-check expect status 200',
    '  default-server inter 200ms fall 1 rise 2',
    ...backends.map((b) => `  server ${b.name} ${LOOPBACK}:${b.port} check`),
    '',
  ].join('\n');
  const dir = mkdtempSync(join(tmpdir(), 'cg-haproxy-'));
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, config);
  const process: SpawnedProcess = spawnProcess(haproxy, ['-db', '-f', file], { name: 'haproxy' });
  const statsUrl = `http://${LOOPBACK}:${statsPort}/stats;csv`;
  const servers = async () =>
    (await (await fetch(statsUrl)).text())
      .split('\n')
      .map((line) => line.split(','))
      .filter((cells) => cells[0] === 'nodes' && cells[1] !== 'BACKEND' && cells[1] !== 'FRONTEND');
  const serversUp = async () => (await servers()).filter((cells) => cells[17] === 'UP').map((cells) => cells[1]!);
  // The CSV's check_status column: e.g. L7OK, L7STS (wrong status), L7TOUT (no answer in time).
  const checkStatus = async () => (await servers()).map((cells) => cells[36] ?? '');
  await waitFor(() => fetch(statsUrl).then((r) => r.ok), { timeoutMs: 10_000, what: `haproxy's stats page (output: ${process.tail(20)})` });
  return {
    httpUrl: `http://${LOOPBACK}:${port}`,
    wsUrl: `ws://${LOOPBACK}:${port}/v1/socket`,
    serversUp,
    checkStatus,
    stop: async () => {
      await process.stop('SIGTERM');
    },
  };
}
