/**
 * zod schemas of the Kalshi Trade API v2 REST responses (market data). Prices and counts arrive as
 * fixed-point dollar / contract strings (or legacy integer cents / counts) and leave as integer
 * micro-dollars / millionths; times leave as unix ms (null when absent or unparseable).
 */
import { z } from 'zod';
import { zCents, zCountFp, zIntCount, zPriceDollars } from './wire.js';

export const isoMs = z
  .string()
  .nullish()
  .transform((s) => {
    if (!s) return null;
    const t = Date.parse(s);
    return Number.isFinite(t) ? t : null;
  });
export const optPrice = zPriceDollars.nullish().transform((v) => v ?? null);

export const MarketWire = z.looseObject({
  ticker: z.string().min(1),
  event_ticker: z.string().min(1),
  market_type: z.string().optional(),
  title: z.string().default(''),
  subtitle: z.string().nullish(),
  yes_sub_title: z.string().nullish(),
  no_sub_title: z.string().nullish(),
  rules_primary: z.string().nullish(),
  rules_secondary: z.string().nullish(),
  open_time: isoMs,
  close_time: isoMs,
  expected_expiration_time: isoMs,
  latest_expiration_time: isoMs,
  status: z.string(),
  strike_type: z.string().nullish(),
  floor_strike: z.number().nullish(),
  cap_strike: z.number().nullish(),
  price_level_structure: z.string().nullish(),
  fractional_trading_enabled: z.boolean().nullish(),
  yes_bid_dollars: optPrice,
  yes_ask_dollars: optPrice,
  no_bid_dollars: optPrice,
  no_ask_dollars: optPrice,
  last_price_dollars: optPrice,
});
export type MarketWire = z.output<typeof MarketWire>;

export const EventWire = z.looseObject({
  event_ticker: z.string().min(1),
  series_ticker: z.string().min(1),
  title: z.string().default(''),
  sub_title: z.string().nullish(),
  mutually_exclusive: z.boolean().nullish(),
  markets: z.array(MarketWire).nullish(),
});

export const SeriesWire = z.looseObject({
  ticker: z.string().min(1),
  title: z.string().default(''),
  category: z.string().nullish(),
  frequency: z.string().nullish(),
  fee_type: z.string().nullish(),
  fee_multiplier: z.number().nonnegative().nullish(),
  settlement_sources: z.array(z.looseObject({ name: z.string().nullish(), url: z.string().nullish() })).nullish(),
});

export const cursor = z.string().nullish().transform((c) => c ?? '');
export const MarketsResponse = z.object({ markets: z.array(MarketWire).nullish().transform((v) => v ?? []), cursor });
export const MarketResponse = z.object({ market: MarketWire });
export const EventsResponse = z.object({ events: z.array(EventWire).nullish().transform((v) => v ?? []), cursor });
export const EventResponse = z.object({ event: EventWire, markets: z.array(MarketWire).nullish() });
export const SeriesResponse = z.object({ series: SeriesWire });
export const SeriesListResponse = z.object({ series: z.array(SeriesWire).nullish().transform((v) => v ?? []) });
export const FeeChangesResponse = z.object({
  series_fee_change_arr: z
    .array(z.looseObject({ id: z.string(), series_ticker: z.string(), fee_type: z.string(), fee_multiplier: z.number().nonnegative(), scheduled_ts: isoMs }))
    .nullish()
    .transform((v) => v ?? []),
});
export const levelsFp = z.array(z.tuple([zPriceDollars, zCountFp])).nullish();
export const OrderbookResponse = z.object({
  orderbook_fp: z.object({ yes_dollars: levelsFp, no_dollars: levelsFp }).nullish(),
  /** legacy (v3.6.0) */
  orderbook: z
    .object({ yes: z.array(z.tuple([zCents, zIntCount])).nullish(), no: z.array(z.tuple([zCents, zIntCount])).nullish() })
    .nullish(),
});
export const TradeWire = z.looseObject({
  trade_id: z.string(),
  ticker: z.string(),
  yes_price_dollars: zPriceDollars.optional(),
  no_price_dollars: zPriceDollars.optional(),
  count_fp: zCountFp.optional(),
  yes_price: zCents.optional(),
  count: zIntCount.optional(),
  taker_side: z.enum(['yes', 'no']).nullish(),
  taker_outcome_side: z.enum(['yes', 'no']).nullish(),
  created_time: isoMs,
});
export const TradesResponse = z.object({ trades: z.array(TradeWire).nullish().transform((v) => v ?? []), cursor });

/** OHLC in either the live (`open_dollars`) or historical (`open`) naming; nullable when no trades. */
export const ohlc = z
  .looseObject({
    open_dollars: zPriceDollars.nullish(), low_dollars: zPriceDollars.nullish(), high_dollars: zPriceDollars.nullish(), close_dollars: zPriceDollars.nullish(),
    open: zPriceDollars.nullish(), low: zPriceDollars.nullish(), high: zPriceDollars.nullish(), close: zPriceDollars.nullish(),
  })
  .nullish()
  .transform((o) => {
    if (!o) return null;
    const pick = (a: number | null | undefined, b: number | null | undefined) => a ?? b ?? null;
    const out = { open: pick(o.open_dollars, o.open), low: pick(o.low_dollars, o.low), high: pick(o.high_dollars, o.high), close: pick(o.close_dollars, o.close) };
    return out.open === null && out.close === null ? null : out;
  });
export const CandleWire = z.looseObject({
  end_period_ts: z.number().int().nonnegative(),
  yes_bid: ohlc,
  yes_ask: ohlc,
  price: ohlc,
  volume_fp: zCountFp.optional(),
  open_interest_fp: zCountFp.optional(),
  volume: z.union([zCountFp, zIntCount]).optional(),
  open_interest: z.union([zCountFp, zIntCount]).optional(),
});
export const CandlesResponse = z.object({ ticker: z.string().optional(), candlesticks: z.array(CandleWire).nullish().transform((v) => v ?? []) });
