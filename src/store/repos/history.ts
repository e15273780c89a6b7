/**
 * Backfilled history (schema/migrations/0008_history.sql, rows in schema/history.ts): batch
 * inserts with ON CONFLICT DO NOTHING (each returns how many rows were new, so a second run
 * reports 0), the gaps found, and the per-(venue, market, kind) progress a run resumes from.
 */
import type { BackfillProgressRow, CandleRow, HistoryGap, HistoryKind, HistoryTradeRow, PricePointRow } from '../../../schema/history.js';
import type { Venue } from '../../../schema/venue.js';
import type { Queryable } from './types.js';

const toDate = (ms: number): Date => new Date(ms);

/** Inserts price points; returns the number of new rows. */
export async function insertPricePoints(db: Queryable, rows: readonly PricePointRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const res = await db.query(
    `INSERT INTO history_prices (ts, venue, market_id, asset_id, outcome, fidelity_s, price_micros)
     SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::bigint[])
     ON CONFLICT DO NOTHING`,
    [rows.map((r) => toDate(r.ts)), rows.map((r) => r.venue), rows.map((r) => r.marketId), rows.map((r) => r.assetId), rows.map((r) => r.outcome), rows.map((r) => r.fidelityS), rows.map((r) => r.priceMicros)],
  );
  return res.rowCount ?? 0;
}

/** Inserts candles; returns the number of new rows. */
export async function insertCandles(db: Queryable, rows: readonly CandleRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const col = <T>(f: (r: CandleRow) => T): T[] => rows.map(f);
  const res = await db.query(
    `INSERT INTO history_candles (ts, venue, market_id, period_s,
       bid_open_micros, bid_high_micros, bid_low_micros, bid_close_micros,
       ask_open_micros, ask_high_micros, ask_low_micros, ask_close_micros,
       price_open_micros, price_high_micros, price_low_micros, price_close_micros,
       price_mean_micros, price_prev_micros, volume_qty, open_interest_qty)
     SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::int[],
       $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[],
       $13::bigint[], $14::bigint[], $15::bigint[], $16::bigint[], $17::bigint[], $18::bigint[], $19::bigint[], $20::bigint[])
     ON CONFLICT DO NOTHING`,
    [
      col((r) => toDate(r.ts)), col((r) => r.venue), col((r) => r.marketId), col((r) => r.periodS),
      col((r) => r.bid.open), col((r) => r.bid.high), col((r) => r.bid.low), col((r) => r.bid.close),
      col((r) => r.ask.open), col((r) => r.ask.high), col((r) => r.ask.low), col((r) => r.ask.close),
      col((r) => r.price.open), col((r) => r.price.high), col((r) => r.price.low), col((r) => r.price.close),
      col((r) => r.priceMean), col((r) => r.pricePrev), col((r) => r.volumeQty), col((r) => r.openInterestQty),
    ],
  );
  return res.rowCount ?? 0;
}

/** Inserts trades; returns the number of new rows. */
export async function insertHistoryTrades(db: Queryable, rows: readonly HistoryTradeRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const col = <T>(f: (r: HistoryTradeRow) => T): T[] => rows.map(f);
  const res = await db.query(
    `INSERT INTO history_trades (ts, venue, market_id, trade_key, asset_id, outcome, price_micros, qty, side, taker_outcome, tx_hash)
     SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::text[], $10::text[], $11::text[])
     ON CONFLICT DO NOTHING`,
    [
      col((r) => toDate(r.ts)), col((r) => r.venue), col((r) => r.marketId), col((r) => r.tradeKey), col((r) => r.assetId), col((r) => r.outcome),
      col((r) => r.priceMicros), col((r) => r.qty), col((r) => r.side), col((r) => r.takerOutcome), col((r) => r.txHash),
    ],
  );
  return res.rowCount ?? 0;
}

/** Records gaps (a gap already recorded is kept); returns the number of new rows. */
export async function insertGaps(db: Queryable, gaps: readonly HistoryGap[]): Promise<number> {
  if (gaps.length === 0) return 0;
  const res = await db.query(
    `INSERT INTO history_gaps (venue, market_id, kind, gap_from, gap_to)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[])
     ON CONFLICT DO NOTHING`,
    [gaps.map((g) => g.venue), gaps.map((g) => g.marketId), gaps.map((g) => g.kind), gaps.map((g) => toDate(g.fromTs)), gaps.map((g) => toDate(g.toTs))],
  );
  return res.rowCount ?? 0;
}

