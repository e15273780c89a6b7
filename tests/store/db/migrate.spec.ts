import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMigrations, splitStatements } from '../../../src/store/db/migrate.js';

describe('splitStatements', () => {
  it('splits at top-level semicolons only', () => {
    const sql = `-- a; comment
SELECT 'a;b', "x;y" FROM t;
/* block; */ DO $$ BEGIN PERFORM 1; END $$;
DO $tag$ SELECT '$$;' $tag$;
SELECT 'it''s; fine';
-- trailing comment only`;
    expect(splitStatements(sql)).toEqual([
      `-- a; comment\nSELECT 'a;b', "x;y" FROM t`,
      `/* block; */ DO $$ BEGIN PERFORM 1; END $$`,
      `DO $tag$ SELECT '$$;' $tag$`,
      `SELECT 'it''s; fine'`,
    ]);
  });

  it('returns nothing for whitespace and comments', () => {
    expect(splitStatements('  -- x;\n /* y; */ ;\n')).toEqual([]);
  });
});

describe('loadMigrations', () => {
  it('orders the project migrations and marks no-transaction files', () => {
    const m = loadMigrations();
    expect(m.map((x) => x.version)).toEqual([...m.map((x) => x.version)].sort((a, b) => a - b));
    expect(m[0]!.name).toBe('0001_extensions');
    expect(m.find((x) => x.name === '0003_edges_per_minute')?.transaction).toBe(false);
    expect(m.find((x) => x.name === '0002_core_tables')?.transaction).toBe(true);
    for (const x of m) expect(x.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rejects badly named files and duplicate versions', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mig-'));
    writeFileSync(join(dir, '0001_a.sql'), 'SELECT 1;');
    writeFileSync(join(dir, '0001_b.sql'), 'SELECT 1;');
    expect(() => loadMigrations(dir)).toThrow(/share version 0001/);
    const dir2 = mkdtempSync(join(tmpdir(), 'mig-'));
    writeFileSync(join(dir2, '1_Bad.sql'), 'SELECT 1;');
    expect(() => loadMigrations(dir2)).toThrow(/does not match NNNN_name.sql/);
  });
});
