/**
 * Kalshi Trade API v2 WebSocket wire format (PROTOCOLS.md §3.3–3.5): every frame the server
 * sends, acks and errors included, as one zod discriminated union {@link KalshiWsFrame}, plus the
 * client commands. Decimal strings are parsed to exact integers here: prices to micro-dollars,
 * counts to millionths of a contract. The current fixed-point fields (`*_dollars`, `*_fp`) are
 * preferred; the legacy integer-cent / integer-count fields (Feb-2026 spec) are accepted when the
 * fixed-point ones are absent.
 */
import { z } from 'zod';
import { parseScaled, SCALE } from '../../../schema/money.js';

// ---------------------------------------------------------------- scalars

const scaled = (what: string, check: (v: number) => boolean, rule: string) =>
  z.string().max(40).transform((s, ctx) => {
    let v: number;
    try {
      v = parseScaled(s);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: `${what}: ${(e as Error).message}` });
      return z.NEVER;
    }
    if (!check(v)) {
      ctx.addIssue({ code: 'custom', message: `${what} ${s} ${rule}` });
      return z.NEVER;
    }
    return v;
  });

/** A price in dollars ("0.4200") → micro-dollars in [0, 1_000_000]. */
export const zPriceDollars = scaled('price', (v) => v >= 0 && v <= SCALE, 'must be between 0 and 1 dollar');
/** A contract count ("300.00") → millionths, never negative. */
export const zCountFp = scaled('count', (v) => v >= 0, 'must not be negative');
/** A signed count change ("-54.00") → millionths. */
export const zDeltaFp = scaled('delta', () => true, '');
/** Any dollar amount ("0.010000", may exceed 1) → micro-dollars. */
export const zDollars = scaled('amount', () => true, '');
/** Legacy integer cents 0..100 → micro-dollars. */
export const zCents = z.number().int().min(0).max(100).transform((c) => c * 10_000);
/** Legacy integer count → millionths. */
export const zIntCount = z.number().int().min(0).max(1e12).transform((c) => c * SCALE);
const zIntDelta = z.number().int().min(-1e12).max(1e12).transform((c) => c * SCALE);
/** unix ms */
const zTsMs = z.number().int().nonnegative().max(1e14);
/** unix seconds */
const zTsS = z.number().int().nonnegative().max(1e11);
const zSid = z.number().int().nonnegative();
const zSeq = z.number().int().nonnegative();
const zId = z.number().int().nonnegative();
const zSide = z.enum(['yes', 'no']);
const ticker = z.string().min(1).max(200);

/** `[price_dollars, count_fp]` (current) */
const zLevelFp = z.tuple([zPriceDollars, zCountFp]);
/** `[price_dollars(3dp), count_int]` (legacy `yes_dollars`) */
const zLevelDollarsInt = z.tuple([zPriceDollars, zIntCount]);
/** `[cents, count_int]` (legacy `yes`) */
const zLevelCents = z.tuple([zCents, zIntCount]);
const levels = <T extends z.ZodType>(l: T) => z.array(l).max(10_000);

// ---------------------------------------------------------------- responses (§3.4)

/** Error codes (§3.4). 10 and 25 are terminal for the subscription: resubscribe. */
export const KALSHI_ERROR_CODES: Readonly<Record<number, string>> = {
  1: 'unable to process message', 2: 'params required', 3: 'channels required', 4: 'sids required',
  5: 'unknown command', 6: 'already subscribed', 7: 'unknown sid', 8: 'unknown channel',
  9: 'authentication required', 10: 'channel error', 11: 'invalid parameter', 12: 'exactly one sid required',
  13: 'unsupported action', 14: 'market ticker required', 15: 'action required', 16: 'market not found',
  17: 'internal error', 18: 'command timeout', 19: 'shard factor must be > 0', 20: 'shard factor required',
  21: 'shard key out of range', 22: 'shard factor too large', 23: 'match ids required', 24: 'index ids required',
  25: 'subscription buffer overflow', 26: 'per-subscription market limit exceeded', 27: 'too many requests',
  28: 'underlying tickers required',
};
export const TERMINAL_ERROR_CODES: ReadonlySet<number> = new Set([10, 25]);

