/**
 * The loss checker ("No silent loss"): a numbered stream of messages to many clients through a cluster
 * of real gateway processes while client connections are cut and nodes are drained, crashed and
 * replaced; then every acknowledged message must have arrived exactly once, in per-client send order,
 * or fall inside a gap the client was told about (`ongap`).
 *
 * Pieces:
 * - `nodes` gateway processes (`startGatewayProcess`) on one Redis with one key prefix;
 * - `clients` channels created with the Node SDK, each opened with the real client package over `ws`,
 *   through a WebSocket class that picks a random live node at every connect (a load balancer);
 * - sender workers that send through random live nodes with the SDK: single sends and batches. Sends
 *   to one client are never in flight twice at once, so the order in which a client's sends were
 *   acknowledged is the order the gateway promises to deliver them in;
 * - a chaos loop that terminates client connections (network loss) and restarts nodes (SIGTERM drain
 *   or SIGKILL crash, replaced on a new port with the same or a new node ID, never all nodes at once).
 *
 * Messages are `<id>|<client index>|<padding>`. A send that fails (network error, timeout, 5xx while a
 * node goes away) is not acknowledged: it is counted but not expected; if it arrives anyway that is
 * fine (it may have been carried out), but it must still not arrive twice.
 */
import WebSocket from 'ws';
import { Channel, type ChannelError, type ChannelGap, type Socket, type WebSocketConstructor } from '@channel-gateway/client';
import { ChannelGatewayClient, ChannelGatewayError, type BatchItem, type SendStatus } from '@channel-gateway/sdk';
import { startGatewayProcess, uniqueId, uniqueKeyPrefix, type GatewayHandle, type LogEntry } from '../support/index.js';

export interface LossCheckOptions {
  /** The Redis every node shares. */
  redisUrl: string;
  /** Messages to attempt in total (default 100 000). */
  messages?: number;
  /** Client IDs, each with one socket (default 50). */
  clients?: number;
  /** Gateway nodes running at any time, apart from a restart in progress (default 3). */
  nodes?: number;
  /** Seed of every random choice the checker makes (timing still varies from run to run). */
  seed?: number;
  /** Concurrent HTTP senders (default 4). */
  senders?: number;
  /** Largest batch (default 400, at most 1000). */
  maxBatch?: number;
  /** Share of requests that are single sends rather than batches (default 0.35). */
  singleSendRatio?: number;
  /** Pause between connection kills, ms, uniform in [min, max] (default [150, 1200]). */
  connectionKillIntervalMs?: [number, number];
  /** Pause between node restarts, ms, uniform in [min, max] (default [2000, 5000]). */
  nodeRestartIntervalMs?: [number, number];
  /** Share of node restarts that are SIGKILL crashes rather than SIGTERM drains (default 0.4). */
  crashRatio?: number;
  /**
   * Sending is paced so it lasts at least this long (default 60 s), so that even a fast machine sees
   * a good number of node restarts and connection kills while messages flow. 0: as fast as possible.
   */
  minSendDurationMs?: number;
  /** How long to wait at the end for every client to catch up (default 60 s). */
  settleTimeoutMs?: number;
  /** Progress lines (default: console.log). */
  log?: (line: string) => void;
  /** Extra environment for every node (applied last: it can lower the buffer, for instance). */
  gatewayEnv?: Record<string, string>;
  /** Cut connections and restart nodes while sending (default true). */
  chaos?: boolean;
  /**
   * Self-test of the checker only: corrupt what some clients are shown, at every `every`-th `msg`
   * frame of theirs, so a report that misses it is a checker bug. `drop` loses the frame, `duplicate`
   * shows it twice, `swap` shows it after the next one.
   */
  faults?: { byClient: Record<number, 'drop' | 'duplicate' | 'swap'>; every: number };
}

export interface LossReport {
  ok: boolean;
  /** Why the run failed, one line each (empty when ok). */
  failures: string[];
  seed: number;
  clients: number;
  nodes: number;
  bufferMaxMessages: number;
  timings: { totalMs: number; setupMs: number; sendMs: number; settleMs: number; messagesPerSecond: number };
  sent: {
    attempted: number;
    requests: number;
    singleRequests: number;
    batchRequests: number;
    failedRequests: number;
    failuresByCode: Record<string, number>;
  };
  acknowledged: { total: number; routed: number; queued: number };
  notAcknowledged: { noChannel: number; invalid: number; failed: number };
  received: {
    total: number;
    acknowledgedOnce: number;
    /** Messages whose send failed (no answer) but that arrived: allowed, as the send may have been carried out. */
    unacknowledgedArrived: number;
  };
  duplicates: number;
  outOfOrder: number;
  missing: number;
  missingInReportedGaps: number;
  unreportedMissing: number;
  misrouted: number;
  foreign: number;
  gaps: { reported: number; expired: number; epoch: number; position: number };
  /** `msg` frames the gateway sent with a seq the client had already seen (the client drops them). */
  staleFrames: number;
  chaos: {
    nodeRestarts: number;
    drains: number;
    crashes: number;
    sameIdReplacements: number;
    drainExitCodes: Record<string, number>;
    unexpectedNodeExits: number;
    connectionKills: number;
    reconnects: number;
    socketsEnded: number;
  };
  gatewayErrorLogs: number;
  /** The first problems found, for the failure message. */
  examples: string[];
}

