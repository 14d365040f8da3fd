/**
 * The batch route validates the common item without zod (validation.ts, validItem): for any item, that
 * quick path must give exactly what the schema gives, so it can never accept what the schema refuses nor
 * change an accepted item or an item's error.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_TOKEN_LENGTH } from '@channel-gateway/protocol';
import { parseBatchItem, parseBatchItemBySchema } from '../../src/http/validation.js';
import { fuzzRuns, FUZZ_SEED } from '../../../../test/support/fuzz.js';

const settings = { seed: FUZZ_SEED, numRuns: fuzzRuns(5_000) };

/** Strings near every limit the fields have: empty, control characters, lone surrogates, long, non-ASCII. */
const text = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    'c1',
    'key-1',
    '\u0000',
    '\u007f',
    '\ud800',
    'é',
    '__proto__',
    'x'.repeat(256),
    'é'.repeat(129),
    'k'.repeat(MAX_TOKEN_LENGTH),
    'k'.repeat(MAX_TOKEN_LENGTH + 1),
    'm'.repeat(40_000),
  ),
);
const value = fc.oneof({ weight: 4, arbitrary: text }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) });
const item = fc.oneof(
  fc.record({ clientId: value, token: value, message: value, idempotencyKey: value }, { requiredKeys: [] }),
  fc.record({ clientId: value, message: value, idempotencyKey: value }, { requiredKeys: ['message'] }),
  fc.record({ token: value, message: value }, { requiredKeys: ['token', 'message'] }),
  fc.record({ clientId: value, message: value, extra: value }, { requiredKeys: ['clientId', 'message', 'extra'] }),
  fc.jsonValue({ maxDepth: 2 }),
);

describe('batch item validation', () => {
  it('the quick path answers every item exactly as the schema does', () => {
    fc.assert(
      fc.property(item, fc.nat(999), (candidate, index) => {
        // As the route sees it: serialised by a client, parsed back.
        const wire = JSON.parse(JSON.stringify(candidate) ?? 'null') as unknown;
        expect(parseBatchItem(wire, index)).toStrictEqual(parseBatchItemBySchema(wire, index));
      }),
      settings,
    );
  });

  it('refuses an unknown field, a __proto__ field and two recipients through the quick path as the schema does', () => {
    for (const wire of [
      '{"clientId":"a","message":"m","extra":1}',
      '{"clientId":"a","message":"m","__proto__":{"x":1}}',
      '{"clientId":"a","token":"t","message":"m"}',
      '{"message":"m"}',
    ]) {
      const parsed = JSON.parse(wire) as unknown;
      const answer = parseBatchItem(parsed, 3);
      expect(answer).toHaveProperty('error');
      expect(answer).toStrictEqual(parseBatchItemBySchema(parsed, 3));
    }
    expect(parseBatchItem({ clientId: 'a', message: 'm', idempotencyKey: 'k' }, 0)).toStrictEqual({ clientId: 'a', message: 'm', idempotencyKey: 'k' });
    expect(parseBatchItem({ token: 't', message: 'm' }, 0)).toStrictEqual({ token: 't', message: 'm' });
  });
});
