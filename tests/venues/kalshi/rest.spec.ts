import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KalshiRest, TokenBucket, kalshiStatus, toMarketRecord } from '../../../src/venues/kalshi/rest.js';
import { startKalshiSimulator } from '../../../src/venues/kalshi/simulator.js';

const FIX = join(import.meta.dirname, '../../fixtures/kalshi');
const fixture = (f: string) => readFileSync(join(FIX, f), 'utf8');

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A fetch that answers from a route table, recording the requests. */
function fakeFetch(routes: Record<string, () => Response>) {
  const calls: { url: string; headers: Record<string, string> }[] = [];
  const f = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    calls.push({ url, headers: (init?.headers ?? {}) as Record<string, string> });
    const path = new URL(url).pathname.replace('/trade-api/v2', '');
    const route = routes[path];
    return route ? route() : new Response('{"error":"nf"}', { status: 404 });
  }) as typeof fetch;
  return { f, calls };
}
const json = (body: string, status = 200, headers: Record<string, string> = {}) => () => new Response(body, { status, headers: { 'content-type': 'application/json', ...headers } });

describe('KalshiRest on the recorded/synthetic REST fixtures', () => {
  const series = JSON.stringify({ series: { ticker: 'KXBTC', title: 'Bitcoin', category: 'Crypto', fee_type: 'quadratic', fee_multiplier: 1, settlement_sources: [{ name: 'CF Benchmarks', url: 'https://x' }] } });
  const event = JSON.stringify({ event: { event_ticker: 'KXBTC-25MAR15', series_ticker: 'KXBTC', title: 'BTC on Mar 15' } });

  it('markets: normalized record joined with event and series (fees, category)', async () => {
    const { f } = fakeFetch({ '/markets': json(fixture('rest_markets.synthetic.json')), '/events/KXBTC-25MAR15': json(event), '/series/KXBTC': json(series) });
    const rest = new KalshiRest({ baseUrl: 'https://k.test/trade-api/v2', fetch: f });
    const { markets, cursor } = await rest.getMarkets({ status: 'open' });
    expect(cursor).toBe('');
    expect(markets).toHaveLength(1);
    const { raw, ...m } = markets[0]!;
    expect(raw).toMatchObject({ ticker: 'KXBTC-25MAR15-B100000' });
    expect(m).toEqual({
      ticker: 'KXBTC-25MAR15-B100000', eventTicker: 'KXBTC-25MAR15', seriesTicker: 'KXBTC',
      title: 'Will Bitcoin exceed $100,000 by March 15?', yesSubTitle: 'Yes', noSubTitle: 'No',
      rulesPrimary: 'Resolves Yes if BTC/USD spot price exceeds $100,000 at market close.', rulesSecondary: '',
      openTime: Date.parse('2025-03-01T00:00:00Z'), closeTime: Date.parse('2025-03-15T23:59:59Z'), expectedExpirationTime: Date.parse('2025-03-15T23:59:59Z'),
      status: 'active', strikeType: null, floorStrike: null, capStrike: null, priceLevelStructure: null, fractionalTradingEnabled: false,
      category: 'Crypto', settlementSources: [{ name: 'CF Benchmarks', url: 'https://x' }], feeType: 'quadratic', feeMultiplier: 1,
    });
  });

  it('orderbook → snapshot BookEvent (bids best first, implied asks)', async () => {
    const { f } = fakeFetch({ '/markets/M/orderbook': json(fixture('rest_orderbook.synthetic.json')) });
    const rest = new KalshiRest({ baseUrl: 'https://k.test/trade-api/v2', fetch: f, now: () => 1234 });
    expect(await rest.getOrderbook('M')).toEqual({
      kind: 'snapshot', venue: 'kalshi', marketId: 'M', tsVenue: 1234, tsReceived: 1234, impliedAsks: true,
      ladders: { yesBid: [{ price: 420_000, qty: 13_000_000 }, { price: 350_000, qty: 200_000_000 }], noBid: [{ price: 560_000, qty: 17_000_000 }, { price: 540_000, qty: 400_000_000 }] },
    });
  });

  it('trades and (historical-named) candlesticks parse to exact integers', async () => {
    const { f } = fakeFetch({ '/markets/trades': json(fixture('rest_trades.synthetic.json')), '/series/S/markets/M/candlesticks': json(fixture('rest_candlesticks.synthetic.json')) });
    const rest = new KalshiRest({ baseUrl: 'https://k.test/trade-api/v2', fetch: f });
    const { trades } = await rest.getTrades({ ticker: 'KXBTC-25MAR15-B100000' });
    expect(trades).toEqual([{ tradeId: 'd91bc706-ee49-470d-82d8-11418bda6fed', ticker: 'KXBTC-25MAR15-B100000', yesPrice: 360_000, count: 136_000_000, takerSide: 'no', createdTime: Date.parse('2025-03-01T18:44:01Z') }]);
    const [c] = await rest.getCandlesticks('S', 'M', 0, 1, 60);
    expect(c).toEqual({ endPeriodTs: 1_741_046_400_000, yesBid: { open: 410_000, low: 390_000, high: 450_000, close: 420_000 }, yesAsk: { open: 440_000, low: 420_000, high: 480_000, close: 450_000 }, price: { open: 410_000, low: 390_000, high: 450_000, close: 420_000 }, volume: 1_250_000_000, openInterest: 50_000_000_000 });
  });

  it('429 is retried with backoff (Retry-After honoured); 4xx is a clear non-retryable error; bad JSON shape is rejected', async () => {
    let n = 0;
    const sleeps: number[] = [];
    const { f } = fakeFetch({
      '/series/KXBTC': () => (++n <= 2 ? json('{"error":"slow down"}', 429, { 'retry-after': '1' })() : json(series)()),
      '/series/NOPE': json('{"error":{"code":"not_found"}}', 404),
      '/series/BAD': json('{"series":{"ticker":7}}'),
    });
    const rest = new KalshiRest({ baseUrl: 'https://k.test/trade-api/v2', fetch: f, sleep: async (ms) => void sleeps.push(ms) });
    expect((await rest.getSeries('KXBTC')).feeMultiplier).toBe(1);
    expect(rest.stats).toMatchObject({ throttled: 2, retries: 2 });
    expect(sleeps).toEqual([1000, 1000]);
    await expect(rest.getSeries('NOPE')).rejects.toMatchObject({ kind: 'NonRetryable', info: { status: 404 } });
    await expect(rest.getSeries('BAD')).rejects.toThrow(/unexpected response/);
  });

  it('gives up after maxRetries with a retryable error', async () => {
    const { f, calls } = fakeFetch({ '/series/X': json('{}', 503) });
    const rest = new KalshiRest({ baseUrl: 'https://k.test/trade-api/v2', fetch: f, maxRetries: 2, sleep: async () => undefined });
    await expect(rest.getSeries('X')).rejects.toMatchObject({ kind: 'Retryable' });
    expect(calls).toHaveLength(3);
  });
});