const SubscribedFrame = z.object({
  type: z.literal('subscribed'),
  id: zId.optional(),
  msg: z.object({ channel: z.string(), sid: zSid }),
});
const UnsubscribedFrame = z.object({
  type: z.literal('unsubscribed'),
  id: zId.optional(),
  sid: zSid,
  seq: zSeq.optional(),
});
const SubscriptionInfo = z.object({ channel: z.string(), sid: zSid });
const OkFrame = z.object({
  type: z.literal('ok'),
  id: zId.optional(),
  sid: zSid.optional(),
  seq: zSeq.optional(),
  /** update_subscription ack: `{market_tickers}`; list_subscriptions: an array (Feb 2026: `subscriptions`). */
  msg: z.union([z.object({ market_tickers: z.array(ticker).optional() }), z.array(SubscriptionInfo)]).optional(),
  market_tickers: z.array(ticker).optional(),
  subscriptions: z.array(SubscriptionInfo).optional(),
});
const ErrorFrame = z.object({
  type: z.literal('error'),
  id: zId.optional(),
  sid: zSid.optional(),
  seq: zSeq.optional(),
  msg: z.object({ code: z.number().int(), msg: z.string().max(2000), market_ticker: ticker.optional() }),
});

// ---------------------------------------------------------------- data (§3.5)

const OrderbookSnapshotFrame = z.object({
  type: z.literal('orderbook_snapshot'),
  id: zId.optional(),
  sid: zSid,
  seq: zSeq,
  msg: z.object({
    market_ticker: ticker,
    market_id: z.string().optional(),
    yes_dollars_fp: levels(zLevelFp).optional(),
    no_dollars_fp: levels(zLevelFp).optional(),
    /** legacy */
    yes_dollars: levels(zLevelDollarsInt).optional(),
    no_dollars: levels(zLevelDollarsInt).optional(),
    yes: levels(zLevelCents).optional(),
    no: levels(zLevelCents).optional(),
  }),
});

const OrderbookDeltaFrame = z.object({
  type: z.literal('orderbook_delta'),
  sid: zSid,
  seq: zSeq,
  msg: z
    .object({
      market_ticker: ticker,
      market_id: z.string().optional(),
      price_dollars: zPriceDollars.optional(),
      delta_fp: zDeltaFp.optional(),
      side: zSide,
      /** legacy cents / int count */
      price: zCents.optional(),
      delta: zIntDelta.optional(),
      /** RFC3339, deprecated */
      ts: z.union([z.string().max(64), zTsS]).optional(),
      /** unix ms */
      ts_ms: zTsMs.optional(),
      client_order_id: z.string().optional(),
      subaccount: z.number().int().optional(),
    })
    .refine((m) => m.price_dollars !== undefined || m.price !== undefined, 'price_dollars (or legacy price) required')
    .refine((m) => m.delta_fp !== undefined || m.delta !== undefined, 'delta_fp (or legacy delta) required'),
});

const TickerFrame = z.object({
  type: z.literal('ticker'),
  sid: zSid,
  seq: zSeq.optional(),
  msg: z.object({
    market_ticker: ticker,
    market_id: z.string().optional(),
    price_dollars: zPriceDollars.optional(),
    yes_bid_dollars: zPriceDollars.optional(),
    yes_ask_dollars: zPriceDollars.optional(),
    no_bid_dollars: zPriceDollars.optional(),
    yes_bid_size_fp: zCountFp.optional(),
    yes_ask_size_fp: zCountFp.optional(),
    last_trade_size_fp: zCountFp.optional(),
    volume_fp: zCountFp.optional(),
    open_interest_fp: zCountFp.optional(),
    dollar_volume: z.number().optional(),
    dollar_open_interest: z.number().optional(),
    /** legacy */
    price: zCents.optional(),
    volume: zIntCount.optional(),
    open_interest: zIntCount.optional(),
    /** unix seconds, deprecated */
    ts: zTsS.optional(),
    /** unix ms */
    ts_ms: zTsMs.optional(),
    time: z.string().optional(),
  }),
});

