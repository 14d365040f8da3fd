/**
 * CG_TRANSPORT: auto picks uWS only where a native build loads (never the fork's JS emulation), says which
 * in the "listening" line and in /metrics; `uws` where none loads refuses to start with the reason; a port
 * in use is refused on every transport. `node --no-addons` stands in for a platform without a native build.
 */
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { GATEWAY_MAIN, startGatewayProcess, type GatewayHandle } from '../../../test/support/index.js';
import { uwsAvailable } from '../src/transport/create-transport.js';
import { loadConfig } from '../src/config.js';
import { TEST_TRANSPORTS } from './support/transports.js';

const run = (env: Record<string, string>, nodeArgs: string[] = []) =>
  spawnSync(process.execPath, [...nodeArgs, GATEWAY_MAIN], {
    env: { PATH: process.env.PATH, CG_PORT: '0', CG_HOST: '127.0.0.1', CG_API_KEYS: 'transport-selection-key', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });

describe('transport selection', () => {
  const started: GatewayHandle[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((node) => node.stop()));
  });

  it('validates CG_TRANSPORT', () => {
    expect(loadConfig({}).config.transport).toBe('auto');
    expect(loadConfig({ CG_TRANSPORT: 'node' }).config.transport).toBe('node');
    expect(() => loadConfig({ CG_TRANSPORT: 'uWS.js' })).toThrow(/CG_TRANSPORT/);
  });

  it('auto uses uWS where a native build loads, node otherwise, and says so in the log and /metrics', async () => {
    const node = await startGatewayProcess({ redisUrl: null });
    started.push(node);
    const expected = uwsAvailable() ? 'uws' : 'node';
    expect(node.transport).toBe(expected);
    const metrics = await (await fetch(`${node.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`^cg_transport_info\\{transport="${expected}",build="[^"]+"\\} 1$`, 'm'));
  });

  it('auto falls back to node where no native uWS loads, and serves', async () => {
    const node = await startGatewayProcess({ redisUrl: null, env: { NODE_OPTIONS: '--no-addons' } });
    started.push(node);
    expect(node.transport).toBe('node');
    expect((await fetch(`${node.httpUrl}/healthz`)).status).toBe(200);
    const listening = node.logEntries().find((entry) => entry.msg === 'listening');
    expect(String(listening?.skipped)).toMatch(/@trufflesuite\/uws-js-unofficial: (Cannot load native addon|no native binary)/);
  });

  it('refuses CG_TRANSPORT=uws where no native build loads, with the reason and no stack', () => {
    const result = run({ CG_TRANSPORT: 'uws' }, ['--no-addons']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/CG_TRANSPORT=uws, but no native uWebSockets\.js build loads on Node v\d+/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it.each(TEST_TRANSPORTS)('refuses a port already in use (%s transport), with a clear message', async (transport) => {
    const first = await startGatewayProcess({ redisUrl: null, transport });
    started.push(first);
    for (const second of TEST_TRANSPORTS) {
      const result = run({ CG_TRANSPORT: second, CG_PORT: String(first.port) });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${first.port}: the port is in use`));
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    expect((await fetch(`${first.httpUrl}/healthz`)).status).toBe(200);
  });
});
