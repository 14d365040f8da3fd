/**
 * Entry of the classic script the gateway serves at `/_ah/channel/jsapi`: defines
 * `goog.appengine.Channel` and `goog.appengine.Socket`, so a GAE app only changes its script tag.
 */
import { Channel } from './channel.js';
import type { ChannelOptions } from './options.js';
import { Socket } from './socket.js';
import { socketUrlFor } from './socket-url.js';

// currentScript is only set while this script first runs, so the gateway's address is taken now.
const scriptUrl = scriptSocketUrl();

function scriptSocketUrl(): string | undefined {
  if (typeof document === 'undefined') return undefined;
  const script = document.currentScript;
  return script && 'src' in script && script.src ? socketUrlFor(script.src) : undefined;
}

/** Defaults to the gateway that served this script, which is usually not the page's own origin. */
class ScriptChannel extends Channel {
  constructor(token: string, options: ChannelOptions = {}) {
    super(token, { ...options, url: options.url ?? scriptUrl });
  }
}

interface GoogNamespace {
  appengine?: { Channel?: unknown; Socket?: unknown; [name: string]: unknown };
  [name: string]: unknown;
}

// Other Closure-era scripts may already have put things under goog; add to them rather than replace.
const scope = globalThis as { goog?: GoogNamespace };
const goog = (scope.goog ??= {});
const appengine = (goog.appengine ??= {});
appengine.Channel = ScriptChannel;
appengine.Socket = Socket;
