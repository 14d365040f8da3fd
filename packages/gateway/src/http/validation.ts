/**
 * Request validation (zod). Every problem names the field it is about, e.g. `messages[3].message`.
 */
import { z } from 'zod';
import {
  MAX_BATCH_MESSAGES,
  MAX_DURATION_MINUTES,
  MIN_DURATION_MINUTES,
  DEFAULT_DURATION_MINUTES,
  MAX_TOKEN_LENGTH,
  clientIdProblem,
  idempotencyKeyProblem,
  messageProblem,
  type ApiError,
  ApiErrorCode,
} from '@channel-gateway/protocol';
import type { BatchItem } from '../channels/channel-service.js';
import { HttpApiError, invalidField } from './api-error.js';

const fromProblem = (problemOf: (value: string) => string | undefined) => (value: string, context: z.RefinementCtx) => {
  const problem = problemOf(value);
  if (problem) context.addIssue({ code: 'custom', message: problem });
};

const clientId = z.string({ error: 'must be a string' }).superRefine(fromProblem(clientIdProblem));
const message = z.string({ error: 'must be a string' }).superRefine(fromProblem(messageProblem));
const durationMinutes = z
  .number({ error: 'must be a number' })
  .int({ error: 'must be a whole number of minutes' })
  .min(MIN_DURATION_MINUTES, { error: `must be at least ${MIN_DURATION_MINUTES}` })
  .max(MAX_DURATION_MINUTES, { error: `must be at most ${MAX_DURATION_MINUTES}` });

const createChannelBody = z.strictObject({ clientId: clientId.optional(), durationMinutes: durationMinutes.optional() });
const sendMessageBody = z.strictObject({ message });
const token = z
  .string({ error: 'must be a string' })
  .min(1, { error: 'must not be empty' })
  .max(MAX_TOKEN_LENGTH, { error: `must be at most ${MAX_TOKEN_LENGTH} characters` });
const idempotencyKey = z.string({ error: 'must be a string' }).superRefine(fromProblem(idempotencyKeyProblem));
const batchItem = z.strictObject({ clientId: clientId.optional(), token: token.optional(), message, idempotencyKey: idempotencyKey.optional() });
const batchBody = z.strictObject({
  messages: z
    .array(z.unknown(), { error: 'must be an array' })
    .min(1, { error: 'must hold at least one message' })
    .max(MAX_BATCH_MESSAGES, { error: `must hold at most ${MAX_BATCH_MESSAGES} messages` }),
});

const presenceQueryBody = z.strictObject({
  clientIds: z
    .array(clientId, { error: 'must be an array of client IDs' })
    .min(1, { error: 'must hold at least one client ID' })
    .max(MAX_BATCH_MESSAGES, { error: `must hold at most ${MAX_BATCH_MESSAGES} client IDs` }),
});

// Visible ASCII only: connection IDs travel in inbox envelopes, whose fields are separated by newlines.
const connectionId = z
  .string({ error: 'must be a string' })
  .min(1, { error: 'must not be empty' })
  .max(128, { error: 'must be at most 128 characters' })
  .regex(/^[\x21-\x7e]+$/, { error: 'must be the connectionId of an open frame' });
const refreshBody = z.strictObject({ token, connectionId });

function fieldOf(path: PropertyKey[], prefix = ''): string {
  let field = prefix;
  for (const part of path) field += typeof part === 'number' ? `[${part}]` : field ? `.${String(part)}` : String(part);
  return field || 'body';
}

function firstIssue(error: z.ZodError, prefix = ''): ApiError {
  const issue = error.issues[0]!;
  const field = fieldOf(issue.path, prefix);
  const text = issue.code === 'unrecognized_keys' ? `is not a known field (${issue.keys.join(', ')})` : issue.message;
  const name = issue.code === 'unrecognized_keys' ? fieldOf([...issue.path, issue.keys[0] ?? ''], prefix) : field;
  return { code: ApiErrorCode.INVALID_FIELD, message: `${name} ${text}`, field: name };
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = firstIssue(result.error);
  throw new HttpApiError(400, issue.code, issue.message, issue.field);
}

export function parseCreateChannel(body: unknown): { clientId: string | undefined; durationMinutes: number } {
  const parsed = parse(createChannelBody, body);
  return { clientId: parsed.clientId, durationMinutes: parsed.durationMinutes ?? DEFAULT_DURATION_MINUTES };
}

