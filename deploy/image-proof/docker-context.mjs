// Part of prove-image.sh: copies the repository's files into a directory as `docker build` would send them
// as the build context, leaving out what .dockerignore names (its simple forms: `name`, `dir/*/name`,
// `**/name`, `*.ext`, `.env.*`; no `!` exceptions, which this repository's file does not use).
// Usage: git ls-files -z --cached --others --exclude-standard | node docker-context.mjs <repo> <into>
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const [repo, into] = process.argv.slice(2);
const patterns = readFileSync(join(repo, '.dockerignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line && !line.startsWith('#'));
if (patterns.some((pattern) => pattern.startsWith('!'))) throw new Error('docker-context.mjs: exceptions (!) are not supported');

const toRegExp = (pattern) => {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/^\*\*\//, '\u0000')
    .replace(/\*/g, '[^/]*')
    .replace('\u0000', '(?:.*/)?');
  // A pattern excludes the path itself and everything under it.
  return new RegExp(`^${source}(?:/.*)?$`);
};
const excluded = patterns.map(toRegExp);

const files = readFileSync(0, 'utf8').split('\0').filter(Boolean);
let copied = 0;
for (const file of files) {
  if (excluded.some((pattern) => pattern.test(file))) continue;
  mkdirSync(join(into, dirname(file)), { recursive: true });
  cpSync(join(repo, file), join(into, file));
  copied++;
}
console.log(`${copied} of ${files.length} files in the build context`);
