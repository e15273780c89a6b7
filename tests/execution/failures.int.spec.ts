/**
 * Many simulated arbitrages through the executor (PostgreSQL, paper brokers) with injected
 * second-leg failures: rejections, lost acks, thin books (partial fills), prices that moved away.
 * Every one ends hedged, unwound or failed with no unhedged contracts, or alerted; no client
 * order id is placed twice.
 */
import { pgGate } from '../helpers/gates.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BehaviorSubject } from 'rxjs';
import type { Book } from '../../schema/book.js';
import type { OrderRequest } from '../../schema/execution.js';
import { Executor } from '../../src/execution/executor.js';
import { PaperBroker } from '../../src/execution/paperBroker.js';
import { DEFAULT_TRADING_RULES } from '../../src/execution/plan.js';
import { DEFAULT_MACHINE_CONFIG } from '../../src/execution/stateMachine.js';
import type { Broker } from '../../src/venues/broker.js';
import { pgTestPool, type PgTestDb } from '../helpers/db.js';
import { ONE, decisionFixture, edgeFixture } from './fixtures.js';

const needsPg = await pgGate();
const RUNS = 200;

/** mulberry32: a seeded generator, so a failure replays */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

needsPg.describe(`${RUNS} arbitrages with injected second-leg failures`, () => {
  let db: PgTestDb;
  beforeAll(async () => {
    db = await pgTestPool({ migrate: true });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('end flat (hedged or unwound), or alerted; never a duplicated order', async () => {
    const rand = rng(12);
    const books$ = new BehaviorSubject<Book>({ venue: 'kalshi', marketId: 'KX-1', yes: { bids: [], asks: [] }, no: { bids: [{ price: 490_000, qty: 1000 * ONE }], asks: [{ price: 500_000, qty: 1000 * ONE }] }, tsVenue: 0, tsReceived: 0, issues: [] });
    const kalshi = new PaperBroker({ venue: 'kalshi', books$, latencyMs: 0, cashMicros: 1e12 });
    const poly = new PaperBroker({ venue: 'polymarket', books$, latencyMs: 0, cashMicros: 1e12 });
    const placed = new Set<string>();
    let dupes = 0;
    const counting = (b: PaperBroker): Broker => ({
      venue: b.venue, fills$: b.fills$, anomalies$: b.anomalies$, anomalyCounts: b.anomalyCounts,
      place: (o: OrderRequest) => {
        if (placed.has(o.clientOrderId)) dupes++;
        placed.add(o.clientOrderId);
        return b.place(o);
      },
      cancel: (r) => b.cancel(r), status: (r) => b.status(r), openOrders: () => b.openOrders(), positions: () => b.positions(), balance: () => b.balance(), close: () => b.close(),
    });
    const alerts: string[] = [];
    const ex = new Executor({
      pool: db.pool, brokers: { kalshi: counting(kalshi), polymarket: counting(poly) }, rules: () => DEFAULT_TRADING_RULES, lossCapMicros: 500_000,
      machine: { ...DEFAULT_MACHINE_CONFIG, timeoutsMs: { planned: 200, leg1Submitted: 300, leg1Filled: 200, leg1Partial: 200, leg2Submitted: 300, unwinding: 300 } },
      onAlert: (m) => alerts.push(m),
    });
    await ex.start();
    const ends: Record<string, number> = {};
    for (let i = 0; i < RUNS; i++) {
      // leg 2's book: full, thin, moved away or empty; fresh liquidity on leg 1 (and bids to unwind into)
      const depth = [10, 10, 6, 3, 0][Math.floor(rand() * 5)]!;
      const price = rand() < 0.15 ? 480_000 : 460_000; // 0.48 > the 0.46 limit: the price moved
      books$.next({ venue: 'polymarket', marketId: '0xabc', yes: { bids: [], asks: depth ? [{ price, qty: depth * ONE }] : [] }, no: { bids: [], asks: [] }, tsVenue: i, tsReceived: i, issues: [] });
      books$.next({ venue: 'kalshi', marketId: 'KX-1', yes: { bids: [], asks: [] }, no: { bids: [{ price: rand() < 0.1 ? 300_000 : 490_000, qty: 1000 * ONE }], asks: [{ price: 500_000, qty: 1000 * ONE }] }, tsVenue: i, tsReceived: i, issues: [] });
      const r = rand();
      if (r < 0.15) poly.faults.rejectNext = rand() < 0.5 ? 'price_moved' : 'insufficient_balance';
      else if (r < 0.3) poly.faults.loseAckNext = true;
      else if (r < 0.35) kalshi.faults.loseAckNext = true;
      const x = await ex.submit(decisionFixture(edgeFixture({ edgeId: `f-${i}` })));
      expect(x).toBeDefined();
      ends[x!.state] = (ends[x!.state] ?? 0) + 1;
      const flat = x!.netQty === 0;
      expect(['hedged', 'unwound', 'failed']).toContain(x!.state);
      if (!flat) expect(x!.progress.alerts.length).toBeGreaterThan(0);
      // an unwind loses at most the cap (entry cost of what it sold − its proceeds)
      const p = x!.progress;
      if (p.unwind.filledQty > 0) expect(Math.ceil((p.leg1.costMicros * p.unwind.filledQty) / p.leg1.filledQty) - p.unwind.costMicros).toBeLessThanOrEqual(500_000);
    }
    expect(dupes).toBe(0);
    expect(ends.hedged! + (ends.unwound ?? 0) + (ends.failed ?? 0)).toBe(RUNS);
    expect(ends.hedged).toBeGreaterThan(0);
    expect(ends.unwound).toBeGreaterThan(0);
    // what is still held is what the alerts name
    const held = (await kalshi.positions()).reduce((s, p) => s + p.qty, 0) - (await poly.positions()).reduce((s, p) => s + p.qty, 0);
    expect(held === 0 || alerts.length > 0).toBe(true);
  }, 120_000);
});
