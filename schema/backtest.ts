/**
 * The result of a backtest (src/backtest/): what `arbstream backtest` prints, what `--report DIR`
 * writes as `report.json` beside the HTML report, and what the report's charts are drawn from.
 * Money is integer micro-dollars, quantities integer millionths, times unix ms (virtual time of
 * the replayed data). Ratios (Sharpe, Sortino, fill rate) are plain numbers, null when undefined
 * (fewer than two returns, zero variance).
 */
import { z } from 'zod';
import { UnixMs } from './book.js';
import type { Infer } from './readonly.js';

const Int = z.number().int();
const Ratio = z.number().nullable();

export const BacktestAssumptions = z.object({
  /** decision → order at the venue, ms of virtual time */
  latencyMs: Int.nonnegative(),
  /** share of displayed depth we assume we get (queue position), 0..1 */
  queueShare: z.number().min(0).max(1),
  /** minimum average edge per contract, micro-dollars */
  minEdgeMicros: Int,
  /** capital cost APR in basis points (capital lock-up until resolution) */
  capitalAprBps: Int.nonnegative(),
  /** starting cash, micro-dollars (capital locked in open trades is not available) */
  cashMicros: Int.nonnegative(),
  /** how fees are priced: the schedule valid at each fill's time */
  fees: z.string(),
});
export type BacktestAssumptions = Infer<typeof BacktestAssumptions>;

export const BacktestGap = z.object({ venue: z.string(), marketId: z.string(), from: UnixMs, to: UnixMs, source: z.string() });
export type BacktestGap = Infer<typeof BacktestGap>;

export const BacktestTrade = z.object({
  /** decision time (virtual) */
  t: UnixMs,
  pairId: z.string(),
  edgeId: z.string(),
  direction: z.string(),
  /** quoted at decision */
  quotedQty: Int,
  filledQty: Int,
  /** quoted net edge per contract at decision, micro-dollars */
  quotedEdgeMicros: Int,
  /** realised net edge per filled contract after latency and queue, micro-dollars */
  realizedEdgeMicros: Int,
  /** quoted − realised per contract */
  slippageMicros: Int,
  feesMicros: Int,
  capitalCostMicros: Int,
  pnlMicros: Int,
  /** terminal state of the execution (hedged, unwound, failed) */
  outcome: z.string(),
  /** capital released at (resolution or end of data) */
  releasedAt: UnixMs,
});
export type BacktestTrade = Infer<typeof BacktestTrade>;

export const BacktestMetrics = z.object({
  pnlMicros: Int,
  trades: Int,
  /** filled contracts / quoted contracts */
  fillRate: Ratio,
  sharpeDaily: Ratio,
  sharpePerTrade: Ratio,
  sortinoDaily: Ratio,
  maxDrawdownMicros: Int,
  maxDrawdownPct: Ratio,
  slippageMeanMicros: Ratio,
  slippageP50Micros: Ratio,
  slippageP90Micros: Ratio,
  /** how the ratios are computed (returns, annualisation, risk-free rate) */
  method: z.string(),
  /** the specification's target: Sharpe ≥ 2.0 on this data (null when undefined) */
  sharpeTargetHolds: z.boolean().nullable(),
  verdict: z.string(),
});
export type BacktestMetrics = Infer<typeof BacktestMetrics>;

export const EquityPoint = z.object({ t: UnixMs, equityMicros: Int, drawdownMicros: Int });
export type EquityPoint = Infer<typeof EquityPoint>;

export const LatencyPoint = z.object({ latencyMs: Int, trades: Int, pnlMicros: Int, fillRate: Ratio, slippageMeanMicros: Ratio });
export type LatencyPoint = Infer<typeof LatencyPoint>;

export const PairRow = z.object({ pairId: z.string(), title: z.string().optional(), trades: Int, pnlMicros: Int, fillRate: Ratio, slippageMeanMicros: Ratio });
export type PairRow = Infer<typeof PairRow>;

export const SweepRow = z.object({
  minEdgeMicros: Int,
  latencyMs: Int,
  /** walk-forward fold (0-based) and which part of it */
  fold: Int,
  split: z.enum(['train', 'test']),
  from: UnixMs,
  to: UnixMs,
  trades: Int,
  pnlMicros: Int,
  sharpeDaily: Ratio,
  /** the parameter picked on this fold's train split (best train P&L); its test row is the walk-forward result */
  chosen: z.boolean().optional(),
});
export type SweepRow = Infer<typeof SweepRow>;

export const BacktestResult = z.object({
  dataset: z.object({
    source: z.string(),
    from: UnixMs,
    to: UnixMs,
    venues: z.array(z.string()),
    pairs: Int,
    frames: Int,
    /** holes in the data (history gaps, truncated files): reported, never hidden */
    gaps: z.array(BacktestGap),
    /** unreadable input skipped (file and position) */
    skipped: z.array(z.string()),
  }),
  assumptions: BacktestAssumptions,
  metrics: BacktestMetrics,
  equity: z.array(EquityPoint),
  trades: z.array(BacktestTrade),
  /** quoted net edge per contract of every accepted decision, micro-dollars */
  edges: z.array(Int),
  latency: z.array(LatencyPoint),
  perPair: z.array(PairRow),
  sweep: z.array(SweepRow),
  /** what became of the main run's accepted decisions (optional: added after the report's first version) */
  execution: z
    .object({
      accepted: Int,
      executed: Int,
      /** the pair had an execution in flight */
      busy: Int,
      /** the capital it needed was locked in open trades */
      noCash: Int,
      /** below a venue's minimum size or notional, or a limit below the tick */
      unplannable: Int,
      /** quoted on a book we had already traded against */
      consumed: Int,
      /** unhedged residuals alerted by the state machine */
      alerts: Int,
    })
    .optional(),
});
export type BacktestResult = Infer<typeof BacktestResult>;
