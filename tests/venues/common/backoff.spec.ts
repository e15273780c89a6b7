import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffCap, backoffDelay, DEFAULT_BACKOFF } from '../../../src/venues/common/backoff.js';

describe('backoffDelay', () => {
  it('is always a whole number in [0, min(max, base * 2^n)]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2000 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (attempt, baseMs, maxMs, r) => {
          const d = backoffDelay(attempt, { baseMs, maxMs }, () => r);
          const cap = Math.min(maxMs, baseMs * 2 ** attempt);
          expect(Number.isInteger(d)).toBe(true);
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThanOrEqual(cap);
        },
      ),
    );
  });

  it('random() = 1 gives the cap: doubling, then flat at max', () => {
    const delays = [0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, { baseMs: 100, maxMs: 1000 }, () => 1));
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it('random() = 0 gives 0 (full jitter, not equal jitter)', () => {
    expect(backoffDelay(7, DEFAULT_BACKOFF, () => 0)).toBe(0);
  });

  it('clamps a misbehaving random() and odd attempts', () => {
    expect(backoffDelay(1, { baseMs: 100, maxMs: 1000 }, () => 5)).toBe(200);
    expect(backoffDelay(1, { baseMs: 100, maxMs: 1000 }, () => -1)).toBe(0);
    expect(backoffDelay(1, { baseMs: 100, maxMs: 1000 }, () => Number.NaN)).toBe(0);
    expect(backoffCap(-3, { baseMs: 100, maxMs: 1000 })).toBe(100);
    expect(backoffCap(Number.POSITIVE_INFINITY, { baseMs: 100, maxMs: 1000 })).toBe(1000);
    expect(backoffCap(Number.NaN, { baseMs: 100, maxMs: 1000 })).toBe(100);
    expect(backoffCap(5000, { baseMs: 100, maxMs: 1000 })).toBe(1000);
  });
});
