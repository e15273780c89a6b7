/**
 * The backtest end to end (src/backtest/run.ts): the demo scenario's planted arbitrages through
 * the replay graph and the paper broker on virtual time, P&L to the micro-dollar against the
 * hand-worked figures of src/demo/scenario.ts; latency that moves the book reduces P&L;
 * determinism (byte-identical JSON); a recording on disk with a corrupt line and a silence
 * reports both.
 */
import { pgGate } from '../helpers/gates.js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { BacktestResult } from '../../schema/backtest.js';
import type { BookEvent } from '../../schema/book.js';
import { SCALE } from '../../schema/money.js';
import { demoSource } from '../../src/backtest/demoSource.js';
import { runBacktest, type BacktestOptions } from '../../src/backtest/run.js';
import { loadConfig } from '../../src/config.js';
import { FeeBook } from '../../src/fees/schedule.js';
import { encodeFrame, fileStamp } from '../../src/history/format.js';
import { writeRecordingMeta } from '../../src/history/meta.js';
import { syntheticFrames, syntheticUniverse } from '../../src/history/syntheticFrames.js';
import { insertGaps } from '../../src/store/repos/history.js';
import { pgTestPool } from '../helpers/db.js';

const needsPg = await pgGate();

const config = loadConfig({ LOG_LEVEL: 'silent' });
const BASE = Date.UTC(2026, 10, 2);
const $ = (d: number) => Math.round(d * SCALE);
const common = { risk: config.risk, capitalApr: '0.05', lossCapMicros: $(5), queueShare: 1, cashMicros: $(10_000), minEdgeMicros: 10_000 } satisfies Partial<BacktestOptions>;

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('backtest of the demo scenario\'s planted arbitrages', () => {
  // one snapshot per market, no lead-lag moves: each planted arbitrage is traded once
  const { source, scenario } = demoSource({ baseTimeMs: BASE, durationMs: 60_000, refreshMs: 0, stepMs: 0 });

  it('trades P1 and P2 at their hand-worked size, cost and fees: P&L to the micro-dollar; P3 (fees eat it) not at all', async () => {
    const r = BacktestResult.parse(await runBacktest({ ...common, source, latenciesMs: [0] }));
    const p1 = scenario.planted.find((p) => p.pairId === 'demo-p1')!;
    const p2 = scenario.planted.find((p) => p.pairId === 'demo-p2')!;
    // capital locked 30 days (resolution) at 5 %/yr, rounded up:
    //   P1 (139.70 + 4.0672) × 0.05 × 30/365 = 0.590824109… → 590_825; P2 (112.80 + 1.94) × … = 0.471534246… → 471_535
    const want = [
      { pairId: 'demo-p1', filledQty: p1.sizeQty, feesMicros: p1.feesMicros, capitalCostMicros: 590_825, pnlMicros: p1.sizeQty - p1.costMicros - p1.feesMicros - 590_825, outcome: 'hedged' },
      { pairId: 'demo-p2', filledQty: p2.sizeQty, feesMicros: p2.feesMicros, capitalCostMicros: 471_535, pnlMicros: p2.sizeQty - p2.costMicros - p2.feesMicros - 471_535, outcome: 'hedged' },
    ];
    expect(p1).toMatchObject({ sizeQty: 150 * SCALE, costMicros: $(139.70), feesMicros: $(4.0672) });
    expect(want.map((w) => w.pnlMicros)).toEqual([5_641_975, 4_788_465]);
    expect(r.trades.map((t) => ({ pairId: t.pairId, filledQty: t.filledQty, feesMicros: t.feesMicros, capitalCostMicros: t.capitalCostMicros, pnlMicros: t.pnlMicros, outcome: t.outcome }))).toEqual(want);
    expect(r.metrics).toMatchObject({ pnlMicros: 5_641_975 + 4_788_465, trades: 2, fillRate: 1, maxDrawdownMicros: 0, sharpeDaily: null, sharpeTargetHolds: null });
    expect(r.metrics.verdict).toMatch(/cannot be assessed/);
    // capital of a hedged trade is locked until resolution, past the end of these data
    expect(r.trades.every((t) => t.releasedAt === r.dataset.to)).toBe(true);
    expect(r.perPair.map((p) => p.pairId)).toEqual(['demo-p1', 'demo-p2']);
    expect(r.edges).toHaveLength(2);
    expect(r.equity.at(-1)!.equityMicros).toBe($(10_000) + r.metrics.pnlMicros);
  });

  it('latency: the order meets the book as it is at t + latency (P&L never rises with latency here; lower when the book moved)', async () => {
    // 100 ms after the opening books, P1's 0.40 Polymarket YES level is gone
    const polyP1 = scenario.pairs.find((p) => p.pairId === 'demo-p1')!.legs[0].marketId;
    const moved: BookEvent = { kind: 'snapshot', venue: 'polymarket', marketId: polyP1, tsVenue: BASE + 100, tsReceived: BASE + 100, ladders: { yesAsk: [{ price: $(0.42), qty: 50 * SCALE }, { price: $(0.47), qty: 200 * SCALE }] } };
    const withMove = { ...source, bookEvents: [...source.bookEvents!, moved] };
    const r = await runBacktest({ ...common, source: withMove, latenciesMs: [0, 50, 250, 1000] });
    const pnl = r.latency.map((p) => p.pnlMicros);
    expect(r.latency.map((p) => p.latencyMs)).toEqual([0, 50, 250, 1000]);
    for (let i = 1; i < pnl.length; i++) expect(pnl[i]!).toBeLessThanOrEqual(pnl[i - 1]!);
    expect(pnl[2]!).toBeLessThan(pnl[0]!);
    // the main run is the first latency: 0 ms, P1 filled in full
    expect(r.assumptions.latencyMs).toBe(0);
    expect(r.trades.find((t) => t.pairId === 'demo-p1')!.filledQty).toBe(150 * SCALE);
    expect(r.latency[2]!.fillRate!).toBeLessThan(1);
  });

  it('queue share: half the displayed depth → smaller fills, and cash limits new trades', async () => {
    const half = await runBacktest({ ...common, source, latenciesMs: [0], queueShare: 0.5 });
    expect(half.trades.find((t) => t.pairId === 'demo-p1')!.filledQty).toBe(75 * SCALE);
    expect(half.metrics.fillRate!).toBeLessThan(1);
    const poor = await runBacktest({ ...common, source, latenciesMs: [0], cashMicros: $(150) });
    // $150 covers P1's $143.77 reservation, then not P2's $114.74
    expect(poor.trades.map((t) => t.pairId)).toEqual(['demo-p1']);
  });
});

