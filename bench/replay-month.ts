/**
 * One synthetic month of 2,000 pairs (both venues) through the streaming replay, in its own process
 * so its peak RSS is its own: `tsx bench/replay-month.ts <frames>` prints one JSON line.
 * Frames are generated lazily (src/history/syntheticFrames.ts); `<frames>` sets the update rate
 * (the month's span stays 30 days). Run by bench/replay.bench.ts at two sizes.
 */
import { loadConfig } from '../src/config.js';
import { FeeBook } from '../src/fees/schedule.js';
import { createLogger, setLogger } from '../src/log.js';
import { syntheticFrames, syntheticUniverse } from '../src/history/syntheticFrames.js';
import { streamReplay } from '../pipelines/replay.js';

export const MONTH_PAIRS = 2000;
export const MONTH_MS = 30 * 86_400_000;

const target = Number(process.argv[2] ?? 200_000);
setLogger(createLogger({ level: 'error' }));
const config = loadConfig({ LOG_LEVEL: 'error' });
const fromMs = Date.UTC(2026, 9, 1);
const markets = 2 * MONTH_PAIRS;
const ratePerMarketPerHour = target / markets / (MONTH_MS / 3_600_000);
const opts = { pairs: MONTH_PAIRS, fromMs, toMs: fromMs + MONTH_MS, ratePerMarketPerHour, seed: 11 };
const u = syntheticUniverse(opts);
const r = streamReplay({ frames: syntheticFrames(opts), pairs: u.pairs, markets: u.markets, feeBook: FeeBook.withDefaults(), risk: config.risk, onChunk: () => sample() });
const counts = { edges: 0, decisions: 0, leadLag: 0, tops: 0, depth: 0 };
r.outputs.edges$.subscribe(() => counts.edges++);
r.outputs.decisions$.subscribe(() => counts.decisions++);
r.outputs.leadLag$.subscribe(() => counts.leadLag++);
r.outputs.tops$.subscribe(() => counts.tops++);
r.outputs.depth$.subscribe(() => counts.depth++);
let peakRss = 0;
const rssAt: number[] = [];
const liveAt: number[] = [];
// with --expose-gc: the live heap after a full collection, per chunk (RSS alone also shows V8's lazy growth)
const gc = (globalThis as { gc?: () => void }).gc;
function sample(): void {
  const rss = process.memoryUsage().rss;
  peakRss = Math.max(peakRss, rss);
  rssAt.push(rss);
  if (gc) {
    gc();
    liveAt.push(process.memoryUsage().heapUsed);
  }
}
sample();
const t = performance.now();
const cpu0 = process.cpuUsage();
const stats = await r.run();
const ms = performance.now() - t;
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
sample();
const spanMs = (stats.lastTs ?? fromMs) - (stats.firstTs ?? fromMs);
// RSS after the first and the last quarter of the chunks: flat when memory is bounded
const q = Math.max(1, Math.floor(rssAt.length / 4));
console.log(JSON.stringify({
  frames: stats.frames, bookEvents: stats.bookEvents, ms, cpuMs, eventsPerSec: (stats.frames * 1000) / ms, eventsPerCpuSec: (stats.frames * 1000) / cpuMs, spanMs, speed: spanMs / ms, ratePerMarketPerHour,
  peakRssSampled: peakRss, maxRssOs: process.resourceUsage().maxRSS * 1024, rssFirstQuarter: Math.max(...rssAt.slice(0, q)), rssLastQuarter: Math.max(...rssAt.slice(-q)),
  liveHeapFirstQuarter: liveAt.length ? Math.max(...liveAt.slice(0, Math.max(1, Math.floor(liveAt.length / 4)))) : undefined,
  liveHeapLastQuarter: liveAt.length ? Math.max(...liveAt.slice(-Math.max(1, Math.floor(liveAt.length / 4)))) : undefined, counts,
}));
