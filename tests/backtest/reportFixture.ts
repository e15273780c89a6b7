/**
 * A realistic BacktestResult for the report tests, built deterministically (seeded PRNG): three
 * days of four pairs, 300 trades (301 equity points), a latency curve, a 3-fold walk-forward sweep,
 * one planted Kalshi history gap, one skipped Parquet file, and hostile market titles.
 * Every derived figure (per-pair rows, equity, drawdown, P&L) is summed from the trades in integers.
 */
import type { BacktestResult, BacktestTrade, LatencyPoint, PairRow, SweepRow } from '../../schema/backtest.js';
import { equityCurve } from '../../src/backtest/metrics.js';
import { mulberry32, randInt } from '../../src/venues/common/prng.js';

export const HOSTILE_TITLE = '</script><script>alert(1)</script>';
export const FROM = Date.parse('2026-11-20T00:00:00Z');
export const TO = Date.parse('2026-11-23T00:00:00Z');
export const GAP = {
  venue: 'kalshi',
  marketId: 'KXBTCD-26NOV2117-T99999.99',
  from: Date.parse('2026-11-21T06:00:00Z'),
  to: Date.parse('2026-11-21T08:30:00Z'),
  source: 'backfill: candlesticks (no data returned for 2h30m)',
};
export const SKIPPED = 'data/polymarket/2026-11/0x5f1c_20261122.parquet: row group 2 of 3: truncated (read 1024 of 65536 bytes)';

const PAIRS: { pairId: string; title?: string }[] = [
  { pairId: 'btc-100k-dec31', title: 'Will BTC close above $100k on Dec 31?' },
  { pairId: 'fed-cut-dec', title: HOSTILE_TITLE },
  { pairId: 'nyc-snow', title: 'Snow in NYC <!-- before --> "Christmas" & New Year?' },
  { pairId: 'eth-5k' },
];


