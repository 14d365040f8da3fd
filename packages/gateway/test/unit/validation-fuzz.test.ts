/**
 * Fuzzing request bodies and path parameters (issue 12 item 4): for any JSON, every parser returns a
 * value or throws an HttpApiError with a 4xx status (a clear answer), never anything that would be a 500.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HttpApiError } from '../../src/http/api-error.js';
import { parseJsonBody } from '../../src/http/json-body.js';
import { parseBatch, parseCreateChannel, parsePathClientId, parsePresenceQuery, parseRefreshRequest, parseSendMessage } from '../../src/http/validation.js';
import { fuzzRuns, FUZZ_SEED } from '../../../../test/support/fuzz.js';

const settings = { seed: FUZZ_SEED, numRuns: fuzzRuns(2_000) };

/** Bodies shaped like the API's, with wrong types, extra keys and hostile strings mixed in. */
const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', '__proto__', 'constructor', '\u0000', '\ud800', 'x'.repeat(40_000)),
);
const value = fc.oneof(text, fc.jsonValue({ maxDepth: 3 }), fc.constant(undefined));
const bodies = fc.oneof(
  fc.record({ clientId: value, durationMinutes: fc.oneof(value, fc.double(), fc.integer()) }, { requiredKeys: [] }),
  fc.record({ message: value }, { requiredKeys: [] }),
  fc.record(
    { messages: fc.oneof(value, fc.array(fc.record({ clientId: value, message: value }, { requiredKeys: [] }), { maxLength: 5 })) },
    { requiredKeys: [] },
  ),
  fc.record({ clientIds: fc.oneof(value, fc.array(value, { maxLength: 5 })) }, { requiredKeys: [] }),
  fc.record({ token: value, connectionId: value }, { requiredKeys: [] }),
  fc.dictionary(text, value, { maxKeys: 4 }),
  fc.jsonValue({ maxDepth: 4 }),
);

const parsers = { parseCreateChannel, parseSendMessage, parseBatch, parsePresenceQuery, parseRefreshRequest };

function expectClearAnswer(run: () => unknown): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(HttpApiError);
    const { status, message } = error as HttpApiError;
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    expect(message.length).toBeGreaterThan(0);
  }
}

describe('request validation under fuzzing', () => {
  for (const [name, parse] of Object.entries(parsers)) {
    it(`${name} answers any JSON body with a value or a 4xx`, () => {
      fc.assert(
        fc.property(bodies, (body) => {
          // As the routes see it: serialised by a client, parsed back.
          const wire = JSON.stringify(body) ?? '';
          expectClearAnswer(() => parse(parseJsonBody('application/json', wire, name === 'parseCreateChannel')));
        }),
        settings,
      );
    });
  }

  it('parseJsonBody answers any text and content type with a value or a 4xx', () => {
    const contentType = fc.oneof(
      fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', '', 'application/x+json'),
      fc.string({ maxLength: 30 }),
    );
    fc.assert(
      fc.property(contentType, fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.json()), fc.boolean(), (type, body, optional) => {
        expectClearAnswer(() => parseJsonBody(type, body, optional));
      }),
      settings,
    );
  });

  it('parsePathClientId answers any path segment with a value or a 4xx', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (segment) => expectClearAnswer(() => parsePathClientId(segment))),
      settings,
    );
  });
});
