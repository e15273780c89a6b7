import { Observable, asyncScheduler, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { Edge, RiskDecision } from '../schema/edge.js';
import type { Pair } from '../schema/pair.js';
import type { RiskLimits } from '../schema/risk.js';
import type { Venue } from '../schema/venue.js';
import { exposureReasons, type Exposure } from './sizeToLimits.js';

/** @deprecated import from schema/risk.ts (kept so importers keep compiling) */
export { pickLimits, type RiskLimits } from '../schema/risk.js';

export type { Exposure };

export interface RiskState {
  readonly killSwitch: boolean;
  readonly limits: RiskLimits;
  readonly exposure: Exposure;
  /** current pairs by id (status, human review and confidence are checked on every edge) */
  readonly pairs: ReadonlyMap<string, Pick<Pair, 'status' | 'confidence' | 'humanReviewed'>>;
  /** venues whose feed is live now: their books are current however old their last change */
  readonly liveVenues?: ReadonlySet<Venue>;
}

export interface RiskGateConfig {
  /** Latest state wins; edges arriving before the first state are rejected ('no-risk-state'). */
  readonly state$: Observable<RiskState>;
  readonly scheduler?: SchedulerLike;
}

/** Every reason this edge may not be traded under `state` at `now` (empty = accepted). Pure. */
export function riskReasons(edge: Edge, state: RiskState, now: number): string[] {
  const { limits: l, exposure: x } = state;
  const reasons: string[] = [];
  if (state.killSwitch) reasons.push('kill-switch');
  const pair = state.pairs.get(edge.pairId);
  if (!pair) reasons.push('pair-unknown');
  else {
    if (pair.status !== 'approved') reasons.push(`pair-${pair.status}`);
    // one meaning of approval: a human's decision stands whatever the matcher's confidence; a pair
    // no human reviewed must also clear the minimum confidence
    if (!pair.humanReviewed && pair.confidence < l.minPairConfidence) reasons.push(`pair-confidence ${pair.confidence} < ${l.minPairConfidence}`);
  }
  if (edge.netEdgePerContractMicros < l.minEdgePerContractMicros) reasons.push(`edge ${edge.netEdgePerContractMicros} < min ${l.minEdgePerContractMicros} micros/contract`);
  if (edge.sizeQty < l.minSizeQty) reasons.push(`size ${edge.sizeQty} < min ${l.minSizeQty}`);
  if (edge.profitMicros < l.minProfitMicros) reasons.push(`profit ${edge.profitMicros} < min ${l.minProfitMicros} micros`);
  const age = now - edge.oldestBookTsReceived;
  const bothLive = edge.legs.every((leg) => state.liveVenues?.has(leg.venue));
  if (age > l.maxBookAgeMs && !bothLive) reasons.push(`book-stale ${age} ms > ${l.maxBookAgeMs} ms`);
  // the sizing stage (sizeToLimits) already trimmed what could be trimmed: what still breaks a
  // limit here is what no size of at least one lot fits
  reasons.push(...exposureReasons(edge.pairId, edge.legs, x, l));
  return reasons;
}

/**
 * Decides for each edge whether it may be traded: exposure limits per pair, per venue and in
 * total, minimum edge, size and profit, book staleness, pair approval (status approved, and
 * either reviewed by a human or confidence ≥ minPairConfidence), and the kill switch. Edges
 * arrive already resized by sizeToLimits to what the exposure limits and the minimum edge leave,
 * so what still breaks them here is what could not be resized. Every rejection carries all its
 * reasons. Hysteresis: a decision for the same pair and direction is re-emitted only when the
 * verdict or the reasons change, or the net edge per contract moves by at least
 * `hysteresisMicros`, so one opportunity is not re-emitted on every tick.
 *
 * ```
 * edges:  -a-a'-b-|    (a' = a with the edge moved less than the hysteresis)
 * out:    -x----y-|
 * ```
 * @see riskReasons
 */
export function riskGate(config: RiskGateConfig): OperatorFunction<Edge, RiskDecision> {
  const scheduler = config.scheduler ?? asyncScheduler;
  return (source) =>
    new Observable<RiskDecision>((subscriber) => {
      let state: RiskState | undefined;
      const last = new Map<string, { accepted: boolean; reasons: string; edge: number }>();
      const stateSub = config.state$.subscribe({ next: (s) => (state = s), error: (err) => subscriber.error(err) });
      const sub = source.subscribe({
        next: (edge) => {
          const now = scheduler.now();
          const reasons = state ? riskReasons(edge, state, now) : ['no-risk-state'];
          const accepted = reasons.length === 0;
          const key = `${edge.pairId}|${edge.direction}`;
          const prev = last.get(key);
          const hysteresis = state?.limits.hysteresisMicros ?? 0;
          const reasonKey = reasons.map((r) => r.split(' ')[0]).join(',');
          if (prev && prev.accepted === accepted && prev.reasons === reasonKey && Math.abs(prev.edge - edge.netEdgePerContractMicros) < hysteresis) return;
          last.set(key, { accepted, reasons: reasonKey, edge: edge.netEdgePerContractMicros });
          subscriber.next({ edge, accepted, reasons, ts: now });
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
