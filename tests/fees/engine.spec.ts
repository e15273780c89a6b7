/**
 * The fee engine (src/fees/engine.ts): one exhaustive switch from fee type to formula. Every known
 * fee type dispatches to its own venue formula; an unknown one is a compile error (and, for data
 * from outside, a FeeInputError at run time).
 */
import { describe, expect, it } from 'vitest';
import { feeFormula, legFee } from '../../src/fees/engine.js';
import { kalshiFeeExact, kalshiOrderFee } from '../../src/fees/kalshi.js';
import { polymarketEarly2026Fee, polymarketFee, polymarketFeeExact } from '../../src/fees/polymarket.js';
import { FeeInputError } from '../../src/fees/rational.js';
import { FeeBook, FeeType, type ResolvedFeeSchedule } from '../../src/fees/schedule.js';
import { KAL, lv, POLY, T0 } from './pairBooksFixture.js';
import { applyKalshiSeries } from '../../src/venues/kalshi/fees.js';
import { applyPolymarketMarket } from '../../src/venues/polymarket/fees.js';

/** Polymarket market with feeSchedule rate 0.04; Kalshi series quadratic ×1. */
function plantedFeeBook(): FeeBook {
  const fb = FeeBook.withDefaults();
  applyPolymarketMarket(fb, { conditionId: POLY, feesEnabled: true, feeSchedule: { rate: 0.04, exponent: 1, takerOnly: true, rebateRate: 0.25 } }, 0);
  fb.setMarketRef('kalshi', { marketId: KAL, seriesId: 'KXTEST', eventId: 'KXTEST-26' });
  applyKalshiSeries(fb, { ticker: 'KXTEST', fee_type: 'quadratic', fee_multiplier: 1 }, 0);
  return fb;
}

const schedule = (feeType: FeeType, over: Partial<ResolvedFeeSchedule> = {}): ResolvedFeeSchedule => ({
  venue: feeType.startsWith('polymarket') || feeType === 'none' ? 'polymarket' : 'kalshi',
  feeType, rate: '0.04', exponent: 1, takerOnly: true, rebateRate: '0.25', multiplier: '1', flatTakerPerContractMicros: 20_000, from: [], ...over,
});

describe('fee engine dispatch', () => {
  const fills = [lv(0.42, 10), lv(0.43, 5)];
  const ONE = 1_000_000;
  it('every known fee type dispatches to its own formula', () => {
    // FeeType.options is the whole list: a new type without a case does not compile (never check) and fails here
    for (const t of FeeType.options) expect(() => feeFormula(schedule(t))).not.toThrow();
    expect(FeeType.options).toEqual(['none', 'polymarket', 'polymarket_early_2026', 'quadratic', 'quadratic_with_maker_fees', 'flat']);

    expect(feeFormula(schedule('none')).orderFee(fills, {})).toBe(0);
    expect(feeFormula(schedule('none')).perContractExact(500_000).num).toBe(0n);

    const pm = schedule('polymarket');
    expect(feeFormula(pm).orderFee(fills, {})).toBe(fills.reduce((s, f) => s + polymarketFee('taker', f.price, f.qty, pm), 0));
    expect(feeFormula(pm).perContractExact(420_000)).toEqual(polymarketFeeExact(420_000, ONE, '0.04', 1));

    const early = schedule('polymarket_early_2026');
    expect(feeFormula(early).orderFee(fills, { side: 'buy' })).toBe(fills.reduce((s, f) => s + polymarketEarly2026Fee('buy', f.price, f.qty, early).feeMicros, 0));
    expect(feeFormula(early).orderFee(fills, { role: 'maker' })).toBe(0); // taker-only
    const shares = polymarketFeeExact(420_000, ONE, '0.04', 1);
    expect(feeFormula(early).perContractExact(420_000)).toEqual({ num: shares.num * 420_000n, den: shares.den * 1_000_000n });

    for (const t of ['quadratic', 'quadratic_with_maker_fees', 'flat'] as const) {
      const k = schedule(t);
      const params = { feeType: t, multiplier: '1', flatTakerPerContractMicros: 20_000 };
      expect(feeFormula(k).orderFee(fills, {})).toBe(kalshiOrderFee('taker', 'buy', fills, params).netFeeMicros);
      expect(feeFormula(k).orderFee(fills, { role: 'maker' })).toBe(kalshiOrderFee('maker', 'buy', fills, params).netFeeMicros);
      expect(feeFormula(k).perContractExact(420_000)).toEqual(kalshiFeeExact('taker', 420_000, ONE, params));
    }
    // the three Kalshi types really differ (no catch-all sending them to one formula)
    const k = ['quadratic', 'quadratic_with_maker_fees', 'flat'].map((t) => feeFormula(schedule(t as FeeType)).orderFee(fills, { role: 'maker' }));
    expect(k[0]).toBe(0);
    expect(k[1]).toBeGreaterThan(0);
  });

  it('an unknown fee type is a compile error, and a FeeInputError for data from outside', () => {
    // @ts-expect-error 'bogus' is not a FeeType: the engine's switch only takes known types
    const bad = schedule('bogus');
    expect(() => feeFormula(bad)).toThrow(FeeInputError);
    expect(() => feeFormula(bad)).toThrow(/unknown fee type bogus/);
  });
});

describe('legFee', () => {
  it('legFee: no-fee market, early era (shares on BUY), schedule/leg venue mismatch', () => {
    const fb = FeeBook.withDefaults();
    const leg = { venue: 'polymarket' as const, marketId: POLY, fills: [lv(0.5, 100)] };
    applyPolymarketMarket(fb, { conditionId: POLY, feesEnabled: false }, 0);
    expect(legFee(leg, fb.feeScheduleAt('polymarket', POLY, T0)!)).toBe(0);
    // a fee-enabled crypto market without schedule in Feb 2026: 100 × 0.25 × 0.0625 = 1.5625 shares × 0.5 = 0.78125
    applyPolymarketMarket(fb, { conditionId: POLY, feesEnabled: true, feeType: 'crypto_fees' }, 1);
    const feb = fb.feeScheduleAt('polymarket', POLY, Date.UTC(2026, 1, 10))!;
    expect(feb.feeType).toBe('polymarket_early_2026');
    expect(legFee(leg, feb)).toBe(781_250);
    // same market in June 2026: category table crypto 0.07 → 100 × 0.07 × 0.25 = 1.75
    expect(legFee(leg, fb.feeScheduleAt('polymarket', POLY, T0)!)).toBe(1_750_000);
    expect(() => legFee({ ...leg, venue: 'kalshi' }, feb)).toThrow(/schedule is for polymarket/);
  });

  it('legFee on Kalshi sums fills through the per-order accumulator; makers pay nothing on quadratic', () => {
    const s = plantedFeeBook().feeScheduleAt('kalshi', KAL, T0)!;
    const leg = { venue: 'kalshi' as const, marketId: KAL, fills: [lv(0.42, 10), lv(0.43, 5)] };
    expect(legFee(leg, s)).toBe(260_000); // 0.1706 + 0.0858 = 0.2564 on a 6.35 cost → 6.61 debited
    expect(legFee(leg, s, { role: 'maker' })).toBe(0);
  });

});
