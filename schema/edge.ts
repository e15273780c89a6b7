/**
 * An arbitrage opportunity: buy one outcome on one leg's venue and the complementary outcome on
 * the other, so that exactly one leg pays $1 at resolution whatever happens. Legs by position:
 * `legs[i]` is pair leg i (leg A = 0, leg B = 1).
 */
import { z } from 'zod';
import { MicrosZ, QtyZ, UnixMs } from './book.js';
import type { Infer } from './readonly.js';
import { Outcome, VenueId } from './venue.js';

/** 'aYes' = buy YES on leg A + the complement on leg B; 'aNo' = buy NO on leg A + the complement on leg B. */
export const EdgeDirection = z.enum(['aYes', 'aNo']);
export type EdgeDirection = z.infer<typeof EdgeDirection>;
export const EDGE_DIRECTIONS: readonly EdgeDirection[] = EdgeDirection.options;

/**
 * A direction as stored: rows written before legs were addressed by position say 'polyYes' /
 * 'polyNo' (Polymarket was always leg A). Row readers of `edges` / `edges_per_minute` use this.
 */
export const StoredEdgeDirection = z.enum(['aYes', 'aNo', 'polyYes', 'polyNo']).transform((d): EdgeDirection => (d === 'polyYes' ? 'aYes' : d === 'polyNo' ? 'aNo' : d));
/** {@link StoredEdgeDirection} as a function: throws on anything else. */
export const directionFromStored = (d: string): EdgeDirection => StoredEdgeDirection.parse(d);

export const EdgeLeg = z.object({
  venue: VenueId,
  marketId: z.string().min(1),
  outcome: Outcome,
  /** volume-weighted average price over the walked levels, micro-dollars */
  vwapMicros: MicrosZ,
  /** price of the last level used */
  worstPriceMicros: MicrosZ,
  /** exact cash for the size, micro-dollars (rounded up) */
  costMicros: MicrosZ,
  feeMicros: MicrosZ,
  levelsUsed: z.number().int(),
  /** venue time of the leg's book, unix ms */
  tsVenue: UnixMs,
  /** our receive time of the leg's book, unix ms */
  tsReceived: UnixMs,
});
export type EdgeLeg = Infer<typeof EdgeLeg>;

export const Edge = z.object({
  /** deterministic: pairId, direction and the two books' versions */
  edgeId: z.string().min(1),
  pairId: z.string().min(1),
  direction: EdgeDirection,
  sizeQty: QtyZ,
  /** (payout − cost − fees − capital cost) per contract, micro-dollars, rounded down */
  netEdgePerContractMicros: MicrosZ,
  /** payout − cost − fees − capital cost over the whole size, micro-dollars */
  profitMicros: MicrosZ,
  feesMicros: MicrosZ,
  capitalCostMicros: MicrosZ,
  /** payout if it resolves: sizeQty contracts × $1 */
  payoutMicros: MicrosZ,
  /** legs[i] = pair leg i */
  legs: z.tuple([EdgeLeg, EdgeLeg]),
  /** the older of the two books' receive times, unix ms (staleness) */
  oldestBookTsReceived: UnixMs,
  /** when the pipeline found it (scheduler time), unix ms */
  tsDetected: UnixMs,
});
export type Edge = Infer<typeof Edge>;

export const RiskDecision = z.object({
  edge: Edge,
  accepted: z.boolean(),
  /** every reason a rejected edge was rejected (empty when accepted) */
  reasons: z.array(z.string()),
  ts: UnixMs,
});
export type RiskDecision = Infer<typeof RiskDecision>;

/** What is persisted per decision (`risk_decisions`): the decision without the edge (stored in `edges`). */
export const DecisionRecord = z.object({ edgeId: z.string().min(1), pairId: z.string().min(1), accepted: z.boolean(), reasons: z.array(z.string()), ts: UnixMs });
export type DecisionRecord = Infer<typeof DecisionRecord>;
export const toDecisionRecord = (d: RiskDecision): DecisionRecord => ({ edgeId: d.edge.edgeId, pairId: d.edge.pairId, accepted: d.accepted, reasons: d.reasons, ts: d.ts });
