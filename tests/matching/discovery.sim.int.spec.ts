/**
 * Discovery offline: all open markets of both venue simulators, through the real REST clients,
 * normalised and upserted into venue_markets (Polymarket across several Gamma pages); a second
 * run changes no rules hash (rules changes are covered by matcher.int.spec.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverMarkets } from '../../src/matching/discovery.js';
import { PolymarketRest } from '../../src/venues/polymarket/rest.js';
import { KalshiRest } from '../../src/venues/kalshi/rest.js';
import { kalshiDiscovery } from '../../src/venues/kalshi/market.js';
import { polymarketDiscovery } from '../../src/venues/polymarket/market.js';
import { startPolymarketSimulator, type PolySim } from '../../src/venues/polymarket/simulator.js';
import { startKalshiSimulator, type KalshiSim } from '../../src/venues/kalshi/simulator.js';
import { pgTestPool, type PgTestDb } from '../helpers/db.js';

let db: PgTestDb;
let poly: PolySim;
let kalshi: KalshiSim;

beforeAll(async () => {
  db = await pgTestPool({ migrate: true });
  poly = await startPolymarketSimulator({ seed: 3, marketCount: 130 });
  kalshi = await startKalshiSimulator({ seed: 3, marketCount: 40 });
}, 60_000);
afterAll(async () => {
  await Promise.allSettled([poly?.stop(), kalshi?.stop()]);
  await db?.drop();
});

describe('discovery against the venue simulators', () => {
  it('stores every open market of both venues in one normal form, idempotently', async () => {
    const clients = () => ({
      pool: db.pool,
      sources: {
        polymarket: polymarketDiscovery(new PolymarketRest({ gammaUrl: poly.restUrl, clobUrl: poly.restUrl })),
        kalshi: kalshiDiscovery(new KalshiRest({ baseUrl: kalshi.restUrl, ...(kalshi.auth ? { auth: kalshi.auth } : {}) })),
      },
    });
    const first = await discoverMarkets(clients());
    const { rows } = await db.pool.query<{ venue: string; n: number; with_rules: number; with_close: number }>(
      "SELECT venue, count(*)::int n, count(*) FILTER (WHERE length(rules_text) > 20)::int with_rules, count(close_time)::int with_close FROM venue_markets GROUP BY venue ORDER BY venue",
    );
    const openPoly = poly.markets.filter((m) => !m.closed).length;
    const openKalshi = kalshi.markets.filter((m) => m.status === 'active').length;
    expect(rows).toEqual([
      { venue: 'kalshi', n: openKalshi, with_rules: openKalshi, with_close: openKalshi },
      { venue: 'polymarket', n: openPoly, with_rules: openPoly, with_close: openPoly },
    ]);
    expect(first).toMatchObject({ counts: { polymarket: openPoly, kalshi: openKalshi }, rejected: 0 });
    const before = (await db.pool.query('SELECT venue, market_id, rules_hash, updated_at FROM venue_markets ORDER BY 1, 2')).rows;
    const second = await discoverMarkets(clients());
    expect(second).toMatchObject({ counts: { polymarket: openPoly, kalshi: openKalshi } });
    const after = (await db.pool.query('SELECT venue, market_id, rules_hash, updated_at FROM venue_markets ORDER BY 1, 2')).rows;
    expect(after.map((r) => r.rules_hash)).toEqual(before.map((r) => r.rules_hash));
  });
});
