/**
 * The shipped sample dataset (data/sample/, issue 13 point 6): it is what scripts/make-sample.ts
 * makes, it decodes cleanly, the planted edges come out of the replay pipeline with their
 * hand-worked sizes, and `runBacktest` over it gives exactly the hand-worked trades and P&L
 * (data/sample/README.md works every figure by hand; none is copied from an output).
 *
 * The Parquet export beside it (data/sample/parquet) gives the same backtest.
 *
 * Fixed assumptions: latency 0, queue share 1 (the whole displayed depth), minimum edge 1¢,
 * capital APR 5 % (the default), $10,000 cash, the default risk limits.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Edge } from '../../schema/edge.js';
import type { BacktestResult } from '../../schema/backtest.js';
import { loadConfig } from '../../src/config.js';
import { runBacktest, type BacktestSource } from '../../src/backtest/run.js';
import { buildSampleScenario, PENDING_PAIR, sampleFrames, SAMPLE_START_MS } from '../../src/demo/sampleSession.js';
import { newReplayCounters, recordedFrames } from '../../src/history/replaySource.js';
import { feeBookFromMeta, readRecordingMeta, streamReplay } from '../../pipelines/replay.js';

const DIR = join(import.meta.dirname, '../../data/sample/recording');
const PARQUET = join(import.meta.dirname, '../../data/sample/parquet');
const S = 1000;
const MIN = 60 * S;
const at = (offsetMs: number) => SAMPLE_START_MS + offsetMs;
const config = loadConfig({ LOG_LEVEL: 'silent' });

/**
 * Hand-worked (data/sample/README.md): decision time, pair, direction, contracts, fees and the
 * P&L before capital cost (payout − cost − fees), micro-dollars; capital cost = ⌈(cost + fees) ×
 * 5 % × (resolution 2026-12-16T00:00Z − t) / 365 days⌉.
 */
const PLANTED = [
  { t: at(10 * MIN), pairId: 'demo-p1', direction: 'aYes', qty: 150, feesMicros: 4_067_200, grossPnlMicros: 6_232_800, capitalCostMicros: 580_841, pnlCents: 565 },
  { t: at(40 * MIN), pairId: 'demo-p2', direction: 'aNo', qty: 120, feesMicros: 1_940_000, grossPnlMicros: 5_260_000, capitalCostMicros: 463_239, pnlCents: 480 },
  { t: at(60 * MIN), pairId: 'demo-p1', direction: 'aYes', qty: 60, feesMicros: 1_626_000, grossPnlMicros: 4_374_000, capitalCostMicros: 224_473, pnlCents: 415 },
  { t: at(120 * MIN), pairId: 'demo-p2', direction: 'aNo', qty: 150, feesMicros: 2_360_000, grossPnlMicros: 3_640_000, capitalCostMicros: 589_785, pnlCents: 305 },
  { t: at(150 * MIN), pairId: 'demo-p1', direction: 'aYes', qty: 40, feesMicros: 1_084_000, grossPnlMicros: 2_516_000, capitalCostMicros: 150_942, pnlCents: 237 },
] as const;
/** The Kalshi feed is down from 01:30 to 01:40 (its last frame before is at 01:29:59). */
const OUTAGE = { from: at(90 * MIN - S), to: at(100 * MIN) };

