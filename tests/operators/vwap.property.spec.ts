import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Level } from '../../schema/book.js';
import { remainingLevels, searchSize, walkLevels } from '../../operators/vwap.js';

/** a ladder of ascending distinct prices with positive sizes */
const ladder = (wholeContracts: boolean) =>
  fc.array(fc.tuple(fc.integer({ min: 1, max: 999_999 }), wholeContracts ? fc.integer({ min: 1, max: 20 }).map((n) => n * 1_000_000) : fc.integer({ min: 1, max: 50_000_000 })), { maxLength: 8 })
    .map((ls) => {
      const seen = new Set<number>();
      return ls.filter(([p]) => !seen.has(p) && seen.add(p)).sort((a, b) => a[0] - b[0]).map(([price, qty]): Level => ({ price, qty }));
    });

describe('walkLevels properties', () => {
  it('VWAP lies between the best and the worst used price; cost is additive over a split', () => {
    fc.assert(
      fc.property(ladder(false), fc.integer({ min: 0, max: 200_000_000 }), fc.integer({ min: 0, max: 200_000_000 }), (ls, q1, q2) => {
        const w = walkLevels(ls, q1 + q2);
        if (w.filledQty > 0) {
          expect(w.vwapMicros).toBeGreaterThanOrEqual(ls[0]!.price);
          expect(w.vwapMicros).toBeLessThanOrEqual(w.worstPrice);
          expect(w.costMicros * 1_000_000).toBeGreaterThanOrEqual(Number(w.costExact));
        }
        const a = walkLevels(ls, q1);
        const b = walkLevels(remainingLevels(ls, q1), q2);
        expect(a.costExact + b.costExact).toBe(w.costExact);
        expect(a.filledQty + b.filledQty).toBe(w.filledQty);
      }),
      { numRuns: 500 },
    );
  });
});

/** contract-by-contract reference: take whole contracts while the next one's marginal edge clears the threshold */
function bruteForce(a: readonly Level[], b: readonly Level[], cost: (pa: number, pb: number) => number, threshold: number, max: number): number {
  const priceAt = (ls: readonly Level[], unit: number): number | undefined => {
    let cum = 0;
    for (const l of ls) {
      cum += l.qty;
      if (unit <= cum) return l.price;
    }
    return undefined;
  };
  let q = 0;
  for (;;) {
    const next = q + 1_000_000;
    if (next > max) return q;
    const pa = priceAt(a, next);
    const pb = priceAt(b, next);
    if (pa === undefined || pb === undefined) return q;
    if (1_000_000 - pa - pb - cost(pa, pb) < threshold) return q;
    q = next;
  }
}

describe('searchSize properties', () => {
  const fee = (pa: number, pb: number): number => Math.ceil((pa * (1_000_000 - pa)) / 1e12 * 40_000) + Math.ceil((pb * (1_000_000 - pb)) / 1e12 * 70_000);
  it('matches a brute-force contract-by-contract search on small books', () => {
    fc.assert(
      fc.property(ladder(true), ladder(true), fc.integer({ min: -50_000, max: 200_000 }), fc.integer({ min: 0, max: 200 }), (a, b, threshold, maxC) => {
        const max = maxC * 1_000_000;
        const r = searchSize({ askA: a, askB: b, marginalCost: fee, minMarginalEdgeMicros: threshold, maxQty: max, lotQty: 1_000_000 });
        expect(r.qty).toBe(bruteForce(a, b, fee, threshold, max));
      }),
      { numRuns: 500 },
    );
  });
  it('the last increment clears the threshold; one more unit does not (or the book/cap is exhausted)', () => {
    fc.assert(
      fc.property(ladder(false), ladder(false), fc.integer({ min: -50_000, max: 200_000 }), (a, b, threshold) => {
        const r = searchSize({ askA: a, askB: b, marginalCost: fee, minMarginalEdgeMicros: threshold });
        if (r.qty > 0) expect(r.lastMarginalEdgeMicros!).toBeGreaterThanOrEqual(threshold);
        if (r.stoppedBy === 'threshold') {
          const pa = remainingLevels(a, r.qty)[0]!.price;
          const pb = remainingLevels(b, r.qty)[0]!.price;
          expect(1_000_000 - pa - pb - fee(pa, pb)).toBeLessThan(threshold);
          expect(r.refusedMarginalEdgeMicros).toBe(1_000_000 - pa - pb - fee(pa, pb));
        } else {
          expect(r.stoppedBy).toBe('exhausted');
          expect(Math.min(walkLevels(a, Number.MAX_SAFE_INTEGER).filledQty, walkLevels(b, Number.MAX_SAFE_INTEGER).filledQty)).toBe(r.qty);
        }
      }),
      { numRuns: 500 },
    );
  });
});
