/**
 * Execution through GraphQL on PostgreSQL: executions (pages, state filter, events, fills),
 * positions and P&L from the tables (no execution in the process) and from a running execution,
 * the executionUpdated subscription, and the admin arm/disarm mutations through the control
 * layer (roles, refusals with their codes, audit rows, the executor told).
 */
import { Subject } from 'rxjs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLiveEvents } from '../../src/api/events.js';
import { EMPTY_POSITIONS, foldFill, type PositionsSnapshot } from '../../src/execution/positions.js';
import { writeExecution, writeFill } from '../../src/store/repos/executions.js';
import { apiFixture, KALSHI_ID, POLY_ID, type ApiFixture } from './helpers.js';
import { fillsOf, makeExecution } from './executionFixtures.js';
import { requireRedis, uniquePrefix } from '../helpers/redis.js';
import { redisGate } from '../helpers/gates.js';

let f: ApiFixture;
const T0 = Date.parse('2026-11-27T12:00:00Z');

beforeAll(async () => {
  f = await apiFixture();
  await writeExecution(f.pool, makeExecution({ executionId: 'ex_a', state: 'hedged', tsPlanned: T0 }), [
    { executionId: 'ex_a', seq: 1, fromState: 'planned', toState: 'leg1Submitted', reason: 'leg 1 first (thinner book)', clientOrderIds: ['ex_a:leg1:1'], venueOrderIds: [], ts: T0 + 1 },
    { executionId: 'ex_a', seq: 2, fromState: 'leg1Submitted', toState: 'leg1Filled', reason: 'filled', clientOrderIds: [], venueOrderIds: ['k-ex_a'], ts: T0 + 2 },
  ]);
  await writeExecution(f.pool, makeExecution({ executionId: 'ex_b', state: 'unwound', tsPlanned: T0 + 60_000, reason: 'leg 2 rejected: price moved' }), []);
  await writeExecution(f.pool, makeExecution({ executionId: 'ex_c', state: 'failed', tsPlanned: T0 + 120_000, reason: 'unwind beyond the loss cap', netQty: 3_000_000 }), []);
  await writeExecution(f.pool, makeExecution({ executionId: 'ex_other', pairId: 'eth-5k', state: 'hedged', tsPlanned: T0 - 60_000 }), []);
  for (const fill of fillsOf('ex_a')) await writeFill(f.pool, fill);
  // marks: the latest stored best bids (Kalshi NO bid 0.50, Polymarket YES bid 0.47)
  await f.pool.query(
    `INSERT INTO book_tops (ts, venue, market_id, yes_bid, yes_bid_qty, no_bid, no_bid_qty) VALUES (now(), 'kalshi', $1, 480000, 1000000, 500000, 1000000), (now(), 'polymarket', $2, 470000, 1000000, 520000, 1000000)`,
    [KALSHI_ID, POLY_ID],
  );
});
afterAll(async () => {
  f?.live.events.attachExecution(undefined);
  await f?.close();
});

