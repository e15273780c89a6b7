/**
 * Keeps the demo's planted markets alive on the simulators: re-publishes the planted books every
 * `refreshMs` (fresh snapshots, so the pipeline never treats them as stale), and moves the
 * lead-lag pair: the Polymarket mid takes a seeded random step each second and Kalshi follows
 * the same path `LEAD_LAG_DELAY_MS` later.
 */
import { mulberry32, randInt } from '../venues/common/prng.js';
import type { PolySim } from '../venues/polymarket/simulator.js';
import type { KalshiSim } from '../venues/kalshi/simulator.js';
import { LEAD_LAG_DELAY_MS, leadLagBooks, type Scenario } from './scenario.js';

export interface DriverOptions {
  readonly refreshMs?: number;
  readonly stepMs?: number;
  readonly seed?: number;
}

export function startDriver(scenario: Scenario, poly: PolySim, kalshi: KalshiSim, opts: DriverOptions = {}): { stop(): void } {
  const rng = mulberry32(opts.seed ?? 11);
  const timers: NodeJS.Timeout[] = [];
  const refresh = setInterval(() => {
    for (const [id, book] of scenario.plantedBooks.poly) poly.setBook(id, book);
    for (const [t, book] of scenario.plantedBooks.kalshi) kalshi.setBook(t, book);
  }, opts.refreshMs ?? 1000);
  timers.push(refresh);
  let mid = 500_000;
  const step = setInterval(() => {
    mid = Math.min(850_000, Math.max(150_000, mid + randInt(rng, -5, 5) * 1_000));
    const at = mid;
    poly.setBook(scenario.leadLag.polyId, leadLagBooks(at).poly);
    const t = setTimeout(() => kalshi.setBook(scenario.leadLag.kalshiTicker, leadLagBooks(at).kalshi), LEAD_LAG_DELAY_MS);
    timers.push(t);
    if (timers.length > 100) timers.splice(1, timers.length - 50);
  }, opts.stepMs ?? 1000);
  timers.push(step);
  return {
    stop() {
      for (const t of timers) clearInterval(t);
    },
  };
}