const TradeFrame = z.object({
  type: z.literal('trade'),
  sid: zSid,
  seq: zSeq.optional(),
  msg: z.object({
    trade_id: z.string().optional(),
    market_ticker: ticker,
    yes_price_dollars: zPriceDollars.optional(),
    no_price_dollars: zPriceDollars.optional(),
    count_fp: zCountFp.optional(),
    yes_price: zCents.optional(),
    no_price: zCents.optional(),
    count: zIntCount.optional(),
    taker_side: zSide.optional(),
    taker_outcome_side: zSide.optional(),
    taker_book_side: z.enum(['bid', 'ask']).optional(),
    is_block_trade: z.boolean().optional(),
    ts: zTsS.optional(),
    ts_ms: zTsMs.optional(),
  }),
});

const FillFrame = z.object({
  type: z.literal('fill'),
  sid: zSid,
  seq: zSeq.optional(),
  msg: z.object({
    trade_id: z.string(),
    order_id: z.string(),
    client_order_id: z.string().optional(),
    market_ticker: ticker,
    exchange_index: z.number().int().optional(),
    is_taker: z.boolean(),
    yes_price_dollars: zPriceDollars.optional(),
    count_fp: zCountFp.optional(),
    fee_cost: zDollars.optional(),
    outcome_side: zSide.optional(),
    book_side: z.enum(['bid', 'ask']).optional(),
    post_position_fp: zDeltaFp.optional(),
    /** deprecated */
    side: zSide.optional(),
    action: z.enum(['buy', 'sell']).optional(),
    purchased_side: zSide.optional(),
    /** legacy */
    yes_price: zCents.optional(),
    count: zIntCount.optional(),
    post_position: z.number().int().optional(),
    ts: zTsS.optional(),
    ts_ms: zTsMs.optional(),
    subaccount: z.number().int().optional(),
  }),
});

export const LIFECYCLE_EVENT_TYPES = [
  'created', 'activated', 'deactivated', 'close_date_updated', 'determined', 'settled',
  'price_level_structure_updated', 'metadata_updated',
] as const;
export type LifecycleEventType = (typeof LIFECYCLE_EVENT_TYPES)[number];

const PriceRange = z.object({ start: zPriceDollars, end: zPriceDollars, step: zPriceDollars });
const MarketLifecycleFrame = z.object({
  type: z.literal('market_lifecycle_v2'),
  sid: zSid,
  seq: zSeq.optional(),
  msg: z.object({
    market_ticker: ticker,
    /** Unknown event types are kept as strings here and counted by the normalizer. */
    event_type: z.string().min(1),
    exchange_index: z.number().int().optional(),
    open_ts: zTsS.optional(),
    close_ts: zTsS.optional(),
    determination_ts: zTsS.optional(),
    settled_ts: zTsS.optional(),
    result: z.string().optional(),
    settlement_value: zDollars.optional(),
    is_deactivated: z.boolean().optional(),
    price_level_structure: z.string().optional(),
    price_ranges: z.array(PriceRange).optional(),
    strike_type: z.string().optional(),
    floor_strike: z.number().optional(),
    cap_strike: z.number().optional(),
    additional_metadata: z
      .object({
        name: z.string().optional(),
        title: z.string().optional(),
        yes_sub_title: z.string().optional(),
        no_sub_title: z.string().optional(),
        rules_primary: z.string().optional(),
        rules_secondary: z.string().optional(),
        can_close_early: z.boolean().optional(),
        event_ticker: z.string().optional(),
        expected_expiration_ts: zTsS.optional(),
        strike_type: z.string().optional(),
        floor_strike: z.number().optional(),
        cap_strike: z.number().optional(),
      })
      .optional(),
  }),
});

