/**
 * Backtest metrics: pure functions of the booked trades (no I/O, no clock).
 *
 * Method (also written into `metrics.method`):
 * - **Returns**: a trade's P&L is booked when its execution ends (hedged: payout − costs − fees −
 *   capital cost, locked in; unhedged contracts valued at 0). Daily return = P&L booked that UTC
 *   day / equity at the start of that day; every day of the data counts, days without trades as 0.
 * - **Sharpe**: mean / sample standard deviation (n − 1) of the returns, risk-free rate 0.
 *   Daily: × √365 (prediction markets trade every day). Per trade: return = P&L / capital the
 *   trade used, × √(trades per year observed) = √(trades / data span in years).
 * - **Sortino**: mean / downside deviation √(Σ min(r, 0)² / n), × √365.
 * - **Max drawdown**: largest fall of equity from a running peak, micro-dollars and % of that peak.
 * - Undefined ratios (fewer than two returns, zero deviation) are null.
 */
import type { BacktestMetrics, EquityPoint } from '../../schema/backtest.js';

export const DAY_MS = 86_400_000;
export const YEAR_DAYS = 365;
/** The specification's target. */
export const SHARPE_TARGET = 2.0;
/** Fewer days than this: a Sharpe ratio is computed but says little (the verdict says so). */
export const MIN_DAYS_FOR_VERDICT = 30;

export const METHOD =
  'P&L booked when an execution ends (hedged pairs locked in at resolution value: payout − costs − fees − capital cost at the configured APR until resolution; unhedged contracts valued at 0). ' +
  'Daily returns = P&L booked per UTC day / equity at the start of the day, every day of the data included (no trade = 0). ' +
  'Sharpe = mean / sample std (n−1), risk-free 0; daily annualised ×√365 (prediction markets trade every day); per trade (P&L / capital used) annualised ×√(trades per year observed over the data span). ' +
  'Sortino = mean / downside deviation √(Σmin(r,0)²/n), ×√365. Max drawdown from the running equity peak (micro-dollars and % of the peak). ' +
  'Slippage = quoted net edge − realised net edge per filled contract, over executions that filled; fill rate = hedged contracts / quoted contracts. Null = undefined (fewer than two returns or zero deviation).';

/** A booked P&L at a time (an execution's end). */
export interface Booking {
  readonly t: number;
  readonly pnlMicros: number;
}

