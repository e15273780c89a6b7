/**
 * Simulated arbitrages end to end: the real {@link Executor} on PostgreSQL, the LIVE brokers
 * (`KalshiBroker`, `PolymarketBroker`) and the two venue simulators, with the simulators' order
 * faults (src/venues/common/simFaults.ts) injected on leg 2 (and some on leg 1 or the unwind) in a
 * seeded mix. Issue 12, point 7.
 *
 *   npx tsx scripts/arbitrages.ts [--runs 1000] [--lanes 8] [--seed 12]      (LOG_LEVEL=silent for a quiet run)
 *
 * Each lane is one pair on its own pair of simulators with its own brokers and executor (all on one
 * database pool), and runs its arbitrages one after another, so that a simulator's order fault
 * (armed for "the next order") meets exactly the order it was meant for; the lanes run concurrently.
 * The fault is armed when the executor places the order it targets (role and attempt from the
 * client order id). Checked at the end:
 * - every execution is terminal (hedged / unwound / failed) in the database: nothing unreconciled;
 * - the net exposure the SIMULATORS hold for the pair (YES shares at Polymarket − NO contracts at
 *   Kalshi, before and after each arbitrage, once slow orders have had time to land) is 0, or
 *   alerted; it matches the executor's own record;
 * - each unwind lost at most the loss cap;
 * - no client order id was placed twice (executor side), and no two orders at the Kalshi simulator
 *   carry the same client order id.
 * Exit code 1 when any check fails.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { generatePrivateKey } from 'viem/accounts';
import type { Edge, RiskDecision } from '../schema/edge.js';
import type { Execution, OrderRequest, TradingRules } from '../schema/execution.js';
import { SCALE, type Micros } from '../schema/money.js';
import type { Venue } from '../schema/venue.js';
import { Executor } from '../src/execution/executor.js';
import { DEFAULT_TRADING_RULES } from '../src/execution/plan.js';
import { DEFAULT_MACHINE_CONFIG, type MachineConfig, type Role } from '../src/execution/stateMachine.js';
import { createPool, migrate } from '../src/store/db/index.js';
import type { Broker } from '../src/venues/broker.js';
import { mulberry32, type Rng } from '../src/venues/common/prng.js';
import type { OrderFault } from '../src/venues/common/simFaults.js';
import { createKalshiSigner } from '../src/venues/kalshi/auth.js';
import { KalshiBroker } from '../src/venues/kalshi/broker.js';
import { startKalshiSimulator, type KalshiSim } from '../src/venues/kalshi/simulator.js';
import { PolymarketBroker } from '../src/venues/polymarket/broker.js';
import { startPolymarketSimulator, type PolySim } from '../src/venues/polymarket/simulator.js';
import { mirrorLadders } from '../src/venues/polymarket/simulator/book.js';

const C = SCALE;
/** Polymarket order entry on the simulated markets: 1¢ tick, 5 shares minimum, 2 decimals. */
export const POLY_RULES: TradingRules = { tickMicros: 10_000, minQty: 5 * C, qtyStep: 10_000, minNotionalMicros: 0 };
export const rulesOf = (venue: Venue): TradingRules => (venue === 'polymarket' ? POLY_RULES : DEFAULT_TRADING_RULES);

/** Short state deadlines so that a run of many arbitrages stays fast; slow fills go beyond them. */
export const ARB_MACHINE: MachineConfig = {
  ...DEFAULT_MACHINE_CONFIG,
  timeoutsMs: { planned: 200, leg1Submitted: 1_000, leg1Filled: 200, leg1Partial: 200, leg2Submitted: 1_000, unwinding: 1_000 },
};
/** a slow fill: beyond the submitted states' 1 s deadline */
const SLOW_MS = 1_500;
/** HTTP timeout of the brokers: an order still in flight after an execution ended has landed (or not) by then */
const BROKER_TIMEOUT_MS = 2_000;

/** What happens to one arbitrage: faults per role, by attempt (index 0 = the first order of the role), and the books. */
export interface Scenario {
  readonly name: string;
  readonly weight: number;
  readonly faults?: Partial<Record<Role, readonly (OrderFault | undefined)[]>>;
  /** leg 2's venue quotes above the plan's limit (the price moved in the book, not by a fault) */
  readonly leg2Moved?: boolean;
  /** leg 1's venue has no bid within the loss cap: the unwind cannot sell */
  readonly noUnwindBid?: boolean;
}

