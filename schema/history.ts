/**
 * Backfilled venue history: the row shapes of schema/migrations/0008_history.sql. Money in
 * integer micro-dollars, quantities in integer millionths, times in unix ms (timestamptz in SQL).
 * The venue parsers (src/venues/<venue>/history.ts) produce these; src/store/repos/history.ts
 * writes and reads them.
 */
import { z } from 'zod';
import type { Infer } from './readonly.js';
import { VenueId as Venue } from './venue.js';

const micros = z.number().int().min(0).max(1_000_000);
const qty = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** unix ms */
const tsMs = z.number().int().min(0);
const outcome = z.enum(['yes', 'no']);

/** One point of a price series (Polymarket prices-history: one token's price per bucket). */
export const PricePointRow = z.object({
  venue: Venue,
  marketId: z.string().min(1),
  /** the series key at the venue (Polymarket token id) */
  assetId: z.string().min(1),
  outcome,
  /** bucket size in seconds */
  fidelityS: z.number().int().positive(),
  /** unix ms of the point */
  ts: tsMs,
  priceMicros: micros,
});
export type PricePointRow = Infer<typeof PricePointRow>;

const ohlc = z.object({ open: micros.nullable(), high: micros.nullable(), low: micros.nullable(), close: micros.nullable() });
export type OhlcMicros = Infer<typeof ohlc>;

/** One candle (Kalshi candlesticks): OHLC of the YES bid, YES ask and trade price; `ts` = end of the period. */
export const CandleRow = z.object({
  venue: Venue,
  marketId: z.string().min(1),
  periodS: z.number().int().positive(),
  /** unix ms, end of the period */
  ts: tsMs,
  bid: ohlc,
  ask: ohlc,
  /** null fields when nothing traded in the period */
  price: ohlc,
  priceMean: micros.nullable(),
  pricePrev: micros.nullable(),
  /** contracts traded in the period, millionths */
  volumeQty: qty.nullable(),
  openInterestQty: qty.nullable(),
});
export type CandleRow = Infer<typeof CandleRow>;

/** One public trade. */
export const HistoryTradeRow = z.object({
  venue: Venue,
  marketId: z.string().min(1),
  /** the venue's trade id, or a digest of the trade's fields where the venue has no id */
  tradeKey: z.string().min(1),
  assetId: z.string().nullable(),
  /** the outcome `priceMicros` is the price of (Kalshi: always yes) */
  outcome,
  ts: tsMs,
  priceMicros: micros,
  qty: qty.refine((n) => n > 0, 'qty must be > 0'),
  /** taker's side of `outcome` (Polymarket) */
  side: z.enum(['buy', 'sell']).nullable(),
  /** the outcome the taker bought (Kalshi) */
  takerOutcome: outcome.nullable(),
  txHash: z.string().nullable(),
});
export type HistoryTradeRow = Infer<typeof HistoryTradeRow>;

/** What a backfill fetches per market. */
export const HistoryKind = z.enum(['prices', 'candles', 'trades']);
export type HistoryKind = z.infer<typeof HistoryKind>;

/** A hole in a series that should be continuous: nothing in [fromTs, toTs). */
export const HistoryGap = z.object({
  venue: Venue,
  marketId: z.string().min(1),
  kind: HistoryKind,
  fromTs: tsMs,
  toTs: tsMs,
});
export type HistoryGap = Infer<typeof HistoryGap>;

/** Progress of one (venue, market, kind): [fromTs, doneTs) is stored; `cursor` continues the slice at doneTs. */
export const BackfillProgressRow = z.object({
  venue: Venue,
  market: z.string().min(1),
  kind: HistoryKind,
  fromTs: tsMs,
  doneTs: tsMs,
  cursor: z.string().nullable(),
  rows: qty,
});
export type BackfillProgressRow = Infer<typeof BackfillProgressRow>;
