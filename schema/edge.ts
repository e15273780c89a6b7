/**
 * An arbitrage opportunity: buy one outcome on one venue and the complementary outcome on the
 * other, so that exactly one leg pays $1 at resolution whatever happens.
 */
import type { Micros, Qty } from './money.js';
import type { Outcome, Venue } from './book.js';

/** 'polyYes' = buy YES on Polymarket + the complement on Kalshi; 'polyNo' = buy NO on Polymarket + the complement. */
export type EdgeDirection = 'polyYes' | 'polyNo';

export interface EdgeLeg {
  readonly venue: Venue;
  readonly marketId: string;
  readonly outcome: Outcome;
  /** volume-weighted average price over the walked levels, micro-dollars */
  readonly vwapMicros: Micros;
  /** price of the last level used */
  readonly worstPriceMicros: Micros;
  /** exact cash for the size, micro-dollars (rounded up) */
  readonly costMicros: Micros;
  readonly feeMicros: Micros;
  readonly levelsUsed: number;
}

export interface Edge {
  /** deterministic: pairId, direction and the two books' versions */
  readonly edgeId: string;
  readonly pairId: string;
  readonly direction: EdgeDirection;
  readonly sizeQty: Qty;
  /** (payout − cost − fees − capital cost) per contract, micro-dollars, rounded down */
  readonly netEdgePerContractMicros: Micros;
  /** payout − cost − fees − capital cost over the whole size, micro-dollars */
  readonly profitMicros: Micros;
  readonly feesMicros: Micros;
  readonly capitalCostMicros: Micros;
  /** payout if it resolves: sizeQty contracts × $1 */
  readonly payoutMicros: Micros;
  readonly legs: readonly [EdgeLeg, EdgeLeg];
  readonly polyTsVenue: number;
  readonly kalshiTsVenue: number;
  /** the older of the two books' receive times, unix ms (staleness) */
  readonly oldestBookTsReceived: number;
  /** when the pipeline found it (scheduler time), unix ms */
  readonly tsDetected: number;
}

export interface RiskDecision {
  readonly edge: Edge;
  readonly accepted: boolean;
  /** every reason a rejected edge was rejected (empty when accepted) */
  readonly reasons: readonly string[];
  readonly ts: number;
}
