/**
 * Fuzzing what a client socket sends (issue 12 item 4): parseClientFrame takes any text without throwing,
 * and what it accepts is exactly a well-formed ping, refresh or hello (with a well-formed resume position).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseClientFrame } from '../src/index.js';
import { fuzzRuns, FUZZ_SEED } from '../../../test/support/fuzz.js';

const settings = { seed: FUZZ_SEED, numRuns: fuzzRuns(3_000) };

/** Positions as a hostile or buggy client may send them: any JSON value, often almost right. */
const position = fc.oneof(
  fc.record({ epoch: fc.string({ maxLength: 80 }), seq: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-1, 2 ** 53, Number.MAX_VALUE)) }),
  fc.record({ epoch: fc.anything(), seq: fc.anything() }, { requiredKeys: [] }),
  fc.anything(),
);
const frameLike = fc.oneof(
  fc.record(
    { type: fc.constantFrom('hello', 'ping', 'refresh', 'msg', 'HELLO', ''), token: fc.oneof(fc.string({ maxLength: 600 }), fc.anything()), resume: position },
    { requiredKeys: [] },
  ),
  fc.jsonValue(),
  fc.anything(),
);

function isWellFormed(frame: ReturnType<typeof parseClientFrame>): boolean {
  if (!frame) return true;
  if (frame.type === 'ping') return Object.keys(frame).length === 1;
  if (typeof frame.token !== 'string' || frame.token.length === 0 || frame.token.length > 512) return false;
  if (frame.type === 'refresh') return Object.keys(frame).length === 2;
  if (frame.resume === undefined) return true;
  const { epoch, seq } = frame.resume;
  return typeof epoch === 'string' && epoch.length > 0 && epoch.length <= 64 && Number.isSafeInteger(seq) && seq >= 0;
}

describe('client frames under fuzzing', () => {
  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.json()), (text) => {
        expect(isWellFormed(parseClientFrame(text))).toBe(true);
      }),
      settings,
    );
  });

  it('accepts only well-formed frames from frame-shaped JSON, resume positions included', () => {
    fc.assert(
      fc.property(frameLike, (value) => {
        let text: string | undefined;
        try {
          text = JSON.stringify(value);
        } catch {
          return; // BigInt and the like are not JSON: no client can send them
        }
        if (text === undefined) return;
        expect(isWellFormed(parseClientFrame(text))).toBe(true);
      }),
      settings,
    );
  });

  it('round-trips every well-formed refresh', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 512 }), (token) => {
        expect(parseClientFrame(JSON.stringify({ type: 'refresh', token }))).toEqual({ type: 'refresh', token });
      }),
      settings,
    );
  });

  it('round-trips every well-formed hello', () => {
    const token = fc.string({ minLength: 1, maxLength: 512 });
    const resume = fc.record({ epoch: fc.string({ minLength: 1, maxLength: 64 }), seq: fc.nat() });
    fc.assert(
      fc.property(token, fc.option(resume, { nil: undefined }), (t, r) => {
        const frame = r ? { type: 'hello' as const, token: t, resume: r } : { type: 'hello' as const, token: t };
        expect(parseClientFrame(JSON.stringify(frame))).toEqual(frame);
      }),
      settings,
    );
  });
});
