/**
 * `arbstream backtest [--data DIR | --recording DIR | --demo [HOURS]] [--from --to] [--latency-ms 50,0,250]
 * [--queue-share 0.5] [--min-edge-cents 1] [--cash 10000] [--sweep [--folds 4] [--sweep-min-edge-cents …]]
 * [--json] [--report DIR]`: the replay graph and the paper broker on virtual time over a dataset
 * (src/backtest/run.ts). Prints a summary (or the result as JSON with --json: byte-identical for
 * the same input and options); `--report DIR` writes the report (src/backtest/report.ts).
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { BacktestResult } from '../../schema/backtest.js';
import { formatScaled, parseScaled } from '../../schema/money.js';
import { runBacktest, type BacktestOptions } from '../backtest/run.js';
import { demoSource } from '../backtest/demoSource.js';
import { writeReport } from '../backtest/report.js';
import type { BacktestSource } from '../backtest/sources.js';
import { textTable } from '../textTable.js';
import { withDb } from './withDb.js';

interface BacktestCliOptions {
  data?: string;
  recording?: string;
  demo?: string | boolean;
  from?: string;
  to?: string;
  latencyMs: string;
  queueShare: string;
  minEdgeCents: string;
  cash: string;
  sweep?: boolean;
  folds: string;
  sweepMinEdgeCents: string;
  gapMs: string;
  json?: boolean;
  report?: string;
  historyGaps?: boolean;
}

const arg = (name: string, fn: (v: string) => unknown) => (v: string): string => {
  try {
    fn(v);
  } catch (err) {
    throw new InvalidArgumentError(`--${name}: ${(err as Error).message}`);
  }
  return v;
};

/** ISO date/time or unix ms. */
export function parseTimeArg(v: string): number {
  const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(t)) throw new Error(`expected an ISO date/time or unix ms, got "${v}"`);
  return t;
}

/** Cents (decimal) → integer micro-dollars; more precision than a micro-dollar is refused. */
export function centsToMicros(v: string): number {
  const scaled = parseScaled(v.trim());
  if (scaled % 100 !== 0) throw new Error(`"${v}" cents is finer than a micro-dollar`);
  return scaled / 100;
}

const list = <T>(v: string, fn: (s: string) => T): T[] => v.split(',').map((s) => s.trim()).filter(Boolean).map(fn);

function latencyList(v: string): number[] {
  return list(v, (s) => {
    if (!/^\d+$/.test(s)) throw new Error(`latency must be whole ms, got "${s}"`);
    return Number(s);
  });
}

/** The shipped sample (three hours of both venues' simulators with planted arbitrages): `arbstream backtest` with no source. */
const SAMPLE_RECORDING = 'data/sample/recording';

function sourceOf(o: BacktestCliOptions): { source: BacktestSource; from?: number; to?: number } {
  const given = [o.data !== undefined, o.recording !== undefined, o.demo !== undefined].filter(Boolean).length;
  if (given > 1) throw new InvalidArgumentError('give at most one of --data DIR, --recording DIR or --demo [HOURS]');
  // none: the sample dataset shipped in the repository (data/sample, see its README)
  if (given === 0) return { source: { kind: 'recording', dir: SAMPLE_RECORDING } };
  if (o.data) return { source: { kind: 'dataset', dir: o.data } };
  if (o.recording) return { source: { kind: 'recording', dir: o.recording } };
  const hours = o.demo === true ? 4 : Number(o.demo);
  if (!(hours > 0)) throw new InvalidArgumentError(`--demo: hours must be positive, got "${String(o.demo)}"`);
  // a fixed base time: the same command gives the same result
  const base = Date.UTC(2026, 10, 2);
  return { source: demoSource({ baseTimeMs: base, durationMs: Math.round(hours * 3_600_000) }).source };
}

export function optionsFromCli(o: BacktestCliOptions): BacktestOptions {
  const { source } = sourceOf(o);
  return {
    source,
    ...(o.from !== undefined && { from: parseTimeArg(o.from) }),
    ...(o.to !== undefined && { to: parseTimeArg(o.to) }),
    latenciesMs: latencyList(o.latencyMs),
    queueShare: Number(o.queueShare),
    minEdgeMicros: centsToMicros(o.minEdgeCents),
    cashMicros: parseScaled(o.cash),
    gapMs: Number(o.gapMs),
    ...(o.sweep && { sweep: { minEdgesMicros: list(o.sweepMinEdgeCents, centsToMicros), folds: Number(o.folds) } }),
  };
}

const usd = (m: number | null): string => (m === null ? '—' : `$${formatScaled(Math.round(m), 2)}`);
const ratio = (x: number | null, dp = 2): string => (x === null ? '—' : x.toFixed(dp));
const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);

