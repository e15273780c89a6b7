/**
 * Prints the README's configuration table, generated from `ENV` in src/config.ts.
 *   npx tsx scripts/config-table.ts            print the table
 *   npx tsx scripts/config-table.ts --write    replace it in README.md between the markers
 * tests/readme.spec.ts fails when README.md and ENV disagree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENV } from '../src/config.js';

export const START = '<!-- config:start -->';
export const END = '<!-- config:end -->';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The markdown table of every ENV key: variable, default, description (secrets marked). */
export function configTable(): string {
  const rows = Object.entries(ENV).map(([key, spec]) => {
    const def = spec.default === undefined ? 'unset' : spec.default === '' ? 'empty' : `\`${cell(spec.default)}\``;
    const secret = 'secret' in spec && spec.secret ? ' **(secret)**' : '';
    return `| \`${key}\` | ${def} | ${cell(spec.help)}${secret} |`;
  });
  return ['| Variable | Default | Description |', '| --- | --- | --- |', ...rows].join('\n');
}

/** Returns `readme` with the text between the markers replaced by the current table. */
export function withConfigTable(readme: string): string {
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${START} ... ${END} block`);
  return `${readme.slice(0, a + START.length)}\n${configTable()}\n${readme.slice(b)}`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--write')) {
    const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'README.md');
    writeFileSync(file, withConfigTable(readFileSync(file, 'utf8')));
  } else {
    process.stdout.write(configTable() + '\n');
  }
}
