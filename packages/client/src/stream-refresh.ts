import { ApiErrorCode, type RefreshRequest } from '@channel-gateway/protocol';
import type { FetchLike } from './stream-link.js';
import type { RefreshAnswer } from './token-refresh.js';

const FAILED: RefreshAnswer = { kind: 'failed' };

/**
 * A refresh for a stream, which carries nothing from the client: `POST /v1/refresh` (any node; the one
 * that holds the stream applies it and also writes a `refreshed` frame on the stream, which the stream
 * link skips: this answer settles it). text/plain, like the stream's hello, so no CORS preflight.
 *
 *   200 {expiresAt} refreshed · 401 invalid or expired token · 409 not_owner (a token for another client,
 *   or the stream is no longer this client's) · anything else (429, 503, a network error) failed: retried
 */
export async function refreshOverHttp(fetchRefresh: FetchLike, url: string, token: string, connectionId: string | undefined): Promise<RefreshAnswer> {
  if (connectionId === undefined) return FAILED; // an older gateway, without connection IDs, cannot be asked
  let status: number;
  let body: unknown;
  try {
    const response = await fetchRefresh(url, {
      method: 'POST',
      body: JSON.stringify({ token, connectionId } satisfies RefreshRequest),
      headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
      cache: 'no-store',
      credentials: 'omit',
    });
    status = response.status;
    body = await response.json().catch(() => undefined);
  } catch {
    return FAILED;
  }
  const expiresAt = (body as { expiresAt?: unknown } | undefined)?.expiresAt;
  if (status === 200 && typeof expiresAt === 'number' && Number.isFinite(expiresAt)) return { kind: 'refreshed', expiresAt };
  const code = (body as { error?: { code?: unknown } } | undefined)?.error?.code;
  if (status === 401) return { kind: 'refused', reason: code === ApiErrorCode.TOKEN_EXPIRED ? 'expired' : 'invalid_token' };
  if (status === 409) return { kind: 'refused', reason: 'other_client' };
  return FAILED;
}