const EventLifecycleFrame = z.object({
  type: z.literal('event_lifecycle'),
  sid: zSid,
  seq: zSeq.optional(),
  msg: z.looseObject({ event_ticker: z.string(), title: z.string().optional(), sub_title: z.string().optional(), series_ticker: z.string().optional() }),
});

const EventFeeUpdateFrame = z.object({
  type: z.literal('event_fee_update'),
  sid: zSid,
  seq: zSeq.optional(),
  msg: z.object({
    event_ticker: z.string(),
    /** null = override cleared */
    fee_type_override: z.string().nullable(),
    fee_multiplier_override: z.number().nonnegative().nullable(),
  }),
});

/** Every frame the Kalshi WS v2 server sends. */
export const KalshiWsFrame = z.discriminatedUnion('type', [
  SubscribedFrame,
  UnsubscribedFrame,
  OkFrame,
  ErrorFrame,
  OrderbookSnapshotFrame,
  OrderbookDeltaFrame,
  TickerFrame,
  TradeFrame,
  FillFrame,
  MarketLifecycleFrame,
  EventLifecycleFrame,
  EventFeeUpdateFrame,
]);
export type KalshiWsFrame = z.output<typeof KalshiWsFrame>;
export type KalshiFrameType = KalshiWsFrame['type'];
/** The `type` of every frame in {@link KalshiWsFrame} (read from the union, so the two cannot drift). */
export const KALSHI_FRAME_TYPES: ReadonlySet<string> = new Set<KalshiFrameType>(KalshiWsFrame.options.map((o) => o.shape.type.value));

export type OrderbookSnapshotMsg = z.output<typeof OrderbookSnapshotFrame>;
export type OrderbookDeltaMsg = z.output<typeof OrderbookDeltaFrame>;
export type TickerMsg = z.output<typeof TickerFrame>;
export type TradeMsg = z.output<typeof TradeFrame>;
export type FillMsg = z.output<typeof FillFrame>;
export type MarketLifecycleMsg = z.output<typeof MarketLifecycleFrame>;
export type EventLifecycleMsg = z.output<typeof EventLifecycleFrame>;
export type EventFeeUpdateMsg = z.output<typeof EventFeeUpdateFrame>;
export type ErrorMsg = z.output<typeof ErrorFrame>;
export type OkMsg = z.output<typeof OkFrame>;
export type SubscribedMsg = z.output<typeof SubscribedFrame>;
export type UnsubscribedMsg = z.output<typeof UnsubscribedFrame>;

// ---------------------------------------------------------------- commands (§3.3)

export const KALSHI_CHANNELS = [
  'orderbook_delta', 'ticker', 'trade', 'fill', 'market_positions', 'market_lifecycle_v2',
  'multivariate_market_lifecycle', 'communications', 'order_group_updates', 'user_orders',
] as const;
export type KalshiChannel = (typeof KALSHI_CHANNELS)[number];

export const KalshiCommand = z.discriminatedUnion('cmd', [
  z.object({
    id: zId,
    cmd: z.literal('subscribe'),
    params: z.object({
      channels: z.array(z.string()).min(1),
      market_ticker: ticker.optional(),
      market_tickers: z.array(ticker).optional(),
      market_id: z.string().optional(),
      market_ids: z.array(z.string()).optional(),
      send_initial_snapshot: z.boolean().optional(),
      skip_ticker_ack: z.boolean().optional(),
      use_yes_price: z.boolean().optional(),
    }),
  }),
  z.object({ id: zId, cmd: z.literal('unsubscribe'), params: z.object({ sids: z.array(zSid).min(1) }) }),
  z.object({
    id: zId,
    cmd: z.literal('update_subscription'),
    params: z.object({
      sid: zSid.optional(),
      sids: z.array(zSid).optional(),
      market_ticker: ticker.optional(),
      market_tickers: z.array(ticker).optional(),
      action: z.enum(['add_markets', 'delete_markets', 'get_snapshot']),
    }),
  }),
  z.object({ id: zId, cmd: z.literal('list_subscriptions'), params: z.object({}).optional() }),
]);
export type KalshiCommand = z.output<typeof KalshiCommand>;
