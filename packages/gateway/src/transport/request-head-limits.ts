/**
 * Limits on a request's head, the same on every transport (issue 12.2/12.8): too many headers or too many
 * header bytes answer 431, a repeated Content-Length 400 (two lengths are a request-smuggling vector:
 * uWS silently took the first). The header count sits below the uWS fork's own parser limit (about 50,
 * past which it neither answers nor closes), so clients get a 431 instead of silence.
 */
export const MAX_REQUEST_HEADERS = 40;
export const MAX_REQUEST_HEADER_BYTES = 16 * 1024;

export interface HeadProblem {
  status: 400 | 431;
  body: string;
}

const problem = (status: 400 | 431, code: string, message: string): HeadProblem => ({ status, body: JSON.stringify({ error: { code, message } }) });
const TOO_MANY = problem(431, 'invalid_field', `more than ${MAX_REQUEST_HEADERS} request headers`);
const TOO_LARGE = problem(431, 'invalid_field', `request headers over ${MAX_REQUEST_HEADER_BYTES} bytes`);
const DUPLICATE_LENGTH = problem(400, 'invalid_field', 'more than one Content-Length');

/** What is wrong with a request head, or undefined. `forEachHeader` visits every header (names in lower case). */
export function requestHeadProblem(forEachHeader: (visit: (name: string, value: string) => void) => void): HeadProblem | undefined {
  let count = 0;
  let bytes = 0;
  let lengths = 0;
  forEachHeader((name, value) => {
    count++;
    bytes += name.length + value.length + 4;
    if (name === 'content-length') lengths++;
  });
  if (count > MAX_REQUEST_HEADERS) return TOO_MANY;
  if (bytes > MAX_REQUEST_HEADER_BYTES) return TOO_LARGE;
  if (lengths > 1) return DUPLICATE_LENGTH;
  return undefined;
}
