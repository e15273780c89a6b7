import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { NEVER, from, lastValueFrom, toArray } from 'rxjs';
import fc from 'fast-check';
import { bestLag, laggedCorrelation, leadLag, type LeadLagStat } from '../../operators/leadLag.js';
import type { Book } from '../../schema/book.js';
import type { PairBooks, Pair } from '../../schema/pair.js';

const POLY = '0x' + 'cd'.repeat(32);
const pair: Pair = { pairId: 'p', legs: [{ venue: 'polymarket', marketId: POLY }, { venue: 'kalshi', marketId: 'KX' }], humanReviewed: false, yesMapsToNo: false, status: 'approved', confidence: 1, resolutionTs: 1, reasons: [], source: 'file' };
const side = (mid: number) => ({ bids: [{ price: mid - 1000, qty: 1 }], asks: [{ price: mid + 1000, qty: 1 }] });
const book = (venue: Book['venue'], mid: number, ts: number): Book => ({ venue, marketId: venue === 'kalshi' ? 'KX' : POLY, yes: side(mid), no: side(1_000_000 - mid), tsVenue: ts, tsReceived: ts, issues: [] });
const pb = (poly: number, kalshi: number, ts: number, yesMapsToNo = false): PairBooks => ({
  pair, pairId: 'p', books: [book('polymarket', poly, ts), book('kalshi', yesMapsToNo ? 1_000_000 - kalshi : kalshi, ts)], yesMapsToNo, tsAligned: ts, skewMs: 0,
});
const diffs = (v: readonly number[]) => v.slice(1).map((x, i) => x - v[i]!);

/** One PairBooks per step for series x (poly) and y (kalshi), plus a trailing event that closes the last step. */
const events = (x: readonly number[], y: readonly number[], stepMs: number, yesMapsToNo = false) => [
  ...x.map((v, t) => pb(v, y[t]!, t * stepMs, yesMapsToNo)),
  pb(x[x.length - 1]!, y[y.length - 1]!, x.length * stepMs, yesMapsToNo),
];
const run = (evts: PairBooks[], cfg: Parameters<typeof leadLag>[0]) => lastValueFrom(from(evts).pipe(leadLag(cfg), toArray()));

describe('laggedCorrelation', () => {
  it('is 1 for identical series and −1 for opposite ones', () => {
    expect(laggedCorrelation([1, 2, 3, 5], [1, 2, 3, 5], 0).r).toBeCloseTo(1);
    expect(laggedCorrelation([1, 2, 3, 5], [-1, -2, -3, -5], 0).r).toBeCloseTo(-1);
    expect(Number.isNaN(laggedCorrelation([1, 1, 1], [1, 2, 3], 0).r)).toBe(true);
  });
});

describe('leadLag', () => {
  it('marble: emits one stat per completed step once enough samples exist', () => {
    const ts = new TestScheduler((a, e) => expect(a).toEqual(e));
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const x = [500_000, 510_000, 505_000, 520_000, 515_000, 530_000];
      const v = Object.fromEntries(events(x, x, 1000).map((e, i) => [String.fromCharCode(97 + i), e]));
      const src = cold('-abcdefg|', v);
      const cfg = { stepMs: 1000, windowsMs: [10_000], maxLagSteps: 1, minSamples: 3 };
      expectObservable(src.pipe(leadLag(cfg))).toBe('-----xyz|', {
        x: { pairId: 'p', windowMs: 10_000, lagMs: 0, coefficient: expect.closeTo(1, 9), samples: 3, ts: 4000 },
        y: { pairId: 'p', windowMs: 10_000, lagMs: 0, coefficient: expect.closeTo(1, 9), samples: 4, ts: 5000 },
        z: { pairId: 'p', windowMs: 10_000, lagMs: 0, coefficient: expect.closeTo(1, 9), samples: 5, ts: 6000 },
      });
      expectSubscriptions(src.subscriptions).toBe('^-------!');
    });
  });

  it('marble: empty, never, error, mid-stream error, unsubscribe', () => {
    const ts = new TestScheduler((a, e) => expect(a).toEqual(e));
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const cfg = { stepMs: 1000, windowsMs: [10_000], maxLagSteps: 1 };
      expectObservable(cold<never>('|').pipe(leadLag(cfg))).toBe('|');
      expectObservable(NEVER.pipe(leadLag(cfg))).toBe('-');
      expectObservable(cold<never>('#').pipe(leadLag(cfg))).toBe('#');
      expectObservable(cold('-a#', { a: pb(1, 1, 0) }).pipe(leadLag(cfg))).toBe('--#');
      const src = cold('-a-a-a-a', { a: pb(1, 1, 0) });
      expectObservable(src.pipe(leadLag(cfg)), '^--!').toBe('---');
      expectSubscriptions(src.subscriptions).toBe('^--!');
    });
  });

  it('finds a known lag: Kalshi follows Polymarket by k steps (and the reverse)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: -20_000, max: 20_000 }), { minLength: 60, maxLength: 80 }), fc.integer({ min: -4, max: 4 }), async (steps, k) => {
        // a random walk; kalshi[t] = poly[t − k]
        const walk = steps.reduce<number[]>((acc, d) => [...acc, Math.min(990_000, Math.max(10_000, acc[acc.length - 1]! + d))], [500_000]);
        fc.pre(new Set(diffs(walk)).size > 5);
        const n = walk.length - 8;
        const x = walk.slice(4, 4 + n);
        const y = walk.slice(4 - k, 4 - k + n);
        const out = await run(events(x, y, 500, k % 2 === 0), { stepMs: 500, windowsMs: [20_000], maxLagSteps: 5, minSamples: 10 });
        const last = out[out.length - 1]!;
        expect(last.lagMs).toBe(k * 500);
        expect(last.coefficient).toBeCloseTo(1, 9);
      }),
      { numRuns: 60 },
    );
  });

  it('matches the direct computation on random series', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 1000, max: 999_000 }), fc.integer({ min: 1000, max: 999_000 })), { minLength: 15, maxLength: 60 }),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 5, max: 30 }),
        async (series, maxLag, windowSteps) => {
          const x = series.map((s) => s[0]), y = series.map((s) => s[1]);
          const out: LeadLagStat[] = await run(events(x, y, 1000), { stepMs: 1000, windowsMs: [windowSteps * 1000], maxLagSteps: maxLag, minSamples: 3 });
          const expected = bestLag(diffs(x).slice(-windowSteps), diffs(y).slice(-windowSteps), maxLag, 3);
          if (!expected) {
            expect(out.filter((s) => s.ts === x.length * 1000)).toEqual([]);
            return;
          }
          const last = out[out.length - 1]!;
          expect(last.ts).toBe(x.length * 1000);
          expect(last.lagMs).toBe(expected.lag * 1000);
          expect(last.samples).toBe(expected.n);
          expect(last.coefficient).toBeCloseTo(expected.r, 12);
          // the direct computation itself: the chosen lag is a maximum
          for (let l = -maxLag; l <= maxLag; l++) {
            const c = laggedCorrelation(diffs(x).slice(-windowSteps), diffs(y).slice(-windowSteps), l);
            if (!Number.isNaN(c.r) && c.n >= 3) expect(c.r).toBeLessThanOrEqual(expected.r + 1e-12);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
