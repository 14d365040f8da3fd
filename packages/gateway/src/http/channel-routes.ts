/**
 * The backend API on Hono: `/v1/channels…` and `/v1/presence`, behind `Authorization: Bearer <api key>`.
 * The two send routes are served natively on uWS (send-routes.ts): they are the hot path.
 */
import { Hono, type Context } from 'hono';
import { ApiErrorCode, type ChannelInfo as ApiChannelInfo } from '@channel-gateway/protocol';
import type { ChannelService } from '../channels/channel-service.js';
import type { ChannelInfo } from '../channels/channel-store.js';
import { HttpApiError } from './api-error.js';
import type { ApiKeyGuard } from './api-keys.js';
import type { HttpBindings } from './http-app.js';
import { parseJsonBody } from './json-body.js';
import { parseCreateChannel, parsePathClientId, parsePresenceQuery } from './validation.js';

export function channelRoutes(service: ChannelService, guard: ApiKeyGuard): Hono<{ Bindings: HttpBindings }> {
  const api = new Hono<{ Bindings: HttpBindings }>();

  api.use('*', async (c, next) => {
    guard.check(c.req.header('authorization') ?? '', c.env.remoteAddress, c.req.header('x-forwarded-for') ?? '');
    await next();
  });

  api.post('/channels', async (c) => {
    const { clientId, durationMinutes } = parseCreateChannel(await jsonBody(c, true));
    const created = await service.createChannel(clientId, durationMinutes);
    return c.json({ clientId: created.clientId, token: created.token, expiresAt: new Date(created.expiresAt).toISOString() }, 201);
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

async function jsonBody(c: Context, optional = false): Promise<unknown> {
  return parseJsonBody(c.req.header('content-type') ?? '', await c.req.text(), optional);
}

function toApiInfo(info: ChannelInfo): ApiChannelInfo {
  const body: ApiChannelInfo = { clientId: info.clientId, connected: info.owner !== undefined, expiresAt: new Date(info.expiresAt).toISOString() };
  if (info.owner) {
    body.node = info.owner.nodeId;
    body.connectedAt = new Date(info.owner.connectedAt).toISOString();
  }
  return body;
}
