/**
 * Fuzzing webhook signature headers (issue 12 item 4): verifyWebhookSignature answers true or false for
 * any headers an attacker sends, never throws, and accepts only the signature of that very body.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { verifyWebhookSignature } from '../src/index.js';
import { fuzzRuns, FUZZ_SEED } from '../../../test/support/fuzz.js';

const settings = { seed: FUZZ_SEED, numRuns: fuzzRuns(3_000) };
const NOW = 1_780_000_000_000;
const EVENT_ID = '17';
const sign = (secret: string, timestamp: string, body: string) =>
  `v2=${createHmac('sha256', secret).update(`v2.${timestamp}.connected.${EVENT_ID}.${body}`).digest('hex')}`;

const header = fc.option(
  fc.oneof(
    fc.string({ maxLength: 100 }),
    fc.string({ unit: 'binary', maxLength: 100 }),
    fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), maxLength: 70 }).map((hex) => `v2=${hex}`),
    fc.nat().map(String),
  ),
  { nil: undefined },
);

describe('webhook signatures under fuzzing', () => {
  it('never throws and never accepts a forged signature', () => {
    fc.assert(
      fc.property(fc.string(), header, header, fc.string({ unit: 'binary', maxLength: 200 }), (secret, timestamp, signature, body) => {
        const verdict = verifyWebhookSignature({ secret, event: 'connected', eventId: EVENT_ID, timestamp, signature, body, now: NOW });
        expect(typeof verdict).toBe('boolean');
        if (verdict) expect(signature).toBe(sign(secret, timestamp!, body));
      }),
      settings,
    );
  });

  it('accepts a genuine signature and refuses it for any other body', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 16 }),
        fc.string({ maxLength: 200 }),
        fc.string({ maxLength: 200 }),
        fc.integer({ min: -299_000, max: 299_000 }),
        (secret, body, other, skew) => {
          const timestamp = String(NOW + skew);
          const signature = sign(secret, timestamp, body);
          expect(verifyWebhookSignature({ secret, event: 'connected', eventId: EVENT_ID, timestamp, signature, body, now: NOW })).toBe(true);
          expect(verifyWebhookSignature({ secret, event: 'disconnected', eventId: EVENT_ID, timestamp, signature, body, now: NOW })).toBe(false);
          if (other !== body)
            expect(verifyWebhookSignature({ secret, event: 'connected', eventId: EVENT_ID, timestamp, signature, body: other, now: NOW })).toBe(false);
        },
      ),
      settings,
    );
  });
});
