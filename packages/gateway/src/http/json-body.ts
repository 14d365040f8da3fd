import { ApiErrorCode } from '@channel-gateway/protocol';
import { HttpApiError } from './api-error.js';

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i;

/** Parses a JSON request body; refuses other media types. `optional`: an empty body means `{}`. */
export function parseJsonBody(contentType: string, text: string, optional = false): unknown {
  if (optional && text.trim() === '') return {};
  if (!JSON_MEDIA_TYPE.test(contentType)) {
    throw new HttpApiError(415, ApiErrorCode.UNSUPPORTED_MEDIA_TYPE, 'send the body as Content-Type: application/json');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpApiError(400, ApiErrorCode.INVALID_JSON, 'the body is not valid JSON', 'body');
  }
}
