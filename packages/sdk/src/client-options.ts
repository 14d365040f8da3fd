/**
 * The client's options, checked once in the constructor with defaults applied, so a mistake fails there
 * and not at the first call.
 */
import { MAX_BATCH_MESSAGES } from '@channel-gateway/protocol';
import { invalidField } from './errors.js';
import type { FetchFunction, Transport } from './http.js';
import type { RetryPolicy } from './retry.js';
import type { BatchingOptions } from './send-batcher.js';

export interface ChannelGatewayClientOptions {
  /** Where the gateway (or its load balancer) listens, e.g. `https://gateway.example`. A path prefix is kept. */
  baseUrl: string | URL;
  /** One of the keys in the gateway's `CG_API_KEYS`. */
  apiKey: string;
  /** Deadline for each attempt, including reading the answer. @default 10000 */
  timeoutMs?: number;
  /** Deadline for a whole call, retries included (each call may override it). @default 30000 */
  deadlineMs?: number;
  /**
   * Retries of network errors, timeouts and 502/503/504, with jittered exponential pauses, inside the
   * deadline. `false`: one attempt only. @default { baseDelayMs: 100, maxDelayMs: 2000 }
   */
  retry?: false | { baseDelayMs?: number; maxDelayMs?: number };
  /**
   * Coalescing of concurrent sends into batch requests. `false`: every sendMessage is its own request on
   * `POST /v1/channels/{clientId}/messages`. @default { maxBatch: 1000, maxInFlight: 2, lingerMs: 0 }
   */
  batching?: false | { maxBatch?: number; maxInFlight?: number; lingerMs?: number };
  /** A fetch implementation to use instead of the global one (proxies, instrumentation, tests). */
  fetch?: FetchFunction;
}

/** Per call: a deadline of its own and an AbortSignal. */
export interface CallOptions {
  /** This call's deadline, retries included (default: the client's `deadlineMs`). */
  deadlineMs?: number;
  /** Aborts the call (and its retries): it rejects with code `aborted`; a send may still have gone out. */
  signal?: AbortSignal;
}

export interface SendOptions extends CallOptions {
  /** The send's idempotency key (1…256 visible ASCII characters); the SDK generates one when absent. */
  idempotencyKey?: string;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_DEADLINE_MS = 30_000;
/** setTimeout fires at once for delays past a signed 32-bit millisecond count. */
const MAX_TIMEOUT_MS = 2_147_483_647;

export interface ResolvedOptions {
  transport: Transport;
  deadlineMs: number;
  retry: RetryPolicy;
  batching: BatchingOptions | undefined;
}

export function resolveOptions(options: ChannelGatewayClientOptions): ResolvedOptions {
  const timeoutMs = checkMilliseconds(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, 'timeoutMs', 1);
  const deadlineMs = checkMilliseconds(options.deadlineMs ?? DEFAULT_DEADLINE_MS, 'deadlineMs', 1);
  // Resolve the global fetch per call rather than once, so it can be swapped (or polyfilled) later.
  const fetchFunction: FetchFunction = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  if (typeof fetchFunction !== 'function') throw invalidField('fetch', 'must be a function');
  const retry = options.retry ?? {};
  const batching = options.batching ?? {};
  return {
    transport: { baseUrl: normaliseBaseUrl(options.baseUrl), apiKey: checkApiKey(options.apiKey), timeoutMs, fetch: fetchFunction },
    deadlineMs,
    retry: {
      enabled: retry !== false,
      baseDelayMs: retry === false ? 0 : checkMilliseconds(retry.baseDelayMs ?? 100, 'retry.baseDelayMs', 0),
      maxDelayMs: retry === false ? 0 : checkMilliseconds(retry.maxDelayMs ?? 2_000, 'retry.maxDelayMs', 0),
      attemptTimeoutMs: timeoutMs,
    },
    batching:
      batching === false
        ? undefined
        : {
            maxBatch: checkCount(batching.maxBatch ?? MAX_BATCH_MESSAGES, 'batching.maxBatch', MAX_BATCH_MESSAGES),
            maxInFlight: checkCount(batching.maxInFlight ?? 2, 'batching.maxInFlight', 1_000),
            lingerMs: checkMilliseconds(batching.lingerMs ?? 0, 'batching.lingerMs', 0),
          },
  };
}

export function checkMilliseconds(value: unknown, field: string, min: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > MAX_TIMEOUT_MS) {
    throw invalidField(field, `must be a number of milliseconds from ${min} to ${MAX_TIMEOUT_MS}`);
  }
  return value;
}

function checkCount(value: unknown, field: string, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) throw invalidField(field, `must be an integer from 1 to ${max}`);
  return value;
}

function normaliseBaseUrl(baseUrl: unknown): string {
  let url: URL;
  try {
    url = new URL(baseUrl instanceof URL ? baseUrl.href : String(baseUrl));
  } catch {
    throw invalidField('baseUrl', 'must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalidField('baseUrl', 'must be an absolute http(s) URL');
  if (url.search !== '' || url.hash !== '') throw invalidField('baseUrl', 'must not have a query or fragment');
  // API keys travel in a header; credentials in the URL would be a second, conflicting way to authenticate.
  if (url.username !== '' || url.password !== '') throw invalidField('baseUrl', 'must not contain credentials');
  return url.href.replace(/\/+$/, '');
}

function checkApiKey(apiKey: unknown): string {
  // A header value with spaces or control characters would make fetch throw a confusing TypeError later.
  if (typeof apiKey !== 'string' || !/^[\x21-\x7e]+$/.test(apiKey)) {
    throw invalidField('apiKey', 'must be a non-empty string of visible ASCII characters');
  }
  return apiKey;
}
