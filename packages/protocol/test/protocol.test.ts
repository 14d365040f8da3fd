import { describe, expect, it } from 'vitest';
import {
  CloseCode,
  allCloseCodes,
  clientIdProblem,
  describeCloseCode,
  encodeMessageFrame,
  encodeServerFrame,
  messageProblem,
  parseClientFrame,
  parseServerFrame,
  redisKeys,
  utf8ByteLength,
} from '../src/index.js';

describe('limits', () => {
  it('counts UTF-8 bytes, not characters', () => {
    expect(utf8ByteLength('abc')).toBe(3);
    expect(utf8ByteLength('é')).toBe(2);
    expect(utf8ByteLength('🎉')).toBe(4);
  });
  it('accepts 256-byte client IDs and refuses empty, longer, control characters and lone surrogates', () => {
    expect(clientIdProblem('x'.repeat(256))).toBeUndefined();
    expect(clientIdProblem('é'.repeat(128))).toBeUndefined();
    for (const bad of ['', 'x'.repeat(257), 'é'.repeat(128) + 'x', 'a\nb', 'a\u0085b', '\ud800']) expect(clientIdProblem(bad)).toBeDefined();
  });
  it('accepts messages up to 32,767 bytes, including the empty one', () => {
    expect(messageProblem('')).toBeUndefined();
    expect(messageProblem('x'.repeat(32_767))).toBeUndefined();
    expect(messageProblem('x'.repeat(32_768))).toBeDefined();
    expect(messageProblem('a\udc00')).toBeDefined();
  });
});

describe('frames', () => {
  it('parses the frames a client may send, and nothing else', () => {
    expect(parseClientFrame('{"type":"ping"}')).toEqual({ type: 'ping' });
    expect(parseClientFrame('{"type":"hello","token":"t"}')).toEqual({ type: 'hello', token: 't' });
    expect(parseClientFrame('{"type":"hello","token":"t","resume":{"epoch":"e","seq":3}}')).toEqual({
      type: 'hello',
      token: 't',
      resume: { epoch: 'e', seq: 3 },
    });
    for (const bad of [
      '',
      'null',
      '[]',
      '{"type":"hello"}',
      '{"type":"hello","token":""}',
      `{"type":"hello","token":"${'x'.repeat(513)}"}`,
      '{"type":"hello","token":"t","resume":{"epoch":"e","seq":1.5}}',
      '{"type":"hello","token":"t","resume":{"seq":1}}',
      '{"type":"msg"}',
    ]) {
      expect(parseClientFrame(bad)).toBeUndefined();
    }
  });
  it('parses a refresh frame with a token, and refuses one without a usable token', () => {
    expect(parseClientFrame('{"type":"refresh","token":"t"}')).toEqual({ type: 'refresh', token: 't' });
    // Only the token is kept: a resume position means nothing on a live socket.
    expect(parseClientFrame('{"type":"refresh","token":"t","resume":{"epoch":"e","seq":3}}')).toEqual({ type: 'refresh', token: 't' });
    for (const bad of [
      '{"type":"refresh"}',
      '{"type":"refresh","token":""}',
      '{"type":"refresh","token":7}',
      `{"type":"refresh","token":"${'x'.repeat(513)}"}`,
      '{"type":"refreshed","token":"t"}',
    ]) {
      expect(parseClientFrame(bad)).toBeUndefined();
    }
  });
  it('parses the refresh answers a gateway sends, and refuses malformed ones', () => {
    expect(parseServerFrame('{"type":"refreshed","expiresAt":1700000000000,"serverTime":1699999990000}')).toEqual({
      type: 'refreshed',
      expiresAt: 1700000000000,
      serverTime: 1699999990000,
    });
    for (const reason of ['invalid_token', 'expired', 'other_client', 'unavailable']) {
      expect(parseServerFrame(JSON.stringify({ type: 'refresh-refused', reason }))).toEqual({ type: 'refresh-refused', reason });
    }
    for (const bad of [
      '{"type":"refreshed"}',
      '{"type":"refreshed","expiresAt":"soon"}',
      '{"type":"refreshed","expiresAt":1.5}',
      '{"type":"refresh-refused"}',
      '{"type":"refresh-refused","reason":"nope"}',
    ]) {
      expect(parseServerFrame(bad)).toBeUndefined();
    }
    const open = { type: 'open', clientId: 'c', epoch: 'e', expiresAt: 2, connectionId: 'a1b2c3.0', serverTime: 1 };
    expect(parseServerFrame(JSON.stringify(open))).toEqual(open);
  });
  it('encodes message frames that parse back to the exact string', () => {
    for (const data of ['', 'plain', 'quote " backslash \\ newline \n', '\u2028\u2029', '🎉']) {
      expect(parseServerFrame(encodeMessageFrame(7, data))).toEqual({ type: 'msg', seq: 7, data });
    }
  });
  it('encodes and parses the close frame that ends an HTTP stream, and refuses malformed ones', () => {
    const frame = { type: 'close', code: CloseCode.REPLACED, reason: 'REPLACED' } as const;
    expect(encodeServerFrame(frame)).toBe('{"type":"close","code":4003,"reason":"REPLACED"}');
    expect(parseServerFrame(encodeServerFrame(frame))).toEqual(frame);
    expect(parseServerFrame('{"type":"close","code":4001,"reason":"INVALID_TOKEN","extra":1}')).toEqual({ type: 'close', code: 4001, reason: 'INVALID_TOKEN' });
    for (const bad of [
      '{"type":"close"}',
      '{"type":"close","code":"4003","reason":""}',
      '{"type":"close","code":999,"reason":""}',
      '{"type":"close","code":5000,"reason":""}',
      '{"type":"close","code":4003.5,"reason":""}',
      '{"type":"close","code":4003}',
      `{"type":"close","code":4003,"reason":"${'x'.repeat(124)}"}`,
    ]) {
      expect(parseServerFrame(bad)).toBeUndefined();
    }
  });
});

describe('close codes', () => {
  it('gives every code a reconnect rule and GAE errors for token problems', () => {
    expect(describeCloseCode(CloseCode.INVALID_TOKEN)).toMatchObject({ reconnect: 'terminal', error: { code: 401, description: 'Invalid+token.' } });
    expect(describeCloseCode(CloseCode.TOKEN_EXPIRED)).toMatchObject({ reconnect: 'terminal', error: { code: 401, description: 'Token+timed+out.' } });
    expect(describeCloseCode(CloseCode.REPLACED)).toMatchObject({ reconnect: 'terminal' });
    expect(describeCloseCode(CloseCode.REPLACED).error).toBeUndefined();
    expect(describeCloseCode(CloseCode.DRAINING).reconnect).toBe('now');
    expect(describeCloseCode(4999)).toMatchObject({ name: 'UNKNOWN', reconnect: 'backoff' });
    expect(new Set(allCloseCodes().map((info) => info.code)).size).toBe(Object.keys(CloseCode).length);
  });
});

describe('Redis keys', () => {
  it('keeps one client’s keys in one hash slot, even with braces in the ID', () => {
    const keys = redisKeys('cg:');
    const tag = (key: string) => key.slice(key.indexOf('{') + 1, key.indexOf('}'));
    for (const id of ['alice', 'a}b', '{x}', '}']) {
      expect(tag(keys.channel(id))).toBe(tag(keys.buffer(id)));
      expect(tag(keys.channel(id)).length).toBeGreaterThan(0);
    }
    expect(keys.channel('a}b')).not.toBe(keys.channel('a{b'));
    expect(() => redisKeys('bad{')).toThrow();
  });
});
