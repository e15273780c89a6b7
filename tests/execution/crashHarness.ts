/**
 * The parent of the SIGKILL soak: the venue simulators (Kalshi, Polymarket) and the database live
 * here, so they survive the child (./crashChild.ts) that the run kills. One child process per
 * run: it recovers what the previous child left (Executor.recover against the live brokers),
 * then takes the next decision and SIGKILLs itself at the run's crash point (./crashPoints.ts).
 *
 * After every recovery the parent checks the run against the venues, never against our record:
 * - unhedged beyond the loss cap: NO bought on Kalshi (leg 1, less the unwind) minus YES bought on
 *   Polymarket (leg 2), from the simulators' positions, must be 0, or be alerted and within the cap;
 * - duplicated orders: the orders the simulators accepted for the run are at most the attempts on
 *   record (each attempt has its own client order id; an id is never sent twice);
 * - the execution is ended (hedged, unwound or failed) and its record matches the venues' positions.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { generatePrivateKey } from 'viem/accounts';
import { notional, SCALE } from '../../schema/money.js';
import type { Execution } from '../../schema/execution.js';
import { executionIdOf } from '../../src/execution/executor.js';
import { getExecution } from '../../src/store/repos/executions.js';
import { startKalshiSimulator, type KalshiSim } from '../../src/venues/kalshi/simulator.js';
import { startPolymarketSimulator, type PolySim } from '../../src/venues/polymarket/simulator.js';
import { mirrorLadders } from '../../src/venues/polymarket/simulator/book.js';
import { pgTestPool, TEST_PG_URL, type PgTestDb } from '../helpers/db.js';
import { CHILD_TAG, CRASH_LOSS_CAP_MICROS, crashPoint, type ChildMessage, type ParentMessage } from './crashPoints.js';

const CHILD = path.join(import.meta.dirname, 'crashChild.ts');
const C = SCALE;

/**
 * The child bundled into one file (esbuild, which tsx ships with): a child then starts in about a
 * fifth of the time of `node --import tsx` (no per-module transform or resolution), and start-up
 * is most of a run. Falls back to tsx when esbuild cannot be loaded.
 */
