/**
 * Crash recovery of the executor (issue 12, point 4): a child process running the executor on
 * the LIVE Kalshi and Polymarket brokers against this process's simulators is SIGKILLed at every
 * crash point (./crashPoints.ts: orders written but not sent, sent but not answered, partial
 * fills, leg 2 retries, unwinds); the next child recovers (Executor.recover). Then, from the
 * venues' own positions and order counts: every execution is ended, nothing is unhedged beyond
 * the loss cap (or unalerted), no order was duplicated, and the record matches the venues.
 *
 * CRASH_RUNS runs per point (default 3 in CI, 1 otherwise). The full soak (50 runs per point,
 * with a table): `npx tsx scripts/soak-crash.ts`.
 */
import { pgGate } from '../helpers/gates.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isCI } from '../helpers/db.js';
import { CRASH_POINTS } from './crashPoints.js';
import { startCrashHarness, summarize, type CrashHarness, type RunResult } from './crashHarness.js';

const needsPg = await pgGate();
const RUNS = Number(process.env.CRASH_RUNS ?? (isCI ? 3 : 1));

needsPg.describe(`SIGKILL at ${CRASH_POINTS.length} points × ${RUNS} run(s), then recovery`, () => {
  let h: CrashHarness;
  beforeAll(async () => {
    h = await startCrashHarness();
  }, 120_000);
  afterAll(async () => {
    await h?.stop();
  }, 30_000);

  it('at least 8 crash points, each reached', () => {
    expect(CRASH_POINTS.length).toBeGreaterThanOrEqual(8);
  });

  it('no position unhedged beyond the loss cap, no duplicated order, every execution ended and matching the venues', async () => {
    const results: RunResult[] = [];
    for (let i = 0; i < RUNS; i++) for (const p of CRASH_POINTS) results.push(await h.run(p.name));
    const failed = results.filter((r) => r.problems.length).map((r) => `${r.point}: ${r.problems.join('; ')}`);
    expect(failed).toEqual([]);
    const rows = summarize(results);
    // every point was reached: the child died there (a point not reached tests nothing)
    expect(rows.map((r) => [r.point, r.notReached])).toEqual(CRASH_POINTS.map((p) => [p.name, 0]));
    expect(rows.reduce((s, r) => s + r.duplicates + r.unhedgedBeyondCap, 0)).toBe(0);
    // the scenarios reach their ends: fills at the venues while the child was dead were booked
    const end = new Map(results.map((r) => [r.point, r.state]));
    expect(end.get('leg1-sent')).toBe('hedged');
    expect(end.get('leg2-sent')).toBe('hedged');
    expect(end.get('unwind-sent')).toBe('unwound');
    expect(end.get('leg1Submitted-written')).toBe('failed');
  }, 600_000);
});

needsPg.describe('negative control: without the order hash written ahead', () => {
  it('a Polymarket leg 2 answered while the process was dead is bought twice, and the checks say so', async () => {
    const h = await startCrashHarness({ childEnv: { CRASH_NO_PREPARE: '1' } });
    try {
      const r = await h.run('leg2-sent');
      expect(r.crashed).toBe(true);
      expect(r.residualQty).toBe(-10_000_000);
      expect(r.unhedgedBeyondCap).toBe(true);
      expect(r.recordMismatch).toBe(true);
    } finally {
      await h.stop();
    }
  }, 180_000);
});
