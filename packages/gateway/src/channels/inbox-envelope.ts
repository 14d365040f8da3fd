/**
 * The bytes an InboxMessage travels as over pub/sub. The Redis scripts build `deliver` and `revoked`
 * envelopes themselves (redis-scripts/send.lua, delete.lua): keep the formats in step.
 *   deliver:  "d" clientId "\n" seq "\n" encodedData
 *   replaced: "r" clientId "\n" connectionId
 *   revoked:  "x" clientId "\n" connectionId
 * Client IDs never contain control characters, so "\n" cannot appear inside one.
 */
import type { InboxMessage } from './node-inbox.js';

export function encodeEnvelope(message: InboxMessage): string {
  switch (message.kind) {
    case 'deliver':
      return `d${message.clientId}\n${message.seq}\n${message.encodedData}`;
    case 'replaced':
      return `r${message.clientId}\n${message.connectionId}`;
    case 'revoked':
      return `x${message.clientId}\n${message.connectionId}`;
  }
}

export function decodeEnvelope(envelope: string): InboxMessage | undefined {
  const kind = envelope[0];
  const idEnd = envelope.indexOf('\n', 1);
  if (idEnd < 0) return undefined;
  const clientId = envelope.slice(1, idEnd);
  if (kind === 'd') {
    const seqEnd = envelope.indexOf('\n', idEnd + 1);
    if (seqEnd < 0) return undefined;
    const seq = Number(envelope.slice(idEnd + 1, seqEnd));
    if (!Number.isSafeInteger(seq)) return undefined;
    return { kind: 'deliver', clientId, seq, encodedData: envelope.slice(seqEnd + 1) };
  }
  const connectionId = envelope.slice(idEnd + 1);
  if (kind === 'r') return { kind: 'replaced', clientId, connectionId };
  if (kind === 'x') return { kind: 'revoked', clientId, connectionId };
  return undefined;
}
