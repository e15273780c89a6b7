import { describe, expect, it } from 'vitest';
import { realizedArb } from '../../src/fees/realized.js';
import { FeeBook } from '../../src/fees/schedule.js';
import { applyKalshiSeries } from '../../src/venues/kalshi/fees.js';
import { applyPolymarketMarket } from '../../src/venues/polymarket/fees.js';

const POLY = '0x' + 'ab'.repeat(32);
const fb = FeeBook.withDefaults();
applyPolymarketMarket(fb, { conditionId: POLY, feesEnabled: true, feeSchedule: { rate: 0.04, exponent: 1, takerOnly: true, rebateRate: 0.25 } }, 0);
fb.setMarketRef('kalshi', { marketId: 'KX-1', seriesId: 'KX' });
applyKalshiSeries(fb, { ticker: 'KX', fee_type: 'quadratic', fee_multiplier: 1 }, 0);
const T = Date.UTC(2026, 5, 1);

describe('realizedArb', () => {
  it('uses the actual fill prices and sizes, not the estimate', () => {
    // estimated 100 @ .40 + 100 @ .55; actually filled 100 @ .41 and 60 @ .55 + 40 @ .56
    const r = realizedArb(
      [{ venue: 'polymarket', marketId: POLY, price: 410_000, qty: 100_000_000, ts: T }],
      [{ venue: 'kalshi', marketId: 'KX-1', price: 550_000, qty: 60_000_000, ts: T }, { venue: 'kalshi', marketId: 'KX-1', price: 560_000, qty: 40_000_000, ts: T }],
      fb,
    );
    // poly fee 100 × .04 × .41 × .59 = .9676; kalshi per order: .07×60×.55×.45 = 1.03950 → 1.0395,
    // .07×40×.56×.44 = .68992 → .6900; balances 34.0395 → 34.04 (.0005) and 23.09 → 23.09 (.0000) → 1.73
    expect(r).toEqual({ hedgedQty: 100_000_000, unhedged: null, costMicros: 41_000_000 + 33_000_000 + 22_400_000, feesMicros: 967_600 + 1_730_000, profitMicros: 100_000_000 - 96_400_000 - 2_697_600 });
  });

  it('takes the venue-reported fee when the fills carry it, and reports an unhedged remainder', () => {
    const r = realizedArb(
      [{ venue: 'polymarket', marketId: POLY, price: 400_000, qty: 100_000_000, ts: T }],
      [{ venue: 'kalshi', marketId: 'KX-1', price: 550_000, qty: 80_000_000, ts: T, venueFeeMicros: 1_390_000 }],
      fb,
    );
    expect(r.feesMicros).toBe(960_000 + 1_390_000);
    expect(r.hedgedQty).toBe(80_000_000);
    expect(r.unhedged).toEqual({ venue: 'polymarket', qty: 20_000_000 });
    expect(r.profitMicros).toBe(80_000_000 - 40_000_000 - 44_000_000 - 2_350_000);
  });
});
