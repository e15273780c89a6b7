import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { NEVER, from, lastValueFrom, toArray } from 'rxjs';
import { edge, edgeId, toEdge } from '../../operators/edge.js';
import { depthCandidate, vwap } from '../../operators/vwap.js';
import { friction, frictionFor, marginalFeeFromFeeBook } from '../../operators/friction.js';
import { FeeBook } from '../../src/fees/schedule.js';
import { book, KAL, lv, pair, pairBooks, POLY, T0 } from '../fees/pairBooksFixture.js';
import { applyKalshiSeries } from '../../src/venues/kalshi/fees.js';
import { applyPolymarketMarket } from '../../src/venues/polymarket/fees.js';

function feeBook(): FeeBook {
  const fb = FeeBook.withDefaults();
  applyPolymarketMarket(fb, { conditionId: POLY, feesEnabled: true, feeSchedule: { rate: 0.04, exponent: 1, takerOnly: true, rebateRate: 0.25 } }, 0);
  fb.setMarketRef('kalshi', { marketId: KAL, seriesId: 'KXTEST', eventId: 'KXTEST-26' });
  applyKalshiSeries(fb, { ticker: 'KXTEST', fee_type: 'quadratic', fee_multiplier: 1 }, 0);
  return fb;
}
const fb = feeBook();
const marginalFee = marginalFeeFromFeeBook(fb);
// planted: YES @0.40 on Polymarket + NO @0.55 on Kalshi, 100 deep (friction.spec.ts works the numbers by hand)
const planted = pairBooks(book('polymarket', [lv(0.4, 100)], [lv(0.7, 100)]), book('kalshi', [lv(0.35, 100)], [lv(0.55, 100)]));
// lookalike: YES @0.48 + NO @0.505 = 0.985 < 1 (gross +1.5¢) but fees 0.04·.48·.52 + 0.07·.505·.495 ≈ 2.7¢ eat it
const lookalike = pairBooks(book('polymarket', [lv(0.48, 100)], [lv(0.6, 100)]), book('kalshi', [lv(0.45, 100)], [lv(0.505, 100)]));
const costed = (pb: typeof planted, minEdge = 1) => {
  const c = depthCandidate(pb, 'aYes', { minMarginalEdgeMicros: minEdge, marginalFee });
  return c && frictionFor(c, { feeBook: fb, capitalApr: '0.05' }, T0);
};

describe('edge', () => {
  it('turns a costed candidate into an Edge with exact size, fees and net edge', () => {
    const e = toEdge(costed(planted)!);
    expect(e).toMatchObject({
      pairId: 'pair-1', direction: 'aYes', sizeQty: 100_000_000, feesMicros: 2_700_000, capitalCostMicros: 401_507,
      profitMicros: 1_898_493, netEdgePerContractMicros: 18_984, payoutMicros: 100_000_000, oldestBookTsReceived: T0, tsDetected: T0,
    });
    expect(e.legs.map((l) => [l.venue, l.outcome, l.vwapMicros, l.costMicros, l.feeMicros])).toEqual([
      ['polymarket', 'yes', 400_000, 40_000_000, 960_000],
      ['kalshi', 'no', 550_000, 55_000_000, 1_740_000],
    ]);
    expect(e.edgeId).toBe(edgeId(costed(planted)!));
  });

  it('the full chain finds the planted edge and nothing where fees eat the spread', async () => {
    const unprofitable: string[] = [];
    const out = await lastValueFrom(
      from([planted, lookalike]).pipe(
        vwap({ minMarginalEdgeMicros: 0, marginalFee }),
        friction({ feeBook: fb, capitalApr: '0.05' }),
        edge({ onUnprofitable: (c) => unprofitable.push(`${c.pairId}:${c.direction}`) }),
        toArray(),
      ),
    );
    expect(out.map((e) => [e.direction, e.sizeQty, e.netEdgePerContractMicros])).toEqual([['aYes', 100_000_000, 18_984]]);
    expect(unprofitable).toEqual([]); // the lookalike already fails the marginal test in vwap: no size clears fees
    // with fees ignored in sizing, the lookalike is sized but edge() drops it after exact fees
    const sizedWithoutFees = depthCandidate(lookalike, 'aYes', { minMarginalEdgeMicros: 1 })!;
    expect(sizedWithoutFees.grossEdgeMicros).toBe(1_500_000);
    const dropped: number[] = [];
    const kept = await lastValueFrom(from([frictionFor(sizedWithoutFees, { feeBook: fb, capitalApr: '0.05' })]).pipe(edge({ onUnprofitable: (c) => dropped.push(c.profitMicros) }), toArray()));
    expect(kept).toEqual([]);
    expect(dropped[0]).toBeLessThan(0);
  });

  it('respects pairs whose YES maps to the other venue\'s NO', async () => {
    const flipped = { ...pair, yesMapsToNo: true };
    // Polymarket YES ≡ Kalshi NO, so the complement of Poly YES is Kalshi YES (ask 0.55 here)
    const pb = pairBooks(book('polymarket', [lv(0.4, 100)], [lv(0.7, 100)]), book('kalshi', [lv(0.55, 100)], [lv(0.35, 100)]), flipped);
    const out = await lastValueFrom(from([pb]).pipe(vwap({ minMarginalEdgeMicros: 1, marginalFee }), friction({ feeBook: fb, capitalApr: '0.05' }), edge(), toArray()));
    expect(out).toHaveLength(1);
    expect(out[0]!.legs[1]).toMatchObject({ venue: 'kalshi', outcome: 'yes', vwapMicros: 550_000 });
    expect(out[0]!.netEdgePerContractMicros).toBe(18_984);
  });

  it('marbles: keeps profitable candidates only; empty, never, error, unsubscribe', () => {
    const good = costed(planted)!;
    const bad = { ...good, profitMicros: -5, netEdgePerContractMicros: -1 };
    const ts = new TestScheduler((a, e) => expect(a).toEqual(e));
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const src = cold('-a-b-a|', { a: good, b: bad });
      expectObservable(src.pipe(edge())).toBe('-x---x|', { x: toEdge(good) });
      expectSubscriptions(src.subscriptions).toBe('^-----!');
      expectObservable(cold<never>('|').pipe(edge())).toBe('|');
      expectObservable(NEVER.pipe(edge())).toBe('-');
      expectObservable(cold<never>('#').pipe(edge())).toBe('#');
      expectObservable(cold('-a#', { a: good }).pipe(edge())).toBe('-x#', { x: toEdge(good) });
      const s2 = cold('-a--a', { a: good });
      expectObservable(s2.pipe(edge()), '^--!').toBe('-x-', { x: toEdge(good) });
      expectSubscriptions(s2.subscriptions).toBe('^--!');
      // a higher minimum filters the planted edge (18_984 < 20_000)
      expectObservable(cold('-a|', { a: good }).pipe(edge({ minNetEdgePerContractMicros: 20_000 }))).toBe('--|');
    });
  });
});
