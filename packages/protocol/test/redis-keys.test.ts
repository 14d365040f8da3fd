/**
 * The client-ID part of Redis keys must be injective (two IDs never share a key, issue 12 item 2) and keep
 * one client's keys in one Redis Cluster hash slot: a non-empty tag with no braces.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { clientIdFromTag, clientIdProblem, clientTag, redisKeys } from '../src/index.js';
import { fuzzRuns, FUZZ_SEED } from '../../../test/support/fuzz.js';

/** Any client ID the API accepts: ASCII-heavy strings with braces, the escape marker and non-BMP text mixed in. */
const clientIds = fc
  .oneof(
    fc.string({ unit: fc.constantFrom('{', '}', 'b', '6', '4', ':', '~', '%', 'a', 'é', '😀'), maxLength: 24 }),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ maxLength: 40 }).map((text) => 'b64:' + text),
    fc.string({ unit: 'binary', maxLength: 60 }),
  )
  .filter((id) => clientIdProblem(id) === undefined);

const hashTag = (key: string) => {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return key.slice(open + 1, close);
};

describe('client IDs in Redis keys', () => {
  const keys = redisKeys('cg:');

  it('keeps {bob} and b64:e2JvYn0 apart (the collision found in issue 12)', () => {
    expect(keys.channel('{bob}')).not.toBe(keys.channel('b64:e2JvYn0'));
    expect(keys.buffer('{bob}')).not.toBe(keys.buffer('b64:e2JvYn0'));
  });

  it('maps no two distinct client IDs to one key (property)', () => {
    fc.assert(
      // Random pairs rarely collide by chance, so half the pairs are an ID and its own tag taken as an ID.
      fc.property(
        fc.oneof(
          fc.tuple(clientIds, clientIds),
          clientIds.map((id) => [id, clientTag(id)] as const),
        ),
        ([a, b]) => {
          fc.pre(a !== b);
          expect(keys.channel(a)).not.toBe(keys.channel(b));
          expect(keys.buffer(a)).not.toBe(keys.buffer(b));
        },
      ),
      { seed: FUZZ_SEED, numRuns: fuzzRuns(2_000) },
    );
  });

  it('decodes every tag back to its client ID, so the encoding is injective by construction (property)', () => {
    fc.assert(
      fc.property(clientIds, (id) => {
        expect(clientIdFromTag(clientTag(id))).toBe(id);
      }),
      { seed: FUZZ_SEED, numRuns: fuzzRuns(5_000) },
    );
  });

  it('gives every client a non-empty hash tag without braces, shared by all its keys (property)', () => {
    fc.assert(
      fc.property(clientIds, (id) => {
        const tag = hashTag(keys.channel(id));
        expect(tag).toBe(clientTag(id));
        expect(tag.length).toBeGreaterThan(0);
        expect(tag).not.toMatch(/[{}]/);
        expect(hashTag(keys.buffer(id))).toBe(tag);
      }),
      { seed: FUZZ_SEED, numRuns: fuzzRuns(5_000) },
    );
  });

  it('leaves plain IDs as they are, so existing data for them needs no migration', () => {
    for (const id of ['alice', 'user-42', 'a:b', '😀', 'B64:x', 'b64']) expect(clientTag(id)).toBe(id);
  });
});
