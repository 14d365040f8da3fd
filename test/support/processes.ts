/**
 * Child processes for tests: spawn, collect output lines, wait for a line (event-driven), stop.
 * Every child is killed when the test process exits, so a failed or interrupted run leaks nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export type StreamName = 'stdout' | 'stderr';

export interface OutputLine {
  stream: StreamName;
  text: string;
}

export type LinePredicate = (line: string, stream: StreamName) => boolean;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (e.g. ENOENT). */
  error?: Error;
}

export interface SpawnOptions {
  cwd?: string;
  /** The complete environment of the child (default: a copy of process.env). */
  env?: NodeJS.ProcessEnv;
  /** Name used in error messages (default: the command's base name). */
  name?: string;
  /** Most lines kept per process; older ones are dropped (default 50 000). */
  maxLines?: number;
  /** Also echo every line to this process's stderr, prefixed with the name (debugging). */
  echo?: boolean;
}

export interface WaitForLineOptions {
  /** Also match lines printed before the call (default true). */
  includePast?: boolean;
  /** What is being waited for, for the error message. */
  what?: string;
}

export interface SpawnedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number | undefined;
  /** Every line (stdout and stderr interleaved, in arrival order). */
  lines(): OutputLine[];
  stdoutLines(): string[];
  stderrLines(): string[];
  /** The last lines of output, formatted for an error message. */
  tail(count?: number): string;
  /** Resolves with the first line that matches; rejects on timeout or if the process exits first. */
  waitForLine(predicate: LinePredicate | RegExp | string, timeoutMs?: number, options?: WaitForLineOptions): Promise<string>;
  /** Settles once the process has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;
  /** Undefined while the process runs. */
  exitInfo(): ExitInfo | undefined;
  /**
   * Sends `signal` (default SIGTERM), waits for the exit, escalates to SIGKILL after `graceMs`
   * (default 10 s). Returns the exit code (null when the process died from a signal).
   */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>;
}

const live = new Set<ChildProcess>();
let hooksInstalled = false;

function killAllSync(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllSync);
  // In a forked worker (vitest's forks pool) the IPC channel closes when the parent runner dies,
  // possibly without signalling us: do not leave the children running.
  if (typeof process.send === 'function') process.once('disconnect', killAllSync);
  // A signal skips 'exit' handlers; kill the children, then let the signal do what it would have done.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      killAllSync();
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

/** Registers a child started elsewhere so it is killed when the test process exits. */
export function killOnExit(child: ChildProcess): void {
  installExitHooks();
  if (child.exitCode !== null || child.signalCode !== null) return;
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
}

function toPredicate(predicate: LinePredicate | RegExp | string): LinePredicate {
  if (typeof predicate === 'function') return predicate;
  if (typeof predicate === 'string') return (line) => line.includes(predicate);
  return (line) => {
    predicate.lastIndex = 0;
    return predicate.test(line);
  };
}

function describe(predicate: LinePredicate | RegExp | string): string {
  if (typeof predicate === 'string') return JSON.stringify(predicate);
  if (predicate instanceof RegExp) return String(predicate);
  return 'a matching line';
}

function describeExit(info: ExitInfo): string {
  if (info.error) return `failed to start (${info.error.message})`;
  if (info.signal) return `was killed by ${info.signal}`;
  return `exited with code ${info.code}`;
}

