/**
 * Benchmark runner: `npm run bench [-- name ...]` runs every `bench/<name>.bench.ts` (or those
 * named), prints one table and writes bench/results/latest.md and latest.json.
 * A bench module exports `run(): Promise<BenchRow[]>` (see bench/types.ts).
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchFn, BenchRow } from './types.js';

const dir = fileURLToPath(new URL('.', import.meta.url));
const wanted = process.argv.slice(2);
const modules = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .map((f) => f.slice(0, -'.bench.ts'.length))
  .filter((n) => !wanted.length || wanted.includes(n))
  .sort();
const unknown = wanted.filter((w) => !modules.includes(w));
if (unknown.length) {
  console.error(`unknown bench: ${unknown.join(', ')}`);
  process.exit(2);
}

const results: { bench: string; rows: BenchRow[]; error?: string }[] = [];
for (const name of modules) {
  const mod = (await import(pathToFileURL(`${dir}${name}.bench.ts`).href)) as { run?: BenchFn };
  if (typeof mod.run !== 'function') {
    results.push({ bench: name, rows: [], error: 'module does not export run()' });
    continue;
  }
  console.error(`running ${name} ...`);
  try {
    results.push({ bench: name, rows: await mod.run() });
  } catch (err) {
    results.push({ bench: name, rows: [], error: (err as Error).message });
  }
}

const fmt = (n: number | undefined): string => (n === undefined ? '' : n.toLocaleString('en-US'));
const lines = [
  `# Benchmarks`,
  '',
  `${new Date().toISOString()} · node ${process.version} · ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'} · command: \`npm run bench${wanted.length ? ' -- ' + wanted.join(' ') : ''}\``,
  '',
  '| bench | measure | value | unit | baseline | ratio | note |',
  '|---|---|---:|---|---:|---:|---|',
];
for (const r of results) {
  if (r.error) lines.push(`| ${r.bench} | FAILED | | | | | ${r.error.replace(/\|/g, '/')} |`);
  for (const row of r.rows) lines.push(`| ${r.bench} | ${row.name} | ${fmt(row.value)} | ${row.unit} | ${fmt(row.baseline)} | ${row.ratio === undefined ? '' : (row.ratio * 100).toFixed(1) + '%'} | ${row.note ?? ''} |`);
}
const md = lines.join('\n') + '\n';
console.log(md);
mkdirSync(`${dir}results`, { recursive: true });
writeFileSync(`${dir}results/latest.md`, md);
writeFileSync(`${dir}results/latest.json`, JSON.stringify({ at: new Date().toISOString(), node: process.version, results }, null, 2) + '\n');
process.exit(results.some((r) => r.error) ? 1 : 0);
