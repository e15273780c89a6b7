/**
 * The executor on real PostgreSQL with paper brokers: write-ahead, idempotent ids, unknown
 * outcomes reconciled, unwind, recovery by a fresh executor over the same database, kill switch.
 */
import { pgGate } from '../helpers/gates.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BehaviorSubject } from 'rxjs';
import type { Book, Level } from '../../schema/book.js';
import type { OrderAck, OrderRequest } from '../../schema/execution.js';
import type { Venue } from '../../schema/venue.js';
import { Executor, executionIdOf } from '../../src/execution/executor.js';
import { PaperBroker } from '../../src/execution/paperBroker.js';
import { DEFAULT_TRADING_RULES } from '../../src/execution/plan.js';
import { DEFAULT_MACHINE_CONFIG } from '../../src/execution/stateMachine.js';
import { executionEvents, getExecution } from '../../src/store/repos/executions.js';
import type { Broker } from '../../src/venues/broker.js';
import { pgTestPool, type PgTestDb } from '../helpers/db.js';
import { ONE, decisionFixture, edgeFixture } from './fixtures.js';

const needsPg = await pgGate();

function book(venue: Venue, marketId: string, o: { yesAsks?: Level[]; noAsks?: Level[]; yesBids?: Level[]; noBids?: Level[] }): Book {
  return { venue, marketId, yes: { bids: o.yesBids ?? [], asks: o.yesAsks ?? [] }, no: { bids: o.noBids ?? [], asks: o.noAsks ?? [] }, tsVenue: 0, tsReceived: 0, issues: [] };
}
const POLY = book('polymarket', '0xabc', { yesAsks: [{ price: 460_000, qty: 20 * ONE }] });
const KALSHI = book('kalshi', 'KX-1', { noAsks: [{ price: 500_000, qty: 20 * ONE }], noBids: [{ price: 490_000, qty: 20 * ONE }] });

const fast = { ...DEFAULT_MACHINE_CONFIG, timeoutsMs: { planned: 200, leg1Submitted: 300, leg1Filled: 200, leg1Partial: 200, leg2Submitted: 300, unwinding: 300 } };

function setup(db: PgTestDb, books: Book[] = [POLY, KALSHI], latencyMs = 0) {
  const books$ = new BehaviorSubject<Book>(books[0]!);
  const brokers = { polymarket: new PaperBroker({ venue: 'polymarket', books$, latencyMs }), kalshi: new PaperBroker({ venue: 'kalshi', books$, latencyMs }) };
  for (const b of books.slice(1)) books$.next(b);
  const alerts: string[] = [];
  const mk = (bs: Partial<Record<Venue, Broker>> = brokers, machine = fast) => new Executor({ pool: db.pool, brokers: bs, rules: () => DEFAULT_TRADING_RULES, lossCapMicros: 500_000, machine, onAlert: (m) => alerts.push(m) });
  return { books$, brokers, alerts, mk };
}

/** A broker that forwards to another, some calls replaced. */
function wrap(inner: Broker, over: Partial<Pick<Broker, 'place' | 'status' | 'cancel' | 'rules'>>): Broker {
  return {
    venue: inner.venue, fills$: inner.fills$, anomalies$: inner.anomalies$, anomalyCounts: inner.anomalyCounts,
    place: (o) => inner.place(o), cancel: (r) => inner.cancel(r), status: (r) => inner.status(r), openOrders: () => inner.openOrders(),
    positions: () => inner.positions(), balance: () => inner.balance(), close: () => inner.close(), ...over,
  };
}
const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

/** A broker that forwards to another but can stop answering (a crash mid-call) or drop the order. */
function crashing(inner: Broker, when: (o: OrderRequest) => 'hang' | 'hang-after-send' | 'pass'): Broker {
  return {
    venue: inner.venue, fills$: inner.fills$, anomalies$: inner.anomalies$, anomalyCounts: inner.anomalyCounts,
    place: async (o) => {
      const w = when(o);
      if (w === 'pass') return inner.place(o);
      if (w === 'hang-after-send') await inner.place(o);
      return new Promise<OrderAck>(() => undefined);
    },
    cancel: (r) => inner.cancel(r), status: (r) => inner.status(r), openOrders: () => inner.openOrders(),
    positions: () => inner.positions(), balance: () => inner.balance(), close: () => inner.close(),
  };
}