async function childCommand(): Promise<{ args: string[]; cleanup: () => void }> {
  try {
    const esbuild = await import('esbuild');
    const dir = mkdtempSync(path.join(tmpdir(), 'arbstream-crash-'));
    const outfile = path.join(dir, 'crashChild.mjs');
    await esbuild.build({
      entryPoints: [CHILD], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning',
      // CommonJS dependencies inside an ES module bundle need a require
      banner: { js: "import { createRequire as __crashRequire } from 'node:module'; const require = __crashRequire(import.meta.url);" },
    });
    return { args: [outfile], cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  } catch {
    return { args: ['--import', 'tsx', CHILD], cleanup: () => undefined };
  }
}

export interface RunResult {
  readonly point: string;
  readonly executionId: string;
  /** the child died at the point (false: the decision ended before it) */
  readonly crashed: boolean;
  readonly state: Execution['state'] | 'missing';
  /** contracts of leg 1 held at the venues without a hedge (+) or leg 2 without leg 1 (−) */
  readonly residualQty: number;
  /** the execution raised an alert, or recovery alerted a position mismatch */
  readonly alerted: boolean;
  /** recovery's position mismatches (venue vs executions on record) */
  readonly mismatches: readonly string[];
  readonly unhedgedBeyondCap: boolean;
  /** venue orders beyond the attempts on record */
  readonly duplicates: number;
  /** the record's fills differ from the venues' positions */
  readonly recordMismatch: boolean;
  /** child spawn → recovery reported, ms */
  readonly restartToReconciledMs: number;
  /** inside Executor.recover, ms */
  readonly recoverMs: number;
  readonly problems: readonly string[];
}

interface Child {
  readonly proc: ChildProcess;
  readonly messages: AsyncIterator<ChildMessage>;
  readonly exited: Promise<NodeJS.Signals | number | null>;
}

export interface CrashHarness {
  /** One run: decision, crash at `point`, restart, recovery, checks. */
  run(point: string): Promise<RunResult>;
  stop(): Promise<void>;
}

export async function startCrashHarness(opts: { readonly verbose?: boolean; readonly childEnv?: Readonly<Record<string, string>> } = {}): Promise<CrashHarness> {
  const db: PgTestDb = await pgTestPool({ migrate: true });
  const ks: KalshiSim = await startKalshiSimulator({ seed: 11, marketCount: 3, balanceMicros: 1_000_000 * C });
  const ps: PolySim = await startPolymarketSimulator({ seed: 11, marketCount: 4, balanceMicros: 1_000_000 * C });
  ks.control.walk(false);
  ps.control.walk(false);
  const cmd = await childCommand();
  const ticker = ks.markets.find((m) => m.status === 'active')!.ticker;
  const pm = ps.markets.find((x) => !x.negRisk && x.active && !x.closed)!;
  const env = {
    ...process.env,
    ...opts.childEnv,
    LOG_LEVEL: opts.verbose ? 'info' : 'fatal',
    CRASH_PG_URL: TEST_PG_URL, CRASH_PG_SCHEMA: db.schema,
    CRASH_KALSHI_REST: ks.restUrl, CRASH_KALSHI_WS: ks.wsUrl, CRASH_KALSHI_AUTH: JSON.stringify(ks.auth), CRASH_KALSHI_TICKER: ticker,
    CRASH_POLY_CLOB: ps.restUrl, CRASH_POLY_KEY: generatePrivateKey(), CRASH_POLY_CREDS: JSON.stringify(ps.orders.creds), CRASH_POLY_MARKET: pm.conditionId,
  };
  /** Kalshi: NO asks 0.50 (from YES bids), NO bids 0.49; Polymarket: YES asks 0.46, bids 0.44. Deep. */
  const plant = (): void => {
    ks.setBook(ticker, { yesBid: [{ price: 500_000, qty: 1_000 * C }], noBid: [{ price: 490_000, qty: 1_000 * C }] });
    ps.setBook(pm.conditionId, mirrorLadders([{ price: 440_000, qty: 1_000 * C }], [{ price: 460_000, qty: 1_000 * C }]));
  };

  const spawnChild = (): Child => {
    const proc = spawn(process.execPath, cmd.args, { env, stdio: ['pipe', 'pipe', opts.verbose ? 'inherit' : 'ignore'] });
    const exited = new Promise<NodeJS.Signals | number | null>((r) => proc.once('exit', (code, sig) => r(sig ?? code)));
    const lines = createInterface({ input: proc.stdout! });
    async function* msgs(): AsyncGenerator<ChildMessage> {
      for await (const l of lines) {
        if (l.startsWith(CHILD_TAG)) yield JSON.parse(l.slice(CHILD_TAG.length)) as ChildMessage;
        else if (opts.verbose) process.stdout.write(`[child] ${l}\n`);
      }
    }
    return { proc, messages: msgs(), exited };
  };
  const send = (c: Child, m: ParentMessage): void => void c.proc.stdin!.write(`${JSON.stringify(m)}\n`);
  const next = async (c: Child, what: string): Promise<ChildMessage | undefined> => {
    const r = await Promise.race([c.messages.next(), c.exited.then(() => ({ done: true, value: undefined }) as const)]);
    if (r.done && what === 'recovered') throw new Error(`crash child exited before it recovered (${String(await c.exited)})`);
    return r.done ? undefined : r.value;
  };

  /** A child that has recovered; its report. */
  const restart = async (): Promise<{ child: Child; ms: number; msg: Extract<ChildMessage, { type: 'recovered' }> }> => {
    const t0 = performance.now();
    const child = spawnChild();
    const msg = await next(child, 'recovered');
    if (msg?.type !== 'recovered') throw new Error(`crash child: expected its recovery report, got ${JSON.stringify(msg)}`);
    return { child, ms: performance.now() - t0, msg };
  };

  let current = (await restart()).child;
  let n = 0;

  return {
    async run(pointName) {
      const point = crashPoint(pointName);
      const edgeId = `crash-${pointName}-${++n}-${process.pid}`;
      const executionId = executionIdOf(edgeId);
      plant();
      const k0 = ks.orders.position(ticker);
      const p0 = ps.orders.position(pm.yesTokenId);
      const ko0 = ks.orders.stats.ordersPlaced;
      const po0 = ps.orders.orderCount();
      for (const f of point.faults?.kalshi ?? []) ks.orders.fault(f);
      for (const f of point.faults?.polymarket ?? []) ps.orders.fault(f);
      send(current, { type: 'go', point: pointName, edgeId });
      const m = await next(current, 'done');
      const crashed = m?.type !== 'done';
      let ms = 0;
      let recoverMs = 0;
      let mismatches: readonly string[] = [];
      const problems: string[] = [];
      if (crashed) {
        const sig = await current.exited;
        if (sig !== 'SIGKILL') problems.push(`child ended with ${String(sig)}, not SIGKILL`);
        const r = await restart();
        current = r.child;
        ms = r.ms;
        recoverMs = r.msg.ms;
        mismatches = r.msg.mismatches;
        if (!r.msg.recovered.some((x) => x.executionId === executionId)) problems.push('the crashed execution was not recovered');
      }
      const rec = await getExecution(db.pool, executionId);
      const dk = -(ks.orders.position(ticker) - k0); // NO contracts bought (leg 1) less sold (unwind)
      const dp = ps.orders.position(pm.yesTokenId) - p0; // YES shares bought (leg 2)
      const residualQty = dk - dp;
      const alerted = (rec?.progress.alerts.length ?? 0) > 0 || mismatches.length > 0;
      const limit = rec?.plan.legs[0].limitPriceMicros ?? 1_000_000;
      const unhedgedBeyondCap = residualQty !== 0 && (!alerted || notional(limit, Math.abs(residualQty), 'ceil') > CRASH_LOSS_CAP_MICROS);
      const attempts = rec ? { kalshi: rec.progress.leg1.attempts + rec.progress.unwind.attempts, poly: rec.progress.leg2.attempts } : { kalshi: 0, poly: 0 };
      const duplicates = Math.max(0, ks.orders.stats.ordersPlaced - ko0 - attempts.kalshi) + Math.max(0, ps.orders.orderCount() - po0 - attempts.poly);
      const recordMismatch = !rec || rec.progress.leg1.filledQty - rec.progress.unwind.filledQty !== dk || rec.progress.leg2.filledQty !== dp;
      if (!rec) problems.push('no execution on record');
      else if (!['hedged', 'unwound', 'failed'].includes(rec.state)) problems.push(`execution left in ${rec.state}`);
      if (unhedgedBeyondCap) problems.push(`unhedged ${residualQty / C} contracts${alerted ? ' (alerted, beyond the cap)' : ' without an alert'}`);
      if (duplicates) problems.push(`${duplicates} duplicated order(s)`);
      if (recordMismatch && rec) problems.push(`record (leg1 ${rec.progress.leg1.filledQty / C} − unwind ${rec.progress.unwind.filledQty / C}, leg2 ${rec.progress.leg2.filledQty / C}) ≠ venues (Kalshi NO ${dk / C}, Polymarket YES ${dp / C})`);
      return { point: pointName, executionId, crashed, state: rec?.state ?? 'missing', residualQty, alerted, mismatches, unhedgedBeyondCap, duplicates, recordMismatch, restartToReconciledMs: ms, recoverMs, problems };
    },
    async stop() {
      send(current, { type: 'exit' });
      const t = setTimeout(() => current.proc.kill('SIGKILL'), 5_000);
      await current.exited;
      clearTimeout(t);
      await Promise.allSettled([ks.stop(), ps.stop()]);
      await db.drop();
      cmd.cleanup();
    },
  };
}

export interface PointSummary { point: string; runs: number; ok: number; notReached: number; duplicates: number; unhedgedBeyondCap: number; meanRestartMs: number; meanRecoverMs: number }

/** Per point: runs, ok, duplicates, unhedged beyond the cap, mean restart-to-reconciled ms. */
export function summarize(results: readonly RunResult[]): PointSummary[] {
  const by = new Map<string, RunResult[]>();
  for (const r of results) by.set(r.point, [...(by.get(r.point) ?? []), r]);
  return [...by].map(([point, rs]) => {
    const crashed = rs.filter((r) => r.crashed);
    const mean = (xs: number[]) => (xs.length ? Math.round(xs.reduce((a, b) => a + b, 0) / xs.length) : 0);
    return {
      point, runs: rs.length, ok: rs.filter((r) => r.problems.length === 0).length, notReached: rs.length - crashed.length,
      duplicates: rs.reduce((s, r) => s + r.duplicates, 0), unhedgedBeyondCap: rs.filter((r) => r.unhedgedBeyondCap).length,
      meanRestartMs: mean(crashed.map((r) => r.restartToReconciledMs)), meanRecoverMs: mean(crashed.map((r) => r.recoverMs)),
    };
  });
}
