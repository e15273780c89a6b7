/**
 * The persister: moves stream entries into PostgreSQL/TimescaleDB, exactly once in effect.
 *
 * Per sink (one stream -> one table) a loop reads batches through GroupReader (own pending first,
 * then entries stuck on dead consumers via XAUTOCLAIM, then new ones), decodes them with the sink's
 * zod schema (bad ones to `<stream>:dead`), writes them with
 * `INSERT ... ON CONFLICT (<natural key>) DO NOTHING`, and acks ONLY after the write committed.
 * A crash anywhere replays the batch; the natural key turns the replay into no-ops.
 *
 * Three write methods (bench/persister.bench.ts compares them; see bench/results/latest.md):
 *  - 'unnest' (default, fastest measured): INSERT ... SELECT * FROM unnest($1::type[], ...) ON CONFLICT
 *              DO NOTHING, one array parameter per column (any `{ query }`; column types read once);
 *  - 'values': multi-row INSERT ... VALUES with parameters (any `{ query }`; chunks of <= 65535 params);
 *  - 'copy':   COPY into a temp table, then INSERT ... SELECT ... ON CONFLICT DO NOTHING in one
 *              transaction (needs `pool.connect()`, i.e. a pg.Pool).
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { z } from 'zod';
import { log as logger } from '../log.js';
import { GroupReader } from './streams/consumer.js';
import { deadLetter, decodeEntries } from './streams/deadletter.js';
import type { StreamEntry, StreamLog } from './streams/types.js';

export interface SinkSpec<T> {
  readonly stream: string;
  /** table, optionally schema-qualified (`schema.table`); plain identifiers only */
  readonly table: string;
  readonly columns: readonly string[];
  /** the natural key (a unique index/primary key on these columns must exist) */
  readonly conflictKey: readonly string[];
  /** zod schema of the entry payload (field `d`) */
  readonly schema: z.ZodType<T>;
  /** one row, values in `columns` order */
  toRow(payload: T, entryId: string): readonly unknown[];
}

/** Helper that keeps T inferred from the schema. */
export const defineSink = <T>(spec: SinkSpec<T>): SinkSpec<T> => spec;

export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rowCount: number | null }>;
}
/** A pg.Pool, or anything with `query` (methods 'unnest' and 'values'). */
export interface DbLike extends Queryable {
  connect?(): Promise<PoolClient>;
}

export type WriteMethod = 'unnest' | 'values' | 'copy';

export interface PersisterOptions {
  readonly log: StreamLog;
  readonly pool: DbLike;
  readonly sinks: readonly SinkSpec<unknown>[];
  readonly group?: string;
  readonly consumer: string;
  /** entries per batch; default 1000 */
  readonly batchSize?: number;
  /** longest wait for new entries; default 1000 ms (also bounds how long stop() takes) */
  readonly blockMs?: number;
  /** reclaim entries pending this long on any consumer; default 30000 ms */
  readonly claimIdleMs?: number;
  /** default 'unnest' (fastest measured, see bench/persister.bench.ts) */
  readonly method?: WriteMethod;
  /**
   * write lanes per sink (each its own group consumer `<consumer>`, `<consumer>#1`, ...; keep the
   * count stable across restarts so each lane re-reads its own pending entries); default 1
   */
  readonly concurrency?: number;
  /** pause after a failed batch before retrying it; default 1000 ms */
  readonly retryDelayMs?: number;
}

export interface PersisterStats {
  rowsInserted: number;
  duplicatesSkipped: number;
  deadLettered: number;
  batches: number;
  failures: number;
}

export interface Persister {
  readonly stats: Readonly<PersisterStats>;
  /** Finishes the batch in hand, then stops. */
  stop(): Promise<void>;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
function quoteIdent(name: string): string {
  const parts = name.split('.');
  for (const p of parts) if (!IDENT.test(p)) throw new Error(`persister: "${name}" is not a plain SQL identifier`);
  return parts.map((p) => `"${p}"`).join('.');
}

const MAX_PARAMS = 65_535;

/** Prepared SQL of one sink. */
class SinkWriter {
  readonly cols: string;
  readonly target: string;
  readonly conflict: string;
  readonly tmp: string;
  private readonly tmpReady = new WeakSet<object>();

  constructor(readonly spec: SinkSpec<unknown>) {
    if (!spec.columns.length || !spec.conflictKey.length) throw new Error(`persister: sink ${spec.stream} needs columns and a conflictKey`);
    this.target = quoteIdent(spec.table);
    this.cols = spec.columns.map(quoteIdent).join(', ');
    this.conflict = spec.conflictKey.map(quoteIdent).join(', ');
    this.tmp = quoteIdent(`_persist_${spec.table.replace(/\./g, '_')}`);
  }

