/**
 * Delivers one presence webhook the way GAE did: a POST of the form field `from=<clientId>` to
 * `<app url>/_ah/channel/connected/` or `/_ah/channel/disconnected/` (trailing slash included), signed.
 * The body is form-urlencoded (GAE's dev server) or multipart/form-data (GAE production, the only format
 * its Java `parsePresence` read), as CG_WEBHOOK_BODY_FORMAT says.
 */
import { randomBytes } from 'node:crypto';
import type { WebhookBodyFormat } from '../config.js';
import type { WebhookJob } from './webhook-outbox.js';
import { signWebhook } from './webhook-signature.js';

export interface WebhookTarget {
  url: string;
  secret: string;
  timeoutMs: number;
  /** @default 'urlencoded' */
  bodyFormat?: WebhookBodyFormat;
}

interface FormBody {
  contentType: string;
  /** Sent as its UTF-8 bytes, which are also what is signed. */
  text: string;
}

function formBody(format: WebhookBodyFormat, clientId: string): FormBody {
  if (format === 'urlencoded') {
    return { contentType: 'application/x-www-form-urlencoded', text: new URLSearchParams({ from: clientId }).toString() };
  }
  // RFC 7578. A random boundary cannot occur in a client ID by chance, but an ID is the app's input: check.
  let boundary: string;
  do boundary = `cg-${randomBytes(16).toString('hex')}`;
  while (clientId.includes(boundary));
  const text =
    `--${boundary}\r\n` +
    'Content-Disposition: form-data; name="from"\r\n' +
    'Content-Type: text/plain; charset=UTF-8\r\n' +
    '\r\n' +
    `${clientId}\r\n` +
    `--${boundary}--\r\n`;
  return { contentType: `multipart/form-data; boundary=${boundary}`, text };
}

/** What one attempt came to: delivered on a 2xx; otherwise the status, or the error (timeout, refused…). */
export interface WebhookAttempt {
  delivered: boolean;
  status?: number;
  error?: string;
}

export async function sendWebhook(target: WebhookTarget, job: WebhookJob, now: number): Promise<WebhookAttempt> {
  const body = formBody(target.bodyFormat ?? 'urlencoded', job.clientId);
  try {
    const response = await fetch(`${target.url}/_ah/channel/${job.event}/`, {
      method: 'POST',
      headers: {
        'Content-Type': body.contentType,
        'X-Channel-Event': job.event,
        'X-Channel-Event-Id': job.id,
        'X-Channel-Event-Time': String(job.firstAt),
        'X-Channel-Timestamp': String(now),
        'X-Channel-Signature': signWebhook(target.secret, now, body.text),
      },
      body: body.text,
      redirect: 'manual',
      signal: AbortSignal.timeout(target.timeoutMs),
    });
    await response.body?.cancel();
    return { delivered: response.status >= 200 && response.status < 300, status: response.status };
  } catch (error) {
    const cause = (error as Error).cause;
    return { delivered: false, error: cause instanceof Error ? cause.message : (error as Error).message };
  }
}
