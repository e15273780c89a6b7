/**
 * Polymarket trading fees, exact.
 *
 * Current era (from about Mar/Apr 2026, PROTOCOLS.md §5.2): taker-only, per market
 * `feeSchedule {rate, exponent, takerOnly, rebateRate}`,
 *   fee_usdc = C × rate × (p(1−p))^exponent, rounded to 5 dp (1e-5 USDC = 10 micro-dollars),
 * smallest fee 0.00001 USDC. Makers pay nothing and earn a `rebateRate` share of the taker fees
 * their fills generate (an estimate: the rebate pool is shared, so it is exposed separately and
 * never netted into the fee).
 *
 * Early-2026 era (crypto 5m/15m rate 0.25 exponent 2; NCAAB/Serie A 0.0175 exponent 1): fees rounded
 * to 4 dp, collected in SHARES on BUY (worth shares × p in USDC) and in USDC on SELL.
 *
 * Rounding mode: Polymarket does not publish it (docs say "rounded"; Nautilus floors). We default
 * to `'ceil'`: it never understates a cost by more than nothing and overstates by < 1e-5 USDC per fill,
 * which is what an arbitrage filter wants. `'floor'` (Nautilus) and `'half-up'` are available.
 * With `minimumFee` (default true) a non-zero exact fee is never charged less than one unit (0.00001).
 *
 * Units: price in micro-dollars, quantity in millionths of a share, results in micro-dollars.
 */
import { z } from 'zod';
import { divRound, type Micros, type Qty } from '../../schema/money.js';
import { FeeInputError, parseRational, zRate, type Rational } from './rational.js';

export type FeeRounding = 'floor' | 'ceil' | 'half-up';

/** Per-market fee schedule as Gamma publishes it; rates kept as exact decimal text. */
export interface PolymarketFeeSchedule {
  readonly rate: string;
  readonly exponent: number;
  readonly takerOnly: boolean;
  readonly rebateRate: string;
}

export interface PolymarketFeeOptions {
  /** how the exact fee is brought to the venue's precision (default 'ceil', see module doc) */
  readonly rounding?: FeeRounding;
  /** a non-zero fee is at least one unit of the precision (default true) */
  readonly minimumFee?: boolean;
}

export const DEFAULT_POLYMARKET_ROUNDING: FeeRounding = 'ceil';
/** 1e-5 USDC in micro-dollars: the current era's fee precision. */
export const POLY_FEE_STEP_MICROS = 10;
/** 1e-4 USDC (or shares) in millionths: the early-2026 era's fee precision. */
export const POLY_EARLY_FEE_STEP = 100;

/** zod for Gamma's `feeSchedule` (JSON numbers → exact decimal text). */
export const GammaFeeSchedule = z.object({
  rate: zRate,
  exponent: z.number().int().min(0).max(4),
  takerOnly: z.boolean(),
  rebateRate: zRate.default('0'),
});

/** zod for CLOB `/clob-markets` `fd: {r, e, to}`. */
export const ClobFeeDetails = z.object({ r: zRate, e: z.number().int().min(0).max(4), to: z.boolean() });

const SCALE = 1_000_000n;

function checkInputs(price: Micros, qty: Qty, exponent: number): void {
  if (!Number.isSafeInteger(price) || price < 0 || price > 1_000_000) throw new FeeInputError(`price must be integer micro-dollars in [0, 1e6], got ${price}`, { input: String(price) });
  if (!Number.isSafeInteger(qty) || qty < 0) throw new FeeInputError(`quantity must be a non-negative integer (millionths), got ${qty}`, { input: String(qty) });
  if (!Number.isInteger(exponent) || exponent < 0 || exponent > 4) throw new FeeInputError(`exponent must be an integer in [0, 4], got ${exponent}`, { input: String(exponent) });
}

/**
 * The unrounded fee `qty × rate × (p(1−p))^exponent` as an exact rational in the unit of `qty`'s
 * scale times dollars: with qty in share millionths it is micro-dollars (current era), and it is also
 * the early era's share fee in millionths of a share.
 */
export function polymarketFeeExact(price: Micros, qty: Qty, rate: Rational | string, exponent: number): Rational {
  checkInputs(price, qty, exponent);
  const r = typeof rate === 'string' ? parseRational(rate) : rate;
  const pq = BigInt(price) * (SCALE - BigInt(price));
  const scale12 = SCALE * SCALE;
  return { num: r.num * BigInt(qty) * pq ** BigInt(exponent), den: r.den * scale12 ** BigInt(exponent) };
}

/** Rounds an exact non-negative amount to a multiple of `step`, applying the minimum-unit rule. */
export function roundFee(exact: Rational, step: number, rounding: FeeRounding, minimumFee: boolean): number {
  if (exact.num <= 0n) return 0;
  const s = BigInt(step);
  let units = divRound(exact.num, exact.den * s, rounding);
  if (units === 0n && minimumFee) units = 1n;
  return Number(units * s);
}