const STATUS = { pending: 0, routed: 1, queued: 2, noChannel: 3, invalid: 4, failed: 5 } as const;
type StatusValue = (typeof STATUS)[keyof typeof STATUS];
const ACKED = (status: number) => status === STATUS.routed || status === STATUS.queued;

/** mulberry32: small, fast, seedable. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface GapRecord {
  gap: ChannelGap;
  /** How many messages the client had received when the gap was reported. */
  atReceived: number;
}

interface ClientState {
  index: number;
  clientId: string;
  token: string;
  /** Message IDs in the order they were handed to the gateway (per-client send order). */
  sent: number[];
  /** Message IDs in arrival order (onmessage). */
  received: number[];
  /** seq of each message seen in a raw `msg` frame (for placing gaps). */
  seqOf: Map<number, number>;
  /** Highest seq seen in any raw `msg` frame, to spot frames the client has to drop. */
  highestRawSeq: number;
  gaps: GapRecord[];
  busy: boolean;
  socket: Socket | undefined;
  /** The newest underlying WebSocket. */
  ws: WebSocket | undefined;
  connects: number;
  ended: boolean;
  errors: ChannelError[];
  lastReceiveAt: number;
  /** Self-test faults: msg frames seen, and a frame held back by `swap`. */
  faultFrames: number;
  held: MsgFrame | undefined;
}

interface MsgFrame {
  type: 'msg';
  seq: number;
  data: string;
}

function parseMsgFrame(data: unknown): MsgFrame | undefined {
  const text = Buffer.isBuffer(data) ? data.toString() : typeof data === 'string' ? data : undefined;
  if (text === undefined || !text.startsWith('{"type":"msg"')) return undefined;
  try {
    const frame = JSON.parse(text) as Partial<MsgFrame>;
    return typeof frame.seq === 'number' && typeof frame.data === 'string' ? (frame as MsgFrame) : undefined;
  } catch {
    return undefined;
  }
}

interface NodeSlot {
  handle: GatewayHandle;
  sdk: ChannelGatewayClient;
  live: boolean;
  /** Set when the checker itself stopped the node. */
  stopping: boolean;
}

