import { Observable, asyncScheduler, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { Book, Level, SideBook } from '../schema/book.js';
import type { Outcome, Venue } from '../schema/venue.js';
import { EDGE_DIRECTIONS, type EdgeDirection } from '../schema/edge.js';
import { divRound, SCALE, type Micros, type Qty } from '../schema/money.js';
import type { PairBooks } from '../schema/pair.js';
import { log } from '../src/log.js';
import { parseRational } from '../src/fees/rational.js';
import { capitalCost } from './friction.js';

export type { PairBooks };

const SCALE_N = BigInt(SCALE);

/** The result of taking `targetQty` from a ladder, best level first. */
export interface WalkResult {
  readonly filledQty: Qty;
  /** exact Σ price × qty, in 1e-12 dollars (micro-dollars × millionths) */
  readonly costExact: bigint;
  /** costExact in micro-dollars, rounded UP for buys (down with rounding 'floor', for sells) */
  readonly costMicros: Micros;
  /** costExact / filledQty in micro-dollars, rounded the same way; 0 when nothing filled */
  readonly vwapMicros: Micros;
  /** price of the last level used; 0 when nothing filled */
  readonly worstPrice: Micros;
  readonly levelsUsed: number;
  /** the part of each level taken (one planned fill per level) */
  readonly fills: readonly Level[];
}

/**
 * Walks a ladder (best first, as {@link Book} keeps it) for up to `targetQty`. Cost stays exact
 * (BigInt Σ price×qty) and is rounded once at the end: up for buys (`'ceil'`, the default) so a
 * cost is never understated, down for sells (`'floor'`). Levels with qty ≤ 0 are skipped.
 */
export function walkLevels(levels: readonly Level[], targetQty: Qty, rounding: 'ceil' | 'floor' = 'ceil'): WalkResult {
  let left = Math.max(0, Math.floor(targetQty));
  let costExact = 0n;
  let worst = 0;
  const fills: Level[] = [];
  for (const l of levels) {
    if (left <= 0) break;
    if (!(l.qty > 0)) continue;
    const take = Math.min(left, l.qty);
    costExact += BigInt(l.price) * BigInt(take);
    fills.push({ price: l.price, qty: take });
    worst = l.price;
    left -= take;
  }
  const filledQty = Math.max(0, Math.floor(targetQty)) - left;
  return {
    filledQty,
    costExact,
    costMicros: Number(divRound(costExact, SCALE_N, rounding)),
    vwapMicros: filledQty === 0 ? 0 : Number(divRound(costExact, BigInt(filledQty), rounding)),
    worstPrice: worst,
    levelsUsed: fills.length,
    fills,
  };
}

/** The ladder left after taking `qty` from the top (for chaining walks). */
export function remainingLevels(levels: readonly Level[], qty: Qty): Level[] {
  let left = qty;
  const out: Level[] = [];
  for (const l of levels) {
    if (!(l.qty > 0)) continue;
    if (left >= l.qty) {
      left -= l.qty;
      continue;
    }
    out.push(left > 0 ? { price: l.price, qty: l.qty - left } : l);
    left = 0;
  }
  return out;
}

/** Per-contract marginal cost (fees) of buying one more contract on each leg at these prices, micro-dollars. */
export type MarginalCostFn = (priceA: Micros, priceB: Micros) => Micros;

export interface SizeSearchInput {
  /** leg A asks, best (lowest) first */
  readonly askA: readonly Level[];
  /** leg B asks, best first */
  readonly askB: readonly Level[];
  readonly marginalCost?: MarginalCostFn;
  /** smallest acceptable marginal edge of the last increment, micro-dollars per contract */
  readonly minMarginalEdgeMicros: Micros;
  /** size cap (millionths) */
  readonly maxQty?: Qty;
  /** the size is rounded down to a multiple of this (default 1 = no rounding; 1_000_000 = whole contracts) */
  readonly lotQty?: Qty;
  /** what one complete pair pays, micro-dollars (default $1) */
  readonly payoutMicros?: Micros;
}

export interface SizeSearchResult {
  readonly qty: Qty;
  /** marginal edge of the last segment taken; undefined when nothing was taken */
  readonly lastMarginalEdgeMicros: Micros | undefined;
  /** marginal edge of the first segment refused (stoppedBy 'threshold') */
  readonly refusedMarginalEdgeMicros?: Micros;
  readonly stoppedBy: 'threshold' | 'exhausted' | 'maxQty';
  /** merged-breakpoint segments examined */
  readonly segments: number;
}

/**
 * The LARGEST size whose every increment has marginal edge ≥ threshold, where the marginal edge at
 * size q is `payout − (pA(q) + pB(q) + marginalCost(pA(q), pB(q)))` and pA, pB are the prices of the
 * levels that the q-th unit comes from. The marginal prices are piecewise constant, so the search
 * steps over the merged breakpoints of both ladders (one segment per change of either price), not
 * contract by contract. It stops at the first segment below the threshold (a prefix: the edge of
 * ascending asks plus a fee increasing in p, as both venues' are below p = 1, never rises again).
 */
export function searchSize(input: SizeSearchInput): SizeSearchResult {
  const payout = input.payoutMicros ?? SCALE;
  const cost = input.marginalCost ?? (() => 0);
  const maxQty = input.maxQty ?? Number.MAX_SAFE_INTEGER;
  const lot = Math.max(1, Math.floor(input.lotQty ?? 1));
  const a = input.askA.filter((l) => l.qty > 0);
  const b = input.askB.filter((l) => l.qty > 0);
  let i = 0;
  let j = 0;
  let remA = a[0]?.qty ?? 0;
  let remB = b[0]?.qty ?? 0;
  let q = 0;
  let segments = 0;
  let last: Micros | undefined;
  let refused: Micros | undefined;
  let stoppedBy: SizeSearchResult['stoppedBy'];
  for (;;) {
    if (q >= maxQty) {
      stoppedBy = 'maxQty';
      break;
    }
    const la = a[i];
    const lb = b[j];
    if (!la || !lb) {
      stoppedBy = 'exhausted';
      break;
    }
    segments++;
    const edge = payout - la.price - lb.price - cost(la.price, lb.price);
    if (edge < input.minMarginalEdgeMicros) {
      refused = edge;
      stoppedBy = 'threshold';
      break;
    }
    const seg = Math.min(remA, remB, maxQty - q);
    q += seg;
    last = edge;
    remA -= seg;
    remB -= seg;
    if (remA === 0) remA = a[++i]?.qty ?? 0;
    if (remB === 0) remB = b[++j]?.qty ?? 0;
  }
  return { qty: Math.floor(q / lot) * lot, lastMarginalEdgeMicros: last, ...(refused !== undefined ? { refusedMarginalEdgeMicros: refused } : {}), stoppedBy, segments };
}

/** One leg of a depth candidate: what buying `qty` of `outcome` costs on that book. */
export interface DepthLeg {
  readonly venue: Venue;
  readonly marketId: string;
  readonly outcome: Outcome;
  readonly qty: Qty;
  readonly fills: readonly Level[];
  readonly costExact: bigint;
  readonly costMicros: Micros;
  readonly vwapMicros: Micros;
  readonly worstPriceMicros: Micros;
  readonly levelsUsed: number;
  /** venue time of the book walked, unix ms */
  readonly tsVenue: number;
  /** our receive time of the book walked, unix ms (staleness checks downstream) */
  readonly tsReceived: number;
}

/** A sized, fee-unaware-in-total arbitrage candidate (fees enter only the marginal test); friction costs it. */
export interface DepthCandidate {
  readonly pairId: string;
  readonly direction: EdgeDirection;
  readonly sizeQty: Qty;
  /** legs[i] = pair leg i */
  readonly legs: readonly [DepthLeg, DepthLeg];
  /** sizeQty × $1 − both legs' costs, micro-dollars (before fees) */
  readonly grossEdgeMicros: Micros;
  /** marginal edge of the last segment the size search took (before any trim to the limits) */
  readonly lastMarginalEdgeMicros: Micros;
  /** what ended the size search, or 'limits' when sizeToLimits trimmed it */
  readonly stoppedBy: SizeSearchResult['stoppedBy'] | 'limits';
  /** expected payout time of the pair, unix ms */
  readonly resolutionTs: number;
  readonly tsAligned: number;
}

export interface VwapConfig {
  /** size cap per candidate (millionths); default: as deep as the books and the threshold allow */
  readonly targetQty?: Qty;
  readonly minMarginalEdgeMicros: Micros;
  /** size granularity (default 1_000_000: whole contracts, the common lot of both venues) */
  readonly lotQty?: Qty;
  /**
   * per-contract taker fee of a leg at a price under the schedule valid at `tsMs` (the decision
   * time), micro-dollars; default none (see friction.ts marginalFeeFromFeeBook)
   */
  readonly marginalFee?: (venue: Venue, marketId: string, priceMicros: Micros, tsMs: number) => Micros;
  /**
   * yearly cost of capital, exact decimal ("0.05"): each contract's capital (both prices plus their
   * marginal fees) is locked from the aligned book time until the pair's resolution, and that cost
   * is part of the marginal edge, so the search stops adding depth that capital cost makes
   * unprofitable. Default: no capital cost in the search.
   */
  readonly capitalApr?: string;
  /** the decision clock: fees are looked up at `scheduler.now()` (default asyncScheduler) */
  readonly scheduler?: SchedulerLike;
  readonly directions?: readonly EdgeDirection[];
  /** called for every input or direction skipped because of an error or an unusable book */
  readonly onDrop?: (reason: string, pairId: string) => void;
}

const asks = (s: SideBook): readonly Level[] => s.asks;

/**
 * Marginal cost of one more contract at leg prices (pA, pB): both legs' marginal fees under the
 * schedules valid at `nowMs`, plus the cost of the capital (pA + pB + fees) locked from
 * `pb.tsAligned` until the pair's resolution (rounded up per contract: never understated).
 */
export function marginalCostOf(pb: PairBooks, config: Pick<VwapConfig, 'marginalFee' | 'capitalApr'>, nowMs: number): MarginalCostFn | undefined {
  const fee = config.marginalFee;
  if (!fee && config.capitalApr === undefined) return undefined;
  const apr = config.capitalApr === undefined ? undefined : parseRational(config.capitalApr);
  const [bookA, bookB] = pb.books;
  return (pA, pB) => {
    const fees = fee ? fee(bookA.venue, bookA.marketId, pA, nowMs) + fee(bookB.venue, bookB.marketId, pB, nowMs) : 0;
    return fees + (apr === undefined ? 0 : capitalCost(pA + pB + fees, apr, pb.tsAligned, pb.pair.resolutionTs));
  };
}

/**
 * Sizes one direction of a pair; undefined when no size clears the threshold. `nowMs` is the
 * decision time (fee schedules valid then); default the aligned book time.
 */
export function depthCandidate(pb: PairBooks, direction: EdgeDirection, config: VwapConfig, nowMs: number = pb.tsAligned): DepthCandidate | undefined {
  const [bookA, bookB] = pb.books;
  const outcomeA: Outcome = direction === 'aYes' ? 'yes' : 'no';
  // the same outcome on leg B, then its complement (what completes the pair)
  const sameB: Outcome = pb.yesMapsToNo ? (outcomeA === 'yes' ? 'no' : 'yes') : outcomeA;
  const outcomeB: Outcome = sameB === 'yes' ? 'no' : 'yes';
  const askA = asks(bookA[outcomeA]);
  const askB = asks(bookB[outcomeB]);
  const marginalCost = marginalCostOf(pb, config, nowMs);
  const result = searchSize({
    askA,
    askB,
    minMarginalEdgeMicros: config.minMarginalEdgeMicros,
    lotQty: config.lotQty ?? SCALE,
    ...(config.targetQty !== undefined ? { maxQty: config.targetQty } : {}),
    ...(marginalCost ? { marginalCost } : {}),
  });
  if (result.qty <= 0 || result.lastMarginalEdgeMicros === undefined) return undefined;
  const leg = (book: Book, outcome: Outcome, ladder: readonly Level[]): DepthLeg => {
    const w = walkLevels(ladder, result.qty);
    return {
      venue: book.venue, marketId: book.marketId, outcome, qty: w.filledQty, fills: w.fills, costExact: w.costExact, costMicros: w.costMicros,
      vwapMicros: w.vwapMicros, worstPriceMicros: w.worstPrice, levelsUsed: w.levelsUsed, tsVenue: book.tsVenue, tsReceived: book.tsReceived,
    };
  };
  const a = leg(bookA, outcomeA, askA);
  const b = leg(bookB, outcomeB, askB);
  return {
    pairId: pb.pairId,
    direction,
    sizeQty: result.qty,
    legs: [a, b],
    grossEdgeMicros: result.qty - a.costMicros - b.costMicros,
    lastMarginalEdgeMicros: result.lastMarginalEdgeMicros,
    stoppedBy: result.stoppedBy,
    resolutionTs: pb.pair.resolutionTs,
    tsAligned: pb.tsAligned,
  };
}

/**
 * Sizes each aligned pair in both directions (buy YES on leg A + the complement on leg B, and
 * buy NO on leg A + the complement on leg B): the largest size whose last increment still clears
 * `minMarginalEdgeMicros` after marginal fees (schedules valid at decision time, `scheduler.now()`)
 * and the marginal cost of capital, and the exact VWAP cost of each leg for it. Emits 0–2
 * candidates per input; books with issues and failed computations are dropped, logged and counted.
 *
 * ```
 * pairs: --a----b--|     (b has no size above the threshold)
 * out:   --(xy)-----|   x = aYes of a, y = aNo of a
 * ```
 * @see searchSize, walkLevels, operators/friction.ts (next stage)
 */
export function vwap(config: VwapConfig): OperatorFunction<PairBooks, DepthCandidate> {
  const directions = config.directions ?? EDGE_DIRECTIONS;
  const scheduler = config.scheduler ?? asyncScheduler;
  return (source) =>
    new Observable<DepthCandidate>((subscriber) =>
      source.subscribe({
        next: (pb) => {
          if (pb.books[0].issues.length > 0 || pb.books[1].issues.length > 0) {
            config.onDrop?.('book has issues', pb.pairId);
            return;
          }
          const now = scheduler.now();
          for (const d of directions) {
            let c: DepthCandidate | undefined;
            try {
              c = depthCandidate(pb, d, config, now);
            } catch (err) {
              log.warn({ err, pairId: pb.pairId, direction: d }, 'vwap sizing failed');
              config.onDrop?.('sizing failed', pb.pairId);
              continue;
            }
            if (c) subscriber.next(c);
          }
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}
