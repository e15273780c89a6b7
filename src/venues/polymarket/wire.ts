/**
 * Polymarket CLOB market channel (`/ws/market`) wire format: zod schemas of every frame the
 * server sends (current and legacy shapes) and of the client's commands.
 * See ../../../../shared/venues/PROTOCOLS.md §1.
 *
 * Parsing converts at the boundary: prices to integer micro-dollars (must be within [0, 1] $),
 * sizes to integer millionths of a share (must be >= 0), timestamps (unix ms strings) to numbers.
 * The three `price_change` shapes are decoded to ONE message shape (`changes[]` with the asset id
 * on each change) and keep a `shape` tag saying which wire shape they came from.
 */
import { z } from 'zod';
import { parseScaled, SCALE } from '../../../schema/money.js';

/**
 * Longest decimal string accepted. Checked before the exact (BigInt) parse, which is quadratic in
 * the digit count: a 9,000,000-digit size must cost a length check, not seconds of CPU.
 */
export const MAX_DECIMAL_CHARS = 40;
/**
 * The common case of {@link parseScaled} without BigInt: up to 9 integer digits and 6 decimals is
 * exact in doubles (< 1e15 < 2^53). Anything else (sign, more digits, odd forms) returns undefined
 * and takes the general path. Prices and sizes are parsed for every level of every book frame.
 */
const FAST_DECIMAL = /^(\d{1,9})(?:\.(\d{1,6}))?$/;
function fastScaled(s: string): number | undefined {
  const m = FAST_DECIMAL.exec(s);
  if (!m) return undefined;
  const frac = m[2] ?? '';
  return Number(m[1]) * SCALE + (frac ? Number(frac) * 10 ** (6 - frac.length) : 0);
}

