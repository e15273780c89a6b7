/**
 * The child process of the SIGKILL soak (./crashHarness.ts is the parent). Run with
 * `node --import tsx tests/execution/crashChild.ts`; everything comes from the environment the
 * parent sets (simulator URLs and credentials, the database schema, the markets).
 *
 * 1. Builds the LIVE brokers (src/venues/{kalshi,polymarket}/broker.ts) against the parent's
 *    simulators (they outlive this process) and an Executor on the parent's database.
 * 2. Recovers (Executor.recover: open executions reconciled with the venues) and reports it.
 * 3. Waits for a `go` line on stdin: submits one decision and SIGKILLs itself at the named crash
 *    point (./crashPoints.ts). When the decision ends before the point, reports `done`.
 */
import { createInterface } from 'node:readline';
import type { Edge } from '../../schema/edge.js';
import { Executor, executionIdOf } from '../../src/execution/executor.js';
import { DEFAULT_TRADING_RULES } from '../../src/execution/plan.js';
import { DEFAULT_MACHINE_CONFIG } from '../../src/execution/stateMachine.js';
import { createPool } from '../../src/store/db/index.js';
import { KalshiAuthConfig } from '../../src/venues/kalshi/auth.js';
import { KalshiBroker } from '../../src/venues/kalshi/broker.js';
import { PolymarketBroker } from '../../src/venues/polymarket/broker.js';
import { CHILD_TAG, CRASH_LOSS_CAP_MICROS, crashPoint, type ChildMessage, type CrashPoint, type ParentMessage } from './crashPoints.js';
import { decisionFixture, edgeFixture } from './fixtures.js';

const env = (k: string): string => {
  const v = process.env[k];
  if (!v) throw new Error(`crashChild: ${k} is not set (the parent sets it)`);
  return v;
};
const say = (m: ChildMessage): void => void process.stdout.write(`${CHILD_TAG}${JSON.stringify(m)}\n`);

/** The state machine's deadlines, short (the venues are local). */
const CRASH_MACHINE = { ...DEFAULT_MACHINE_CONFIG, timeoutsMs: { planned: 500, leg1Submitted: 2_000, leg1Filled: 500, leg1Partial: 500, leg2Submitted: 2_000, unwinding: 2_000 }, reconcileBackoffMs: { firstMs: 100, maxMs: 1_000 } };

function crashEdge(edgeId: string, kalshiTicker: string, polyMarket: string): Edge {
  const base = edgeFixture();
  return edgeFixture({
    edgeId,
    pairId: `crash-${edgeId}`,
    legs: [
      { ...base.legs[0], venue: 'polymarket', marketId: polyMarket, outcome: 'yes' },
      // the thinner book (more levels walked): goes first
      { ...base.legs[1], venue: 'kalshi', marketId: kalshiTicker, outcome: 'no', levelsUsed: 2 },
    ],
  });
}

async function main(): Promise<void> {
  const pool = createPool({ connectionString: env('CRASH_PG_URL'), max: 3, options: `-c search_path=${env('CRASH_PG_SCHEMA')},public` });
  const kalshi = new KalshiBroker({ restUrl: env('CRASH_KALSHI_REST'), wsUrl: env('CRASH_KALSHI_WS'), auth: KalshiAuthConfig.parse(JSON.parse(env('CRASH_KALSHI_AUTH'))), timeoutMs: 1_000, reconnectMs: 100 });
  const creds = JSON.parse(env('CRASH_POLY_CREDS')) as { key: string; secret: string; passphrase: string };
  const polyBroker = new PolymarketBroker({ clobUrl: env('CRASH_POLY_CLOB'), privateKey: env('CRASH_POLY_KEY'), creds, timeoutMs: 1_000 });
  // CRASH_NO_PREPARE=1: the negative control (no order hash written ahead: the soak must catch
  // it). The instance's own `prepare` shadows the class method; `place` signs by itself.
  if (process.env.CRASH_NO_PREPARE === '1') Object.defineProperty(polyBroker, 'prepare', { value: undefined });
  const poly = polyBroker;
  const ticker = env('CRASH_KALSHI_TICKER');
  const market = env('CRASH_POLY_MARKET');
  let point: CrashPoint | undefined;
  let target: string | undefined;
  const alerts: string[] = [];
  const ex = new Executor({
    pool, brokers: { kalshi, polymarket: poly }, rules: () => DEFAULT_TRADING_RULES, lossCapMicros: CRASH_LOSS_CAP_MICROS, machine: CRASH_MACHINE, requestTimeoutMs: 1_000,
    onAlert: (m) => alerts.push(m),
    onTransition: (m, phase, d) => {
      if (point && m.plan.executionId === target && point.phase === phase && point.match(m, d)) process.kill(process.pid, 'SIGKILL');
    },
  });
  const t0 = performance.now();
  const r = await ex.recover();
  say({ type: 'recovered', ms: performance.now() - t0, recovered: r.recovered, mismatches: r.mismatches, alerts });
  for await (const line of createInterface({ input: process.stdin })) {
    const msg = JSON.parse(line) as ParentMessage;
    if (msg.type === 'exit') break;
    point = crashPoint(msg.point);
    const d = decisionFixture(crashEdge(msg.edgeId, ticker, market));
    target = executionIdOf(d.edge.edgeId);
    const end = await ex.submit(d);
    say({ type: 'done', state: end?.state });
  }
  await Promise.allSettled([kalshi.close(), poly.close()]);
  await pool.end();
}

await main();
