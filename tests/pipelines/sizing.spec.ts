/**
 * The sizing stage wired into the shared graph (pipelines/core.ts): book events through orderBook
 * → alignByTime → vwap → friction → sizeToLimits → edge → riskGate on virtual time, with the
 * exposure input the execution layer will feed. The 5,000-contract example of issue 12 (worked by
 * hand in tests/operators/sizeToLimits.spec.ts) is accepted at the pair limit's size, and less
 * when capital is already committed to the pair.
 */
import { describe, expect, it } from 'vitest';
import { BehaviorSubject, EMPTY, Observable, VirtualTimeScheduler } from 'rxjs';
import { buildPipeline, limitsFromConfig, NO_EXPOSURE } from '../../pipelines/core.js';
import type { Exposure } from '../../operators/sizeToLimits.js';
import type { BookEvent } from '../../schema/book.js';
import type { RiskDecision } from '../../schema/edge.js';
import { loadConfig } from '../../src/config.js';
import { C, DAY, freePolyKalshiQuadratic, KAL, lv, pair, POLY, T0 } from '../fees/pairBooksFixture.js';

const events: BookEvent[] = [
  // Polymarket YES asks 5,000 @ .40 (its NO ladders far from any arbitrage)
  { kind: 'snapshot', venue: 'polymarket', marketId: POLY, tsVenue: T0, tsReceived: T0, ladders: { yesBid: [lv(0.30, 10)], yesAsk: [lv(0.40, 5000)] } },
  { kind: 'snapshot', venue: 'polymarket', marketId: POLY, tsVenue: T0, tsReceived: T0, ladders: { noBid: [lv(0.50, 10)], noAsk: [lv(0.70, 10)] } },
  // Kalshi: YES bid .45 × 5,000 → NO ask .55 × 5,000 (NO bid .20 → YES ask .80)
  { kind: 'snapshot', venue: 'kalshi', marketId: KAL, tsVenue: T0, tsReceived: T0, impliedAsks: true, ladders: { yesBid: [lv(0.45, 5000)], noBid: [lv(0.20, 10)] } },
];

function run(exposure$?: Observable<Exposure>): RiskDecision[] & { resized?: number } {
  const scheduler = new VirtualTimeScheduler();
  (scheduler as { now: () => number }).now = () => T0 + scheduler.frame;
  const risk = { ...loadConfig({ LOG_LEVEL: 'silent' }).risk, maxBookAgeMs: 60_000, maxSkewMs: 60_000 };
  const bookEvents$ = new Observable<BookEvent>((sub) => {
    events.forEach((e, i) => scheduler.schedule(() => sub.next(e), i));
    scheduler.schedule(() => sub.complete(), events.length);
  });
  const out = buildPipeline(
    { bookEvents$, pairs$: new BehaviorSubject([{ ...pair, humanReviewed: true, resolutionTs: T0 + 7 * DAY }]), feedStatus$: EMPTY, control$: new BehaviorSubject({ killSwitch: false, limits: limitsFromConfig(risk) }), ...(exposure$ ? { exposure$ } : {}) },
    { feeBook: freePolyKalshiQuadratic(), risk, scheduler },
  );
  const decisions: RiskDecision[] & { resized?: number } = [];
  out.decisions$.subscribe((d) => decisions.push(d));
  scheduler.flush();
  decisions.resized = out.counters.resized;
  return decisions;
}

describe('sizing in the pipeline', () => {
  it('accepts the 5,000-contract edge at the $1,000 pair limit (1,033 contracts) with zero exposure', () => {
    const decisions = run();
    const last = decisions.at(-1)!;
    expect(decisions.resized).toBeGreaterThan(0);
    expect(last).toMatchObject({ accepted: true, reasons: [] });
    expect(last.edge).toMatchObject({ direction: 'aYes', sizeQty: C(1033), feesMicros: 17_900_000, capitalCostMicros: 958_185, profitMicros: 32_791_815, netEdgePerContractMicros: 31_744 });
  });

  it('sizes to what committed capital leaves: $600 already in the pair → 413 contracts; the pair full → rejected with its reason', () => {
    const used = (pairMicros: number): Exposure => ({ byPair: { [pair.pairId]: pairMicros }, byVenue: NO_EXPOSURE.byVenue, total: pairMicros });
    const some = run(new BehaviorSubject(used(600_000_000))).at(-1)!;
    expect(some).toMatchObject({ accepted: true, edge: { sizeQty: C(413) } });
    const full = run(new BehaviorSubject(used(1_000_000_000))).at(-1)!;
    expect(full.accepted).toBe(false);
    expect(full.edge.sizeQty).toBe(C(5000));
    expect(full.reasons).toEqual(['pair-exposure 5836630000 > 1000000000 micros']);
  });
});