/** A decimal string parsed exactly to 1e-6 units (numbers tolerated: some REST fields are numbers). */
const zDecimal = z.union([z.string().max(MAX_DECIMAL_CHARS, `decimal longer than ${MAX_DECIMAL_CHARS} chars`), z.number()]).transform((v, ctx) => {
  try {
    // numbers are rendered without exponent for the usual magnitudes; anything odd fails the regex
    const s = typeof v === 'number' ? String(v) : v;
    return fastScaled(s) ?? parseScaled(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});
/** Price in dollars, [0, 1], to micro-dollars. */
export const zPolyPrice = zDecimal.refine((v) => v >= 0 && v <= SCALE, 'price must be between 0 and 1 dollar');
/** Price of a resting level: (0, 1]. */
const zLevelPrice = zDecimal.refine((v) => v > 0 && v <= SCALE, 'level price must be in (0, 1] dollar');
/** Size in shares (up to 6 dp), to millionths; never negative. */
export const zPolySize = zDecimal.refine((v) => v >= 0, 'size must not be negative');
/** Venue timestamp: unix **milliseconds** as a decimal string (numbers tolerated). */
export const zTsMs = z
  .union([z.string().regex(/^\d{1,15}$/, 'timestamp must be unix ms digits'), z.number().int().nonnegative()])
  .transform((v) => Number(v))
  .refine((v) => Number.isSafeInteger(v), 'timestamp out of range');
const zId = z.string().min(1).max(200);
/** Most levels in one book side or one price_change (a $0.0001 tick gives at most 9,999 prices). */
export const MAX_LEVELS = 10_000;
const zSide = z.enum(['BUY', 'SELL']);
export type PolySide = z.infer<typeof zSide>;

export const PolyLevelSchema = z.object({ price: zLevelPrice, size: zPolySize });
export type PolyLevel = z.output<typeof PolyLevelSchema>;

// ---------------------------------------------------------------------------------------------
// server → client

export const PolyBookSchema = z.looseObject({
  event_type: z.literal('book'),
  asset_id: zId,
  /** condition id */
  market: zId,
  bids: z.array(PolyLevelSchema).max(MAX_LEVELS),
  asks: z.array(PolyLevelSchema).max(MAX_LEVELS),
  timestamp: zTsMs,
  /** may be missing in some messages */
  hash: z.string().optional(),
});

const zChange = z.object({ price: zLevelPrice, side: zSide, size: zPolySize });

/** Current shape (since 2025-09-15): many levels, possibly both tokens of the market. */
const PriceChangeCurrent = z.looseObject({
  event_type: z.literal('price_change'),
  market: zId,
  timestamp: zTsMs,
  price_changes: z.array(
    zChange.extend({
      asset_id: zId,
      hash: z.string().optional(),
      best_bid: zPolyPrice.optional(),
      best_ask: zPolyPrice.optional(),
    }),
  ).max(MAX_LEVELS),
});
/** Legacy (late 2024 – 2025-09-15): one token, `changes[]`. */
const PriceChangeLegacyChanges = z.looseObject({
  event_type: z.literal('price_change'),
  asset_id: zId,
  market: zId,
  timestamp: zTsMs,
  hash: z.string().optional(),
  changes: z.array(zChange).max(MAX_LEVELS),
});
/** 2024 captures: one level, flat. */
const PriceChangeLegacyFlat = z.looseObject({
  event_type: z.literal('price_change'),
  asset_id: zId,
  market: zId,
  timestamp: zTsMs,
  hash: z.string().optional(),
  price: zLevelPrice,
  side: zSide,
  size: zPolySize,
});

export interface PolyPriceChange {
  readonly assetId: string;
  readonly price: number;
  readonly side: PolySide;
  /** new total size at that price (millionths); 0 removes the level */
  readonly size: number;
  readonly bestBid?: number;
  readonly bestAsk?: number;
}

const PriceChangeShapes = [
      PriceChangeCurrent.transform((m) => ({
        event_type: 'price_change' as const,
        shape: 'current' as const,
        market: m.market,
        timestamp: m.timestamp,
        changes: m.price_changes.map(
          (c): PolyPriceChange => ({ assetId: c.asset_id, price: c.price, side: c.side, size: c.size, bestBid: c.best_bid, bestAsk: c.best_ask }),
        ),
      })),
      PriceChangeLegacyChanges.transform((m) => ({
        event_type: 'price_change' as const,
        shape: 'legacy-changes' as const,
        market: m.market,
        timestamp: m.timestamp,
        changes: m.changes.map((c): PolyPriceChange => ({ assetId: m.asset_id, price: c.price, side: c.side, size: c.size })),
      })),
      PriceChangeLegacyFlat.transform((m) => ({
        event_type: 'price_change' as const,
        shape: 'legacy-flat' as const,
        market: m.market,
        timestamp: m.timestamp,
        changes: [{ assetId: m.asset_id, price: m.price, side: m.side, size: m.size } satisfies PolyPriceChange],
      })),
] as const;
type PolyPriceChangeDecoded = z.output<(typeof PriceChangeShapes)[number]>;

/**
 * All three price_change shapes, decoded to one. The shape is chosen by its distinctive field
 * (`price_changes` current, `changes` legacy, else flat) and only that one is parsed: a union would
 * parse a malformed frame three times and report the issues of all three.
 */
export const PolyPriceChangeSchema = z
  .looseObject({ event_type: z.literal('price_change') })
  .transform((m, ctx): PolyPriceChangeDecoded => {
    const shape = 'price_changes' in m ? PriceChangeShapes[0] : 'changes' in m ? PriceChangeShapes[1] : PriceChangeShapes[2];
    const r = shape.safeParse(m);
    if (r.success) return r.data;
    for (const issue of r.error.issues) ctx.addIssue({ ...issue, code: 'custom', message: issue.message, path: issue.path });
    return z.NEVER;
  });

/** Tick sizes are decoded for information only: precision is never derived from them (Nautilus #4896). */
const zTick = zDecimal.refine((v) => v > 0 && v < SCALE, 'tick size must be in (0, 1)');

export const PolyTickSizeChangeSchema = z.looseObject({
  event_type: z.literal('tick_size_change'),
  asset_id: zId,
  market: zId,
  old_tick_size: zTick,
  new_tick_size: zTick,
  timestamp: zTsMs,
});

export const PolyLastTradePriceSchema = z.looseObject({
  event_type: z.literal('last_trade_price'),
  asset_id: zId,
  market: zId,
  price: zLevelPrice,
  size: zPolySize,
  /** treated as the aggressor side (as Nautilus does; the docs say only BUY/SELL) */
  side: zSide,
  fee_rate_bps: z.union([z.string(), z.number()]).optional(),
  timestamp: zTsMs,
});

export const PolyBestBidAskSchema = z.looseObject({
  event_type: z.literal('best_bid_ask'),
  asset_id: zId,
  market: zId,
  best_bid: zPolyPrice,
  best_ask: zPolyPrice,
  spread: zPolyPrice.optional(),
  timestamp: zTsMs,
});

const EventMessage = z.looseObject({
  id: z.string().optional(),
  ticker: z.string().optional(),
  slug: z.string().optional(),
  title: z.string().optional(),
  description: z.string().optional(),
});

const marketInfoFields = {
  id: z.string(),
  market: zId,
  question: z.string().optional(),
  slug: z.string().optional(),
  description: z.string().optional(),
  assets_ids: z.array(zId),
  outcomes: z.array(z.string()).optional(),
  event_message: EventMessage.optional(),
  tags: z.array(z.string()).optional(),
  timestamp: zTsMs,
};

export const PolyNewMarketSchema = z.looseObject({ event_type: z.literal('new_market'), ...marketInfoFields });
export const PolyMarketResolvedSchema = z.looseObject({
  event_type: z.literal('market_resolved'),
  ...marketInfoFields,
  winning_asset_id: zId,
  winning_outcome: z.string(),
});

/** Every JSON message of the market channel, dispatched on `event_type`. */
export const PolyWsMessageSchema = z.discriminatedUnion('event_type', [
  PolyBookSchema,
  PolyPriceChangeSchema,
  PolyTickSizeChangeSchema,
  PolyLastTradePriceSchema,
  PolyBestBidAskSchema,
  PolyNewMarketSchema,
  PolyMarketResolvedSchema,
]);
export type PolyWsMessage = z.output<typeof PolyWsMessageSchema>;
export type PolyEventType = PolyWsMessage['event_type'];
export const POLY_EVENT_TYPES: readonly PolyEventType[] = [
  'book',
  'price_change',
  'tick_size_change',
  'last_trade_price',
  'best_bid_ask',
  'new_market',
  'market_resolved',
];
export type PolyBookMessage = z.output<typeof PolyBookSchema>;
export type PolyPriceChangeMessage = z.output<typeof PolyPriceChangeSchema>;

/**
 * Non-JSON text frames the server sends. `PONG` answers our `PING`. `INVALID OPERATION` is what the
 * server is reported to answer to a bad command [unverified]; it is logged, not counted as a decode error.
 */
export const POLY_TEXT_FRAMES = ['PONG', 'INVALID OPERATION'] as const;
export type PolyTextFrame = (typeof POLY_TEXT_FRAMES)[number];

// ---------------------------------------------------------------------------------------------
// client → server

/** First frame after connecting. */
export const PolySubscribeCmdSchema = z.object({
  assets_ids: z.array(zId),
  type: z.enum(['market', 'MARKET']),
  custom_feature_enabled: z.boolean().optional(),
  initial_dump: z.boolean().optional(),
  auth: z.unknown().optional(),
});
/** Subscribe/unsubscribe on an open connection. */
export const PolyOperationCmdSchema = z.object({
  assets_ids: z.array(zId),
  operation: z.enum(['subscribe', 'unsubscribe']),
  custom_feature_enabled: z.boolean().optional(),
});
export const PolyClientCmdSchema = z.union([PolySubscribeCmdSchema, PolyOperationCmdSchema]);
export type PolyClientCmd = z.output<typeof PolyClientCmdSchema>;

export const subscribeCmd = (assetIds: readonly string[]): string =>
  JSON.stringify({ assets_ids: assetIds, type: 'market', custom_feature_enabled: true });
export const operationCmd = (operation: 'subscribe' | 'unsubscribe', assetIds: readonly string[]): string =>
  JSON.stringify({ assets_ids: assetIds, operation, custom_feature_enabled: true });
export const PING = 'PING';