export function makeReportResult(over: { gaps?: boolean; skipped?: boolean } = {}): BacktestResult {
  const rnd = mulberry32(13);
  const cash = 10_000_000_000; // $10,000
  const trades: BacktestTrade[] = [];
  const step = Math.floor((TO - FROM) / 320);
  for (let i = 0; trades.length < 300; i++) {
    const t = FROM + (i + 1) * step + randInt(rnd, 0, 60_000);
    if (t >= GAP.from && t <= GAP.to) continue; // nothing traded during the gap
    const pair = PAIRS[randInt(rnd, 0, PAIRS.length - 1)]!;
    const quotedQty = randInt(rnd, 10, 250) * 1_000_000;
    const fill = rnd();
    const filledQty = fill < 0.08 ? 0 : fill < 0.2 ? Math.floor(quotedQty / 2_000_000) * 1_000_000 : quotedQty;
    const quotedEdgeMicros = randInt(rnd, 5_000, 60_000);
    const slippageMicros = randInt(rnd, -1_000, 9_000);
    const realizedEdgeMicros = quotedEdgeMicros - slippageMicros;
    const feesMicros = Math.round((filledQty / 1_000_000) * randInt(rnd, 300, 1_800));
    const capitalCostMicros = Math.round((filledQty / 1_000_000) * randInt(rnd, 50, 400));
    const outcome = filledQty === 0 ? 'failed' : fill < 0.2 ? 'unwound' : 'hedged';
    const gross = outcome === 'hedged' ? Math.round((realizedEdgeMicros * filledQty) / 1_000_000) : -randInt(rnd, 20_000, 400_000);
    const pnlMicros = outcome === 'failed' ? 0 : gross - feesMicros - capitalCostMicros;
    trades.push({
      t,
      pairId: pair.pairId,
      edgeId: `edge-${i}`,
      direction: rnd() < 0.5 ? 'aYes_bNo' : 'aNo_bYes',
      quotedQty,
      filledQty,
      quotedEdgeMicros,
      realizedEdgeMicros,
      slippageMicros,
      feesMicros: outcome === 'failed' ? 0 : feesMicros,
      capitalCostMicros: outcome === 'failed' ? 0 : capitalCostMicros,
      pnlMicros,
      outcome,
      releasedAt: t + 86_400_000,
    });
  }

  const equityPoints = equityCurve(trades, cash, FROM, trades.at(-1)!.t);
  const equity = equityPoints.at(-1)!.equityMicros;
  const maxDd = Math.max(...equityPoints.map((p) => p.drawdownMicros));
  const pnl = equity - cash;
  const quoted = trades.reduce((a, t) => a + t.quotedQty, 0);
  const filled = trades.reduce((a, t) => a + t.filledQty, 0);
  const filledTrades = trades.filter((t) => t.filledQty > 0);
  const slipMean = filledTrades.reduce((a, t) => a + t.slippageMicros, 0) / filledTrades.length;

  const perPair: PairRow[] = PAIRS.map((p) => {
    const ts = trades.filter((t) => t.pairId === p.pairId);
    const f = ts.filter((t) => t.filledQty > 0);
    return {
      pairId: p.pairId,
      ...(p.title === undefined ? {} : { title: p.title }),
      trades: ts.length,
      pnlMicros: ts.reduce((a, t) => a + t.pnlMicros, 0),
      fillRate: ts.reduce((a, t) => a + t.filledQty, 0) / ts.reduce((a, t) => a + t.quotedQty, 0),
      slippageMeanMicros: f.length ? f.reduce((a, t) => a + t.slippageMicros, 0) / f.length : null,
    };
  });

  // accepted decisions: the traded ones plus some that never reached an order
  const edges = [...trades.map((t) => t.quotedEdgeMicros), ...Array.from({ length: 40 }, () => randInt(rnd, 5_000, 25_000))];

  const latency: LatencyPoint[] = [0, 50, 100, 250, 500, 1_000, 2_000].map((latencyMs, i) => ({
    latencyMs,
    trades: 300 - i * 30,
    pnlMicros: pnl - i * 41_250_000,
    fillRate: 0.93 - i * 0.06,
    slippageMeanMicros: 1_200 + i * 1_850.5,
  }));
  latency.push({ latencyMs: 5_000, trades: 0, pnlMicros: 0, fillRate: null, slippageMeanMicros: null });

  const fold = (TO - FROM) / 3;
  const sweep: SweepRow[] = [];
  for (let k = 0; k < 3; k++) {
    for (const minEdgeMicros of [5_000, 10_000]) {
      for (const latencyMs of [100, 250]) {
        const chosen = minEdgeMicros === 10_000 && latencyMs === 100;
        for (const split of ['train', 'test'] as const) {
          const from = FROM + k * fold + (split === 'test' ? (fold * 2) / 3 : 0);
          sweep.push({
            minEdgeMicros,
            latencyMs,
            fold: k,
            split,
            from,
            to: split === 'train' ? FROM + k * fold + (fold * 2) / 3 : FROM + (k + 1) * fold,
            trades: randInt(rnd, 10, 80),
            pnlMicros: randInt(rnd, -20_000_000, 150_000_000),
            sharpeDaily: split === 'test' && k === 0 ? null : Math.round(rnd() * 400) / 100,
            chosen,
          });
        }
      }
    }
  }

  return {
    dataset: {
      source: 'data/ (Parquet, 2 venues, recorded sessions + backfilled history)',
      from: FROM,
      to: TO,
      venues: ['polymarket', 'kalshi'],
      pairs: PAIRS.length,
      frames: 1_843_207,
      gaps: over.gaps === false ? [] : [GAP],
      skipped: over.skipped === false ? [] : [SKIPPED],
    },
    assumptions: {
      latencyMs: 250,
      queueShare: 0.5,
      minEdgeMicros: 5_000,
      capitalAprBps: 500,
      cashMicros: cash,
      fees: 'venue schedules valid at each fill (Kalshi 0.07·C·P·(1−P) rounded up to the cent; Polymarket taker fee per market)',
    },
    metrics: {
      pnlMicros: pnl,
      trades: trades.length,
      fillRate: filled / quoted,
      sharpeDaily: 3.4182,
      sharpePerTrade: 2.71,
      sortinoDaily: 5.02,
      maxDrawdownMicros: maxDd,
      maxDrawdownPct: maxDd / cash,
      slippageMeanMicros: slipMean,
      slippageP50Micros: 4_000,
      slippageP90Micros: 8_100,
      method: 'Daily returns = P&L booked per UTC day / equity at the start of the day; Sharpe = mean / sample std, risk-free 0, ×√365.',
      sharpeTargetHolds: true,
      verdict: "The specification's target Sharpe ≥ 2.0 holds on this data (daily Sharpe 3.42), but over 3 days only: too short to rely on.",
    },
    equity: equityPoints,
    trades,
    edges,
    latency,
    perPair,
    sweep,
  };
}
