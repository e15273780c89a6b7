/**
 * The one-command demo (`npm start` = `arbstream demo`): embedded TimescaleDB (or DATABASE_URL),
 * in-process stream log (or REDIS_URL), every venue's simulator serving the demo scenario, the real
 * live pipeline against them, the persister into the database, and a live terminal table.
 */
import path from 'node:path';
import type { Config } from '../config.js';
import { log } from '../log.js';
import { openDb, type Db } from '../store/db/index.js';
import { createStreamLog, type StreamLog } from '../store/streams/index.js';
import { pairsFromFile$ } from '../pairs/file.js';
import type { Venue } from '../../schema/venue.js';
import type { VenueSimulator } from '../venues/venue.js';
import { runLive, type LiveHandle, type LiveOptions, type LiveSink } from '../../pipelines/live.js';
import type { Scenario } from './scenario.js';
import { startSimulation } from './simulate.js';
import { startAppServices, type AppServices } from '../app/serve.js';
import { metrics } from '../metrics.js';
import { usageSummary } from '../matching/cost.js';

export interface DemoOptions {
  readonly config: Config;
  readonly seed?: number;
  /** random-walk messages per second on each simulator (filler markets) */
  readonly rateHz?: number;
  readonly fillerMarkets?: number;
  readonly sink?: LiveSink;
  readonly onOutputs?: LiveOptions['onOutputs'];
  /** serve the GraphQL API and dashboard (default false; `arbstream demo` turns it on) */
  readonly api?: boolean;
  /** execution mode (default: the config's, and paper when that is off: the demo shows paper trading) */
  readonly execution?: Config['execution']['mode'];
  /** where the demo writes its pairs file (default: next to the embedded data dir) */
  readonly workDir?: string;
}

export interface DemoHandle {
  readonly db: Db;
  readonly streamLog: StreamLog;
  /** the venue simulators, by venue */
  readonly sims: Readonly<Record<Venue, VenueSimulator>>;
  readonly live: LiveHandle;
  readonly scenario: Scenario;
  readonly config: Config;
  readonly pairsFile: string;
  readonly services: AppServices;
  stop(): Promise<void>;
}

export async function startDemo(o: DemoOptions): Promise<DemoHandle> {
  const workDir = o.workDir ?? path.join(path.dirname(path.resolve(o.config.db.mode === 'embedded' ? o.config.db.dataDir : './data/x')), 'demo');
  const db = await openDb(o.config.db);
  const streamLog = createStreamLog(o.config.redis);
  const sim = await startSimulation({ dir: workDir, ...(o.seed !== undefined ? { seed: o.seed } : {}), rateHz: o.rateHz ?? 20, fillerMarkets: o.fillerMarkets ?? 10 });
  const { sims, scenario, pairsFile } = sim;
  // the real adapters, pointed at the simulators (the defaults stay the real venue URLs)
  const configured = sim.configure(o.config);
  const mode = o.execution ?? (configured.execution.mode === 'off' ? 'paper' : configured.execution.mode);
  const config: Config = { ...configured, execution: { ...configured.execution, mode } };
  const services = await startAppServices(config, db.pool, { api: o.api ?? false });
  const live = await runLive({
    config, pool: db.pool, streamLog, pairs$: pairsFromFile$(pairsFile, { watch: true }), control: services.control,
    sink: o.sink ?? services.live.events, ...(o.onOutputs ? { onOutputs: o.onOutputs } : {}),
  });
  const detachMetrics = [metrics.instrumentLive(live), metrics.instrumentEvents(services.live), metrics.instrumentLlmUsage(() => usageSummary(db.pool), config.llm.dailyBudgetMicros)];
  log.info({ ...Object.fromEntries(Object.values(sims).map((s) => [s.venue, s.wsUrl])), pairs: scenario.pairs.length, db: db.mode, streams: streamLog.kind }, 'demo running');
  let stopped = false;
  return {
    db, streamLog, sims, live, scenario, config, pairsFile, services,
    async stop() {
      if (stopped) return;
      stopped = true;
      const step = async (name: string, fn: () => Promise<unknown>) => {
        const t = Date.now();
        await fn().catch((err: unknown) => log.error({ err, step: name }, 'demo shutdown step failed'));
        log.debug({ step: name, ms: Date.now() - t }, 'demo shutdown step');
      };
      for (const d of detachMetrics) d();
      await step('pipeline', () => live.stop());
      await step('api', () => services.stop());
      await step('simulators', () => sim.stop());
      await step('stream log', () => streamLog.close());
      await step('database', () => db.close());
    },
  };
}
