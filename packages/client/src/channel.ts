import type { SocketHandler } from './handlers.js';
import { resolveSettings, type ChannelOptions, type ConnectionSettings } from './options.js';
import { Socket } from './socket.js';

/**
 * GAE's `goog.appengine.Channel`: holds a token from the backend's `POST /v1/channels`.
 * `open()` may be called again after a socket has closed, as long as the token is still valid.
 */
export class Channel {
  private readonly token: string;
  private readonly settings: ConnectionSettings;

  constructor(token: string, options: ChannelOptions = {}) {
    // GAE apps are plain JS; a non-string token should reach the gateway and be refused there, not crash here.
    this.token = String(token);
    this.settings = resolveSettings(options);
  }

  open(handler?: SocketHandler): Socket {
    return new Socket(this.token, this.settings, handler);
  }
}