const rej = (reason: 'insufficient_balance' | 'price_moved'): OrderFault => ({ kind: 'reject', reason });
const PM = rej('price_moved');

/** The seeded mix: mostly leg-2 failures, some on leg 1 and the unwind. */
export const SCENARIOS: readonly Scenario[] = [
  { name: 'clean', weight: 8 },
  { name: 'leg2 reject insufficient_balance, retried', weight: 8, faults: { leg2: [rej('insufficient_balance')] } },
  { name: 'leg2 reject price_moved ×3 → unwind', weight: 8, faults: { leg2: [PM, PM, PM] } },
  { name: 'leg2 price moved in the book → unwind', weight: 6, leg2Moved: true },
  { name: 'leg2 ack lost → reconciled', weight: 8, faults: { leg2: [{ kind: 'ackLost' }] } },
  { name: 'leg2 ack lost, connection held 1.2 s (> timeout)', weight: 4, faults: { leg2: [{ kind: 'ackLost', holdMs: 1_200 }] } },
  { name: 'leg2 partial 50% then the rest', weight: 8, faults: { leg2: [{ kind: 'partial', ratio: 0.5 }] } },
  { name: 'leg2 partial 40% ×3 → unwind the rest', weight: 6, faults: { leg2: [{ kind: 'partial', ratio: 0.4 }, { kind: 'partial', ratio: 0.4 }, { kind: 'partial', ratio: 0.4 }] } },
  { name: `leg2 slow fill ${SLOW_MS} ms (> timeout)`, weight: 8, faults: { leg2: [{ kind: 'slowFill', ms: SLOW_MS }] } },
  { name: 'leg2 rejected ×3, no bid to unwind → alert', weight: 4, faults: { leg2: [PM, PM, PM] }, noUnwindBid: true },
  { name: 'leg2 rejected ×3, unwind ack lost', weight: 4, faults: { leg2: [PM, PM, PM], unwind: [{ kind: 'ackLost' }] } },
  { name: 'leg2 rejected ×3, unwind partial 50%', weight: 4, faults: { leg2: [PM, PM, PM], unwind: [{ kind: 'partial', ratio: 0.5 }] } },
  { name: 'leg1 reject price_moved', weight: 4, faults: { leg1: [PM] } },
  { name: 'leg1 ack lost → reconciled', weight: 4, faults: { leg1: [{ kind: 'ackLost' }] } },
  { name: 'leg1 partial 30%', weight: 4, faults: { leg1: [{ kind: 'partial', ratio: 0.3 }] } },
  { name: 'leg1 partial 60%', weight: 4, faults: { leg1: [{ kind: 'partial', ratio: 0.6 }] } },
  { name: `leg1 slow fill ${SLOW_MS} ms (> timeout)`, weight: 4, faults: { leg1: [{ kind: 'slowFill', ms: SLOW_MS }] } },
];

function pickScenario(rng: Rng): Scenario {
  const total = SCENARIOS.reduce((s, x) => s + x.weight, 0);
  let r = rng() * total;
  for (const s of SCENARIOS) if ((r -= s.weight) < 0) return s;
  return SCENARIOS[0]!;
}

/** One pair on its own pair of simulators (see the module comment). */
export interface Lane {
  readonly index: number;
  readonly kalshi: KalshiSim;
  readonly poly: PolySim;
  readonly ticker: string;
  readonly conditionId: string;
  readonly yesToken: string;
  readonly kalshiBroker: KalshiBroker;
  readonly polyBroker: PolymarketBroker;
  stop(): Promise<void>;
}

export async function startLane(index: number, seed: number, timeoutMs = BROKER_TIMEOUT_MS): Promise<Lane> {
  const kalshi = await startKalshiSimulator({ seed: seed * 100 + index, marketCount: 2, balanceMicros: 1_000_000 * C });
  const poly = await startPolymarketSimulator({ seed: seed * 100 + index, marketCount: 3, balanceMicros: 1_000_000 * C });
  const km = kalshi.markets.find((m) => m.status === 'active');
  const pm = poly.markets.find((m) => !m.negRisk && m.active && !m.closed);
  if (!km || !pm || !kalshi.auth) throw new Error(`lane ${index}: the simulators have no open market`);
  const kalshiBroker = new KalshiBroker({ restUrl: kalshi.restUrl, wsUrl: kalshi.wsUrl, auth: kalshi.auth, timeoutMs });
  const polyBroker = new PolymarketBroker({ clobUrl: poly.restUrl, privateKey: generatePrivateKey(), creds: poly.orders.creds, timeoutMs });
  return {
    index, kalshi, poly, ticker: km.ticker, conditionId: pm.conditionId, yesToken: pm.yesTokenId, kalshiBroker, polyBroker,
    async stop() {
      await kalshiBroker.close();
      await polyBroker.close();
      await kalshi.stop();
      await poly.stop();
    },
  };
}

