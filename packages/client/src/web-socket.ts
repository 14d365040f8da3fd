/**
 * The slice of the WebSocket API the client uses. Both the browser's `WebSocket` and Node's `ws`
 * class fit it, so tests (and non-browser apps) can pass their own implementation.
 */

// Declared as a method so the slot type is bivariant: the browser's and ws's listeners take richer
// event types than the fields we read, and a plain function type would reject them.
type Listener<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

export interface WebSocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: Listener<unknown> | null;
  onmessage: Listener<{ readonly data: unknown }> | null;
  onclose: Listener<{ readonly code: number }> | null;
  onerror: Listener<unknown> | null;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;