export async function runLossCheck(options: LossCheckOptions): Promise<LossReport> {
  const totalMessages = options.messages ?? 100_000;
  const clientCount = options.clients ?? 50;
  const nodeCount = options.nodes ?? 3;
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const senderCount = options.senders ?? 4;
  const maxBatch = Math.min(1_000, Math.max(2, options.maxBatch ?? 400));
  const singleSendRatio = options.singleSendRatio ?? 0.35;
  const [killMin, killMax] = options.connectionKillIntervalMs ?? [150, 1_200];
  const [restartMin, restartMax] = options.nodeRestartIntervalMs ?? [2_000, 5_000];
  const crashRatio = options.crashRatio ?? 0.4;
  const settleTimeoutMs = options.settleTimeoutMs ?? 60_000;
  const minSendDurationMs = options.minSendDurationMs ?? 60_000;
  const log = options.log ?? ((line: string) => console.log(line));
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const between = (min: number, max: number) => min + random() * (max - min);

  // Room for every message a client can get in this run, so nothing legitimately falls out of the buffer.
  const perClientExpected = Math.ceil(totalMessages / clientCount);
  const defaultBuffer = Math.min(100_000, Math.max(10_000, perClientExpected * 4));
  const apiKey = `loss-${uniqueId('key')}`;
  const keyPrefix = uniqueKeyPrefix('loss');
  const gatewayEnv: Record<string, string> = {
    CG_CONNECTS_PER_SECOND_PER_IP: '100000',
    CG_BUFFER_MAX_MESSAGES: String(defaultBuffer),
    CG_BUFFER_MAX_BYTES: String(64 * 1_048_576),
    CG_BUFFER_TTL_SECONDS: '7200',
    CG_DRAIN_TIMEOUT_MS: '10000',
    ...options.gatewayEnv,
  };
  const bufferMaxMessages = Number(gatewayEnv.CG_BUFFER_MAX_MESSAGES);
  const chaosOn = options.chaos ?? true;

  // Per message: client, status, position in the client's send order, arrivals.
  const messageClient = new Int32Array(totalMessages).fill(-1);
  const messageStatus = new Uint8Array(totalMessages);
  const messageOrder = new Int32Array(totalMessages);
  const arrivals = new Uint16Array(totalMessages);

  const failures: string[] = [];
  const examples: string[] = [];
  // A few examples of each kind of problem, so one flood does not hide the others.
  const examplesByKind = new Map<string, number>();
  const example = (kind: string, text: string) => {
    const seen = examplesByKind.get(kind) ?? 0;
    examplesByKind.set(kind, seen + 1);
    if (seen < 5) examples.push(text);
  };
  const failuresByCode: Record<string, number> = {};
  const drainExitCodes: Record<string, number> = {};
  const counters = {
    requests: 0,
    singleRequests: 0,
    batchRequests: 0,
    failedRequests: 0,
    nodeRestarts: 0,
    drains: 0,
    crashes: 0,
    sameIdReplacements: 0,
    unexpectedNodeExits: 0,
    connectionKills: 0,
    staleFrames: 0,
    foreign: 0,
    misrouted: 0,
    receivedTotal: 0,
  };
  let gatewayErrorLogs = 0;

  const slots: NodeSlot[] = [];
  const retiredSlots: NodeSlot[] = [];
  const clients: ClientState[] = [];
  const liveSlots = () => slots.filter((slot) => slot.live);

  const startNode = async (nodeId: string): Promise<NodeSlot> => {
    const handle = await startGatewayProcess({
      redisUrl: options.redisUrl,
      apiKey,
      keyPrefix,
      nodeId,
      env: gatewayEnv,
    });
    const slot: NodeSlot = {
      handle,
      sdk: new ChannelGatewayClient({ baseUrl: handle.httpUrl, apiKey, timeoutMs: 10_000 }),
      live: true,
      stopping: false,
    };
    void handle.exited.then((info) => {
      if (slot.stopping) return;
      counters.unexpectedNodeExits += 1;
      slot.live = false;
      const text = `node ${nodeId} (port ${handle.port}) exited on its own: code ${info.code} signal ${info.signal}\n${handle.process.tail(30)}`;
      failures.push(text.split('\n')[0]!);
      example('node-exit', text);
    });
    slots.push(slot);
    return slot;
  };

  const randomLiveSlot = async (): Promise<NodeSlot> => {
    for (let attempt = 0; attempt < 2_000; attempt++) {
      const live = liveSlots();
      if (live.length > 0) return pick(live);
      await sleep(10);
    }
    throw new Error('loss check: no live gateway node for 20 s');
  };

  /** A WebSocket class that sends every connect to a random live node, as a load balancer would. */
  const socketClassFor = (state: ClientState): WebSocketConstructor =>
    class LoadBalancedWebSocket extends WebSocket {
      constructor(_url: string) {
        const live = liveSlots();
        // With no node up, aim at a retired one: the connect fails and the client backs off and retries.
        const target = live.length > 0 ? pick(live) : (retiredSlots.at(-1) ?? slots[0]!);
        super(target.handle.wsUrl);
        state.ws = this;
        state.connects += 1;
        this.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
          if (isBinary) return;
          const frame = parseMsgFrame(data);
          if (!frame) return;
          const id = Number.parseInt(frame.data, 10);
          if (Number.isInteger(id) && !state.seqOf.has(id)) state.seqOf.set(id, frame.seq);
          if (frame.seq <= state.highestRawSeq && state.ws === this) counters.staleFrames += 1;
          state.highestRawSeq = Math.max(state.highestRawSeq, frame.seq);
        });
      }

      /** Only for `faults` (self-test): every listener, the client's included, sees what this passes on. */
      override emit(event: string | symbol, ...args: unknown[]): boolean {
        const fault = options.faults?.byClient[state.index];
        const frame = event === 'message' && fault !== undefined ? parseMsgFrame(args[0]) : undefined;
        if (!fault || !frame || !options.faults) return super.emit(event, ...args);
        const show = (shown: MsgFrame) => super.emit('message', Buffer.from(JSON.stringify(shown)), false);
        const held = state.held;
        if (held) {
          state.held = undefined;
          show({ ...held, data: frame.data });
          return show({ ...frame, data: held.data });
        }
        state.faultFrames += 1;
        if (state.faultFrames % options.faults.every !== 0) return super.emit(event, ...args);
        switch (fault) {
          case 'drop':
            return true;
          case 'duplicate':
            super.emit(event, ...args);
            // Between this seq and the next, so the client takes it as new.
            return show({ ...frame, seq: frame.seq + 0.5 });
          case 'swap':
            state.held = frame;
            return true;
        }
      }
    };

  const onMessage = (state: ClientState, data: string) => {
    counters.receivedTotal += 1;
    state.lastReceiveAt = Date.now();
    const [idText, clientText] = data.split('|');
    const id = Number(idText);
    if (!Number.isInteger(id) || id < 0 || id >= totalMessages || messageClient[id] === -1) {
      counters.foreign += 1;
      example('foreign', `client ${state.index} received a message nobody sent: ${JSON.stringify(data.slice(0, 80))}`);
      return;
    }
    if (messageClient[id] !== state.index || Number(clientText) !== state.index) {
      counters.misrouted += 1;
      example('misrouted', `client ${state.index} received message ${id}, which was sent to client ${messageClient[id]}`);
      return;
    }
    if (arrivals[id]! < 65_535) arrivals[id] = arrivals[id]! + 1;
    state.received.push(id);
  };

  const started = Date.now();
  let setupMs: number;
  let sendMs: number;
  let settleMs: number;
  let attempted = 0;
  /** Set once the checker closes the sockets itself, so those closes are not counted as ends. */
  let closingClients = false;

  try {
    // ---- Setup: nodes, channels, sockets.
    const initialIds = Array.from({ length: nodeCount }, (_, i) => `loss-${i}-${uniqueId('n').slice(2)}`);
    await Promise.all(initialIds.map((id) => startNode(id)));
    log(`[loss] seed=${seed} nodes=${nodeCount} clients=${clientCount} messages=${totalMessages} buffer=${bufferMaxMessages} keyPrefix=${keyPrefix}`);

    for (let i = 0; i < clientCount; i += 10) {
      const created = await Promise.all(
        Array.from({ length: Math.min(10, clientCount - i) }, async (_, j) => {
          const slot = await randomLiveSlot();
          return slot.sdk.createChannel({ clientId: `loss-client-${i + j}-${uniqueId('c').slice(2)}` });
        }),
      );
      created.forEach(({ clientId, token }, j) => {
        clients.push({
          index: i + j,
          clientId,
          token,
          sent: [],
          received: [],
          seqOf: new Map(),
          highestRawSeq: 0,
          gaps: [],
          busy: false,
          socket: undefined,
          ws: undefined,
          connects: 0,
          ended: false,
          errors: [],
          lastReceiveAt: 0,
          faultFrames: 0,
          held: undefined,
        });
      });
    }

    await Promise.all(
      clients.map(
        (state) =>
          new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`client ${state.index} did not open within 20 s`)), 20_000);
            state.socket = new Channel(state.token, {
              url: slots[0]!.handle.wsUrl,
              WebSocket: socketClassFor(state),
              // WebSockets only: the load balancer above is a WebSocket class, and gaps are placed from its
              // raw frames; a fallback to the HTTP stream would bypass both.
              transports: ['websocket'],
              // Quick retries: the checker cuts connections every second or so.
              backoff: { baseMs: 100, capMs: 2_000, resetAfterMs: 3_000 },
            }).open({
              onopen: () => {
                clearTimeout(timer);
                resolve();
              },
              onmessage: ({ data }) => onMessage(state, data),
              ongap: (gap) => {
                state.gaps.push({ gap, atReceived: state.received.length });
                example('gap', `client ${state.index} was told of a gap: ${JSON.stringify(gap)} after ${state.received.length} messages`);
              },
              onerror: (error) => state.errors.push(error),
              onclose: () => {
                if (closingClients) return;
                state.ended = true;
                example('ended', `client ${state.index} socket ended for good (errors: ${JSON.stringify(state.errors)})`);
              },
            });
          }),
      ),
    );
    setupMs = Date.now() - started;
    log(`[loss] setup done in ${setupMs} ms: ${clients.length} sockets open`);

    // ---- Send, with chaos alongside.
    const sendStarted = Date.now();
    let sendingDone = false;

    const record = (id: number, status: SendStatus | 'invalid' | 'failed') => {
      messageStatus[id] = (
        status === 'routed'
          ? STATUS.routed
          : status === 'queued'
            ? STATUS.queued
            : status === 'no_channel'
              ? STATUS.noChannel
              : status === 'invalid'
                ? STATUS.invalid
                : STATUS.failed
      ) satisfies StatusValue;
    };

    const newMessage = (state: ClientState): BatchItem => {
      const id = attempted++;
      messageClient[id] = state.index;
      messageOrder[id] = state.sent.length;
      state.sent.push(id);
      // Some padding so message sizes vary; ids stay the leading field.
      const padding = 'x'.repeat(Math.floor(random() * 64));
      return { clientId: state.clientId, message: `${id}|${state.index}|${padding}` };
    };

    const idOf = (item: BatchItem) => Number.parseInt(item.message, 10);

    const lockFreeClients = (wanted: number): ClientState[] => {
      const chosen: ClientState[] = [];
      for (let tries = 0; tries < wanted * 4 && chosen.length < wanted; tries++) {
        const state = pick(clients);
        if (!state.busy) {
          state.busy = true;
          chosen.push(state);
        }
      }
      return chosen;
    };

    const noteFailure = (error: unknown, count: number) => {
      counters.failedRequests += 1;
      const code = error instanceof ChannelGatewayError ? String(error.code) : 'exception';
      failuresByCode[code] = (failuresByCode[code] ?? 0) + count;
      if (!(error instanceof ChannelGatewayError)) example('send-error', `send threw a non-SDK error: ${String(error)}`);
    };

    const sender = async () => {
      while (attempted < totalMessages) {
        // Pacing: no further ahead than an even spread over minSendDurationMs.
        if (minSendDurationMs > 0) {
          const due = ((Date.now() - sendStarted) / minSendDurationMs) * totalMessages;
          if (attempted > due) {
            await sleep(Math.min(200, ((attempted - due) / totalMessages) * minSendDurationMs));
            continue;
          }
        }
        const single = random() < singleSendRatio;
        const locked = lockFreeClients(single ? 1 : 1 + Math.floor(random() * 8));
        if (locked.length === 0) {
          await sleep(1);
          continue;
        }
        // Messages are numbered before anything is awaited, so workers never overrun the total.
        const remaining = totalMessages - attempted;
        if (remaining <= 0) {
          for (const state of locked) state.busy = false;
          break;
        }
        const items = single
          ? [newMessage(locked[0]!)]
          : Array.from({ length: Math.min(remaining, 2 + Math.floor(random() * (maxBatch - 1))) }, () => newMessage(pick(locked)));
        try {
          const slot = await randomLiveSlot();
          counters.requests += 1;
          if (single) {
            counters.singleRequests += 1;
            const item = items[0]!;
            try {
              // Every item the checker builds names its client (never a token).
              const { status } = await slot.sdk.sendMessage(item.clientId ?? '', item.message);
              record(idOf(item), status);
            } catch (error) {
              record(idOf(item), 'failed');
              noteFailure(error, 1);
            }
          } else {
            counters.batchRequests += 1;
            try {
              const { results } = await slot.sdk.sendMessages(items);
              results.forEach((result, k) => record(idOf(items[k]!), result.status));
            } catch (error) {
              for (const item of items) record(idOf(item), 'failed');
              noteFailure(error, items.length);
            }
          }
        } finally {
          for (const state of locked) state.busy = false;
        }
      }
    };

    const chaosConnections = async () => {
      for (let round = 0; round < 100_000 && !sendingDone; round++) {
        await sleep(between(killMin, killMax));
        if (sendingDone) break;
        const burst = random() < 0.2 ? 2 + Math.floor(random() * 5) : 1;
        for (let k = 0; k < burst; k++) {
          const ws = pick(clients).ws;
          // Mid-handshake too: the hello may or may not have reached the node.
          if (ws && (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING)) {
            ws.terminate();
            counters.connectionKills += 1;
          }
        }
      }
    };

    /** A slow start on a busy machine is retried; a node that cannot start at all stops the run. */
    const startReplacement = async (nodeId: string) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await startNode(nodeId);
        } catch (error) {
          if (attempt >= 3) throw error;
          log(`[loss] replacement ${nodeId} did not start (attempt ${attempt}): ${String(error).split('\n')[0]}`);
        }
      }
    };

    const restartNode = async () => {
      const live = liveSlots();
      if (live.length === 0) return;
      const victim = pick(live);
      const crash = random() < crashRatio;
      const sameId = random() < 0.5;
      // Never take the last node down before its replacement is up.
      const lastOne = live.length === 1;
      const replacementId = sameId && !lastOne ? victim.handle.nodeId : `loss-r${counters.nodeRestarts}-${uniqueId('n').slice(2)}`;
      counters.nodeRestarts += 1;
      if (crash) counters.crashes += 1;
      else counters.drains += 1;
      if (replacementId === victim.handle.nodeId) counters.sameIdReplacements += 1;
      log(
        `[loss] ${((Date.now() - sendStarted) / 1000).toFixed(1)}s ${crash ? 'crash (SIGKILL)' : 'drain (SIGTERM)'} of ${victim.handle.nodeId} ` +
          `→ replacement ${replacementId === victim.handle.nodeId ? 'with the same ID' : replacementId}; sent so far ${attempted}`,
      );
      if (lastOne) await startReplacement(replacementId);
      victim.live = false;
      victim.stopping = true;
      retiredSlots.push(victim);
      const exited = victim.handle.kill(crash ? 'SIGKILL' : 'SIGTERM', 30_000).then((code) => {
        if (!crash) {
          const key = String(code);
          drainExitCodes[key] = (drainExitCodes[key] ?? 0) + 1;
          if (code !== 0) example('drain-exit', `drain of ${victim.handle.nodeId} exited with code ${code}:\n${victim.handle.process.tail(15)}`);
        }
      });
      if (replacementId === victim.handle.nodeId) await exited;
      if (!lastOne) await startReplacement(replacementId);
      await exited;
    };

    const chaosNodes = async () => {
      for (let round = 0; round < 10_000 && !sendingDone; round++) {
        await sleep(between(restartMin, restartMax));
        if (sendingDone) break;
        await restartNode();
      }
    };

    const progress = setInterval(() => {
      const acked = countAcked();
      log(
        `[loss] ${((Date.now() - sendStarted) / 1000).toFixed(0)}s sent=${attempted} acked=${acked} received=${counters.receivedTotal} ` +
          `failedRequests=${counters.failedRequests} kills=${counters.connectionKills} restarts=${counters.nodeRestarts} live=${liveSlots().length}`,
      );
    }, 10_000);
    const countAcked = () => {
      let acked = 0;
      for (let id = 0; id < attempted; id++) if (ACKED(messageStatus[id]!)) acked += 1;
      return acked;
    };

    try {
      // Caught at once (and rethrown below) so a failure in the chaos loop is not an unhandled rejection.
      let chaosError: unknown;
      const chaos = (chaosOn ? Promise.all([chaosConnections(), chaosNodes()]) : Promise.resolve()).catch((error: unknown) => {
        chaosError = error;
        sendingDone = true;
      });
      await Promise.all(Array.from({ length: senderCount }, () => sender()));
      sendMs = Date.now() - sendStarted;
      sendingDone = true;
      await chaos;
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- a caught error, passed on
      if (chaosError !== undefined) throw chaosError;
    } finally {
      sendingDone = true;
      clearInterval(progress);
    }

    // ---- Settle: every acknowledged message should arrive (or be covered by a reported gap).
    const settleStarted = Date.now();
    const outstanding = (state: ClientState) => state.sent.filter((id) => ACKED(messageStatus[id]!) && arrivals[id] === 0).length;
    for (;;) {
      const waiting = clients.filter((state) => {
        if (state.ended) return false;
        if (outstanding(state) === 0) return false;
        // Told of a gap and quiet for 3 s: what is missing will not come.
        if (state.gaps.length > 0 && Date.now() - state.lastReceiveAt > 3_000) return false;
        return true;
      });
      if (waiting.length === 0) break;
      if (Date.now() - settleStarted > settleTimeoutMs) {
        log(`[loss] settle timed out after ${settleTimeoutMs} ms; ${waiting.length} clients still missing messages`);
        break;
      }
      await sleep(100);
    }
    // Anything sent twice would be on its way right behind: give it a moment to show.
    await sleep(500);
    settleMs = Date.now() - settleStarted;
  } finally {
    closingClients = true;
    for (const state of clients) state.socket?.close();
    const all = [...slots];
    for (const slot of all) slot.stopping = true;
    await Promise.all(all.map((slot) => slot.handle.stop()));
    for (const slot of all) {
      const errors = slot.handle.logEntries().filter((entry: LogEntry) => typeof entry.level === 'number' && entry.level >= 50);
      gatewayErrorLogs += errors.length;
      for (const entry of errors.slice(0, 3)) example('gateway-error', `gateway ${slot.handle.nodeId} logged: ${JSON.stringify(entry).slice(0, 300)}`);
    }
  }

  // ---- Check.
  let duplicates = 0;
  let outOfOrder = 0;
  let missing = 0;
  let missingInReportedGaps = 0;
  let unacknowledgedArrived = 0;
  let acknowledgedOnce = 0;
  const acknowledged = { total: 0, routed: 0, queued: 0 };
  const notAcknowledged = { noChannel: 0, invalid: 0, failed: 0 };
  const gaps = { reported: 0, expired: 0, epoch: 0, position: 0 };

  for (let id = 0; id < attempted; id++) {
    const status = messageStatus[id]!;
    if (status === STATUS.routed) acknowledged.routed += 1;
    else if (status === STATUS.queued) acknowledged.queued += 1;
    else if (status === STATUS.noChannel) notAcknowledged.noChannel += 1;
    else if (status === STATUS.invalid) notAcknowledged.invalid += 1;
    else notAcknowledged.failed += 1;
    if (arrivals[id]! > 1) {
      duplicates += arrivals[id]! - 1;
      example('duplicate', `message ${id} (client ${messageClient[id]}, ${statusName(status)}) arrived ${arrivals[id]} times`);
    }
    if (ACKED(status) && arrivals[id] === 1) acknowledgedOnce += 1;
    if (!ACKED(status) && arrivals[id]! > 0) unacknowledgedArrived += 1;
  }
  acknowledged.total = acknowledged.routed + acknowledged.queued;

  for (const state of clients) {
    for (const { gap } of state.gaps) {
      gaps.reported += 1;
      gaps[gap.reason] += 1;
    }
    // Order: among acknowledged messages, arrival order must follow send order.
    let highestOrder = -1;
    for (const id of state.received) {
      if (!ACKED(messageStatus[id]!)) continue;
      const order = messageOrder[id]!;
      if (order < highestOrder) {
        outOfOrder += 1;
        example('order', `client ${state.index}: message ${id} (send #${order}) arrived after send #${highestOrder}`);
      }
      highestOrder = Math.max(highestOrder, order);
    }
    // Missing: acknowledged, never arrived. Covered when a reported gap spans where it would have been.
    const position = new Map<number, number>();
    state.received.forEach((id, at) => {
      if (!position.has(id)) position.set(id, at);
    });
    const ackedSent = state.sent.filter((id) => ACKED(messageStatus[id]!));
    for (let k = 0; k < ackedSent.length; k++) {
      const id = ackedSent[k]!;
      if (arrivals[id]! > 0) continue;
      missing += 1;
      // Nearest acknowledged neighbours (in send order) that did arrive: the lost seq lies between theirs.
      let before: number | undefined;
      for (let j = k - 1; j >= 0; j--) {
        if (arrivals[ackedSent[j]!]! > 0) {
          before = ackedSent[j];
          break;
        }
      }
      let after: number | undefined;
      for (let j = k + 1; j < ackedSent.length; j++) {
        if (arrivals[ackedSent[j]!]! > 0) {
          after = ackedSent[j];
          break;
        }
      }
      const low = before === undefined ? 0 : (state.seqOf.get(before) ?? 0);
      const high = after === undefined ? Number.POSITIVE_INFINITY : (state.seqOf.get(after) ?? Number.POSITIVE_INFINITY);
      const lowAt = before === undefined ? -1 : (position.get(before) ?? -1);
      const highAt = after === undefined ? Number.POSITIVE_INFINITY : (position.get(after) ?? Number.POSITIVE_INFINITY);
      const covered = state.gaps.some(({ gap, atReceived }) => {
        if (gap.reason === 'expired' && gap.from !== undefined) {
          const to = gap.to ?? gap.from;
          return gap.from < high && to > low;
        }
        // epoch / position: the stream restarted where the gap was reported.
        return atReceived > lowAt && atReceived <= highAt;
      });
      if (covered) missingInReportedGaps += 1;
      else
        example(
          'missing',
          `client ${state.index} (${state.clientId}): message ${id} (send #${messageOrder[id]}, ${statusName(messageStatus[id]!)}) ` +
            `never arrived; neighbours that did: ${before ?? '-'} (seq ${before === undefined ? '-' : low}) and ${after ?? '-'} ` +
            `(seq ${after === undefined ? '-' : high}); client received ${state.received.length}, connects ${state.connects}, gaps ${state.gaps.length}`,
        );
    }
  }
  const unreportedMissing = missing - missingInReportedGaps;
  const socketsEnded = clients.filter((state) => state.ended).length;

  if (duplicates > 0) failures.push(`${duplicates} duplicate deliveries`);
  if (outOfOrder > 0) failures.push(`${outOfOrder} messages out of per-client send order`);
  if (unreportedMissing > 0) failures.push(`${unreportedMissing} acknowledged messages lost without a reported gap`);
  if (counters.misrouted > 0) failures.push(`${counters.misrouted} messages delivered to the wrong client`);
  if (counters.foreign > 0) failures.push(`${counters.foreign} messages that nobody sent`);
  if (socketsEnded > 0) failures.push(`${socketsEnded} client sockets ended for good (they should have kept reconnecting)`);

  const totalMs = Date.now() - started;
  return {
    ok: failures.length === 0,
    failures,
    seed,
    clients: clientCount,
    nodes: nodeCount,
    bufferMaxMessages,
    timings: {
      totalMs,
      setupMs,
      sendMs,
      settleMs,
      messagesPerSecond: sendMs > 0 ? Math.round((attempted / sendMs) * 1000) : 0,
    },
    sent: {
      attempted,
      requests: counters.requests,
      singleRequests: counters.singleRequests,
      batchRequests: counters.batchRequests,
      failedRequests: counters.failedRequests,
      failuresByCode,
    },
    acknowledged,
    notAcknowledged,
    received: { total: counters.receivedTotal, acknowledgedOnce, unacknowledgedArrived },
    duplicates,
    outOfOrder,
    missing,
    missingInReportedGaps,
    unreportedMissing,
    misrouted: counters.misrouted,
    foreign: counters.foreign,
    gaps,
    staleFrames: counters.staleFrames,
    chaos: {
      nodeRestarts: counters.nodeRestarts,
      drains: counters.drains,
      crashes: counters.crashes,
      sameIdReplacements: counters.sameIdReplacements,
      drainExitCodes,
      unexpectedNodeExits: counters.unexpectedNodeExits,
      connectionKills: counters.connectionKills,
      reconnects: clients.reduce((sum, state) => sum + Math.max(0, state.connects - 1), 0),
      socketsEnded,
    },
    gatewayErrorLogs,
    examples,
  };
}

