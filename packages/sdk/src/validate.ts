/**
 * Local argument checks. They use the protocol package's rules, the same ones the gateway applies, so a
 * call that passes here is not refused for its shape by the server, and a bad one fails fast without a
 * round trip. A bad batch item is answered `invalid` locally, as the gateway would, and the others are sent.
 */
import {
  MAX_BATCH_MESSAGES,
  MAX_DURATION_MINUTES,
  MAX_TOKEN_LENGTH,
  MIN_DURATION_MINUTES,
  idempotencyKeyProblem,
  type BatchSendItem,
  type BatchSendResult,
  clientIdProblem,
  messageProblem,
} from '@channel-gateway/protocol';
import { randomBytes } from 'node:crypto';
import { invalidField, type ChannelGatewayError } from './errors.js';
import type { WireItem } from './send-batcher.js';

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

export function checkIdempotencyKey(value: unknown, field = 'idempotencyKey'): string {
  if (typeof value !== 'string') throw invalidField(field, 'must be a string');
  const problem = idempotencyKeyProblem(value);
  if (problem !== undefined) throw invalidField(field, problem);
  return value;
}

/**
 * 96 random bits drawn once a process, then a counter: keys as unique as random UUIDs (no other process
 * draws the same prefix) at ~21 characters instead of 36, which every item of every batch carries
 * through the JSON, the gateway and a Redis key; and no random draw per send.
 */
const KEY_PREFIX = randomBytes(12).toString('base64url');
let keyCounter = 0;

/** A new idempotency key, unique enough to never meet another sender's. */
export function newIdempotencyKey(): string {
  return KEY_PREFIX + (keyCounter++).toString(36);
}

/** The envelope of a batch: an array of 1…1000 items (anything else fails the whole call). */
export function checkBatchSize(items: unknown): unknown[] {
  if (!Array.isArray(items)) throw invalidField('messages', 'must be an array');
  if (items.length === 0 || items.length > MAX_BATCH_MESSAGES) {
    throw invalidField('messages', `must have from 1 to ${MAX_BATCH_MESSAGES} items (got ${items.length})`);
  }
  return items;
}

/**
 * One batch item, checked on its own as the gateway does, so that a bad item is answered `invalid` and
 * the others are still sent. The item gets a generated idempotency key unless it brings one.
 */
export function checkBatchItem(item: unknown, index: number): { item: WireItem } | { invalid: BatchSendResult } {
  const field = `messages[${index}]`;
  try {
    if (typeof item !== 'object' || item === null) throw invalidField(field, 'must be an object');
    const { clientId, token, message, idempotencyKey } = item as Record<string, unknown>;
    if (clientId !== undefined && token !== undefined)
      throw invalidField(`${field}.token`, 'must not be given together with clientId (send to one or the other)');
    if (clientId === undefined && token === undefined) throw invalidField(`${field}.clientId`, 'is required (or token, to send by token)');
    // Copy only the known fields so stray properties of the caller's objects are not sent.
    const recipient = token !== undefined ? { token: checkToken(token, `${field}.token`) } : { clientId: checkClientId(clientId, `${field}.clientId`) };
    const key = idempotencyKey === undefined ? newIdempotencyKey() : checkIdempotencyKey(idempotencyKey, `${field}.idempotencyKey`);
    return { item: { ...recipient, message: checkMessage(message, `${field}.message`), idempotencyKey: key } };
  } catch (error) {
    const { message, field: at } = error as ChannelGatewayError;
    const given = item as { clientId?: unknown; token?: unknown } | null;
    // As the gateway answers: the client ID the item gave, never a token.
    const clientId = typeof given?.clientId === 'string' ? { clientId: given.clientId } : given?.token === undefined ? { clientId: '' } : {};
    return { invalid: { ...clientId, status: 'invalid', error: { code: 'invalid_field', message, ...(at === undefined ? {} : { field: at }) } } };
  }
}
