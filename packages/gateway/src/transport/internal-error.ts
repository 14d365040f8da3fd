/** What every transport answers when a handler throws: a plain 500 (the error itself is logged, never sent). */
export const INTERNAL_ERROR_BODY = JSON.stringify({ error: { code: 'internal', message: 'internal error' } });
export const JSON_HEADERS: ReadonlyArray<readonly [string, string]> = [['content-type', 'application/json']];

/** Options every transport takes. */
export interface TransportOptions {
  /** A handler threw: log it (the transport has already answered 500 or closed the socket). */
  onError(error: unknown, where: string): void;
}
