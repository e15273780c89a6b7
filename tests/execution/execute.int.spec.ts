/**
 * pipelines/execute.ts in paper mode on PostgreSQL: accepted decisions become executions, fills
 * become positions and exposure (what core's exposure$ takes), the kill switch from control$
 * blocks new executions, and live mode sends nothing until armed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BehaviorSubject, Subject } from 'rxjs';
import type { Book } from '../../schema/book.js';
import type { RiskDecision } from '../../schema/edge.js';
import type { Execution } from '../../schema/execution.js';
import { NO_EXPOSURE, limitsFromConfig, type RiskControl } from '../../pipelines/core.js';
import { startExecution } from '../../pipelines/execute.js';
import type { Exposure } from '../../operators/sizeToLimits.js';
import { loadConfig } from '../../src/config.js';
import { FeeBook } from '../../src/fees/schedule.js';
import { isCI, pgReachable, pgTestPool, type PgTestDb } from '../helpers/db.js';
import { ONE, decisionFixture, edgeFixture } from './fixtures.js';

const pgUp = isCI || (await pgReachable());
if (!pgUp) console.warn('[skip] PostgreSQL on 127.0.0.1:5432 is not reachable: these execution tests are skipped (with CI=true they fail)');
const book = (venue: 'polymarket' | 'kalshi', marketId: string, yesAsk: number, noAsk: number): Book => ({
  venue, marketId, yes: { bids: [], asks: [{ price: yesAsk, qty: 100 * ONE }] }, no: { bids: [{ price: noAsk - 10_000, qty: 100 * ONE }], asks: [{ price: noAsk, qty: 100 * ONE }] }, tsVenue: 0, tsReceived: 0, issues: [],
});

describe.skipIf(!pgUp)('execution pipeline (paper)', () => {
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

  it('live mode without a venue broker refuses to start without a usable venue broker', async () => {
    const config = loadConfig({ EXECUTION_MODE: 'live' });
    const args = [{ decisions$: new Subject<RiskDecision>(), books$: new Subject<Book>(), control$: new BehaviorSubject<RiskControl>({ killSwitch: false, limits: limitsFromConfig(config.risk) }) }, { config, pool: db.pool, feeBook: FeeBook.withDefaults(), exposure: new Subject<Exposure>() }] as const;
    await expect(startExecution(...args)).rejects.toThrow(/live broker/);
  });
});
