/** Paths resolved from the repository root, whatever the current directory is. */
import { fileURLToPath } from 'node:url';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Absolute path of the repository root (this file lives in <root>/test/support/). */
export const repoRoot: string = fileURLToPath(new URL('../../', import.meta.url));

/** Absolute path of a file inside the repository. */
export function repoPath(...segments: string[]): string {
  return join(repoRoot, ...segments);
}

/**
 * Finds an executable on PATH (plus the sbin directories, which a non-root PATH often lacks).
 * Returns its absolute path, or undefined.
 */
export function findExecutable(name: string): string | undefined {
  if (name.includes('/')) return isExecutable(name) ? name : undefined;
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const extra of ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']) {
    if (!dirs.includes(extra)) dirs.push(extra);
  }
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
