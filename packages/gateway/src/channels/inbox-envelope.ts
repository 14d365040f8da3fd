/**
 * The bytes an InboxMessage travels as over pub/sub. The Redis scripts build `batch` and
 * `revoked` envelopes themselves (stores/redis-scripts/send-many.lua, delete.lua): keep them in step.
 *   deliver:  "d" clientId "\n" seq "\n" encodedData
 *   batch:    "b" then records clientId "\n" seq "\n" encodedData, joined by "\n" (many deliveries)
 *   replaced: "r" clientId "\n" connectionId
 *   ask-delivered: "q" clientId "\n" connectionId "\n" to.nodeId "\n" to.connectionId
 *   handover: "h" clientId "\n" connectionId "\n" deliveredSeq
 *   revoked:  "x" clientId "\n" connectionId
 *   refresh:  "e" clientId "\n" connectionId "\n" expiresAt "\n" replyTo.nodeId "\n" replyTo.requestId
 *   refresh-answer: "a" clientId "\n" requestId "\n" ("1" applied | "0" not)
 * Client IDs never contain control characters and encodedData is a JSON string literal (JSON escapes
 * control characters), so "\n" appears inside neither.
 */
import type { InboxMessage } from './node-inbox.js';

export function encodeEnvelope(message: InboxMessage): string {
  switch (message.kind) {
    case 'deliver':
      return `d${message.clientId}\n${message.seq}\n${message.encodedData}`;
    case 'replaced':
      return `r${message.clientId}\n${message.connectionId}`;
    case 'ask-delivered':
      return `q${message.clientId}\n${message.connectionId}\n${message.to.nodeId}\n${message.to.connectionId}`;
    case 'handover':
      return `h${message.clientId}\n${message.connectionId}\n${message.deliveredSeq}`;
    case 'revoked':
      return `x${message.clientId}\n${message.connectionId}`;
    case 'refresh':
      return `e${message.clientId}\n${message.connectionId}\n${message.expiresAt}\n${message.replyTo.nodeId}\n${message.replyTo.requestId}`;
    case 'refresh-answer':
      return `a${message.clientId}\n${message.requestId}\n${message.applied ? '1' : '0'}`;
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
  const rest = envelope.slice(idEnd + 1).split('\n');
  const connectionId = rest[0]!;
  if (kind === 'x' && rest.length === 1) return { kind: 'revoked', clientId, connectionId };
  if (kind === 'r' && rest.length === 1) return { kind: 'replaced', clientId, connectionId };
  if (kind === 'q' && rest.length === 3) return { kind: 'ask-delivered', clientId, connectionId, to: { nodeId: rest[1]!, connectionId: rest[2]! } };
  if (kind === 'e' && rest.length === 4) {
    const expiresAt = Number(rest[1]);
    return Number.isSafeInteger(expiresAt) && rest[1] !== ''
      ? { kind: 'refresh', clientId, connectionId, expiresAt, replyTo: { nodeId: rest[2]!, requestId: rest[3]! } }
      : undefined;
  }
  if (kind === 'a' && rest.length === 2 && (rest[1] === '1' || rest[1] === '0'))
    return { kind: 'refresh-answer', clientId, requestId: connectionId, applied: rest[1] === '1' };
  if (kind === 'h' && rest.length === 2) {
    const deliveredSeq = Number(rest[1]);
    return Number.isSafeInteger(deliveredSeq) && rest[1] !== '' ? { kind: 'handover', clientId, connectionId, deliveredSeq } : undefined;
  }
  return undefined;
}

/** Every message in an envelope: one, or several for a batch envelope; undefined when malformed. */
export function decodeEnvelopes(envelope: string): InboxMessage[] | undefined {
  if (envelope[0] !== 'b') {
    const message = decodeEnvelope(envelope);
    return message ? [message] : undefined;
  }
  const parts = envelope.slice(1).split('\n');
  if (parts.length % 3 !== 0) return undefined;
  const messages: InboxMessage[] = [];
  for (let i = 0; i < parts.length; i += 3) {
    const seq = Number(parts[i + 1]);
    if (!Number.isSafeInteger(seq)) return undefined;
    messages.push({ kind: 'deliver', clientId: parts[i]!, seq, encodedData: parts[i + 2]! });
  }
  return messages;
}
