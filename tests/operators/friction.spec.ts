import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { capitalCost, friction, frictionFor, marginalFeeFromFeeBook, YEAR_MS } from '../../operators/friction.js';
import { depthCandidate, vwap, type DepthCandidate } from '../../operators/vwap.js';
import { FeeBook } from '../../src/fees/schedule.js';
import { book, C, DAY, KAL, lv, pairBooks, POLY, T0 } from '../fees/pairBooksFixture.js';
import { applyKalshiSeries } from '../../src/venues/kalshi/fees.js';
import { applyPolymarketMarket } from '../../src/venues/polymarket/fees.js';

const newScheduler = () => new TestScheduler((a, e) => expect(a).toEqual(e));

/** Polymarket market with feeSchedule rate 0.04; Kalshi series quadratic ×1. */
function plantedFeeBook(): FeeBook {
  const fb = FeeBook.withDefaults();
  applyPolymarketMarket(fb, { conditionId: POLY, feesEnabled: true, feeSchedule: { rate: 0.04, exponent: 1, takerOnly: true, rebateRate: 0.25 } }, 0);
  fb.setMarketRef('kalshi', { marketId: KAL, seriesId: 'KXTEST', eventId: 'KXTEST-26' });
  applyKalshiSeries(fb, { ticker: 'KXTEST', fee_type: 'quadratic', fee_multiplier: 1 }, 0);
  return fb;
}

// Planted example: buy 100 YES @ 0.40 on Polymarket (rate 0.04) and 100 NO @ 0.55 on Kalshi (quadratic).
//   Polymarket fee = 100 × 0.04 × 0.40 × 0.60          = 0.96 USDC      =   960_000 micros (exact at 5 dp)
//   Kalshi fee     = ceil_cent(0.07 × 100 × 0.55 × 0.45) = ceil(1.7325)   = 1.74 = 1_740_000 micros
//   cost           = 40.00 + 55.00 = 95.00; fees 2.70; capital locked 97.70 for 30 days at 5 %/yr:
//   97.70 × 0.05 × 30/365 = 0.401506849… → rounded up 401_507 micros
//   profit = 100 − 95 − 2.70 − 0.401507 = 1.898493 → 1_898_493 micros; per contract 0.01898493 → 18_984 (floor)
const planted = pairBooks(book('polymarket', [lv(0.40, 100)], [lv(0.70, 100)]), book('kalshi', [lv(0.35, 100)], [lv(0.55, 100)]));

describe('friction math', () => {
  it('planted example: exact fees, capital cost and net edge', () => {
    const fb = plantedFeeBook();
    const cand = depthCandidate(planted, 'aYes', { minMarginalEdgeMicros: 1, marginalFee: marginalFeeFromFeeBook(fb) })!;
    // marginal edge: 1 − 0.40 − 0.55 − 0.0096 − 0.017325 = 0.023075
    expect(cand.lastMarginalEdgeMicros).toBe(23_075);
    const c = frictionFor(cand, { feeBook: fb, capitalApr: '0.05' });
    expect(c.legFeesMicros).toEqual([960_000, 1_740_000]);
    expect(c.feesMicros).toBe(2_700_000);
    expect(c.capitalCostMicros).toBe(401_507);
    expect(c.payoutMicros).toBe(100_000_000);
    expect(c.profitMicros).toBe(1_898_493);
    expect(c.netEdgePerContractMicros).toBe(18_984);
    expect(c.schedules.map((s) => s.feeType)).toEqual(['polymarket', 'quadratic']);
  });

  it('capitalCost: exact, rounded up, zero when already resolved', () => {
    expect(capitalCost(1_000_000, '0.05', 0, YEAR_MS)).toBe(50_000);
    expect(capitalCost(1_000_000, '0.05', 0, 1)).toBe(1); // 1.58e-6 micros → 1
    expect(capitalCost(1_000_000, '0.05', 10, 5)).toBe(0);
    expect(capitalCost(97_700_000, '0.05', T0, T0 + 30 * DAY)).toBe(401_507);
    expect(() => capitalCost(1, '-0.1', 0, 1)).toThrow(/APR/);
  });

  it('throws a clear error when no schedule applies', () => {
    const cand = depthCandidate(planted, 'aYes', { minMarginalEdgeMicros: 1 })!;
    expect(() => frictionFor(cand, { feeBook: new FeeBook(), capitalApr: '0' })).toThrow(/no fee schedule for polymarket/);
  });
});