describe('executions', () => {
  it('pages newest first with cursors, filters by state', async () => {
    const p1 = await f.gql(f.viewer.token, '{ executions(first: 2) { edges { cursor node { executionId state reason netQty } } pageInfo { hasNextPage endCursor } } }');
    expect(p1.body?.errors).toBeUndefined();
    const c1 = p1.body!.data!.executions as { edges: { node: { executionId: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
    expect(c1.edges.map((e) => e.node.executionId)).toEqual(['ex_c', 'ex_b']);
    expect(c1.pageInfo.hasNextPage).toBe(true);
    const p2 = await f.gql(f.viewer.token, 'query($a: String) { executions(first: 2, after: $a) { edges { node { executionId } } pageInfo { hasNextPage } } }', { a: c1.pageInfo.endCursor });
    expect(p2.body!.data!.executions).toEqual({ edges: [{ node: { executionId: 'ex_a' } }, { node: { executionId: 'ex_other' } }], pageInfo: { hasNextPage: false } });
    // of one pair (the pair page): only its executions, whatever the other pairs did since
    const one = await f.gql(f.viewer.token, 'query($p: ID) { executions(pairId: $p) { edges { node { executionId pairId } } } }', { p: 'eth-5k' });
    expect(one.body!.data!.executions).toEqual({ edges: [{ node: { executionId: 'ex_other', pairId: 'eth-5k' } }] });
    const failed = await f.gql(f.viewer.token, '{ executions(state: failed) { edges { node { executionId reason netQty } } } }');
    expect(failed.body!.data!.executions).toEqual({ edges: [{ node: { executionId: 'ex_c', reason: 'unwind beyond the loss cap', netQty: 3_000_000 } }] });
    const bad = await f.gql(f.viewer.token, '{ executions(after: "bm9wZQ") { edges { cursor } } }');
    expect(bad.body?.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('one execution: plan, progress, events in order, fills with their side and fee', async () => {
    const r = await f.gql(
      f.viewer.token,
      `{ execution(executionId: "ex_a") { executionId state direction expectedProfit lossCapMicros tsPlanned
          legs { pairLeg venue outcome limitPriceMicros } progress { leg1 { filledQty cost fees venueOrderIds } leg2 { filledQty } deadline }
          events { seq fromState toState reason clientOrderIds venueOrderIds ts }
          fills { venue fillId side outcome priceMicros qty feeMicros clientOrderId tsVenue } } }`,
    );
    expect(r.body?.errors).toBeUndefined();
    const x = r.body!.data!.execution as Record<string, unknown>;
    expect(x).toMatchObject({
      executionId: 'ex_a', state: 'hedged', direction: 'aYes', expectedProfit: '0.200000', lossCapMicros: 5_000_000, tsPlanned: '2026-11-27T12:00:00.000Z',
      legs: [{ pairLeg: 1, venue: 'kalshi', outcome: 'no', limitPriceMicros: 540_000 }, { pairLeg: 0, venue: 'polymarket', outcome: 'yes', limitPriceMicros: 440_000 }],
      progress: { leg1: { filledQty: 10_000_000, cost: '5.400000', fees: '0.070000', venueOrderIds: ['k-ex_a'] }, leg2: { filledQty: 10_000_000 }, deadline: '2026-11-27T12:00:05.000Z' },
    });
    expect((x.events as { seq: number; toState: string }[]).map((e) => [e.seq, e.toState])).toEqual([[1, 'leg1Submitted'], [2, 'leg1Filled']]);
    // one fill joined by venue order id (Kalshi echoes no client id), one by client order id
    expect(x.fills).toEqual([
      { venue: 'kalshi', fillId: 'kf-ex_a', side: 'buy', outcome: 'no', priceMicros: 540_000, qty: 10_000_000, feeMicros: 70_000, clientOrderId: null, tsVenue: '2026-11-27T12:00:01.000Z' },
      { venue: 'polymarket', fillId: 'pf-ex_a', side: 'buy', outcome: 'yes', priceMicros: 440_000, qty: 10_000_000, feeMicros: 0, clientOrderId: 'ex_a:leg2:1', tsVenue: '2026-11-27T12:00:01.100Z' },
    ]);
    expect((await f.gql(f.viewer.token, '{ execution(executionId: "nope") { executionId } }')).body!.data!.execution).toBeNull();
  });
});

describe('positions and P&L', () => {
  const Q = `{ positions { source fills unknownFills
      markets { venue marketId outcome pairId qty costMicros realizedPnlMicros unrealizedPnlMicros unrealizedPnl feesMicros markMicros settledAt }
      pairs { pairId costMicros realizedPnl unrealizedPnlMicros feesMicros legs { venue outcome pairId } } }
    pnl { source realizedPnlMicros realizedPnl unrealizedPnlMicros feesMicros exposureMicros exposure fills } }`;

  it('without an execution in the process: folded from the stored fills, marked at the latest stored best bid', async () => {
    const r = await f.gql(f.viewer.token, Q);
    expect(r.body?.errors).toBeUndefined();
    const { positions, pnl } = r.body!.data! as { positions: Record<string, unknown>; pnl: Record<string, unknown> };
    expect(positions.source).toBe('tables');
    expect(positions.fills).toBe(2);
    expect(positions.markets).toEqual([
      // 10 NO at 0.54 marked at the NO bid 0.50: −0.40; fee 0.07 realised
      { venue: 'kalshi', marketId: KALSHI_ID, outcome: 'no', pairId: null, qty: 10_000_000, costMicros: 5_400_000, realizedPnlMicros: -70_000, unrealizedPnlMicros: -400_000, unrealizedPnl: '-0.400000', feesMicros: 70_000, markMicros: 500_000, settledAt: null },
      // 10 YES at 0.44 marked at the YES bid 0.47: +0.30
      { venue: 'polymarket', marketId: POLY_ID, outcome: 'yes', pairId: null, qty: 10_000_000, costMicros: 4_400_000, realizedPnlMicros: 0, unrealizedPnlMicros: 300_000, unrealizedPnl: '0.300000', feesMicros: 0, markMicros: 470_000, settledAt: null },
    ]);
    expect(positions.pairs).toEqual([
      { pairId: 'btc-100k', costMicros: 9_800_000, realizedPnl: '-0.070000', unrealizedPnlMicros: -100_000, feesMicros: 70_000, legs: [{ venue: 'kalshi', outcome: 'no', pairId: 'btc-100k' }, { venue: 'polymarket', outcome: 'yes', pairId: 'btc-100k' }] },
    ]);
    expect(pnl).toEqual({ source: 'tables', realizedPnlMicros: -70_000, realizedPnl: '-0.070000', unrealizedPnlMicros: -100_000, feesMicros: 70_000, exposureMicros: 9_800_000, exposure: '9.800000', fills: 2 });
  });

  it('stored positions rows (written by the execution: computed fees, marks, settlement) win over the fold of the fills', async () => {
    await f.pool.query(
      `INSERT INTO positions (venue, market_id, outcome, pair_id, qty, cost_micros, avg_price_micros, realized_pnl_micros, fees_micros, unrealized_pnl_micros, mark_micros, settled_at, settlement_micros)
       VALUES ('kalshi', $1, 'no', 'btc-100k', 0, 0, 0, 4530000, 70000, NULL, 1000000, '2026-12-31T23:00:00Z', 1000000),
              ('kalshi', $1, 'no', '', 0, 0, 0, 1000000, 0, NULL, 1000000, '2026-12-31T23:00:00Z', 1000000)`,
      [KALSHI_ID],
    );
    try {
      const r = await f.gql(f.viewer.token, '{ positions { source fills markets { venue pairId qty realizedPnlMicros unrealizedPnlMicros markMicros settledAt } pairs { pairId legs { qty realizedPnlMicros unrealizedPnlMicros settledAt } } } }');
      expect(r.body?.errors).toBeUndefined();
      expect(r.body!.data!.positions).toEqual({
        source: 'tables', fills: 2,
        // per market: the pair's settled row plus the unattributed one (both settled: nothing unrealised)
        markets: [{ venue: 'kalshi', pairId: null, qty: 0, realizedPnlMicros: 5_530_000, unrealizedPnlMicros: 0, markMicros: 1_000_000, settledAt: '2026-12-31T23:00:00.000Z' }],
        pairs: [{ pairId: 'btc-100k', legs: [{ qty: 0, realizedPnlMicros: 4_530_000, unrealizedPnlMicros: 0, settledAt: '2026-12-31T23:00:00.000Z' }] }],
      });
    } finally {
      await f.pool.query('DELETE FROM positions');
    }
  });

  it('with a running execution: its latest snapshot (and the fields it computes itself)', async () => {
    const positions$ = new Subject<PositionsSnapshot>();
    f.live.events.attachExecution(fakeRunning('paper', positions$), 'paper');
    try {
      const [k] = fillsOf('ex_a');
      const snap = foldFill(EMPTY_POSITIONS, { ...k!, side: 'buy' }, 'btc-100k');
      // the execution's own mark and unrealised P&L win over the stored book
      const withMark = { ...snap, positions: new Map([...snap.positions].map(([key, p]) => [key, { ...p, markMicros: 530_000, unrealizedPnlMicros: -100_000 }])) };
      positions$.next(withMark);
      const r = await f.gql(f.viewer.token, '{ positions { source markets { venue markMicros unrealizedPnlMicros } } pnl { source exposureMicros } }');
      expect(r.body!.data).toEqual({ positions: { source: 'execution', markets: [{ venue: 'kalshi', markMicros: 530_000, unrealizedPnlMicros: -100_000 }] }, pnl: { source: 'execution', exposureMicros: 5_400_000 } });
    } finally {
      f.live.events.attachExecution(undefined);
    }
  });
});

describe('executionUpdated subscription (SSE over yoga.fetch)', () => {
  it('delivers each published execution state, filtered by id', async () => {
    const ac = new AbortController();
    const res = await f.yoga.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${f.viewer.token}` },
      body: JSON.stringify({ query: 'subscription { executionUpdated(executionId: "ex_live") { executionId state reason legs { venue } } }' }),
      signal: ac.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    const timer = setInterval(() => {
      f.live.events.publishExecution(makeExecution({ executionId: 'ex_other', state: 'planned' }));
      f.live.events.publishExecution(makeExecution({ executionId: 'ex_live', state: 'hedged' }));
    }, 50);
    let text = '';
    const guard = setTimeout(() => ac.abort(), 15_000);
    try {
      while (!text.includes('ex_live')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += dec.decode(value);
      }
    } catch (err) {
      if (!ac.signal.aborted) throw err;
    } finally {
      clearTimeout(guard);
      clearInterval(timer);
      ac.abort();
    }
    expect(text).toContain('"executionUpdated":{"executionId":"ex_live","state":"hedged","reason":"both legs filled","legs":[{"venue":"kalshi"},{"venue":"polymarket"}]}');
    expect(text).not.toContain('ex_other');
  });
});

/** A running execution whose executor arms like the real one: live starts unarmed, paper armed. */
function fakeRunning(mode: 'paper' | 'live', positions$ = new Subject<PositionsSnapshot>()) {
  const calls: boolean[] = [];
  let kill = false;
  let armed = mode !== 'live';
  return Object.assign(
    { executor: { arm: (on = true) => void (calls.push(on), (armed = on)), get armed() { return armed; }, get killSwitch() { return kill; } }, positions$ },
    { calls, setKill: (on: boolean) => void (kill = on) },
  );
}

describe('armExecution / disarmExecution (admin, through src/control/execution.ts)', () => {
  const ARM = 'mutation { armExecution { mode armed killSwitch } }';
  const audit = async () => (await f.pool.query("SELECT token_name, action, result FROM audit_log WHERE action IN ('armExecution', 'disarmExecution') ORDER BY id")).rows as { token_name: string; action: string; result: string }[];
  beforeEach(async () => {
    await f.pool.query("DELETE FROM audit_log WHERE action IN ('armExecution', 'disarmExecution')");
    await f.pool.query('DELETE FROM risk_state');
    f.live.events.attachExecution(undefined);
  });

  it('needs the admin role (refusal audited)', async () => {
    const r = await f.gql(f.operator.token, ARM);
    expect(r.body?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await audit()).toEqual([{ token_name: 'api:otto-operator', action: 'armExecution', result: 'forbidden' }]);
  });

  it('execution off in this process: EXECUTION_OFF, and the status says off', async () => {
    expect((await f.gql(f.viewer.token, '{ executionStatus { mode armed } }')).body!.data).toEqual({ executionStatus: { mode: 'off', armed: false } });
    const r = await f.gql(f.admin.token, ARM);
    expect(r.body?.errors?.[0]).toMatchObject({ message: expect.stringMatching(/execution is off/), extensions: { code: 'EXECUTION_OFF' } });
    const d = await f.gql(f.admin.token, 'mutation { disarmExecution { armed } }');
    expect(d.body?.errors?.[0]?.extensions?.code).toBe('EXECUTION_OFF');
    expect(await audit()).toEqual([
      { token_name: 'api:ada-admin', action: 'armExecution', result: 'error: EXECUTION_OFF' },
      { token_name: 'api:ada-admin', action: 'disarmExecution', result: 'error: EXECUTION_OFF' },
    ]);
  });

  it('paper mode: arming refused (EXECUTION_NOT_LIVE), the executor is not told', async () => {
    const run = fakeRunning('paper');
    f.live.events.attachExecution(run, 'paper');
    const r = await f.gql(f.admin.token, ARM);
    expect(r.body?.errors?.[0]).toMatchObject({ message: expect.stringMatching(/EXECUTION_MODE is paper/), extensions: { code: 'EXECUTION_NOT_LIVE' } });
    expect(run.calls).toEqual([]);
  });

  it('live mode: refused while the kill switch is on (the executor\'s or the stored one); armed when off; disarmed', async () => {
    const run = fakeRunning('live');
    f.live.events.attachExecution(run, 'live');
    expect((await f.gql(f.viewer.token, '{ executionStatus { mode armed killSwitch } }')).body!.data).toEqual({ executionStatus: { mode: 'live', armed: false, killSwitch: false } });
    run.setKill(true);
    expect((await f.gql(f.admin.token, ARM)).body?.errors?.[0]?.extensions?.code).toBe('KILL_SWITCH_ON');
    run.setKill(false);
    await f.pool.query(`INSERT INTO risk_state (key, value) VALUES ('kill_switch', '{"on": true, "by": "api:otto-operator"}')`);
    expect((await f.gql(f.admin.token, ARM)).body?.errors?.[0]?.extensions?.code).toBe('KILL_SWITCH_ON');
    expect(run.calls).toEqual([]);
    await f.pool.query('DELETE FROM risk_state');

    const alerts = f.live.subscribe('alert');
    const ok = await f.gql(f.admin.token, ARM);
    expect(ok.body?.errors).toBeUndefined();
    expect(ok.body!.data!.armExecution).toEqual({ mode: 'live', armed: true, killSwitch: false });
    expect(run.calls).toEqual([true]);
    expect((await alerts.next()).value).toMatchObject({ level: 'critical', message: 'execution ARMED (live orders allowed) (by api:ada-admin)' });
    await alerts.return();
    const off = await f.gql(f.admin.token, 'mutation { disarmExecution { mode armed } }');
    expect(off.body!.data!.disarmExecution).toEqual({ mode: 'live', armed: false });
    expect(run.calls).toEqual([true, false]);
    expect(await audit()).toEqual([
      { token_name: 'api:ada-admin', action: 'armExecution', result: 'error: KILL_SWITCH_ON' },
      { token_name: 'api:ada-admin', action: 'armExecution', result: 'error: KILL_SWITCH_ON' },
      { token_name: 'api:ada-admin', action: 'armExecution', result: 'ok' },
      { token_name: 'api:ada-admin', action: 'disarmExecution', result: 'ok' },
    ]);
  });
});

const describeRedis = (await redisGate()).describe;
describeRedis('execution events through Redis (two buses, as two processes)', () => {
  it('an execution published on one bus reaches a subscriber of the other, validated', async () => {
    const url = await requireRedis();
    const channelPrefix = `${uniquePrefix('exec')}:live:`;
    const cfg = { redis: { mode: 'redis' as const, url, maxLen: 1000, prefix: 'stream' } };
    const [a, b] = await Promise.all([createLiveEvents(cfg, { channelPrefix }), createLiveEvents(cfg, { channelPrefix })]);
    try {
      const sub = b.subscribe('execution');
      const got = sub.next();
      // the subscription is registered on Redis asynchronously: publish until it arrives
      const timer = setInterval(() => a.events.publishExecution(makeExecution({ executionId: 'ex_redis', state: 'unwound', netQty: 0 })), 100);
      const v = await got.finally(() => clearInterval(timer));
      expect(v.value).toMatchObject({ executionId: 'ex_redis', state: 'unwound', plan: { legs: [{ venue: 'kalshi' }, { venue: 'polymarket' }] } });
      await sub.return();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('the dashboard\'s execution queries (src/api/public/app.js)', () => {
  it('stay under the query cost limit (a browser-free check; the browser test runs them too)', async () => {
    const { readFileSync } = await import('node:fs');
    const js = readFileSync(new URL('../../src/api/public/app.js', import.meta.url), 'utf8');
    const EXEC_FIELDS = /const EXEC_FIELDS = '([^']+)'/.exec(js)?.[1];
    const POSITION_FIELDS = /const POSITION_FIELDS = '([^']+)'/.exec(js)?.[1];
    expect(EXEC_FIELDS && POSITION_FIELDS).toBeTruthy();
    const queries = [
      `{ executions(first: 50) { edges { node { ${EXEC_FIELDS} } } } }`,
      `{ positions { source pairs { pairId realizedPnlMicros unrealizedPnlMicros legs { ${POSITION_FIELDS} } } } pnl { realizedPnlMicros unrealizedPnlMicros feesMicros exposureMicros } }`,
      `{ positions { markets { ${POSITION_FIELDS} } } }`,
    ];
    for (const q of queries) expect((await f.gql(f.viewer.token, q)).body?.errors, q).toBeUndefined();
  });
});
