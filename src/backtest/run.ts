/**
 * `runBacktest`: the replay graph (pipelines/replay.ts, the SAME graph as live) over a recording,
 * a dataset or frames in memory, with its accepted decisions executed by the paper broker on the
 * replay's virtual clock (./simulator.ts), and the metrics of it (./metrics.ts).
 *
 *   source ─► streamReplay (virtual clock) ─► decisions$ ─┬─► VirtualExecution (latency L₀: the main run) ─► trades ─► metrics, equity, per pair
 *                                  books$ ─► paper brokers ├─► VirtualExecution (L₁, L₂ …)               ─► result.latency (edge decay)
 *                                                          └─► VirtualExecution (sweep: L × fold windows) ─► result.sweep
 *   one replay per minimum edge (the risk gate's limit changes the decisions); every latency and fold of it rides the same replay
 *
 * Deterministic: the replay is synchronous on virtual time and nothing here reads a wall clock,
 * so the same input and options give byte-identical JSON.
 */
import type { BacktestGap, BacktestResult, LatencyPoint, PairRow, SweepRow } from '../../schema/backtest.js';
import type { Pair } from '../../schema/pair.js';
import { SCALE } from '../../schema/money.js';
import { limitsFromConfig } from '../../pipelines/core.js';
import { streamReplay } from '../../pipelines/replay.js';
import { loadConfig, type Config } from '../config.js';
import { NonRetryableError } from '../errors.js';
import { log } from '../log.js';
import { listGaps } from '../store/repos/history.js';
import type { Queryable } from '../store/repos/types.js';
import { mean, summarize, type TradeFacts } from './metrics.js';
import { VirtualExecution, type SimOutcome, type SimSettings } from './simulator.js';
import { openInput, sourceMeta, watchBooks, watchFrames, type BacktestSource } from './sources.js';

export type { BacktestSource } from './sources.js';

export interface BacktestOptions {
  readonly source: BacktestSource;
  /** unix ms, inclusive / exclusive (default: the data's) */
  readonly from?: number;
  readonly to?: number;
  /** one run per latency (edge decay); the first is the main run's (default [50, 0, 250]) */
  readonly latenciesMs?: readonly number[];
  /** share of displayed depth we get, 0..1 (default 0.5) */
  readonly queueShare?: number;
  /** minimum net edge per contract the risk gate accepts, micro-dollars (default 10,000 = 1¢) */
  readonly minEdgeMicros?: number;
  /** starting cash, micro-dollars (default $10,000) */
  readonly cashMicros?: number;
  /** yearly capital cost, exact decimal (default the config's RISK_CAPITAL_APR) */
  readonly capitalApr?: string;
  /** walk-forward sweep of minimum edge × latency (absent: no sweep) */
  readonly sweep?: { readonly minEdgesMicros: readonly number[]; readonly folds: number };
  /** a venue silent for longer than this is a gap, ms (default 300,000) */
  readonly gapMs?: number;
  /** risk settings (default the config's; book age and skew as configured) */
  readonly risk?: Config['risk'];
  readonly lossCapMicros?: number;
  readonly chunkSize?: number;
  /** a database with the backfill's `history_gaps`: gaps of the pairs' markets in range are reported too */
  readonly historyDb?: Queryable;
}

interface SimSpec extends SimSettings {
  readonly tag: { readonly kind: 'main' | 'latency' } | { readonly kind: 'sweep'; readonly segment: number };
}

interface ReplayRun {
  readonly outcomes: readonly { readonly spec: SimSpec; readonly outcome: SimOutcome }[];
  readonly firstTs?: number;
  readonly lastTs?: number;
  readonly frames: number;
}

const DEFAULT_LATENCIES = [50, 0, 250] as const;

