#!/usr/bin/env node
/**
 * The `channel-gateway` command (the package's bin, so `npx @channel-gateway/gateway` runs it): no argument
 * runs a node configured by CG_* environment variables; `--help` lists them; `--version` prints the version.
 */
import { readFileSync } from 'node:fs';
import { settingDefaults } from './config.js';

interface PackageJson {
  version: string;
  repository?: { url?: string };
}

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as PackageJson;
const args = process.argv.slice(2);

if (args.length === 0) {
  await import('./main.js');
} else if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  process.stdout.write(`${pkg.version}\n`);
} else if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
  process.stdout.write(help());
} else {
  process.stderr.write(`channel-gateway: unknown argument ${JSON.stringify(args.join(' '))} (settings are CG_* environment variables; see --help)\n`);
  process.exit(2);
}

function help(): string {
  const settings = settingDefaults();
  const width = Math.max(...settings.map((setting) => setting.variable.length));
  const lines = settings.map((setting) => `  ${setting.variable.padEnd(width)}  ${setting.default === undefined ? '(unset)' : setting.default}`);
  return [
    `channel-gateway ${pkg.version}: a Channel Gateway node (HTTP API and WebSocket endpoint on one port)`,
    '',
    'Usage:',
    '  channel-gateway            start a node; SIGTERM or SIGINT drains it',
    '  channel-gateway --help     this text',
    '  channel-gateway --version  the version',
    '',
    'Settings are environment variables, checked at start-up (a bad one stops the node, naming it).',
    'Without CG_REDIS_URL the node runs alone with in-memory stores; without CG_API_KEYS it prints a',
    `generated key. What each setting means: ${configurationDocs()}`,
    '',
    `  ${'variable'.padEnd(width)}  default`,
    ...lines,
    '',
  ].join('\n');
}

/** The README's Configuration table, on the repository's web page when package.json names it. */
function configurationDocs(): string {
  const repository = pkg.repository?.url?.replace(/^git\+/, '').replace(/\.git$/, '');
  return repository ? `${repository}#configuration` : 'the Configuration table in the README';
}
