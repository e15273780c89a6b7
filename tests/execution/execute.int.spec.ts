/**
 * pipelines/execute.ts in paper mode on PostgreSQL: accepted decisions become executions, fills
 * become positions and exposure (what core's exposure$ takes), the kill switch from control$
 * blocks new executions, and live mode sends nothing until armed.
 */
import { pgGate } from '../helpers/gates.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BehaviorSubject, Subject } from 'rxjs';
import type { Book } from '../../schema/book.js';
import type { RiskDecision } from '../../schema/edge.js';
import type { Execution, OrderRecord } from '../../schema/execution.js';
import { NO_EXPOSURE, limitsFromConfig, type RiskControl } from '../../pipelines/core.js';
import { startExecution, type SettlementSource } from '../../pipelines/execute.js';
import { PaperBroker } from '../../src/execution/paperBroker.js';
import type { Exposure } from '../../operators/sizeToLimits.js';
import { loadConfig } from '../../src/config.js';
import { FeeBook } from '../../src/fees/schedule.js';
import { pgTestPool, type PgTestDb } from '../helpers/db.js';
import { ONE, decisionFixture, edgeFixture } from './fixtures.js';

const needsPg = await pgGate();
const book = (venue: 'polymarket' | 'kalshi', marketId: string, yesAsk: number, noAsk: number): Book => ({
  venue, marketId, yes: { bids: [], asks: [{ price: yesAsk, qty: 100 * ONE }] }, no: { bids: [{ price: noAsk - 10_000, qty: 100 * ONE }], asks: [{ price: noAsk, qty: 100 * ONE }] }, tsVenue: 0, tsReceived: 0, issues: [],
});