/** Spawns `command args` with piped output. Never throws: a failed start shows up in `exited`. */
export function spawnProcess(command: string, args: readonly string[] = [], options: SpawnOptions = {}): SpawnedProcess {
  const name = options.name ?? command.split('/').pop() ?? command;
  const maxLines = options.maxLines ?? 50_000;
  const all: OutputLine[] = [];
  const listeners = new Set<(line: OutputLine) => void>();
  const exitListeners = new Set<(info: ExitInfo) => void>();
  let exitInfo: ExitInfo | undefined;

  const child = spawn(command, [...args], {
    cwd: options.cwd,
    env: options.env ?? { ...process.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  killOnExit(child);

  const push = (stream: StreamName, text: string) => {
    const line: OutputLine = { stream, text };
    all.push(line);
    if (all.length > maxLines) all.splice(0, all.length - maxLines);
    if (options.echo) process.stderr.write(`[${name} ${stream}] ${text}\n`);
    for (const listener of [...listeners]) listener(line);
  };

  const pending: Record<StreamName, string> = { stdout: '', stderr: '' };
  const closed = { stdout: false, stderr: false };
  let processExit: ExitInfo | undefined;

  const finish = (info: ExitInfo) => {
    if (exitInfo) return;
    exitInfo = info;
    for (const listener of [...exitListeners]) listener(info);
  };
  // 'exit' can come before the pipes are drained: report the exit once both are closed.
  const maybeFinish = () => {
    if (processExit && closed.stdout && closed.stderr) finish(processExit);
  };

  for (const stream of ['stdout', 'stderr'] as const) {
    const readable = child[stream];
    if (!readable) {
      closed[stream] = true;
      continue;
    }
    readable.setEncoding('utf8');
    readable.on('data', (chunk: string) => {
      const parts = (pending[stream] + chunk).split('\n');
      pending[stream] = parts.pop() ?? '';
      for (const part of parts) push(stream, part.endsWith('\r') ? part.slice(0, -1) : part);
    });
    readable.on('close', () => {
      if (pending[stream] !== '') push(stream, pending[stream]);
      pending[stream] = '';
      closed[stream] = true;
      maybeFinish();
    });
  }

  child.once('exit', (code, signal) => {
    processExit = { code, signal };
    maybeFinish();
    // Safety net: a grandchild holding the pipes open must not delay the exit report forever.
    setTimeout(() => finish({ code, signal }), 2_000).unref();
  });
  child.once('error', (error) => {
    // Spawn failure (no 'exit' follows). Errors after a successful spawn are followed by 'exit'.
    if (child.pid === undefined) finish({ code: null, signal: null, error });
  });

  const exited = new Promise<ExitInfo>((resolve) => {
    if (exitInfo) resolve(exitInfo);
    else exitListeners.add(resolve);
  });

  const tail = (count = 40) => {
    const lines = all.slice(-count).map((line) => (line.stream === 'stderr' ? `[stderr] ${line.text}` : line.text));
    return lines.length > 0 ? lines.join('\n') : '(no output)';
  };

  const waitForLine: SpawnedProcess['waitForLine'] = (predicate, timeoutMs = 10_000, waitOptions = {}) => {
    const test = toPredicate(predicate);
    const what = waitOptions.what ?? describe(predicate);
    return new Promise<string>((resolve, reject) => {
      if (waitOptions.includePast !== false) {
        const found = all.find((line) => test(line.text, line.stream));
        if (found) {
          resolve(found.text);
          return;
        }
      }
      if (exitInfo) {
        reject(new Error(`${name} ${describeExit(exitInfo)} before printing ${what}. Output:\n${tail()}`));
        return;
      }
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(onLine);
        exitListeners.delete(onExit);
      };
      const onLine = (line: OutputLine) => {
        let matched: boolean;
        try {
          matched = test(line.text, line.stream);
        } catch (error) {
          cleanup();
          reject(error);
          return;
        }
        if (matched) {
          cleanup();
          resolve(line.text);
        }
      };
      const onExit = (info: ExitInfo) => {
        cleanup();
        reject(new Error(`${name} ${describeExit(info)} before printing ${what}. Output:\n${tail()}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${name} to print ${what}. Output:\n${tail()}`));
      }, timeoutMs);
      listeners.add(onLine);
      exitListeners.add(onExit);
    });
  };

  const stop: SpawnedProcess['stop'] = async (signal = 'SIGTERM', graceMs = 10_000) => {
    if (!exitInfo) {
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
      const escalate = setTimeout(() => {
        try {
          child.kill('SIGKILL');
        } catch {
          // already gone
        }
      }, graceMs);
      await exited;
      clearTimeout(escalate);
    }
    return (await exited).code;
  };

  return {
    name,
    child,
    get pid() {
      return child.pid;
    },
    lines: () => [...all],
    stdoutLines: () => all.filter((line) => line.stream === 'stdout').map((line) => line.text),
    stderrLines: () => all.filter((line) => line.stream === 'stderr').map((line) => line.text),
    tail,
    waitForLine,
    exited,
    exitInfo: () => exitInfo,
    stop,
  };
}
