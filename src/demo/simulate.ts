/**
 * `arbstream simulate`: every registered venue's simulator serving the demo scenario on its own,
 * with the driver, so that the production commands (`run`, `record`, `match run`) can be tried
 * offline exactly as against the real venues. Writes the files the environment names (pairs
 * file, the Kalshi simulator's key) to `dir` and returns the environment that points the app at
 * the simulators. With `faults` (`--faults`, ./faults.ts) the simulators' faults are scheduled
 * from the start.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Venue } from '../../schema/venue.js';
import type { Config } from '../config.js';
import { perVenue, venueList } from '../venues/registry.js';
import type { VenueSimOptions, VenueSimulator } from '../venues/venue.js';
import { buildScenario, LEAD_LAG_DELAY_MS, leadLagBooks, writePairsFile, type Scenario } from './scenario.js';
import { startDriver, type DriverPlan } from './driver.js';
import { scheduleFaults, type FaultSpec } from './faults.js';

export interface Simulation {
  /** the running simulators, by venue */
  readonly sims: Readonly<Record<Venue, VenueSimulator>>;
  readonly scenario: Scenario;
  /** the scenario's pairs, in the pairs-file format */
  readonly pairsFile: string;
  /** environment variables that point arbstream at the simulators */
  readonly env: Readonly<Record<string, string>>;
  /** The config with every venue's adapters pointed at its simulator. */
  configure(config: Config): Config;
  /** Stops (true) or restarts (false) every book change: the driver and the simulators' random walks. */
  pause(paused: boolean): void;
  stop(): Promise<void>;
}

/**
 * The demo scenario's per-venue parts (each simulator's own market specs) and the driver's plan.
 * The scenario (./scenario.ts) is written per venue; this is the one place that maps it onto
 * venue ids.
 */
function demoInputs(scenario: Scenario): { sims: Record<Venue, NonNullable<VenueSimOptions['scenario']>>; plan: DriverPlan } {
  const ll = scenario.pairs.find((p) => p.pairId === scenario.leadLag.pairId);
  if (!ll) throw new Error(`demo scenario has no lead-lag pair ${scenario.leadLag.pairId}`);
  return {
    sims: { polymarket: { markets: scenario.polyMarkets }, kalshi: { markets: scenario.kalshiMarkets, series: scenario.kalshiSeries } },
    plan: {
      planted: [
        ...[...scenario.plantedBooks.poly].map(([marketId, book]) => ({ venue: 'polymarket' as const, marketId, book })),
        ...[...scenario.plantedBooks.kalshi].map(([marketId, book]) => ({ venue: 'kalshi' as const, marketId, book })),
      ],
      leadLag: {
        legs: [ll.legs[0], ll.legs[1]],
        books: (mid) => {
          const b = leadLagBooks(mid);
          return [b.poly, b.kalshi];
        },
        delayMs: LEAD_LAG_DELAY_MS,
      },
    },
  };
}

export interface SimulationOptions {
  readonly dir: string;
  readonly seed?: number;
  readonly rateHz?: number;
  readonly fillerMarkets?: number;
  readonly port?: Partial<Record<Venue, number>>;
  /** faults to schedule from the start (parsed `--faults`); a fault a simulator lacks fails the start */
  readonly faults?: readonly FaultSpec[];
}

export async function startSimulation(o: SimulationOptions): Promise<Simulation> {
  const seed = o.seed ?? 7;
  const baseTimeMs = Math.floor(Date.now() / 86_400_000) * 86_400_000;
  const scenario = buildScenario({ seed, baseTimeMs, ...(o.fillerMarkets !== undefined ? { fillerMarkets: o.fillerMarkets } : {}) });
  const inputs = demoInputs(scenario);
  const started: VenueSimulator[] = [];
  try {
    for (const v of venueList) {
      started.push(await v.simulator.start({ seed, scenario: inputs.sims[v.id], rateHz: o.rateHz ?? 20, baseTimeMs, ...(o.port?.[v.id] ? { port: o.port[v.id] } : {}) }));
    }
  } catch (err) {
    await Promise.allSettled(started.map((s) => s.stop()));
    throw err;
  }
  const sims = perVenue((v) => started.find((s) => s.venue === v.id)!);
  let faults: { stop(): void } | undefined;
  try {
    faults = scheduleFaults(o.faults ?? [], perVenue((v) => sims[v.id].control));
  } catch (err) {
    await Promise.allSettled(started.map((s) => s.stop()));
    throw err;
  }
  mkdirSync(o.dir, { recursive: true });
  const env = Object.assign({}, ...venueList.map((v) => sims[v.id].env(o.dir))) as Record<string, string>;
  const pairsFile = path.join(o.dir, 'pairs.json');
  writePairsFile(pairsFile, scenario);
  const driver = startDriver(inputs.plan, sims, { seed });
  return {
    sims, scenario, pairsFile,
    env: { ...env, PAIRS_FILE: pairsFile },
    configure: (config) => venueList.reduce((c, v) => sims[v.id].configure(c), config),
    pause(paused) {
      driver.pause(paused);
      for (const v of venueList) sims[v.id].control.walk(!paused);
    },
    async stop() {
      faults?.stop();
      driver.stop();
      await Promise.allSettled(venueList.map((v) => sims[v.id].stop()));
    },
  };
}
