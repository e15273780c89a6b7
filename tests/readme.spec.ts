/**
 * The README stays true: its configuration table is exactly the one generated from `ENV`, the
 * commands it gives exist, the CI script runs its test command, and every variable or repo
 * path it names exists.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ENV } from '../src/config.js';
import { configTable, END, START, withConfigTable } from '../scripts/config-table.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const read = (p: string): string => readFileSync(path.join(root, p), 'utf8');
const readme = read('README.md');
const pkg = z.object({ scripts: z.record(z.string(), z.string()) }).parse(JSON.parse(read('package.json')));

describe('README configuration table', () => {
  it('is exactly the table generated from ENV, between the markers', () => {
    const a = readme.indexOf(START);
    const b = readme.indexOf(END);
    expect(a).toBeGreaterThan(-1);
    expect(b).toBeGreaterThan(a);
    expect(readme.slice(a + START.length, b).trim()).toBe(configTable());
    // regenerating changes nothing (run `npx tsx scripts/config-table.ts --write` when this fails)
    expect(withConfigTable(readme)).toBe(readme);
  });

  it('the table has one row per ENV key, secrets marked', () => {
    const rows = configTable().split('\n').slice(2);
    expect(rows).toHaveLength(Object.keys(ENV).length);
    for (const [key, spec] of Object.entries(ENV)) {
      const row = rows.find((r) => r.startsWith(`| \`${key}\` |`));
      expect(row, key).toBeDefined();
      expect(row!.includes('**(secret)**'), key).toBe('secret' in spec && spec.secret === true);
      // a pipe inside a cell is escaped, so every row has exactly four unescaped separators
      expect(row!.replace(/\\\|/g, '').split('|')).toHaveLength(5);
    }
  });

  it('withConfigTable refuses a README without markers', () => {
    expect(() => withConfigTable('# no table here')).toThrow(/config:start/);
  });
});

describe('README commands', () => {
  it('quickstart is npm ci then npm start, and npm test runs the tests', () => {
    expect(readme).toMatch(/```sh\nnpm ci\nnpm start\n```/);
    expect(readme).toMatch(/```sh\nnpm test\n```/);
    expect(pkg.scripts.start).toBeDefined();
    expect(pkg.scripts.test).toBe('vitest run');
  });

  it('every `npm run <script>` it mentions exists in package.json', () => {
    const named = [...readme.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(0);
    for (const s of named) expect(pkg.scripts, s).toHaveProperty(s);
  });

  it('.ci/run exports CI=true, is strict, and ends by running the README test command', () => {
    const ci = read('.ci/run');
    expect(ci.startsWith('#!/usr/bin/env bash\n')).toBe(true);
    expect(ci).toMatch(/^set -euo pipefail$/m);
    expect(ci).toMatch(/^export CI=true$/m);
    expect(ci).toMatch(/^npm ci\b/m);
    const commands = ci.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(commands.at(-1)).toBe('npm test');
  });

  it('names the test kinds by the suffixes vitest.config.ts uses', () => {
    const vitest = read('vitest.config.ts');
    for (const suffix of ['*.spec.ts', '*.int.spec.ts', '*.e2e.spec.ts']) {
      expect(vitest).toContain(`tests/**/${suffix}`);
      expect(readme).toContain(`\`${suffix}\``);
    }
  });
});

describe('README names only things that exist', () => {
  it('every UPPER_CASE variable in backticks is a config key or a compose variable', () => {
    const composeVars = new Set([...read('docker-compose.yml').matchAll(/\$\{(\w+)/g)].map((m) => m[1]!));
    const outsideTable = readme.slice(0, readme.indexOf(START)) + readme.slice(readme.indexOf(END));
    const named = [...outsideTable.matchAll(/`([A-Z][A-Z0-9]*_[A-Z0-9_]+)(?:=[^`]*)?`/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(5);
    for (const v of named) expect(v in ENV || composeVars.has(v) || v === 'CI', v).toBe(true);
  });

  it('every repo path it names in backticks or links exists (lines marked in progress may name future ones)', () => {
    const lines = readme.split('\n').filter((l) => !l.includes('*(in progress)*'));
    const text = lines.join('\n');
    const paths = [
      ...[...text.matchAll(/`((?:src|scripts|tests|grafana|operators|pipelines|schema|\.ci)\/[\w./-]*)`/g)].map((m) => m[1]!),
      ...[...text.matchAll(/\]\(((?!https?:|#)[^)]+)\)/g)].map((m) => m[1]!),
    ];
    expect(paths.length).toBeGreaterThan(3);
    for (const p of paths) expect(existsSync(path.join(root, p)), p).toBe(true);
  });
});
