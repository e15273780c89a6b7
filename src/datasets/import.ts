/**
 * `arbstream dataset import`: the table kinds of a dataset back into the store (./kinds.ts), rows
 * as they were (money BIGINT, times exact to the µs, arrays and jsonb as stored), inserted with
 * ON CONFLICT DO NOTHING on the tables' unique keys, so importing twice adds nothing.
 * Recording rows have no table: they stay in the dataset, read by {@link readDataset}; they are
 * counted. Each file is read completely before anything of it is inserted: an unreadable file is
 * reported with its path (and row group when DuckDB names one) and skipped, never half imported.
 */
import { join } from 'node:path';
import type pg from 'pg';
import type { Venue } from '../../schema/venue.js';
import { log } from '../log.js';
import { openDuck, type DuckOptions } from './duck.js';
import { tableExists } from './export.js';
import { RECORDING_KIND, TABLE_KINDS, lit, q, type ColType, type TableKind } from './kinds.js';
import { listDatasetFiles } from './layout.js';
import type { DatasetProblem } from './problems.js';
import { checkDatasetFile } from './reader.js';

export interface ImportOptions {
  /** dataset root */
  readonly in: string;
  readonly pool: pg.Pool;
  readonly from?: number;
  readonly to?: number;
  readonly venues?: readonly Venue[];
  readonly markets?: readonly string[];
  /** table kinds to import (default all) */
  readonly kinds?: readonly string[];
  readonly duck?: DuckOptions;
  /** rows per INSERT (default 5000) */
  readonly batch?: number;
}

export interface ImportResult {
  files: number;
  /** rows inserted per kind */
  inserted: Record<string, number>;
  /** rows already in the store per kind (a re-import) */
  present: Record<string, number>;
  /** recording rows seen (not imported: no table) */
  recordingRows: number;
  problems: DatasetProblem[];
}

/** A column read from Parquet as text for PostgreSQL (NULL when the file predates the column). */
function duckOut(name: string, type: ColType, has: boolean): string {
  if (!has) return 'NULL::VARCHAR';
  switch (type) {
    case 'timestamptz':
      return `epoch_us(${q(name)})::VARCHAR`;
    case 'text[]':
      return `to_json(${q(name)})::VARCHAR`;
    case 'text':
    case 'jsonb':
      return q(name);
    default:
      return `${q(name)}::VARCHAR`;
  }
}

/** The text parameter `x` as the column's type in PostgreSQL; exact (µs integer → timestamptz without floats beyond 2^53). */
function pgIn(x: string, type: ColType): string {
  switch (type) {
    case 'timestamptz':
      return `(timestamptz 'epoch' + (${x}::bigint / 1000000) * interval '1 second' + (${x}::bigint % 1000000) * interval '1 microsecond')`;
    case 'text[]':
      return `CASE WHEN ${x} IS NULL THEN NULL ELSE ARRAY(SELECT e FROM jsonb_array_elements_text(${x}::jsonb) WITH ORDINALITY AS a(e, i) ORDER BY i) END`;
    case 'text':
      return x;
    default:
      return `${x}::${type}`;
  }
}

async function insertBatch(pool: pg.Pool, k: TableKind, rows: readonly (string | null)[][]): Promise<number> {
  const cols: { name: string; type: ColType }[] = [{ name: 'venue', type: 'text' }, { name: k.marketColumn, type: 'text' }, { name: 'ts', type: 'timestamptz' }, ...k.columns];
  const params = cols.map((_, i) => rows.map((r) => r[i] ?? null));
  const sql = `INSERT INTO ${q(k.table)} (${cols.map((c) => q(c.name)).join(', ')})
    SELECT ${cols.map((c, i) => pgIn(`u.c${i}`, c.type)).join(', ')}
    FROM unnest(${cols.map((_, i) => `$${i + 1}::text[]`).join(', ')}) AS u(${cols.map((_, i) => `c${i}`).join(', ')})
    ON CONFLICT DO NOTHING`;
  const r = await pool.query(sql, params);
  return r.rowCount ?? 0;
}

