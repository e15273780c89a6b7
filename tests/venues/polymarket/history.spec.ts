import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolymarketHistory, PricesHistoryWire, parseTradesPage, retryAfterMs, toPricePoints } from '../../../src/venues/polymarket/history.js';
import { startPolymarketSimulator, type PolySim } from '../../../src/venues/polymarket/simulator.js';
import { HISTORY_OUTAGE, polyTrades } from '../../../src/venues/polymarket/simulator/history.js';

const FIX = join(import.meta.dirname, '../../fixtures/polymarket');
const fixture = (f: string): unknown => JSON.parse(readFileSync(join(FIX, f), 'utf8'));

describe('Polymarket history wire (fixtures)', () => {
  it('prices-history → exact integer price points of one token', () => {
    const res = PricesHistoryWire.parse(fixture('rest_prices_history.synthetic.json'));
    const rows = toPricePoints(res, { conditionId: '0xc', tokenId: 'T', outcome: 'yes', fidelityS: 60 });
    expect(rows).toHaveLength(10);
    expect(rows[0]).toEqual({ venue: 'polymarket', marketId: '0xc', assetId: 'T', outcome: 'yes', fidelityS: 60, ts: 1_729_000_000_000, priceMicros: 510_000 });
    expect(rows.map((r) => r.priceMicros)).toEqual([510_000, 520_000, 530_000, 520_000, 510_000, 500_000, 510_000, 520_000, 530_000, 540_000]);
  });

  it('data-API trades → rows with exact micros, a stable digest key, outcome by index', () => {
    const { rows, rejected, size } = parseTradesPage(fixture('rest_data_api_trades.synthetic.json'));
    expect({ rejected, size }).toEqual({ rejected: 0, size: 2 });
    expect(rows[0]).toMatchObject({ venue: 'polymarket', outcome: 'yes', side: 'buy', priceMicros: 489_000, qty: 12_500_000, ts: 1_726_043_102_000, takerOutcome: null });
    expect(rows[1]).toMatchObject({ outcome: 'no', side: 'sell', priceMicros: 511_000, qty: 219_217_767 });
    expect(rows[0]!.tradeKey).toMatch(/^[0-9a-f]{40}$/);
    expect(rows[0]!.tradeKey).not.toBe(rows[1]!.tradeKey);
    expect(parseTradesPage(fixture('rest_data_api_trades.synthetic.json')).rows[0]!.tradeKey).toBe(rows[0]!.tradeKey);
  });

  it('a malformed trade is rejected and counted, the rest kept; a non-array page throws', () => {
    const raw = fixture('rest_data_api_trades.synthetic.json') as Record<string, unknown>[];
    const out = parseTradesPage([{ ...raw[0], price: 'x' }, raw[1]]);
    expect(out).toMatchObject({ rejected: 1, size: 2 });
    expect(out.rows).toHaveLength(1);
    expect(() => parseTradesPage({ error: 'nope' })).toThrow(/expected an array/);
  });

  it('Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 7_000)).toBe(3000);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });

  it('retries a 429 after the Retry-After it was given, then parses', async () => {
    const slept: number[] = [];
    let n = 0;
    const f = (async () => (n++ === 0 ? new Response('{"error":"slow down"}', { status: 429, headers: { 'retry-after': '3' } }) : new Response(JSON.stringify({ history: [{ t: 60, p: 0.5 }] })))) as typeof fetch;
    const h = new PolymarketHistory({ clobUrl: 'https://clob.test', fetch: f, sleep: async (ms) => void slept.push(ms) });
    const rows = await h.pricesHistory({ conditionId: 'c', tokenId: 't', outcome: 'no', startS: 0, endS: 120, fidelityMin: 1 });
    expect(rows).toEqual([{ venue: 'polymarket', marketId: 'c', assetId: 't', outcome: 'no', fidelityS: 60, ts: 60_000, priceMicros: 500_000 }]);
    expect(slept).toEqual([3000]);
    expect(h.stats).toEqual({ requests: 2, throttled: 1, retries: 1 });
  });

  it('a 4xx is not retried', async () => {
    const f = (async () => new Response('{"error":"invalid market"}', { status: 400 })) as typeof fetch;
    const h = new PolymarketHistory({ clobUrl: 'https://clob.test', fetch: f });
    await expect(h.pricesHistory({ conditionId: 'c', tokenId: 't', outcome: 'yes', startS: 0, endS: 60, fidelityMin: 1 })).rejects.toMatchObject({ kind: 'NonRetryable', info: { status: 400 } });
    expect(h.stats.requests).toBe(1);
  });
});

describe('Polymarket simulator history endpoints', () => {
  let sim: PolySim;
  let h: PolymarketHistory;
  const day = Date.UTC(2026, 0, 9) / 1000;
  beforeAll(async () => {
    sim = await startPolymarketSimulator({ seed: 3, marketCount: 2, baseTimeMs: Date.UTC(2026, 0, 10) });
    h = new PolymarketHistory({ clobUrl: sim.restUrl, dataUrl: sim.restUrl, pricesPerSec: 1000, tradesPerSec: 1000 });
  });
  afterAll(() => sim.stop());

  it('prices are the same however the window is sliced, and absent during the outage', async () => {
    const m = sim.markets[0]!;
    const q = (a: number, b: number) => h.pricesHistory({ conditionId: m.conditionId, tokenId: m.yesTokenId, outcome: 'yes', startS: a, endS: b, fidelityMin: 1 });
    const start = day + 11 * 3600;
    const whole = await q(start, start + 2 * 3600 - 1);
    const parts = [...(await q(start, start + 3600 - 1)), ...(await q(start + 3600, start + 2 * 3600 - 1))];
    expect(parts).toEqual(whole);
    expect(whole).toHaveLength(120 - 20);
    expect(whole.some((r) => r.ts >= (day + HISTORY_OUTAGE.startS) * 1000 && r.ts < (day + HISTORY_OUTAGE.endS) * 1000)).toBe(false);
    const no = await h.pricesHistory({ conditionId: m.conditionId, tokenId: m.noTokenId, outcome: 'no', startS: start, endS: start + 3599, fidelityMin: 1 });
    expect(no.map((r) => r.priceMicros)).toEqual(whole.slice(0, 60).map((r) => 1_000_000 - r.priceMicros));
  });

  it('data-API trades: offset pages newest first cover the window exactly once', async () => {
    const m = sim.markets[1]!;
    const startS = day + 9 * 3600;
    const endS = startS + 3600 - 1;
    const seen: string[] = [];
    for (let offset = 0; ; offset += 25) {
      const page = await h.tradesPage({ conditionId: m.conditionId, startS, endS, limit: 25, offset });
      seen.push(...page.rows.map((r) => r.tradeKey));
      if (page.size < 25) break;
    }
    const expected = polyTrades(m, startS, endS);
    expect(seen).toHaveLength(expected.length);
    expect(new Set(seen).size).toBe(seen.length);
    expect(expected.length).toBeGreaterThan(20);
  });

  it('offset beyond 10,000 is refused like the venue', async () => {
    await expect(h.tradesPage({ conditionId: sim.markets[0]!.conditionId, startS: day, endS: day + 60, limit: 10, offset: 10_001 })).rejects.toMatchObject({ info: { status: 400 } });
  });
});