export const mean = (xs: readonly number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/** Sample standard deviation (n − 1); null below two values. */
export function sampleStd(xs: readonly number[]): number | null {
  if (xs.length < 2) return null;
  const m = mean(xs)!;
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
}

/** Annualised Sharpe ratio (risk-free 0): mean / sample std × √periodsPerYear; null when undefined. */
export function sharpe(returns: readonly number[], periodsPerYear: number): number | null {
  const sd = sampleStd(returns);
  if (sd === null || !(sd > 0) || !(periodsPerYear > 0)) return null;
  return (mean(returns)! / sd) * Math.sqrt(periodsPerYear);
}

/** Annualised Sortino ratio: mean / √(Σ min(r,0)² / n) × √periodsPerYear; null when undefined. */
export function sortino(returns: readonly number[], periodsPerYear: number): number | null {
  if (returns.length < 2 || !(periodsPerYear > 0)) return null;
  const dd = Math.sqrt(returns.reduce((a, r) => a + Math.min(r, 0) ** 2, 0) / returns.length);
  if (!(dd > 0)) return null;
  return (mean(returns)! / dd) * Math.sqrt(periodsPerYear);
}

/** The UTC days [from, to) covers (at least one when to > from). */
export function utcDays(fromMs: number, toMs: number): number[] {
  const first = Math.floor(fromMs / DAY_MS);
  const last = Math.floor((Math.max(toMs, fromMs + 1) - 1) / DAY_MS);
  const out: number[] = [];
  for (let d = first; d <= last; d++) out.push(d * DAY_MS);
  return out;
}

/** Daily returns over every UTC day of [from, to): P&L booked that day / equity at the day's start. */
export function dailyReturns(bookings: readonly Booking[], startEquityMicros: number, fromMs: number, toMs: number): number[] {
  const days = utcDays(fromMs, toMs);
  const pnl = new Map<number, number>(days.map((d) => [d, 0]));
  for (const b of bookings) {
    const d = Math.floor(b.t / DAY_MS) * DAY_MS;
    // a booking after the data (an order that met the book after its last frame) counts on the last day
    const key = pnl.has(d) ? d : d < days[0]! ? days[0]! : days.at(-1)!;
    pnl.set(key, pnl.get(key)! + b.pnlMicros);
  }
  let equity = startEquityMicros;
  const out: number[] = [];
  for (const d of days) {
    const p = pnl.get(d)!;
    out.push(equity > 0 ? p / equity : 0);
    equity += p;
  }
  return out;
}

/** Equity after each booking (sorted by time, stable), with the drawdown from the running peak; starts at `from`. */
export function equityCurve(bookings: readonly Booking[], startEquityMicros: number, fromMs: number, toMs: number): EquityPoint[] {
  const sorted = bookings.map((b, i) => ({ b, i })).sort((x, y) => x.b.t - y.b.t || x.i - y.i).map((x) => x.b);
  let equity = startEquityMicros;
  let peak = equity;
  const out: EquityPoint[] = [{ t: fromMs, equityMicros: equity, drawdownMicros: 0 }];
  for (const b of sorted) {
    equity += b.pnlMicros;
    peak = Math.max(peak, equity);
    out.push({ t: b.t, equityMicros: equity, drawdownMicros: peak - equity });
  }
  const endT = Math.max(toMs, out.at(-1)!.t);
  if (out.at(-1)!.t !== endT) out.push({ t: endT, equityMicros: equity, drawdownMicros: peak - equity });
  return out;
}

/** Largest fall from a running peak of the equity values: micro-dollars and the fall / that peak (null when the peak is not positive). */
export function maxDrawdown(equity: readonly number[]): { micros: number; pct: number | null } {
  let peak = -Infinity;
  let best = { micros: 0, pct: null as number | null };
  for (const e of equity) {
    peak = Math.max(peak, e);
    const dd = peak - e;
    if (dd > best.micros) best = { micros: dd, pct: peak > 0 ? dd / peak : null };
  }
  if (best.micros === 0 && equity.length) best.pct = 0;
  return best;
}

/** Linear-interpolated percentile (p in [0,1], as numpy's default); null for no values. */
export function percentile(xs: readonly number[], p: number): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * Math.min(1, Math.max(0, p));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/** Per-trade Sharpe: returns P&L / capital used, annualised by the trades per year observed over the span. */
export function sharpePerTrade(trades: readonly { readonly pnlMicros: number; readonly capitalMicros: number }[], spanMs: number): number | null {
  const rs = trades.filter((t) => t.capitalMicros > 0).map((t) => t.pnlMicros / t.capitalMicros);
  if (rs.length < 2 || !(spanMs > 0)) return null;
  return sharpe(rs, rs.length / (spanMs / (YEAR_DAYS * DAY_MS)));
}

/** Whether the target holds and what that means, in words. */
export function verdict(sharpeDaily: number | null, days: number, trades: number): { holds: boolean | null; text: string } {
  const few = days < MIN_DAYS_FOR_VERDICT;
  const span = `${days} day${days === 1 ? '' : 's'} of data, ${trades} trade${trades === 1 ? '' : 's'}`;
  if (sharpeDaily === null) {
    const why = days < 2 ? 'fewer than two days of returns' : trades === 0 ? 'no trades' : 'daily returns without variation';
    return { holds: null, text: `Sharpe ≥ ${SHARPE_TARGET.toFixed(1)} cannot be assessed on this data (${span}: ${why}).` };
  }
  const holds = sharpeDaily >= SHARPE_TARGET;
  const s = sharpeDaily.toFixed(2);
  const head = holds ? `Sharpe ≥ ${SHARPE_TARGET.toFixed(1)} holds on this data: daily Sharpe ${s} (${span}).` : `Sharpe ≥ ${SHARPE_TARGET.toFixed(1)} does NOT hold on this data: daily Sharpe ${s} (${span}).`;
  return { holds, text: few ? `${head} Too few days to tell: ${days} < ${MIN_DAYS_FOR_VERDICT}, so this is not evidence either way.` : head };
}

/** What {@link summarize} needs of a finished trade. */
export interface TradeFacts {
  readonly t: number;
  /** when its P&L is booked (the execution's end), unix ms */
  readonly endedAt: number;
  readonly pnlMicros: number;
  readonly capitalMicros: number;
  readonly quotedQty: number;
  readonly filledQty: number;
  readonly slippageMicros: number;
}

export interface Summary {
  readonly metrics: BacktestMetrics;
  readonly equity: EquityPoint[];
  readonly days: number;
}

/** Every metric of one run (see the module comment for the method). */
export function summarize(trades: readonly TradeFacts[], o: { readonly cashMicros: number; readonly fromMs: number; readonly toMs: number }): Summary {
  const bookings = trades.map((t) => ({ t: t.endedAt, pnlMicros: t.pnlMicros }));
  const equity = equityCurve(bookings, o.cashMicros, o.fromMs, o.toMs);
  const dd = maxDrawdown(equity.map((p) => p.equityMicros));
  const days = utcDays(o.fromMs, o.toMs);
  const daily = dailyReturns(bookings, o.cashMicros, o.fromMs, o.toMs);
  const sharpeDaily = sharpe(daily, YEAR_DAYS);
  const quoted = trades.reduce((a, t) => a + t.quotedQty, 0);
  const filled = trades.reduce((a, t) => a + t.filledQty, 0);
  const slips = trades.filter((t) => t.filledQty > 0).map((t) => t.slippageMicros);
  const v = verdict(sharpeDaily, days.length, trades.length);
  return {
    days: days.length,
    equity,
    metrics: {
      pnlMicros: trades.reduce((a, t) => a + t.pnlMicros, 0),
      trades: trades.length,
      fillRate: quoted > 0 ? filled / quoted : null,
      sharpeDaily,
      sharpePerTrade: sharpePerTrade(trades, o.toMs - o.fromMs),
      sortinoDaily: sortino(daily, YEAR_DAYS),
      maxDrawdownMicros: dd.micros,
      maxDrawdownPct: dd.pct,
      slippageMeanMicros: mean(slips),
      slippageP50Micros: percentile(slips, 0.5),
      slippageP90Micros: percentile(slips, 0.9),
      method: METHOD,
      sharpeTargetHolds: v.holds,
      verdict: v.text,
    },
  };
}