function checkOptions(o: BacktestOptions): void {
  const bad = (msg: string): never => {
    throw new NonRetryableError(`backtest: ${msg}`, {});
  };
  const lat = o.latenciesMs ?? DEFAULT_LATENCIES;
  if (!lat.length || lat.some((l) => !Number.isInteger(l) || l < 0)) bad(`latencies must be non-negative integers (ms), got ${lat.join(',')}`);
  if (o.queueShare !== undefined && !(o.queueShare >= 0 && o.queueShare <= 1)) bad(`queue share must be in [0, 1], got ${o.queueShare}`);
  if (o.cashMicros !== undefined && !(Number.isSafeInteger(o.cashMicros) && o.cashMicros >= 0)) bad(`cash must be a non-negative integer of micro-dollars, got ${o.cashMicros}`);
  if (o.minEdgeMicros !== undefined && !Number.isSafeInteger(o.minEdgeMicros)) bad(`minimum edge must be an integer of micro-dollars, got ${o.minEdgeMicros}`);
  if (o.from !== undefined && o.to !== undefined && !(o.from < o.to)) bad(`from (${o.from}) must be before to (${o.to})`);
  if (o.sweep) {
    if (!Number.isInteger(o.sweep.folds) || o.sweep.folds < 2) bad(`walk-forward needs at least 2 folds, got ${o.sweep.folds}`);
    if (!o.sweep.minEdgesMicros.length || o.sweep.minEdgesMicros.some((m) => !Number.isSafeInteger(m))) bad('sweep minimum edges must be integers of micro-dollars');
  }
}

/** Splits [from, to) into `k` consecutive windows of (nearly) equal length. */
export function foldWindows(from: number, to: number, k: number): { from: number; to: number }[] {
  return Array.from({ length: k }, (_, i) => ({ from: from + Math.floor(((to - from) * i) / k), to: from + Math.floor(((to - from) * (i + 1)) / k) }));
}

const facts = (o: SimOutcome): TradeFacts[] =>
  o.trades.map((x) => ({ t: x.trade.t, endedAt: x.endedAt, pnlMicros: x.trade.pnlMicros, capitalMicros: x.capitalMicros, quotedQty: x.trade.quotedQty, filledQty: x.trade.filledQty, slippageMicros: x.trade.slippageMicros }));

