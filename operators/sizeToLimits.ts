import { Observable, type OperatorFunction } from 'rxjs';
import { SCALE, type Micros, type Qty } from '../schema/money.js';
import type { RiskLimits } from '../schema/risk.js';
import type { Venue } from '../schema/venue.js';
import { log } from '../src/log.js';
import { frictionFor, type CostedCandidate, type FrictionConfig } from './friction.js';
import { walkLevels, type DepthCandidate, type DepthLeg } from './vwap.js';

/**
 * Capital already committed, micro-dollars (cost plus fees of what is held or in flight), per pair,
 * per venue and in total. Today the pipeline feeds zero (`NO_EXPOSURE` in pipelines/core.ts); the
 * execution layer's positions feed it through `PipelineSources.exposure$`.
 */
export interface Exposure {
  readonly byPair: Readonly<Record<string, Micros>>;
  readonly byVenue: Readonly<Record<Venue, Micros>>;
  readonly total: Micros;
}

/** What sizing needs to know: the limits and what is already used of them. */
export interface SizingState {
  readonly limits: RiskLimits;
  readonly exposure: Exposure;
}

/** The figures the resizable limits look at (an Edge and a CostedCandidate both give them). */
export interface LimitFigures {
  readonly pairId: string;
  readonly netEdgePerContractMicros: Micros;
  readonly legs: readonly [LimitLeg, LimitLeg];
}
export interface LimitLeg {
  readonly venue: Venue;
  readonly costMicros: Micros;
  readonly feeMicros: Micros;
}

/**
 * The exposure limits an opportunity of these legs breaks (empty = within them): pair, each leg's
 * venue, total, each as `current + this opportunity's capital (cost + fees) > limit`. One
 * definition for the sizing stage and the risk gate (riskReasons).
 */
export function exposureReasons(pairId: string, legs: readonly LimitLeg[], x: Exposure, l: RiskLimits): string[] {
  const reasons: string[] = [];
  const capital = legs.reduce((sum, leg) => sum + leg.costMicros + leg.feeMicros, 0);
  const pair = (x.byPair[pairId] ?? 0) + capital;
  if (pair > l.maxPairExposureMicros) reasons.push(`pair-exposure ${pair} > ${l.maxPairExposureMicros} micros`);
  for (const leg of legs) {
    const after = (x.byVenue[leg.venue] ?? 0) + leg.costMicros + leg.feeMicros;
    if (after > l.maxVenueExposureMicros) reasons.push(`venue-exposure ${leg.venue} ${after} > ${l.maxVenueExposureMicros} micros`);
  }
  if (x.total + capital > l.maxTotalExposureMicros) reasons.push(`total-exposure ${x.total + capital} > ${l.maxTotalExposureMicros} micros`);
  return reasons;
}

/** The limits that trading LESS can cure: the minimum average edge per contract and the exposure limits. */
export function resizableReasons(f: LimitFigures, s: SizingState): string[] {
  const min = s.limits.minEdgePerContractMicros;
  const edge = f.netEdgePerContractMicros < min ? [`edge ${f.netEdgePerContractMicros} < min ${min} micros/contract`] : [];
  return [...edge, ...exposureReasons(f.pairId, f.legs, s.exposure, s.limits)];
}

const figuresOf = (c: CostedCandidate): LimitFigures => ({
  pairId: c.pairId,
  netEdgePerContractMicros: c.netEdgePerContractMicros,
  legs: [
    { venue: c.legs[0].venue, costMicros: c.legs[0].costMicros, feeMicros: c.legFeesMicros[0] },
    { venue: c.legs[1].venue, costMicros: c.legs[1].costMicros, feeMicros: c.legFeesMicros[1] },
  ],
});

/**
 * The same candidate at a smaller size: each leg re-walked from the top of the levels it took (its
 * VWAP, cost and fills recomputed exactly, never scaled). Fees and capital cost are NOT carried:
 * cost the result again (frictionFor).
 */
