/**
 * `runBackfill` against both venue simulators and a real PostgreSQL (a fresh schema per run):
 * completes with exactly the simulators' history, a second run adds nothing, an aborted run
 * resumed ends with the same rows, a 429 storm is survived, and the venues' outage is reported.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runBackfill, type BackfillMarket, type BackfillOptions } from '../../src/history/backfill.js';
import { log } from '../../src/log.js';
import { dumpHistory, listGaps } from '../../src/store/repos/history.js';
import { KalshiHistory } from '../../src/venues/kalshi/history.js';
import { KalshiRest } from '../../src/venues/kalshi/rest.js';
import { startKalshiSimulator, type KalshiSim } from '../../src/venues/kalshi/simulator.js';
import { kalshiHistTrades } from '../../src/venues/kalshi/simulator/history.js';
import { PolymarketHistory } from '../../src/venues/polymarket/history.js';
import { startPolymarketSimulator, type PolySim } from '../../src/venues/polymarket/simulator.js';
import { polyTrades } from '../../src/venues/polymarket/simulator/history.js';
import { embeddedTestDb, pgTestPool, type PgTestDb } from '../helpers/db.js';

const BASE = Date.UTC(2026, 0, 10);
const FROM = Date.UTC(2026, 0, 9, 10);
const TO = Date.UTC(2026, 0, 9, 14);
const OUTAGE = [Date.UTC(2026, 0, 9, 12), Date.UTC(2026, 0, 9, 12, 20)] as const;

let poly: PolySim;
let kalshi: KalshiSim;
let markets: BackfillMarket[];
const dbs: PgTestDb[] = [];

const clients = (): Pick<BackfillOptions, 'polymarket' | 'kalshi'> => ({
  polymarket: new PolymarketHistory({ clobUrl: poly.restUrl, dataUrl: poly.restUrl, pricesPerSec: 1000, tradesPerSec: 1000, backoffBaseMs: 200, maxRetries: 12 }),
  kalshi: new KalshiHistory(new KalshiRest({ baseUrl: kalshi.restUrl, ratePerSec: 1000, maxRetries: 12 })),
});
const options = (db: PgTestDb, extra: Partial<BackfillOptions> = {}): BackfillOptions => ({
  pool: db.pool, fromMs: FROM, toMs: TO, markets, ...clients(), pageSize: 40, sliceMs: { trades: 3_600_000 }, ...extra,
});
const freshDb = async (): Promise<PgTestDb> => {
  const db = await pgTestPool({ migrate: true });
  dbs.push(db);
  return db;
};
const dumpAll = async (db: PgTestDb) => ({
  prices: await dumpHistory(db.pool, 'history_prices'),
  candles: await dumpHistory(db.pool, 'history_candles'),
  trades: await dumpHistory(db.pool, 'history_trades'),
});

describe('backfill against the simulators and PostgreSQL', () => {
  let reference: PgTestDb;
  let refDump: Awaited<ReturnType<typeof dumpAll>>;

  beforeAll(async () => {
    poly = await startPolymarketSimulator({ seed: 11, marketCount: 2, baseTimeMs: BASE });
    kalshi = await startKalshiSimulator({ seed: 12, marketCount: 2, baseTimeMs: BASE });
    markets = [
      ...poly.markets.map((m): BackfillMarket => ({ venue: 'polymarket', conditionId: m.conditionId, yesTokenId: m.yesTokenId, noTokenId: m.noTokenId })),
      ...kalshi.markets.map((m): BackfillMarket => ({ venue: 'kalshi', ticker: m.ticker, seriesTicker: m.seriesTicker })),
    ];
  }, 30_000);
  afterAll(async () => {
    await Promise.all(dbs.map((d) => d.drop()));
    await poly?.stop();
    await kalshi?.stop();
  });

  it('completes with exactly the venues\' history, and reports the outage as a gap (summary and log)', async () => {
    reference = await freshDb();
    const warn = vi.spyOn(log, 'warn');
    const s = await runBackfill(options(reference));
    expect(s.aborted).toBe(false);
    expect(s.failed).toBe(0);
    expect(s.tasks.every((t) => t.status === 'done')).toBe(true);
    // 240 one-minute buckets minus the 20-minute outage, per token (2 per market) and per ticker
    expect(s.inserted.prices).toBe(2 * 2 * 220);
    expect(s.inserted.candles).toBe(2 * 220);
    const expectedTrades = poly.markets.reduce((n, m) => n + polyTrades(m, FROM / 1000, TO / 1000 - 1).length, 0)
      + kalshi.markets.reduce((n, m) => n + kalshiHistTrades(12, m.ticker, FROM, TO - 1000, BASE).length, 0);
    expect(s.inserted.trades).toBe(expectedTrades);
    refDump = await dumpAll(reference);
    expect(refDump.trades).toHaveLength(expectedTrades);
    for (const r of refDump.prices) expect(Number.isInteger(r.price_micros)).toBe(true);

    const expectedGaps = [
      ...poly.markets.map((m) => ({ venue: 'polymarket', marketId: m.conditionId, kind: 'prices', fromTs: OUTAGE[0], toTs: OUTAGE[1] })),
      ...kalshi.markets.map((m) => ({ venue: 'kalshi', marketId: m.ticker, kind: 'candles', fromTs: OUTAGE[0], toTs: OUTAGE[1] })),
    ];
    expect(s.gaps).toEqual(expectedGaps);
    const logged = warn.mock.calls.filter((c) => c[1] === 'gap in venue history');
    expect(logged.length).toBeGreaterThanOrEqual(expectedGaps.length);
    expect(logged[0]![0]).toMatchObject({ from: new Date(OUTAGE[0]).toISOString(), to: new Date(OUTAGE[1]).toISOString() });
    warn.mockRestore();
  }, 120_000);

  it('a second run sends no request and inserts 0 rows', async () => {
    const before = { p: poly.stats.restRequests, k: kalshi.stats.restRequests };
    const s = await runBackfill(options(reference));
    expect(s.inserted).toEqual({ prices: 0, candles: 0, trades: 0 });
    expect(s.tasks.every((t) => t.status === 'already-done')).toBe(true);
    expect({ p: poly.stats.restRequests, k: kalshi.stats.restRequests }).toEqual(before);
    expect(await dumpAll(reference)).toEqual(refDump);
    expect(s.gaps).toHaveLength(4);
  }, 60_000);

  it('a run aborted midway, then resumed, ends with the same rows as an uninterrupted run', async () => {
    const db = await freshDb();
    const ac = new AbortController();
    let pages = 0;
    const first = await runBackfill(options(db, {
      signal: ac.signal,
      onProgress: (e) => {
        if (e.type === 'page' && ++pages === 7) ac.abort(new Error('test abort'));
      },
    }));
    expect(first.aborted).toBe(true);
    expect(first.tasks.some((t) => t.status === 'aborted')).toBe(true);
    const partial = await dumpAll(db);
    expect(partial.trades.length + partial.prices.length + partial.candles.length).toBeGreaterThan(0);
    expect(partial.trades.length).toBeLessThan(refDump.trades.length);
    const second = await runBackfill(options(db));
    expect(second.aborted).toBe(false);
    expect(second.failed).toBe(0);
    expect(await dumpAll(db)).toEqual(refDump);
    expect(first.inserted.trades + second.inserted.trades).toBe(refDump.trades.length);
    expect(await listGaps(db.pool, 'kalshi', kalshi.markets[0]!.ticker)).toEqual(await listGaps(reference.pool, 'kalshi', kalshi.markets[0]!.ticker));
  }, 120_000);

  it('a 429 storm on both venues is survived with the same result', async () => {
    const db = await freshDb();
    const faultedBefore = { p: poly.control.faultStats.restFaulted, k: kalshi.control.faultStats.restFaulted };
    poly.control.inject({ kind: 'http', status: 429, ms: 1500 });
    kalshi.control.inject({ kind: 'http', status: 429, ms: 1500 });
    const s = await runBackfill(options(db));
    expect(s.failed).toBe(0);
    expect(poly.control.faultStats.restFaulted).toBeGreaterThan(faultedBefore.p);
    expect(kalshi.control.faultStats.restFaulted).toBeGreaterThan(faultedBefore.k);
    expect(await dumpAll(db)).toEqual(refDump);
  }, 120_000);

  it('on the embedded TimescaleDB the history tables are hypertables, and a rerun adds nothing there too', async () => {
    const e = await embeddedTestDb({ migrate: true });
    try {
      const ht = await e.pool.query("SELECT hypertable_name, compression_enabled FROM timescaledb_information.hypertables WHERE hypertable_name LIKE 'history_%' ORDER BY 1");
      expect(ht.rows).toEqual(['history_candles', 'history_prices', 'history_trades'].map((n) => ({ hypertable_name: n, compression_enabled: true })));
      const o: BackfillOptions = { pool: e.pool, fromMs: FROM, toMs: FROM + 3_600_000, markets: [markets[0]!, markets.at(-1)!], ...clients(), pageSize: 40 };
      const first = await runBackfill(o);
      expect(first.failed).toBe(0);
      expect(first.inserted.prices).toBe(2 * 60);
      expect(first.inserted.candles).toBe(60);
      await e.pool.query('DELETE FROM backfill_progress');
      const again = await runBackfill(o);
      expect(again.inserted).toEqual({ prices: 0, candles: 0, trades: 0 });
    } finally {
      await e.stop();
    }
  }, 120_000);
});
