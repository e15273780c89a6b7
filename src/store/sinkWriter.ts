/**
 * SQL side of the persister (src/store/persister.ts): a sink's spec, and `SinkWriter`, the prepared
 * `INSERT ... ON CONFLICT (<natural key>) DO NOTHING` of one sink in its three write methods
 * ('unnest', 'values', 'copy'), plus the value encoders they use.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { z } from 'zod';

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

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
function quoteIdent(name: string): string {
  const parts = name.split('.');
  for (const p of parts) if (!IDENT.test(p)) throw new Error(`persister: "${name}" is not a plain SQL identifier`);
  return parts.map((p) => `"${p}"`).join('.');
}

const MAX_PARAMS = 65_535;

/** Prepared SQL of one sink. */
export class SinkWriter {
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
export function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}
