import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { searchSize, vwap, walkLevels, remainingLevels, depthCandidate, type PairBooks } from '../../operators/vwap.js';
import { book, C, KAL, lv, pair, pairBooks, POLY, T0 } from '../fees/pairBooksFixture.js';

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
  it('passes marginal fees per venue at each book time', () => {
    const pb = pairBooks(book('polymarket', [lv(0.40, 100)], []), book('kalshi', [], [lv(0.55, 100)], T0 + 5));
    const calls: unknown[] = [];
    const c = depthCandidate(pb, 'aYes', { minMarginalEdgeMicros: 30_000, marginalFee: (v, m, p, t) => (calls.push([v, m, p, t]), 10_000) });
    // 1 − 0.40 − 0.55 − 2 × 0.01 = 0.03: exactly at the threshold passes, one micro above does not
    expect(c?.lastMarginalEdgeMicros).toBe(30_000);
    expect(depthCandidate(pb, 'aYes', { minMarginalEdgeMicros: 30_001, marginalFee: () => 10_000 })).toBeUndefined();
    expect(calls).toContainEqual(['polymarket', POLY, 400_000, T0]);
    expect(calls).toContainEqual(['kalshi', KAL, 550_000, T0 + 5]);
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