/** Current-era taker fee of one fill, micro-dollars (multiple of 10). */
export function polymarketTakerFee(price: Micros, qty: Qty, schedule: Pick<PolymarketFeeSchedule, 'rate' | 'exponent'>, opts: PolymarketFeeOptions = {}): Micros {
  const exact = polymarketFeeExact(price, qty, schedule.rate, schedule.exponent);
  return roundFee(exact, POLY_FEE_STEP_MICROS, opts.rounding ?? DEFAULT_POLYMARKET_ROUNDING, opts.minimumFee ?? true);
}

/** Current-era fee of one fill for a role: makers pay nothing on taker-only schedules. */
export function polymarketFee(role: 'taker' | 'maker', price: Micros, qty: Qty, schedule: PolymarketFeeSchedule, opts: PolymarketFeeOptions = {}): Micros {
  if (role === 'maker' && schedule.takerOnly) return 0;
  return polymarketTakerFee(price, qty, schedule, opts);
}

/**
 * Estimated maker rebate for a resting fill: `rebateRate` × the (unrounded) taker fee the fill
 * generates, floored to the micro-dollar. An estimate only (the pool is shared pro rata), so it is
 * never subtracted from fees in edge math.
 */
export function polymarketMakerRebateEstimate(price: Micros, qty: Qty, schedule: PolymarketFeeSchedule): Micros {
  const exact = polymarketFeeExact(price, qty, schedule.rate, schedule.exponent);
  const rr = parseRational(schedule.rebateRate);
  return Number(divRound(exact.num * rr.num, exact.den * rr.den, 'floor'));
}

export interface EarlyEraFee {
  /** BUY: fee taken in shares (millionths, 4 dp); SELL: 0 */
  readonly feeShares: Qty;
  /** fee in USDC micro-dollars (BUY: value of the share fee at p; SELL: the USDC fee, 4 dp) */
  readonly feeMicros: Micros;
}

/**
 * Early-2026 era fee (`C × rate × (p(1−p))^exponent`, 4 dp): in shares on BUY, in USDC on SELL.
 * The USDC value of a share fee is rounded with the same rounding mode.
 */
export function polymarketEarly2026Fee(side: 'buy' | 'sell', price: Micros, qty: Qty, schedule: Pick<PolymarketFeeSchedule, 'rate' | 'exponent'>, opts: PolymarketFeeOptions = {}): EarlyEraFee {
  const rounding = opts.rounding ?? DEFAULT_POLYMARKET_ROUNDING;
  const minimumFee = opts.minimumFee ?? true;
  const exact = polymarketFeeExact(price, qty, schedule.rate, schedule.exponent);
  const rounded = roundFee(exact, POLY_EARLY_FEE_STEP, rounding, minimumFee);
  if (side === 'sell') return { feeShares: 0, feeMicros: rounded };
  return { feeShares: rounded, feeMicros: Number(divRound(BigInt(rounded) * BigInt(price), SCALE, rounding)) };
}

export type PolymarketCategory =
  | 'Crypto' | 'Sports' | 'Finance' | 'Politics' | 'Mentions' | 'Tech'
  | 'Economics' | 'Culture' | 'Weather' | 'Other' | 'Geopolitics';

/**
 * Current-era category table (docs.polymarket.com/trading/fees, about Jun 2026). Used only when a
 * fee-enabled market has no `feeSchedule`. Open question (PROTOCOLS §6.5): a Sep-2026 table shows
 * Sports 0.05 / 15 %, while live sports schedules still say 0.03; Nautilus lists crypto as 0.072.
 */
export const POLYMARKET_CATEGORY_FEES: Readonly<Record<PolymarketCategory, { readonly rate: string; readonly rebateRate: string }>> = {
  Crypto: { rate: '0.07', rebateRate: '0.2' },
  Sports: { rate: '0.03', rebateRate: '0.25' },
  Finance: { rate: '0.04', rebateRate: '0.25' },
  Politics: { rate: '0.04', rebateRate: '0.25' },
  Mentions: { rate: '0.04', rebateRate: '0.25' },
  Tech: { rate: '0.04', rebateRate: '0.25' },
  Economics: { rate: '0.05', rebateRate: '0.25' },
  Culture: { rate: '0.05', rebateRate: '0.25' },
  Weather: { rate: '0.05', rebateRate: '0.25' },
  Other: { rate: '0.05', rebateRate: '0.25' },
  Geopolitics: { rate: '0', rebateRate: '0' },
};

/** Early-2026 era parameters (fees on 5m/15m crypto and NCAAB/Serie A markets only). */
export const POLYMARKET_EARLY_2026 = {
  crypto: { rate: '0.25', exponent: 2, rebateRate: '0.2' },
  sports: { rate: '0.0175', exponent: 1, rebateRate: '0.25' },
} as const;

/** Maps a category label (any case, e.g. a Gamma tag) to the table's key; unknown labels are 'Other'. */
export function polymarketCategory(label: string): PolymarketCategory {
  const k = label.trim().toLowerCase();
  for (const c of Object.keys(POLYMARKET_CATEGORY_FEES) as PolymarketCategory[]) if (c.toLowerCase() === k) return c;
  return 'Other';
}
