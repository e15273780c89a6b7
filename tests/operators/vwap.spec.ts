import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { searchSize, vwap, walkLevels, remainingLevels, depthCandidate, type PairBooks } from '../../operators/vwap.js';
import { frictionFor, marginalFeeFromFeeBook } from '../../operators/friction.js';
import { book, C, DAY, freePolyKalshiQuadratic, KAL, lv, pair, pairBooks, POLY, T0 } from '../fees/pairBooksFixture.js';

const newScheduler = () => new TestScheduler((a, e) => expect(a).toEqual(e));

describe('walkLevels', () => {
  const ladder = [lv(0.40, 10), lv(0.41, 5), lv(0.45, 100)];
  it('walks best first and keeps the cost exact', () => {
    const w = walkLevels(ladder, C(12));
    // 10 × 0.40 + 2 × 0.41 = 4.82
    expect(w).toMatchObject({ filledQty: C(12), costMicros: 4_820_000, worstPrice: 410_000, levelsUsed: 2, fills: [lv(0.40, 10), lv(0.41, 2)] });
    expect(w.costExact).toBe(4_820_000n * 1_000_000n);
    expect(w.vwapMicros).toBe(401_667); // 4.82 / 12 = 0.401666… rounded up
  });
  it('rounds sub-micro costs up for buys and down for sells', () => {
    const w = walkLevels([{ price: 333_333, qty: 1 }], 1);
    expect(w.costMicros).toBe(1);
    expect(walkLevels([{ price: 333_333, qty: 1 }], 1, 'floor').costMicros).toBe(0);
  });
  it('stops at the end of the book and on empty input', () => {
    expect(walkLevels(ladder, C(1000)).filledQty).toBe(C(115));
    expect(walkLevels([], C(1))).toMatchObject({ filledQty: 0, costMicros: 0, vwapMicros: 0, worstPrice: 0, levelsUsed: 0 });
    expect(walkLevels(ladder, 0).filledQty).toBe(0);
  });
  it('remainingLevels chains walks', () => {
    expect(remainingLevels(ladder, C(12))).toEqual([lv(0.41, 3), lv(0.45, 100)]);
    expect(remainingLevels(ladder, C(15))).toEqual([lv(0.45, 100)]);
  });
});

describe('searchSize', () => {
  it('steps segment by segment and stops at the first increment below the threshold', () => {
    // A: 10 @ .40, 10 @ .45 ; B: 5 @ .55, 100 @ .56
    // segments: [0,5) .40+.55=.95 → edge .05 ; [5,10) .40+.56 → .04 ; [10,20) .45+.56 → −.01
    const r = searchSize({ askA: [lv(0.40, 10), lv(0.45, 10)], askB: [lv(0.55, 5), lv(0.56, 100)], minMarginalEdgeMicros: 30_000 });
    expect(r).toEqual({ qty: C(10), lastMarginalEdgeMicros: 40_000, refusedMarginalEdgeMicros: -10_000, stoppedBy: 'threshold', segments: 3 });
  });
  it('includes the marginal fee in the edge', () => {
    const r = searchSize({ askA: [lv(0.40, 10), lv(0.45, 10)], askB: [lv(0.55, 5), lv(0.56, 100)], minMarginalEdgeMicros: 30_000, marginalCost: () => 15_000 });
    expect(r.qty).toBe(C(5));
    expect(r.lastMarginalEdgeMicros).toBe(35_000);
  });
  it('reports exhaustion and the size cap', () => {
    expect(searchSize({ askA: [lv(0.4, 3)], askB: [lv(0.5, 10)], minMarginalEdgeMicros: 0 })).toMatchObject({ qty: C(3), stoppedBy: 'exhausted' });
    expect(searchSize({ askA: [lv(0.4, 3)], askB: [lv(0.5, 10)], minMarginalEdgeMicros: 0, maxQty: C(2) })).toMatchObject({ qty: C(2), stoppedBy: 'maxQty' });
    expect(searchSize({ askA: [], askB: [lv(0.5, 10)], minMarginalEdgeMicros: 0 })).toMatchObject({ qty: 0, stoppedBy: 'exhausted', lastMarginalEdgeMicros: undefined });
  });
  it('rounds down to the lot', () => {
    expect(searchSize({ askA: [{ price: 400_000, qty: 2_500_000 }], askB: [lv(0.5, 10)], minMarginalEdgeMicros: 0, lotQty: C(1) }).qty).toBe(C(2));
  });
});

