/**
 * Delivers one presence webhook the way GAE did: a POST of the form field `from=<clientId>` to
 * `<app url>/_ah/channel/connected/` or `/_ah/channel/disconnected/` (trailing slash included), signed.
 * The body is form-urlencoded (GAE's dev server) or multipart/form-data (GAE production, the only format
 * its Java `parsePresence` read), as CG_WEBHOOK_BODY_FORMAT says. Signed twice: v2 (event, event ID and
 * body; what the SDKs of this version require) and v1 (body only, for verifiers of the earlier format).
 * The wire format is @channel-gateway/protocol's (webhooks.ts), shared with the SDK's check.
 */
import { createHmac, randomBytes } from 'node:crypto';
import {
  multipartPresenceBody,
  presenceWebhookPath,
  signWebhook,
  signWebhookV2,
  urlencodedPresenceBody,
  WebhookHeader,
  type HmacSha256,
  type PresenceWebhookBody,
} from '@channel-gateway/protocol';
import type { WebhookBodyFormat } from '../config.js';
import type { WebhookJob } from './webhook-outbox.js';

export interface WebhookTarget {
  url: string;
  secret: string;
  timeoutMs: number;
  /** @default 'urlencoded' */
  bodyFormat?: WebhookBodyFormat;
}

const hmacSha256: HmacSha256 = (secret, message) => createHmac('sha256', secret).update(message).digest();

function formBody(format: WebhookBodyFormat, clientId: string): PresenceWebhookBody {
  if (format === 'urlencoded') return urlencodedPresenceBody(clientId);
  // A random boundary cannot occur in a client ID by chance, but an ID is the app's input: check.
  let boundary: string;
  do boundary = `cg-${randomBytes(16).toString('hex')}`;
  while (clientId.includes(boundary));
  return multipartPresenceBody(clientId, boundary);
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
    const response = await fetch(target.url + presenceWebhookPath(job.event), {
      method: 'POST',
      headers: {
        'Content-Type': body.contentType,
        [WebhookHeader.EVENT]: job.event,
        [WebhookHeader.EVENT_ID]: job.id,
        [WebhookHeader.EVENT_TIME]: String(job.firstAt),
        [WebhookHeader.TIMESTAMP]: String(now),
        [WebhookHeader.SIGNATURE]: signWebhook(hmacSha256, target.secret, now, body.text),
        [WebhookHeader.SIGNATURE_V2]: signWebhookV2(hmacSha256, target.secret, { timestamp: now, event: job.event, eventId: job.id, body: body.text }),
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
