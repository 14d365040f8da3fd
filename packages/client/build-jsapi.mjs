// Bundles src/jsapi.ts into dist/jsapi.js: the classic script the gateway serves at /_ah/channel/jsapi.
import { readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('.', import.meta.url));
const pkg = JSON.parse(await readFile(`${root}package.json`, 'utf8'));

// tsc also compiled jsapi.ts as an ES module; its map and types would describe a file we replace.
await Promise.all(['jsapi.js.map', 'jsapi.d.ts', 'jsapi.d.ts.map'].map((name) => rm(`${root}dist/${name}`, { force: true })));

await build({
  entryPoints: [`${root}src/jsapi.ts`],
  outfile: `${root}dist/jsapi.js`,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2018',
  minify: true,
  legalComments: 'none',
  banner: { js: `/*! ${pkg.name} ${pkg.version} | goog.appengine.Channel for Channel Gateway | ${pkg.license} */` },
  logLevel: 'warning',
});
