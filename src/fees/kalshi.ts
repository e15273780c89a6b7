/**
 * Kalshi trading fees, exact.
 *
 * Formula (fee schedule PDF, quoted by Kalshi's notices; PROTOCOLS.md §5.1):
 *   quadratic                  taker: multiplier × 0.07   × C × P × (1−P)   makers: 0
 *   quadratic_with_maker_fees  taker: as above;            maker: multiplier × 0.0175 × C × P × (1−P)
 *   flat                       multiplier × (per-contract amount) × C. The amounts are only in the
 *                              PDF (not available offline), so they MUST be configured
 *                              (`flatTakerPerContractMicros`, `flatMakerPerContractMicros`).
 * `fee_multiplier` is applied ON TOP of 0.07 (open question, PROTOCOLS §6.1: a few clients read it
 * as the rate itself; with the live value 1 the two readings differ by 14×, so check against the
 * `fee_cost` of real fills before trusting either).
 *
 * Rounding (docs.kalshi.com/getting_started/fee_rounding): the trade fee of each fill is ceiled to
 * $0.0001; the balance change (revenue − trade fee) is floored to the account precision ($0.01
 * non-direct, $0.0001 direct) and the difference is a rounding fee; a per-order accumulator of
 * rounding fees refunds a whole $0.01 whenever it reaches $0.01 (we refund at ≥ $0.01: the docs say
 * "passes", and no worked example hits exactly $0.01). Net fee = trade + rounding − rebate.
 * For one whole-contract, whole-cent fill of a retail account this is "round up to the cent".
 *
 * Units: price micro-dollars, count millionths of a contract, money micro-dollars.
 */
import { z } from 'zod';
import { CENT, divRound, type Micros, type Qty } from '../../schema/money.js';
import { FeeInputError, parseRational, type Rational } from './rational.js';

export const KalshiFeeType = z.enum(['quadratic', 'quadratic_with_maker_fees', 'flat']);
export type KalshiFeeType = z.infer<typeof KalshiFeeType>;

export const KALSHI_TAKER_RATE = '0.07';
export const KALSHI_MAKER_RATE = '0.0175';
/** $0.0001 in micro-dollars: the trade-fee precision. */
export const KALSHI_TRADE_FEE_STEP = 100;
/** Balance precision of a non-direct (retail) member. */
export const KALSHI_RETAIL_PRECISION = CENT;
/** Balance precision of a direct member. */
export const KALSHI_DIRECT_PRECISION = 100;

export interface KalshiFeeParams {
  readonly feeType: KalshiFeeType;
  /** the series' (or event override's) fee_multiplier, exact decimal text, e.g. "1" */
  readonly multiplier: string;
  /** flat series only: per-contract taker fee, micro-dollars (from the PDF) */
  readonly flatTakerPerContractMicros?: Micros;
  /** flat series only: per-contract maker fee, micro-dollars (default 0) */
  readonly flatMakerPerContractMicros?: Micros;
}

export type Role = 'taker' | 'maker';
const SCALE = 1_000_000n;

function check(price: Micros, qty: Qty): void {
  if (!Number.isSafeInteger(price) || price < 0 || price > 1_000_000) throw new FeeInputError(`price must be integer micro-dollars in [0, 1e6], got ${price}`, { input: String(price) });
  if (!Number.isSafeInteger(qty) || qty < 0) throw new FeeInputError(`count must be a non-negative integer (millionths), got ${qty}`, { input: String(qty) });
}

/** The unrounded fee of a fill as an exact rational in micro-dollars. */
export function kalshiFeeExact(role: Role, price: Micros, qty: Qty, params: KalshiFeeParams): Rational {
  check(price, qty);
  const m = parseRational(params.multiplier);
  if (params.feeType === 'flat') {
    const per = role === 'taker' ? params.flatTakerPerContractMicros : (params.flatMakerPerContractMicros ?? 0);
    if (per === undefined || !Number.isSafeInteger(per) || per < 0) {
      throw new FeeInputError('flat Kalshi fee series need a configured per-contract amount (the amounts are only in the fee schedule PDF)', { input: String(per) });
    }
    return { num: m.num * BigInt(per) * BigInt(qty), den: m.den * SCALE };
  }
  if (role === 'maker' && params.feeType === 'quadratic') return { num: 0n, den: 1n };
  const r = parseRational(role === 'taker' ? KALSHI_TAKER_RATE : KALSHI_MAKER_RATE);
  const p = BigInt(price);
  return { num: m.num * r.num * BigInt(qty) * p * (SCALE - p), den: m.den * r.den * SCALE * SCALE };
}

const ceilTo = (x: Rational, step: number): Micros => (x.num <= 0n ? 0 : Number(divRound(x.num, x.den * BigInt(step), 'ceil') * BigInt(step)));

/** The published per-order formula: the exact fee rounded UP to the cent. */
export function kalshiFeeCeilCent(role: Role, price: Micros, qty: Qty, params: KalshiFeeParams): Micros {
  return ceilTo(kalshiFeeExact(role, price, qty, params), CENT);
}

/** The trade fee of one fill: the exact fee ceiled to $0.0001. */
export function kalshiTradeFee(role: Role, price: Micros, qty: Qty, params: KalshiFeeParams): Micros {
  return ceilTo(kalshiFeeExact(role, price, qty, params), KALSHI_TRADE_FEE_STEP);
}

