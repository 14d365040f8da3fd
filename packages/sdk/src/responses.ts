/**
 * Checks that a 2xx body is what the API promises, so a proxy page or a wrong `baseUrl` is an
 * `invalid_response` error rather than a wrong answer.
 */
import type { BatchSendResult, PresenceResult, SendStatus } from '@channel-gateway/protocol';
import { ChannelGatewayError } from './errors.js';

const SEND_STATUSES: ReadonlySet<string> = new Set<SendStatus>(['routed', 'queued', 'no_channel']);
const RESULT_STATUSES: ReadonlySet<string> = new Set<BatchSendResult['status']>(['routed', 'queued', 'no_channel', 'invalid']);

export function expectRecord(body: unknown, what: string, status: number): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badShape(what, status, 'a JSON object');
  return body as Record<string, unknown>;
}

export function badShape(what: string, status: number, expected: string): ChannelGatewayError {
  return new ChannelGatewayError(`${what} answered ${status} but the body is not ${expected}`, { code: 'invalid_response', status });
}

export function expectSendStatus(body: unknown, what: string, status: number): SendStatus {
  const sendStatus = expectRecord(body, what, status)['status'];
  if (typeof sendStatus !== 'string' || !SEND_STATUSES.has(sendStatus)) throw badShape(what, status, 'a status of routed, queued or no_channel');
  return sendStatus as SendStatus;
}

export function expectBatchResults(body: unknown, status: number, count: number): BatchSendResult[] {
  const results = expectRecord(body, 'POST /v1/messages', status)['results'];
  if (!Array.isArray(results) || results.length !== count || !results.every(isBatchResult)) {
    throw badShape('POST /v1/messages', status, `a results array of ${count} items`);
  }
  return results;
}

export function expectPresenceResults(body: unknown, status: number, count: number): PresenceResult[] {
  const results = expectRecord(body, 'POST /v1/presence', status)['results'];
  if (!Array.isArray(results) || results.length !== count || !results.every(isPresenceResult)) {
    throw badShape('POST /v1/presence', status, `a results array of ${count} items`);
  }
  return results.map(({ clientId, found, connected, expiresAt, node, connectedAt }) => ({
    clientId,
    found,
    connected,
    ...(typeof expiresAt === 'string' ? { expiresAt } : {}),
    ...(typeof node === 'string' ? { node } : {}),
    ...(typeof connectedAt === 'string' ? { connectedAt } : {}),
  }));
}

function isBatchResult(value: unknown): value is BatchSendResult {
  if (typeof value !== 'object' || value === null) return false;
  const { clientId, status } = value as Record<string, unknown>;
  // A send by token to a dead token answers without a client ID.
  return (clientId === undefined || typeof clientId === 'string') && typeof status === 'string' && RESULT_STATUSES.has(status);
}

function isPresenceResult(value: unknown): value is PresenceResult {
  if (typeof value !== 'object' || value === null) return false;
  const { clientId, found, connected } = value as Record<string, unknown>;
  return typeof clientId === 'string' && typeof found === 'boolean' && typeof connected === 'boolean';
}

/**
 * The error a single send throws for a batch item the gateway refused: the code, the field without the
 * `messages[i].` prefix, and the status the single route would have answered.
 */
export function itemError(result: BatchSendResult): ChannelGatewayError {
  const error = result.error;
  const code = error?.code ?? 'invalid_field';
  const field = error?.field?.replace(/^messages\[\d+\]\./, '');
  const status = code === 'idempotency_key_reused' ? 409 : 400;
  return new ChannelGatewayError(`POST /v1/messages refused (${status} ${code}${field ? ` [${field}]` : ''}): ${error?.message ?? 'invalid'}`, {
    code,
    status,
    field,
  });
}
