import { describe, expect, it } from 'vitest';
import { socketUrlFor } from '../src/index.js';

describe('socketUrlFor', () => {
  it('maps http to ws and https to wss on the same host and port', () => {
    expect(socketUrlFor('https://gateway.example/_ah/channel/jsapi')).toBe('wss://gateway.example/v1/socket');
    expect(socketUrlFor('http://localhost:8080/some/page?x=1#y')).toBe('ws://localhost:8080/v1/socket');
  });

  it('gives up on URLs that are not http(s)', () => {
    expect(socketUrlFor('file:///tmp/index.html')).toBeUndefined();
    expect(socketUrlFor('not a url')).toBeUndefined();
  });
});