describe('depthCandidate', () => {
  it('pairs Polymarket YES with Kalshi NO (and the reverse) when YES means the same thing', () => {
    const pb = pairBooks(book('polymarket', [lv(0.40, 100)], [lv(0.58, 100)]), book('kalshi', [lv(0.39, 100)], [lv(0.55, 100)]));
    const yes = depthCandidate(pb, 'aYes', { minMarginalEdgeMicros: 1 })!;
    expect(yes.legs.map((l) => [l.venue, l.outcome, l.vwapMicros])).toEqual([['polymarket', 'yes', 400_000], ['kalshi', 'no', 550_000]]);
    expect(yes).toMatchObject({ sizeQty: C(100), grossEdgeMicros: 5_000_000, resolutionTs: pair.resolutionTs, tsAligned: T0 });
    const no = depthCandidate(pb, 'aNo', { minMarginalEdgeMicros: 1 })!;
    expect(no.legs.map((l) => [l.outcome, l.vwapMicros])).toEqual([['no', 580_000], ['yes', 390_000]]);
    // Polymarket NO at 0.62 + Kalshi YES at 0.39 costs more than $1: no candidate
    const dear = pairBooks(book('polymarket', [lv(0.40, 100)], [lv(0.62, 100)]), book('kalshi', [lv(0.39, 100)], [lv(0.55, 100)]));
    expect(depthCandidate(dear, 'aNo', { minMarginalEdgeMicros: 1 })).toBeUndefined();
  });
  it('pairs Polymarket YES with Kalshi YES when yesMapsToNo', () => {
    const p = { ...pair, yesMapsToNo: true };
    const pb = pairBooks(book('polymarket', [lv(0.40, 100)], []), book('kalshi', [lv(0.55, 100)], [lv(0.99, 1)]), p);
    const c = depthCandidate(pb, 'aYes', { minMarginalEdgeMicros: 1 })!;
    expect(c.legs[1]).toMatchObject({ venue: 'kalshi', marketId: KAL, outcome: 'yes', costMicros: 55_000_000 });
    expect(c.legs[0]).toMatchObject({ venue: 'polymarket', marketId: POLY, outcome: 'yes' });
  });
  it('passes marginal fees per venue at the decision time (not the books\' venue times)', () => {
    const pb = pairBooks(book('polymarket', [lv(0.40, 100)], []), book('kalshi', [], [lv(0.55, 100)], T0 + 5));
    const calls: unknown[] = [];
    const c = depthCandidate(pb, 'aYes', { minMarginalEdgeMicros: 30_000, marginalFee: (v, m, p, t) => (calls.push([v, m, p, t]), 10_000) }, T0 + 99);
    // 1 − 0.40 − 0.55 − 2 × 0.01 = 0.03: exactly at the threshold passes, one micro above does not
    expect(c?.lastMarginalEdgeMicros).toBe(30_000);
    expect(depthCandidate(pb, 'aYes', { minMarginalEdgeMicros: 30_001, marginalFee: () => 10_000 })).toBeUndefined();
    expect(calls).toEqual([['polymarket', POLY, 400_000, T0 + 99], ['kalshi', KAL, 550_000, T0 + 99]]);
    // without a decision time (a pure call), the aligned book time
    calls.length = 0;
    depthCandidate(pb, 'aYes', { minMarginalEdgeMicros: 30_000, marginalFee: (v, m, p, t) => (calls.push([v, m, p, t]), 10_000) });
    expect(calls.map((x) => (x as unknown[])[3])).toEqual([T0 + 5, T0 + 5]);
  });
});

