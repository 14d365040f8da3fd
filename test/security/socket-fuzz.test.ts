/**
 * Fuzzing what a socket sends (issue 12 item 4): random first frames, and hellos with a valid token and
 * random resume positions, against two nodes directly and behind nginx. Every socket either opens
 * (possibly with a gap for a position the gateway does not know) or is closed with a protocol close code,
 * never dropped (1006) or failed (1011); the nodes keep serving with bounded memory.
 */
import { expect, it } from 'vitest';
import fc from 'fast-check';
import { CloseCode } from '@channel-gateway/protocol';
import { TestSocket } from '../../packages/gateway/test/support/test-socket.js';
import { fuzzRuns, FUZZ_SEED } from '../support/fuzz.js';
import { describeSecurity } from './support.js';

const PROTOCOL_CLOSES = [CloseCode.PROTOCOL_ERROR, CloseCode.INVALID_TOKEN, CloseCode.FRAME_TOO_BIG];

const position = fc.oneof(
  fc.record({ epoch: fc.string({ maxLength: 70 }), seq: fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.constant(2 ** 53)) }),
  fc.record({ epoch: fc.jsonValue({ maxDepth: 1 }), seq: fc.jsonValue({ maxDepth: 1 }) }, { requiredKeys: [] }),
  fc.jsonValue({ maxDepth: 2 }),
);
const firstFrame = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
  fc
    .record({ type: fc.constantFrom('hello', 'ping', 'msg'), token: fc.string({ maxLength: 80 }), resume: position }, { requiredKeys: ['type'] })
    .map((value) => JSON.stringify(value)),
);

describeSecurity(
  'socket frame fuzzing',
  (target) => {
    it('opens or closes with a protocol code for any first frame', async () => {
      const t = target();
      await t.withinMemory(64 * 1_048_576, () =>
        fc.assert(
          fc.asyncProperty(firstFrame, async (text) => {
            const socket = await TestSocket.connect(t.wsUrl);
            socket.send(text);
            const code = await socket.closeCode(10_000);
            expect(PROTOCOL_CLOSES, `closed with ${code} after ${text.slice(0, 100)}`).toContain(code);
          }),
          { seed: FUZZ_SEED, numRuns: fuzzRuns(60) },
        ),
      );
      await t.expectStillServing();
    }, 60_000);

    it('opens for a valid token whatever the resume position, reporting a gap when it cannot use it', async () => {
      const t = target();
      const { clientId, token } = await t.createChannel();
      for (let i = 0; i < 3; i++) await t.api('POST', `/v1/channels/${clientId}/messages`, { message: `m${i}` });
      await t.withinMemory(64 * 1_048_576, () =>
        fc.assert(
          fc.asyncProperty(position, async (resume) => {
            const socket = await TestSocket.connect(t.wsUrl);
            socket.send({ type: 'hello', token, resume });
            const outcome = await Promise.race([
              socket.waitForFrame((frame) => frame.type === 'open').then(() => 'open' as const),
              socket.closed.then(({ code }) => code),
            ]);
            if (outcome === 'open') {
              // No random epoch is the stream's: the position is reported as a gap, and what the previous
              // sockets had not been given is replayed in order, without duplicates.
              await socket.waitForFrame((frame) => frame.type === 'gap');
              const got = socket.messages().join(',');
              expect(['m0,m1,m2', 'm0,m1', 'm0', 'm1,m2', 'm1', 'm2', '']).toContain(got);
              socket.close();
              await socket.closed;
            } else {
              // A malformed position is a malformed hello.
              expect(outcome).toBe(CloseCode.PROTOCOL_ERROR);
            }
          }),
          { seed: FUZZ_SEED, numRuns: fuzzRuns(40) },
        ),
      );
      await t.expectStillServing();
    }, 60_000);
  },
  { env: { CG_CONNECTS_PER_SECOND_PER_IP: '10000', CG_HELLO_TIMEOUT_MS: '2000' } },
);