function statusName(status: number): string {
  return Object.entries(STATUS).find(([, value]) => value === status)?.[0] ?? String(status);
}

/** The report as a block of text for CI output. */
export function formatReport(report: LossReport): string {
  const t = report.timings;
  const lines = [
    `==== loss check: ${report.ok ? 'PASS' : 'FAIL'} (seed ${report.seed}) ====`,
    `setup: ${report.nodes} nodes, ${report.clients} clients, buffer ${report.bufferMaxMessages} messages per client`,
    `time: total ${(t.totalMs / 1000).toFixed(1)} s (setup ${(t.setupMs / 1000).toFixed(1)} s, sending ${(t.sendMs / 1000).toFixed(1)} s at ${t.messagesPerSecond} msg/s, settle ${(t.settleMs / 1000).toFixed(1)} s)`,
    `sent: ${report.sent.attempted} messages in ${report.sent.requests} requests (${report.sent.singleRequests} single, ${report.sent.batchRequests} batches); ` +
      `${report.sent.failedRequests} requests failed ${JSON.stringify(report.sent.failuresByCode)}`,
    `acknowledged: ${report.acknowledged.total} (routed ${report.acknowledged.routed}, queued ${report.acknowledged.queued}); ` +
      `not acknowledged: failed ${report.notAcknowledged.failed}, no_channel ${report.notAcknowledged.noChannel}, invalid ${report.notAcknowledged.invalid}`,
    `received: ${report.received.total} (acknowledged, exactly once: ${report.received.acknowledgedOnce}; unacknowledged sends that arrived anyway: ${report.received.unacknowledgedArrived})`,
    `duplicates: ${report.duplicates}, out of order: ${report.outOfOrder}, missing: ${report.missing} (in reported gaps ${report.missingInReportedGaps}, unreported ${report.unreportedMissing}), misrouted: ${report.misrouted}, foreign: ${report.foreign}`,
    `gaps reported: ${report.gaps.reported} (expired ${report.gaps.expired}, epoch ${report.gaps.epoch}, position ${report.gaps.position}); stale msg frames skipped by the client: ${report.staleFrames}`,
    `chaos: ${report.chaos.nodeRestarts} node restarts (${report.chaos.drains} drains, exit codes ${JSON.stringify(report.chaos.drainExitCodes)}; ${report.chaos.crashes} crashes; ${report.chaos.sameIdReplacements} replaced with the same ID), ` +
      `${report.chaos.connectionKills} connection kills, ${report.chaos.reconnects} reconnects, ${report.chaos.unexpectedNodeExits} unexpected node exits, ${report.chaos.socketsEnded} sockets ended`,
    `gateway error log lines: ${report.gatewayErrorLogs}`,
  ];
  if (report.failures.length > 0) lines.push('failures:', ...report.failures.map((line) => `  - ${line}`));
  if (report.examples.length > 0) lines.push('examples:', ...report.examples.map((line) => `  * ${line}`));
  return lines.join('\n');
}
