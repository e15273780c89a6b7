import { describe, expect, it } from 'vitest';
import { NEVER, map, of } from 'rxjs';
import { depthCandidate } from '../../operators/vwap.js';
import { frictionFor, marginalFeeFromFeeBook, type CostedCandidate } from '../../operators/friction.js';
import { exposureReasons, sizeToLimits, sizeWithinLimits, trimCandidate, type SizingState } from '../../operators/sizeToLimits.js';
import { riskGate, riskReasons, type RiskState } from '../../operators/riskGate.js';
import { toEdge } from '../../operators/edge.js';
import type { RiskLimits } from '../../schema/risk.js';
import type { PairBooks } from '../../schema/pair.js';
import { book, C, DAY, freePolyKalshiQuadratic, lv, pair, pairBooks, T0 } from '../fees/pairBooksFixture.js';
import { testScheduler } from '../helpers/marble.js';

// the default config's limits: 1¢ minimum edge, $1,000 a pair, $5,000 a venue, $10,000 in total
const LIMITS: RiskLimits = {
  minEdgePerContractMicros: 10_000, minSizeQty: 1_000_000, minProfitMicros: 500_000, maxPairExposureMicros: 1_000_000_000,
  maxVenueExposureMicros: 5_000_000_000, maxTotalExposureMicros: 10_000_000_000, maxBookAgeMs: 3000, minPairConfidence: 0.9, hysteresisMicros: 5_000,
};
const ZERO = { byPair: {}, byVenue: { polymarket: 0, kalshi: 0 }, total: 0 };
const state = (over: Partial<RiskState> = {}): RiskState => ({
  killSwitch: false, limits: LIMITS, exposure: ZERO, pairs: new Map([['pair-1', { status: 'approved' as const, confidence: 1, humanReviewed: true }]]), ...over,
});
const fb = freePolyKalshiQuadratic();
const cfg = { feeBook: fb, capitalApr: '0.05' };
const marginalFee = marginalFeeFromFeeBook(fb);
const costed = (pb: PairBooks): CostedCandidate => frictionFor(depthCandidate(pb, 'aYes', { minMarginalEdgeMicros: 1, marginalFee, capitalApr: '0.05' })!, cfg);
const resize = (c: CostedCandidate, s: SizingState = state()) => sizeWithinLimits(c, s, (d) => frictionFor(d, cfg, c.tsCosted));
const capital = (c: CostedCandidate) => c.legs[0].costMicros + c.legs[1].costMicros + c.feesMicros;

// Issue 12's first gate example: a 7-day market, capital at 5 %/yr. Polymarket (fee-free) YES
// 5,000 @ .40 + Kalshi (quadratic ×1) NO 5,000 @ .55.
//   cost 2,000 + 2,750 = 4,750; Kalshi fee .07 × 5000 × .55 × .45 = 86.625 → 86.63 (cent);
//   capital 4,836.63 × .05 × 7/365 = 4.6378643… → 4.637865; profit 5000 − 4750 − 86.63 − 4.637865 = 158.732135
//   ($158.73, 3.17¢ a contract), but 4,836.63 of capital > the $1,000 pair limit.
const big = pairBooks(book('polymarket', [lv(0.40, 5000)], []), book('kalshi', [], [lv(0.55, 5000)]), { ...pair, resolutionTs: T0 + 7 * DAY });
// Issue 12's second: a 30-day market. Polymarket YES 10 @ .40 then 1,000 @ .47; Kalshi NO 1,010 @ .50.
const deep = pairBooks(book('polymarket', [lv(0.40, 10), lv(0.47, 1000)], []), book('kalshi', [], [lv(0.50, 1010)]));

