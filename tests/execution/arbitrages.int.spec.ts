/**
 * Simulated arbitrages through the real executor (PostgreSQL), the LIVE brokers and the two venue
 * simulators, with the simulators' order faults injected on leg 2 (and some on leg 1 or the
 * unwind): rejections, lost acks, partial fills, slow fills beyond the state deadline, prices that
 * moved (scripts/arbitrages.ts; `npx tsx scripts/arbitrages.ts` runs the 1,000 of issue 12).
 * Every arbitrage ends terminal, flat at the simulators or alerted, with unwind losses within the
 * cap; no client order id is placed twice.
 */
import { pgGate } from '../helpers/gates.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SCALE } from '../../schema/money.js';
import { SCENARIOS, formatSummary, runArbitrages, type ArbSummary } from '../../scripts/arbitrages.js';
import { pgTestPool, type PgTestDb } from '../helpers/db.js';

const needsPg = await pgGate();
const RUNS = Number(process.env.ARB_RUNS ?? 150);
const CAP = 500_000;

needsPg.describe(`${RUNS} arbitrages on the simulators through the live brokers`, () => {
  let db: PgTestDb;
  let s: ArbSummary;
  beforeAll(async () => {
    db = await pgTestPool({ migrate: true, max: 10 });
    s = await runArbitrages({ pool: db.pool, runs: RUNS, lanes: 6, seed: 12, lossCapMicros: CAP });
    console.log(formatSummary(s));
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('every execution is recorded and terminal: every unknown outcome was reconciled', () => {
    expect(s.outcomes).toHaveLength(RUNS);
    expect(s.recorded).toBe(RUNS);
    expect(s.nonTerminal).toBe(0);
    expect(s.outcomes.every((x) => ['hedged', 'unwound', 'failed'].includes(x.state))).toBe(true);
    // lost acks and slow fills were asked about, not assumed
    expect(s.outcomes.filter((x) => /ack lost|slow fill/.test(x.scenario)).every((x) => x.statusQueries > 0)).toBe(true);
  });

  it('net exposure at the simulators is 0, or alerted, and agrees with the record', () => {
    for (const x of s.outcomes) {
      if (x.simResidual !== 0) expect(x.alerts, `${x.edgeId} ${x.scenario}`).toBeGreaterThan(0);
      expect(x.simResidual, `${x.edgeId} ${x.scenario}`).toBe(Math.abs(x.recordNet));
    }
    // 'hedged' may keep a residual below the venue's unwind minimum (5 Polymarket shares), alerted
    expect(s.outcomes.filter((x) => x.state === 'hedged').every((x) => x.simResidual < 5 * SCALE && (x.simResidual === 0 || x.alerts > 0))).toBe(true);
  });

  it('unwinds lose at most the cap', () => {
    expect(Math.max(...s.outcomes.map((x) => x.unwindLossMicros))).toBeLessThanOrEqual(CAP);
    expect(s.outcomes.some((x) => x.unwindLossMicros > 0)).toBe(true);
  });

  it('no client order id is placed twice, nor twice at the venue', () => {
    expect(s.duplicatePlaces).toBe(0);
    expect(s.duplicateAtKalshi).toBe(0);
    expect(s.ordersAtKalshi).toBeGreaterThan(RUNS / 2);
  });

  it('the mix covers every outcome and no check failed', () => {
    const states = new Set(s.outcomes.map((x) => x.state));
    expect([...states].sort()).toEqual(['failed', 'hedged', 'unwound']);
    expect(new Set(s.outcomes.map((x) => x.scenario)).size).toBeGreaterThan(SCENARIOS.length / 2);
    expect(s.violations).toEqual([]);
  });
});
