/**
 * Backtest metrics (src/backtest/metrics.ts): hand-worked values and properties (fast-check).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DAY_MS, dailyReturns, equityCurve, maxDrawdown, percentile, sharpe, sharpePerTrade, sortino, summarize, utcDays, verdict, type TradeFacts } from '../../src/backtest/metrics.js';

const D0 = Date.UTC(2026, 0, 1);

describe('hand-worked metrics', () => {
  it('Sharpe: mean / sample std × √periods; undefined below two returns or without variation', () => {
    // returns 1%, 3%: mean 2%, sample std √((0.01² + 0.01²)/1) = 0.014142…; × √365
    expect(sharpe([0.01, 0.03], 365)).toBeCloseTo((0.02 / Math.SQRT2 / 0.01) * Math.sqrt(365), 10);
    expect(sharpe([0.01], 365)).toBeNull();
    expect(sharpe([0.02, 0.02, 0.02], 365)).toBeNull();
  });

  it('Sortino: downside deviation over all returns', () => {
    // returns 0.02, −0.01, 0.05: mean 0.02; downside √(0.01²/3) = 0.0057735; ratio 3.4641 × √365
    expect(sortino([0.02, -0.01, 0.05], 365)).toBeCloseTo((0.02 / Math.sqrt(0.0001 / 3)) * Math.sqrt(365), 8);
    expect(sortino([0.01, 0.02], 365)).toBeNull();
  });

  it('max drawdown from the running peak, absolute and %', () => {
    expect(maxDrawdown([100, 120, 90, 130, 100])).toEqual({ micros: 30, pct: 0.25 });
    expect(maxDrawdown([100, 110])).toEqual({ micros: 0, pct: 0 });
  });

  it('percentiles interpolate linearly', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentile([10, 20, 30, 40, 50], 0.9)).toBe(46);
    expect(percentile([], 0.5)).toBeNull();
  });

  it('daily returns cover every UTC day, quiet days included, on the equity at each day\'s start', () => {
    const r = dailyReturns([{ t: D0 + 1000, pnlMicros: 100 }, { t: D0 + 2 * DAY_MS + 5, pnlMicros: -55 }], 1000, D0, D0 + 3 * DAY_MS);
    expect(r).toEqual([0.1, 0, -0.05]);
    expect(utcDays(D0 + 5, D0 + 6)).toEqual([D0]);
  });

  it('equity curve starts at the cash, steps at each booking, ends at the end of data', () => {
    expect(equityCurve([{ t: D0 + 10, pnlMicros: 5 }, { t: D0 + 20, pnlMicros: -8 }], 100, D0, D0 + 100)).toEqual([
      { t: D0, equityMicros: 100, drawdownMicros: 0 },
      { t: D0 + 10, equityMicros: 105, drawdownMicros: 0 },
      { t: D0 + 20, equityMicros: 97, drawdownMicros: 8 },
      { t: D0 + 100, equityMicros: 97, drawdownMicros: 8 },
    ]);
  });

  it('per-trade Sharpe is annualised by the trades per year observed', () => {
    // 2 trades in 1/365 of a year → 730 trades a year
    const t = [{ pnlMicros: 1, capitalMicros: 100 }, { pnlMicros: 3, capitalMicros: 100 }];
    expect(sharpePerTrade(t, DAY_MS)).toBeCloseTo(sharpe([0.01, 0.03], 730)!, 10);
  });

  it('the verdict says plainly whether Sharpe ≥ 2 holds, and when there are too few days to tell', () => {
    expect(verdict(2.5, 90, 40)).toEqual({ holds: true, text: expect.stringMatching(/^Sharpe ≥ 2\.0 holds on this data: daily Sharpe 2\.50/) });
    expect(verdict(1.2, 90, 40).text).toMatch(/does NOT hold/);
    expect(verdict(3, 5, 40).text).toMatch(/Too few days to tell: 5 < 30/);
    expect(verdict(null, 1, 3)).toEqual({ holds: null, text: expect.stringMatching(/cannot be assessed.*fewer than two days/) });
  });

  it('summarize: P&L, fill rate, slippage over filled trades only', () => {
    const trades: TradeFacts[] = [
      { t: D0, endedAt: D0, pnlMicros: 10, capitalMicros: 100, quotedQty: 10, filledQty: 5, slippageMicros: 4 },
      { t: D0 + DAY_MS, endedAt: D0 + DAY_MS, pnlMicros: -2, capitalMicros: 0, quotedQty: 10, filledQty: 0, slippageMicros: 0 },
    ];
    const { metrics, days } = summarize(trades, { cashMicros: 1000, fromMs: D0, toMs: D0 + 2 * DAY_MS });
    expect(days).toBe(2);
    expect(metrics).toMatchObject({ pnlMicros: 8, trades: 2, fillRate: 0.25, slippageMeanMicros: 4, slippageP50Micros: 4, maxDrawdownMicros: 2 });
    expect(metrics.sharpeDaily).not.toBeNull();
  });
});

describe('metric properties', () => {
  // returns as a strategy makes them: no subnormal magnitudes (below 1e-12 a return is 0), whose
  // squares underflow to 0 once scaled and would make the deviation vanish
  const returns = fc.array(fc.double({ min: -0.5, max: 0.5, noNaN: true }).map((r) => (Math.abs(r) < 1e-12 ? 0 : r)), { minLength: 2, maxLength: 60 });

  it('Sharpe is scale-invariant and flips sign with the returns', () => {
    fc.assert(fc.property(returns, fc.double({ min: 0.01, max: 100, noNaN: true }), (rs, k) => {
      const s = sharpe(rs, 365);
      if (s === null) return;
      expect(sharpe(rs.map((r) => r * k), 365)).toBeCloseTo(s, 6);
      expect(sharpe(rs.map((r) => -r), 365)).toBeCloseTo(-s, 6);
    }));
  });

  it('Sortino ≥ Sharpe when the mean is positive', () => {
    fc.assert(fc.property(returns, (rs) => {
      const so = sortino(rs, 365);
      const sh = sharpe(rs, 365);
      if (so === null || sh === null) return;
      // mean > 0: downside deviation √(Σmin(r,0)²/n) ≤ √(Σ(r−mean)²/n) ≤ sample std, so Sortino ≥ Sharpe
      if (rs.reduce((a, b) => a + b, 0) > 0) expect(so).toBeGreaterThanOrEqual(sh - 1e-9);
    }));
  });

  it('max drawdown: non-negative, zero for a non-decreasing curve, at most the peak-to-trough range', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -1e9, max: 1e9 }), { minLength: 1, maxLength: 100 }), (xs) => {
      const dd = maxDrawdown(xs);
      expect(dd.micros).toBeGreaterThanOrEqual(0);
      expect(dd.micros).toBeLessThanOrEqual(Math.max(...xs) - Math.min(...xs));
      expect(maxDrawdown([...xs].sort((a, b) => a - b)).micros).toBe(0);
    }));
  });

  it('the equity curve ends at cash + total P&L and its drawdowns match maxDrawdown', () => {
    fc.assert(fc.property(fc.array(fc.record({ t: fc.integer({ min: 0, max: 10 * DAY_MS }), pnlMicros: fc.integer({ min: -1e6, max: 1e6 }) }), { maxLength: 50 }), (bs) => {
      const eq = equityCurve(bs.map((b) => ({ t: D0 + b.t, pnlMicros: b.pnlMicros })), 1e7, D0, D0 + 11 * DAY_MS);
      expect(eq.at(-1)!.equityMicros).toBe(1e7 + bs.reduce((a, b) => a + b.pnlMicros, 0));
      expect(Math.max(...eq.map((p) => p.drawdownMicros))).toBe(maxDrawdown(eq.map((p) => p.equityMicros)).micros);
      for (let i = 1; i < eq.length; i++) expect(eq[i]!.t).toBeGreaterThanOrEqual(eq[i - 1]!.t);
    }));
  });

  it('daily returns compound back to the final equity', () => {
    fc.assert(fc.property(fc.array(fc.record({ t: fc.integer({ min: 0, max: 5 * DAY_MS - 1 }), pnlMicros: fc.integer({ min: -1e5, max: 1e5 }) }), { maxLength: 40 }), (bs) => {
      const cash = 1e7;
      const rs = dailyReturns(bs.map((b) => ({ t: D0 + b.t, pnlMicros: b.pnlMicros })), cash, D0, D0 + 5 * DAY_MS);
      expect(rs).toHaveLength(5);
      const end = rs.reduce((e, r) => e * (1 + r), cash);
      expect(end).toBeCloseTo(cash + bs.reduce((a, b) => a + b.pnlMicros, 0), 3);
    }));
  });

  it('percentile is monotone in p and within the range', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 50 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (xs, p, q) => {
      const [lo, hi] = p <= q ? [p, q] : [q, p];
      expect(percentile(xs, lo)!).toBeLessThanOrEqual(percentile(xs, hi)! + 1e-9);
      expect(percentile(xs, lo)!).toBeGreaterThanOrEqual(Math.min(...xs));
      expect(percentile(xs, hi)!).toBeLessThanOrEqual(Math.max(...xs));
    }));
  });
});