/** The result as lines for a terminal. */
export function summaryLines(r: BacktestResult): string[] {
  const m = r.metrics;
  const a = r.assumptions;
  return [
    `backtest of ${r.dataset.source}: ${new Date(r.dataset.from).toISOString()} → ${new Date(r.dataset.to).toISOString()}, ${r.dataset.pairs} pairs, ${r.dataset.frames} frames`,
    `assumptions: latency ${a.latencyMs} ms, queue share ${a.queueShare}, min edge ${usd(a.minEdgeMicros)}/contract, cash ${usd(a.cashMicros)}, capital APR ${a.capitalAprBps / 100}%`,
    '',
    ...textTable(['P&L', 'trades', 'fill rate', 'Sharpe (daily)', 'Sharpe (trade)', 'Sortino', 'max drawdown', 'slippage mean/p50/p90 per contract'], [[
      usd(m.pnlMicros), String(m.trades), pct(m.fillRate), ratio(m.sharpeDaily), ratio(m.sharpePerTrade), ratio(m.sortinoDaily),
      `${usd(m.maxDrawdownMicros)} (${pct(m.maxDrawdownPct)})`, `${usd(m.slippageMeanMicros)} / ${usd(m.slippageP50Micros)} / ${usd(m.slippageP90Micros)}`,
    ]], { rule: '─' }),
    '',
    'edge decay against latency:',
    ...textTable(['latency ms', 'trades', 'P&L', 'fill rate', 'slippage mean'], r.latency.map((p) => [String(p.latencyMs), String(p.trades), usd(p.pnlMicros), pct(p.fillRate), usd(p.slippageMeanMicros)]), { rule: '─' }),
    ...(r.perPair.length ? ['', 'per pair:', ...textTable(['pair', 'trades', 'P&L', 'fill rate', 'slippage mean'], r.perPair.map((p) => [p.pairId, String(p.trades), usd(p.pnlMicros), pct(p.fillRate), usd(p.slippageMeanMicros)]), { rule: '─' })] : []),
    ...(r.sweep.length
      ? ['', 'walk-forward (parameter picked on each train fold, its result on the next fold):', ...textTable(['fold', 'min edge', 'latency ms', 'train P&L', 'test P&L', 'test trades', 'test Sharpe'], r.sweep
        .filter((s) => s.chosen && s.split === 'test')
        .map((t) => {
          const train = r.sweep.find((s) => s.fold === t.fold && s.split === 'train' && s.minEdgeMicros === t.minEdgeMicros && s.latencyMs === t.latencyMs)!;
          return [String(t.fold), usd(t.minEdgeMicros), String(t.latencyMs), usd(train.pnlMicros), usd(t.pnlMicros), String(t.trades), ratio(t.sharpeDaily)];
        }), { rule: '─' })]
      : []),
    '',
    `gaps: ${r.dataset.gaps.length}${r.dataset.gaps.length ? ' — ' + r.dataset.gaps.slice(0, 5).map((g) => `${g.venue} ${g.marketId} ${new Date(g.from).toISOString()}→${new Date(g.to).toISOString()} (${g.source})`).join('; ') + (r.dataset.gaps.length > 5 ? ' …' : '') : ''}`,
    `skipped input: ${r.dataset.skipped.length}${r.dataset.skipped.length ? ' — ' + r.dataset.skipped.slice(0, 5).join('; ') + (r.dataset.skipped.length > 5 ? ' …' : '') : ''}`,
    '',
    `verdict: ${m.verdict}`,
  ];
}

export function register(program: Command): void {
  program
    .command('backtest')
    .description('replay a dataset through the live pipeline graph and the paper broker on virtual time; P&L, Sharpe, drawdown, fill rate, slippage, edge decay, walk-forward sweep')
    .option('--data <dir>', 'Parquet dataset directory (with meta.json)')
    .option('--recording <dir>', 'recording directory (arbstream record; with meta.json)')
    .option('--demo [hours]', 'the demo scenario\'s planted arbitrages, in memory (default 4 hours)')
    .option('--from <time>', 'first time, ISO or unix ms (inclusive)', arg('from', parseTimeArg))
    .option('--to <time>', 'end time, ISO or unix ms (exclusive)', arg('to', parseTimeArg))
    .option('--latency-ms <list>', 'order latencies, ms: one run each (edge decay); the first is the main run', arg('latency-ms', latencyList), '50,0,250')
    .option('--queue-share <share>', 'share of displayed depth we get, 0..1', '0.5')
    .option('--min-edge-cents <cents>', 'minimum net edge per contract the risk gate accepts', arg('min-edge-cents', centsToMicros), '1')
    .option('--cash <usd>', 'starting cash, USD (capital locked in open trades is not available)', arg('cash', parseScaled), '10000')
    .option('--sweep', 'walk-forward sweep of minimum edge × latency')
    .option('--folds <k>', 'walk-forward folds (train on fold i, test on fold i+1)', '4')
    .option('--sweep-min-edge-cents <list>', 'minimum edges of the sweep, cents', '0.5,1,2,4')
    .option('--gap-ms <ms>', 'a venue silent for longer than this is reported as a gap', '300000')
    .option('--history-gaps', 'also report the backfill\'s history_gaps of the pairs\' markets (opens the database: DATABASE_URL or the embedded one)')
    .option('--json', 'print the result as JSON (schema/backtest.ts)')
    .option('--report <dir>', 'write the report (HTML and report.json) to this directory')
    .action(async (opts: BacktestCliOptions) => {
      const options = optionsFromCli(opts);
      const result = opts.historyGaps ? await withDb((db) => runBacktest({ ...options, historyDb: db.pool })) : await runBacktest(options);
      if (opts.report) await writeReport(result, opts.report);
      if (opts.json) process.stdout.write(JSON.stringify(result) + '\n');
      else console.log(summaryLines(result).join('\n') + (opts.report ? `\n\nreport written to ${opts.report}` : ''));
    });
}