  async writeValues(db: Queryable, rows: readonly (readonly unknown[])[]): Promise<number> {
    const width = this.spec.columns.length;
    const chunk = Math.max(1, Math.floor(MAX_PARAMS / width));
    let inserted = 0;
    for (let start = 0; start < rows.length; start += chunk) {
      const part = rows.slice(start, start + chunk);
      const params: unknown[] = [];
      const tuples: string[] = [];
      for (const row of part) {
        if (row.length !== width) throw new Error(`persister: toRow gave ${row.length} values for ${width} columns (${this.spec.table})`);
        const ph: string[] = [];
        for (const v of row) {
          params.push(v);
          ph.push(`$${params.length}`);
        }
        tuples.push(`(${ph.join(',')})`);
      }
      const res = await db.query(`INSERT INTO ${this.target} (${this.cols}) VALUES ${tuples.join(',')} ON CONFLICT (${this.conflict}) DO NOTHING`, params);
      inserted += res.rowCount ?? 0;
    }
    return inserted;
  }

  private types: Promise<string[]> | null = null;

  /** `INSERT ... SELECT * FROM unnest($1::type[], ...)`: one parameter per column whatever the batch size. */
  async writeUnnest(db: Queryable, rows: readonly (readonly unknown[])[]): Promise<number> {
    if (!this.types) {
      const pending = columnTypes(db, this.target, this.spec.columns);
      this.types = pending;
      pending.catch(() => {
        if (this.types === pending) this.types = null;
      });
    }
    const types = await this.types;
    const width = this.spec.columns.length;
    const cols: unknown[][] = Array.from({ length: width }, () => new Array<unknown>(rows.length));
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      if (row.length !== width) throw new Error(`persister: toRow gave ${row.length} values for ${width} columns (${this.spec.table})`);
      for (let c = 0; c < width; c++) cols[c]![r] = row[c];
    }
    // array columns (e.g. text[]) cannot ride in a typed array parameter (unnest would flatten
    // them): they travel as array literals in a text[] and are cast back per row
    const isArray = types.map((t) => t.endsWith('[]'));
    for (let c = 0; c < width; c++) if (isArray[c]) cols[c] = cols[c]!.map((v) => (v === null || v === undefined ? null : pgArrayLiteral(v as readonly unknown[])));
    const args = types.map((t, i) => (isArray[i] ? `$${i + 1}::text[]` : `$${i + 1}::${t}[]`)).join(', ');
    const names = types.map((_, i) => `c${i}`);
    const select = types.map((t, i) => (isArray[i] ? `c${i}::${t}` : `c${i}`)).join(', ');
    const res = await db.query(`INSERT INTO ${this.target} (${this.cols}) SELECT ${select} FROM unnest(${args}) AS u(${names.join(', ')}) ON CONFLICT (${this.conflict}) DO NOTHING`, cols);
    return res.rowCount ?? 0;
  }

