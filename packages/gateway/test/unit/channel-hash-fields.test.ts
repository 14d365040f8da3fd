/**
 * The channel hash's fields have one list, `ChannelField` (@channel-gateway/protocol): the Lua scripts may
 * use no other name, and docs/REDIS.md says which script writes and reads which field. Both are read here
 * from the files themselves, so a renamed field, a new one or a script that starts touching one shows up.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ChannelField } from '@channel-gateway/protocol';

const scriptDir = new URL('../../src/stores/redis-scripts/', import.meta.url);
const docs = readFileSync(new URL('../../../../docs/REDIS.md', import.meta.url), 'utf8');

type Access = 'write' | 'read';
/** Hash commands, and which of their arguments after the key are field names. */
const HASH_COMMANDS: Record<string, { access: Access; fields: 'all' | 'even' | 'first' }> = {
  HGET: { access: 'read', fields: 'all' },
  HMGET: { access: 'read', fields: 'all' },
  HEXISTS: { access: 'read', fields: 'all' },
  HSET: { access: 'write', fields: 'even' },
  HDEL: { access: 'write', fields: 'all' },
  HINCRBY: { access: 'write', fields: 'first' },
  HSETNX: { access: 'write', fields: 'first' },
};

/** The arguments of each `redis.call(...)`, split at top-level commas. */
function redisCalls(lua: string): string[][] {
  const calls: string[][] = [];
  for (let start = lua.indexOf('redis.call('); start >= 0; start = lua.indexOf('redis.call(', start + 1)) {
    const args: string[] = [];
    let depth = 0;
    let current = '';
    let quote: string | undefined;
    for (let i = start + 'redis.call('.length; i < lua.length; i++) {
      const char = lua[i]!;
      if (quote) {
        current += char;
        if (char === quote && lua[i - 1] !== '\\') quote = undefined;
      } else if (char === "'" || char === '"') {
        quote = char;
        current += char;
      } else if (char === '(' || char === '[' || char === '{') {
        depth++;
        current += char;
      } else if ((char === ')' || char === ']' || char === '}') && depth > 0) {
        depth--;
        current += char;
      } else if (char === ')' || (char === ',' && depth === 0)) {
        args.push(current.trim());
        current = '';
        if (char === ')') break;
      } else current += char;
    }
    calls.push(args);
  }
  return calls;
}

/** Which key expressions name the channel hash (or the webhook jobs hash, keyed by job ID), from the header. */
function hashKinds(lua: string): Map<string, 'channel' | 'jobs'> {
  const kinds = new Map<string, 'channel' | 'jobs'>([
    ['channel_key', 'channel'],
    ['jobs_key', 'jobs'],
  ]);
  for (const [, index] of lua.matchAll(/KEYS\[(\d+)\] channel hash/g)) kinds.set(`KEYS[${index}]`, 'channel');
  for (const [, index] of lua.matchAll(/KEYS\[(\d+)\] jobs hash/g)) kinds.set(`KEYS[${index}]`, 'jobs');
  return kinds;
}

/** Field → access → scripts (file names without `.lua`) that touch it, over every script. */
function fieldsTouched(): Map<string, Record<Access, Set<string>>> {
  const touched = new Map<string, Record<Access, Set<string>>>();
  for (const file of readdirSync(scriptDir).filter((name) => name.endsWith('.lua'))) {
    const lua = readFileSync(new URL(file, scriptDir), 'utf8');
    const kinds = hashKinds(lua);
    for (const [command = '', key = '', ...rest] of redisCalls(lua)) {
      const spec = HASH_COMMANDS[command.replace(/^'(.*)'$/, '$1')];
      if (!spec) continue;
      const kind = kinds.get(key);
      if (!kind) throw new Error(`${file}: ${command} on ${key}, a key its header does not name as a hash`);
      if (kind === 'jobs') continue;
      const fields = spec.fields === 'all' ? rest : spec.fields === 'first' ? rest.slice(0, 1) : rest.filter((_, i) => i % 2 === 0);
      for (const field of fields) {
        const name = /^'([^']*)'$/.exec(field)?.[1];
        if (name === undefined) throw new Error(`${file}: ${command} ${key} with field ${field}: field names are literals, to be checked`);
        const entry = touched.get(name) ?? { write: new Set<string>(), read: new Set<string>() };
        entry[spec.access].add(file.replace(/\.lua$/, ''));
        touched.set(name, entry);
      }
    }
  }
  return touched;
}

/** The rows of the channel hash table in docs/REDIS.md: field → { write, read } script lists. */
function documented(): Map<string, Record<Access, string[]>> {
  const section = docs.split(/^## /m).find((part) => part.startsWith('The channel hash'));
  if (!section) throw new Error('docs/REDIS.md has no "## The channel hash" section');
  const rows = new Map<string, Record<Access, string[]>>();
  for (const line of section.split('\n')) {
    const cells = /^\| `([^`]+)` \|/.test(line) ? line.split('|').map((cell) => cell.trim()) : undefined;
    if (!cells) continue;
    const list = (cell = '') => [...cell.matchAll(/`([a-z-]+)`/g)].map((match) => match[1]!).sort();
    rows.set(cells[1]!.replace(/`/g, ''), { write: list(cells[4]), read: list(cells[5]) });
  }
  return rows;
}

describe('the channel hash fields', () => {
  const known = new Set<string>(Object.values(ChannelField));
  const touched = fieldsTouched();

  it('the Lua scripts use only the fields of ChannelField, and every one of them', () => {
    expect([...touched.keys()].filter((field) => !known.has(field))).toEqual([]);
    expect([...known].filter((field) => !touched.has(field))).toEqual([]);
  });

  it('docs/REDIS.md lists every field with the scripts that write and read it', () => {
    const fromScripts = Object.fromEntries([...touched].map(([field, { write, read }]) => [field, { write: [...write].sort(), read: [...read].sort() }]));
    expect(Object.fromEntries(documented())).toEqual(fromScripts);
  });

  it('the parser sees fields in every command form the scripts use (so the checks above can fail)', () => {
    const calls = redisCalls("redis.call('HSET', KEYS[1], 'own', ARGV[2], 'cat', tonumber(ARGV[3]))\nredis.call('HMGET', channel_key, 'exp', \"x,y\")");
    expect(calls).toEqual([
      ["'HSET'", 'KEYS[1]', "'own'", 'ARGV[2]', "'cat'", 'tonumber(ARGV[3])'],
      ["'HMGET'", 'channel_key', "'exp'", '"x,y"'],
    ]);
  });
});
