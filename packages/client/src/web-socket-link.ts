import { CloseCode, parseServerFrame, type PingFrame } from '@channel-gateway/protocol';
import type { Link, LinkEvents } from './link.js';
import { PendingRefresh } from './token-refresh.js';
import type { WebSocketConstructor, WebSocketLike } from './web-socket.js';

const PING = JSON.stringify({ type: 'ping' } satisfies PingFrame);

const ignore = (): void => {};

/** A link over one WebSocket to `url`: the hello goes as the first frame once the socket opens. */
export function openWebSocketLink(WebSocketClass: WebSocketConstructor, url: string, hello: string, events: LinkEvents): Link {
  const ws = new WebSocketClass(url);
  let live = true;
  const pendingRefresh = new PendingRefresh();
  ws.onopen = () => {
    if (!live) return;
    ws.send(hello);
    events.ready();
  };
  ws.onmessage = (event) => {
    if (!live) return;
    // Any frame at all shows the connection is alive.
    events.heard();
    const frame = typeof event.data === 'string' ? parseServerFrame(event.data) : undefined;
    if (!frame) return;
    if (frame.type === 'refreshed' || frame.type === 'refresh-refused') {
      const accepted = pendingRefresh.answered(frame);
      if (accepted !== undefined && frame.type === 'refreshed') events.refreshed(accepted, frame.expiresAt, frame.serverTime);
    }
    // A close frame belongs to streams; a WebSocket's close code comes with its close event.
    else if (frame.type !== 'close') events.frame(frame);
  };
  ws.onclose = (event) => {
    if (!live) return;
    live = false;
    pendingRefresh.fail();
    events.closed(event.code);
  };
  // A close event always follows an error, and the close code is what decides.
  ws.onerror = ignore;
  return {
    transport: 'websocket',
    pings: true,
    ping: () => {
      if (!live) return false;
      try {
        ws.send(PING);
        return true;
      } catch {
        // Not open any more: its close event is on the way and decides what happens next.
        return false;
      }
    },
    refresh: (token) => (live ? pendingRefresh.start(token, (frame) => ws.send(frame)) : Promise.resolve({ kind: 'failed' })),
    close: () => {
      live = false;
      pendingRefresh.fail();
      discard(ws);
    },
  };
}

/** Detaches the client's handlers from a WebSocket it no longer uses and closes it. */
function discard(ws: WebSocketLike): void {
  ws.onopen = ws.onmessage = ws.onclose = null;
  // Not null: ws (Node) throws on an 'error' event nobody listens to, e.g. closing mid-handshake.
  ws.onerror = ignore;
  try {
    ws.close(CloseCode.NORMAL);
  } catch {
    // Already closing; nothing left to do.
  }
}
