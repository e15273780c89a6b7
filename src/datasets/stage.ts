/**
 * Export's write side: rows are appended to a DuckDB staging table (on disk in a temp dir, so an
 * export of any size runs in bounded memory), then written one Parquet file per venue, market and
 * UTC day (./layout.ts): sorted by file, then written in batches of {@link PARTS_PER_COPY} files by
 * one partitioned COPY each (a COPY per file costs ~2.5× more). A file that already exists is merged: its rows of the exported kinds
 * inside the exported time range are replaced, every other row is kept, so exporting twice gives
 * the same file. Each file is written to `<file>.tmp` and renamed, so a reader never sees half a file.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DuckDBTimestampTZValue, LIST, VARCHAR, listValue, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import { log } from '../log.js';
import { errText } from './duck.js';
import { DATASET_COLUMNS, DUCK_TYPE, lit, q, type ColType } from './kinds.js';
import type { DatasetProblem } from './problems.js';

/** One row to stage; `values` holds the kind's own columns by name (missing = NULL). */
export interface StagedRow {
  /** target file relative to the root (./layout.ts datasetFile) */
  readonly file: string;
  readonly kind: string;
  readonly venue: string;
  readonly market: string;
  /** unix µs */
  readonly tsUs: bigint;
  readonly seq: bigint;
  readonly values: Readonly<Record<string, unknown>>;
}

const OWN = DATASET_COLUMNS.filter((c) => !['kind', 'venue', 'market', 'ts', 'seq'].includes(c.name));

const toBigInt = (v: unknown): bigint => (typeof v === 'bigint' ? v : typeof v === 'number' ? BigInt(v) : BigInt(String(v)));

function appendValue(a: DuckDBAppender, type: ColType, v: unknown): void {
  if (v === null || v === undefined) return a.appendNull();
  switch (type) {
    case 'text':
    case 'jsonb':
      return a.appendVarchar(typeof v === 'string' ? v : JSON.stringify(v));
    case 'bigint':
      return a.appendBigInt(toBigInt(v));
    case 'integer':
      return a.appendInteger(Number(v));
    case 'boolean':
      return a.appendBoolean(Boolean(v));
    case 'timestamptz':
      return a.appendTimestampTZ(new DuckDBTimestampTZValue(toBigInt(v)));
    case 'text[]':
      return a.appendList(listValue((v as readonly unknown[]).map(String)), LIST(VARCHAR));
    default: {
      const never: never = type;
      throw new Error(`unknown column type ${String(never)}`);
    }
  }
}

export interface WriteRange {
  /** the kinds being exported: their rows in [fromUs, toUs) are replaced in existing files */
  readonly kinds: readonly string[];
  readonly fromUs?: bigint;
  readonly toUs?: bigint;
}

export interface WriteResult {
  /** files written (new or merged), relative to the root */
  files: string[];
  rows: number;
}

/** Files written by one partitioned COPY (each has an open writer while it runs). */
const PARTS_PER_COPY = 64;

/** The ORDER BY of rows inside a file (and of {@link readDataset} within a venue). */
export const FILE_ORDER = 'ts, kind, seq, market';

export class Stager {
  private appender: DuckDBAppender | undefined;
  rows = 0;

  private constructor(private readonly conn: DuckDBConnection) {}

  static async create(conn: DuckDBConnection): Promise<Stager> {
    const cols = ['file VARCHAR', ...DATASET_COLUMNS.map((c) => `${q(c.name)} ${DUCK_TYPE[c.type]}`)];
    await conn.run(`CREATE OR REPLACE TABLE staged (${cols.join(', ')})`);
    const s = new Stager(conn);
    s.appender = await conn.createAppender('staged');
    return s;
  }

  append(r: StagedRow): void {
    const a = this.appender;
    if (!a) throw new Error('stager already written');
    a.appendVarchar(r.file);
    a.appendVarchar(r.kind);
    a.appendVarchar(r.venue);
    a.appendVarchar(r.market);
    a.appendTimestampTZ(new DuckDBTimestampTZValue(r.tsUs));
    a.appendBigInt(r.seq);
    for (const c of OWN) appendValue(a, c.type, r.values[c.name]);
    a.endRow();
    this.rows += 1;
  }

