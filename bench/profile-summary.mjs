#!/usr/bin/env node
/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`), optionally only the samples inside a time window.
 * V8 profile timestamps are CLOCK_MONOTONIC µs, the same clock as process.hrtime(), so run.mjs can pass
 * the measured window of a phase.
 *
 *   node bench/profile-summary.mjs <file.cpuprofile> [--from <µs>] [--to <µs>] [--top 30]
 *
 * Prints (markdown): the share of samples by area (gateway source file, package, Node internals, GC,
 * idle), the top functions by self time, and the top functions by inclusive time.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

export function summarizeProfile(profile, { from = -Infinity, to = Infinity, top = 25 } = {}) {
  const byId = new Map();
  const parent = new Map();
  for (const node of profile.nodes) byId.set(node.id, node);
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  // Sample i happens at startTime + sum(timeDeltas[0..i]); it stands for the time until the next one.
  const self = new Map();
  const inclusive = new Map();
  const areas = new Map();
  let total = 0;
  let t = profile.startTime;
  const n = profile.samples.length;
  for (let i = 0; i < n; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t < from || t > to) continue;
    const weight = i + 1 < n ? Math.max(0, profile.timeDeltas[i + 1] ?? 0) : 0;
    if (weight === 0) continue;
    total += weight;
    const leaf = byId.get(profile.samples[i]);
    const leafKey = frameKey(leaf.callFrame);
    self.set(leafKey, (self.get(leafKey) ?? 0) + weight);
    const area = areaOf(leaf.callFrame);
    areas.set(area, (areas.get(area) ?? 0) + weight);
    const seen = new Set();
    for (let id = leaf.id; id !== undefined; id = parent.get(id)) {
      const key = frameKey(byId.get(id).callFrame);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + weight);
    }
  }
  if (total === 0) return '_no samples in this window_';
  const pct = (v) => ((100 * v) / total).toFixed(1);
  const busy = total - (areas.get('(idle)') ?? 0);
  const lines = [];
  lines.push(`Sampled ${(total / 1e6).toFixed(2)} s of the window; busy (not idle) ${pct(busy)} %.`, '');
  lines.push('| area (self time) | % of samples | % of busy |', '|---|---:|---:|');
  for (const [area, v] of [...areas].sort((a, b) => b[1] - a[1]).slice(0, 16))
    lines.push(`| ${area} | ${pct(v)} | ${area === '(idle)' ? '–' : ((100 * v) / busy).toFixed(1)} |`);
  lines.push('', '| function (self time) | % of busy |', '|---|---:|');
  for (const [key, v] of [...self]
    .filter(([k]) => k !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, top))
    lines.push(`| ${key} | ${((100 * v) / busy).toFixed(1)} |`);
  lines.push('', '| function (inclusive time) | % of busy |', '|---|---:|');
  for (const [key, v] of [...inclusive]
    .filter(([k]) => !['(root)', '(idle)', '(program)', '(garbage collector)'].includes(k))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top))
    lines.push(`| ${key} | ${((100 * v) / busy).toFixed(1)} |`);
  return lines.join('\n');
}

function shortUrl(url) {
  if (!url) return '';
  let path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    path = path.slice(nm + '/node_modules/'.length);
    if (path.startsWith('.pnpm/')) path = path.slice(path.indexOf('/node_modules/') + '/node_modules/'.length);
    return path;
  }
  const packages = path.indexOf('/packages/');
  if (packages >= 0) return path.slice(packages + 1);
  return path;
}

function frameKey(frame) {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  return `${name} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
}

function areaOf(frame) {
  const url = frame.url ?? '';
  if (!url) {
    const name = frame.functionName;
    if (name === '(idle)' || name === '(garbage collector)' || name === '(program)') return name;
    return '(native: ' + (name || 'anonymous') + ')';
  }
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0] === 'internal' ? url.slice(5).split('/').slice(0, 2).join('/') : url.slice(5)}`;
  const short = shortUrl(url);
  if (url.includes('/node_modules/')) {
    const parts = short.split('/');
    const pkg = parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
    if (pkg === '@channel-gateway/protocol') return 'packages/protocol';
    return pkg;
  }
  if (short.startsWith('packages/')) return short.replace(/\/dist\//, '/src/').replace(/\.js$/, '.ts');
  return short;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { from: { type: 'string' }, to: { type: 'string' }, top: { type: 'string', default: '30' } },
  });
  for (const file of positionals) {
    const profile = JSON.parse(readFileSync(file, 'utf8'));
    process.stdout.write(`## ${file}\n\n`);
    process.stdout.write(
      summarizeProfile(profile, {
        from: values.from ? Number(values.from) : -Infinity,
        to: values.to ? Number(values.to) : Infinity,
        top: Number(values.top),
      }) + '\n\n',
    );
  }
}
