/**
 * The presence webhook's wire format as the gateway sends it and the SDK checks it. The expected
 * signatures were computed independently (Python's hmac module), so a change to what is signed shows up.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  multipartPresenceBody,
  presenceWebhookClientId,
  presenceWebhookPath,
  signWebhook,
  signWebhookV2,
  urlencodedPresenceBody,
  verifyWebhook,
  WebhookHeader,
  type HmacSha256,
} from '../src/index.js';

const hmac: HmacSha256 = (secret, message) => createHmac('sha256', secret).update(message).digest();
const NOW = 1_780_000_000_000;
const SECRET = 'a-webhook-secret';
const ALICE = 'v1=43c20dbace788392f1582bf089bc0c42f7244fd0ccd28840edb83fcdef3204b7';
/** HMAC-SHA256 of "v2.1780000000000.connected.42.from=alice" (Python's hmac). */
const ALICE_V2 = 'v2=22df771e04c0e2420a2bb362d44651b083e11ff4f6992e33c8ab942dfcee5955';

describe('presence webhook requests', () => {
  it('go to GAE paths with the X-Channel headers', () => {
    expect(presenceWebhookPath('connected')).toBe('/_ah/channel/connected/');
    expect(presenceWebhookPath('disconnected')).toBe('/_ah/channel/disconnected/');
    expect(Object.values(WebhookHeader)).toEqual([
      'X-Channel-Event',
      'X-Channel-Event-Id',
      'X-Channel-Event-Time',
      'X-Channel-Timestamp',
      'X-Channel-Signature',
      'X-Channel-Signature-V2',
    ]);
  });

  it('carry the client ID as the form field from, urlencoded or multipart', () => {
    expect(urlencodedPresenceBody('ü 🙂&x=y')).toEqual({ contentType: 'application/x-www-form-urlencoded', text: 'from=%C3%BC+%F0%9F%99%82%26x%3Dy' });
    expect(presenceWebhookClientId(urlencodedPresenceBody('ü 🙂&x=y').text)).toBe('ü 🙂&x=y');
    expect(presenceWebhookClientId('other=1')).toBeNull();
    expect(multipartPresenceBody('alice', 'cg-b')).toEqual({
      contentType: 'multipart/form-data; boundary=cg-b',
      text: '--cg-b\r\nContent-Disposition: form-data; name="from"\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nalice\r\n--cg-b--\r\n',
    });
  });

  it('refuse a multipart boundary that occurs in the client ID', () => {
    expect(() => multipartPresenceBody('a cg-b c', 'cg-b')).toThrow(/boundary/);
    expect(() => multipartPresenceBody('alice', '')).toThrow(/boundary/);
  });
});

describe('v1 webhook signatures (still sent, for verifiers of the earlier format)', () => {
  it('are v1= and the hex HMAC-SHA256 of "<timestamp>.<body>" (UTF-8)', () => {
    expect(signWebhook(hmac, SECRET, NOW, 'from=alice')).toBe(ALICE);
    expect(signWebhook(hmac, 'sécret', NOW, 'from=%C3%BC+%F0%9F%99%82')).toBe('v1=7d7aa68d01a790c3e8c84d2b917146221a883edba87508af235af1e8d309e7fd');
  });

  it("are refused by this version's verifier, which requires v2", () => {
    expect(
      verifyWebhook(hmac, { secret: SECRET, timestamp: String(NOW), signature: ALICE, body: 'from=alice', event: 'connected', eventId: '42', now: NOW }),
    ).toBe(false);
  });
});

describe('v2 webhook signatures', () => {
  const input = { secret: SECRET, timestamp: String(NOW), signature: ALICE_V2, body: 'from=alice', event: 'connected' as const, eventId: '42', now: NOW };

  it('are v2= and the hex HMAC-SHA256 of "v2.<timestamp>.<event>.<event id>.<body>" (UTF-8)', () => {
    expect(signWebhookV2(hmac, SECRET, { timestamp: NOW, event: 'connected', eventId: '42', body: 'from=alice' })).toBe(ALICE_V2);
    expect(signWebhookV2(hmac, SECRET, { timestamp: NOW, event: 'disconnected', eventId: '42', body: 'from=alice' })).toBe(
      'v2=47550c41edb0ccea54e02ed2c70a1fbbe6bf8954280c52870ae7360ff2120e65',
    );
    expect(signWebhookV2(hmac, 'sécret', { timestamp: NOW, event: 'connected', eventId: '7', body: 'from=%C3%BC+%F0%9F%99%82' })).toBe(
      'v2=9c565ebc0129c932243e3377cc6494c192f23e72393f554a2a4f5bcc8e38f3df',
    );
  });

  it('refuse to sign an event ID outside [A-Za-z0-9_-]{1,64} (it is a field of the signed text)', () => {
    for (const eventId of ['', '4.2', 'a b', 'x'.repeat(65)]) {
      expect(() => signWebhookV2(hmac, SECRET, { timestamp: NOW, event: 'connected', eventId, body: 'from=alice' }), eventId).toThrow(/event ID/);
    }
  });

  it('verify a genuine one, in either hex case, within the tolerance', () => {
    expect(verifyWebhook(hmac, input)).toBe(true);
    expect(verifyWebhook(hmac, { ...input, signature: ALICE_V2.toUpperCase().replace('V2=', 'v2=') })).toBe(true);
    expect(verifyWebhook(hmac, { ...input, now: NOW + 5 * 60_000 })).toBe(true);
    expect(verifyWebhook(hmac, { ...input, now: NOW - 60_000, toleranceMs: 60_000 })).toBe(true);
  });

  it('refuse the same delivery for the other event or another event ID (a replay to the other path)', () => {
    expect(verifyWebhook(hmac, { ...input, event: 'disconnected' })).toBe(false);
    expect(verifyWebhook(hmac, { ...input, eventId: '43' })).toBe(false);
    expect(verifyWebhook(hmac, { ...input, eventId: '42 ' })).toBe(false);
  });

  it('refuse another body, secret or timestamp, an old timestamp, and malformed headers', () => {
    const refused = [
      { body: 'from=bob' },
      { secret: 'another-secret' },
      { timestamp: String(NOW + 1) },
      { timestamp: `0${NOW}` },
      { now: NOW + 5 * 60_000 + 1 },
      { timestamp: undefined },
      { signature: null },
      { eventId: null },
      { eventId: '' },
      { eventId: '4.2' },
      { event: 'Connected' as 'connected' },
      { timestamp: '1e12' },
      { timestamp: '12345678901234567' },
      { signature: ALICE_V2.slice(3) },
      { signature: 'v1=' + ALICE_V2.slice(3) },
      { signature: ALICE_V2.slice(0, -2) },
      { signature: `${ALICE},${ALICE_V2}` },
      // Trailing bytes after a genuine digest (node's hex decoding would have stopped before them).
      { signature: ALICE_V2 + 'zz' },
      { signature: ALICE_V2 + '00' },
      { signature: 'v2=' + 'g'.repeat(64) },
    ];
    for (const change of refused) expect(verifyWebhook(hmac, { ...input, ...change }), JSON.stringify(change)).toBe(false);
  });
});