  /** Writes every staged file under `root` (see the module comment); problems are logged and pushed to `problems`. */
  async write(root: string, range: WriteRange, problems: DatasetProblem[]): Promise<WriteResult> {
    this.appender?.closeSync();
    this.appender = undefined;
    const conn = this.conn;
    const out: WriteResult = { files: [], rows: this.rows };
    if (this.rows === 0) return out;
    // one pass writes every file's rows to its own partition folder (much cheaper than a COPY per file)
    await conn.run(`CREATE OR REPLACE TABLE staged_sorted AS SELECT *, dense_rank() OVER (ORDER BY file) AS __part FROM staged ORDER BY __part, ${FILE_ORDER}`);
    await conn.run('DROP TABLE staged');
    const parts = (await (await conn.runAndReadAll('SELECT DISTINCT __part, file FROM staged_sorted ORDER BY __part')).getRowsJS()).map((r) => [Number(r[0]), String(r[1])] as const);
    const cols = DATASET_COLUMNS.map((c) => q(c.name)).join(', ');
    const staging = join(root, `.staging-${process.pid}-${Date.now()}`);
    const replaced = [
      `kind IN (${range.kinds.map(lit).join(', ')})`,
      ...(range.fromUs !== undefined ? [`epoch_us(ts) >= ${range.fromUs}`] : []),
      ...(range.toUs !== undefined ? [`epoch_us(ts) < ${range.toUs}`] : []),
    ].join(' AND ');
    try {
      mkdirSync(staging, { recursive: true });
      for (let i = 0; i < parts.length; i++) {
        const [part, file] = parts[i]!;
        const batch = Math.floor(i / PARTS_PER_COPY);
        const dir = join(staging, `b${batch}`);
        if (i % PARTS_PER_COPY === 0) {
          // a partitioned write keeps a writer per partition open: a batch bounds its memory
          const last = parts[Math.min(i + PARTS_PER_COPY, parts.length) - 1]![0];
          await conn.run(`COPY (SELECT ${cols}, __part FROM staged_sorted WHERE __part BETWEEN ${part} AND ${last} ORDER BY __part, ${FILE_ORDER})
            TO ${lit(dir)} (FORMAT parquet, PARTITION_BY (__part), COMPRESSION zstd)`);
        }
        const target = join(root, file);
        const tmp = `${target}.tmp`;
        mkdirSync(dirname(target), { recursive: true });
        const pdir = join(dir, `__part=${part}`);
        const written = readdirSync(pdir).filter((n) => n.endsWith('.parquet')).map((n) => join(pdir, n));
        const fresh = `SELECT * FROM read_parquet([${written.map(lit).join(', ')}])`;
        let merge = written.length !== 1;
        let source = fresh;
        if (existsSync(target)) {
          try {
            // read every column of every row: a damaged page fails here, not halfway through the merge
            await conn.run(`SELECT bit_xor(hash(t)) FROM read_parquet(${lit(target)}) t`);
            source = `SELECT * FROM read_parquet(${lit(target)}) WHERE NOT (${replaced}) UNION ALL BY NAME ${fresh}`;
            merge = true;
          } catch (err) {
            const aside = `${target}.corrupt-${Date.now()}`;
            renameSync(target, aside);
            problems.push({ file, message: `existing file unreadable, moved to ${aside} and written anew: ${errText(err)}` });
            log.warn({ file, aside, err }, 'dataset file unreadable; moved aside and written anew');
          }
        }
        try {
          if (merge) {
            await conn.run(`COPY (SELECT * FROM (${source}) ORDER BY ${FILE_ORDER}) TO ${lit(tmp)} (FORMAT parquet, COMPRESSION zstd)`);
            renameSync(tmp, target);
          } else renameSync(written[0]!, target);
          out.files.push(file);
        } catch (err) {
          rmSync(tmp, { force: true });
          problems.push({ file, message: `cannot write: ${errText(err)}` });
          log.error({ file, err }, 'dataset file not written');
        }
      }
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
    await conn.run('DROP TABLE staged_sorted');
    return out;
  }
}
