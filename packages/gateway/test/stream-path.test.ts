/**
 * The HTTP stream (`POST /v1/stream`) end to end on one in-process node with Redis stores, on each
 * transport: the same frames, seqs, gaps, replay, resume, ownership and close codes as a WebSocket.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloseCode, type ServerFrame } from '@channel-gateway/protocol';
import { TestStream } from '../../../test/support/sse-client.js';
import { startTestGateway, type TestGateway } from './support/in-process-gateway.js';
import { TestSocket } from './support/test-socket.js';
import { TEST_TRANSPORTS } from './support/transports.js';

/** A frame with what differs between two clients (ID, epoch, expiry, connection ID, server time) blanked. */
const shape = (frame: ServerFrame) => (frame.type === 'open' ? { ...frame, clientId: '', epoch: '', expiresAt: 0, connectionId: '', serverTime: 0 } : frame);

describe.each(TEST_TRANSPORTS)('HTTP stream path (%s transport)', (transport) => {
  let gateway: TestGateway;
  beforeEach(async () => (gateway = await startTestGateway('redis', { transport })));
  afterEach(async () => gateway.stop());

  it('answers an SSE stream that carries exactly the frames a WebSocket gets, heartbeat first', async () => {
    const viaSocket = await gateway.createChannel();
    const viaStream = await gateway.createChannel();
    const socket = await TestSocket.open(gateway.wsUrl, viaSocket.token);
    const stream = await TestStream.open(gateway.httpUrl, viaStream.token);
    expect(stream.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(stream.response.headers.get('cache-control')).toBe('no-cache, no-store, no-transform');
    expect(stream.response.headers.get('x-accel-buffering')).toBe('no');
    expect(stream.response.headers.get('content-length')).toBeNull();
    expect(stream.heartbeats).toBeGreaterThanOrEqual(1);
    expect(stream.frames[0]).toMatchObject({ type: 'open', clientId: viaStream.clientId, expiresAt: Date.parse(viaStream.expiresAt) });
    const texts = ['hello', '', 'ünïcödé ✓ 🎉', '{"json":"inside"}', 'line\nbreak\r\n\n\u2028', 'data: not a field'];
    for (const text of texts) {
      expect(await gateway.send(viaSocket.clientId, text)).toBe('routed');
      expect(await gateway.send(viaStream.clientId, text)).toBe('routed');
    }
    expect(await stream.waitForMessages(texts.length)).toEqual(texts);
    await socket.waitForMessages(texts.length);
    expect(stream.frames.map(shape)).toEqual(socket.frames.map(shape));
    const info = await gateway.api('GET', `/v1/channels/${viaStream.clientId}`);
    expect(info.body).toMatchObject({ connected: true, node: gateway.node.config.nodeId });
    socket.close();
    stream.close();
  });

  it('delivers queued messages when the stream opens, and resumes from a position with no gap and no duplicate', async () => {
    const { clientId, token } = await gateway.createChannel();
    expect(await gateway.send(clientId, 'first')).toBe('queued');
    expect(await gateway.send(clientId, 'second')).toBe('queued');
    const stream = await TestStream.open(gateway.httpUrl, token);
    expect(await stream.waitForMessages(2)).toEqual(['first', 'second']);
    expect(stream.frames.filter((frame) => frame.type === 'msg').map((frame) => frame.type === 'msg' && frame.seq)).toEqual([1, 2]);
    await gateway.send(clientId, 'third');
    await stream.waitForMessages(3);
    const position = { ...stream.position(), seq: 2 }; // as if the third was lost in the drop
    stream.close();
    expect(await stream.closeCode()).toBe(CloseCode.ABNORMAL);
    await gateway.send(clientId, 'fourth');
    const resumed = await TestStream.open(gateway.httpUrl, token, position);
    expect(await resumed.waitForMessages(2)).toEqual(['third', 'fourth']);
    expect(resumed.frames.some((frame) => frame.type === 'gap')).toBe(false);
    resumed.close();
  });

  it('tells a resuming stream about a gap it cannot replay, as a WebSocket is told', async () => {
    await gateway.stop();
    gateway = await startTestGateway('redis', { transport, buffer: { maxMessages: 2, maxBytes: 1_000_000, ttlSeconds: 300 } });
    const { clientId, token } = await gateway.createChannel();
    const stream = await TestStream.open(gateway.httpUrl, token);
    const position = stream.position();
    stream.close();
    await stream.closed;
    for (const text of ['1', '2', '3', '4']) await gateway.send(clientId, text);
    const resumed = await TestStream.open(gateway.httpUrl, token, position);
    expect(await resumed.waitForMessages(2)).toEqual(['3', '4']);
    expect(resumed.frames.find((frame) => frame.type === 'gap')).toEqual({ type: 'gap', reason: 'expired', from: 1, to: 2 });
    const other = await TestStream.open(gateway.httpUrl, token, { epoch: 'not-this-one', seq: 3 });
    expect(other.frames.find((frame) => frame.type === 'gap')).toEqual({ type: 'gap', reason: 'epoch' });
    other.close();
  });

  it('lets a stream replace a WebSocket and a WebSocket replace a stream (REPLACED to the older, nothing lost)', async () => {
    const { clientId, token } = await gateway.createChannel();
    const socket = await TestSocket.open(gateway.wsUrl, token);
    await gateway.send(clientId, '1');
    await socket.waitForMessages(1);
    const stream = await TestStream.open(gateway.httpUrl, token, socket.position());
    expect(await socket.closeCode()).toBe(CloseCode.REPLACED);
    await gateway.send(clientId, '2');
    expect(await stream.waitForMessages(1)).toEqual(['2']);
    const back = await TestSocket.open(gateway.wsUrl, token, stream.position());
    expect(await stream.closeCode()).toBe(CloseCode.REPLACED);
    expect(stream.frames.at(-1)).toEqual({ type: 'close', code: CloseCode.REPLACED, reason: 'REPLACED' });
    await gateway.send(clientId, '3');
    expect(await back.waitForMessages(1)).toEqual(['3']);
    // And stream by stream.
    const first = await TestStream.open(gateway.httpUrl, token, back.position());
    expect(await back.closeCode()).toBe(CloseCode.REPLACED);
    const second = await TestStream.open(gateway.httpUrl, token, back.position()); // first got nothing past it
    expect(await first.closeCode()).toBe(CloseCode.REPLACED);
    await gateway.send(clientId, '4');
    expect(await second.waitForMessages(1)).toEqual(['4']);
    expect([...socket.messages(), ...stream.messages(), ...back.messages(), ...first.messages(), ...second.messages()]).toEqual(['1', '2', '3', '4']);
    second.close();
  });

  it('closes with INVALID_TOKEN for an unknown token and for a deleted channel, TOKEN_EXPIRED when the token expires', async () => {
    const unknown = await TestStream.post(gateway.httpUrl, { type: 'hello', token: 'not-a-token' });
    expect(unknown.response.status).toBe(200);
    expect(await unknown.closeCode()).toBe(CloseCode.INVALID_TOKEN);
    expect(unknown.frames).toEqual([{ type: 'close', code: CloseCode.INVALID_TOKEN, reason: 'INVALID_TOKEN' }]);

    const revoked = await gateway.createChannel();
    const stream = await TestStream.open(gateway.httpUrl, revoked.token);
    expect((await gateway.api('DELETE', `/v1/channels/${revoked.clientId}`)).status).toBe(204);
    expect(await stream.closeCode()).toBe(CloseCode.INVALID_TOKEN);

    const expiring = await gateway.createChannel({ durationMinutes: 1 });
    const live = await TestStream.open(gateway.httpUrl, expiring.token);
    gateway.clock.advance(61_000);
    expect(await live.closeCode()).toBe(CloseCode.TOKEN_EXPIRED);
    expect(live.frames.at(-1)).toEqual({ type: 'close', code: CloseCode.TOKEN_EXPIRED, reason: 'TOKEN_EXPIRED' });
    const late = await TestStream.post(gateway.httpUrl, { type: 'hello', token: expiring.token });
    expect(await late.closeCode()).toBe(CloseCode.TOKEN_EXPIRED);
  });
});