needsPg.describe('execution pipeline (paper)', () => {
  let db: PgTestDb;
  beforeAll(async () => {
    db = await pgTestPool({ migrate: true });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('decisions → paper executions → positions → exposure; kill switch blocks new ones', async () => {
    const config = loadConfig({ EXECUTION_MODE: 'paper', PAPER_LATENCY_MS: '0' });
    const books$ = new BehaviorSubject<Book>(book('polymarket', '0xabc', 460_000, 550_000));
    const decisions$ = new Subject<RiskDecision>();
    const control$ = new BehaviorSubject<RiskControl>({ killSwitch: false, limits: limitsFromConfig(config.risk) });
    const exposure = new BehaviorSubject<Exposure>(NO_EXPOSURE);
    const h = await startExecution({ decisions$, books$, control$ }, { config, pool: db.pool, feeBook: FeeBook.withDefaults(), exposure });
    books$.next(book('kalshi', 'KX-1', 500_000, 500_000));
    const done: Execution[] = [];
    h.executions$.subscribe((x) => done.push(x));
    decisions$.next(decisionFixture(edgeFixture({ edgeId: 'pipe-1' })));
    decisions$.next(decisionFixture(edgeFixture({ edgeId: 'pipe-rejected' }), false));
    await expect.poll(() => done.at(-1)?.state, { timeout: 3000 }).toBe('hedged');
    // 10 NO on Kalshi at 0.50 and 10 YES on Polymarket at 0.46
    await expect.poll(() => exposure.value.total).toBe(9_600_000);
    expect(exposure.value.byPair).toEqual({ p1: 9_600_000 });
    expect(exposure.value.byVenue).toEqual({ polymarket: 4_600_000, kalshi: 5_000_000 });
    const fills = async () => (await db.pool.query<{ side: string; n: number }>('SELECT side, count(*)::int AS n FROM fills GROUP BY side')).rows;
    await expect.poll(fills).toEqual([{ side: 'buy', n: 2 }]);

    control$.next({ ...control$.value, killSwitch: true });
    await new Promise((r) => setTimeout(r, 20));
    decisions$.next(decisionFixture(edgeFixture({ edgeId: 'pipe-2' })));
    await new Promise((r) => setTimeout(r, 100));
    expect(h.executor.counters).toMatchObject({ submitted: 1, hedged: 1, blocked: 1 });
    await h.stop();
  });

  it('orders and positions tables; marks and settlement; a restart re-seeds positions and exposure from the fills and reconciles with the brokers', async () => {
    // a fresh schema: the first test's positions would be re-seeded here
    const db2 = await pgTestPool({ migrate: true });
    try {
      const config = loadConfig({ EXECUTION_MODE: 'paper', PAPER_LATENCY_MS: '0' });
      const books$ = new BehaviorSubject<Book>(book('polymarket', '0xabc', 460_000, 550_000));
      const lifecycle$ = new Subject<SettlementSource>();
      const decisions$ = new Subject<RiskDecision>();
      const control$ = new BehaviorSubject<RiskControl>({ killSwitch: false, limits: limitsFromConfig(config.risk) });
      const exposure = new BehaviorSubject<Exposure>(NO_EXPOSURE);
      const h = await startExecution({ decisions$, books$, control$, lifecycle$ }, { config, pool: db2.pool, feeBook: FeeBook.withDefaults(), exposure, positionsWriteMs: 10 });
      books$.next(book('kalshi', 'KX-1', 500_000, 500_000));
      const orders: OrderRecord[] = [];
      h.orders$.subscribe((o) => orders.push(o));
      decisions$.next(decisionFixture(edgeFixture({ edgeId: 'pos-1' })));
      await expect.poll(() => h.latestPositions().positions.get('kalshi|KX-1|no')?.qty, { timeout: 3000 }).toBe(10 * ONE);
      await h.executor.idle();
      // marked at the best NO bid on Kalshi (0.49): 4.90 − 5.00
      expect(h.latestPositions().positions.get('kalshi|KX-1|no')).toMatchObject({ markMicros: 490_000, unrealizedPnlMicros: -100_000 });
      const stored = async () => (await db2.pool.query<{ client_order_id: string; role: string; state: string; filled_qty: string; venue_order_id: string | null }>('SELECT client_order_id, role, state, filled_qty, venue_order_id FROM orders ORDER BY created_at, role')).rows;
      await expect.poll(async () => (await stored()).map((r) => [r.role, r.state, Number(r.filled_qty)])).toEqual([['leg1', 'filled', 10 * ONE], ['leg2', 'filled', 10 * ONE]]);
      expect((await stored()).every((r) => r.venue_order_id !== null)).toBe(true);
      expect(orders.filter((o) => o.state === 'filled')).toHaveLength(2);

      // Kalshi determines NO: 10 × 1$ paid, the position closes, exposure drops to the Polymarket leg
      lifecycle$.next({ settlement: { venue: 'kalshi', marketId: 'KX-1', winner: 'no', yesPayoutMicros: 0, event: 'determined', ts: 1_700_000_000_000 } });
      lifecycle$.next({});
      expect(h.latestPositions().positions.get('kalshi|KX-1|no')).toMatchObject({ qty: 0, realizedPnlMicros: 5_000_000 - h.latestPositions().positions.get('kalshi|KX-1|no')!.feesMicros, settledAt: 1_700_000_000_000 });
      await expect.poll(() => exposure.value.total).toBe(4_600_000);
      const rows = async () => (await db2.pool.query<{ venue: string; pair_id: string; qty: string; settled_at: Date | null; settlement_micros: string | null; mark_micros: string | null }>('SELECT venue, pair_id, qty, settled_at, settlement_micros, mark_micros FROM positions ORDER BY venue')).rows;
      await expect.poll(async () => (await rows()).map((r) => [r.venue, r.pair_id, Number(r.qty), r.settled_at?.getTime() ?? null, r.settlement_micros === null ? null : Number(r.settlement_micros)])).toEqual([
        ['kalshi', 'p1', 0, 1_700_000_000_000, ONE],
        ['polymarket', 'p1', 10 * ONE, null, null],
      ]);
      const before = h.latestPositions();
      await h.stop();

      // restart: exposure and positions from the stored fills (and the stored settlement) before any decision;
      // fresh paper brokers hold nothing, so the Polymarket leg is a mismatch and is alerted
      const alerts: string[] = [];
      const exposure2 = new BehaviorSubject<Exposure>(NO_EXPOSURE);
      const brokers = { polymarket: new PaperBroker({ venue: 'polymarket', books$, feeBook: FeeBook.withDefaults(), latencyMs: 0 }), kalshi: new PaperBroker({ venue: 'kalshi', books$, feeBook: FeeBook.withDefaults(), latencyMs: 0 }) };
      const h2 = await startExecution({ decisions$: new Subject<RiskDecision>(), books$: new Subject<Book>(), control$ }, { config, pool: db2.pool, feeBook: FeeBook.withDefaults(), exposure: exposure2, brokers, onAlert: (m) => alerts.push(m) });
      expect(exposure2.value).toEqual({ byPair: { p1: 4_600_000 }, byVenue: { polymarket: 4_600_000, kalshi: 0 }, total: 4_600_000 });
      const again = h2.latestPositions();
      for (const k of ['kalshi|KX-1|no', 'polymarket|0xabc|yes']) {
        const { markMicros: _m, unrealizedPnlMicros: _u, ...was } = before.positions.get(k)!;
        expect(again.positions.get(k)).toMatchObject(was);
      }
      expect(alerts).toEqual(['position mismatch on polymarket 0xabc yes: fills say 10, the venue says 0']);
      await h2.stop();
    } finally {
      await db2.drop();
    }
  });

  it('live mode without a venue broker refuses to start without a usable venue broker', async () => {
    const config = loadConfig({ EXECUTION_MODE: 'live' });
    const args = [{ decisions$: new Subject<RiskDecision>(), books$: new Subject<Book>(), control$: new BehaviorSubject<RiskControl>({ killSwitch: false, limits: limitsFromConfig(config.risk) }) }, { config, pool: db.pool, feeBook: FeeBook.withDefaults(), exposure: new Subject<Exposure>() }] as const;
    await expect(startExecution(...args)).rejects.toThrow(/live broker/);
  });
});
