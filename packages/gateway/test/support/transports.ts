/**
 * The transports the contract-style tests run on: both where a native uWS build loads, otherwise node
 * alone (Node 22/24 on glibc < 2.38 here). TEST_TRANSPORTS=node|uws narrows a run to one.
 */
import { uwsAvailable } from '../../src/transport/create-transport.js';
import type { TransportName } from '../../src/transport/transport.js';

function available(): TransportName[] {
  const all: TransportName[] = uwsAvailable() ? ['uws', 'node'] : ['node'];
  const only = process.env.TEST_TRANSPORTS?.split(',').map((name) => name.trim());
  return only ? all.filter((name) => only.includes(name)) : all;
}

export const TEST_TRANSPORTS: readonly TransportName[] = available();
