import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Level } from '../../schema/book.js';
import type { RiskLimits } from '../../schema/risk.js';
import { depthCandidate } from '../../operators/vwap.js';
import { frictionFor, marginalFeeFromFeeBook, type CostedCandidate } from '../../operators/friction.js';
import { sizeWithinLimits, trimCandidate, type Exposure } from '../../operators/sizeToLimits.js';
import { riskReasons, type RiskState } from '../../operators/riskGate.js';
import { toEdge } from '../../operators/edge.js';
import { FeeBook } from '../../src/fees/schedule.js';
import { book, C, DAY, KAL, pair, pairBooks, POLY, T0 } from '../fees/pairBooksFixture.js';
import { applyKalshiSeries } from '../../src/venues/kalshi/fees.js';
import { applyPolymarketMarket } from '../../src/venues/polymarket/fees.js';

// both venues charge: Polymarket rate .04 (per-fill rounding to 5 dp), Kalshi quadratic ×1 (per-order cent rounding)
const fb = FeeBook.withDefaults();
applyPolymarketMarket(fb, { conditionId: POLY, feesEnabled: true, feeSchedule: { rate: 0.04, exponent: 1, takerOnly: true, rebateRate: 0.25 } }, 0);
fb.setMarketRef('kalshi', { marketId: KAL, seriesId: 'KXTEST' });
applyKalshiSeries(fb, { ticker: 'KXTEST', fee_type: 'quadratic', fee_multiplier: 1 }, 0);
const marginalFee = marginalFeeFromFeeBook(fb);
const cfg = { feeBook: fb, capitalApr: '0.05' };

/** a small ladder: up to 4 levels at distinct whole-cent prices, 1–20 whole contracts each, best first */
const ladder = fc
  .array(fc.tuple(fc.integer({ min: 1, max: 98 }), fc.integer({ min: 1, max: 20 })), { minLength: 1, maxLength: 4 })
  .map((ls) => {
    const seen = new Set<number>();
    return ls.filter(([p]) => !seen.has(p) && seen.add(p)).sort((a, b) => a[0] - b[0]).map(([cents, n]): Level => ({ price: cents * 10_000, qty: C(n) }));
  });

/** a deeper ladder: up to 8 levels of 1–200 contracts, prices in tenths of a cent */
const deepLadder = fc
  .array(fc.tuple(fc.integer({ min: 10, max: 980 }), fc.integer({ min: 1, max: 200 })), { minLength: 1, maxLength: 8 })
  .map((ls) => {
    const seen = new Set<number>();
    return ls.filter(([p]) => !seen.has(p) && seen.add(p)).sort((a, b) => a[0] - b[0]).map(([mills, n]): Level => ({ price: mills * 1_000, qty: C(n) }));
  });

/** a candidate the capital-aware search sized on random books, resolving in 1–365 days */
const candidateOn = (ladders: fc.Arbitrary<Level[]>) => fc.tuple(ladders, ladders, fc.integer({ min: 1, max: 365 })).map(([a, b, days]): CostedCandidate | undefined => {
  const pb = pairBooks(book('polymarket', a, []), book('kalshi', [], b), { ...pair, resolutionTs: T0 + days * DAY });
  const d = depthCandidate(pb, 'aYes', { minMarginalEdgeMicros: 1, marginalFee, capitalApr: '0.05' });
  return d && frictionFor(d, cfg);
});
const candidate = candidateOn(ladder);

const usd = (max: number) => fc.integer({ min: 0, max: max * 1_000_000 });
const limits = fc.record({ minEdge: fc.integer({ min: 0, max: 60_000 }), pair: usd(80), venue: usd(60), total: usd(120) }).map(
  (l): RiskLimits => ({
    minEdgePerContractMicros: l.minEdge, minSizeQty: 0, minProfitMicros: 0, maxPairExposureMicros: l.pair, maxVenueExposureMicros: l.venue,
    maxTotalExposureMicros: l.total, maxBookAgeMs: 3000, minPairConfidence: 0, hysteresisMicros: 0,
  }),
);
const exposure = fc.record({ pair: usd(40), poly: usd(30), kalshi: usd(30), total: usd(60) }).map(
  (x): Exposure => ({ byPair: { [pair.pairId]: x.pair }, byVenue: { polymarket: x.poly, kalshi: x.kalshi }, total: x.total }),
);
const stateOf = (l: RiskLimits, x: Exposure): RiskState => ({ killSwitch: false, limits: l, exposure: x, pairs: new Map([[pair.pairId, { status: 'approved' as const, confidence: 1, humanReviewed: true }]]) });
const at = (c: CostedCandidate, q: number) => (q === c.sizeQty ? c : frictionFor(trimCandidate(c, q), cfg, c.tsCosted));
const resize = (c: CostedCandidate, s: RiskState) => sizeWithinLimits(c, s, (d) => frictionFor(d, cfg, c.tsCosted));
/** sizes that end a level of either leg (a prefix of the levels), whole contracts */
const levelEnds = (c: CostedCandidate): number[] => [...new Set(c.legs.flatMap((l) => l.fills.map((_, i) => l.fills.slice(0, i + 1).reduce((s, f) => s + f.qty, 0))))].filter((q) => q <= c.sizeQty);

