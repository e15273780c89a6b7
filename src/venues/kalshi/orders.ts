/**
 * Kalshi Trade API v2 order-side wire schemas (ORDERS.md section 2): the V2 create/cancel answers,
 * the order object (current fixed-point fields; legacy cent integers accepted, as in the Jan-2026
 * captures), fills, positions, balance and errors. Shared by the broker, the simulator's golden
 * tests and the real captures. Prices are dollars with 4 decimals, counts contracts with 2.
 */
import { z } from 'zod';

/** Kalshi writes zero amounts as `""` at times (legacy captures): read as absent. */
const dollars = z.string().regex(/^-?\d+(\.\d+)?$/, 'dollar amount');
const optDollars = z.union([dollars, z.literal('')]).nullish().transform((v) => (v ? v : undefined));
const countFp = z.string().regex(/^\d+(\.\d+)?$/, 'count_fp');

/** `POST /portfolio/events/orders` 201. */
export const KalshiCreateOrderV2Response = z.object({
  order_id: z.string().min(1),
  client_order_id: z.string().optional(),
  fill_count: countFp,
  remaining_count: countFp,
  average_fill_price: optDollars,
  average_fee_paid: optDollars,
  /** unix ms */
  ts_ms: z.number().int(),
});
export type KalshiCreateOrderV2Response = z.infer<typeof KalshiCreateOrderV2Response>;

/** `DELETE /portfolio/events/orders/{id}`. */
export const KalshiCancelOrderV2Response = z.object({
  order_id: z.string().min(1),
  client_order_id: z.string().optional(),
  reduced_by: countFp,
  ts_ms: z.number().int(),
});

export const KalshiOrderStatus = z.enum(['resting', 'canceled', 'executed', 'pending']);

/** The order object of `GET /portfolio/orders[/{id}]` (and legacy `POST /portfolio/orders`). */
export const KalshiOrder = z.object({
  order_id: z.string().min(1),
  user_id: z.string().optional(),
  client_order_id: z.string().nullish(),
  ticker: z.string().min(1),
  /** deprecated: the outcome side */
  side: z.enum(['yes', 'no']).optional(),
  action: z.enum(['buy', 'sell']).optional(),
  outcome_side: z.enum(['yes', 'no']).optional(),
  book_side: z.enum(['bid', 'ask']).optional(),
  type: z.string().optional(),
  status: KalshiOrderStatus,
  yes_price_dollars: dollars,
  no_price_dollars: dollars.optional(),
  fill_count_fp: countFp.optional(),
  remaining_count_fp: countFp.optional(),
  initial_count_fp: countFp.optional(),
  /** legacy integer counts (removed Mar-Apr 2026; in the captures) */
  fill_count: z.number().int().optional(),
  remaining_count: z.number().int().optional(),
  initial_count: z.number().int().optional(),
  taker_fill_cost_dollars: optDollars,
  maker_fill_cost_dollars: optDollars,
  taker_fees_dollars: optDollars,
  maker_fees_dollars: optDollars,
  created_time: z.string().nullish(),
  last_update_time: z.string().nullish(),
  expiration_time: z.string().nullish(),
}).refine((o) => o.fill_count_fp !== undefined || o.fill_count !== undefined, 'fill_count_fp or fill_count required');
export type KalshiOrder = z.infer<typeof KalshiOrder>;

export const KalshiOrderResponse = z.object({ order: KalshiOrder });
export const KalshiOrdersPage = z.object({ orders: z.array(KalshiOrder), cursor: z.string().nullish() });

/** `GET /portfolio/fills` element. */
export const KalshiFill = z.object({
  fill_id: z.string().min(1),
  trade_id: z.string().optional(),
  order_id: z.string().min(1),
  ticker: z.string().min(1),
  outcome_side: z.enum(['yes', 'no']).optional(),
  book_side: z.enum(['bid', 'ask']),
  count_fp: countFp,
  yes_price_dollars: dollars,
  no_price_dollars: dollars.optional(),
  is_taker: z.boolean(),
  fee_cost: optDollars,
  created_time: z.string(),
  /** unix s */
  ts: z.number().int().optional(),
});
export type KalshiFill = z.infer<typeof KalshiFill>;
export const KalshiFillsPage = z.object({ fills: z.array(KalshiFill), cursor: z.string().nullish() });

export const KalshiMarketPosition = z.object({
  ticker: z.string().min(1),
  /** signed: + YES, − NO */
  position_fp: z.string().regex(/^-?\d+(\.\d+)?$/),
  total_traded_dollars: optDollars,
  market_exposure_dollars: optDollars,
  realized_pnl_dollars: optDollars,
  fees_paid_dollars: optDollars,
  last_updated_ts: z.string().optional(),
});
export const KalshiPositionsPage = z.object({
  market_positions: z.array(KalshiMarketPosition),
  event_positions: z.array(z.record(z.string(), z.unknown())).optional(),
  cursor: z.string().nullish(),
});

/** `GET /portfolio/balance`: `balance` and `portfolio_value` in cents. */
export const KalshiBalance = z.object({
  balance: z.number().int(),
  portfolio_value: z.number().int().optional(),
  balance_dollars: dollars.optional(),
  /** unix s */
  updated_ts: z.number().int().optional(),
});

/** `{"error":{"code","message","service"?}}` (the 429 body is `{"error":"too many requests"}`). */
export const KalshiErrorBody = z.object({
  error: z.union([z.object({ code: z.string(), message: z.string().optional(), service: z.string().optional() }), z.string()]),
});

/** Private WS `user_order` message. */
export const KalshiUserOrderMsg = z.object({
  order_id: z.string(),
  client_order_id: z.string().nullish(),
  ticker: z.string(),
  status: KalshiOrderStatus,
  outcome_side: z.enum(['yes', 'no']).optional(),
  book_side: z.enum(['bid', 'ask']).optional(),
  yes_price_dollars: dollars,
  fill_count_fp: countFp,
  remaining_count_fp: countFp,
  initial_count_fp: countFp.optional(),
  taker_fees_dollars: optDollars,
  maker_fees_dollars: optDollars,
  created_ts_ms: z.number().int().optional(),
  last_updated_ts_ms: z.number().int().optional(),
});
export const KalshiUserOrderFrame = z.object({ type: z.literal('user_order'), sid: z.number().int(), seq: z.number().int().optional(), msg: KalshiUserOrderMsg });

/** Private WS `market_position` message. */
export const KalshiMarketPositionFrame = z.object({
  type: z.literal('market_position'),
  sid: z.number().int(),
  seq: z.number().int().optional(),
  msg: z.object({
    market_ticker: z.string(),
    position_fp: z.string().regex(/^-?\d+(\.\d+)?$/),
    position_cost_dollars: optDollars,
    realized_pnl_dollars: optDollars,
    fees_paid_dollars: optDollars,
    position_fee_cost_dollars: optDollars,
    volume_fp: countFp.optional(),
  }),
});

/** The order-entry part of `GET /markets/{ticker}` (price level structure, ranges, fractional trading). */
export const KalshiMarketRulesResponse = z.object({
  market: z.looseObject({
    ticker: z.string().min(1),
    price_level_structure: z.string().nullish(),
    price_ranges: z.array(z.object({ start: dollars, end: dollars, step: dollars })).nullish(),
    fractional_trading_enabled: z.boolean().nullish(),
  }),
});
