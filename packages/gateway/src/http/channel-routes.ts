/**
 * The backend API: `/v1/channels…` and `/v1/messages`, behind `Authorization: Bearer <api key>`.
 */
import { Hono, type Context } from 'hono';
import { ApiErrorCode, type BatchSendResult, type ChannelInfo as ApiChannelInfo } from '@channel-gateway/protocol';
import type { ChannelService } from '../channels/channel-service.js';
import type { ChannelInfo } from '../channels/channel-store.js';
import { HttpApiError } from './api-error.js';
import { apiKeyChecker } from './api-keys.js';
import { parseBatch, parseCreateChannel, parsePathClientId, parsePresenceQuery, parseSendMessage } from './validation.js';

export function channelRoutes(service: ChannelService, apiKeys: readonly string[]): Hono {
  const api = new Hono();
  const isValidKey = apiKeyChecker(apiKeys);

  api.use('*', async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const key = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (!isValidKey(key)) {
      c.header('WWW-Authenticate', 'Bearer');
      throw new HttpApiError(401, ApiErrorCode.UNAUTHORIZED, header ? 'the API key is not valid' : 'missing Authorization: Bearer <api key>');
    }
    await next();
  });

  api.post('/channels', async (c) => {
    const { clientId, durationMinutes } = parseCreateChannel(await jsonBody(c, true));
    const created = await service.createChannel(clientId, durationMinutes);
    return c.json({ clientId: created.clientId, token: created.token, expiresAt: new Date(created.expiresAt).toISOString() }, 201);
  });

  api.post('/channels/:clientId/messages', async (c) => {
    const clientId = parsePathClientId(c.req.param('clientId'));
    const message = parseSendMessage(await jsonBody(c));
    return c.json({ status: await service.send(clientId, message) }, 202);
  });

  api.post('/messages', async (c) => {
    const items = parseBatch(await jsonBody(c));
    // Sent concurrently: the Redis client pipelines them, and per-client order is the order of the array.
    const results = await Promise.all(
      items.map(async (item): Promise<BatchSendResult> => {
        if ('error' in item) return { clientId: item.clientId, status: 'invalid', error: item.error };
        return { clientId: item.clientId, status: await service.send(item.clientId, item.message) };
      }),
    );
    return c.json({ results }, 202);
  });

  api.get('/channels/:clientId', async (c) => {
    const clientId = parsePathClientId(c.req.param('clientId'));
    const info = await service.info(clientId);
    if (!info) throw new HttpApiError(404, ApiErrorCode.NOT_FOUND, 'no live channel for this client ID', 'clientId');
    return c.json(toApiInfo(info));
  });

  // Presence for many clients at once (same answer per client as GET /channels/{id}, plus `found`).
  api.post('/presence', async (c) => {
    const clientIds = parsePresenceQuery(await jsonBody(c));
    const infos = await Promise.all(clientIds.map((clientId) => service.info(clientId)));
    const results = clientIds.map((clientId, index) => {
      const info = infos[index];
      return info ? { found: true, ...toApiInfo(info) } : { clientId, found: false, connected: false };
    });
    return c.json({ results });
  });

  api.delete('/channels/:clientId', async (c) => {
    const clientId = parsePathClientId(c.req.param('clientId'));
    if (!(await service.delete(clientId))) throw new HttpApiError(404, ApiErrorCode.NOT_FOUND, 'no live channel for this client ID', 'clientId');
    return c.body(null, 204);
  });

  return api;
}

/** The JSON body; refuses other media types. `optional`: an empty body means `{}`. */
async function jsonBody(c: Context, optional = false): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '' && optional) return {};
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
    throw new HttpApiError(415, ApiErrorCode.UNSUPPORTED_MEDIA_TYPE, 'send the body as Content-Type: application/json');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpApiError(400, ApiErrorCode.INVALID_JSON, 'the body is not valid JSON', 'body');
  }
}

function toApiInfo(info: ChannelInfo): ApiChannelInfo {
  const body: ApiChannelInfo = { clientId: info.clientId, connected: info.owner !== undefined, expiresAt: new Date(info.expiresAt).toISOString() };
  if (info.owner) {
    body.node = info.owner.nodeId;
    body.connectedAt = new Date(info.owner.connectedAt).toISOString();
  }
  return body;
}
