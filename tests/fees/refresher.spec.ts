/**
 * Refreshed fee schedules are valid from when they were fetched: a refresh never rewrites the
 * schedule a replay of an earlier session must see. The fake venues call the FeeBook exactly as
 * src/venues/{kalshi,polymarket}/index.ts do (what the venue says today, with validFrom 0).
 */
import { describe, expect, it } from 'vitest';
import type { Venue } from '../../schema/venue.js';
import { refreshFees, type VenueFeeSource } from '../../src/fees/refresher.js';
import { FeeBook } from '../../src/fees/schedule.js';
import type { MarketMeta } from '../../src/venues/venue.js';
import { applyKalshiSeries, applyKalshiSeriesFeeChange } from '../../src/venues/kalshi/fees.js';
import { applyPolymarketMarket } from '../../src/venues/polymarket/fees.js';

const KAL = 'KXTEST-26-T1';
const POLY = '0x' + 'ab'.repeat(32);
const meta = (venue: Venue, marketId: string): MarketMeta => ({ venue, marketId, feedRef: {}, ref: { marketId }, raw: {} });

/** venues whose current schedules are `kalshiMultiplier` (series KXTEST) and a Polymarket rate, as their refreshFees load them */
function venues(now: { kalshiMultiplier: number; polyRate: number }, announced?: { multiplier: number; atSeconds: number }): VenueFeeSource[] {
  return [
    {
      venue: 'kalshi', markets: [meta('kalshi', KAL)],
      rest: {
        refreshFees: async (fb, markets, o) => {
          for (const m of markets) fb.setMarketRef('kalshi', { marketId: m.marketId, seriesId: 'KXTEST' });
          applyKalshiSeries(fb, { ticker: 'KXTEST', fee_type: 'quadratic', fee_multiplier: now.kalshiMultiplier }, 0);
          if (o?.scheduled && announced) applyKalshiSeriesFeeChange(fb, { series_ticker: 'KXTEST', fee_type: 'quadratic', fee_multiplier: announced.multiplier, scheduled_ts: announced.atSeconds });
          return { markets: markets.length, scopes: 1, errors: 0 };
        },
      },
    },
    {
      venue: 'polymarket', markets: [meta('polymarket', POLY)],
      rest: {
        refreshFees: async (fb, markets) => {
          for (const m of markets) applyPolymarketMarket(fb, { conditionId: m.marketId, feesEnabled: true, feeSchedule: { rate: now.polyRate, exponent: 1, takerOnly: true, rebateRate: 0.25 } }, 0);
          return { markets: markets.length, scopes: 0, errors: 0 };
        },
      },
    },
  ];
}

describe('refreshFees: schedules valid from when they were fetched', () => {
  const T1 = Date.UTC(2026, 5, 1);
  const T2 = T1 + 3_600_000;

  it('a refresh at T stores what the venues say valid from T; an earlier time keeps the defaults', async () => {
    const fb = FeeBook.withDefaults();
    await refreshFees(fb, venues({ kalshiMultiplier: 0.5, polyRate: 0.03 }), T1);
    expect(fb.feeScheduleAt('kalshi', KAL, T1)).toMatchObject({ feeType: 'quadratic', multiplier: '0.5' });
    expect(fb.feeScheduleAt('polymarket', POLY, T1)).toMatchObject({ feeType: 'polymarket', rate: '0.03' });
    // before the fetch: what the book knew then (the built-in defaults), not the fetched schedule
    expect(fb.feeScheduleAt('kalshi', KAL, T1 - 1)).toMatchObject({ feeType: 'quadratic', multiplier: '1' });
    expect(fb.feeScheduleAt('polymarket', POLY, T1 - 1)?.from.map((f) => f.scope)).not.toContain('market');
    const stored = fb.all().filter((e) => e.scope === 'series' || e.scope === 'market');
    expect(stored.map((e) => [e.scope, e.validFrom])).toEqual([['series', T1], ['market', T1]]);
  });

  it('a later refresh with a changed schedule does not rewrite history: a replay at T1 still sees the old one', async () => {
    const fb = FeeBook.withDefaults();
    await refreshFees(fb, venues({ kalshiMultiplier: 0.5, polyRate: 0.03 }), T1);
    await refreshFees(fb, venues({ kalshiMultiplier: 0.75, polyRate: 0.04 }), T2);
    expect(fb.feeScheduleAt('kalshi', KAL, T1 + 1)).toMatchObject({ multiplier: '0.5' });
    expect(fb.feeScheduleAt('polymarket', POLY, T1 + 1)).toMatchObject({ rate: '0.03' });
    expect(fb.feeScheduleAt('kalshi', KAL, T2)).toMatchObject({ multiplier: '0.75' });
    expect(fb.feeScheduleAt('polymarket', POLY, T2)).toMatchObject({ rate: '0.04' });
  });

  it('an unchanged schedule is not stored again: it stays valid from when it was first fetched', async () => {
    const fb = FeeBook.withDefaults();
    await refreshFees(fb, venues({ kalshiMultiplier: 0.5, polyRate: 0.03 }), T1);
    const before = fb.all().length;
    await refreshFees(fb, venues({ kalshiMultiplier: 0.5, polyRate: 0.03 }), T2);
    expect(fb.all().length).toBe(before);
    expect(fb.feeScheduleAt('kalshi', KAL, T2)?.from.at(-1)).toMatchObject({ scope: 'series', validFrom: T1 });
  });

  it('announced changes keep their scheduled time; the fee book itself is untouched outside a refresh', async () => {
    const fb = FeeBook.withDefaults();
    const at = T2 + 86_400_000;
    await refreshFees(fb, venues({ kalshiMultiplier: 0.5, polyRate: 0.03 }, { multiplier: 2, atSeconds: at / 1000 }), T1, { scheduled: true });
    expect(fb.feeScheduleAt('kalshi', KAL, at - 1)).toMatchObject({ multiplier: '0.5' });
    expect(fb.feeScheduleAt('kalshi', KAL, at)).toMatchObject({ multiplier: '2' });
    // a direct call (DB load, tests) keeps the validFrom it is given
    applyKalshiSeries(fb, { ticker: 'KXOTHER', fee_type: 'flat', fee_multiplier: 1 }, 0);
    expect(fb.all().find((e) => e.scopeId === 'KXOTHER')?.validFrom).toBe(0);
  });

  it('fetchedAt is a view of the same book: reads and other writes go through', () => {
    const fb = FeeBook.withDefaults();
    const view = fb.fetchedAt(T1);
    view.setMarketRef('kalshi', { marketId: KAL, seriesId: 'KXTEST' });
    expect(fb.marketRef('kalshi', KAL)).toEqual({ marketId: KAL, seriesId: 'KXTEST' });
    expect(applyKalshiSeries(view, { ticker: 'KXTEST', fee_type: 'quadratic', fee_multiplier: 3 }, 0)).toBe(true);
    expect(view.feeScheduleAt('kalshi', KAL, T1)).toMatchObject({ multiplier: '3' });
    expect(fb.feeScheduleAt('kalshi', KAL, T1 - 1)).toMatchObject({ multiplier: '1' });
    // invalid input is still rejected and counted on the book
    expect(applyKalshiSeries(view, { ticker: 'X' }, 0)).toBe(false);
    expect(fb.rejected).toBe(1);
  });
});
