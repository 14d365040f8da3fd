/**
 * The one module that loads uWebSockets.js. Two registry builds exist and neither loads everywhere:
 *  - `@btc-vision/uwebsockets.js` mirrors the official v20.57.0 (Node 20/22/24/25, needs glibc ≥ 2.38);
 *  - `@trufflesuite/uws-js-unofficial` is a v20.30 fork (Node 16/18/20 on x64; no SSL/compression).
 * Each package's entry picks a `uws_<platform>_<arch>_<abi>.node` binary; the fork's entry, when its
 * binary does not load, silently falls back to a JavaScript emulation that breaks on the first request
 * (issue 11). So we never require the entries: we require the native binary itself, and a build counts
 * only when that succeeds.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as UwsTypes from '@trufflesuite/uws-js-unofficial';

export type Uws = typeof UwsTypes;
export type TemplatedApp = UwsTypes.TemplatedApp;
export type HttpRequest = UwsTypes.HttpRequest;
export type HttpResponse = UwsTypes.HttpResponse;
export type WebSocket<T> = UwsTypes.WebSocket<T>;
export type UsListenSocket = UwsTypes.us_listen_socket;

export interface LoadedUws {
  uws: Uws;
  /** Which build loaded, e.g. `@btc-vision/uwebsockets.js@20.57.0`. */
  build: string;
  /** Why the builds tried before it did not load. */
  skipped: string[];
}

/** Each build and where its binaries sit relative to the package's entry file. */
const CANDIDATES = [
  { name: '@btc-vision/uwebsockets.js', binaryDir: '.' },
  { name: '@trufflesuite/uws-js-unofficial', binaryDir: '../binaries' },
] as const;

let outcome: { loaded: LoadedUws } | { skipped: string[] } | undefined;

/** The native uWS build for this Node, or undefined with the reasons in `skipped`. Never a JS emulation. */
export function tryLoadUws(): { loaded: LoadedUws } | { skipped: string[] } {
  if (outcome) return outcome;
  const require = createRequire(import.meta.url);
  const skipped: string[] = [];
  for (const { name, binaryDir } of CANDIDATES) {
    let entry: string;
    try {
      entry = require.resolve(name);
    } catch {
      skipped.push(`${name}: not installed`);
      continue;
    }
    const binary = join(dirname(entry), binaryDir, `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`);
    if (!existsSync(binary)) {
      skipped.push(`${name}: no native binary for ${process.platform}/${process.arch} Node ABI ${process.versions.modules}`);
      continue;
    }
    try {
      const uws = require(binary) as Uws;
      if (typeof uws.App !== 'function') throw new Error('the binary does not export App');
      return (outcome = { loaded: { uws, build: `${name}@${packageVersion(entry)}`, skipped } });
    } catch (error) {
      skipped.push(`${name}: ${(error as Error).message.split('\n')[0]!.replace(/\.$/, '')}`);
    }
  }
  return (outcome = { skipped });
}

/** The native uWS build; throws naming why none loads. */
export function loadUws(): LoadedUws {
  const result = tryLoadUws();
  if ('loaded' in result) return result.loaded;
  throw new Error(`no native uWebSockets.js build loads on Node ${process.version} (${process.platform}/${process.arch}): ${result.skipped.join('; ')}`);
}

/** Version from the package.json above a module's entry file (exports maps may hide package.json). */
function packageVersion(entryFile: string): string {
  for (let dir = dirname(entryFile); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown';
  }
  return 'unknown';
}
