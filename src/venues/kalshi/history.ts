/**
 * Kalshi history for backfills (ORDERS.md §3, PROTOCOLS.md 4): market trades
 * (`GET /markets/trades`, cursor paging until the cursor is empty) and candlesticks
 * (`GET /series/{s}/markets/{t}/candlesticks`, period 1, 60 or 1440 minutes), through
 * {@link KalshiRest.get} (its token bucket, signing, and retries of 429/5xx honouring Retry-After).
 *
 * Candles come in two namings: live (`open_dollars`, `volume_fp`, `mean_dollars`…) and the
 * `/historical/…` one (`open`, `volume`, `mean`…, also in the fixture); both parse to
 * {@link CandleRow}. Kalshi publishes **no order-book history**: candles carry the top of book
 * (YES bid/ask OHLC) only, L2 must be recorded from `orderbook_delta`.
 */
import { z } from 'zod';
import type { CandleRow, HistoryTradeRow } from '../../../schema/history.js';
import type { KalshiRest } from './rest.js';
import { cursor, TradeWire } from './restSchemas.js';
import { zCountFp, zIntCount, zPriceDollars } from './wire.js';

const px = zPriceDollars.nullish().transform((v) => v ?? null);

/** OHLC (+ mean/previous on `price`) in either naming; all null when absent. */
const OhlcWire = z
  .looseObject({
    open_dollars: px, high_dollars: px, low_dollars: px, close_dollars: px, mean_dollars: px, previous_dollars: px,
    open: px, high: px, low: px, close: px, mean: px, previous: px,
  })
  .nullish()
  .transform((o) => ({
    open: o?.open_dollars ?? o?.open ?? null,
    high: o?.high_dollars ?? o?.high ?? null,
    low: o?.low_dollars ?? o?.low ?? null,
    close: o?.close_dollars ?? o?.close ?? null,
    mean: o?.mean_dollars ?? o?.mean ?? null,
    previous: o?.previous_dollars ?? o?.previous ?? null,
  }));

const qty = z.union([zCountFp, zIntCount]).nullish().transform((v) => v ?? null);

export const HistoryCandleWire = z.looseObject({
  /** unix seconds, end of the period */
  end_period_ts: z.number().int().nonnegative(),
  yes_bid: OhlcWire,
  yes_ask: OhlcWire,
  /** trade price; null fields when nothing traded */
  price: OhlcWire,
  volume_fp: qty,
  open_interest_fp: qty,
  volume: qty,
  open_interest: qty,
});
export const HistoryCandlesResponse = z.object({ ticker: z.string().optional(), candlesticks: z.array(HistoryCandleWire).nullish().transform((v) => v ?? []) });

/** A trade of `/markets/trades` (restSchemas.ts {@link TradeWire}) with non-empty ids and the history-only fields. */
export const HistoryTradeWire = TradeWire.extend({
  trade_id: z.string().min(1),
  ticker: z.string().min(1),
  taker_book_side: z.string().nullish(),
  is_block_trade: z.boolean().optional(),
});
export const HistoryTradesResponse = z.object({ trades: z.array(HistoryTradeWire).nullish().transform((v) => v ?? []), cursor });

/** Candle rows of one response (`periodS`: the period in seconds). */
export function toCandleRows(res: z.output<typeof HistoryCandlesResponse>, ticker: string, periodS: number): CandleRow[] {
  return res.candlesticks.map((c) => ({
    venue: 'kalshi',
    marketId: ticker,
    periodS,
    ts: c.end_period_ts * 1000,
    bid: { open: c.yes_bid.open, high: c.yes_bid.high, low: c.yes_bid.low, close: c.yes_bid.close },
    ask: { open: c.yes_ask.open, high: c.yes_ask.high, low: c.yes_ask.low, close: c.yes_ask.close },
    price: { open: c.price.open, high: c.price.high, low: c.price.low, close: c.price.close },
    priceMean: c.price.mean,
    pricePrev: c.price.previous,
    volumeQty: c.volume_fp ?? c.volume,
    openInterestQty: c.open_interest_fp ?? c.open_interest,
  }));
}

/** Trade rows of one page; a trade without a price, count or time is returned in `rejected`. */
export function toTradeRows(res: z.output<typeof HistoryTradesResponse>): { rows: HistoryTradeRow[]; rejected: string[] } {
  const rows: HistoryTradeRow[] = [];
  const rejected: string[] = [];
  for (const t of res.trades) {
    const yes = t.yes_price_dollars ?? t.yes_price ?? (t.no_price_dollars === undefined ? undefined : 1_000_000 - t.no_price_dollars);
    const count = t.count_fp ?? t.count;
    if (yes === undefined || count === undefined || count <= 0 || t.created_time === null) {
      rejected.push(t.trade_id);
      continue;
    }
    rows.push({
      venue: 'kalshi', marketId: t.ticker, tradeKey: t.trade_id, assetId: null, outcome: 'yes', ts: t.created_time, priceMicros: yes, qty: count,
      side: null, takerOutcome: t.taker_outcome_side ?? t.taker_side ?? null, txHash: null,
    });
  }
  return { rows, rejected };
}

export type CandlePeriod = 1 | 60 | 1440;

/** History calls on a {@link KalshiRest}. */
export class KalshiHistory {
  constructor(readonly rest: KalshiRest) {}

  /** Candles whose period ends in [startS, endS] (unix seconds, as the API takes them). */
  async candles(seriesTicker: string, ticker: string, startS: number, endS: number, period: CandlePeriod): Promise<CandleRow[]> {
    const res = await this.rest.get(
      `/series/${encodeURIComponent(seriesTicker)}/markets/${encodeURIComponent(ticker)}/candlesticks`,
      { start_ts: startS, end_ts: endS, period_interval: period },
      HistoryCandlesResponse,
    );
    return toCandleRows(res, ticker, period * 60);
  }

  /** One page of a market's trades in [minS, maxS], newest first; `cursor` '' = last page. */
  async tradesPage(q: { ticker: string; minS: number; maxS: number; limit?: number; cursor?: string }): Promise<{ rows: HistoryTradeRow[]; rejected: string[]; cursor: string }> {
    const res = await this.rest.get('/markets/trades', { ticker: q.ticker, min_ts: q.minS, max_ts: q.maxS, limit: q.limit ?? 1000, cursor: q.cursor }, HistoryTradesResponse);
    return { ...toTradeRows(res), cursor: res.cursor };
  }
}
