/**
 * Issue 12 item 8: docker-compose.yml defaulted CG_API_KEYS to `change-me`, so `docker compose up` without
 * a key served the API under a key printed in the README. Compose must now refuse to start without one
 * (`${VAR:?message}`), and the gateway refuses the placeholder wherever it comes from.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { repoPath, startGatewayProcess } from '../support/index.js';

describe('deployment defaults', () => {
  it('docker-compose.yml requires CG_API_KEYS instead of defaulting it', () => {
    const compose = readFileSync(repoPath('docker-compose.yml'), 'utf8');
    const line = compose.split('\n').find((text) => /^\s*CG_API_KEYS:/.test(text));
    expect(line).toMatch(/CG_API_KEYS: "?\$\{CG_API_KEYS:\?[^}]+\}"?$/);
    expect(compose).not.toMatch(/CG_API_KEYS:-/);
  });

  it('a gateway given the placeholder key stops with a message naming CG_API_KEYS', async () => {
    const node = startGatewayProcess({ redisUrl: null, env: { CG_API_KEYS: 'change-me' }, startupTimeoutMs: 10_000 });
    await expect(node).rejects.toThrow(/CG_API_KEYS: .*placeholder/);
  });
});