  async writeCopy(client: PoolClient, rows: readonly (readonly unknown[])[]): Promise<number> {
    const width = this.spec.columns.length;
    let text = '';
    for (const row of rows) {
      if (row.length !== width) throw new Error(`persister: toRow gave ${row.length} values for ${width} columns (${this.spec.table})`);
      text += row.map(copyValue).join('\t') + '\n';
    }
    await client.query('BEGIN');
    try {
      if (!this.tmpReady.has(client)) {
        await client.query(`CREATE TEMP TABLE IF NOT EXISTS ${this.tmp} (LIKE ${this.target} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS`);
        this.tmpReady.add(client);
      }
      await pipeline(Readable.from([text]), client.query(copyFrom(`COPY ${this.tmp} (${this.cols}) FROM STDIN`)));
      const res = await client.query(`INSERT INTO ${this.target} (${this.cols}) SELECT ${this.cols} FROM ${this.tmp} ON CONFLICT (${this.conflict}) DO NOTHING`);
      await client.query('COMMIT');
      return res.rowCount ?? 0;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }
}

/** SQL types of `columns` of `table` (quoted name), in order. */
async function columnTypes(db: Queryable, table: string, columns: readonly string[]): Promise<string[]> {
  const res = (await db.query(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped`,
    [table],
  )) as { rows?: { name: string; type: string }[] };
  const byName = new Map((res.rows ?? []).map((r) => [r.name, r.type]));
  return columns.map((c) => {
    const t = byName.get(c);
    if (!t) throw new Error(`persister: column ${c} not found in ${table}`);
    return t;
  });
}

/** A one-dimensional PostgreSQL array literal: {"a","b\\"c",NULL}. */
export function pgArrayLiteral(values: readonly unknown[]): string {
  return `{${values.map((v) => (v === null || v === undefined ? 'NULL' : `"${String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`)).join(',')}}`;
}

/** One value in COPY text format (arrays as array literals, other objects as JSON). */
export function copyValue(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  let s: string;
  if (typeof v === 'string') s = v;
  else if (Array.isArray(v)) s = pgArrayLiteral(v);
  else if (typeof v === 'number' || typeof v === 'bigint') s = String(v);
  else if (typeof v === 'boolean') s = v ? 't' : 'f';
  else if (v instanceof Date) s = v.toISOString();
  else s = JSON.stringify(v);
  return s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

/** SQLSTATE class 22 (data exception) or 23 (integrity constraint): the row is bad, retrying will not help. */
function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts one loop per sink; runs until stop(). Never throws: failures are logged, counted and retried. */
export function startPersister(opts: PersisterOptions): Persister {
  const group = opts.group ?? 'persister';
  const method = opts.method ?? 'unnest';
  if (method === 'copy' && !opts.pool.connect) throw new Error("persister: method 'copy' needs a pool with connect() (pg.Pool)");
  const stats: PersisterStats = { rowsInserted: 0, duplicatesSkipped: 0, deadLettered: 0, batches: 0, failures: 0 };
  let stopped = false;

  const runSink = async (writer: SinkWriter, consumer: string): Promise<void> => {
    const spec = writer.spec;
    const readerOpts = { stream: spec.stream, group, consumer, batchSize: opts.batchSize ?? 1000, blockMs: opts.blockMs ?? 1000, claimIdleMs: opts.claimIdleMs ?? 30_000 };
    let reader = new GroupReader(opts.log, readerOpts);
    const write = async (rows: readonly (readonly unknown[])[]): Promise<number> => {
      if (method === 'unnest') return writer.writeUnnest(opts.pool, rows);
      if (method === 'values') return writer.writeValues(opts.pool, rows);
      const client = await opts.pool.connect!();
      try {
        return await writer.writeCopy(client, rows);
      } finally {
        client.release();
      }
    };
    // one batch is prefetched while the current one is written, and its acks run while the next
    // batch is written: bounded to one batch ahead, and acks still happen strictly after COMMIT
    let prefetch: Promise<StreamEntry[]> | null = null;
    let acking: Promise<void> = Promise.resolve();
    while (!stopped) {
      try {
        const entries = await (prefetch ?? reader.next());
        prefetch = null;
        if (!entries.length) continue;
        if (!stopped) {
          prefetch = reader.next();
          prefetch.catch(() => undefined);
        }
        const { good, bad } = decodeEntries(entries, spec.schema);
        const byId = new Map(entries.map((e) => [e.id, e]));
        const rows: (readonly unknown[])[] = [];
        const ids: string[] = [];
        for (const g of good) {
          try {
            const row = spec.toRow(g.value, g.id);
            if (row.length !== spec.columns.length) throw new Error(`${row.length} values for ${spec.columns.length} columns`);
            rows.push(row);
            ids.push(g.id);
          } catch (err) {
            bad.push({ entry: byId.get(g.id)!, reason: `toRow: ${(err as Error).message}` });
          }
        }
        let inserted = 0;
        let rejected = 0;
        if (rows.length) {
          // a row the database rejects (bad value, check constraint) is isolated by bisection and dead-lettered
          const isolate = async (from: number, to: number): Promise<number> => {
            try {
              return await write(rows.slice(from, to));
            } catch (err) {
              if (!isDataError(err)) throw err;
              if (to - from === 1) {
                rejected += 1;
                bad.push({ entry: byId.get(ids[from]!)!, reason: `db: ${(err as Error).message}` });
                return 0;
              }
              const mid = (from + to) >>> 1;
              return (await isolate(from, mid)) + (await isolate(mid, to));
            }
          };
          inserted = await isolate(0, rows.length);
        }
        stats.rowsInserted += inserted;
        stats.duplicatesSkipped += rows.length - inserted - rejected;
        stats.batches += 1;
        // committed: only now may the entries leave the pending list
        await acking;
        acking = (async () => {
          stats.deadLettered += await deadLetter(opts.log, spec.stream, group, bad);
          await opts.log.ack(spec.stream, group, ids);
        })();
        acking.catch(() => undefined);
      } catch (err) {
        stats.failures += 1;
        logger.error({ err, stream: spec.stream, table: spec.table, consumer }, 'persister batch failed; will retry');
        // let the prefetch land, then re-read this consumer's own pending entries (the failed batches) first
        await prefetch?.catch(() => undefined);
        prefetch = null;
        acking = Promise.resolve();
        reader = new GroupReader(opts.log, readerOpts);
        if (!stopped) await sleep(opts.retryDelayMs ?? 1000);
      }
    }
    await prefetch?.catch(() => undefined);
    await acking.catch((err: unknown) => {
      stats.failures += 1;
      logger.error({ err, stream: spec.stream, consumer }, 'persister ack failed at stop; entries stay pending and will be reclaimed');
    });
  };

  // build every writer first: a bad sink spec throws here, synchronously, before anything starts
  const writers = opts.sinks.map((s) => new SinkWriter(s));
  const lanes = Math.max(1, opts.concurrency ?? 1);
  const loops = writers.flatMap((w) => Array.from({ length: lanes }, (_, i) => runSink(w, i === 0 ? opts.consumer : `${opts.consumer}#${i}`)));
  return {
    stats,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
    },
  };
}
