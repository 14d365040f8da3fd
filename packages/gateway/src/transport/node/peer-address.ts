import type { Socket } from 'node:net';

/** The peer's IP as text, IPv4 without the `::ffff:` of a dual-stack socket (as uWS reports it). */
export function peerAddress(socket: Socket): string {
  const address = socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
