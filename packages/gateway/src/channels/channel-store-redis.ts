import type { Redis } from 'ioredis';
import { ulid } from 'ulid';
import { ChannelField, type RedisKeys } from '@channel-gateway/protocol';
import {
  expiredGap,
  planReplay,
  type AttachRequest,
  type AttachResult,
  type BufferLimits,
  type BufferedMessage,
  type ChannelInfo,
  type ChannelStore,
  type OutgoingMessage,
  type Owner,
  type SendResult,
  CHANNEL_LINGER_MS,
} from './channel-store.js';
import type { PresenceSettings, SettleResult } from '../presence/presence-store.js';
import type { InboxMessage } from './node-inbox.js';
import type { RedisNodeInbox } from './node-inbox-redis.js';
import { defineScript, type ScriptCall } from '../stores/redis-scripts.js';

const SEND_STATUS = ['no_channel', 'queued', 'routed'] as const;
/** send-many.lua's status for a message to a client the calling node owns: the node delivers it itself. */
const OWNED_BY_CALLER = 3;
/** send-many.lua's answers for a message whose idempotency key was used before (nothing sent). */
const KEY_REUSED_FOR_CLIENT = 4;
const KEY_REUSED_FOR_MESSAGE = 5;
/** Plus the first send's status: a repeat of it. */
const REPLAYED = 10;

/**
 * Channels in Redis: a hash per client (its fields: `ChannelField` in @channel-gateway/protocol, and
 * docs/REDIS.md) and a sorted set buffer, both under the client's hash tag, changed only by the scripts in
 * stores/redis-scripts/.
 */