export function parseSendMessage(body: unknown): string {
  return parse(sendMessageBody, body).message;
}

/** The `Idempotency-Key` header of a single send: undefined when absent (or empty), 400 when malformed. */
export function parseIdempotencyKeyHeader(value: string): string | undefined {
  if (value === '') return undefined;
  const problem = idempotencyKeyProblem(value);
  if (problem) throw invalidField('Idempotency-Key', problem);
  return value;
}

export function parsePathClientId(value: string): string {
  const problem = clientIdProblem(value);
  if (problem) throw invalidField('clientId', problem);
  return value;
}

/**
 * Validates the envelope strictly and each item on its own, so one bad item does not fail the others.
 * An item names its recipient by exactly one of `clientId` and `token`.
 */
export function parseBatch(body: unknown): BatchItem[] {
  const { messages } = parse(batchBody, body);
  return messages.map(parseBatchItem);
}

/** One item of a batch, the `index`-th: the recipient and message, or the item's own error. */
export function parseBatchItem(item: unknown, index: number): BatchItem {
  return validItem(item) ?? parseBatchItemBySchema(item, index);
}

/** The same through the schema, which names each problem (and is what the quick path must agree with). */
export function parseBatchItemBySchema(item: unknown, index: number): BatchItem {
  const prefix = `messages[${index}]`;
  const result = batchItem.safeParse(item);
  if (!result.success) return invalidItem(item, firstIssue(result.error, prefix));
  const { clientId, token, message, idempotencyKey } = result.data;
  const problem = recipientProblem(clientId, token, prefix);
  if (problem) return invalidItem(item, problem);
  const recipient = token !== undefined ? { token } : { clientId: clientId! };
  return idempotencyKey === undefined ? { ...recipient, message } : { ...recipient, message, idempotencyKey };
}

/**
 * The common case without zod (a schema pass per item was a fifth of a node's batch CPU): an item with
 * only known fields, all strings, each acceptable, and exactly one recipient. Anything else (also every
 * item zod would refuse) returns undefined and goes through the schema, which names the problem, so this
 * only ever accepts what the schema accepts.
 */
const ITEM_FIELDS = new Set(['clientId', 'token', 'message', 'idempotencyKey']);

function validItem(item: unknown): BatchItem | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  // Inherited enumerable properties too: any other field sends the item to the schema.
  for (const field in item) if (!ITEM_FIELDS.has(field)) return undefined;
  const { clientId, token, message, idempotencyKey } = item as Record<string, unknown>;
  if (typeof message !== 'string' || messageProblem(message) !== undefined) return undefined;
  if (idempotencyKey !== undefined && (typeof idempotencyKey !== 'string' || idempotencyKeyProblem(idempotencyKey) !== undefined)) return undefined;
  if (typeof clientId === 'string' && token === undefined) {
    if (clientIdProblem(clientId) !== undefined) return undefined;
    return idempotencyKey === undefined ? { clientId, message } : { clientId, message, idempotencyKey };
  }
  if (typeof token === 'string' && clientId === undefined) {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return undefined;
    return idempotencyKey === undefined ? { token, message } : { token, message, idempotencyKey };
  }
  return undefined;
}

/** The answer echoes a client ID the item gave; a token is never echoed. */
function invalidItem(item: unknown, error: ApiError): BatchItem {
  const given = item as { clientId?: unknown; token?: unknown } | null;
  if (typeof given?.clientId === 'string') return { clientId: given.clientId, error };
  return given?.token === undefined ? { clientId: '', error } : { error };
}

function recipientProblem(clientId: string | undefined, token: string | undefined, prefix: string): ApiError | undefined {
  if (clientId !== undefined && token !== undefined) {
    const field = `${prefix}.token`;
    return { code: ApiErrorCode.INVALID_FIELD, message: `${field} must not be given together with clientId (send to one or the other)`, field };
  }
  if (clientId === undefined && token === undefined) {
    const field = `${prefix}.clientId`;
    return { code: ApiErrorCode.INVALID_FIELD, message: `${field} is required (or token, to send by token)`, field };
  }
  return undefined;
}

export function parsePresenceQuery(body: unknown): string[] {
  return parse(presenceQueryBody, body).clientIds;
}

/** `POST /v1/refresh`: the new token and the connection it is for. */
export function parseRefreshRequest(body: unknown): { token: string; connectionId: string } {
  return parse(refreshBody, body);
}