/**
 * Fresh books for one arbitrage: Polymarket YES asks 0.45 (limit 0.46), bids 0.44; Kalshi NO at 0.50
 * (YES bids 0.50, limit 0.50), NO bids 0.49. `moved`: that venue's ask is above the limit;
 * `noBid`: that venue's bid is far below any unwind floor.
 */
export function plantBooks(l: Lane, o: { moved?: Venue; noBid?: Venue } = {}): void {
  const deep = 10_000 * C;
  l.poly.setBook(l.conditionId, mirrorLadders([{ price: o.noBid === 'polymarket' ? 100_000 : 440_000, qty: deep }], [{ price: o.moved === 'polymarket' ? 480_000 : 450_000, qty: deep }]));
  l.kalshi.setBook(l.ticker, { yesBid: [{ price: o.moved === 'kalshi' ? 470_000 : 500_000, qty: deep }], noBid: [{ price: o.noBid === 'kalshi' ? 100_000 : 490_000, qty: deep }] });
}

/** An accepted 10-contract edge: buy YES at Polymarket ≤ 0.46, NO at Kalshi ≤ 0.50; `first` goes first (the thinner book). */
export function arbDecision(l: Lane, edgeId: string, first: Venue, tsDetected = 0): RiskDecision {
  const edge: Edge = {
    edgeId, pairId: `pair-${l.index}`, direction: 'aYes', sizeQty: 10 * C, netEdgePerContractMicros: 40_000, profitMicros: 400_000, feesMicros: 0, capitalCostMicros: 0, payoutMicros: 10 * C,
    legs: [
      { venue: 'polymarket', marketId: l.conditionId, outcome: 'yes', vwapMicros: 450_000, worstPriceMicros: 460_000, costMicros: 4_600_000, feeMicros: 0, levelsUsed: first === 'polymarket' ? 2 : 1, tsVenue: tsDetected, tsReceived: tsDetected },
      { venue: 'kalshi', marketId: l.ticker, outcome: 'no', vwapMicros: 500_000, worstPriceMicros: 500_000, costMicros: 5_000_000, feeMicros: 0, levelsUsed: first === 'kalshi' ? 2 : 1, tsVenue: tsDetected, tsReceived: tsDetected },
    ],
    oldestBookTsReceived: tsDetected, tsDetected,
  };
  return { edge, accepted: true, reasons: [], ts: tsDetected };
}

/** Net contracts the simulators hold for the lane's pair: YES shares at Polymarket, NO contracts at Kalshi. */
export const simHoldings = (l: Lane): { polyYes: number; kalshiNo: number } => ({ polyYes: l.poly.orders.position(l.yesToken), kalshiNo: -l.kalshi.orders.position(l.ticker) });

export interface ArbOutcome {
  readonly lane: number;
  readonly edgeId: string;
  readonly scenario: string;
  readonly first: Venue;
  readonly state: Execution['state'];
  /** unhedged contracts on the executor's record */
  readonly recordNet: number;
  /** unhedged contracts at the simulators (|YES at Polymarket − NO at Kalshi| added by this arbitrage) */
  readonly simResidual: number;
  readonly alerts: number;
  /** entry cost of what the unwind sold minus its proceeds, micro-dollars */
  readonly unwindLossMicros: number;
  readonly statusQueries: number;
  /** the executor stopped asking the venue about an order (failed, alerted "reconcile by hand"): not reconciled */
  readonly gaveUp: boolean;
}

export interface ArbSummary {
  readonly runs: number;
  readonly lanes: number;
  readonly seconds: number;
  readonly outcomes: readonly ArbOutcome[];
  /** executions not in a terminal state in the database */
  readonly nonTerminal: number;
  /** executions in the database */
  readonly recorded: number;
  /** place() called twice with one client order id (executor side) */
  readonly duplicatePlaces: number;
  /** orders at the Kalshi simulators sharing a client order id */
  readonly duplicateAtKalshi: number;
  readonly ordersAtKalshi: number;
  readonly ordersAtPolymarket: number;
  readonly alerts: number;
  /** failures of the end-state checks, one line each */
  readonly violations: readonly string[];
}

