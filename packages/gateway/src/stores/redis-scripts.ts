/**
 * Loads the Lua scripts in redis-scripts/ as ioredis commands (EVALSHA with EVAL fallback, pipelined).
 * The build copies the .lua files next to the compiled code.
 */
import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';

export type ScriptCall = (...keysThenArgs: Array<string | number>) => Promise<unknown>;

const scriptDir = new URL('./redis-scripts/', import.meta.url);
const read = (file: string) => readFileSync(new URL(file, scriptDir), 'utf8');

/** Shared Lua functions a script may need, prepended to it. */
export type Prelude = 'trim-buffer' | 'append-message' | 'webhook-outbox';

/** `numberOfKeys: null`: the call passes the number of keys as its first argument (variable-length scripts). */
export function defineScript(redis: Redis | Cluster, name: string, file: string, numberOfKeys: number | null, preludes: Prelude[] = []): ScriptCall {
  const lua = [...preludes.map((prelude) => read(`${prelude}.lua`)), read(file)].join('\n');
  redis.defineCommand(name, numberOfKeys === null ? { lua } : { numberOfKeys, lua });
  const command = (redis as unknown as Record<string, ScriptCall>)[name];
  if (!command) throw new Error(`ioredis did not define script command ${name}`);
  return command.bind(redis);
}