describe('TokenBucket', () => {
  it('lets `burst` through, then paces at ratePerSec on the injected clock', async () => {
    let t = 0;
    const waits: number[] = [];
    const b = new TokenBucket(20, 5, () => t, async (ms) => {
      waits.push(ms);
      t += ms;
    });
    for (let i = 0; i < 5; i++) await b.take();
    expect(waits).toEqual([]);
    for (let i = 0; i < 20; i++) await b.take();
    expect(waits.every((w) => w === 50)).toBe(true);
    expect(t).toBe(1000);
  });
});

describe('KalshiRest against the simulator', () => {
  it('pages markets with the cursor, signs requests, joins series fees; orderbook equals the venue book', async () => {
    const sim = await startKalshiSimulator({ seed: 5, marketCount: 23 });
    cleanups.push(() => sim.stop());
    const rest = new KalshiRest({ baseUrl: sim.restUrl, auth: sim.auth!, ratePerSec: 1000 });
    const pages: number[] = [];
    let cursor: string | undefined;
    do {
      const p = await rest.getMarkets({ status: 'open', limit: 5, cursor });
      pages.push(p.markets.length);
      cursor = p.cursor || undefined;
    } while (cursor);
    expect(pages).toEqual([5, 5, 5, 5, 3]);
    const all = await rest.listMarkets({ limit: 7 });
    expect(all.map((m) => m.ticker)).toEqual(sim.markets.map((m) => m.ticker));
    for (const m of all) {
      const spec = sim.markets.find((x) => x.ticker === m.ticker)!;
      const s = sim.series.find((x) => x.ticker === spec.seriesTicker)!;
      expect(m).toMatchObject({ seriesTicker: s.ticker, feeType: s.feeType, feeMultiplier: s.feeMultiplier, category: s.category, rulesPrimary: spec.rulesPrimary, closeTime: Date.parse(spec.closeTime) });
      expect(m.rulesPrimary.length).toBeGreaterThan(20);
    }
    expect(sim.stats.restRejected).toBe(0);
    const rec = toMarketRecord(all[0]!);
    const spec0 = sim.markets[0]!;
    expect(rec).toMatchObject({
      venue: 'kalshi', marketId: spec0.ticker, eventId: spec0.eventTicker, seriesId: spec0.seriesTicker, rulesText: spec0.rulesPrimary,
      status: 'open', tickSizeMicros: 10_000, closeTime: Date.parse(spec0.closeTime), thresholds: [{ value: spec0.floorStrike, comparator: '>' }],
      feeInfo: { feeType: all[0]!.feeType, feeMultiplier: 1 },
    });
    expect(['initialized', 'active', 'inactive', 'finalized', 'weird'].map(kalshiStatus)).toEqual(['unopened', 'open', 'paused', 'resolved', 'closed']);
    const t = sim.markets[0]!.ticker;
    const ob = await rest.getOrderbook(t);
    expect(ob.ladders).toEqual(sim.book(t));
    const fc = await rest.getSeriesFeeChanges(sim.series[0]!.ticker);
    expect(fc).toEqual([expect.objectContaining({ seriesTicker: sim.series[0]!.ticker, feeType: sim.series[0]!.feeType })]);
    const candles = await rest.getCandlesticks(sim.markets[0]!.seriesTicker, t, 1_700_000_000, 1_700_000_000 + 3600 * 5, 60);
    expect(candles).toHaveLength(5);
    for (const c of candles) expect(c.price!.low!).toBeLessThanOrEqual(c.price!.high!);
  });

  it('recovers from simulated 429s; a wrong key is refused with 401', async () => {
    const sim = await startKalshiSimulator({ seed: 5, marketCount: 2 });
    cleanups.push(() => sim.stop());
    sim.failRest(2);
    const rest = new KalshiRest({ baseUrl: sim.restUrl, ratePerSec: 1000, sleep: async () => undefined });
    expect((await rest.listSeries()).length).toBeGreaterThan(0);
    expect(rest.stats.throttled).toBe(2);
    const { generateKeyPairSync } = await import('node:crypto');
    const wrong = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const bad = new KalshiRest({ baseUrl: sim.restUrl, auth: { keyId: sim.auth!.keyId, privateKeyPem: wrong.privateKey } });
    await expect(bad.listSeries()).rejects.toMatchObject({ info: { status: 401 } });
  });
});