/** Runs the backtest (see the module comment). */
export async function runBacktest(o: BacktestOptions): Promise<BacktestResult> {
  checkOptions(o);
  const config = o.risk && o.lossCapMicros !== undefined && o.capitalApr !== undefined ? undefined : loadConfig();
  const risk = o.risk ?? config!.risk;
  const capitalApr = o.capitalApr ?? String(risk.capitalApr);
  const lossCapMicros = o.lossCapMicros ?? config!.execution.lossCapMicros;
  const latencies = [...(o.latenciesMs ?? DEFAULT_LATENCIES)];
  const queueShare = o.queueShare ?? 0.5;
  const minEdge = o.minEdgeMicros ?? 10_000;
  const cashMicros = o.cashMicros ?? 10_000 * SCALE;
  const gapMs = o.gapMs ?? 300_000;
  const meta = sourceMeta(o.source);
  const gaps: BacktestGap[] = [];
  const skippedSet = new Set<string>();
  const skipped: string[] = [];
  const skip = (s: string): void => {
    if (skippedSet.has(s)) return;
    skippedSet.add(s);
    skipped.push(s);
  };
  const base = (latencyMs: number): SimSettings => ({ latencyMs, queueShare, cashMicros, capitalApr, lossCapMicros });

  /** One replay at a minimum edge with the given executions riding it; `observe` collects gaps. */
  const replay = async (minEdgeMicros: number, list: readonly SimSpec[], observe: boolean): Promise<ReplayRun> => {
    const input = watchFrames(openInput(o.source, { ...(o.from !== undefined && { from: o.from }), ...(o.to !== undefined && { to: o.to }) }, skip), gapMs, observe ? gaps : []);
    const r = streamReplay({
      pairs: meta.pairs, markets: meta.markets, feeBook: meta.feeBook, risk,
      control: { killSwitch: false, limits: { ...limitsFromConfig(risk), minEdgePerContractMicros: minEdgeMicros } },
      ...input, ...(o.chunkSize !== undefined && { chunkSize: o.chunkSize }),
    });
    // the brokers subscribe to the books before anything else does (see VirtualExecution)
    const sims = list.map((s) => new VirtualExecution(r.outputs.books$, r.clock, meta.feeBook, meta.pairs, s));
    const books = observe ? watchBooks(r.outputs.books$, gaps) : undefined;
    const sub = r.outputs.decisions$.subscribe((d) => {
      for (const s of sims) s.onDecision(d);
    });
    const stats = await r.run();
    sub.unsubscribe();
    books?.sub.unsubscribe();
    const end = o.to ?? (stats.lastTs ?? 0) + 1;
    books?.close(end);
    if (observe) {
      if (stats.late) skip(`${stats.late} input(s) out of receive order, delivered at the replay clock's time`);
      if (stats.unknownVenue) skip(`${stats.unknownVenue} frame(s) of venues that are not registered, dropped`);
    }
    const outcomes = list.map((spec, i) => ({ spec, outcome: sims[i]!.result(end) }));
    await Promise.all(sims.map((s) => s.close()));
    return { outcomes, frames: stats.frames + stats.inputEvents, ...(stats.firstTs !== undefined && { firstTs: stats.firstTs }), ...(stats.lastTs !== undefined && { lastTs: stats.lastTs }) };
  };

  // main replay: every latency; the data's range is known after it
  const main = await replay(minEdge, latencies.map((l, i): SimSpec => ({ ...base(l), tag: { kind: i === 0 ? 'main' : 'latency' } })), true);
  const from = o.from ?? main.firstTs ?? 0;
  const to = o.to ?? (main.lastTs ?? from) + 1;
  if (main.firstTs === undefined) log.warn({ source: meta.description }, 'backtest: no input in range');
  const mainOutcome = main.outcomes[0]!.outcome;
  const summary = summarize(facts(mainOutcome), { cashMicros, fromMs: from, toMs: to });

  const latencyPoints: LatencyPoint[] = main.outcomes
    .map(({ spec, outcome }) => {
      const m = summarize(facts(outcome), { cashMicros, fromMs: from, toMs: to }).metrics;
      return { latencyMs: spec.latencyMs, trades: m.trades, pnlMicros: m.pnlMicros, fillRate: m.fillRate, slippageMeanMicros: m.slippageMeanMicros };
    })
    .filter((p, i, all) => all.findIndex((q) => q.latencyMs === p.latencyMs) === i)
    .sort((a, b) => a.latencyMs - b.latencyMs);

  const byPair = new Map<string, TradeFacts[]>();
  for (const f of facts(mainOutcome).map((x, i) => ({ x, pairId: mainOutcome.trades[i]!.trade.pairId }))) byPair.set(f.pairId, [...(byPair.get(f.pairId) ?? []), f.x]);
  const perPair: PairRow[] = [...byPair.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([pairId, ts]) => {
      const quoted = ts.reduce((a, t) => a + t.quotedQty, 0);
      return {
        pairId, trades: ts.length, pnlMicros: ts.reduce((a, t) => a + t.pnlMicros, 0),
        fillRate: quoted > 0 ? ts.reduce((a, t) => a + t.filledQty, 0) / quoted : null,
        slippageMeanMicros: mean(ts.filter((t) => t.filledQty > 0).map((t) => t.slippageMicros)),
      };
    });

  const sweep = o.sweep ? await runSweep(o.sweep, from, to) : [];
  if (o.historyDb) gaps.push(...(await historyGaps(o.historyDb, meta.pairs, from, to)));

  const venuesSeen = [...new Set(meta.pairs.flatMap((p) => p.legs.map((l) => l.venue)))].sort();
  return {
    dataset: { source: meta.description, from, to, venues: venuesSeen, pairs: meta.pairs.length, frames: main.frames, gaps: gaps.sort((a, b) => a.from - b.from || a.to - b.to || (a.venue + a.marketId < b.venue + b.marketId ? -1 : 1)), skipped },
    assumptions: {
      latencyMs: latencies[0]!, queueShare, minEdgeMicros: minEdge, capitalAprBps: Math.round(Number(capitalApr) * 10_000), cashMicros,
      fees: 'the paper broker\'s fee engine with the fee schedule valid at each fill\'s virtual time (recording: the schedules in its meta.json)',
    },
    metrics: summary.metrics,
    equity: summary.equity,
    trades: mainOutcome.trades.map((t) => t.trade),
    edges: [...mainOutcome.edges],
    latency: latencyPoints,
    perPair,
    sweep,
    execution: { ...mainOutcome.counts },
  };

  /** Walk-forward: per minimum edge one replay, every latency × fold window on it; train on fold i, test on i + 1. */
  async function runSweep(s: NonNullable<BacktestOptions['sweep']>, from: number, to: number): Promise<SweepRow[]> {
    const windows = foldWindows(from, to, s.folds);
    const cells: { minEdge: number; latencyMs: number; segment: number; trades: number; pnl: number; sharpe: number | null }[] = [];
    for (const m of [...new Set(s.minEdgesMicros)]) {
      const run = await replay(m, latencies.flatMap((l) => windows.map((w, segment): SimSpec => ({ ...base(l), window: w, tag: { kind: 'sweep', segment } }))), false);
      for (const { spec, outcome } of run.outcomes) {
        if (spec.tag.kind !== 'sweep') continue;
        const w = windows[spec.tag.segment]!;
        const sm = summarize(facts(outcome), { cashMicros, fromMs: w.from, toMs: w.to }).metrics;
        cells.push({ minEdge: m, latencyMs: spec.latencyMs, segment: spec.tag.segment, trades: sm.trades, pnl: sm.pnlMicros, sharpe: sm.sharpeDaily });
      }
    }
    const rows: SweepRow[] = [];
    for (let fold = 0; fold + 1 < windows.length; fold++) {
      const train = cells.filter((c) => c.segment === fold);
      // best train parameter: highest P&L, then the stricter minimum edge, then the higher latency (the conservative pick)
      const best = [...train].sort((a, b) => b.pnl - a.pnl || b.minEdge - a.minEdge || b.latencyMs - a.latencyMs)[0];
      for (const [split, seg] of [['train', fold], ['test', fold + 1]] as const) {
        for (const c of cells.filter((x) => x.segment === seg)) {
          rows.push({
            minEdgeMicros: c.minEdge, latencyMs: c.latencyMs, fold, split, from: windows[seg]!.from, to: windows[seg]!.to, trades: c.trades, pnlMicros: c.pnl, sharpeDaily: c.sharpe,
            ...(best && best.minEdge === c.minEdge && best.latencyMs === c.latencyMs ? { chosen: true } : {}),
          });
        }
      }
    }
    return rows;
  }
}

/** The backfill's recorded gaps (history_gaps) of the pairs' markets that overlap [from, to); none when the table does not exist. */
async function historyGaps(db: Queryable, pairs: readonly Pair[], from: number, to: number): Promise<BacktestGap[]> {
  const markets = [...new Map(pairs.flatMap((p) => p.legs.map((l) => [`${l.venue}|${l.marketId}`, l] as const))).values()];
  const out: BacktestGap[] = [];
  try {
    for (const m of markets) {
      for (const g of await listGaps(db, m.venue, m.marketId)) {
        if (g.toTs > from && g.fromTs < to) out.push({ venue: g.venue, marketId: g.marketId, from: g.fromTs, to: g.toTs, source: `history_gaps (${g.kind})` });
      }
    }
  } catch (err) {
    // 42P01: no history_gaps table (nothing was ever backfilled into this database)
    if ((err as { code?: string }).code === '42P01') return [];
    throw err;
  }
  return out;
}