describe('the sample dataset (data/sample)', () => {
  it('is what scripts/make-sample.ts makes: the recording holds exactly the generator\'s frames, and every line reads', async () => {
    // a recording keeps each venue's frames in its own files: compare venue by venue
    const generated = new Map<string, string[]>([['polymarket', []], ['kalshi', []]]);
    for (const f of sampleFrames(buildSampleScenario())) generated.get(f.venue)!.push(JSON.stringify(f));
    const counters = newReplayCounters();
    let total = 0;
    for (const venue of ['polymarket', 'kalshi'] as const) {
      const want = generated.get(venue)!;
      let n = 0;
      let firstDiff: string | undefined;
      for await (const f of recordedFrames(DIR, { venue, counters })) {
        if (!firstDiff && JSON.stringify(f) !== want[n]) firstDiff = `${venue} frame ${n}: ${JSON.stringify(f).slice(0, 200)}`;
        n++;
      }
      expect(firstDiff, 'data/sample is stale: rerun `npx tsx scripts/make-sample.ts`').toBeUndefined();
      expect(n, venue).toBe(want.length);
      total += n;
    }
    expect(counters).toMatchObject({ badLines: 0, badFiles: 0, badIndexLines: 0, files: 6, frames: total });
    expect(total).toBeGreaterThan(50_000);
  });

  it('goes through the replay pipeline: planted edges with their hand-worked sizes, nothing on lookalikes, clean books', async () => {
    const meta = readRecordingMeta(DIR);
    // the first 46 minutes: demo-p1's first episode, the pending lookalike's first window, demo-p2's first episode
    const r = streamReplay({ frames: recordedFrames(DIR, { to: at(46 * MIN) }), pairs: meta.pairs, markets: meta.markets, feeBook: feeBookFromMeta(meta), risk: config.risk });
    const edges: Edge[] = [];
    const pendingSpread: number[] = [];
    const pending = meta.pairs.find((p) => p.pairId === PENDING_PAIR)!;
    const books = new Map<string, { yesAsk?: number; noAsk?: number }>();
    r.outputs.edges$.subscribe((e) => edges.push(e));
    r.outputs.books$.subscribe((b) => {
      const leg = pending.legs.findIndex((l) => l.venue === b.venue && l.marketId === b.marketId);
      if (leg < 0) return;
      books.set(b.venue, { ...(b.yes.asks[0] && { yesAsk: b.yes.asks[0].price }), ...(b.no.asks[0] && { noAsk: b.no.asks[0].price }) });
      const a = books.get('polymarket')?.yesAsk;
      const k = books.get('kalshi')?.noAsk;
      if (a !== undefined && k !== undefined) pendingSpread.push(1_000_000 - a - k);
    });
    await r.run();
    const firstOf = (pairId: string) => edges.find((e) => e.pairId === pairId);
    // edges only on the approved planted pairs (not the fee-eaten demo-p3, the pending pair, the lead-lag pair or the rejected fillers)
    expect([...new Set(edges.map((e) => e.pairId))].sort()).toEqual(['demo-p1', 'demo-p2']);
    expect(firstOf('demo-p1')).toMatchObject({ direction: 'aYes', sizeQty: 150_000_000, feesMicros: 4_067_200, tsDetected: at(10 * MIN) });
    expect(firstOf('demo-p1')!.legs[0].costMicros + firstOf('demo-p1')!.legs[1].costMicros).toBe(139_700_000);
    expect(firstOf('demo-p2')).toMatchObject({ direction: 'aNo', sizeQty: 120_000_000, feesMicros: 1_940_000, tsDetected: at(40 * MIN) });
    expect(firstOf('demo-p2')!.legs[0].costMicros + firstOf('demo-p2')!.legs[1].costMicros).toBe(112_800_000);
    // every edge lies inside an episode window (10:00–15:00, 40:00–45:00)
    for (const e of edges) expect(e.tsDetected >= at(10 * MIN) && e.tsDetected < at(15 * MIN) || e.tsDetected >= at(40 * MIN) && e.tsDetected < at(45 * MIN), `edge at ${new Date(e.tsDetected).toISOString()}`).toBe(true);
    // the lookalike that is not approved shows a 10¢ gross spread (Poly YES .40 + Kalshi NO .50) and is never priced
    expect(Math.max(...pendingSpread)).toBe(100_000);
    expect(r.stats.frames).toBeGreaterThan(10_000);
    const issues = r.outputs.counters.books.issues;
    expect(Object.values(issues).every((n) => n === 0), JSON.stringify(issues)).toBe(true);
  });
});

