/** The gateway's endpoints, relative to its origin (see docs/PROTOCOL.md). */
import { SOCKET_PATH, STREAM_PATH } from '@channel-gateway/protocol';

export { SOCKET_PATH, STREAM_PATH };

/** Where a stream's token refresh goes (the gateway's refresh-route.ts). */
export const REFRESH_PATH = '/v1/refresh';

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

const HTTP_SCHEME: Readonly<Record<string, string | undefined>> = { 'ws:': 'http:', 'wss:': 'https:', 'http:': 'http:', 'https:': 'https:' };

/**
 * The stream endpoint beside a socket endpoint: ws→http, wss→https, and `/v1/socket` at the end of the
 * path becomes `/v1/stream` (a gateway mounted under a prefix keeps it). Undefined for a URL that is
 * not ws(s) or http(s).
 */
export function streamUrlFor(socketUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(socketUrl);
  } catch {
    return undefined;
  }
  const scheme = HTTP_SCHEME[url.protocol];
  if (!scheme) return undefined;
  const path = url.pathname.endsWith(SOCKET_PATH) ? url.pathname.slice(0, -SOCKET_PATH.length) + STREAM_PATH : STREAM_PATH;
  return `${scheme}//${url.host}${path}`;
}

/** The refresh endpoint beside a stream endpoint: `/v1/stream` at the end of the path becomes `/v1/refresh`. */
export function refreshUrlFor(streamUrl: string): string {
  const url = new URL(streamUrl);
  const path = url.pathname.endsWith(STREAM_PATH) ? url.pathname.slice(0, -STREAM_PATH.length) + REFRESH_PATH : REFRESH_PATH;
  return `${url.protocol}//${url.host}${path}`;
}
