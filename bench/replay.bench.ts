/**
 * Streaming replay (pipelines/replay.ts `streamReplay`): `npm run bench -- replay`.
 *
 * 1. Throughput against bare JSON.parse: the same synthetic wire frames (200 pairs, both venues,
 *    src/history/syntheticFrames.ts) through the whole replay (decode with the venues' decoders,
 *    books, alignment, VWAP, fees, edges, risk, lead-lag, samplers, virtual clock), against a loop
 *    that only JSON.parses each frame's text. Paired rounds (the machine is shared).
 * 2. A synthetic month of 2,000 pairs (4,000 markets), frames generated lazily, at two input sizes
 *    over the same 30-day span, each in its own process (bench/replay-month.ts) so its peak RSS is
 *    its own: events/s, speed against real time, and peak RSS, which must not grow with the input.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Observable } from 'rxjs';
import { loadConfig } from '../src/config.js';
import { FeeBook } from '../src/fees/schedule.js';
import { createLogger, setLogger } from '../src/log.js';
import { syntheticFrames, syntheticUniverse } from '../src/history/syntheticFrames.js';
import type { RawFrame } from '../src/venues/common/types.js';
import { streamReplay } from '../pipelines/replay.js';
import { pairedRow, type BenchRow } from './types.js';

const PAIRS = 200;
const FRAMES = Number(process.env.BENCH_REPLAY_FRAMES ?? 30_000);
const MONTH_SIZES = (process.env.BENCH_REPLAY_MONTH ?? '30000,90000').split(',').map(Number);
/** assumed real average update rate per market (both venues), frames per minute; see the results file */
const REAL_PER_MARKET_PER_MIN = 1;

async function* from<T>(xs: readonly T[]): AsyncGenerator<T> {
  yield* xs;
}

async function replayRate(frames: readonly RawFrame[], u: ReturnType<typeof syntheticUniverse>): Promise<number> {
  const config = loadConfig({ LOG_LEVEL: 'error' });
  const r = streamReplay({ frames: from(frames), pairs: u.pairs, markets: u.markets, feeBook: FeeBook.withDefaults(), risk: config.risk });
  let n = 0;
  const outs: Observable<unknown>[] = [r.outputs.edges$, r.outputs.decisions$, r.outputs.leadLag$, r.outputs.tops$, r.outputs.depth$];
  for (const o of outs) o.subscribe(() => n++);
  const t = performance.now();
  const stats = await r.run();
  return (stats.frames * 1000) / (performance.now() - t);
}

function parseRate(frames: readonly RawFrame[]): number {
  let n = 0;
  const t = performance.now();
  for (const f of frames) if (JSON.parse(f.data) !== null) n++;
  return (n * 1000) / (performance.now() - t);
}

interface MonthResult {
  frames: number; ms: number; cpuMs: number; eventsPerSec: number; eventsPerCpuSec: number; liveHeapFirstQuarter?: number; liveHeapLastQuarter?: number; spanMs: number; speed: number; ratePerMarketPerHour: number;
  peakRssSampled: number; maxRssOs: number; rssFirstQuarter: number; rssLastQuarter: number; counts: Record<string, number>;
}

function month(frames: number): MonthResult {
  const script = fileURLToPath(new URL('./replay-month.ts', import.meta.url));
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', script, String(frames)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').at(-1)!) as MonthResult;
}

const mb = (b: number) => Math.round(b / 1e5) / 10;

export async function run(): Promise<BenchRow[]> {
  setLogger(createLogger({ level: 'error' }));
  const t0 = Date.UTC(2026, 5, 1);
  const rate = FRAMES / (2 * PAIRS) / 2; // two hours of frames
  const opts = { pairs: PAIRS, fromMs: t0, toMs: t0 + 2 * 3_600_000, ratePerMarketPerHour: rate, seed: 5 };
  const u = syntheticUniverse(opts);
  const frames = [...syntheticFrames(opts)];
  const ours: number[] = [], base: number[] = [];
  for (let r = 0; r < 3; r++) {
    ours.push(await replayRate(frames, u));
    base.push(parseRate(frames));
  }
  const rows: BenchRow[] = [pairedRow('replay: frames/s through the whole graph (vs bare JSON.parse of the same frames)', ours, base, 'frames/s', `${frames.length} frames, ${PAIRS} pairs, target ≥ 30%`)];
  const results = MONTH_SIZES.map((n) => ({ n, r: month(n) }));
  const realPerSec = (2 * 2000 * REAL_PER_MARKET_PER_MIN) / 60;
  for (const { r } of results) {
    const label = `${r.frames.toLocaleString('en-US')} frames`;
    rows.push({ name: `month of 2,000 pairs, ${label}: events/s`, value: Math.round(r.eventsPerSec), unit: 'frames/s', note: `${(r.ratePerMarketPerHour).toFixed(3)} updates/market/h over 30 days; ${r.counts.edges} edges, ${r.counts.decisions} decisions; wall ${Math.round(r.ms / 1000)} s, CPU ${Math.round(r.cpuMs / 1000)} s = ${Math.round(r.eventsPerCpuSec)} frames per CPU-second (the machine is shared)` });
    rows.push({ name: `month of 2,000 pairs, ${label}: speed vs real time (scaled input)`, value: Math.round(r.speed), unit: '×', note: `30 days of virtual time in ${Math.round(r.ms / 1000)} s` });
    rows.push({ name: `month of 2,000 pairs, ${label}: speed vs real time at ${REAL_PER_MARKET_PER_MIN} update/market/min`, value: Math.round((r.eventsPerSec / realPerSec) * 10) / 10, unit: '×', note: `events/s ÷ ${Math.round(realPerSec)} frames/s (4,000 markets at the assumed real rate); per CPU-second ${Math.round((r.eventsPerCpuSec / realPerSec) * 10) / 10}×; target ≥ 100×` });
    rows.push({ name: `month of 2,000 pairs, ${label}: peak RSS`, value: mb(r.maxRssOs), unit: 'MB', note: `sampled after each chunk: peak ${mb(r.peakRssSampled)} MB, first quarter ${mb(r.rssFirstQuarter)} MB, last quarter ${mb(r.rssLastQuarter)} MB; live heap after GC: first quarter ${mb(r.liveHeapFirstQuarter ?? 0)} MB, last quarter ${mb(r.liveHeapLastQuarter ?? 0)} MB` });
  }
  if (results.length >= 2) {
    const [a, b] = [results[0]!.r, results.at(-1)!.r];
    rows.push({ name: 'month: peak RSS growth for the larger input', value: Math.round((b.maxRssOs / a.maxRssOs) * 100) / 100, unit: '× (RSS ratio)', note: `input ${(b.frames / a.frames).toFixed(1)}× larger; ${mb(a.maxRssOs)} MB → ${mb(b.maxRssOs)} MB` });
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const row of await run()) console.log(JSON.stringify(row));
}
