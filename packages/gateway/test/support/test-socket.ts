/**
 * A protocol-level test client over `ws`: opens the socket, says hello, and lets a test await frames and
 * the close code as events (no sleeps).
 */
import WebSocket from 'ws';
import type { ServerFrame, StreamPosition } from '@channel-gateway/protocol';

export class TestSocket {
  readonly frames: ServerFrame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<() => void> = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as ServerFrame);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('error', () => undefined);
  }

  static async connect(url: string, options: WebSocket.ClientOptions = {}): Promise<TestSocket> {
    const ws = new WebSocket(url, options);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused: ${response.statusCode}`)));
    });
    return new TestSocket(ws);
  }

  /** Connects, says hello, and waits for the open frame. */
  static async open(url: string, token: string, resume?: StreamPosition): Promise<TestSocket> {
    const socket = await TestSocket.connect(url);
    socket.send({ type: 'hello', token, ...(resume ? { resume } : {}) });
    await socket.waitForFrame((frame) => frame.type === 'open');
    return socket;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
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
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`frame not received; got ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
  }

  async waitForMessages(count: number, timeoutMs = 5_000): Promise<string[]> {
    let seen = 0;
    await this.waitForFrame(() => ++seen > 0 && this.messages().length >= count, timeoutMs);
    return this.messages();
  }

  async closeCode(timeoutMs = 5_000): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('socket not closed')), timeoutMs)));
    try {
      return (await Promise.race([this.closed, timeout])).code;
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.ws.close();
  }
}
