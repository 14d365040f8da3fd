/** Unit tests (no network) for the small pieces the socket and send paths are built from. */
import { describe, expect, it } from 'vitest';
import { decodeEnvelope, decodeEnvelopes, encodeEnvelope } from '../src/channels/inbox-envelope.js';
import type { InboxMessage } from '../src/channels/node-inbox.js';
import { expiredGap, planReplay } from '../src/channels/channel-store.js';
import { ConnectRateLimiter } from '../src/sockets/connect-rate-limiter.js';
import { DeadlineWheel } from '../src/sockets/deadline-wheel.js';
import { decodeJob, encodeJob } from '../src/presence/webhook-outbox.js';

describe('DeadlineWheel', () => {
  it('returns items once their deadline has passed, never early, and each once', () => {
    const wheel = new DeadlineWheel<string>(0, 1000);
    wheel.add('a', 1500);
    const b = wheel.add('b', 2000);
    wheel.add('c', 10_000);
    expect(wheel.takeDue(1499)).toEqual([]);
    expect(wheel.takeDue(2000)).toEqual(['a', 'b']);
    expect(wheel.takeDue(2000)).toEqual([]);
    wheel.remove('b', b);
    expect(wheel.size).toBe(1);
    expect(wheel.takeDue(1e12)).toEqual(['c']); // a jump far ahead walks buckets, not seconds
  });
  it('treats a deadline already in the past as due on the next take', () => {
    const wheel = new DeadlineWheel<string>(5_000, 1000);
    wheel.takeDue(5_000);
    wheel.add('late', 1_000);
    expect(wheel.takeDue(6_000)).toEqual(['late']);
  });
});

describe('ConnectRateLimiter', () => {
  it('allows a burst of twice the rate, then refills over time, per address', () => {
    const limiter = new ConnectRateLimiter(2);
    const allowed = Array.from({ length: 6 }, () => limiter.allow('1.1.1.1', 0)).filter(Boolean).length;
    expect(allowed).toBe(4);
    expect(limiter.allow('2.2.2.2', 0)).toBe(true);
    expect(limiter.allow('1.1.1.1', 500)).toBe(true);
    expect(limiter.allow('1.1.1.1', 500)).toBe(false);
  });
});

describe('inbox envelopes', () => {
  it('round-trip every message kind, whatever the data holds', () => {
    const messages: InboxMessage[] = [
      { kind: 'deliver', clientId: 'a b ✓', seq: 42, encodedData: JSON.stringify('x\ny\n') },
      { kind: 'replaced', clientId: 'c', connectionId: 'ab.1' },
      { kind: 'revoked', clientId: '{c}', connectionId: 'ab.2' },
    ];
    for (const message of messages) expect(decodeEnvelope(encodeEnvelope(message))).toEqual(message);
    for (const bad of ['', 'd', 'dclient', 'dclient\nx\n""', 'qclient\n1']) expect(decodeEnvelope(bad)).toBeUndefined();
  });
  it('split a batch envelope into its deliveries, in order', () => {
    expect(decodeEnvelopes('ba b\n1\n"x"\nc\n7\n"y\\n"')).toEqual([
      { kind: 'deliver', clientId: 'a b', seq: 1, encodedData: '"x"' },
      { kind: 'deliver', clientId: 'c', seq: 7, encodedData: '"y\\n"' },
    ]);
    expect(decodeEnvelopes('dc\n2\n""')).toEqual([{ kind: 'deliver', clientId: 'c', seq: 2, encodedData: '""' }]);
    expect(decodeEnvelopes('ba\n1')).toBeUndefined();
    expect(decodeEnvelopes('ba\nx\n""')).toBeUndefined();
  });
});

describe('webhook jobs', () => {
  it('round-trip, with spaces in the client ID', () => {
    const job = { id: '7', event: 'disconnected' as const, clientId: 'a b c', firstAt: 123, attempts: 2 };
    expect(decodeJob('7', encodeJob(job))).toEqual(job);
    expect(decodeJob('1', '0 1 exploded x')).toBeUndefined();
  });
});

describe('replay planning', () => {
  it('starts after the position when it is valid, after the delivered seq otherwise, and names gaps', () => {
    expect(planReplay('e', 10, 4, undefined)).toEqual({ from: 5 });
    expect(planReplay('e', 10, 4, { epoch: 'e', seq: 8 })).toEqual({ from: 9 });
    expect(planReplay('e', 10, 4, { epoch: 'old', seq: 8 })).toEqual({ from: 5, gap: { type: 'gap', reason: 'epoch' } });
    expect(planReplay('e', 10, 4, { epoch: 'e', seq: 11 })).toEqual({ from: 5, gap: { type: 'gap', reason: 'position' } });
    expect(expiredGap(5, 10, [{ seq: 8, encodedData: '""' }])).toEqual({ type: 'gap', reason: 'expired', from: 5, to: 7 });
    expect(expiredGap(5, 10, [])).toEqual({ type: 'gap', reason: 'expired', from: 5, to: 10 });
    expect(expiredGap(11, 10, [])).toBeUndefined();
  });
});
