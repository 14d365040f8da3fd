import type { ChannelGap, SocketHandler } from '../../src/index.js';

export type AppEvent =
  | { type: 'open' }
  | { type: 'message'; data: string }
  | { type: 'error'; code: number; description: string }
  | { type: 'gap'; gap: ChannelGap }
  | { type: 'close' };

/** Handler object with every handler present, so tests can call one directly. */
export type RecordingHandlers = { [K in keyof SocketHandler]-?: NonNullable<SocketHandler[K]> };

/** Records what the app's handlers saw, in order, and lets a test wait for a state of that record. */
export class AppLog {
  readonly events: AppEvent[] = [];
  private readonly waiters: Array<() => void> = [];

  handlers(): RecordingHandlers {
    return {
      onopen: () => this.push({ type: 'open' }),
      onmessage: (message) => this.push({ type: 'message', data: message.data }),
      onerror: (error) => this.push({ type: 'error', code: error.code, description: error.description }),
      ongap: (gap) => this.push({ type: 'gap', gap }),
      onclose: () => this.push({ type: 'close' }),
      // State changes are checked where they are the subject (connection-state.test.ts), not in every log.
      onstatechange: () => undefined,
    };
  }

  types(): string[] {
    return this.events.map((event) => event.type);
  }

  messages(): string[] {
    return this.events.flatMap((event) => (event.type === 'message' ? [event.data] : []));
  }

  count(type: AppEvent['type']): number {
    return this.events.filter((event) => event.type === type).length;
  }

  /** Resolves once the log satisfies `condition` (checked now and after every event). */
  until(condition: (log: AppLog) => boolean): Promise<void> {
    if (condition(this)) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (condition(this)) resolve();
        else this.waiters.push(check);
      };
      this.waiters.push(check);
    });
  }

  untilCount(type: AppEvent['type'], count = 1): Promise<void> {
    return this.until((log) => log.count(type) >= count);
  }

  private push(event: AppEvent): void {
    this.events.push(event);
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}
