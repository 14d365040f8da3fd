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
  urlencodedPresenceBody,
  verifyWebhook,
  WebhookHeader,
  type HmacSha256,
} from '../src/index.js';

const hmac: HmacSha256 = (secret, message) => createHmac('sha256', secret).update(message).digest();
const NOW = 1_780_000_000_000;
const SECRET = 'a-webhook-secret';
const ALICE = 'v1=43c20dbace788392f1582bf089bc0c42f7244fd0ccd28840edb83fcdef3204b7';

describe('presence webhook requests', () => {
  it('go to GAE paths with the X-Channel headers', () => {
    expect(presenceWebhookPath('connected')).toBe('/_ah/channel/connected/');
    expect(presenceWebhookPath('disconnected')).toBe('/_ah/channel/disconnected/');
    expect(Object.values(WebhookHeader)).toEqual(['X-Channel-Event', 'X-Channel-Event-Id', 'X-Channel-Event-Time', 'X-Channel-Timestamp', 'X-Channel-Signature']);
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

describe('webhook signatures', () => {
  it('are v1= and the hex HMAC-SHA256 of "<timestamp>.<body>" (UTF-8)', () => {
    expect(signWebhook(hmac, SECRET, NOW, 'from=alice')).toBe(ALICE);
    expect(signWebhook(hmac, 'sécret', NOW, 'from=%C3%BC+%F0%9F%99%82')).toBe('v1=7d7aa68d01a790c3e8c84d2b917146221a883edba87508af235af1e8d309e7fd');
  });

  it('verify a genuine one, in either hex case, within the tolerance', () => {
    const input = { secret: SECRET, timestamp: String(NOW), signature: ALICE, body: 'from=alice', now: NOW };
    expect(verifyWebhook(hmac, input)).toBe(true);
    expect(verifyWebhook(hmac, { ...input, signature: ALICE.toUpperCase().replace('V1=', 'v1=') })).toBe(true);
    expect(verifyWebhook(hmac, { ...input, now: NOW + 5 * 60_000 })).toBe(true);
    expect(verifyWebhook(hmac, { ...input, now: NOW - 60_000, toleranceMs: 60_000 })).toBe(true);
  });

  it('refuse another body, secret or timestamp, an old timestamp, and malformed headers', () => {
    const input = { secret: SECRET, timestamp: String(NOW), signature: ALICE, body: 'from=alice', now: NOW };
    const refused = [
      { body: 'from=bob' },
      { secret: 'another-secret' },
      { timestamp: String(NOW + 1) },
      { now: NOW + 5 * 60_000 + 1 },
      { timestamp: undefined },
      { signature: null },
      { timestamp: '1e12' },
      { timestamp: '12345678901234567' },
      { signature: ALICE.slice(3) },
      { signature: 'v2=' + ALICE.slice(3) },
      { signature: ALICE.slice(0, -2) },
      // Trailing bytes after a genuine digest (node's hex decoding would have stopped before them).
      { signature: ALICE + 'zz' },
      { signature: ALICE + '00' },
      { signature: 'v1=' + 'g'.repeat(64) },
    ];
    for (const change of refused) expect(verifyWebhook(hmac, { ...input, ...change }), JSON.stringify(change)).toBe(false);
  });
});