describe('fees at decision time (issue 12)', () => {
  // The Kalshi series halves its multiplier from time T; the books were stamped by the venue at T0.
  const withChange = (T: number): FeeBook => {
    const fb = plantedFeeBook();
    fb.add({ venue: 'kalshi', scope: 'series', scopeId: 'KXTEST', feeType: 'quadratic', multiplier: '0.5', validFrom: T, source: 'test' });
    return fb;
  };

  it('costs with the schedule valid at the decision time, not at the books\' venue time', () => {
    const T = T0 + 60_000;
    const fb = withChange(T);
    const cand = depthCandidate(planted, 'aYes', { minMarginalEdgeMicros: 1 })!;
    // decided before T: ×1, .07 × 100 × .55 × .45 = 1.7325 → 1.74; from T: ×.5, .86625 → .8663 → .87 (cent)
    expect(frictionFor(cand, { feeBook: fb, capitalApr: '0' }, T - 1).legFeesMicros).toEqual([960_000, 1_740_000]);
    expect(frictionFor(cand, { feeBook: fb, capitalApr: '0' }, T).legFeesMicros).toEqual([960_000, 870_000]);
    // books stamped after T but decided before it still pay the old fee
    const late = depthCandidate(pairBooks(book('polymarket', [lv(0.40, 100)], []), book('kalshi', [], [lv(0.55, 100)], T + 5_000)), 'aYes', { minMarginalEdgeMicros: 1 })!;
    expect(frictionFor(late, { feeBook: fb, capitalApr: '0' }, T - 1).legFeesMicros).toEqual([960_000, 1_740_000]);
  });

  it('a replay at time T uses the schedule valid at T (virtual time, marbles)', () => {
    // on the TestScheduler's virtual clock the change happens at frame 3; the same books at frames 1 and 5
    const fb = withChange(3);
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const out = cold('-p---p|', { p: planted }).pipe(
        vwap({ minMarginalEdgeMicros: 1, directions: ['aYes'], marginalFee: marginalFeeFromFeeBook(fb), capitalApr: '0.05', scheduler: ts }),
        friction({ feeBook: fb, capitalApr: '0.05', scheduler: ts }),
      );
      expectObservable(out).toBe('-x---y|', {
        x: expect.objectContaining({ legFeesMicros: [960_000, 1_740_000], tsCosted: 1 }),
        y: expect.objectContaining({ legFeesMicros: [960_000, 870_000], tsCosted: 5 }),
      });
    });
  });
});

describe('friction operator (marbles)', () => {
  const fb = plantedFeeBook();
  const cand = depthCandidate(planted, 'aYes', { minMarginalEdgeMicros: 1 })!;
  const unknown = { ...cand, legs: [{ ...cand.legs[0], venue: 'polymarket', marketId: '0x' + '00'.repeat(32) }, cand.legs[1]] } as typeof cand;

  it('maps candidates to costed candidates at scheduler time; drops the ones it cannot cost', () => {
    const drops: string[] = [];
    const cfg = { feeBook: fb, capitalApr: '0.05' };
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const src = cold('-a-b-a|', { a: cand, b: unknown });
      const out = src.pipe(friction({ ...cfg, onDrop: (r) => drops.push(r) }));
      // b: a Polymarket market the book does not know falls back to the no-fee default
      const z = frictionFor(unknown, cfg, 3);
      expect(z.legFeesMicros).toEqual([0, 1_740_000]);
      expectObservable(out).toBe('-x-z-y|', { x: frictionFor(cand, cfg, 1), z, y: frictionFor(cand, cfg, 5) });
      expectSubscriptions(src.subscriptions).toBe('^-----!');
    });
    expect(drops).toEqual([]);
    // a book with no Polymarket schedule at all: dropped, counted, the stream goes on
    const kalshiOnly = new FeeBook();
    kalshiOnly.add({ venue: 'kalshi', scope: 'default', scopeId: '*', feeType: 'quadratic', multiplier: '1', validFrom: 0 });
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-a|', { a: cand }).pipe(friction({ feeBook: kalshiOnly, capitalApr: '0', onDrop: (r) => drops.push(r) }))).toBe('----|');
    });
    expect(drops).toHaveLength(2);
    expect(drops[0]).toMatch(/no fee schedule for polymarket/);
  });

  it('empty, never, error, mid-stream error, unsubscribe', () => {
    const cfg = { feeBook: fb, capitalApr: '0.05' };
    newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      expectObservable(cold<DepthCandidate>('|').pipe(friction(cfg))).toBe('|');
      expectObservable(cold<DepthCandidate>('-').pipe(friction(cfg))).toBe('-');
      expectObservable(cold<DepthCandidate>('#').pipe(friction(cfg))).toBe('#');
      expectObservable(cold('-a-#', { a: cand }).pipe(friction(cfg))).toBe('-x-#', { x: frictionFor(cand, cfg, 1) });
      const src = cold('-a-a-a|', { a: cand });
      expectObservable(src.pipe(friction(cfg)), '^--!').toBe('-x-', { x: frictionFor(cand, cfg, 1) });
      expectSubscriptions(src.subscriptions).toBe('^--!');
    });
  });

  it('composes after vwap', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      const out = cold('-p|', { p: planted }).pipe(vwap({ minMarginalEdgeMicros: 1, directions: ['aYes'], marginalFee: marginalFeeFromFeeBook(fb) }), friction({ feeBook: fb, capitalApr: '0.05' }));
      expectObservable(out).toBe('-x|', { x: expect.objectContaining({ profitMicros: 1_898_493, sizeQty: C(100) }) });
    });
  });
});
