/**
 * End to end: the real live pipeline against both venue simulators serving the demo scenario,
 * persisting through the stream log into the embedded TimescaleDB. Every planted arbitrage is
 * found with its exact size and net edge (expectations hand-worked in src/demo/scenario.ts, the
 * capital cost recomputed here independently), no edge where fees eat the spread, the persisted
 * edges equal the emitted ones, and replaying the recorded session twice gives identical edges.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Subscription } from 'rxjs';
import { loadConfig } from '../../src/config.js';
import { startDemo, type DemoHandle } from '../../src/demo/run.js';
import { recordFeeds, type Recorder } from '../../src/history/recorder.js';
import { loadFrames, replayPipeline } from '../../pipelines/replay.js';
import type { Edge, RiskDecision } from '../../schema/edge.js';

const YEAR_MS = 365n * 86_400_000n;
const work = mkdtempSync(path.join(tmpdir(), 'arbstream-e2e-'));
let demo: DemoHandle;
let recorder: Recorder;
const edges: Edge[] = [];
const decisions: RiskDecision[] = [];
const subs: Subscription[] = [];

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The pipeline's numbers must follow from the hand-worked cost and fees plus this capital cost. */
function expectedFor(e: Edge, costMicros: number, feesMicros: number, resolutionTs: number) {
  const tsAligned = BigInt(Math.max(e.legs[0].tsVenue, e.legs[1].tsVenue));
  const capital = BigInt(costMicros + feesMicros);
  // ceil(capital × 0.05 × dt / year)
  const num = capital * 5n * (BigInt(resolutionTs) - tsAligned);
  const den = 100n * YEAR_MS;
  const capitalCost = Number((num + den - 1n) / den);
  const profit = e.sizeQty - costMicros - feesMicros - capitalCost;
  return { capitalCost, profit, netEdge: Math.floor((profit * 1_000_000) / e.sizeQty) };
}

beforeAll(async () => {
  const config = loadConfig({ EMBEDDED_DB_DIR: path.join(work, 'timescale'), EMBEDDED_DB_PORT: '0', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
  demo = await startDemo({
    config,
    workDir: work,
    rateHz: 50,
    onOutputs: (out, feeds) => {
      recorder = recordFeeds(Object.values(feeds), { dir: path.join(work, 'recording') });
      subs.push(out.edges$.subscribe((e) => edges.push(e)));
      subs.push(out.decisions$.subscribe((d) => decisions.push(d)));
    },
  });
  // planted edges keep being re-found as the driver re-publishes their books every second
  await until('both planted arbitrages twice', () => {
    const n = (id: string) => edges.filter((e) => e.pairId === id).length;
    return n('demo-p1') >= 3 && n('demo-p2') >= 3 ? true : undefined;
  });
  // stop the venues: nothing new flows, then the persister drains
  for (const f of Object.values(demo.live.feeds)) f.close();
  await recorder.stop();
}, 180_000);

afterAll(async () => {
  subs.forEach((s) => s.unsubscribe());
  await demo?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('demo scenario end to end', () => {
  it('finds every planted arbitrage with its exact size, fees and net edge', () => {
    for (const planted of demo.scenario.planted.filter((p) => p.direction !== 'none')) {
      const found = edges.filter((e) => e.pairId === planted.pairId);
      expect(found.length, planted.pairId).toBeGreaterThan(0);
      const pair = demo.scenario.pairs.find((p) => p.pairId === planted.pairId)!;
      for (const e of found) {
        expect(e.direction).toBe(planted.direction);
        expect(e.sizeQty).toBe(planted.sizeQty);
        expect(e.legs[0].costMicros + e.legs[1].costMicros).toBe(planted.costMicros);
        expect(e.feesMicros).toBe(planted.feesMicros);
        const x = expectedFor(e, planted.costMicros, planted.feesMicros, pair.resolutionTs);
        expect(e.capitalCostMicros).toBe(x.capitalCost);
        expect(e.profitMicros).toBe(x.profit);
        expect(e.netEdgePerContractMicros).toBe(x.netEdge);
      }
    }
    // and the risk gate accepted them (limits from the default config)
    for (const id of ['demo-p1', 'demo-p2']) expect(decisions.find((d) => d.edge.pairId === id)?.accepted, id).toBe(true);
  });

  it('reports no edge where fees eat the spread, and none on the no-arbitrage lead-lag pair', () => {
    expect(edges.filter((e) => e.pairId === 'demo-p3')).toEqual([]);
    expect(edges.filter((e) => e.pairId === 'demo-leadlag')).toEqual([]);
    expect(new Set(edges.map((e) => e.pairId))).toEqual(new Set(['demo-p1', 'demo-p2']));
  });

  it('persists exactly the emitted edges into TimescaleDB', async () => {
    const ids = new Set(edges.map((e) => e.edgeId));
    const rows = await until('the persister to drain', async () => {
      const r = await demo.db.pool.query<{ edge_id: string; pair_id: string; size_qty: number; net_edge_micros: number; profit_micros: number; fees_micros: number }>(
        'SELECT edge_id, pair_id, size_qty, net_edge_micros, profit_micros, fees_micros FROM edges',
      );
      return r.rows.length >= ids.size ? r.rows : undefined;
    });
    expect(new Set(rows.map((r) => r.edge_id))).toEqual(ids);
    expect(rows.length).toBe(ids.size);
    const byId = new Map(edges.map((e) => [e.edgeId, e]));
    for (const r of rows) {
      const e = byId.get(r.edge_id)!;
      expect([r.pair_id, r.size_qty, r.net_edge_micros, r.profit_micros, r.fees_micros]).toEqual([e.pairId, e.sizeQty, e.netEdgePerContractMicros, e.profitMicros, e.feesMicros]);
    }
    const decided = await demo.db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM risk_decisions WHERE decision = 'accepted'");
    expect(decided.rows[0]!.n).toBeGreaterThanOrEqual(2);
  });

  it('replaying the recorded session twice gives identical edges (and the planted ones)', async () => {
    const frames = await loadFrames(path.join(work, 'recording'));
    expect(frames.length).toBeGreaterThan(10);
    const markets = demo.live.subscribedMarkets();
    const once = () => {
      const r = replayPipeline({ frames, pairs: demo.scenario.pairs, markets, feeBook: demo.live.feeBook, risk: demo.config.risk });
      const out: Edge[] = [];
      const s = r.outputs.edges$.subscribe((e) => out.push(e));
      r.run();
      s.unsubscribe();
      return out;
    };
    const a = once();
    const b = once();
    expect(a.length).toBeGreaterThan(0);
    expect(b).toEqual(a);
    const sizes = new Map(a.map((e) => [e.pairId, e.sizeQty]));
    expect(sizes).toEqual(new Map([['demo-p1', 150_000_000], ['demo-p2', 120_000_000]]));
  });
});
