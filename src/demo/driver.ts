/**
 * Keeps the demo's planted markets alive on the simulators: re-publishes the planted books every
 * `refreshMs` (fresh snapshots, so the pipeline never treats them as stale), and moves the
 * lead-lag pair: leg A's mid takes a seeded random step each second and leg B follows the same
 * path `delayMs` later. A stalled simulator sends none of it (the simulator silences every send);
 * `pause` stops the driver altogether (checkpoints compare books at rest).
 */
import type { Venue } from '../../schema/venue.js';
import { mulberry32, randInt } from '../venues/common/prng.js';
import type { SimBook, VenueSimulator } from '../venues/venue.js';

/** What the driver keeps publishing (built from the scenario by src/demo/simulate.ts). */
export interface DriverPlan {
  /** books re-published every `refreshMs` */
  readonly planted: readonly { readonly venue: Venue; readonly marketId: string; readonly book: SimBook }[];
  /** the lead-lag pair: leg A moves, leg B follows `delayMs` later */
  readonly leadLag: {
    readonly legs: readonly [{ readonly venue: Venue; readonly marketId: string }, { readonly venue: Venue; readonly marketId: string }];
    /** the two legs' books around a YES mid, micro-dollars */
    books(mid: number): readonly [SimBook, SimBook];
    readonly delayMs: number;
  };
}

export interface DriverOptions {
  readonly refreshMs?: number;
  readonly stepMs?: number;
  readonly seed?: number;
}

export interface Driver {
  /** Stops (true) or restarts (false) re-publishing and moving books; a lead-lag follow that falls due while paused is skipped. */
  pause(paused: boolean): void;
  stop(): void;
}

export function startDriver(plan: DriverPlan, sims: Readonly<Record<Venue, Pick<VenueSimulator, 'setBook'>>>, opts: DriverOptions = {}): Driver {
  const rng = mulberry32(opts.seed ?? 11);
  const timers: NodeJS.Timeout[] = [];
  let paused = false;
  const refresh = setInterval(() => {
    if (paused) return;
    for (const p of plan.planted) sims[p.venue].setBook(p.marketId, p.book);
  }, opts.refreshMs ?? 1000);
  timers.push(refresh);
  const [a, b] = plan.leadLag.legs;
  let mid = 500_000;
  const step = setInterval(() => {
    if (paused) return;
    mid = Math.min(850_000, Math.max(150_000, mid + randInt(rng, -5, 5) * 1_000));
    const at = mid;
    sims[a.venue].setBook(a.marketId, plan.leadLag.books(at)[0]);
    const t = setTimeout(() => !paused && sims[b.venue].setBook(b.marketId, plan.leadLag.books(at)[1]), plan.leadLag.delayMs);
    timers.push(t);
    if (timers.length > 100) timers.splice(1, timers.length - 50);
  }, opts.stepMs ?? 1000);
  timers.push(step);
  return {
    pause(p) {
      paused = p;
    },
    stop() {
      for (const t of timers) clearInterval(t);
    },
  };
}
