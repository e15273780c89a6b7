/**
 * Hostile-frame fuzzing of both venue feeds (issue 11, point 1): 100,000 grammar-generated frames
 * per venue (deep nesting, huge numbers/strings/arrays, binary, non-UTF-8, truncated JSON, absurd
 * values, wrong types in every field; see fuzzFrames.ts) go through the REAL feed path (the
 * PolymarketFeed / KalshiFeed frame handler the live socket calls, over a fake socket).
 *
 * Asserted: nothing throws out of the feed; every frame that must be rejected is counted in
 * decodeErrors; the heap grows by less than {@link HEAP_BOUND_MB} over the run (after GC); no frame
 * holds the event loop for {@link FRAME_LIMIT_MS} or more (wall clock, performance.now; a frame over
 * the limit is re-timed twice and fails only if every run is slow, so a preempted process on a
 * shared machine cannot fail it); the log stays bounded (rate-limited, raw text capped).
 * The figures themselves are reported by `npm run bench -- fuzz`.
 */
import { performance } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, limitedLog, log, MAX_LOG_LINE_CHARS, RAW_LOG_BYTES, setLogger, type Logger } from '../../src/log.js';
import { feedHarness, frameArbitrary, type FuzzFrame, type FuzzKind } from './fuzzFrames.js';

const FRAMES = 100_000;
const FRAME_LIMIT_MS = 100;
const HEAP_BOUND_MB = 64;
const SEED = 0x11a7;

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let lines: string[] = [];
let saved: Logger;
beforeAll(() => {
  saved = log;
  setLogger(createLogger({ level: 'info', destination: new Writable({ write(chunk: Buffer | string, _e, cb) { lines.push(...String(chunk).split('\n').filter(Boolean)); cb(); } }) }));
});
afterAll(() => setLogger(saved));

describe.each(['polymarket', 'kalshi'] as const)('%s: 100,000 hostile frames through the live feed path', (venue) => {
  it('no throw, bad frames counted, bounded heap, no frame over 100 ms, bounded logs', () => {
    lines = [];
    const h = feedHarness(venue);
    const retime = feedHarness(venue);
    const byKind = new Map<FuzzKind, number>();
    let certain = 0;
    let maxMs = 0;
    let slowest: FuzzFrame | undefined;
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    let n = 0;
    fc.assert(
      fc.property(frameArbitrary(venue), (f) => {
        n++;
        byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1);
        if (f.certain) certain++;
        const t0 = performance.now();
        h.push(f); // throws = property fails, with the frame as counterexample
        let ms = performance.now() - t0;
        if (ms >= FRAME_LIMIT_MS) {
          for (let i = 0; i < 2 && ms >= FRAME_LIMIT_MS; i++) {
            const t1 = performance.now();
            retime.push(f);
            ms = Math.min(ms, performance.now() - t1);
          }
        }
        if (ms > maxMs) {
          maxMs = ms;
          slowest = f;
        }
        // plain checks per frame (vitest's expect costs more than many of the frames)
        if (ms >= FRAME_LIMIT_MS) throw new Error(`${f.kind} frame of ${f.data.length} chars took ${ms.toFixed(1)} ms (three runs)`);
      }),
      { numRuns: FRAMES, seed: SEED, endOnFailure: true },
    );
    limitedLog.flush();
    gc();
    const growthMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
    const counters = h.counters();
    h.close();
    retime.close();

    expect(n).toBe(FRAMES);
    // every kind of the grammar was exercised
    expect([...byKind.keys()].sort()).toEqual(['absurd', 'binary', 'deep', 'garbage', 'hugeArray', 'hugeNumber', 'hugeString', 'nonUtf8', 'truncated', 'valid', 'wrongType']);
    expect(counters.messages).toBe(FRAMES);
    expect(counters.decodeErrors).toBeGreaterThanOrEqual(certain);
    expect(certain).toBeGreaterThan(FRAMES / 5);
    expect(h.emitted.books + h.emitted.messages, 'valid frames still decode').toBeGreaterThan(0);
    expect(growthMb, `heap grew ${growthMb.toFixed(1)} MB`).toBeLessThan(HEAP_BOUND_MB);
    expect(maxMs, `slowest: ${slowest?.kind} (${slowest?.data.length} chars)`).toBeLessThan(FRAME_LIMIT_MS);

    // logs: rate-limited (a handful of lines per kind of warning, plus summaries) and capped
    expect(lines.length, 'log lines for 100,000 frames').toBeLessThan(1_000);
    expect(lines.some((l) => l.includes('suppressed'))).toBe(true);
    for (const l of lines) {
      expect(l.length).toBeLessThanOrEqual(MAX_LOG_LINE_CHARS);
      const raw = (JSON.parse(l) as { raw?: unknown }).raw;
      if (typeof raw === 'string') expect(Buffer.byteLength(raw.replace(/…\(\d+ chars\)$/, ''))).toBeLessThanOrEqual(RAW_LOG_BYTES);
    }
  }, 240_000);
});
