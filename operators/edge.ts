import { Observable, type OperatorFunction } from 'rxjs';
import type { Edge, EdgeLeg } from '../schema/edge.js';
import type { Micros } from '../schema/money.js';
import type { CostedCandidate } from './friction.js';

export interface EdgeConfig {
  /** Emit only edges whose net edge per contract is at least this (default 1 micro-dollar: strictly profitable). */
  readonly minNetEdgePerContractMicros?: Micros;
  /** Called for every candidate that fees and friction turned unprofitable (a lookalike spread). */
  readonly onUnprofitable?: (c: CostedCandidate) => void;
}

/** Deterministic id: the same books give the same id, so replays and retries deduplicate. */
export function edgeId(c: CostedCandidate): string {
  const [a, b] = c.legs;
  return `${c.pairId}:${c.direction}:${a.tsVenue}:${b.tsVenue}:${c.sizeQty}`;
}

/** The Edge record of a costed candidate (no filtering). */
export function toEdge(c: CostedCandidate): Edge {
  const leg = (i: 0 | 1): EdgeLeg => {
    const l = c.legs[i];
    return {
      venue: l.venue,
      marketId: l.marketId,
      outcome: l.outcome,
      vwapMicros: l.vwapMicros,
      worstPriceMicros: l.worstPriceMicros,
      costMicros: l.costMicros,
      feeMicros: c.legFeesMicros[i],
      levelsUsed: l.levelsUsed,
      tsVenue: l.tsVenue,
      tsReceived: l.tsReceived,
    };
  };
  const [a, b] = c.legs;
  return {
    edgeId: edgeId(c),
    pairId: c.pairId,
    direction: c.direction,
    sizeQty: c.sizeQty,
    netEdgePerContractMicros: c.netEdgePerContractMicros,
    profitMicros: c.profitMicros,
    feesMicros: c.feesMicros,
    capitalCostMicros: c.capitalCostMicros,
    payoutMicros: c.payoutMicros,
    legs: [leg(0), leg(1)],
    oldestBookTsReceived: Math.min(a.tsReceived, b.tsReceived),
    tsDetected: c.tsCosted,
  };
}

/**
 * The last stage of pricing: keeps the costed candidates that are still profitable after exact
 * fees and the cost of capital (net edge per contract ≥ the minimum), as {@link Edge}s. Both
 * directions arrive from `vwap`; pairs whose YES maps to the other venue's NO were already
 * mapped there. A spread that fees eat emits nothing (and is reported to `onUnprofitable`).
 *
 * ```
 * in:  --a--b--|   (b: gross spread positive, net negative)
 * out: --A-----|
 * ```
 * @see operators/vwap.ts, operators/friction.ts, operators/riskGate.ts (next stage)
 */
export function edge(config: EdgeConfig = {}): OperatorFunction<CostedCandidate, Edge> {
  const min = config.minNetEdgePerContractMicros ?? 1;
  return (source) =>
    new Observable<Edge>((subscriber) =>
      source.subscribe({
        next: (c) => {
          if (c.sizeQty > 0 && c.netEdgePerContractMicros >= min && c.profitMicros > 0) subscriber.next(toEdge(c));
          else config.onUnprofitable?.(c);
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      }),
    );
}