needsPg.describe('executor (PostgreSQL, paper brokers)', () => {
  let db: PgTestDb;
  beforeAll(async () => {
    db = await pgTestPool({ migrate: true });
  });
  afterAll(async () => {
    await db?.drop();
  });
  let n = 0;
  const decision = (o: Parameters<typeof edgeFixture>[0] = {}) => decisionFixture(edgeFixture({ edgeId: `edge-${++n}`, ...o }));

  it('hedges both legs, harder leg first, every transition written before its order', async () => {
    const { brokers, mk } = setup(db);
    const placed: string[] = [];
    const checking = (b: Broker): Broker => ({
      ...b, venue: b.venue, fills$: b.fills$, anomalies$: b.anomalies$, anomalyCounts: b.anomalyCounts,
      place: async (o) => {
        // write-ahead: the event naming this order is already in the database
        const evs = await executionEvents(db.pool, o.clientOrderId.split(':')[0]!);
        expect(evs.some((e) => e.clientOrderIds.includes(o.clientOrderId))).toBe(true);
        placed.push(o.clientOrderId);
        return b.place(o);
      },
      status: (r) => b.status(r), cancel: (r) => b.cancel(r), openOrders: () => b.openOrders(), positions: () => b.positions(), balance: () => b.balance(), close: () => b.close(),
    });
    const ex = mk({ polymarket: checking(brokers.polymarket), kalshi: checking(brokers.kalshi) });
    await ex.start();
    const d = decision();
    const rec = await ex.submit(d);
    expect(rec).toMatchObject({ state: 'hedged', netQty: 0 });
    const id = executionIdOf(d.edge.edgeId);
    expect(placed).toEqual([`${id}:leg1:1`, `${id}:leg2:1`]);
    expect((await executionEvents(db.pool, id)).map((e) => e.toState)).toEqual(['leg1Submitted', 'leg1Filled', 'leg2Submitted', 'hedged']);
    expect(await brokers.kalshi.positions()).toEqual([{ marketId: 'KX-1', outcome: 'no', qty: 10 * ONE, avgPriceMicros: 500_000 }]);
    // the same decision again is the same execution: no new orders
    expect(await ex.submit(d)).toBeUndefined();
    expect(placed).toHaveLength(2);
  });

  it('leg 2 with no liquidity: leg 1 is unwound within the loss cap', async () => {
    const { brokers, mk, alerts } = setup(db, [book('polymarket', '0xabc', {}), KALSHI]);
    const ex = mk();
    await ex.start();
    const rec = await ex.submit(decision());
    expect(rec).toMatchObject({ state: 'unwound', netQty: 0 });
    expect(rec!.progress.unwind.costMicros).toBe(4_900_000);
    expect(await brokers.kalshi.positions()).toEqual([]);
    expect(alerts).toEqual([]);
  });

  it('a lost ack is reconciled with status: one order, no duplicate', async () => {
    const { brokers, mk } = setup(db);
    brokers.kalshi.faults.loseAckNext = true;
    const ex = mk();
    await ex.start();
    const rec = await ex.submit(decision());
    expect(rec).toMatchObject({ state: 'hedged' });
    expect((await brokers.kalshi.positions())[0]!.qty).toBe(10 * ONE);
    const evs = await executionEvents(db.pool, rec!.executionId);
    expect(evs.some((e) => e.reason.includes('asking kalshi'))).toBe(true);
  });

  it('a place slower than its deadline: the status waits for it, so a late fill is not sent again under a new attempt', async () => {
    const { brokers, mk } = setup(db);
    let placed = 0;
    // leg 2 reaches the venue only after its state's deadline (300 ms); asked before, the venue knows nothing
    const slow: Broker = {
      ...brokers.polymarket, venue: 'polymarket', fills$: brokers.polymarket.fills$, anomalies$: brokers.polymarket.anomalies$, anomalyCounts: brokers.polymarket.anomalyCounts,
      place: async (o) => {
        placed++;
        await new Promise((r) => setTimeout(r, 700));
        return brokers.polymarket.place(o);
      },
      status: (r) => brokers.polymarket.status(r), cancel: (r) => brokers.polymarket.cancel(r), openOrders: () => brokers.polymarket.openOrders(),
      positions: () => brokers.polymarket.positions(), balance: () => brokers.polymarket.balance(), close: () => brokers.polymarket.close(),
    };
    const ex = mk({ kalshi: brokers.kalshi, polymarket: slow });
    await ex.start();
    const rec = await ex.submit(decision());
    expect(rec).toMatchObject({ state: 'hedged', netQty: 0 });
    expect(placed).toBe(1);
    expect((await brokers.polymarket.positions())[0]!.qty).toBe(10 * ONE);
  });

  it.each([
    ['leg 2 never reached the venue', 'hang' as const, 2],
    ['leg 2 executed, the ack lost in the crash', 'hang-after-send' as const, 1],
  ])('recovery: %s; a fresh executor reconciles before any new trade', async (_name, mode, leg2Orders) => {
    const { brokers, mk } = setup(db);
    // the crashed process never gets past its leg 2 call (its deadlines never come)
    const dead = { ...fast, timeoutsMs: { ...fast.timeoutsMs, leg2Submitted: 1e9 } };
    const a = mk({ kalshi: brokers.kalshi, polymarket: crashing(brokers.polymarket, () => mode) }, dead);
    await a.start();
    const d = decision();
    void a.submit(d);
    const id = executionIdOf(d.edge.edgeId);
    await expect.poll(async () => (await getExecution(db.pool, id))?.state, { timeout: 2000 }).toBe('leg2Submitted');
    await new Promise((r) => setTimeout(r, 20));
    // "restart": a new executor over the same database and venues
    const b = mk();
    const pending = b.submit(decision());
    expect(await pending).toBeUndefined(); // not started yet: blocked
    expect(await b.start()).toBeGreaterThanOrEqual(1);
    const rec = await getExecution(db.pool, id);
    expect(rec).toMatchObject({ state: 'hedged', netQty: 0 });
    expect(rec!.progress.leg2.attempts).toBe(leg2Orders);
    expect((await brokers.polymarket.positions())[0]!.qty).toBe(10 * ONE);
    expect(b.counters.blocked).toBe(1);
  });

  it('recovery cancels and alerts our orders left open at a venue by no execution', async () => {
    const { brokers, mk, alerts } = setup(db, [POLY, KALSHI], 5_000);
    const orphan = brokers.kalshi.place({ clientOrderId: 'ex_orphan:leg1:1', marketId: 'KX-1', outcome: 'no', side: 'buy', limitPriceMicros: 500_000, qty: ONE, timeInForce: 'IOC' });
    await mk().start();
    expect(alerts).toEqual([expect.stringContaining('orphan order ex_orphan:leg1:1')]);
    expect(await brokers.kalshi.openOrders()).toEqual([]);
    expect(await orphan).toMatchObject({ state: 'cancelled', filledQty: 0 });
  }, 10_000);

  describe('unknown outcomes: never terminal on a guess', () => {
    const machine = { ...fast, reconcileBackoffMs: { firstMs: 5, maxMs: 20 } };
    const mkEx = (brokers: Partial<Record<Venue, Broker>>, alerts: string[]) =>
      new Executor({ pool: db.pool, brokers, rules: () => DEFAULT_TRADING_RULES, lossCapMicros: 500_000, machine, requestTimeoutMs: 20, onAlert: (m) => alerts.push(m) });

    it('leg 1 filled, its ack lost, the status times out 6 times then answers filled: the record follows the venue (hedged)', async () => {
      const { brokers, alerts } = setup(db);
      brokers.kalshi.faults.loseAckNext = true;
      let asked = 0;
      const kalshi = wrap(brokers.kalshi, { status: (r) => (++asked <= 6 ? never() : brokers.kalshi.status(r)) });
      const ex = mkEx({ polymarket: brokers.polymarket, kalshi }, alerts);
      await ex.start();
      const rec = await ex.submit(decision());
      expect(asked).toBe(7);
      expect(rec).toMatchObject({ state: 'hedged', netQty: 0 });
      expect(rec!.progress.leg1.filledQty).toBe(10 * ONE);
      expect((await brokers.kalshi.positions())[0]!.qty).toBe(10 * ONE);
      expect(alerts).toEqual([]);
    }, 20_000);

    it("no status ever answers: the final cancel's answer (filled 10) is booked, then hedged", async () => {
      const { brokers, alerts } = setup(db);
      brokers.kalshi.faults.loseAckNext = true;
      let cancels = 0;
      const kalshi = wrap(brokers.kalshi, { status: () => never(), cancel: (r) => (cancels++, brokers.kalshi.cancel(r)) });
      const ex = mkEx({ polymarket: brokers.polymarket, kalshi }, alerts);
      await ex.start();
      const rec = await ex.submit(decision());
      expect(cancels).toBe(1);
      expect(rec).toMatchObject({ state: 'hedged', netQty: 0 });
      expect(rec!.progress.leg1.filledQty).toBe(10 * ONE);
    }, 20_000);

    it('neither status nor cancel answers: parked (non-terminal, alerted, pair blocked); recovery asks again and hedges', async () => {
      const { brokers, alerts } = setup(db);
      brokers.kalshi.faults.loseAckNext = true;
      const kalshi = wrap(brokers.kalshi, { status: () => never(), cancel: () => never() });
      const ex = mkEx({ polymarket: brokers.polymarket, kalshi }, alerts);
      await ex.start();
      const d = decision();
      const rec = await ex.submit(d);
      expect(rec).toMatchObject({ state: 'leg1Submitted' });
      expect(rec!.reason).toContain('parked in leg1Submitted');
      expect(ex.parkedExecutions).toEqual([rec!.executionId]);
      expect(ex.counters.parked).toBe(1);
      expect(alerts).toEqual([expect.stringContaining('outcome unknown after')]);
      // the pair stays blocked: its exposure is unknown
      expect(await ex.submit(decision({ pairId: d.edge.pairId }))).toBeUndefined();
      expect(ex.counters.busy).toBe(1);
      // the venue answers again: a fresh executor over the same database recovers it to the end
      const again = mkEx(brokers, alerts);
      const report = await again.recover();
      expect(report.recovered).toContainEqual({ executionId: rec!.executionId, from: 'leg1Submitted', to: 'hedged', netQty: 0 });
      expect((await getExecution(db.pool, rec!.executionId))!.progress.leg1.filledQty).toBe(10 * ONE);
    }, 20_000);
  });

  it("leg 1 fills 4, below the leg 2 venue's minimum its broker reports (5): unwound, no leg 2 sent", async () => {
    const { brokers, alerts } = setup(db, [POLY, book('kalshi', 'KX-1', { noAsks: [{ price: 500_000, qty: 4 * ONE }], noBids: [{ price: 490_000, qty: 20 * ONE }] })]);
    const polyPlaced: string[] = [];
    const polymarket = wrap(brokers.polymarket, {
      rules: () => ({ tickMicros: 10_000, minQty: 5 * ONE, qtyStep: 10_000, minNotionalMicros: ONE }),
      place: (o) => (polyPlaced.push(o.clientOrderId), brokers.polymarket.place(o)),
    });
    const ex = new Executor({ pool: db.pool, brokers: { polymarket, kalshi: brokers.kalshi }, rules: () => DEFAULT_TRADING_RULES, lossCapMicros: 500_000, machine: fast, onAlert: (m) => alerts.push(m) });
    await ex.start();
    const rec = await ex.submit(decision());
    expect(rec).toMatchObject({ state: 'unwound', netQty: 0 });
    expect(rec!.progress.leg1.filledQty).toBe(4 * ONE);
    expect(polyPlaced).toEqual([]);
    expect(rec!.plan.legs[1]).toMatchObject({ venue: 'polymarket', minQty: 5 * ONE });
  });

  it('a broker with prepare: the venue order id it returns is written ahead, before its place is sent', async () => {
    const { brokers, mk } = setup(db);
    const seen: (string | undefined)[] = [];
    const polymarket = {
      ...wrap(brokers.polymarket, {
        place: async (o) => {
          const rec = await getExecution(db.pool, o.clientOrderId.split(':')[0]!);
          seen.push(rec?.progress.leg2.current?.venueOrderId);
          return brokers.polymarket.place(o);
        },
      }),
      prepare: async (o: OrderRequest) => `hash-${o.clientOrderId}`,
    };
    const ex = mk({ polymarket, kalshi: brokers.kalshi });
    await ex.start();
    const rec = await ex.submit(decision());
    expect(seen).toEqual([`hash-${rec!.executionId}:leg2:1`]);
    expect(rec!.progress.leg2.venueOrderIds).toContain(`hash-${rec!.executionId}:leg2:1`);
  });

  it('armed is readable', () => {
    const { mk } = setup(db);
    const ex = mk();
    expect(ex.armed).toBe(true);
    ex.arm(false);
    expect(ex.armed).toBe(false);
  });

  it('write-ahead: when the transition cannot be written, no order is sent and it is alerted', async () => {
    const { brokers, alerts } = setup(db);
    // reads work, the write-ahead statement (one CTE) fails
    const query = db.pool.query.bind(db.pool) as (q: string | { text: string }, v?: unknown[]) => Promise<unknown>;
    const down = {
      query: (q: string | { text: string }, v?: unknown[]) => ((typeof q === 'string' ? q : q.text).startsWith('WITH') ? Promise.reject(new Error('db down')) : query(q, v)),
      connect: () => Promise.reject(new Error('db down')),
    } as unknown as typeof db.pool;
    const ex = new Executor({ pool: down, brokers, rules: () => DEFAULT_TRADING_RULES, lossCapMicros: 500_000, machine: fast, onAlert: (m) => alerts.push(m) });
    await ex.start();
    await expect(ex.submit(decision())).rejects.toThrow('db down');
    expect(await brokers.kalshi.positions()).toEqual([]);
    expect(await brokers.polymarket.positions()).toEqual([]);
    expect(alerts).toEqual([expect.stringContaining('write-ahead failed')]);
  });

  it('kill switch: open orders cancelled and new executions blocked within 1 s', async () => {
    const { brokers, mk } = setup(db, [POLY, KALSHI], 5_000);
    const ex = mk();
    await ex.start();
    const run = ex.submit(decision());
    await expect.poll(async () => (await brokers.kalshi.openOrders()).length, { timeout: 1000 }).toBe(1);
    const t0 = Date.now();
    await ex.setKillSwitch(true);
    expect(await brokers.kalshi.openOrders()).toEqual([]);
    expect(await ex.submit(decision())).toBeUndefined();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(await run).toMatchObject({ state: 'failed', netQty: 0 });
  }, 10_000);
});
