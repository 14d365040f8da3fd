/**
 * The transport: one JSON request to the gateway (one attempt), with the API key, a deadline, an optional
 * AbortSignal, and every failure turned into a ChannelGatewayError. Retries are retry.ts's business. Kept
 * apart from the client class so the methods only say what they send and what they expect back.
 */
import type { ApiErrorBody } from '@channel-gateway/protocol';
import { ChannelGatewayError, type ChannelGatewayErrorCode } from './errors.js';

export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

export interface Transport {
  /** Base URL without a trailing slash; paths are appended to it, so a path prefix is kept. */
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  fetch: FetchFunction;
}

export interface Answer {
  status: number;
  /** Parsed JSON body; undefined when the body is empty (204) or when a tolerated 404 came back. */
  body: unknown;
}

export interface RequestOptions {
  /**
   * Return the API's own 404 `not_found` answer instead of throwing, for calls where "no such channel"
   * is a normal outcome. Only a 404 carrying the API's error body counts: a bare 404 from a proxy or a
   * wrong `baseUrl` still throws, so a misconfiguration does not read as "every channel is gone".
   */
  tolerateNotFound?: boolean;
  /** This attempt's deadline; default `transport.timeoutMs`. */
  timeoutMs?: number;
  /** Aborts the attempt: it rejects with code `aborted`. */
  signal?: AbortSignal | undefined;
  headers?: Record<string, string>;
}

export async function request(transport: Transport, method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<Answer> {
  const what = `${method} ${path}`;
  const headers: Record<string, string> = {
    authorization: `Bearer ${transport.apiKey}`,
    accept: 'application/json',
    ...options.headers,
  };
  const timeoutMs = options.timeoutMs ?? transport.timeoutMs;
  const init: RequestInit = { method, headers };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }

  const controller = new AbortController();
  init.signal = controller.signal;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  // The deadline covers reading the body too, and wins even against a fetch that ignores the signal.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(
        new ChannelGatewayError(`${what} timed out after ${timeoutMs} ms (it may still have been processed)`, {
          code: 'timeout',
        }),
      );
    }, timeoutMs);
    const signal = options.signal;
    if (signal) {
      onAbort = () => {
        controller.abort();
        reject(abortedError(what));
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    }
  });
  const exchange = (async () => {
    let response: Response;
    let text: string;
    try {
      response = await transport.fetch(transport.baseUrl + path, init);
      text = await response.text();
    } catch (error) {
      throw new ChannelGatewayError(`${what} failed: ${describe(error)}`, { code: 'network', cause: error });
    }
    return { response, text };
  })();
  // Once the deadline has won, the aborted exchange rejects later; nobody waits for it any more.
  exchange.catch(() => undefined);

  let response: Response;
  let text: string;
  try {
    ({ response, text } = await Promise.race([exchange, deadline]));
  } finally {
    clearTimeout(timer);
    if (onAbort) options.signal?.removeEventListener('abort', onAbort);
  }

  const status = response.status;
  const parsed = parseJson(text);
  if (status >= 200 && status < 300) {
    if (text.length > 0 && parsed === undefined) {
      throw new ChannelGatewayError(`${what} answered ${status} with a body that is not JSON`, {
        code: 'invalid_response',
        status,
      });
    }
    return { status, body: parsed };
  }

  const apiError = asApiError(parsed);
  if (apiError !== undefined) {
    if (options.tolerateNotFound === true && status === 404 && apiError.code === 'not_found') {
      return { status, body: undefined };
    }
    const field = apiError.field === undefined ? '' : ` [${apiError.field}]`;
    throw new ChannelGatewayError(`${what} refused (${status} ${apiError.code}${field}): ${apiError.message}`, {
      code: apiError.code,
      status,
      field: apiError.field,
    });
  }
  // No API error body: something in between (a proxy, a load balancer) answered, or baseUrl is wrong.
  const statusText = response.statusText === '' ? '' : ` ${response.statusText}`;
  throw new ChannelGatewayError(`${what} answered ${status}${statusText} without an API error body (is baseUrl right?)`, {
    code: codeForStatus(status),
    status,
  });
}

/** The caller's AbortSignal fired: the request may still have been processed. */
export function abortedError(what: string): ChannelGatewayError {
  return new ChannelGatewayError(`${what} was aborted by the caller (it may still have been processed)`, { code: 'aborted' });
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The `error` object of an `{"error":{"code","message","field"?}}` body, or undefined if it is not one. */
function asApiError(body: unknown): ApiErrorBody['error'] | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as Record<string, unknown>)['error'];
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message, field } = error as Record<string, unknown>;
  if (typeof code !== 'string' || typeof message !== 'string') return undefined;
  // The code is kept as sent even if this SDK does not know it (a newer gateway may add codes).
  return {
    code: code as ApiErrorBody['error']['code'],
    message,
    ...(typeof field === 'string' ? { field } : {}),
  };
}

/** A code for answers without an API error body, so callers can still branch on `code`. */
function codeForStatus(status: number): ChannelGatewayErrorCode {
  switch (status) {
    case 401:
      return 'unauthorized';
    case 404:
      return 'not_found';
    case 405:
      return 'method_not_allowed';
    case 413:
      return 'payload_too_large';
    case 415:
      return 'unsupported_media_type';
    case 502:
    case 503:
    case 504:
      return 'unavailable';
    default:
      return status >= 500 ? 'internal' : `http_${status}`;
  }
}

/** fetch implementations hide the useful part (ECONNREFUSED, ENOTFOUND) in `cause`. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  if (cause instanceof Error && cause.message !== '' && cause.message !== error.message) {
    return `${error.message} (${cause.message})`;
  }
  return error.message;
}
