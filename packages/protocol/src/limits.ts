/**
 * Limits that the gateway enforces and that clients and SDKs may check before sending.
 * The values follow GAE's Channel API where GAE stated one (see shared/spec/GAE.md).
 */

/** A client ID is 1…256 bytes of UTF-8 with no control characters (GAE: 256 bytes). */
export const MAX_CLIENT_ID_BYTES = 256;

/** A message is at most 32,767 bytes of UTF-8 (GAE's `send_message` limit). */
export const MAX_MESSAGE_BYTES = 32_767;

/** Channel lifetime in whole minutes, as GAE's `duration_minutes`. */
export const MIN_DURATION_MINUTES = 1;
export const MAX_DURATION_MINUTES = 1_440;
export const DEFAULT_DURATION_MINUTES = 120;

/** Most recipients in one `POST /v1/messages`. */
export const MAX_BATCH_MESSAGES = 1_000;

/** Default cap on one inbound WebSocket frame: clients only say hello and ping. */
export const DEFAULT_MAX_INBOUND_FRAME_BYTES = 4_096;

/** An idempotency key (`Idempotency-Key` header, `idempotencyKey` batch field): 1…256 visible ASCII characters. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 256;

const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
const utf8 = new TextEncoder();

/** Byte length of a string once encoded as UTF-8. */
export function utf8ByteLength(text: string): number {
  // Fast path: pure ASCII strings are one byte per UTF-16 unit.
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  return ascii ? text.length : utf8.encode(text).length;
}

/** Why a client ID is refused, or undefined when it is acceptable. */
export function clientIdProblem(clientId: string): string | undefined {
  if (clientId.length === 0) return 'must not be empty';
  if (utf8ByteLength(clientId) > MAX_CLIENT_ID_BYTES) return `must be at most ${MAX_CLIENT_ID_BYTES} bytes of UTF-8`;
  if (CONTROL_CHARACTERS.test(clientId)) return 'must not contain control characters';
  if (!isWellFormedUtf16(clientId)) return 'must be valid Unicode (no lone surrogates)';
  return undefined;
}

/** Why a message is refused, or undefined when it is acceptable. */
export function messageProblem(message: string): string | undefined {
  if (!isWellFormedUtf16(message)) return 'must be valid Unicode (no lone surrogates)';
  if (utf8ByteLength(message) > MAX_MESSAGE_BYTES) return `must be at most ${MAX_MESSAGE_BYTES} bytes of UTF-8`;
  return undefined;
}

/** Why an idempotency key is refused, or undefined when it is acceptable. */
export function idempotencyKeyProblem(key: string): string | undefined {
  if (key.length === 0) return 'must not be empty';
  if (key.length > MAX_IDEMPOTENCY_KEY_LENGTH) return `must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`;
  // Visible ASCII only: it travels in a header, where spaces at either end would be trimmed away.
  if (!/^[\x21-\x7e]+$/.test(key)) return 'must be visible ASCII characters (no spaces or control characters)';
  return undefined;
}

/** Lone surrogates cannot be encoded as UTF-8, so they would not arrive byte for byte. */
function isWellFormedUtf16(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    if (unit > 0xdbff) return false;
    const next = text.charCodeAt(i + 1);
    if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
    i++;
  }
  return true;
}
