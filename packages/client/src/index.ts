/**
 * Browser client for Channel Gateway, as an ES module. The same API is published as the classic
 * script `goog.appengine.Channel` (see jsapi.ts) for apps written for GAE's Channel API.
 */
export { Channel } from './channel.js';
export { Socket, ReadyState, type ReadyStateValue } from './socket.js';
export type { ChannelError, ChannelGap, ChannelMessage, ConnectionState, SocketHandler, StateChange } from './handlers.js';
export type { BackoffOptions, ChannelOptions, WebSocketRetryOptions } from './options.js';
export type { Transport } from './link.js';
export type { FetchLike } from './stream-link.js';
export type { WebSocketConstructor, WebSocketLike } from './web-socket.js';
export { SOCKET_PATH, STREAM_PATH, socketUrlFor, streamUrlFor } from './socket-url.js';
// So apps can tell why a socket ended without depending on the protocol package themselves.
export { CloseCode, GAE_INVALID_TOKEN, GAE_TOKEN_TIMED_OUT, describeCloseCode, type CloseCodeInfo, type ReconnectRule } from '@channel-gateway/protocol';
