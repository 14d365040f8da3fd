/**
 * A protocol-level test client for the HTTP stream (`POST /v1/stream`): POSTs the hello with fetch (as a
 * browser would, text/plain), parses the Server-Sent-Events body, and lets a test await frames and the
 * close (the `close` frame's code, or 1006 when the stream ends without one) as events, no sleeps.
 */
import type { ServerFrame, StreamPosition } from '@channel-gateway/protocol';

export interface StreamClose {
  code: number;
  reason: string;
}

export class TestStream {
  /** Every frame, the close frame included, in order. */
  readonly frames: ServerFrame[] = [];
  /** When each frame arrived (Date.now()), by index in `frames`. */
  readonly arrivals: number[] = [];
  /** SSE comments (heartbeats) received, and when the last one arrived. */
  heartbeats = 0;
  /** Frames received before the first heartbeat (the gateway writes one before any frame). */
  framesBeforeFirstHeartbeat: number | undefined;
  lastHeartbeatAt = 0;
  readonly closed: Promise<StreamClose>;
  private resolveClosed!: (close: StreamClose) => void;
  private waiters: Array<() => void> = [];

  private constructor(
    readonly response: Response,
    private readonly controller: AbortController,
  ) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    void this.read();
  }

  /**
   * POSTs `body` (a hello frame, or anything for tests of refusals) to `<baseUrl>/v1/stream`. Resolves once
   * the answer's head arrived: a stream (status 200) or a refusal (read it with `response.text()`).
   */
  static async post(baseUrl: string, body: unknown, headers: Record<string, string> = {}): Promise<TestStream> {
    const controller = new AbortController();
    const response = await fetch(`${baseUrl}/v1/stream`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
      signal: controller.signal,
    });
    return new TestStream(response, controller);
  }

  /** POSTs a hello and waits for the open frame (throws with what arrived instead). */
  static async open(baseUrl: string, token: string, resume?: StreamPosition, headers?: Record<string, string>): Promise<TestStream> {
    const stream = await TestStream.post(baseUrl, { type: 'hello', token, ...(resume ? { resume } : {}) }, headers);
    if (stream.response.status !== 200) throw new Error(`stream refused: ${stream.response.status} ${await stream.response.text()}`);
    await stream.waitForFrame((frame) => frame.type === 'open' || frame.type === 'close');
    if (stream.frames[0]?.type !== 'open') throw new Error(`stream not opened: ${JSON.stringify(stream.frames)}`);
    return stream;
  }

  private async read(): Promise<void> {
    let ended = false;
    if (this.response.status === 200 && this.response.body) {
      const decoder = new TextDecoder();
      let buffered = '';
      try {
        for await (const chunk of this.response.body as unknown as AsyncIterable<Uint8Array>) {
          buffered += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffered.indexOf('\n\n')) >= 0) {
            this.event(buffered.slice(0, end));
            buffered = buffered.slice(end + 2);
          }
        }
        ended = true;
      } catch {
        // aborted by the test, or the connection dropped
      }
    }
    const close = this.frames.at(-1);
    this.resolveClosed(
      close?.type === 'close' ? { code: close.code, reason: close.reason } : { code: 1006, reason: ended ? 'ended without a close frame' : 'dropped' },
    );
    this.wake();
  }

  private event(text: string): void {
    if (text.startsWith(':')) {
      this.framesBeforeFirstHeartbeat ??= this.frames.length;
      this.heartbeats++;
      this.lastHeartbeatAt = Date.now();
      return;
    }
    for (const line of text.split('\n')) {
      if (!line.startsWith('data: ')) continue;
      this.frames.push(JSON.parse(line.slice(6)) as ServerFrame);
      this.arrivals.push(Date.now());
    }
    this.wake();
  }

  private wake(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Message data received so far, in order. */
  messages(): string[] {
    return this.frames.flatMap((frame) => (frame.type === 'msg' ? [frame.data] : []));
  }

  /** The position after the last message seen. */
  position(): StreamPosition {
    const open = this.frames.find((frame) => frame.type === 'open');
    const last = this.frames.filter((frame) => frame.type === 'msg').at(-1);
    return { epoch: open?.type === 'open' ? open.epoch : '', seq: last?.type === 'msg' ? last.seq : 0 };
  }

  async waitForFrame(match: (frame: ServerFrame) => boolean, timeoutMs = 5_000): Promise<ServerFrame> {
    await this.waitUntil(() => this.frames.some(match), timeoutMs, 'frame not received');
    return this.frames.find(match)!;
  }

  /** Resolves true once `count` frames arrived, false if the stream ends first; rejects after `timeoutMs`. */
  async hasFrames(count: number, timeoutMs = 5_000): Promise<boolean> {
    let over = false;
    void this.closed.then(() => (over = true));
    await this.waitUntil(() => this.frames.length >= count || over, timeoutMs, `${count} frames not received`);
    return this.frames.length >= count;
  }

  async waitForMessages(count: number, timeoutMs = 5_000): Promise<string[]> {
    await this.waitUntil(() => this.messages().length >= count, timeoutMs, `${count} messages not received`);
    return this.messages();
  }

  /** The close code (the close frame's, or 1006); rejects after `timeoutMs`. */
  async closeCode(timeoutMs = 5_000): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`stream not closed; got ${JSON.stringify(this.frames)}`)), timeoutMs)),
    );
    try {
      return (await Promise.race([this.closed, timeout])).code;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Goes away: aborts the request (the server sees the client leave). */
  close(): void {
    this.controller.abort();
  }

  private async waitUntil(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let over = false;
    void this.closed.then(() => (over = true));
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0 || (over && !done())) throw new Error(`${what}; got ${JSON.stringify(this.frames)}${over ? ' (the stream is over)' : ''}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
  }
}