describe('sizeWithinLimits: the issue 12 examples', () => {
  it('the 5,000-contract edge is resized to the $1,000 pair limit (1,033 contracts) instead of rejected', () => {
    const full = costed(big);
    expect(full).toMatchObject({ sizeQty: C(5000), legFeesMicros: [0, 86_630_000], capitalCostMicros: 4_637_865, profitMicros: 158_732_135, netEdgePerContractMicros: 31_746 });
    expect(riskReasons(toEdge(full), state(), T0)).toEqual(['pair-exposure 4836630000 > 1000000000 micros']);
    // capital(q) = q × .95 + Kalshi fee(q), fee = ceil¢(ceil$0.0001(.07 × q × .2475)):
    //   q = 1,033: 981.35 + 17.896725 → 17.8968 → 17.90 =   999.25 ≤ 1,000
    //   q = 1,034: 982.30 + 17.914050 → 17.9141 → 17.92 = 1,000.22 > 1,000
    // at 1,033: costs 413.20 + 568.15; capital cost 999.25 × .05 × 7/365 = .9581849… → .958185;
    // profit 1033 − 981.35 − 17.90 − .958185 = 32.791815; per contract 32.791815 / 1033 = .0317442… → 31,744
    const r = resize(full);
    expect(r).toMatchObject({ sizeQty: C(1033), legFeesMicros: [0, 17_900_000], feesMicros: 17_900_000, capitalCostMicros: 958_185, profitMicros: 32_791_815, netEdgePerContractMicros: 31_744, stoppedBy: 'limits' });
    expect(r.legs.map((l) => [l.costMicros, l.vwapMicros, l.qty, l.fills])).toEqual([
      [413_200_000, 400_000, C(1033), [lv(0.40, 1033)]],
      [568_150_000, 550_000, C(1033), [lv(0.55, 1033)]],
    ]);
    expect(capital(r)).toBe(999_250_000);
    // recomputed, not scaled: the linear share of the full figures would be 1033/5000 × 158.732135 = 32.794…
    expect(r.profitMicros).not.toBe(Math.floor((158_732_135 * 1033) / 5000));
    expect(riskReasons(toEdge(r), state(), T0)).toEqual([]);
    // one contract more would break the limit
    const over = frictionFor(trimCandidate(full, C(1034)), cfg, full.tsCosted);
    expect(capital(over)).toBe(1_000_220_000);
  });

  it('the deep book whose average edge is under 1¢ is trimmed from its worst level to the largest size averaging ≥ 1¢', () => {
    // full 1,010: costs 4.00 + 470.00 + 505.00 = 979.00; fee .07 × 1010 × .25 = 17.675 → 17.68;
    // capital 996.68 × .05 × 30/365 = 4.0959452… → 4.095946; profit 9.224054 = .9132¢ a contract < 1¢
    const full = costed(deep);
    expect(full).toMatchObject({ sizeQty: C(1010), profitMicros: 9_224_054, netEdgePerContractMicros: 9_132 });
    expect(riskReasons(toEdge(full), state(), T0)).toEqual(['edge 9132 < min 10000 micros/contract']);
    // its top 10: cost 4.00 + 5.00; fee .175 → .18; capital 9.18 × .05 × 30/365 = .0377260… → .037727;
    // profit 10 − 9 − .18 − .037727 = .782273 = 7.8¢ a contract
    expect(frictionFor(trimCandidate(full, C(10)), cfg, full.tsCosted)).toMatchObject({ profitMicros: 782_273, netEdgePerContractMicros: 78_227 });
    // each further contract adds 3¢ gross − 1.75¢ fee − ~.4¢ capital ≈ .85¢ (< 1¢), so the average falls:
    //   449: costs 4.00 + 439 × .47 = 210.33 and 224.50; fee .07 × 449 × .25 = 7.8575 → 7.86;
    //        capital 442.69 × .05 × 30/365 = 1.8192739… → 1.819274; profit 449 − 434.83 − 7.86 − 1.819274 = 4.490726 → 10,001/contract
    //   450: costs 210.80 + 225.00; fee 7.875 → 7.88; capital 443.68 × … = 1.823343; profit 4.496657 → 9,992/contract < 1¢
    const r = resize(full);
    expect(r).toMatchObject({ sizeQty: C(449), feesMicros: 7_860_000, capitalCostMicros: 1_819_274, profitMicros: 4_490_726, netEdgePerContractMicros: 10_001 });
    expect(r.legs.map((l) => [l.costMicros, l.levelsUsed, l.vwapMicros])).toEqual([[210_330_000, 2, 468_441], [224_500_000, 1, 500_000]]);
    expect(frictionFor(trimCandidate(full, C(450)), cfg, full.tsCosted).netEdgePerContractMicros).toBe(9_992);
    expect(riskReasons(toEdge(r), state(), T0)).toEqual([]);
  });
});

