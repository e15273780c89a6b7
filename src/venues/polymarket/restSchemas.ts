/**
 * zod schemas of Polymarket REST responses: Gamma markets and events (camelCase, JSON-encoded
 * string arrays, numbers as strings) and CLOB books, price history and compact market parameters.
 */
import { z } from 'zod';
import { PolyLevelSchema, zTsMs } from './wire.js';

// ---------------------------------------------------------------------------------------------
// Gamma schemas

/** A JSON-encoded string array (`"[\"Yes\", \"No\"]"`), or a real array: decoded twice. */
const zJsonStrings = z.union([
  z.array(z.union([z.string(), z.number()]).transform(String)),
  z.string().transform((s, ctx) => {
    try {
      const v: unknown = JSON.parse(s);
      const r = z.array(z.union([z.string(), z.number()]).transform(String)).safeParse(v);
      if (r.success) return r.data;
    } catch {
      /* reported below */
    }
    ctx.addIssue({ code: 'custom', message: 'expected a JSON-encoded array of strings' });
    return z.NEVER;
  }),
]);
const zNumLike = z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/).transform(Number)]);
const zOptStr = z.string().nullish().transform((v) => v ?? undefined);

export const GammaFeeScheduleSchema = z.looseObject({
  rate: z.number().min(0).max(1),
  exponent: z.number().min(0).max(10),
  takerOnly: z.boolean(),
  rebateRate: z.number().min(0).max(1),
});

const GammaEventRef = z.looseObject({ id: z.union([z.string(), z.number()]).optional(), title: zOptStr, slug: zOptStr, ticker: zOptStr });
const GammaTag = z.looseObject({ label: zOptStr, slug: zOptStr });

export const GammaMarketSchema = z.looseObject({
  id: z.union([z.string(), z.number()]).transform(String),
  question: z.string(),
  conditionId: z.string().regex(/^0x[0-9a-fA-F]{1,64}$/, 'conditionId must be 0x-hex'),
  slug: z.string(),
  description: z.string().nullish().transform((v) => v ?? ''),
  outcomes: zJsonStrings,
  clobTokenIds: zJsonStrings,
  startDate: zOptStr,
  endDate: zOptStr,
  /** a game's scheduled start ("2026-12-25 22:00:00+00"), on sports markets; its `endDate` can be a week later */
  gameStartTime: zOptStr,
  active: z.boolean().nullish(),
  closed: z.boolean().nullish(),
  negRisk: z.boolean().nullish(),
  orderPriceMinTickSize: zNumLike.nullish(),
  orderMinSize: zNumLike.nullish(),
  feesEnabled: z.boolean().nullish(),
  feeType: zOptStr,
  feeSchedule: GammaFeeScheduleSchema.nullish(),
  resolutionSource: zOptStr,
  category: zOptStr,
  tags: z.array(GammaTag).nullish(),
  events: z.array(GammaEventRef).nullish(),
});
export type GammaMarket = z.output<typeof GammaMarketSchema>;

export const GammaEventSchema = z.looseObject({
  id: z.union([z.string(), z.number()]).transform(String),
  title: z.string(),
  slug: zOptStr,
  tags: z.array(GammaTag).nullish(),
  category: zOptStr,
  markets: z.array(z.unknown()).nullish(),
});

// ---------------------------------------------------------------------------------------------
// CLOB schemas

export const ClobBookSchema = z.looseObject({
  market: z.string().min(1),
  asset_id: z.string().min(1),
  timestamp: zTsMs,
  hash: z.string().optional(),
  bids: z.array(PolyLevelSchema),
  asks: z.array(PolyLevelSchema),
  min_order_size: z.string().optional(),
  tick_size: z.string().optional(),
  neg_risk: z.boolean().optional(),
  last_trade_price: z.string().optional(),
});

export const PricesHistorySchema = z.object({
  history: z.array(z.object({ t: z.number().int().nonnegative(), p: z.number().min(0).max(1) })),
});
export interface PricePoint {
  /** unix ms */
  readonly ts: number;
  /** micro-dollars (the wire sends a float; rounded half-up to 1e-6) */
  readonly price: number;
}

/** `GET /clob-markets/{condition_id}` compact parameters. */
export const ClobMarketParamsSchema = z.looseObject({
  t: z.array(z.looseObject({ t: z.string(), o: z.string() })).optional(),
  mts: zNumLike.optional(),
  mos: zNumLike.optional(),
  mbf: zNumLike.optional(),
  tbf: zNumLike.optional(),
  fd: z.looseObject({ r: z.number().min(0).max(1), e: z.number().min(0), to: z.boolean() }).nullish(),
});
export interface ClobFeeInfo {
  readonly conditionId: string;
  readonly tokens: readonly { tokenId: string; outcome: string }[];
  readonly tickSizeMicros?: number;
  /** legacy base fees in bps (not the effective rate) */
  readonly makerBaseFeeBps?: number;
  readonly takerBaseFeeBps?: number;
  readonly fee?: { rate: number; ratePpm: number; exponent: number; takerOnly: boolean };
}
