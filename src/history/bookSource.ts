/**
 * Stored books as a replay source: rows of `book_depth` (sampled depth, best 20 levels a ladder)
 * or `book_tops` (sampled top of book) become book snapshots, the same {@link BookEvent}s the
 * venues' decoders produce, in receive order, for `streamReplay({ bookEvents })`.
 *
 * Streams with keyset pagination on the tables' natural key (ts, venue, market_id, stream_id): one
 * page (default 5,000 rows) in memory at a time, each page a short query (no open cursor or
 * transaction), so a month of books reads in bounded memory and a concurrent writer is harmless.
 *
 * What a replay of stored books can and cannot show: books are as sampled when persisted (tops
 * every second, depth every 10 s by default), so changes between samples are not there, and depth
 * beyond the stored levels is missing. Each row is a full snapshot of the market (all four
 * ladders, asks as stored, also Kalshi's implied ones).
 */
import { z } from 'zod';
import { Level, SideBook, type BookSnapshotEvent } from '../../schema/book.js';
import { VenueId } from '../../schema/venue.js';
import { NonRetryableError } from '../errors.js';
import { log } from '../log.js';
import type { Queryable } from '../store/repos/types.js';

export interface BookRowsOptions {
  /** first receive time, unix ms, inclusive */
  readonly from: number;
  /** end, unix ms, exclusive */
  readonly to: number;
  /** only these markets (default all) */
  readonly markets?: readonly { readonly venue: string; readonly marketId: string }[];
  /** which stored books: sampled depth (default) or top of book */
  readonly table?: 'depth' | 'tops';
  /** rows per query (default 5,000) */
  readonly pageSize?: number;
  /** incremented while reading */
  readonly counters?: BookRowsCounters;
}

export interface BookRowsCounters {
  rows: number;
  pages: number;
  /** rows that did not fit the schema (logged with their key, skipped) */
  badRows: number;
}

export const newBookRowsCounters = (): BookRowsCounters => ({ rows: 0, pages: 0, badRows: 0 });

const msOf = (v: unknown): number => (v instanceof Date ? v.getTime() : new Date(String(v)).getTime());
const tsOf = z.union([z.date(), z.string()]).transform(msOf);

const KeyCols = { ts_key: z.string(), venue: VenueId, market_id: z.string().min(1), stream_id: z.string(), ts: tsOf, ts_venue: tsOf.nullable() };
const DepthRow = z.object({ ...KeyCols, yes: SideBook, no: SideBook });
const int = z.coerce.number().int().nullable();
const TopRow = z.object({ ...KeyCols, yes_bid: int, yes_bid_qty: int, yes_ask: int, yes_ask_qty: int, no_bid: int, no_bid_qty: int, no_ask: int, no_ask_qty: int });

const oneLevel = (price: number | null, qty: number | null): Level[] => (price === null || qty === null ? [] : [{ price, qty }]);

/** A `book_depth` row as a snapshot of all four ladders. */
export function depthRowToEvent(r: z.output<typeof DepthRow>): BookSnapshotEvent {
  return {
    kind: 'snapshot', venue: r.venue, marketId: r.market_id, tsVenue: r.ts_venue ?? r.ts, tsReceived: r.ts,
    ladders: { yesBid: r.yes.bids, yesAsk: r.yes.asks, noBid: r.no.bids, noAsk: r.no.asks },
  };
}

/** A `book_tops` row as a snapshot of all four ladders (one level each, or empty). */
export function topRowToEvent(r: z.output<typeof TopRow>): BookSnapshotEvent {
  return {
    kind: 'snapshot', venue: r.venue, marketId: r.market_id, tsVenue: r.ts_venue ?? r.ts, tsReceived: r.ts,
    ladders: { yesBid: oneLevel(r.yes_bid, r.yes_bid_qty), yesAsk: oneLevel(r.yes_ask, r.yes_ask_qty), noBid: oneLevel(r.no_bid, r.no_bid_qty), noAsk: oneLevel(r.no_ask, r.no_ask_qty) },
  };
}

const TABLES = {
  depth: { table: 'book_depth', cols: 'yes, no', schema: DepthRow, toEvent: depthRowToEvent },
  tops: { table: 'book_tops', cols: 'yes_bid, yes_bid_qty, yes_ask, yes_ask_qty, no_bid, no_bid_qty, no_ask, no_ask_qty', schema: TopRow, toEvent: topRowToEvent },
} as const;

/**
 * Stored books between `from` and `to` as book snapshots ordered by (receive time, venue, market,
 * stream id). Rows that do not fit are logged with their key, counted and skipped.
 */
export async function* bookRowsSource(db: Queryable, o: BookRowsOptions): AsyncGenerator<BookSnapshotEvent> {
  const pageSize = o.pageSize ?? 5000;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new NonRetryableError(`pageSize must be a positive integer, got ${pageSize}`, { pageSize });
  if (!(o.from <= o.to)) throw new NonRetryableError(`from (${o.from}) must not be after to (${o.to})`, { from: o.from, to: o.to });
  const spec = TABLES[o.table ?? 'depth'];
  const counters = o.counters ?? newBookRowsCounters();
  const params: unknown[] = [new Date(o.from), new Date(o.to)];
  let marketFilter = '';
  if (o.markets) {
    params.push(o.markets.map((m) => m.venue), o.markets.map((m) => m.marketId));
    marketFilter = 'AND (venue, market_id) IN (SELECT v, m FROM unnest($3::text[], $4::text[]) AS k(v, m))';
  }
  const keyAt = params.length + 1;
  const base = `SELECT ts::text AS ts_key, ts, venue, market_id, stream_id, ts_venue, ${spec.cols} FROM ${spec.table}
    WHERE ts >= $1 AND ts < $2 ${marketFilter}`;
  const order = `ORDER BY ts, venue, market_id, stream_id LIMIT ${pageSize}`;
  // `ts_key` is the stored timestamp as text (full precision), so the next page starts exactly after the last row
  let after: readonly [string, string, string, string] | undefined;
  for (;;) {
    const sql = after
      ? `${base} AND (ts, venue, market_id, stream_id) > ($${keyAt}::timestamptz, $${keyAt + 1}, $${keyAt + 2}, $${keyAt + 3}) ${order}`
      : `${base} ${order}`;
    const res = await db.query(sql, after ? [...params, ...after] : params);
    counters.pages++;
    const rows = res.rows as Record<string, unknown>[];
    for (const row of rows) {
      counters.rows++;
      const r = spec.schema.safeParse(row);
      if (!r.success) {
        counters.badRows++;
        log.warn({ table: spec.table, venue: row.venue, marketId: row.market_id, ts: row.ts_key, streamId: row.stream_id, issues: r.error.issues }, 'stored book row rejected; skipped');
        continue;
      }
      yield (spec.toEvent as (x: typeof r.data) => BookSnapshotEvent)(r.data);
    }
    if (rows.length < pageSize) return;
    const last = rows.at(-1)!;
    after = [String(last.ts_key), String(last.venue), String(last.market_id), String(last.stream_id)];
  }
}
