/**
 * The one module that touches uWebSockets.js. Two registry builds exist and neither loads everywhere:
 *  - `@btc-vision/uwebsockets.js` mirrors the official v20.57.0 (Node 20/22/24/25, needs glibc ≥ 2.38);
 *  - `@trufflesuite/uws-js-unofficial` is a v20.30 fork (Node 16/18/20, older glibc; no SSL/compression).
 * We try them in that order and report which one loaded (log line and the cg_uws_build_info metric).
 */
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as UwsTypes from '@trufflesuite/uws-js-unofficial';

export type Uws = typeof UwsTypes;
export type TemplatedApp = UwsTypes.TemplatedApp;
export type HttpRequest = UwsTypes.HttpRequest;
export type HttpResponse = UwsTypes.HttpResponse;
export type WebSocket<T> = UwsTypes.WebSocket<T>;
export type UsSocketContext = UwsTypes.us_socket_context_t;
export type UsListenSocket = UwsTypes.us_listen_socket;

export interface LoadedUws {
  uws: Uws;
  /** Which build loaded, e.g. `@btc-vision/uwebsockets.js@20.57.0`. */
  build: string;
  /** Why the builds tried before it did not load. */
  skipped: string[];
}

const CANDIDATES = ['@btc-vision/uwebsockets.js', '@trufflesuite/uws-js-unofficial'] as const;

let loaded: LoadedUws | undefined;

export function loadUws(): LoadedUws {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const skipped: string[] = [];
  for (const name of CANDIDATES) {
    try {
      const uws = require(name) as Uws;
      const version = packageVersion(require.resolve(name));
      loaded = { uws, build: `${name}@${version}`, skipped };
      return loaded;
    } catch (error) {
      skipped.push(`${name}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  throw new Error(`no uWebSockets.js build loads on Node ${process.version} (${process.platform}/${process.arch}): ${skipped.join('; ')}`);
}

/** The port a listen socket is bound to (useful with port 0). */
export function listenPort(listenSocket: UsListenSocket): number {
  return loadUws().uws.us_socket_local_port(listenSocket);
}

export function closeListenSocket(listenSocket: UsListenSocket): void {
  loadUws().uws.us_listen_socket_close(listenSocket);
}

/** Version from the package.json above a module's entry file (exports maps may hide package.json). */
function packageVersion(entryFile: string): string {
  for (let dir = dirname(entryFile); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown';
  }
  return 'unknown';
}
