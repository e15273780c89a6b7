/**
 * Views: what resolvers hand to the schema, derived from the domain types (schema/*.ts, z.infer)
 * and the repositories' records. Each view is the domain type with the documented differences
 * below (times as Date, legs with their position, a Level flattened to price + qty); the other
 * fields are carried by spreading, so a field added to a domain type reaches its view, and the
 * SDL drift test (tests/api/sdlDrift.spec.ts) fails until schema/api.graphql serves it too.
 */
import { type Book, type BookTop, toBookTop } from '../../schema/book.js';
import type { Edge, EdgeLeg, RiskDecision } from '../../schema/edge.js';
import type { Execution, ExecutionEvent, RoleProgress } from '../../schema/execution.js';
import type { FeedStatus } from '../../schema/feed.js';
import type { LeadLagStat } from '../../schema/leadLag.js';
import type { PairLeg } from '../../schema/pair.js';
import type { LegIndex } from '../../schema/venue.js';
import type { RiskControlDetail } from '../control/riskState.js';
import type { PairPositionsRecord, PnlRecord, PositionRecord, PositionsReport, StoredFill } from './executionReads.js';
import type { StoredEdge, StoredEdgeLeg } from '../store/repos/edges.js';
import type { StoredFeedStatus } from '../store/repos/feedHealth.js';
import type { LlmUsageRecord } from '../store/repos/llmUsage.js';
import type { PairRecord } from '../store/repos/pairs.js';

const date = (ms: number | null | undefined): Date | null => (ms != null && Number.isFinite(ms) ? new Date(ms) : null);
const position = (i: number): LegIndex => (i === 0 ? 0 : 1);

// ── Edge ─────────────────────────────────────────────────────────────────────────────────────
/** EdgeLeg: `position` added; `tsReceived` not served (internal staleness input). */
export type EdgeLegView = Omit<StoredEdgeLeg, 'tsVenue' | 'tsReceived'> & { readonly position: LegIndex; readonly tsVenue: Date | null };
/** Edge: `ts` = tsDetected (live) or the stored time; `oldestBookTsReceived` not served (internal staleness input). */
export type EdgeView = Omit<StoredEdge, 'legs' | 'tsText'> & { readonly legs: readonly EdgeLegView[] };

const legView = (l: EdgeLeg | StoredEdgeLeg, i: number): EdgeLegView => {
  const { tsVenue, tsReceived: _internal, ...rest } = l;
  return { ...rest, position: position(i), tsVenue: date(tsVenue) };
};

/** The GraphQL view of a live Edge (as the pipeline publishes it). */
export function edgeFromLive(e: Edge): EdgeView {
  const { legs, tsDetected, oldestBookTsReceived: _internal, ...rest } = e;
  return { ...rest, ts: new Date(tsDetected), legs: legs.map(legView) };
}

/** The GraphQL view of a stored edge. */
export function edgeView(e: StoredEdge): EdgeView {
  const { legs, tsText: _cursorKey, ...rest } = e;
  return { ...rest, legs: legs.map(legView) };
}

export type RiskDecisionView = Omit<RiskDecision, 'edge' | 'ts'> & { readonly edge: EdgeView; readonly ts: Date };
export const decisionFromLive = (d: RiskDecision): RiskDecisionView => ({ ...d, edge: edgeFromLive(d.edge), ts: new Date(d.ts) });

// ── Pair ─────────────────────────────────────────────────────────────────────────────────────
export type PairLegView = PairLeg & { readonly position: LegIndex };
/**
 * Pair: the stored pair (PairRecord: the Pair plus its decision record). Not served: `guards`,
 * `verdictModel` (matcher internals), `createdAt`; the Pair's `resolutionTs` is not stored on
 * market_pairs (the pipeline derives it from the legs' markets).
 */
export type PairView = Omit<PairRecord, 'legs' | 'guards' | 'verdictModel' | 'createdAt'> & { readonly legs: readonly PairLegView[] };

export function pairView(p: PairRecord): PairView {
  const { legs, guards: _g, verdictModel: _v, createdAt: _c, ...rest } = p;
  return { ...rest, legs: legs.map((l, i) => ({ ...l, position: position(i) })) };
}

// ── books, feeds, lead-lag, usage ────────────────────────────────────────────────────────────
type LevelKey = 'yesBid' | 'yesAsk' | 'noBid' | 'noAsk';
const LEVEL_KEYS: readonly LevelKey[] = ['yesBid', 'yesAsk', 'noBid', 'noAsk'];
/** BookTop: `ts` = tsReceived; each Level flattened to `<ladder>` (price) + `<ladder>Qty`, null when the ladder is empty. */
export type BookTopView = Omit<BookTop, LevelKey | 'tsReceived' | 'tsVenue'> & { readonly ts: Date; readonly tsVenue: Date | null } & {
  readonly [K in LevelKey]: number | null;
} & { readonly [K in LevelKey as `${K}Qty`]: number | null };