export function trimCandidate(c: DepthCandidate, qty: Qty): DepthCandidate {
  if (qty > c.sizeQty) throw new RangeError(`cannot trim ${c.pairId} from ${c.sizeQty} up to ${qty}`);
  const leg = (l: DepthLeg): DepthLeg => {
    const w = walkLevels(l.fills, qty);
    return { ...l, qty: w.filledQty, fills: w.fills, costExact: w.costExact, costMicros: w.costMicros, vwapMicros: w.vwapMicros, worstPriceMicros: w.worstPrice, levelsUsed: w.levelsUsed };
  };
  const a = leg(c.legs[0]);
  const b = leg(c.legs[1]);
  return { ...c, sizeQty: qty, legs: [a, b], grossEdgeMicros: qty - a.costMicros - b.costMicros, stoppedBy: qty === c.sizeQty ? c.stoppedBy : 'limits' };
}

/** Whole-lot sizes below `below` at which either leg's level ends (prefixes of the levels), largest first. */
function levelEnds(c: DepthCandidate, lot: Qty, below: Qty): number[] {
  const out = new Set<number>();
  for (const leg of c.legs) {
    let cum = 0;
    for (const f of leg.fills) {
      cum += f.qty;
      const q = Math.floor(cum / lot) * lot;
      if (q >= lot && q < below) out.add(q);
    }
  }
  return [...out].sort((a, b) => b - a);
}

/**
 * The best size for a costed candidate within what the limits leave:
 * 1. the largest whole-lot size whose exact figures (VWAP, per-venue-rounded fees, capital cost,
 *    all recomputed by `recost` for that size) keep the average net edge per contract at or above
 *    the minimum and every exposure (pair, venue, total) within its limit (binary search over lots:
 *    capital grows and the average edge falls as depth is added, up to the venues' rounding; the
 *    size it settles on is always checked to fit);
 * 2. among that size and every smaller size that ends a level of either leg, the one with the
 *    highest exact profit (ties: the smaller). The size search adds a level only while its marginal
 *    edge is positive, but the venues' per-order rounding (up to a cent) can make a shorter prefix
 *    pay more; this step makes the chosen size at least as profitable as any prefix of levels.
 *
 * Returns `c` itself when it is already the best size, and `c` unchanged when no size of at least
 * one lot fits (the risk gate then rejects it with its reasons).
 */
export function sizeWithinLimits(c: CostedCandidate, s: SizingState, recost: (d: DepthCandidate) => CostedCandidate, lotQty: Qty = SCALE): CostedCandidate {
  const lot = Math.max(1, Math.floor(lotQty));
  const n = Math.floor(c.sizeQty / lot);
  if (n === 0) return c;
  const memo = new Map<number, CostedCandidate>();
  const at = (q: Qty): CostedCandidate => {
    if (q === c.sizeQty) return c;
    let x = memo.get(q);
    if (!x) memo.set(q, (x = recost(trimCandidate(c, q))));
    return x;
  };
  const fits = (k: number): boolean => k === 0 || resizableReasons(figuresOf(at(k * lot)), s).length === 0;
  let kMax = n;
  if (!fits(n)) {
    // bracket [lo fits, hi does not]: from the share of the size the exposure left allows (the top of
    // the book costs at most the average, so that share nearly always fits), galloping up, then bisect
    let lo = 0;
    let hi = n;
    const guess = Math.min(n - 1, Math.floor(n * exposureShare(c, s)));
    if (guess > 0) {
      if (fits(guess)) {
        lo = guess;
        for (let step = 1; lo + step < hi; step *= 2) {
          if (!fits(lo + step)) {
            hi = lo + step;
            break;
          }
          lo += step;
        }
      } else hi = guess;
    }
    while (hi - lo > 1) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (fits(mid)) lo = mid;
      else hi = mid;
    }
    kMax = lo;
  }
  if (kMax === 0) return c;
  const top = at(kMax * lot);
  // Step 2, from the largest level end down. The exact (unrounded) profit L is concave in the size
  // (each leg's asks ascend and price + fee + capital cost rises with the price), and the computed
  // profit is L minus a rounding within `slack`; so once even the steepest slope the evaluated ends
  // allow cannot lift a smaller size above the best, no smaller one can win (usually after one or two).
  const slack = roundingSlack(c);
  let best = top;
  let slope = -Infinity;
  for (const q of levelEnds(c, lot, top.sizeQty)) {
    if (slope > -Infinity && top.profitMicros + slack - (top.sizeQty - q) * slope < best.profitMicros) break;
    const x = at(q);
    if (fits(q / lot) && (x.profitMicros > best.profitMicros || (x.profitMicros === best.profitMicros && x.sizeQty < best.sizeQty))) best = x;
    slope = Math.max(slope, (top.profitMicros - x.profitMicros - slack) / (top.sizeQty - q));
  }
  return best;
}