/** Imports the dataset's table kinds (see the module comment). Problems are in the result and logged, never thrown. */
export async function importDataset(o: ImportOptions): Promise<ImportResult> {
  const out: ImportResult = { files: 0, inserted: {}, present: {}, recordingRows: 0, problems: [] };
  const report = (p: DatasetProblem) => {
    out.problems.push(p);
    log.warn({ file: p.file, position: p.position, reason: p.message }, 'dataset import: skipped');
  };
  const { files, foreign } = await listDatasetFiles(o.in, {
    ...(o.from !== undefined ? { from: o.from } : {}),
    ...(o.to !== undefined ? { to: o.to } : {}),
    ...(o.venues ? { venues: o.venues } : {}),
    ...(o.markets ? { markets: o.markets } : {}),
  });
  for (const f of foreign) report({ file: f, message: 'not in the dataset layout <venue>/<YYYY-MM>/<market>_<YYYYMMDD>.parquet' });
  const batch = o.batch ?? 5000;
  const exists = new Map<string, boolean>();
  const duck = await openDuck(o.duck);
  try {
    const conn = duck.conn;
    for (const f of files) {
      const path = join(o.in, f.file);
      const problem = await checkDatasetFile(conn, path);
      if (problem) {
        report({ ...problem, file: f.file });
        continue;
      }
      out.files += 1;
      const fileCols = new Set((await (await conn.runAndReadAll(`SELECT name FROM parquet_schema(${lit(path)})`)).getRowsJS()).map((r) => String(r[0])));
      const kinds = (await (await conn.runAndReadAll(`SELECT kind, count(*) FROM read_parquet(${lit(path)}) GROUP BY kind ORDER BY kind`)).getRowsJS()).map((r) => [String(r[0]), Number(r[1])] as const);
      for (const [kind, n] of kinds) {
        if (kind === RECORDING_KIND) {
          out.recordingRows += n;
          continue;
        }
        if (o.kinds && !o.kinds.includes(kind)) continue;
        const k = TABLE_KINDS.find((t) => t.kind === kind);
        if (!k) {
          report({ file: f.file, message: `${n} row(s) of unknown kind '${kind}' skipped (written by a newer version?)` });
          continue;
        }
        if (!exists.has(k.table)) exists.set(k.table, await tableExists(o.pool, k.table));
        if (!exists.get(k.table)) {
          report({ file: f.file, message: `${n} row(s) of kind '${kind}' skipped: table ${k.table} is not in the database (migrate first)` });
          continue;
        }
        const timeFilter = [
          ...(o.from !== undefined ? [`epoch_us(ts) >= ${BigInt(Math.round(o.from * 1000))}`] : []),
          ...(o.to !== undefined ? [`epoch_us(ts) < ${BigInt(Math.round(o.to * 1000))}`] : []),
        ];
        const sql = `SELECT venue, market, epoch_us(ts)::VARCHAR, ${k.columns.map((c) => duckOut(c.name, c.type, fileCols.has(c.name))).join(', ')}
          FROM read_parquet(${lit(path)}) WHERE kind = ${lit(kind)} ${timeFilter.map((t) => `AND ${t}`).join(' ')} ORDER BY ts, seq`;
        const result = await conn.stream(sql);
        let pending: (string | null)[][] = [];
        let inserted = 0;
        let seen = 0;
        const flush = async () => {
          if (!pending.length) return;
          inserted += await insertBatch(o.pool, k, pending);
          seen += pending.length;
          pending = [];
        };
        for await (const rows of result.yieldRowsJs()) {
          for (const r of rows) {
            pending.push(r.map((v) => (v === null || v === undefined ? null : String(v))));
            if (pending.length >= batch) await flush();
          }
        }
        await flush();
        out.inserted[kind] = (out.inserted[kind] ?? 0) + inserted;
        out.present[kind] = (out.present[kind] ?? 0) + seen - inserted;
      }
    }
    return out;
  } finally {
    duck.close();
  }
}