export interface ArbRunOptions {
  readonly pool: pg.Pool;
  readonly runs: number;
  readonly lanes: number;
  readonly seed: number;
  readonly lossCapMicros?: Micros;
  readonly progress?: (done: number) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `b` with its place() seen first by `onPlace` (a Proxy: every other member is the broker's own). */
export function onPlace<B extends Broker>(b: B, hook: (o: OrderRequest) => void): B {
  const place = (o: OrderRequest) => {
    hook(o);
    return b.place(o);
  };
  return new Proxy(b, {
    get(target, key) {
      if (key === 'place') return place;
      const v: unknown = Reflect.get(target, key, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** Arms the scenario's fault on the simulator when the executor places the order it targets. */
function faulting(b: Broker, sim: { orders: { fault(f: OrderFault): void } }, state: { scenario: Scenario | undefined; placed: Map<string, number>; slowUntil: number }): Broker {
  return onPlace(b, (o) => {
    state.placed.set(o.clientOrderId, (state.placed.get(o.clientOrderId) ?? 0) + 1);
    const [, role, attempt] = o.clientOrderId.split(':');
    const f = state.scenario?.faults?.[role as Role]?.[Number(attempt) - 1];
    if (!f) return;
    sim.orders.fault(f);
    if (f.kind === 'slowFill') state.slowUntil = Math.max(state.slowUntil, Date.now() + f.ms + 100);
  });
}

/** Every order at a Kalshi simulator (signed REST, as the broker reads it). */
async function kalshiOrders(l: Lane): Promise<{ client_order_id?: string }[]> {
  const signer = createKalshiSigner(l.kalshi.auth!, Date.now);
  const base = new URL(l.kalshi.restUrl);
  const out: { client_order_id?: string }[] = [];
  let cursor = '';
  for (;;) {
    const p = `${base.pathname.replace(/\/+$/, '')}/portfolio/orders`;
    const res = await fetch(`${base.origin}${p}?limit=1000${cursor ? `&cursor=${cursor}` : ''}`, { headers: signer.headers('GET', p) });
    const page = (await res.json()) as { orders: { client_order_id?: string }[]; cursor?: string };
    out.push(...page.orders);
    if (!page.cursor) return out;
    cursor = page.cursor;
  }
}

async function runLane(l: Lane, o: ArbRunOptions, runs: number, out: ArbOutcome[], violations: string[], tick: () => void): Promise<{ duplicatePlaces: number; alerts: number; ordersAtKalshi: number; duplicateAtKalshi: number }> {
  const cap = o.lossCapMicros ?? 500_000;
  const state = { scenario: undefined as Scenario | undefined, placed: new Map<string, number>(), slowUntil: 0 };
  let alerts = 0;
  const ex = new Executor({
    pool: o.pool, brokers: { kalshi: faulting(l.kalshiBroker, l.kalshi, state), polymarket: faulting(l.polyBroker, l.poly, state) },
    rules: rulesOf, lossCapMicros: cap, machine: ARB_MACHINE, onAlert: () => alerts++,
  });
  await ex.start();
  const rng = mulberry32(o.seed * 7919 + l.index);
  for (let i = 0; i < runs; i++) {
    const scenario = pickScenario(rng);
    const first: Venue = rng() < 0.5 ? 'polymarket' : 'kalshi';
    const second: Venue = first === 'kalshi' ? 'polymarket' : 'kalshi';
    state.scenario = scenario;
    plantBooks(l, { ...(scenario.leg2Moved ? { moved: second } : {}), ...(scenario.noUnwindBid ? { noBid: first } : {}) });
    const before = simHoldings(l);
    const alertsBefore = alerts;
    const edgeId = `arb-${o.seed}-${l.index}-${i}`;
    const x = await ex.submit(arbDecision(l, edgeId, first));
    // a slow order still matching at the simulator, or an order whose outcome the executor gave up
    // on, lands (or not) before the books are read
    const gaveUp = !!x && /outcome unknown after/.test(x.reason);
    const settle = Math.max(state.slowUntil, gaveUp ? Date.now() + BROKER_TIMEOUT_MS + 200 : 0);
    if (settle > Date.now()) await sleep(settle - Date.now());
    const after = simHoldings(l);
    const simResidual = after.polyYes - before.polyYes - (after.kalshiNo - before.kalshiNo);
    if (!x) {
      violations.push(`${edgeId} (${scenario.name}): not executed`);
      continue;
    }
    const p = x.progress;
    const unwindLoss = p.unwind.filledQty > 0 ? Math.ceil((p.leg1.costMicros * p.unwind.filledQty) / p.leg1.filledQty) - p.unwind.costMicros : 0;
    const alerted = alerts - alertsBefore;
    const r: ArbOutcome = {
      lane: l.index, edgeId, scenario: scenario.name, first, state: x.state, recordNet: x.netQty, simResidual: Math.abs(simResidual), alerts: alerted, unwindLossMicros: unwindLoss,
      statusQueries: 0, gaveUp,
    };
    out.push(r);
    if (!['hedged', 'unwound', 'failed'].includes(x.state)) violations.push(`${edgeId} (${scenario.name}): ended in ${x.state}`);
    if (r.simResidual !== 0 && alerted === 0) violations.push(`${edgeId} (${scenario.name}): ${r.simResidual / C} contracts unhedged at the simulators and no alert (${x.state}: ${x.reason})`);
    if (gaveUp) violations.push(`${edgeId} (${scenario.name}): not reconciled: ${x.reason}`);
    else if (r.simResidual !== Math.abs(x.netQty)) violations.push(`${edgeId} (${scenario.name}): the simulators hold ${r.simResidual / C} unhedged, the record says ${x.netQty / C} (${x.state}: ${x.reason})`);
    if (unwindLoss > cap) violations.push(`${edgeId} (${scenario.name}): unwind lost ${unwindLoss} micros > cap ${cap}`);
    tick();
  }
  await ex.idle();
  const duplicatePlaces = [...state.placed.values()].filter((n) => n > 1).length;
  const ids = (await kalshiOrders(l)).map((k) => k.client_order_id ?? '');
  return { duplicatePlaces, alerts, ordersAtKalshi: ids.length, duplicateAtKalshi: ids.length - new Set(ids).size };
}

/** Runs `runs` arbitrages over `lanes` concurrent lanes (see the module comment) and checks the end state. */
export async function runArbitrages(o: ArbRunOptions): Promise<ArbSummary> {
  const t0 = performance.now();
  const lanes = await Promise.all(Array.from({ length: o.lanes }, (_, i) => startLane(i, o.seed)));
  const outcomes: ArbOutcome[] = [];
  const violations: string[] = [];
  let done = 0;
  try {
    const per = lanes.map((l) => Math.floor(o.runs / o.lanes) + (l.index < o.runs % o.lanes ? 1 : 0));
    const res = await Promise.all(lanes.map((l) => runLane(l, o, per[l.index]!, outcomes, violations, () => o.progress?.(++done))));
    const db = await o.pool.query<{ n: string; open: string }>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE state NOT IN ('hedged', 'unwound', 'failed')) AS open FROM executions WHERE edge_id LIKE $1`,
      [`arb-${o.seed}-%`],
    );
    const row = db.rows[0]!;
    const nonTerminal = Number(row.open);
    if (nonTerminal) violations.push(`${nonTerminal} executions left non-terminal in the database`);
    const asked = await o.pool.query<{ edge_id: string; n: string }>(
      `SELECT x.edge_id, count(e.*) AS n FROM executions x JOIN execution_events e USING (execution_id) WHERE x.edge_id LIKE $1 AND e.reason LIKE '%asking%' GROUP BY x.edge_id`,
      [`arb-${o.seed}-%`],
    );
    const askedBy = new Map(asked.rows.map((r) => [r.edge_id, Number(r.n)]));
    const withStatus = outcomes.map((x) => ({ ...x, statusQueries: askedBy.get(x.edgeId) ?? 0 }));
    const duplicatePlaces = res.reduce((s, r) => s + r.duplicatePlaces, 0);
    const duplicateAtKalshi = res.reduce((s, r) => s + r.duplicateAtKalshi, 0);
    if (duplicatePlaces) violations.push(`${duplicatePlaces} client order ids placed more than once`);
    if (duplicateAtKalshi) violations.push(`${duplicateAtKalshi} duplicate client order ids at the Kalshi simulators`);
    return {
      runs: o.runs, lanes: o.lanes, seconds: (performance.now() - t0) / 1000, outcomes: withStatus, nonTerminal, recorded: Number(row.n), duplicatePlaces, duplicateAtKalshi,
      ordersAtKalshi: res.reduce((s, r) => s + r.ordersAtKalshi, 0), ordersAtPolymarket: lanes.reduce((s, l) => s + l.poly.orders.stats.ordersPlaced, 0),
      alerts: res.reduce((s, r) => s + r.alerts, 0), violations,
    };
  } finally {
    await Promise.all(lanes.map((l) => l.stop()));
  }
}

const usd = (m: number): string => `$${(m / C).toFixed(2)}`;

/** The summary table (markdown): outcomes by scenario, alerts, max residual, unwind loss; then the checks. */
export function formatSummary(s: ArbSummary): string {
  const rows = new Map<string, ArbOutcome[]>();
  for (const o of s.outcomes) rows.set(o.scenario, [...(rows.get(o.scenario) ?? []), o]);
  const lines = [
    `${s.runs} arbitrages, ${s.lanes} concurrent lanes, ${s.seconds.toFixed(1)} s; live brokers on the Kalshi and Polymarket simulators; executor on PostgreSQL`,
    '',
    '| scenario | runs | hedged | unwound | failed | alerted | status queries | max residual (ct) | unwind loss total | max unwind loss |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const row = (name: string, xs: readonly ArbOutcome[]) => {
    const n = (st: string) => xs.filter((x) => x.state === st).length;
    const loss = xs.reduce((a, x) => a + x.unwindLossMicros, 0);
    lines.push(`| ${name} | ${xs.length} | ${n('hedged')} | ${n('unwound')} | ${n('failed')} | ${xs.filter((x) => x.alerts > 0).length} | ${xs.reduce((a, x) => a + x.statusQueries, 0)} | ${Math.max(0, ...xs.map((x) => x.simResidual)) / C} | ${usd(loss)} | ${usd(Math.max(0, ...xs.map((x) => x.unwindLossMicros)))} |`);
  };
  for (const sc of SCENARIOS) if (rows.has(sc.name)) row(sc.name, rows.get(sc.name)!);
  row('**all**', s.outcomes);
  lines.push(
    '',
    `executions recorded ${s.recorded}, non-terminal ${s.nonTerminal}; alerts ${s.alerts}; orders at Kalshi ${s.ordersAtKalshi} (duplicate client ids ${s.duplicateAtKalshi}), at Polymarket ${s.ordersAtPolymarket}; place() twice with one id: ${s.duplicatePlaces}`,
    `not reconciled (the executor gave up asking, alerted "reconcile by hand"): ${s.outcomes.filter((x) => x.gaveUp).length}`,
    `unhedged at the simulators after all runs: ${s.outcomes.filter((x) => x.simResidual > 0).length} arbitrages, ${s.outcomes.reduce((a, x) => a + x.simResidual, 0) / C} contracts (all alerted: ${s.outcomes.every((x) => x.simResidual === 0 || x.alerts > 0)})`,
    s.violations.length ? `VIOLATIONS (${s.violations.length}):\n${s.violations.slice(0, 40).map((v) => `- ${v}`).join('\n')}` : 'checks: all passed',
  );
  return lines.join('\n');
}

/** A pool whose search_path is a fresh, migrated schema; `drop` removes it. `pgOptions` adds `-c name=value` settings. */
export async function freshSchemaPool(url: string, o: { max?: number; pgOptions?: string } = {}): Promise<{ pool: pg.Pool; drop(): Promise<void> }> {
  const schema = `arb_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${pg.escapeIdentifier(schema)}`);
  await admin.end();
  const pool = createPool({ connectionString: url, max: o.max ?? 10, options: `-c search_path=${schema},public${o.pgOptions ? ` ${o.pgOptions}` : ''}` });
  await migrate(pool);
  return {
    pool,
    async drop() {
      await pool.end();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
      await c.end();
    },
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name: string, def: number): number => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : def;
  };
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const db = await freshSchemaPool(url);
  try {
    const runs = arg('runs', 1000);
    const s = await runArbitrages({ pool: db.pool, runs, lanes: arg('lanes', 8), seed: arg('seed', 12), progress: (n) => n % 100 === 0 && process.stderr.write(`${n}/${runs}\n`) });
    process.stdout.write(formatSummary(s) + '\n');
    process.exitCode = s.violations.length ? 1 : 0;
  } finally {
    await db.drop();
  }
}
