/**
 * The fee engine: which formula a resolved fee schedule means. ONE exhaustive switch over the fee
 * type ({@link feeFormula}); every fee computed in arbstream (the vwap size search's marginal fee,
 * friction's per-order fee, realized fees from fills) goes through it. A new fee type in
 * `FeeType` does not compile until it has its case here.
 */
import type { Level } from '../../schema/book.js';
import { SCALE, type Micros, type Qty } from '../../schema/money.js';
import type { Venue } from '../../schema/venue.js';
import { kalshiFeeExact, kalshiOrderFee, KALSHI_RETAIL_PRECISION, type KalshiFeeParams, type Role } from './kalshi.js';
import { polymarketEarly2026Fee, polymarketFee, polymarketFeeExact, type PolymarketFeeOptions } from './polymarket.js';
import { FeeInputError, type Rational } from './rational.js';
import type { ResolvedFeeSchedule } from './schedule.js';

export interface FeeOptions {
  readonly role?: Role;
  readonly side?: 'buy' | 'sell';
  /** Kalshi account balance precision (default $0.01, non-direct member) */
  readonly kalshiPrecisionMicros?: Micros;
  readonly polymarket?: PolymarketFeeOptions;
}

/** A fee type's formulas. */
export interface FeeFormula {
  /** Exact fee of one order's fills (qty > 0), micro-dollars, rounded the way the venue rounds. */
  orderFee(fills: readonly Level[], opts: FeeOptions): Micros;
  /** Unrounded taker fee of one whole contract bought at `price`, an exact rational in micro-dollars. */
  perContractExact(price: Micros): Rational;
}

const ONE: Qty = SCALE;
const ZERO: Rational = { num: 0n, den: 1n };

const kalshiParams = (s: ResolvedFeeSchedule, feeType: KalshiFeeParams['feeType']): KalshiFeeParams => ({
  feeType,
  multiplier: s.multiplier,
  ...(s.flatTakerPerContractMicros !== undefined ? { flatTakerPerContractMicros: s.flatTakerPerContractMicros } : {}),
  ...(s.flatMakerPerContractMicros !== undefined ? { flatMakerPerContractMicros: s.flatMakerPerContractMicros } : {}),
});

const kalshiFormula = (s: ResolvedFeeSchedule, feeType: KalshiFeeParams['feeType']): FeeFormula => {
  const params = kalshiParams(s, feeType);
  return {
    // the per-order estimate: trade fee per fill ceiled to $0.0001, then the documented rounding
    // fee and accumulator refund over the order (= round up to the cent for one whole-cent fill)
    orderFee: (fills, o) => kalshiOrderFee(o.role ?? 'taker', o.side ?? 'buy', fills, params, { precisionMicros: o.kalshiPrecisionMicros ?? KALSHI_RETAIL_PRECISION }).netFeeMicros,
    perContractExact: (price) => kalshiFeeExact('taker', price, ONE, params),
  };
};

/** The formulas of a schedule's fee type. Throws FeeInputError for a fee type it does not know (data from outside). */
export function feeFormula(s: ResolvedFeeSchedule): FeeFormula {
  const feeType = s.feeType;
  switch (feeType) {
    case 'none':
      return { orderFee: () => 0, perContractExact: () => ZERO };
    case 'polymarket':
      // each fill's fee rounded to the venue precision, summed (fees apply per match)
      return {
        orderFee: (fills, o) => fills.reduce((sum, f) => sum + polymarketFee(o.role ?? 'taker', f.price, f.qty, s, o.polymarket), 0),
        perContractExact: (price) => polymarketFeeExact(price, ONE, s.rate, s.exponent),
      };
    case 'polymarket_early_2026':
      // charged in shares on buys: the fee in dollars is shares × price
      return {
        orderFee: (fills, o) => ((o.role ?? 'taker') === 'maker' && s.takerOnly ? 0 : fills.reduce((sum, f) => sum + polymarketEarly2026Fee(o.side ?? 'buy', f.price, f.qty, s, o.polymarket).feeMicros, 0)),
        perContractExact: (price) => {
          const shares = polymarketFeeExact(price, ONE, s.rate, s.exponent);
          return { num: shares.num * BigInt(price), den: shares.den * BigInt(SCALE) };
        },
      };
    case 'quadratic':
    case 'quadratic_with_maker_fees':
    case 'flat':
      return kalshiFormula(s, feeType);
    default: {
      const unknown: never = feeType;
      throw new FeeInputError(`unknown fee type ${String(unknown)}`, { input: String(unknown) });
    }
  }
}

/** One leg (one order) to be charged: its venue, market and fills (one per level walked). */
export interface FeeLeg {
  readonly venue: Venue;
  readonly marketId: string;
  readonly fills: readonly Level[];
}

/** Exact fee of one leg (one order) under a resolved schedule, micro-dollars. */
export function legFee(leg: FeeLeg, schedule: ResolvedFeeSchedule, opts: FeeOptions = {}): Micros {
  if (schedule.venue !== leg.venue) throw new FeeInputError(`fee schedule is for ${schedule.venue}, leg is on ${leg.venue}`, { input: leg.marketId });
  return feeFormula(schedule).orderFee(leg.fills.filter((f) => f.qty > 0), opts);
}
