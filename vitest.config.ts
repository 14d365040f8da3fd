import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    // One Redis for the whole run, handed to tests as inject('redisUrl').
    globalSetup: ['test/support/global-setup.ts'],
    // Tests spawn processes and native uWebSockets.js servers: separate processes, not worker threads.
    pool: 'forks',
    // The JSON report lets .ci/run print a plain "N passed, N failed" line that any CI reader understands.
    reporters: ['default', 'json'],
    outputFile: { json: '.tmp/vitest-results.json' },
  },
});
