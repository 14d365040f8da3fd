/** The gateway's WebSocket endpoint, relative to its origin (see docs/PROTOCOL.md). */
import { SOCKET_PATH } from '@channel-gateway/protocol';

export { SOCKET_PATH };

/**
 * The socket endpoint on the same origin as `pageOrScriptUrl` (http→ws, https→wss), or undefined
 * when that URL is not an http(s) one. Only the origin counts: the jsapi script lives at
 * `/_ah/channel/jsapi`, the socket at `/v1/socket`.
 */
export function socketUrlFor(pageOrScriptUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(pageOrScriptUrl);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  return `${url.protocol === 'https:' ? 'wss:' : 'ws:'}//${url.host}${SOCKET_PATH}`;
}

/** The socket endpoint on the page's own origin, when there is a page (not in Node). */
export function socketUrlFromLocation(): string | undefined {
  return typeof location === 'undefined' ? undefined : socketUrlFor(location.href);
}