describe('sizeWithinLimits', () => {
  it('returns the candidate itself when it already fits', () => {
    const c = costed(deep);
    const s = state({ limits: { ...LIMITS, minEdgePerContractMicros: 0 } });
    expect(resize(c, s)).toBe(c);
  });

  it('counts existing exposure: pair, venue and total, whichever leaves least', () => {
    const full = costed(big);
    // $600 already in this pair: $400 left → 413 contracts (413 × .95 + fee(7.155225 → 7.16) = 399.51;
    // 414 × .95 + fee(7.172550 → 7.18) = 400.48 > 400)
    const pairUsed = resize(full, state({ exposure: { byPair: { 'pair-1': 600_000_000 }, byVenue: { polymarket: 0, kalshi: 0 }, total: 600_000_000 } }));
    expect(capital(pairUsed)).toBeLessThanOrEqual(400_000_000);
    expect(pairUsed.sizeQty).toBe(C(413));
    expect(capital(pairUsed)).toBe(399_510_000);
    // Kalshi venue at $4,800 of $5,000: the Kalshi leg (cost + fee) may use $200 → .55q + fee ≤ 200
    const venueUsed = resize(full, state({ exposure: { byPair: {}, byVenue: { polymarket: 0, kalshi: 4_800_000_000 }, total: 4_800_000_000 } }));
    expect(venueUsed.legs[1].costMicros + venueUsed.legFeesMicros[1]).toBeLessThanOrEqual(200_000_000);
    expect(frictionFor(trimCandidate(full, venueUsed.sizeQty + C(1)), cfg, full.tsCosted)).toSatisfy((x: CostedCandidate) => x.legs[1].costMicros + x.legFeesMicros[1] > 200_000_000);
    // total at $9,900 of $10,000: $100 left
    const totalUsed = resize(full, state({ exposure: { byPair: {}, byVenue: { polymarket: 0, kalshi: 0 }, total: 9_900_000_000 } }));
    expect(capital(totalUsed)).toBeLessThanOrEqual(100_000_000);
    expect(capital(frictionFor(trimCandidate(full, totalUsed.sizeQty + C(1)), cfg, full.tsCosted))).toBeGreaterThan(100_000_000);
  });

  it('passes the candidate unchanged when not even one contract fits; the gate rejects it with its reason', () => {
    const full = costed(big);
    const s = state({ exposure: { byPair: { 'pair-1': 999_500_000 }, byVenue: { polymarket: 0, kalshi: 0 }, total: 999_500_000 } });
    expect(resize(full, s)).toBe(full);
    expect(riskReasons(toEdge(full), s, T0)).toEqual(['pair-exposure 5836130000 > 1000000000 micros']);
    // a minimum edge above what even the top contract earns: nothing to trim to
    const high = state({ limits: { ...LIMITS, minEdgePerContractMicros: 80_000 } });
    const d = costed(deep);
    expect(resize(d, high)).toBe(d);
  });

  it('exposureReasons is the gate\'s own exposure check', () => {
    const legs = [{ venue: 'polymarket' as const, costMicros: 600, feeMicros: 0 }, { venue: 'kalshi' as const, costMicros: 300, feeMicros: 50 }];
    const l = { ...LIMITS, maxPairExposureMicros: 900, maxVenueExposureMicros: 500, maxTotalExposureMicros: 1000 };
    expect(exposureReasons('p', legs, { byPair: { p: 10 }, byVenue: { polymarket: 0, kalshi: 200 }, total: 100 }, l)).toEqual([
      'pair-exposure 960 > 900 micros', 'venue-exposure polymarket 600 > 500 micros', 'venue-exposure kalshi 550 > 500 micros', 'total-exposure 1050 > 1000 micros',
    ]);
  });

  it('trimCandidate re-walks the levels taken and refuses to grow', () => {
    const full = costed(deep);
    const t = trimCandidate(full, C(12));
    expect(t.legs[0]).toMatchObject({ qty: C(12), fills: [lv(0.40, 10), lv(0.47, 2)], costMicros: 4_940_000, vwapMicros: 411_667, worstPriceMicros: 470_000, levelsUsed: 2 });
    expect(t.grossEdgeMicros).toBe(12_000_000 - 4_940_000 - 6_000_000);
    expect(() => trimCandidate(full, C(2000))).toThrow(RangeError);
  });
});

