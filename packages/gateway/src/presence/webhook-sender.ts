/**
 * Delivers one presence webhook the way GAE did: a form-encoded POST of `from=<clientId>` to
 * `<app url>/_ah/channel/connected/` or `/_ah/channel/disconnected/` (trailing slash included), signed.
 */
import type { WebhookJob } from './webhook-outbox.js';
import { signWebhook } from './webhook-signature.js';

export interface WebhookTarget {
  url: string;
  secret: string;
  timeoutMs: number;
}

/** Resolves true when the app answered 2xx; false for any other answer, a timeout or a network error. */
export async function sendWebhook(target: WebhookTarget, job: WebhookJob, now: number): Promise<boolean> {
  const body = new URLSearchParams({ from: job.clientId }).toString();
  try {
    const response = await fetch(`${target.url}/_ah/channel/${job.event}/`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'X-Channel-Event': job.event,
        'X-Channel-Event-Id': job.id,
        'X-Channel-Event-Time': String(job.firstAt),
        'X-Channel-Timestamp': String(now),
        'X-Channel-Signature': signWebhook(target.secret, now, body),
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(target.timeoutMs),
    });
    await response.body?.cancel();
    return response.status >= 200 && response.status < 300;
  } catch {
    return false;
  }
}
