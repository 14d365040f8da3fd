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
export type Prelude = 'trim-buffer' | 'webhook-outbox';

export function defineScript(redis: Redis | Cluster, name: string, file: string, numberOfKeys: number, preludes: Prelude[] = []): ScriptCall {
  const lua = [...preludes.map((prelude) => read(`${prelude}.lua`)), read(file)].join('\n');
  redis.defineCommand(name, { numberOfKeys, lua });
  const command = (redis as unknown as Record<string, ScriptCall>)[name];
  if (!command) throw new Error(`ioredis did not define script command ${name}`);
  return command.bind(redis);
}