/** Gaps recorded for a market (all kinds), oldest first. */
export async function listGaps(db: Queryable, venue: Venue, marketId: string): Promise<HistoryGap[]> {
  const res = await db.query('SELECT venue, market_id, kind, gap_from, gap_to FROM history_gaps WHERE venue = $1 AND market_id = $2 ORDER BY gap_from, kind', [venue, marketId]);
  return (res.rows as { venue: Venue; market_id: string; kind: HistoryKind; gap_from: Date; gap_to: Date }[]).map((r) => ({
    venue: r.venue, marketId: r.market_id, kind: r.kind, fromTs: r.gap_from.getTime(), toTs: r.gap_to.getTime(),
  }));
}

export async function getProgress(db: Queryable, venue: Venue, market: string, kind: HistoryKind): Promise<BackfillProgressRow | undefined> {
  const res = await db.query('SELECT venue, market, kind, from_ts, done_ts, cursor, rows FROM backfill_progress WHERE venue = $1 AND market = $2 AND kind = $3', [venue, market, kind]);
  const r = res.rows[0] as { venue: Venue; market: string; kind: HistoryKind; from_ts: Date; done_ts: Date; cursor: string | null; rows: number } | undefined;
  return r && { venue: r.venue, market: r.market, kind: r.kind, fromTs: r.from_ts.getTime(), doneTs: r.done_ts.getTime(), cursor: r.cursor, rows: r.rows };
}

/** Upserts the progress row (`rows` is the running total the caller keeps). */
export async function saveProgress(db: Queryable, p: BackfillProgressRow): Promise<void> {
  await db.query(
    `INSERT INTO backfill_progress (venue, market, kind, from_ts, done_ts, cursor, rows, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, now())
     ON CONFLICT (venue, market, kind) DO UPDATE
       SET from_ts = EXCLUDED.from_ts, done_ts = EXCLUDED.done_ts, cursor = EXCLUDED.cursor, rows = EXCLUDED.rows, updated_at = now()`,
    [p.venue, p.market, p.kind, toDate(p.fromTs), toDate(p.doneTs), p.cursor, p.rows],
  );
}

/** Row counts of the history tables for a set of markets (all markets when omitted). */
export async function countHistory(db: Queryable, marketIds?: readonly string[]): Promise<{ prices: number; candles: number; trades: number }> {
  const where = marketIds ? 'WHERE market_id = ANY($1::text[])' : '';
  const args = marketIds ? [marketIds] : [];
  const one = async (t: string): Promise<number> => Number((await db.query(`SELECT count(*) AS n FROM ${t} ${where}`, args)).rows[0].n);
  return { prices: await one('history_prices'), candles: await one('history_candles'), trades: await one('history_trades') };
}

/** Every stored row of one history table in a stable order (tests compare two databases' contents). */
export async function dumpHistory(db: Queryable, table: 'history_prices' | 'history_candles' | 'history_trades'): Promise<Record<string, unknown>[]> {
  const order = table === 'history_trades' ? 'venue, market_id, ts, trade_key' : table === 'history_prices' ? 'venue, asset_id, fidelity_s, ts' : 'venue, market_id, period_s, ts';
  const res = await db.query(`SELECT * FROM ${table} ORDER BY ${order}`);
  return res.rows as Record<string, unknown>[];
}

/**
 * The latest stored point of a continuous series in [fromTs, beforeTs) (unix ms), to carry gap
 * detection across resumed runs: price points by token and fidelity, candles by market and period.
 */
export async function lastSeriesTs(
  db: Queryable,
  s: { kind: 'prices' | 'candles'; venue: Venue; key: string; stepS: number; fromTs: number; beforeTs: number },
): Promise<number | undefined> {
  const sql = s.kind === 'prices'
    ? 'SELECT max(ts) AS ts FROM history_prices WHERE venue = $1 AND asset_id = $2 AND fidelity_s = $3 AND ts >= $4 AND ts < $5'
    : 'SELECT max(ts) AS ts FROM history_candles WHERE venue = $1 AND market_id = $2 AND period_s = $3 AND ts >= $4 AND ts < $5';
  const res = await db.query(sql, [s.venue, s.key, s.stepS, toDate(s.fromTs), toDate(s.beforeTs)]);
  const ts = (res.rows[0] as { ts: Date | null } | undefined)?.ts;
  return ts ? ts.getTime() : undefined;
}
