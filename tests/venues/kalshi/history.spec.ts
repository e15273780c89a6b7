import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HistoryCandlesResponse, HistoryTradesResponse, KalshiHistory, toCandleRows, toTradeRows } from '../../../src/venues/kalshi/history.js';
import { KalshiRest } from '../../../src/venues/kalshi/rest.js';
import { startKalshiSimulator, type KalshiSim } from '../../../src/venues/kalshi/simulator.js';
import { HISTORY_OUTAGE, kalshiHistTrades } from '../../../src/venues/kalshi/simulator/history.js';

const FIX = join(import.meta.dirname, '../../fixtures/kalshi');
const fixture = (f: string): unknown => JSON.parse(readFileSync(join(FIX, f), 'utf8'));

describe('Kalshi history wire (fixtures)', () => {
  it('candlesticks in the historical naming → an exact candle row', () => {
    const rows = toCandleRows(HistoryCandlesResponse.parse(fixture('rest_candlesticks.synthetic.json')), 'KXBTC-25MAR15-B100000', 3600);
    expect(rows).toEqual([{
      venue: 'kalshi', marketId: 'KXBTC-25MAR15-B100000', periodS: 3600, ts: 1_741_046_400_000,
      bid: { open: 410_000, high: 450_000, low: 390_000, close: 420_000 },
      ask: { open: 440_000, high: 480_000, low: 420_000, close: 450_000 },
      price: { open: 410_000, high: 450_000, low: 390_000, close: 420_000 },
      priceMean: 415_000, pricePrev: 400_000, volumeQty: 1_250_000_000, openInterestQty: 50_000_000_000,
    }]);
  });

  it('candlesticks in the live naming, with a period without trades', () => {
    const raw = {
      ticker: 'T', candlesticks: [{
        end_period_ts: 60, yes_bid: { open_dollars: '0.1000', low_dollars: '0.0900', high_dollars: '0.1100', close_dollars: '0.1000' },
        yes_ask: { open_dollars: '0.1200', low_dollars: '0.1100', high_dollars: '0.1300', close_dollars: '0.1200' },
        price: { open_dollars: null, low_dollars: null, high_dollars: null, close_dollars: null, mean_dollars: null, previous_dollars: '0.1050' },
        volume_fp: '0.00', open_interest_fp: '12.50',
      }],
    };
    const [c] = toCandleRows(HistoryCandlesResponse.parse(raw), 'T', 60);
    expect(c).toMatchObject({ ts: 60_000, bid: { open: 100_000, low: 90_000 }, price: { open: null, close: null }, priceMean: null, pricePrev: 105_000, volumeQty: 0, openInterestQty: 12_500_000 });
  });

  it('a candle with a price above $1 is refused', () => {
    expect(HistoryCandlesResponse.safeParse({ candlesticks: [{ end_period_ts: 1, yes_bid: { open_dollars: '1.5000' } }] }).success).toBe(false);
  });

  it('trades → rows at the YES price with the taker outcome; the empty cursor ends paging', () => {
    const res = HistoryTradesResponse.parse(fixture('rest_trades.synthetic.json'));
    expect(res.cursor).toBe('');
    expect(toTradeRows(res)).toEqual({
      rows: [{
        venue: 'kalshi', marketId: 'KXBTC-25MAR15-B100000', tradeKey: 'd91bc706-ee49-470d-82d8-11418bda6fed', assetId: null, outcome: 'yes',
        ts: Date.parse('2025-03-01T18:44:01Z'), priceMicros: 360_000, qty: 136_000_000, side: null, takerOutcome: 'no', txHash: null,
      }],
      rejected: [],
    });
  });

  it('a trade without a price is rejected by id, not stored', () => {
    const res = HistoryTradesResponse.parse({ trades: [{ trade_id: 'x', ticker: 'T', count_fp: '1.00', created_time: '2025-03-01T00:00:00Z' }], cursor: null });
    expect(toTradeRows(res)).toEqual({ rows: [], rejected: ['x'] });
  });
});

describe('Kalshi simulator history endpoints', () => {
  let sim: KalshiSim;
  let h: KalshiHistory;
  const day = Date.UTC(2026, 0, 9) / 1000;
  beforeAll(async () => {
    sim = await startKalshiSimulator({ seed: 4, marketCount: 2, baseTimeMs: Date.UTC(2026, 0, 10) });
    h = new KalshiHistory(new KalshiRest({ baseUrl: sim.restUrl, ratePerSec: 1000 }));
  });
  afterAll(() => sim.stop());

  it('1-minute candles: one per minute, none whose minute is in the outage; bid < ask', async () => {
    const m = sim.markets[0]!;
    const start = day + 11 * 3600;
    const rows = await h.candles(m.seriesTicker, m.ticker, start + 1, start + 2 * 3600, 1);
    expect(rows).toHaveLength(120 - 20);
    const outage = rows.filter((r) => r.ts > (day + HISTORY_OUTAGE.startS) * 1000 && r.ts <= (day + HISTORY_OUTAGE.endS) * 1000);
    expect(outage).toEqual([]);
    for (const r of rows) expect(r.bid.close! < r.ask.close!).toBe(true);
    // the same minute asked again alone gives the same candle
    const again = await h.candles(m.seriesTicker, m.ticker, rows[5]!.ts / 1000, rows[5]!.ts / 1000, 1);
    expect(again).toEqual([rows[5]]);
  });

  it('trades: cursor pages, newest first, cover the window exactly once', async () => {
    const m = sim.markets[1]!;
    const minS = day + 8 * 3600;
    const maxS = minS + 3600 - 1;
    const ids: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const p = await h.tradesPage({ ticker: m.ticker, minS, maxS, limit: 20, ...(cursor ? { cursor } : {}) });
      ids.push(...p.rows.map((r) => r.tradeKey));
      cursor = p.cursor || undefined;
      pages++;
    } while (cursor);
    const expected = kalshiHistTrades(4, m.ticker, minS * 1000, maxS * 1000, Date.UTC(2026, 0, 10));
    expect(ids.sort()).toEqual(expected.map((t) => t.trade_id).sort());
    expect(pages).toBeGreaterThan(1);
  });
});
