import { Observable, asyncScheduler, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { divRound, SCALE, type Micros } from '../schema/money.js';
import type { Venue } from '../schema/venue.js';
import { feeFormula, legFee, type FeeFormula, type FeeOptions } from '../src/fees/engine.js';
import { FeeInputError, parseRational, type Rational } from '../src/fees/rational.js';
import type { FeeBook, ResolvedFeeSchedule } from '../src/fees/schedule.js';
import { log } from '../src/log.js';
import type { DepthCandidate } from './vwap.js';

export const YEAR_MS = 365 * 24 * 60 * 60 * 1000;

/**
 * Cost of capital locked from `fromMs` until `toMs`: `capital × apr × Δt / 365 days`, micro-dollars
 * rounded UP; 0 when toMs ≤ fromMs. `apr` is an exact decimal ("0.05" = 5 % a year).
 */
export function capitalCost(capitalMicros: Micros, apr: string | Rational, fromMs: number, toMs: number): Micros {
  const r = typeof apr === 'string' ? parseRational(apr) : apr;
  if (r.num < 0n) throw new FeeInputError('capital APR must be >= 0', { input: String(r.num) });
  if (!Number.isSafeInteger(capitalMicros) || !Number.isFinite(fromMs) || !Number.isFinite(toMs)) throw new FeeInputError('capital and times must be integers', { input: `${capitalMicros}` });
  const dt = Math.max(0, Math.floor(toMs - fromMs));
  if (dt === 0 || capitalMicros <= 0) return 0;
  return Number(divRound(BigInt(capitalMicros) * r.num * BigInt(dt), r.den * BigInt(YEAR_MS), 'ceil'));
}

export interface FrictionConfig {
  readonly feeBook: FeeBook;
  /** yearly cost of capital, exact decimal ("0.05") */
  readonly capitalApr: string;
  readonly scheduler?: SchedulerLike;
  readonly fees?: FeeOptions;
  /** called for every candidate dropped (no fee schedule, bad input) */
  readonly onDrop?: (reason: string, pairId: string) => void;
}

/** A depth candidate with its exact costs (the fields of schema/edge.ts `Edge`). */
export interface CostedCandidate extends DepthCandidate {
  /** fee of each leg (legFeesMicros[i] = leg i), micro-dollars */
  readonly legFeesMicros: readonly [Micros, Micros];
  readonly feesMicros: Micros;
  readonly capitalCostMicros: Micros;
  /** sizeQty contracts × $1 */
  readonly payoutMicros: Micros;
  /** payout − costs − fees − capital cost */
  readonly profitMicros: Micros;
  /** profit per contract, rounded down */
  readonly netEdgePerContractMicros: Micros;
  /** the schedules used, per leg (audit) */
  readonly schedules: readonly [ResolvedFeeSchedule, ResolvedFeeSchedule];
  /** scheduler time when costed, unix ms */
  readonly tsCosted: number;
}

/**
 * Costs a candidate at decision time `tsCosted` (default the aligned book time): each leg's fee
 * under the schedule valid at `tsCosted` (a replay at time T uses the schedule valid at T, not the
 * one valid when the venue stamped its book), and the capital (both legs' cost plus fees) locked
 * from the aligned book time until the pair's resolution. Throws FeeInputError when a leg has no
 * fee schedule.
 */
export function frictionFor(c: DepthCandidate, config: Omit<FrictionConfig, 'scheduler' | 'onDrop'>, tsCosted: number = c.tsAligned): CostedCandidate {
  const sched = c.legs.map((l) => {
    const s = config.feeBook.feeScheduleAt(l.venue, l.marketId, tsCosted);
    if (!s) throw new FeeInputError(`no fee schedule for ${l.venue} ${l.marketId} at ${tsCosted}`, { input: l.marketId });
    return s;
  }) as unknown as readonly [ResolvedFeeSchedule, ResolvedFeeSchedule];
  const legFeesMicros = [legFee(c.legs[0], sched[0], config.fees), legFee(c.legs[1], sched[1], config.fees)] as const;
  const feesMicros = legFeesMicros[0] + legFeesMicros[1];
  const costs = c.legs[0].costMicros + c.legs[1].costMicros;
  const capitalCostMicros = capitalCost(costs + feesMicros, config.capitalApr, c.tsAligned, c.resolutionTs);
  const payoutMicros = c.sizeQty; // qty millionths × $1 = micro-dollars
  const profitMicros = payoutMicros - costs - feesMicros - capitalCostMicros;
  const netEdgePerContractMicros = c.sizeQty > 0 ? Number(divRound(BigInt(profitMicros) * BigInt(SCALE), BigInt(c.sizeQty), 'floor')) : 0;
  return { ...c, legFeesMicros, feesMicros, capitalCostMicros, payoutMicros, profitMicros, netEdgePerContractMicros, schedules: sched, tsCosted };
}

/**
 * Per-contract marginal taker fee of a leg at a price (unrounded formula ceiled to the micro-dollar),
 * from the FeeBook, for vwap's size search. The per-order cent rounding (< $0.01 per order) is not
 * marginal and is charged by {@link frictionFor}. Unknown schedule → FeeInputError (vwap drops it).
 */
export function marginalFeeFromFeeBook(feeBook: FeeBook): (venue: Venue, marketId: string, priceMicros: Micros, tsMs: number) => Micros {
  const ceil = (r: Rational): Micros => (r.num <= 0n ? 0 : Number(divRound(r.num, r.den, 'ceil')));
  // per resolved schedule (the FeeBook hands out the same object while it stays valid): price → fee
  const memo = new WeakMap<ResolvedFeeSchedule, { readonly formula: FeeFormula; readonly byPrice: Map<Micros, Micros> }>();
  return (venue, marketId, price, ts) => {
    const s = feeBook.feeScheduleAt(venue, marketId, ts);
    if (!s) throw new FeeInputError(`no fee schedule for ${venue} ${marketId} at ${ts}`, { input: marketId });
    let m = memo.get(s);
    if (!m) memo.set(s, (m = { formula: feeFormula(s), byPrice: new Map() }));
    const { byPrice } = m;
    const known = byPrice.get(price);
    if (known !== undefined) return known;
    const fee = ceil(m.formula.perContractExact(price));
    byPrice.set(price, fee);
    return fee;
  };
}

/**
 * Maps each depth candidate to a {@link CostedCandidate} (exact fees per leg, capital cost).
 * Candidates that cannot be costed (no schedule, bad input) are dropped, logged and counted.
 *
 * ```
 * in:  --a--b--|
 * out: --A--B--|   A = a with fees, capital cost, profit, net edge per contract
 * ```
 * @see frictionFor, src/fees/engine.ts (legFee), capitalCost, operators/vwap.ts (previous stage)
 */
export function friction(config: FrictionConfig): OperatorFunction<DepthCandidate, CostedCandidate> {
  const scheduler = config.scheduler ?? asyncScheduler;
  return (source) =>
    new Observable<CostedCandidate>((subscriber) =>
      source.subscribe({
        next: (c) => {
          let out: CostedCandidate;
          try {
            out = frictionFor(c, config, scheduler.now());
          } catch (err) {
            log.warn({ err, pairId: c.pairId, direction: c.direction }, 'candidate not costed');
            config.onDrop?.((err as Error).message, c.pairId);
            return;
          }
          subscriber.next(out);
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}