describe('sizeToLimits operator (marbles)', () => {
  const full = costed(big);
  const fits = costed(deep);
  const resized = resize(full);

  it('resizes with the latest state; candidates before any state pass unchanged', () => {
    const ts = testScheduler();
    const seen: [number, number][] = [];
    ts.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const state$ = hot('--s------t', { s: state(), t: state({ limits: { ...LIMITS, maxPairExposureMicros: 10_000_000_000 } }) });
      const src = cold('-b-b-d----b-|', { b: full, d: fits });
      const out = src.pipe(sizeToLimits({ state$, ...cfg, onResize: (a, b) => seen.push([a.sizeQty, b.sizeQty]) }));
      expectObservable(out).toBe('-f-r-e----f-|', { f: full, r: resized, e: resize(fits) });
      expectSubscriptions(src.subscriptions).toBe('^-----------!');
      expectSubscriptions(state$.subscriptions).toBe('^-----------!');
    });
    expect(seen).toEqual([[C(5000), C(1033)], [C(1010), C(449)]]);
  });

  it('feeds the risk gate: the 5,000-contract edge is accepted at its resized size instead of rejected', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const s$ = of(state());
      const src = cold('-b|', { b: full });
      const gated = src.pipe(sizeToLimits({ state$: s$, ...cfg }), map(toEdge), riskGate({ state$: s$, scheduler: ts }));
      expectObservable(gated).toBe('-d|', { d: { edge: toEdge(resized), accepted: true, reasons: [], ts: 1 } });
      // without the sizing stage, the gate rejects it whole
      expectObservable(src.pipe(map(toEdge), riskGate({ state$: s$, scheduler: ts }))).toBe('-x|', { x: { edge: toEdge(full), accepted: false, reasons: ['pair-exposure 4836630000 > 1000000000 micros'], ts: 1 } });
    });
  });

  it('empty, never, error, mid-stream error, state error, unsubscribe', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const c = { state$: of(state()), ...cfg };
      expectObservable(cold<CostedCandidate>('|').pipe(sizeToLimits(c))).toBe('|');
      expectObservable(NEVER.pipe(sizeToLimits(c))).toBe('-');
      expectObservable(cold<CostedCandidate>('#').pipe(sizeToLimits(c))).toBe('#');
      expectObservable(cold('-b#', { b: full }).pipe(sizeToLimits(c))).toBe('-r#', { r: resized });
      expectObservable(cold('-b--b', { b: full }).pipe(sizeToLimits({ ...c, state$: cold('--#') }))).toBe('-f#', { f: full });
      const src = cold('-b---b', { b: full });
      expectObservable(src.pipe(sizeToLimits(c)), '^--!').toBe('-r-', { r: resized });
      expectSubscriptions(src.subscriptions).toBe('^--!');
    });
  });
});