describe('capital cost in the size search (issue 12: long-dated markets)', () => {
  // A 90-day market, capital at 5 %/yr. Polymarket (leg A, fee-free) YES asks: 10 @ .01 then
  // 1,000 @ .04; Kalshi (leg B, quadratic ×1: .07 × p × (1 − p)) NO asks: 1,010 @ .95.
  // Gross: 4¢ on the first 10 contracts, 1¢ on the next 1,000.
  const fb = freePolyKalshiQuadratic();
  const p90 = { ...pair, resolutionTs: T0 + 90 * DAY };
  const pb = pairBooks(book('polymarket', [lv(0.01, 10), lv(0.04, 1000)], []), book('kalshi', [], [lv(0.95, 1010)]), p90);
  const cfg = { feeBook: fb, capitalApr: '0.05' };
  const marginalFee = marginalFeeFromFeeBook(fb);

  it('before: a search without capital cost sizes 1,010 and loses $5.33', () => {
    // cost .10 + 40.00 + 959.50 = 999.60; Kalshi fee .07 × 1010 × .95 × .05 = 3.35825 → 3.3583 → 3.36 (cent);
    // capital (999.60 + 3.36) × .05 × 90/365 = 12.3652602… → 12.365261; profit 1010 − 999.60 − 3.36 − 12.365261 = −5.325261
    const c = frictionFor(depthCandidate(pb, 'aYes', { minMarginalEdgeMicros: 1, marginalFee })!, cfg);
    expect(c).toMatchObject({ sizeQty: C(1010), legFeesMicros: [0, 3_360_000], capitalCostMicros: 12_365_261, profitMicros: -5_325_261 });
  });

  it('after: the marginal capital cost stops the search at 10 contracts, +$0.24', () => {
    // marginal edge per contract = 1 − pA − pB − fee(pB) − ceil((pA + pB + fee) × .05 × 90/365):
    //   [0, 10):    .04 − .003325 − ceil(.963325 × .05 × 90/365 = .0118766) = 40,000 − 3,325 − 11,877 =  24,798 micros → take
    //   [10, 1010): .01 − .003325 − ceil(.993325 × .05 × 90/365 = .0122465) = 10,000 − 3,325 − 12,247 =  −5,572 micros → stop
    const d = depthCandidate(pb, 'aYes', { minMarginalEdgeMicros: 1, marginalFee, capitalApr: '0.05' })!;
    expect(d).toMatchObject({ sizeQty: C(10), lastMarginalEdgeMicros: 24_798, stoppedBy: 'threshold' });
    // cost .10 + 9.50 = 9.60; Kalshi fee .03325 → .0333 → .04 (rounding .0067 < 1¢: no refund);
    // capital (9.60 + .04) × .05 × 90/365 = .1188493… → .118850; profit 10 − 9.60 − .04 − .118850 = .241150
    const c = frictionFor(d, cfg);
    expect(c).toMatchObject({ legFeesMicros: [0, 40_000], capitalCostMicros: 118_850, profitMicros: 241_150, netEdgePerContractMicros: 24_115 });
  });

  it('operator: emits the capital-aware size; fees looked up at scheduler (decision) time (marbles)', () => {
    const times = new Set<number>();
    const fee: typeof marginalFee = (v, m, p, t) => (times.add(t), marginalFee(v, m, p, t));
    const ts = newScheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const src = cold('--a-a|', { a: pb });
      const out = src.pipe(vwap({ minMarginalEdgeMicros: 1, marginalFee: fee, capitalApr: '0.05', directions: ['aYes'], scheduler: ts }));
      expectObservable(out).toBe('--x-x|', { x: expect.objectContaining({ sizeQty: C(10), lastMarginalEdgeMicros: 24_798 }) });
      expectSubscriptions(src.subscriptions).toBe('^----!');
    });
    expect([...times]).toEqual([2, 4]);
  });

  it('a resolved (or same-day) market has no capital cost: the search is the fee-only one', () => {
    const now = pairBooks(pb.books[0], pb.books[1], { ...pair, resolutionTs: T0 });
    expect(depthCandidate(now, 'aYes', { minMarginalEdgeMicros: 1, marginalFee, capitalApr: '0.05' })!.sizeQty).toBe(C(1010));
  });
});

describe('vwap operator (marbles)', () => {
  const good = pairBooks(book('polymarket', [lv(0.40, 10)], [lv(0.70, 10)]), book('kalshi', [lv(0.45, 10)], [lv(0.55, 10)]));
  const none = pairBooks(book('polymarket', [lv(0.50, 10)], [lv(0.70, 10)]), book('kalshi', [lv(0.45, 10)], [lv(0.55, 10)]));
  const flagged = pairBooks(book('polymarket', [lv(0.40, 10)], [], T0, ['crossed-yes']), book('kalshi', [], [lv(0.55, 10)]));
  const cfg = { minMarginalEdgeMicros: 10_000 };
  const x = depthCandidate(good, 'aYes', cfg)!;

  it('emits the sized candidates, skips pairs without size and flagged books', () => {
    const drops: string[] = [];
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const src = cold('-a-b-c|', { a: good, b: none, c: flagged });
      expectObservable(src.pipe(vwap({ ...cfg, onDrop: (r) => drops.push(r) }))).toBe('-x----|', { x });
      expectSubscriptions(src.subscriptions).toBe('^-----!');
      expect(x.sizeQty).toBe(C(10));
    });
    expect(drops).toEqual(['book has issues']);
  });
  it('empty, never, error, mid-stream error', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<PairBooks>('|').pipe(vwap(cfg))).toBe('|');
      expectObservable(cold<PairBooks>('-').pipe(vwap(cfg))).toBe('-');
      expectObservable(cold<PairBooks>('#').pipe(vwap(cfg))).toBe('#');
      expectObservable(cold('-a-#', { a: good }).pipe(vwap(cfg))).toBe('-x-#', { x });
    });
  });
  it('unsubscribing stops the source', () => {
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const src = cold('-a-a-a-a|', { a: good });
      expectObservable(src.pipe(vwap(cfg)), '^--!').toBe('-x-', { x });
      expectSubscriptions(src.subscriptions).toBe('^--!');
    });
  });
  it('a failing fee function drops the input, logs and goes on', () => {
    const drops: string[] = [];
    newScheduler().run(({ cold, expectObservable }) => {
      let n = 0;
      const fee = () => {
        if (n++ === 0) throw new Error('no schedule');
        return 0;
      };
      expectObservable(cold('-a-a|', { a: good }).pipe(vwap({ ...cfg, directions: ['aYes'], marginalFee: fee, onDrop: (r) => drops.push(r) }))).toBe('---x|', { x });
    });
    expect(drops).toEqual(['sizing failed']);
  });
});