export class RedisChannelStore implements ChannelStore {
  private readonly scripts: Record<'open' | 'sendMany' | 'attach' | 'detach' | 'remove' | 'settle' | 'release', ScriptCall>;
  private readonly inboxPrefix: string;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly limits: BufferLimits,
    private readonly presence: PresenceSettings,
    /**
     * The inbox of the node this store serves, if any: a send to a client that node owns is handed to it
     * directly instead of a PUBLISH it would read back (half of the single sends behind a load balancer
     * with two nodes). The socket orders what arrives both ways by seq (Connection.deliver).
     */
    private readonly localInbox?: RedisNodeInbox,
  ) {
    this.inboxPrefix = keys.nodeInbox('');
    this.scripts = {
      open: defineScript(redis, 'cgOpen', 'open.lua', 2),
      sendMany: defineScript(redis, 'cgSendMany', 'send-many.lua', null, ['trim-buffer', 'append-message']),
      attach: defineScript(redis, 'cgAttach', 'attach.lua', 6, ['trim-buffer', 'webhook-outbox']),
      detach: defineScript(redis, 'cgDetach', 'detach.lua', 2),
      remove: defineScript(redis, 'cgDelete', 'delete.lua', 6, ['webhook-outbox']),
      settle: defineScript(redis, 'cgSettleDisconnect', 'settle-disconnect.lua', 5, ['webhook-outbox']),
      release: defineScript(redis, 'cgReleaseDeadOwner', 'release-dead-owner.lua', 2),
    };
  }

  private webhookKeys(): string[] {
    return [this.keys.webhookDue(), this.keys.webhookJobs(), this.keys.webhookSeq()];
  }

  async open(clientId: string, expiresAt: number, now: number): Promise<string> {
    return String(await this.scripts.open(this.keys.channel(clientId), this.keys.buffer(clientId), expiresAt, ulid(), ulid(), now, CHANNEL_LINGER_MS));
  }

  async sendMany(messages: ReadonlyArray<OutgoingMessage>, now: number): Promise<SendResult[]> {
    if (messages.length === 0) return [];
    const { maxMessages, maxBytes, ttlMs, idempotencyTtlMs } = this.limits;
    const keys: string[] = [];
    const idempotencyKeys: string[] = [];
    const args: string[] = [];
    for (const { clientId, encodedData, generation, idempotency } of messages) {
      keys.push(this.keys.channel(clientId), this.keys.buffer(clientId));
      if (idempotency) {
        idempotencyKeys.push(this.keys.idempotency(idempotency.key));
        // Its index in KEYS once the idempotency keys follow the channel pairs (Lua counts from 1).
        args.push(clientId, encodedData, generation ?? '', String(2 * messages.length + idempotencyKeys.length), idempotency.fingerprint);
      } else {
        args.push(clientId, encodedData, generation ?? '', '0', '');
      }
    }
    keys.push(...idempotencyKeys);
    const localNode = this.localInbox?.liveNodeId() ?? '';
    const reply = (await this.scripts.sendMany(
      keys.length,
      ...keys,
      now,
      maxMessages,
      maxBytes,
      ttlMs,
      this.inboxPrefix,
      localNode,
      messages.length,
      idempotencyTtlMs,
      ...args,
    )) as number[];
    let local: InboxMessage[] | undefined;
    const results = messages.map(({ clientId, encodedData }, index): SendResult => {
      const code = reply[2 * index] ?? 0;
      const seq = reply[2 * index + 1]!;
      if (code === OWNED_BY_CALLER) {
        (local ??= []).push({ kind: 'deliver', clientId, seq, encodedData });
        return { status: 'routed', seq };
      }
      if (code === KEY_REUSED_FOR_CLIENT) return { status: 'key_reused', differs: 'client' };
      if (code === KEY_REUSED_FOR_MESSAGE) return { status: 'key_reused', differs: 'message' };
      if (code >= REPLAYED) {
        const status = SEND_STATUS[code - REPLAYED] ?? 'no_channel';
        return status === 'no_channel' ? { status, replayed: true } : { status, seq, replayed: true };
      }
      const name = SEND_STATUS[code] ?? 'no_channel';
      return name === 'no_channel' ? { status: name } : { status: name, seq };
    });
    if (local) this.localInbox!.deliverLocally(local);
    return results;
  }

  async attach(request: AttachRequest): Promise<AttachResult> {
    const { maxMessages, maxBytes, ttlMs } = this.limits;
    const reply = (await this.scripts.attach(
      this.keys.channel(request.clientId),
      this.keys.buffer(request.clientId),
      this.keys.pendingDisconnects(),
      ...this.webhookKeys(),
      request.generation,
      ownerValue(request.owner),
      request.now,
      request.resume?.epoch ?? '',
      maxMessages,
      maxBytes,
      ttlMs,
      request.resume?.seq ?? 0,
      this.presence.webhooks ? '1' : '0',
      this.presence.maxBacklog,
      request.clientId,
    )) as string[];
    if (reply[0] === 'invalid') return { kind: 'invalid' };
    if (reply[0] === 'expired') return { kind: 'expired' };
    const [, epoch = '', previous = '', lastSeqText = '0', deliveredText = '0', presence = '', ...members] = reply;
    const lastSeq = Number(lastSeqText);
    const plan = planReplay(epoch, lastSeq, Number(deliveredText), request.resume);
    const replay = members.map(parseMember);
    const gap = plan.gap ?? expiredGap(plan.from, lastSeq, replay);
    const previousOwner = previous && previous !== ownerValue(request.owner) ? parseOwner(previous) : undefined;
    return {
      kind: 'attached',
      epoch,
      replayFrom: plan.from,
      lastSeq,
      replay,
      ...(gap ? { gap } : {}),
      ...(previousOwner ? { previousOwner } : {}),
      ...(presence === 'connected' || presence === 'dropped' ? { presence } : {}),
    };
  }

  async detach(clientId: string, owner: Owner, epoch: string, deliveredSeq: number, now: number): Promise<boolean> {
    const keys = [this.keys.channel(clientId), this.keys.pendingDisconnects()];
    return (await this.scripts.detach(...keys, ownerValue(owner), epoch, deliveredSeq, now + this.presence.graceMs, clientId)) === 1;
  }

  async settleDisconnects(now: number, limit: number): Promise<SettleResult> {
    const due = await this.redis.zrangebyscore(this.keys.pendingDisconnects(), '-inf', now, 'LIMIT', 0, limit);
    const outcomes = await Promise.all(
      due.map((clientId) =>
        this.scripts.settle(this.keys.channel(clientId), this.keys.pendingDisconnects(), ...this.webhookKeys(), clientId, now, this.presence.maxBacklog),
      ),
    );
    return { due: due.length, queued: outcomes.filter((o) => o === 1).length, dropped: outcomes.filter((o) => o === 2).length };
  }

  async releaseDeadOwner(nodeId: string, clientIds: readonly string[], now: number): Promise<number> {
    const released = await Promise.all(
      clientIds.map((clientId) => this.scripts.release(this.keys.channel(clientId), this.keys.pendingDisconnects(), nodeId, now, clientId)),
    );
    return released.filter((r) => r === 1).length;
  }

  async info(clientId: string, now: number): Promise<ChannelInfo | undefined> {
    const [exp, own, cat, gen] = await this.redis.hmget(
      this.keys.channel(clientId),
      ChannelField.expiresAt,
      ChannelField.owner,
      ChannelField.connectedAt,
      ChannelField.generation,
    );
    const expiresAt = Number(exp);
    if (!exp || expiresAt <= now) return undefined;
    const owner = own ? parseOwner(own) : undefined;
    return { clientId, expiresAt, generation: gen ?? '', ...(owner ? { owner: { ...owner, connectedAt: Number(cat) } } : {}) };
  }

  async delete(clientId: string, now: number): Promise<boolean> {
    const keys = [this.keys.channel(clientId), this.keys.buffer(clientId), this.keys.pendingDisconnects(), ...this.webhookKeys()];
    return (await this.scripts.remove(...keys, now, this.inboxPrefix, clientId, this.presence.maxBacklog)) === 1;
  }

  async close(): Promise<void> {}
}

function ownerValue(owner: Owner): string {
  return `${owner.nodeId} ${owner.connectionId}`;
}

function parseOwner(value: string): Owner {
  const space = value.indexOf(' ');
  return { nodeId: value.slice(0, space), connectionId: value.slice(space + 1) };
}

/** Buffer members are "<seq> <sentAt> <encodedData>". */
function parseMember(member: string): BufferedMessage {
  const seqEnd = member.indexOf(' ');
  const sentEnd = member.indexOf(' ', seqEnd + 1);
  return { seq: Number(member.slice(0, seqEnd)), encodedData: member.slice(sentEnd + 1) };
}