describe('sizeWithinLimits properties', () => {
  it('a resized candidate never exceeds any remaining limit and keeps the minimum average edge; what it cannot resize it passes unchanged', () => {
    fc.assert(
      fc.property(candidate, limits, exposure, (c, l, x) => {
        if (!c) return;
        const s = stateOf(l, x);
        const r = resize(c, s);
        const reasons = riskReasons(toEdge(r), s, T0);
        if (r === c) {
          // unchanged: it fits, or no size of one contract or more does (the gate rejects it)
          if (reasons.length > 0) expect(riskReasons(toEdge(at(c, C(1))), s, T0).length).toBeGreaterThan(0);
          return;
        }
        expect(reasons).toEqual([]);
        expect(r.sizeQty).toBeLessThanOrEqual(c.sizeQty);
        expect(r.sizeQty % C(1)).toBe(0);
        expect(r.netEdgePerContractMicros).toBeGreaterThanOrEqual(l.minEdgePerContractMicros);
        const capital = r.legs[0].costMicros + r.legs[1].costMicros + r.feesMicros;
        expect((x.byPair[pair.pairId] ?? 0) + capital).toBeLessThanOrEqual(l.maxPairExposureMicros);
        expect(x.total + capital).toBeLessThanOrEqual(l.maxTotalExposureMicros);
        r.legs.forEach((leg, i) => expect((x.byVenue[leg.venue] ?? 0) + leg.costMicros + (r.legFeesMicros[i] ?? 0)).toBeLessThanOrEqual(l.maxVenueExposureMicros));
        // figures recomputed for the size, never scaled: the same as costing that size from scratch
        expect(r).toEqual(at(c, r.sizeQty));
      }),
      { numRuns: 400 },
    );
  });

  it('the chosen size is the largest that fits (one contract more breaks a limit or the minimum edge)', () => {
    fc.assert(
      fc.property(candidate, limits, exposure, (c, l, x) => {
        if (!c) return;
        const s = stateOf(l, x);
        const r = resize(c, s);
        if (r === c || r.sizeQty === c.sizeQty) return;
        // the best-profit step may stop at an earlier level end; the size it started from is the largest that fits
        const next = at(c, r.sizeQty + C(1));
        const larger = [next, ...levelEnds(c).filter((q) => q > r.sizeQty).map((q) => at(c, q))];
        const fitting = larger.filter((y) => riskReasons(toEdge(y), s, T0).length === 0);
        for (const y of fitting) expect(y.profitMicros).toBeLessThanOrEqual(r.profitMicros);
      }),
      { numRuns: 300 },
    );
  });

  it('profit of the chosen size ≥ profit of every prefix of the levels, and of every smaller size up to the per-order rounding', () => {
    const open = stateOf({ minEdgePerContractMicros: 0, minSizeQty: 0, minProfitMicros: 0, maxPairExposureMicros: 1e12, maxVenueExposureMicros: 1e12, maxTotalExposureMicros: 1e12, maxBookAgeMs: 1, minPairConfidence: 0, hysteresisMicros: 0 }, { byPair: {}, byVenue: { polymarket: 0, kalshi: 0 }, total: 0 });
    fc.assert(
      fc.property(candidate, (c) => {
        if (!c) return;
        const r = resize(c, open);
        // brute force: every level prefix exactly
        for (const q of levelEnds(c)) expect(r.profitMicros).toBeGreaterThanOrEqual(at(c, q).profitMicros);
        // every whole-contract size: at most the venues' rounding of one order per leg
        // (Kalshi: up to 1¢ plus $0.0001 a fill; Polymarket: 10 micros a fill), and micro-dollar ceilings
        const slack = 10_000 + 100 * 8 + 10 * 4 + 3;
        for (let q = C(1); q <= c.sizeQty; q += C(1)) expect(r.profitMicros + slack).toBeGreaterThanOrEqual(at(c, q).profitMicros);
      }),
      { numRuns: 300 },
    );
  });

  it('on deeper books too: the chosen size pays at least as much as every prefix of the levels', () => {
    const open = stateOf({ minEdgePerContractMicros: 0, minSizeQty: 0, minProfitMicros: 0, maxPairExposureMicros: 1e12, maxVenueExposureMicros: 1e12, maxTotalExposureMicros: 1e12, maxBookAgeMs: 1, minPairConfidence: 0, hysteresisMicros: 0 }, { byPair: {}, byVenue: { polymarket: 0, kalshi: 0 }, total: 0 });
    fc.assert(
      fc.property(candidateOn(deepLadder), limits, (c, l) => {
        if (!c) return;
        const r = resize(c, open);
        for (const q of levelEnds(c)) expect(r.profitMicros).toBeGreaterThanOrEqual(at(c, q).profitMicros);
        // and under a limit: at least as much as every fitting prefix below the chosen size
        const s = stateOf({ ...l, minEdgePerContractMicros: 0 }, open.exposure);
        const t = resize(c, s);
        if (t === c && riskReasons(toEdge(c), s, T0).length > 0) return;
        for (const q of levelEnds(c).filter((q) => q < t.sizeQty)) expect(t.profitMicros).toBeGreaterThanOrEqual(at(c, q).profitMicros);
      }),
      { numRuns: 300 },
    );
  });
});
