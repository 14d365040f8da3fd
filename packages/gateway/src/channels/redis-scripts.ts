/**
 * Loads the Lua scripts in redis-scripts/ as ioredis commands (EVALSHA with EVAL fallback, pipelined).
 * The build copies the .lua files next to the compiled code.
 */
import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';

export type ScriptCall = (...keysThenArgs: Array<string | number>) => Promise<unknown>;

const scriptDir = new URL('./redis-scripts/', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, scriptDir), 'utf8');

/** Scripts that trim the buffer get the shared prelude prepended. */
export function defineScript(redis: Redis | Cluster, name: string, file: string, numberOfKeys: number, withTrimPrelude = false): ScriptCall {
  const lua = (withTrimPrelude ? read('trim-buffer.lua') + '\n' : '') + read(file);
  redis.defineCommand(name, { numberOfKeys, lua });
  const command = (redis as unknown as Record<string, ScriptCall>)[name];
  if (!command) throw new Error(`ioredis did not define script command ${name}`);
  return command.bind(redis);
}