const backtest = (source: BacktestSource): Promise<BacktestResult> =>
  runBacktest({
    source, latenciesMs: [0], queueShare: 1, minEdgeMicros: 10_000, cashMicros: 10_000_000_000,
    capitalApr: '0.05', risk: { ...config.risk, capitalApr: 0.05 }, lossCapMicros: config.execution.lossCapMicros,
  });

describe('backtest on the sample dataset', () => {
  let result: BacktestResult;
  it('runs with fixed assumptions', async () => {
    result = await backtest({ kind: 'recording', dir: DIR });
    expect(result.assumptions).toMatchObject({ latencyMs: 0, queueShare: 1, minEdgeMicros: 10_000, capitalAprBps: 500 });
  });

  it('trades each planted episode once, at its time, fully hedged', () => {
    expect(result.trades.map((t) => [t.t, t.pairId, t.direction, t.filledQty, t.outcome])).toEqual(
      PLANTED.map((p) => [p.t, p.pairId, p.direction, p.qty * 1_000_000, 'hedged']),
    );
    expect(result.perPair.map((p) => [p.pairId, p.trades])).toEqual([['demo-p1', 3], ['demo-p2', 2]]);
    expect(result.metrics.trades).toBe(5);
    expect(result.metrics.fillRate).toBe(1);
  });

  it('books each planted arbitrage\'s hand-worked P&L (fees and capital cost to the micro-dollar, P&L to the cent)', () => {
    for (const [i, p] of PLANTED.entries()) {
      const t = result.trades[i]!;
      expect(t.feesMicros, `${p.pairId} at ${new Date(p.t).toISOString()}`).toBe(p.feesMicros);
      expect(t.capitalCostMicros).toBe(p.capitalCostMicros);
      expect(t.pnlMicros).toBe(p.grossPnlMicros - p.capitalCostMicros);
      expect(Math.round(t.pnlMicros / 10_000)).toBe(p.pnlCents);
      expect(t.slippageMicros).toBe(0);
    }
    const total = PLANTED.reduce((a, p) => a + p.grossPnlMicros - p.capitalCostMicros, 0);
    expect(result.metrics.pnlMicros).toBe(total);
    expect(Math.round(total / 10_000)).toBe(2001); // $20.01
  });

  it('never trades the lookalikes (fee-eaten demo-p3, the pending pair), the lead-lag pair or the fillers', () => {
    const traded = new Set(result.trades.map((t) => t.pairId));
    for (const id of ['demo-p3', PENDING_PAIR, 'demo-leadlag', 'sample-fill-0', 'sample-fill-1', 'sample-fill-2', 'sample-fill-3']) expect(traded.has(id), id).toBe(false);
  });

  it('reports the Kalshi outage as a gap, and no gap outside it', () => {
    const venueGaps = result.dataset.gaps.filter((g) => g.marketId === '*');
    expect(venueGaps).toEqual([expect.objectContaining({ venue: 'kalshi', from: OUTAGE.from, to: OUTAGE.to })]);
    for (const g of result.dataset.gaps) expect(g.from >= OUTAGE.from && g.to <= OUTAGE.to, JSON.stringify(g)).toBe(true);
    expect(result.dataset.skipped).toEqual([]);
    expect(result.dataset).toMatchObject({ from: at(0), pairs: 9, venues: ['kalshi', 'polymarket'] });
  });

  it('gives the same trades and gap from the Parquet export (data/sample/parquet)', async () => {
    const fromParquet = await backtest({ kind: 'dataset', dir: PARQUET });
    expect(fromParquet.trades).toEqual(result.trades);
    expect(fromParquet.metrics.pnlMicros).toBe(result.metrics.pnlMicros);
    expect(fromParquet.dataset.gaps.filter((g) => g.marketId === '*')).toEqual(result.dataset.gaps.filter((g) => g.marketId === '*'));
    expect(fromParquet.dataset.skipped).toEqual([]);
  });
});
