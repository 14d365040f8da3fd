/**
 * Picks the transport once, at start-up (CG_TRANSPORT): `uws` where a native uWebSockets.js build loads,
 * otherwise `node`; `auto` decides by itself. Asking for `uws` where none loads is a start-up error that
 * says why, never a fallback to the fork's JavaScript emulation.
 */
import { createRequire } from 'node:module';
import type { TransportOptions } from './internal-error.js';
import { NodeTransport } from './node/node-transport.js';
import type { Transport } from './transport.js';
import { tryLoadUws } from './uws/load-uws.js';
import { UwsTransport } from './uws/uws-transport.js';

export type TransportChoice = 'auto' | 'uws' | 'node';

export class TransportUnavailableError extends Error {
  override readonly name = 'TransportUnavailableError';
}

export interface CreatedTransport {
  transport: Transport;
  /** Why uWS was not used (auto) or which builds were passed over before the one that loaded. */
  skipped: string[];
}

export function createTransport(choice: TransportChoice, options: TransportOptions): CreatedTransport {
  if (choice === 'node') return { transport: nodeTransport(options), skipped: [] };
  const uws = tryLoadUws();
  if ('loaded' in uws) return { transport: new UwsTransport(uws.loaded, options), skipped: uws.loaded.skipped };
  if (choice === 'uws') {
    throw new TransportUnavailableError(
      `CG_TRANSPORT=uws, but no native uWebSockets.js build loads on Node ${process.version} (${process.platform}/${process.arch}): ` +
        `${uws.skipped.join('; ')}. Use CG_TRANSPORT=auto or node (the portable transport), or a Node and glibc that a build supports (see README).`,
    );
  }
  return { transport: nodeTransport(options), skipped: uws.skipped };
}

/** Whether a native uWS build loads here (tests run their transport contracts on what is available). */
export function uwsAvailable(): boolean {
  return 'loaded' in tryLoadUws();
}

function nodeTransport(options: TransportOptions): NodeTransport {
  const require = createRequire(import.meta.url);
  const { version } = require('ws/package.json') as { version: string };
  return new NodeTransport(version, options);
}
