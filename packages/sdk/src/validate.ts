/**
 * Local argument checks. They use the protocol package's rules, the same ones the gateway applies, so a
 * call that passes here is not refused for its shape by the server, and a bad one fails fast without a
 * round trip (and without sending half of a batch).
 */
import {
  MAX_BATCH_MESSAGES,
  MAX_DURATION_MINUTES,
  MAX_TOKEN_LENGTH,
  MIN_DURATION_MINUTES,
  type BatchSendItem,
  clientIdProblem,
  messageProblem,
} from '@channel-gateway/protocol';
import { invalidField } from './errors.js';

// Parameters are `unknown` because JavaScript callers (and JSON from elsewhere) bypass the types.

export function checkClientId(value: unknown, field = 'clientId'): string {
  if (typeof value !== 'string') throw invalidField(field, 'must be a string');
  const problem = clientIdProblem(value);
  if (problem !== undefined) throw invalidField(field, problem);
  return value;
}

export function checkMessage(value: unknown, field = 'message'): string {
  if (typeof value !== 'string') throw invalidField(field, 'must be a string');
  const problem = messageProblem(value);
  if (problem !== undefined) throw invalidField(field, problem);
  return value;
}

export function checkDurationMinutes(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < MIN_DURATION_MINUTES || value > MAX_DURATION_MINUTES) {
    throw invalidField('durationMinutes', `must be an integer from ${MIN_DURATION_MINUTES} to ${MAX_DURATION_MINUTES}`);
  }
  return value;
}

/** A batch item: `{clientId, message}`, or `{token, message}` to send by token (GAE accepted either). */
export type BatchItem = BatchSendItem;

export function checkToken(value: unknown, field = 'token'): string {
  if (typeof value !== 'string') throw invalidField(field, 'must be a string');
  if (value.length === 0 || value.length > MAX_TOKEN_LENGTH) throw invalidField(field, `must be 1…${MAX_TOKEN_LENGTH} characters`);
  return value;
}

export function checkBatch(items: unknown): BatchItem[] {
  if (!Array.isArray(items)) throw invalidField('messages', 'must be an array');
  if (items.length === 0 || items.length > MAX_BATCH_MESSAGES) {
    throw invalidField('messages', `must have from 1 to ${MAX_BATCH_MESSAGES} items (got ${items.length})`);
  }
  return items.map((item: unknown, index) => {
    const field = `messages[${index}]`;
    if (typeof item !== 'object' || item === null) throw invalidField(field, 'must be an object');
    const { clientId, token, message } = item as Record<string, unknown>;
    if (clientId !== undefined && token !== undefined) throw invalidField(`${field}.token`, 'must not be given together with clientId (send to one or the other)');
    if (clientId === undefined && token === undefined) throw invalidField(`${field}.clientId`, 'is required (or token, to send by token)');
    // Copy only the known fields so stray properties of the caller's objects are not sent.
    if (token !== undefined) return { token: checkToken(token, `${field}.token`), message: checkMessage(message, `${field}.message`) };
    return { clientId: checkClientId(clientId, `${field}.clientId`), message: checkMessage(message, `${field}.message`) };
  });
}
