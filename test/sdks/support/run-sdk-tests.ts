/** Runs an SDK's own test command (python3 -m unittest, go test, java -jar junit…) and collects its output. */
import { spawnProcess } from '../../support/index.js';

export interface SdkTestRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr interleaved, in arrival order. */
  output: string;
}

export interface RunSdkTestsOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Killed (SIGKILL) after this long; the run then reports signal SIGKILL. */
  timeoutMs: number;
  name?: string;
}

export async function runSdkTests(command: string, args: readonly string[], options: RunSdkTestsOptions): Promise<SdkTestRun> {
  const proc = spawnProcess(command, args, { cwd: options.cwd, env: options.env, name: options.name ?? command });
  const timer = setTimeout(() => void proc.stop('SIGKILL'), options.timeoutMs);
  try {
    const exit = await proc.exited;
    if (exit.error) throw new Error(`could not run ${command}: ${exit.error.message}`);
    return { code: exit.code, signal: exit.signal, output: proc.lines().map((line) => line.text).join('\n') };
  } finally {
    clearTimeout(timer);
  }
}