/** Signed cash of a fill before fees: −price×count for a buy (cost rounded up), + for a sell (rounded down). */
export function kalshiRevenue(side: 'buy' | 'sell', price: Micros, qty: Qty): Micros {
  check(price, qty);
  const v = BigInt(price) * BigInt(qty);
  return side === 'buy' ? -Number(divRound(v, SCALE, 'ceil')) : Number(divRound(v, SCALE, 'floor'));
}

export interface KalshiFillFee {
  readonly revenueMicros: Micros;
  readonly tradeFeeMicros: Micros;
  readonly roundingFeeMicros: Micros;
  readonly rebateMicros: Micros;
  /** trade + rounding − rebate */
  readonly netFeeMicros: Micros;
  /** revenue − trade fee, floored to the account precision (before the rebate) */
  readonly balanceChangeMicros: Micros;
  /** accumulated rounding after this fill, before any rebate */
  readonly accumulatorMicros: Micros;
  readonly accumulatorAfterRebateMicros: Micros;
}

export interface KalshiAccumulatorOptions {
  /** account balance precision (default $0.01, non-direct member; $0.0001 for direct members) */
  readonly precisionMicros?: Micros;
  /** the refund unit (default $0.01) */
  readonly rebateUnitMicros?: Micros;
}

/**
 * The per-order rounding accumulator, for reconciling actual fills of ONE order (partial fills).
 * Create one per order; feed fills in execution order.
 */
export class KalshiFeeAccumulator {
  private acc = 0;
  private readonly precision: number;
  private readonly unit: number;
  constructor(opts: KalshiAccumulatorOptions = {}) {
    this.precision = opts.precisionMicros ?? KALSHI_RETAIL_PRECISION;
    this.unit = opts.rebateUnitMicros ?? CENT;
    if (!(this.precision > 0 && Number.isSafeInteger(this.precision)) || !(this.unit > 0 && Number.isSafeInteger(this.unit))) {
      throw new FeeInputError('precision and rebate unit must be positive integer micro-dollars', { input: `${this.precision}/${this.unit}` });
    }
  }

  get accumulatorMicros(): Micros {
    return this.acc;
  }

  /** Adds a fill given its signed revenue (negative for buys) and its trade fee (already ceiled to $0.0001). */
  addFill(revenueMicros: Micros, tradeFeeMicros: Micros): KalshiFillFee {
    if (!Number.isSafeInteger(revenueMicros) || !Number.isSafeInteger(tradeFeeMicros) || tradeFeeMicros < 0) {
      throw new FeeInputError('revenue and trade fee must be integer micro-dollars (fee >= 0)', { input: `${revenueMicros}/${tradeFeeMicros}` });
    }
    const before = revenueMicros - tradeFeeMicros;
    const balanceChange = Number(divRound(BigInt(before), BigInt(this.precision), 'floor')) * this.precision;
    const rounding = before - balanceChange;
    this.acc += rounding;
    const accumulator = this.acc;
    const rebate = Math.floor(this.acc / this.unit) * this.unit;
    this.acc -= rebate;
    return {
      revenueMicros,
      tradeFeeMicros,
      roundingFeeMicros: rounding,
      rebateMicros: rebate,
      netFeeMicros: tradeFeeMicros + rounding - rebate,
      balanceChangeMicros: balanceChange,
      accumulatorMicros: accumulator,
      accumulatorAfterRebateMicros: this.acc,
    };
  }

  /** Adds a fill from its price and count, computing revenue and trade fee. */
  addTrade(role: Role, side: 'buy' | 'sell', price: Micros, qty: Qty, params: KalshiFeeParams): KalshiFillFee {
    return this.addFill(kalshiRevenue(side, price, qty), kalshiTradeFee(role, price, qty, params));
  }
}

export interface KalshiOrderFee {
  readonly tradeFeeMicros: Micros;
  readonly roundingFeeMicros: Micros;
  readonly rebateMicros: Micros;
  readonly netFeeMicros: Micros;
  readonly fills: readonly KalshiFillFee[];
}

/**
 * Fee estimate for a PLANNED order that will fill at the given levels (one fill per level, in
 * order): runs the per-order accumulator over them. For a single whole-cent fill this equals
 * {@link kalshiFeeCeilCent}; in general it is ≥ the exact fee and < exact + $0.01 + $0.0001 per fill.
 */
export function kalshiOrderFee(
  role: Role,
  side: 'buy' | 'sell',
  fills: readonly { readonly price: Micros; readonly qty: Qty }[],
  params: KalshiFeeParams,
  opts: KalshiAccumulatorOptions = {},
): KalshiOrderFee {
  const acc = new KalshiFeeAccumulator(opts);
  const out = fills.filter((f) => f.qty > 0).map((f) => acc.addTrade(role, side, f.price, f.qty, params));
  const sum = (k: 'tradeFeeMicros' | 'roundingFeeMicros' | 'rebateMicros' | 'netFeeMicros'): number => out.reduce((s, f) => s + f[k], 0);
  return { tradeFeeMicros: sum('tradeFeeMicros'), roundingFeeMicros: sum('roundingFeeMicros'), rebateMicros: sum('rebateMicros'), netFeeMicros: sum('netFeeMicros'), fills: out };
}

