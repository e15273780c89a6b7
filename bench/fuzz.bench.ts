/**
 * Hostile-frame throughput of the live feed path (issue 11 point 1): the fuzz corpus of
 * tests/venues/fuzz.spec.ts (same grammar, same seed) through PolymarketFeed / KalshiFeed over a
 * fake socket. Reports frames/s and the per-frame time distribution (p50, p99, max, wall clock via
 * performance.now) per venue, plus the slowest kind of frame. The corpus is generated before
 * timing; log output goes to a null sink (still formatted: logging is part of the cost).
 * BENCH_FUZZ_FRAMES (default 100000) frames per venue.
 */
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { VENUE_IDS } from '../schema/venue.js';
import { createLogger, limitedLog, log, setLogger } from '../src/log.js';
import { feedHarness, frameArbitrary, type FuzzKind } from '../tests/venues/fuzzFrames.js';
import { rate, type BenchRow } from './types.js';

const N = Number(process.env.BENCH_FUZZ_FRAMES ?? 100_000);
const SEED = 0x11a7;
const CHUNK = 10_000;

const quantile = (sorted: Float64Array, q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const r3 = (x: number): number => Math.round(x * 1000) / 1000;

export async function run(): Promise<BenchRow[]> {
  const saved = log;
  setLogger(createLogger({ level: 'info', destination: new Writable({ write: (_c, _e, cb) => cb() }) }));
  const rows: BenchRow[] = [];
  try {
    for (const venue of VENUE_IDS) {
      const arb = frameArbitrary(venue);
      const h = feedHarness(venue);
      const times = new Float64Array(N);
      const worstByKind = new Map<FuzzKind, number>();
      let busy = 0;
      let i = 0;
      for (let c = 0; i < N; c++) {
        const frames = fc.sample(arb, { numRuns: Math.min(CHUNK, N - i), seed: SEED + c });
        for (const f of frames) {
          const t0 = performance.now();
          h.push(f);
          const ms = performance.now() - t0;
          times[i++] = ms;
          busy += ms;
          if (ms > (worstByKind.get(f.kind) ?? 0)) worstByKind.set(f.kind, ms);
        }
      }
      limitedLog.flush();
      const { decodeErrors } = h.counters();
      h.close();
      const sorted = times.slice().sort();
      const [worstKind, worstMs] = [...worstByKind].sort((a, b) => b[1] - a[1])[0]!;
      rows.push(
        { name: `${venue} hostile frames through the feed`, value: Math.round(rate(N, busy)), unit: 'frames/s', note: `${N} frames, ${decodeErrors} decode errors counted` },
        { name: `${venue} per-frame p50`, value: r3(quantile(sorted, 0.5)), unit: 'ms' },
        { name: `${venue} per-frame p99`, value: r3(quantile(sorted, 0.99)), unit: 'ms' },
        { name: `${venue} per-frame max`, value: r3(sorted[sorted.length - 1]!), unit: 'ms', note: `slowest kind: ${worstKind} (${r3(worstMs)} ms); the test's limit is 100 ms` },
      );
    }
  } finally {
    setLogger(saved);
  }
  return rows;
}