/**
 * The share of the candidate's size that the exposure left allows if capital were linear in size
 * (the smallest of remaining ÷ needed over the pair, each venue and the total); 1 when only the
 * minimum edge binds.
 */
function exposureShare(c: CostedCandidate, s: SizingState): number {
  const { limits: l, exposure: x } = s;
  const legs = figuresOf(c).legs;
  const capital = legs[0].costMicros + legs[0].feeMicros + legs[1].costMicros + legs[1].feeMicros;
  const share = (left: number, need: number) => (need <= 0 ? 1 : Math.max(0, Math.min(1, left / need)));
  let out = Math.min(share(l.maxPairExposureMicros - (x.byPair[c.pairId] ?? 0), capital), share(l.maxTotalExposureMicros - x.total, capital));
  for (const leg of legs) out = Math.min(out, share(l.maxVenueExposureMicros - (x.byVenue[leg.venue] ?? 0), leg.costMicros + leg.feeMicros));
  return out;
}

/**
 * A bound on how far the computed profit of any size may stray from the exact one: per leg, the
 * cost rounded up to the micro-dollar, the venue's fee rounding (Kalshi: up to $0.0001 a fill plus
 * less than a cent an order; Polymarket: 10 to 100 micros a fill), and the capital cost of those
 * (at the candidate's own capital-cost rate) rounded up.
 */
function roundingSlack(c: CostedCandidate): number {
  const fills = c.legs[0].fills.length + c.legs[1].fills.length;
  const capital = c.legs[0].costMicros + c.legs[1].costMicros + c.feesMicros;
  const rate = capital > 0 ? c.capitalCostMicros / capital : 0;
  return Math.ceil((1 + rate) * (2 * 10_000 + 200 * fills + 4)) + 4;
}

export interface SizeToLimitsConfig extends Pick<FrictionConfig, 'feeBook' | 'capitalApr' | 'fees'> {
  /** latest limits and exposure; candidates arriving before the first pass unchanged (the risk gate rejects them) */
  readonly state$: Observable<SizingState>;
  /** size granularity (default 1_000_000: whole contracts, as vwap sizes) */
  readonly lotQty?: Qty;
  /** called for every candidate resized (the full-depth one and the one emitted) */
  readonly onResize?: (from: CostedCandidate, to: CostedCandidate) => void;
}

/**
 * Resizes each costed candidate to the best size within what the limits leave (see
 * {@link sizeWithinLimits}): trims from the worst levels until the average net edge per contract
 * reaches the minimum and the pair, venue and total exposure (current exposure plus this trade's
 * cost and fees) fit, recosting every size tried exactly under the fee schedules valid at the
 * candidate's decision time (`tsCosted`). A candidate that no size fits passes unchanged, so the
 * risk gate rejects it with its reasons.
 *
 * ```
 * state:  s-------------
 * in:     --a--b--c--|   (b: $4,800 of capital against a $1,000 pair limit)
 * out:    --a--B--c--|   B = b re-walked to the largest size within $1,000
 * ```
 * @see sizeWithinLimits, operators/friction.ts (previous stage), operators/riskGate.ts (checks the result)
 */
export function sizeToLimits(config: SizeToLimitsConfig): OperatorFunction<CostedCandidate, CostedCandidate> {
  return (source) =>
    new Observable<CostedCandidate>((subscriber) => {
      let state: SizingState | undefined;
      const stateSub = config.state$.subscribe({ next: (s) => (state = s), error: (err) => subscriber.error(err) });
      const sub = source.subscribe({
        next: (c) => {
          let out = c;
          if (state) {
            try {
              out = sizeWithinLimits(c, state, (d) => frictionFor(d, config, c.tsCosted), config.lotQty);
            } catch (err) {
              log.warn({ err, pairId: c.pairId, direction: c.direction }, 'resizing failed; the candidate passes at its full size');
            }
          }
          if (out !== c) config.onResize?.(c, out);
          subscriber.next(out);
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
      return () => {
        sub.unsubscribe();
        stateSub.unsubscribe();
      };
    });
}
