/**
 * End to end: the demo (venue simulators, the real live pipeline, embedded TimescaleDB) trades
 * its planted arbitrages on paper by default: both pairs hedged, written ahead to executions and
 * execution_events, fills stored with their side, exposure fed back, and the demo table shows them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { startDemo, type DemoHandle } from '../../src/demo/run.js';
import { EdgeTable } from '../../src/demo/table.js';
import { executionEvents, recentExecutions } from '../../src/store/repos/executions.js';

const work = mkdtempSync(path.join(tmpdir(), 'arbstream-exec-e2e-'));
let demo: DemoHandle;
const table = new EdgeTable();

beforeAll(async () => {
  const config = loadConfig({ EMBEDDED_DB_DIR: path.join(work, 'timescale'), EMBEDDED_DB_PORT: '0', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', PAPER_LATENCY_MS: '5' });
  demo = await startDemo({ config, workDir: work, rateHz: 20, onOutputs: (out) => table.follow(out.edges$, out.decisions$, out.feed$) });
  table.followExecutions(demo.live.execution!.executions$, demo.live.execution!.positions$);
}, 120_000);

afterAll(async () => {
  table.stop();
  await demo?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('demo: paper executions', () => {
  it('hedges every planted arbitrage on paper, written ahead, with exposure fed back', async () => {
    expect(demo.config.execution.mode).toBe('paper');
    const planted = demo.scenario.planted.filter((p) => p.direction !== 'none').map((p) => p.pairId);
    await expect
      .poll(async () => [...new Set((await recentExecutions(demo.db.pool)).filter((x) => x.state === 'hedged').map((x) => x.pairId))].sort(), { timeout: 60_000, interval: 500 })
      .toEqual([...planted].sort());
    const xs = await recentExecutions(demo.db.pool);
    for (const x of xs.filter((e) => e.state === 'hedged')) {
      expect(x.netQty).toBe(0);
      expect(x.progress.leg1.filledQty).toBe(x.progress.leg2.filledQty);
      const evs = await executionEvents(demo.db.pool, x.executionId);
      expect(evs.map((e) => e.toState)).toEqual(['leg1Submitted', 'leg1Filled', 'leg2Submitted', 'hedged']);
    }
    const fills = await demo.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM fills WHERE side = 'buy'`);
    expect(fills.rows[0]!.n).toBeGreaterThanOrEqual(2);
    expect(table.render()).toMatch(/Executions[\s\S]*hedged/);
  }, 90_000);
});
