/**
 * A real nginx running the repository's own deploy/nginx/nginx.conf in front of gateway nodes, so tests
 * see what a docker-compose user sees. Only what cannot work outside Docker is rewritten: the upstream
 * servers (container names → loopback ports), Docker's resolver and `resolve` (nginx < 1.27.3 lacks it),
 * the listen address, one worker, and logs and temp files in a private directory.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getFreePort, LOOPBACK } from './free-port.js';
import type { LoadBalancer } from './haproxy.js';
import { findExecutable, repoPath } from './paths.js';
import { spawnProcess } from './processes.js';
import { waitFor } from './wait.js';

export const SHIPPED_NGINX_CONF = repoPath('deploy', 'nginx', 'nginx.conf');
const TEMP_DIRS = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'];

/** The shipped configuration, rewritten to listen on `port` and proxy to `backends` on loopback. */
export function nginxConfigFor(shipped: string, port: number, backends: readonly number[], dir: string): string {
  const servers = backends.map((backend) => `        server ${LOOPBACK}:${backend} max_fails=2 fail_timeout=10s;`).join('\n');
  const lines = shipped.split('\n');
  const out: string[] = [`pid ${join(dir, 'nginx.pid')};`, `error_log ${join(dir, 'error.log')} warn;`];
  let serversWritten = false;
  for (const line of lines) {
    const text = line.trim();
    if (/^worker_processes\b/.test(text)) out.push('worker_processes 1;');
    else if (/^resolver(_timeout)?\b/.test(text)) continue;
    else if (/^server\s+\S+:\d+\b.*\bresolve;$/.test(text) || /^server\s+gw\d/.test(text)) {
      if (!serversWritten) out.push(servers);
      serversWritten = true;
    } else if (/^listen\s+\d+;$/.test(text)) out.push(`        listen ${LOOPBACK}:${port};`);
    else if (/^access_log\b/.test(text)) out.push(`    access_log ${join(dir, 'access.log')} main;`);
    else if (/^error_log\b/.test(text)) continue;
    else if (/^http\s*\{$/.test(text)) {
      out.push(line);
      for (const temp of TEMP_DIRS) out.push(`    ${temp}_temp_path ${join(dir, temp)};`);
    } else out.push(line);
  }
  if (!serversWritten) throw new Error(`${SHIPPED_NGINX_CONF}: no upstream server lines found to rewrite`);
  return out.join('\n');
}

export interface NginxOptions {
  /** Changes the shipped configuration first, e.g. drops `proxy_http_version 1.1` to get nginx's default (1.0). */
  transform?: (shipped: string) => string;
}

/** Starts nginx with the shipped configuration in front of the given gateway ports. */
export async function startNginx(backendPorts: readonly number[], options: NginxOptions = {}): Promise<LoadBalancer & { accessLog(): string }> {
  const nginx = findExecutable('nginx');
  if (!nginx) throw new Error('nginx is not installed: apt-get install nginx');
  const port = await getFreePort();
  const dir = mkdtempSync(join(tmpdir(), 'cg-nginx-'));
  // Run as root, nginx's workers run as `nobody`: they must be able to write request bodies that do not
  // fit in memory to the temp directories (or nginx answers 500 for bodies over 16 KiB).
  chmodSync(dir, 0o755);
  for (const temp of TEMP_DIRS) chmodSync((mkdirSync(join(dir, temp)), join(dir, temp)), 0o777);
  const file = join(dir, 'nginx.conf');
  const shipped = readFileSync(SHIPPED_NGINX_CONF, 'utf8');
  writeFileSync(file, nginxConfigFor(options.transform ? options.transform(shipped) : shipped, port, backendPorts, dir));
  const process = spawnProcess(nginx, ['-p', dir, '-c', file, '-g', 'daemon off;'], { name: 'nginx' });
  const httpUrl = `http://${LOOPBACK}:${port}`;
  await waitFor(() => fetch(`${httpUrl}/healthz`).then((r) => r.ok), {
    timeoutMs: 10_000,
    what: `nginx to proxy /healthz (output: ${process.tail(20)}; ${readOr(join(dir, 'error.log'))})`,
  });
  return {
    httpUrl,
    wsUrl: `ws://${LOOPBACK}:${port}/v1/socket`,
    serversUp: async () => backendPorts.map(String),
    accessLog: () => readOr(join(dir, 'access.log')),
    stop: async () => {
      await process.stop('SIGTERM');
    },
  };
}

function readOr(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