export function bookTopView(t: BookTop): BookTopView {
  const { tsReceived, tsVenue, yesBid: _yb, yesAsk: _ya, noBid: _nb, noAsk: _na, ...rest } = t;
  const flat = Object.fromEntries(LEVEL_KEYS.flatMap((k) => [[k, t[k]?.price ?? null], [`${k}Qty`, t[k]?.qty ?? null]])) as { [K in LevelKey]: number | null } & {
    [K in LevelKey as `${K}Qty`]: number | null;
  };
  return { ...rest, ...flat, ts: new Date(tsReceived), tsVenue: date(tsVenue) };
}
export const bookTopFromLive = (b: Book): BookTopView => bookTopView(toBookTop(b));

/** FeedHealth: `ts` as Date; `retryInMs` not served (the delay of one reconnect: live state, not stored). */
export type FeedHealthView = Omit<StoredFeedStatus, 'ts' | 'reason' | 'connId'> & { readonly ts: Date; readonly reason: string | null; readonly connId: string | null };
export function feedView(s: FeedStatus): FeedHealthView {
  const { ts, reason, connId, retryInMs: _live, ...rest } = s;
  return { ...rest, ts: new Date(ts), reason: reason ?? null, connId: connId ?? null };
}

export type LeadLagView = Omit<LeadLagStat, 'ts'> & { readonly ts: Date };
export const leadLagView = (l: LeadLagStat): LeadLagView => ({ ...l, ts: new Date(l.ts) });

export const llmUsageView = (u: LlmUsageRecord) => ({ ...u, cost: u.costMicros });

// ── risk state ───────────────────────────────────────────────────────────────────────────────
export const killSwitchView = (c: RiskControlDetail) => ({ on: c.killSwitch, updatedAt: c.killSwitchUpdatedAt, updatedBy: c.killSwitchBy });

/** RiskLimits plus the Usd twins of two limits and who changed them last. */
export const limitsView = (c: RiskControlDetail) => ({
  ...c.limits,
  minEdgePerContract: c.limits.minEdgePerContractMicros,
  maxTotalExposure: c.limits.maxTotalExposureMicros,
  updatedAt: c.limitsUpdatedAt,
  updatedBy: c.limitsBy,
});

// ── executions, positions, P&L ───────────────────────────────────────────────────────────────
/** RoleProgress: `current` (the order in flight) not served; Usd twins added. */
const roleView = (r: RoleProgress) => ({ attempts: r.attempts, filledQty: r.filledQty, costMicros: r.costMicros, cost: r.costMicros, feesMicros: r.feesMicros, fees: r.feesMicros, venueOrderIds: r.venueOrderIds });

/**
 * Execution: times as Date; `plan` served as direction, legs, expectedProfitMicros and lossCapMicros
 * (the rest of the plan repeats the row); `progress` with its roles; `events` and `fills` are
 * relations (./resolvers/types.ts).
 */
export function executionView(e: Execution) {
  const { plan, progress, tsPlanned, tsUpdated, ...rest } = e;
  return {
    ...rest,
    tsPlanned: new Date(tsPlanned),
    tsUpdated: new Date(tsUpdated),
    direction: plan.direction,
    legs: plan.legs,
    expectedProfitMicros: plan.expectedProfitMicros,
    expectedProfit: plan.expectedProfitMicros,
    lossCapMicros: plan.lossCapMicros,
    lossCap: plan.lossCapMicros,
    progress: {
      leg1: roleView(progress.leg1), leg2: roleView(progress.leg2), unwind: roleView(progress.unwind),
      leg2TargetQty: progress.leg2TargetQty, unwindTargetQty: progress.unwindTargetQty, unwindLimitMicros: progress.unwindLimitMicros,
      deadline: new Date(progress.deadline), alerts: progress.alerts,
    },
  };
}
export type ExecutionView = ReturnType<typeof executionView>;

export const executionEventView = (e: ExecutionEvent) => ({ ...e, ts: new Date(e.ts) });
/** Fill as stored: `tsVenue` as Date; no receive time is stored. */
export const fillView = (f: StoredFill) => ({ ...f, clientOrderId: f.clientOrderId ?? null, feeMicros: f.feeMicros ?? null, tsVenue: new Date(f.tsVenue) });

/** Position: the Usd twins added. */
export const positionView = (p: PositionRecord) => ({
  ...p, cost: p.costMicros, realizedPnl: p.realizedPnlMicros, unrealizedPnl: p.unrealizedPnlMicros, fees: p.feesMicros,
});
export const pairPositionsView = (p: PairPositionsRecord) => ({
  ...p, legs: p.legs.map(positionView), cost: p.costMicros, realizedPnl: p.realizedPnlMicros, unrealizedPnl: p.unrealizedPnlMicros, fees: p.feesMicros,
});
export const positionsView = (r: PositionsReport) => ({ ...r, markets: r.markets.map(positionView), pairs: r.pairs.map(pairPositionsView) });
export const pnlView = (p: PnlRecord) => ({ ...p, realizedPnl: p.realizedPnlMicros, unrealizedPnl: p.unrealizedPnlMicros, fees: p.feesMicros, exposure: p.exposureMicros });
