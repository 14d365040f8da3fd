// Builds a package twice with the repository's TypeScript: ES modules into dist/esm (tsconfig.json) and
// CommonJS into dist/cjs (tsconfig.cjs.json), each with its own declarations, so CommonJS TypeScript
// projects (moduleResolution node16) get CommonJS types and ESM ones get ESM types. Run from the package.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const tsc = createRequire(`${process.cwd()}/package.json`).resolve('typescript/bin/tsc');
// A stale file from an earlier layout would otherwise end up in the tarball.
rmSync('dist', { recursive: true, force: true });
for (const project of ['tsconfig.json', 'tsconfig.cjs.json']) {
  const result = spawnSync(process.execPath, [tsc, '-p', project], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
// The package is "type": "module"; this marker makes Node and TypeScript read dist/cjs as CommonJS.
writeFileSync('dist/cjs/package.json', '{ "type": "commonjs" }\n');
