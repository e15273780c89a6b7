/**
 * What a dataset holds, one entry per kind. Every file has the common columns
 *
 * ```
 * kind VARCHAR, venue VARCHAR, market VARCHAR ('' = venue-level), ts TIMESTAMPTZ (µs), seq BIGINT
 * ```
 * plus the union, by name, of every kind's own columns (a name used by two kinds has one type:
 * checked when this module loads). Money and quantities stay BIGINT (micro-dollars, millionths),
 * times TIMESTAMPTZ (exact µs, as timestamptz in PostgreSQL), raw frames VARCHAR byte for byte.
 *
 * - `recording`: the raw frames of `arbstream record` (src/history/format.ts); `ts` = receive
 *   time, `seq` = the frame's ordinal among the venue's frames of the same receive ms (recorded
 *   order), so (venue, ts, seq) is the frame's identity and (ts, venue, seq) its replay order.
 * - table kinds: a table of the store, rows as they are (ON CONFLICT DO NOTHING on import, so a
 *   re-import adds nothing). Adding one is one entry in {@link TABLE_KINDS}; a kind whose table is
 *   missing in the database is skipped with a log line.
 *   Not exported: `history_gaps`, `backfill_progress` (bookkeeping of the backfill, not data).
 */
import { NonRetryableError } from '../errors.js';

/** Column types of the store, with their Parquet (DuckDB) counterpart in {@link DUCK_TYPE}. */
export type ColType = 'text' | 'bigint' | 'integer' | 'boolean' | 'timestamptz' | 'text[]' | 'jsonb';

export const DUCK_TYPE: Readonly<Record<ColType, string>> = {
  text: 'VARCHAR',
  bigint: 'BIGINT',
  integer: 'INTEGER',
  boolean: 'BOOLEAN',
  timestamptz: 'TIMESTAMPTZ',
  'text[]': 'VARCHAR[]',
  // jsonb as its text (PostgreSQL's normal form), so it round-trips exactly
  jsonb: 'VARCHAR',
};

export interface Column {
  readonly name: string;
  readonly type: ColType;
}

/** A table of the store exported as a dataset kind. */
export interface TableKind {
  readonly kind: string;
  /** the `--kind` group that selects it */
  readonly group: 'books' | 'history';
  readonly table: string;
  /** the table's market column (stored as the `market` column) */
  readonly marketColumn: string;
  /** the table's columns besides venue, the market column and ts */
  readonly columns: readonly Column[];
}

const col = (type: ColType, ...names: string[]): Column[] => names.map((name) => ({ name, type }));
const micros = (...prefixes: string[]): Column[] => prefixes.flatMap((p) => col('bigint', `${p}_open_micros`, `${p}_high_micros`, `${p}_low_micros`, `${p}_close_micros`));

/** Every exported table (schema/migrations/0002_core_tables.sql, 0008_history.sql). One entry per kind. */
export const TABLE_KINDS: readonly TableKind[] = [
  {
    kind: 'books', group: 'books', table: 'book_tops', marketColumn: 'market_id',
    columns: [...col('timestamptz', 'ts_venue'), ...col('bigint', 'yes_bid', 'yes_bid_qty', 'yes_ask', 'yes_ask_qty', 'no_bid', 'no_bid_qty', 'no_ask', 'no_ask_qty'), ...col('text[]', 'issues'), ...col('text', 'stream_id')],
  },
  {
    kind: 'depth', group: 'books', table: 'book_depth', marketColumn: 'market_id',
    columns: [...col('timestamptz', 'ts_venue'), ...col('jsonb', 'yes', 'no'), ...col('text', 'stream_id')],
  },
  {
    kind: 'prices', group: 'history', table: 'history_prices', marketColumn: 'market_id',
    columns: [...col('text', 'asset_id', 'outcome'), ...col('integer', 'fidelity_s'), ...col('bigint', 'price_micros')],
  },
  {
    kind: 'candles', group: 'history', table: 'history_candles', marketColumn: 'market_id',
    columns: [...col('integer', 'period_s'), ...micros('bid', 'ask', 'price'), ...col('bigint', 'price_mean_micros', 'price_prev_micros', 'volume_qty', 'open_interest_qty')],
  },
  {
    kind: 'trades', group: 'history', table: 'history_trades', marketColumn: 'market_id',
    columns: [...col('text', 'trade_key', 'asset_id', 'outcome'), ...col('bigint', 'price_micros', 'qty'), ...col('text', 'side', 'taker_outcome', 'tx_hash')],
  },
];

/** The recording kind's own columns. */
export const RECORDING_KIND = 'recording';
export const RECORDING_COLUMNS: readonly Column[] = [...col('text', 'conn_id', 'data'), ...col('boolean', 'binary')];

export const COMMON_COLUMNS: readonly Column[] = [...col('text', 'kind', 'venue', 'market'), ...col('timestamptz', 'ts'), ...col('bigint', 'seq')];

/** Kind groups of `--kind`. */
export const KIND_GROUPS = ['recording', 'books', 'history'] as const;
export type KindGroup = (typeof KIND_GROUPS)[number];

/** Every column of a dataset file, common first, then kinds' columns in first-use order; throws on a type clash. */
function unionColumns(): readonly Column[] {
  const out = new Map<string, Column>();
  for (const c of [...COMMON_COLUMNS, ...RECORDING_COLUMNS, ...TABLE_KINDS.flatMap((k) => k.columns)]) {
    const seen = out.get(c.name);
    if (seen && seen.type !== c.type) throw new NonRetryableError(`dataset column ${c.name} has two types (${seen.type}, ${c.type}): rename one in src/datasets/kinds.ts`, { column: c.name });
    out.set(c.name, c);
  }
  return [...out.values()];
}
export const DATASET_COLUMNS: readonly Column[] = unionColumns();

/** `"name"` quoted for SQL (DuckDB and PostgreSQL). */
export const q = (name: string): string => `"${name.replace(/"/g, '""')}"`;
/** A string literal for SQL. */
export const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** The table kinds of a group (or all). */
export const tableKindsOf = (groups: readonly KindGroup[]): TableKind[] => TABLE_KINDS.filter((k) => groups.includes(k.group));
