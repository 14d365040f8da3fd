/** Unit tests (no network) for the small pieces the socket and send paths are built from. */
import { describe, expect, it } from 'vitest';
import { decodeEnvelope, decodeEnvelopes, encodeEnvelope } from '../../src/channels/inbox-envelope.js';
import type { InboxMessage } from '../../src/channels/node-inbox.js';
import { expiredGap, planReplay } from '../../src/channels/channel-store.js';
import type { OutgoingMessage, SendResult } from '../../src/channels/channel-store.js';
import { SendCoalescer } from '../../src/channels/send-coalescer.js';
import { ConnectRateLimiter } from '../../src/sockets/connect-rate-limiter.js';
import { DeadlineWheel } from '../../src/sockets/deadline-wheel.js';
import { decodeJob, encodeJob } from '../../src/presence/webhook-outbox.js';

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

describe('SendCoalescer', () => {
  const clock = { now: () => 1_000 };
  /** A store stand-in that records each call and numbers messages per client, as sendMany does. */
  const recordingStore = () => {
    const calls: OutgoingMessage[][] = [];
    const seqs = new Map<string, number>();
    const sendMany = async (messages: ReadonlyArray<OutgoingMessage>): Promise<SendResult[]> => {
      calls.push([...messages]);
      return messages.map(({ clientId }) => {
        const seq = (seqs.get(clientId) ?? 0) + 1;
        seqs.set(clientId, seq);
        return { status: 'routed', seq };
      });
    };
    return { calls, sendMany };
  };

  it('sends what arrives in one turn as one call, in order, and answers each caller its own result', async () => {
    const store = recordingStore();
    const coalescer = new SendCoalescer(store.sendMany, clock);
    const answers = await Promise.all([
      coalescer.send({ clientId: 'a', encodedData: '"1"' }),
      coalescer.send({ clientId: 'b', encodedData: '"2"' }),
      coalescer.send({ clientId: 'a', encodedData: '"3"' }),
    ]);
    expect(store.calls).toEqual([
      [
        { clientId: 'a', encodedData: '"1"' },
        { clientId: 'b', encodedData: '"2"' },
        { clientId: 'a', encodedData: '"3"' },
      ].map((m) => expect.objectContaining(m)),
    ]);
    expect(answers).toEqual([
      { status: 'routed', seq: 1 },
      { status: 'routed', seq: 1 },
      { status: 'routed', seq: 2 },
    ]);
    await coalescer.send({ clientId: 'c', encodedData: '"4"' });
    expect(store.calls).toHaveLength(2); // a later turn is a call of its own
  });

  it('sends a full queue at once rather than waiting for the turn to end', async () => {
    const store = recordingStore();
    const coalescer = new SendCoalescer(store.sendMany, clock, 2);
    const pending = [coalescer.send({ clientId: 'a', encodedData: '"1"' }), coalescer.send({ clientId: 'a', encodedData: '"2"' })];
    expect(store.calls).toHaveLength(1);
    pending.push(coalescer.send({ clientId: 'a', encodedData: '"3"' }));
    await Promise.all(pending);
    expect(store.calls.map((call) => call.length)).toEqual([2, 1]);
  });

  it('fails every send of a call that fails, and the next turn starts afresh', async () => {
    let fail = true;
    const coalescer = new SendCoalescer(async (messages) => {
      if (fail) throw new Error('redis down');
      return messages.map(() => ({ status: 'queued', seq: 1 }));
    }, clock);
    const outcomes = await Promise.allSettled([coalescer.send({ clientId: 'a', encodedData: '"1"' }), coalescer.send({ clientId: 'b', encodedData: '"2"' })]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(coalescer.send({ clientId: 'a', encodedData: '"3"' })).resolves.toEqual({ status: 'queued', seq: 1 });
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
      { kind: 'ask-delivered', clientId: 'c', connectionId: 'ab.1', to: { nodeId: 'node-b', connectionId: 'cd.3' } },
      { kind: 'handover', clientId: 'c', connectionId: 'cd.3', deliveredSeq: 12 },
      { kind: 'handover', clientId: 'c', connectionId: 'cd.3', deliveredSeq: -1 },
      { kind: 'refresh', clientId: 'a b ✓', connectionId: 'ab.1', expiresAt: 1_700_000_000_000, replyTo: { nodeId: 'node-b', requestId: 'r1' } },
      { kind: 'refresh-answer', clientId: 'c', requestId: 'r1', applied: true },
      { kind: 'refresh-answer', clientId: 'c', requestId: 'r1', applied: false },
    ];
    for (const message of messages) expect(decodeEnvelope(encodeEnvelope(message))).toEqual(message);
    const bad = [
      '',
      'd',
      'dclient',
      'dclient\nx\n""',
      'qclient\n1',
      'rclient\nab.1\nnode-b\ncd.3',
      'qclient\nab.1\nnode-b',
      'hclient\ncd.3',
      'hclient\ncd.3\n',
      'hclient\ncd.3\nx',
      'eclient\nab.1\n\nnode-b\nr1',
      'eclient\nab.1\nsoon\nnode-b\nr1',
      'eclient\nab.1\n5\nnode-b',
      'aclient\nr1',
      'aclient\nr1\nyes',
    ];
    for (const envelope of bad) expect(decodeEnvelope(envelope)).toBeUndefined();
    // Unchanged since before ask-delivered existed, so a node that predates it still closes the old socket.
    expect(encodeEnvelope({ kind: 'replaced', clientId: 'c', connectionId: 'ab.1' })).toBe('rc\nab.1');
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