describe('determinism and the sweep', () => {
  it('two runs give byte-identical JSON (lead-lag moves, books re-published, sweep with walk-forward folds)', async () => {
    const { source } = demoSource({ baseTimeMs: BASE, durationMs: 20 * 60_000 });
    const o: BacktestOptions = { ...common, source, latenciesMs: [50, 0], queueShare: 0.5, sweep: { minEdgesMicros: [5_000, 20_000], folds: 3 } };
    const a = JSON.stringify(await runBacktest(o));
    const b = JSON.stringify(await runBacktest(o));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const r = BacktestResult.parse(JSON.parse(a));
    // 2 min edges × 2 latencies × 2 folds (train + test rows)
    expect(r.sweep).toHaveLength(2 * 2 * 2 * 2);
    for (const fold of [0, 1]) {
      const chosen = r.sweep.filter((s) => s.fold === fold && s.chosen);
      expect(chosen.map((s) => s.split).sort()).toEqual(['test', 'train']);
      const train = r.sweep.filter((s) => s.fold === fold && s.split === 'train');
      expect(chosen.find((s) => s.split === 'train')!.pnlMicros).toBe(Math.max(...train.map((s) => s.pnlMicros)));
    }
  });
});

describe('a recording on disk', () => {
  it('reports a corrupt line (file and line) and a silence as a gap, and still trades what it can read', async () => {
    const t0 = Date.UTC(2026, 5, 1);
    const opts = { pairs: 2, fromMs: t0, toMs: t0 + 20 * 60_000, ratePerMarketPerHour: 600, seed: 3, arbEvery: 1 };
    const { pairs, markets } = syntheticUniverse(opts);
    // a 10-minute silence of both venues in the middle
    const frames = [...syntheticFrames(opts)].filter((f) => f.tsReceived < t0 + 5 * 60_000 || f.tsReceived >= t0 + 15 * 60_000);
    const dir = mkdtempSync(join(tmpdir(), 'backtest-rec-'));
    dirs.push(dir);
    for (const venue of ['polymarket', 'kalshi'] as const) {
      const mine = frames.filter((f) => f.venue === venue);
      mkdirSync(join(dir, venue));
      const lines = mine.map(encodeFrame);
      if (venue === 'kalshi') lines.splice(3, 0, '{"not":"a frame"');
      writeFileSync(join(dir, venue, `${fileStamp(mine[0]!.tsReceived)}-0000.jsonl.gz`), gzipSync(lines.join('\n') + '\n'));
    }
    const fb = FeeBook.withDefaults();
    writeRecordingMeta(dir, { pairs, markets, feeSchedules: fb.all(), marketRefs: [] });
    const r = BacktestResult.parse(await runBacktest({ ...common, source: { kind: 'recording', dir }, latenciesMs: [0], gapMs: 60_000, risk: { ...config.risk, maxBookAgeMs: 3_600_000, maxSkewMs: 3_600_000 } }));
    expect(r.dataset.skipped).toEqual([expect.stringMatching(/^kalshi\/.*\.jsonl\.gz: line 4 is not a valid frame, skipped$/)]);
    expect(r.dataset.gaps.filter((g) => g.marketId === '*').map((g) => g.venue).sort()).toEqual(['kalshi', 'polymarket']);
    for (const g of r.dataset.gaps.filter((x) => x.marketId === '*')) expect(g.to - g.from).toBeGreaterThan(10 * 60_000 - 60_000);
    expect(r.dataset.frames).toBe(frames.length);
    expect(r.metrics.trades).toBeGreaterThan(0);
  });
});

needsPg.describe('history gaps from the backfill', () => {
  it('reports the history_gaps of the pairs\' markets that overlap the data, and none of other markets or times', async () => {
    const db = await pgTestPool({ migrate: true, max: 2 });
    try {
      const { source, scenario } = demoSource({ baseTimeMs: BASE, durationMs: 60_000, refreshMs: 0, stepMs: 0 });
      const kal = scenario.pairs.find((p) => p.pairId === 'demo-p1')!.legs[1].marketId;
      await insertGaps(db.pool, [
        { venue: 'kalshi', marketId: kal, kind: 'candles', fromTs: BASE + 10_000, toTs: BASE + 20_000 },
        { venue: 'kalshi', marketId: kal, kind: 'candles', fromTs: BASE - 120_000, toTs: BASE - 60_000 },
        { venue: 'kalshi', marketId: 'KXOTHER', kind: 'candles', fromTs: BASE, toTs: BASE + 1000 },
      ]);
      const r = await runBacktest({ ...common, source, latenciesMs: [0], historyDb: db.pool, from: BASE, to: BASE + 60_000 });
      expect(r.dataset.gaps).toEqual([{ venue: 'kalshi', marketId: kal, from: BASE + 10_000, to: BASE + 20_000, source: 'history_gaps (candles)' }]);
    } finally {
      await db.drop();
    }
  });
});
