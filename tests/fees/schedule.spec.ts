import { describe, expect, it } from 'vitest';
import { FeeBook } from '../../src/fees/schedule.js';
import { fixture } from './helpers.js';
import { applyKalshiEventFeeUpdate, applyKalshiSeries, applyKalshiSeriesFeeChange } from '../../src/venues/kalshi/fees.js';
import { applyPolymarketMarket, POLYMARKET_ERAS } from '../../src/venues/polymarket/fees.js';

const EVT = 'KXBTCD-26MAY2018';
const MKT = 'KXBTCD-26MAY2018-T100000';

describe('FeeBook (Kalshi): event override > series > default', () => {
  const fb = FeeBook.withDefaults();
  fb.setMarketRef('kalshi', { marketId: MKT, eventId: EVT, seriesId: 'KXBTCD' });
  applyKalshiSeries(fb, { ticker: 'KXBTCD', fee_type: 'quadratic_with_maker_fees', fee_multiplier: 1 }, 1_000);
  applyKalshiSeriesFeeChange(fb, { series_ticker: 'KXBTCD', fee_type: 'quadratic_with_maker_fees', fee_multiplier: 0.5, scheduled_ts: 5 }); // 5 s = 5000 ms
  const [set, cleared] = fixture<{ msg: unknown }[]>('kalshi/docs/ws_event_fee_update.json');
  applyKalshiEventFeeUpdate(fb, set!.msg, 10_000);
  applyKalshiEventFeeUpdate(fb, cleared!.msg, 20_000);

  it('default before the series is known', () => {
    expect(fb.feeScheduleAt('kalshi', MKT, 500)).toMatchObject({ feeType: 'quadratic', multiplier: '1' });
  });
  it('series, then its scheduled fee change', () => {
    expect(fb.feeScheduleAt('kalshi', MKT, 2_000)).toMatchObject({ feeType: 'quadratic_with_maker_fees', multiplier: '1' });
    expect(fb.feeScheduleAt('kalshi', MKT, 6_000)).toMatchObject({ feeType: 'quadratic_with_maker_fees', multiplier: '0.5' });
  });
  it('event override while set; cleared (nulls) → back to the series', () => {
    const during = fb.feeScheduleAt('kalshi', MKT, 15_000)!;
    expect(during).toMatchObject({ feeType: 'quadratic', multiplier: '1' });
    expect(during.from.map((f) => f.scope)).toEqual(['default', 'series', 'event']);
    expect(fb.feeScheduleAt('kalshi', MKT, 25_000)).toMatchObject({ feeType: 'quadratic_with_maker_fees', multiplier: '0.5' });
    // a backtest before the override still sees the series
    expect(fb.feeScheduleAt('kalshi', { marketId: 'OTHER', seriesId: 'KXBTCD' }, 12_000)).toMatchObject({ feeType: 'quadratic_with_maker_fees' });
  });
  it('rejects malformed updates, counts them, keeps the book', () => {
    const before = fb.rejected;
    expect(applyKalshiEventFeeUpdate(fb, { event_ticker: EVT, fee_type_override: 'bogus', fee_multiplier_override: 1 }, 30_000)).toBe(false);
    expect(applyKalshiSeries(fb, { ticker: 'X' }, 0)).toBe(false);
    expect(fb.rejected).toBe(before + 2);
    expect(fb.feeScheduleAt('kalshi', MKT, 30_000)).toMatchObject({ feeType: 'quadratic_with_maker_fees', multiplier: '0.5' });
  });
  it('add() validates entries', () => {
    expect(() => fb.add({ venue: 'kalshi', scope: 'series', scopeId: 'X', validFrom: 10, validTo: 5 })).toThrow(/validTo/);
    expect(() => fb.add({ venue: 'kalshi', scope: 'planet' as 'series', scopeId: 'X', validFrom: 0 })).toThrow(/invalid fee schedule entry/);
  });
});

describe('FeeBook (Polymarket): market > category, by era', () => {
  const sports = fixture<{ conditionId: string }[] | { conditionId: string }>('polymarket/rest_gamma_market_sports_fee_schedule.json');
  const sportsMarket = Array.isArray(sports) ? sports[0]! : sports;
  const crypto = fixture<{ conditionId: string } | { conditionId: string }[]>('polymarket/rest_gamma_market_crypto_fees.json');
  const cryptoMarket = Array.isArray(crypto) ? crypto[0]! : crypto;
  const closed = fixture<{ conditionId: string }>('polymarket/rest_gamma_market_closed_resolved.json');
  const fb = FeeBook.withDefaults();
  applyPolymarketMarket(fb, sportsMarket, 0);
  applyPolymarketMarket(fb, cryptoMarket, 0);
  applyPolymarketMarket(fb, closed, 0);
  const june = Date.UTC(2026, 5, 1);

  it("a market's own feeSchedule wins (sports fixture: 0.03 / 25 %)", () => {
    expect(fb.feeScheduleAt('polymarket', sportsMarket.conditionId, june)).toMatchObject({ feeType: 'polymarket', rate: '0.03', exponent: 1, takerOnly: true, rebateRate: '0.25' });
  });
  it('fee-enabled without schedule (crypto fixture) → category table of the era', () => {
    expect(fb.feeScheduleAt('polymarket', cryptoMarket.conditionId, Date.UTC(2026, 2, 11))).toMatchObject({ feeType: 'polymarket_early_2026', rate: '0.25', exponent: 2 });
    expect(fb.feeScheduleAt('polymarket', cryptoMarket.conditionId, june)).toMatchObject({ feeType: 'polymarket', rate: '0.07', exponent: 1, rebateRate: '0.2' });
    expect(fb.feeScheduleAt('polymarket', cryptoMarket.conditionId, Date.UTC(2025, 5, 1))).toMatchObject({ feeType: 'none' });
  });
  it('feesEnabled:false → no fee', () => {
    expect(fb.feeScheduleAt('polymarket', closed.conditionId, june)).toMatchObject({ feeType: 'none' });
  });
  it('category fallback by ref; Geopolitics is free; sports early era only from 2026-02-18', () => {
    expect(fb.feeScheduleAt('polymarket', { marketId: '0x1', category: 'politics' }, june)).toMatchObject({ rate: '0.04' });
    expect(fb.feeScheduleAt('polymarket', { marketId: '0x1', category: 'Geopolitics' }, june)).toMatchObject({ feeType: 'none' });
    expect(fb.feeScheduleAt('polymarket', { marketId: '0x1', category: 'Sports' }, POLYMARKET_ERAS.sportsEarlyFrom - 1)).toMatchObject({ feeType: 'none' });
    expect(fb.feeScheduleAt('polymarket', { marketId: '0x1', category: 'Sports' }, POLYMARKET_ERAS.sportsEarlyFrom)).toMatchObject({ feeType: 'polymarket_early_2026', rate: '0.0175' });
  });
  it('an empty book has no schedule', () => {
    expect(new FeeBook().feeScheduleAt('polymarket', '0x1', june)).toBeUndefined();
  });
});
