/**
 * The one-command demo (`npm start` = `arbstream demo`): embedded TimescaleDB (or DATABASE_URL),
 * in-process stream log (or REDIS_URL), both venue simulators serving the demo scenario, the real
 * live pipeline against them, the persister into the database, and a live terminal table.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { log } from '../log.js';
import { openDb, type Db } from '../store/db/index.js';
import { createStreamLog, type StreamLog } from '../store/streams/index.js';
import { pairsFromFile$ } from '../pairs/file.js';
import { startPolymarketSimulator, type PolySim } from '../venues/polymarket/simulator.js';
import { startKalshiSimulator, type KalshiSim } from '../venues/kalshi/simulator.js';
import { runLive, type LiveHandle, type LiveOptions, type LiveSink } from '../../pipelines/live.js';
import { buildScenario, type Scenario } from './scenario.js';
import { startDriver } from './driver.js';
import { startAppServices, type AppServices } from '../app/serve.js';

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
  /** where the demo writes its pairs file (default: next to the embedded data dir) */
  readonly workDir?: string;
}

export interface DemoHandle {
  readonly db: Db;
  readonly streamLog: StreamLog;
  readonly poly: PolySim;
  readonly kalshi: KalshiSim;
  readonly live: LiveHandle;
  readonly scenario: Scenario;
  readonly config: Config;
  readonly pairsFile: string;
  readonly services: AppServices;
  stop(): Promise<void>;
}

/** Pairs file in the documented format (see README "Pairs file"). */
export function writePairsFile(file: string, scenario: Scenario): void {
  const pairs = scenario.pairs.map(({ resolutionTs, source: _source, ...p }) => ({ ...p, resolution: resolutionTs }));
  writeFileSync(file, JSON.stringify({ pairs }, null, 2) + '\n');
}

export async function startDemo(o: DemoOptions): Promise<DemoHandle> {
  const seed = o.seed ?? 7;
  const baseTimeMs = Math.floor(Date.now() / 86_400_000) * 86_400_000;
  const scenario = buildScenario({ seed, baseTimeMs, fillerMarkets: o.fillerMarkets ?? 10 });
  const db = await openDb(o.config.db);
  const streamLog = createStreamLog(o.config.redis);
  const poly = await startPolymarketSimulator({ seed, markets: scenario.polyMarkets, rateHz: o.rateHz ?? 20, baseTimeMs });
  const kalshi = await startKalshiSimulator({ seed, markets: scenario.kalshiMarkets, series: scenario.kalshiSeries, rateHz: o.rateHz ?? 20, baseTimeMs });
  // the real adapters, pointed at the simulators (the defaults stay the real venue URLs)
  const config: Config = {
    ...o.config,
    venues: {
      ...o.config.venues,
      polymarket: { wsUrl: poly.wsUrl, gammaUrl: poly.restUrl, clobUrl: poly.restUrl },
      kalshi: { wsUrl: kalshi.wsUrl, restUrl: kalshi.restUrl, auth: kalshi.auth },
    },
  };
  const workDir = o.workDir ?? path.join(path.dirname(path.resolve(o.config.db.mode === 'embedded' ? o.config.db.dataDir : './data/x')), 'demo');
  mkdirSync(workDir, { recursive: true });
  const pairsFile = path.join(workDir, 'pairs.json');
  writePairsFile(pairsFile, scenario);
  const services = await startAppServices(config, db.pool, { api: o.api ?? false });
  const live = await runLive({
    config, pool: db.pool, streamLog, pairs$: pairsFromFile$(pairsFile, { watch: true }), control: services.control,
    sink: o.sink ?? services.live.events, ...(o.onOutputs ? { onOutputs: o.onOutputs } : {}),
  });
  const driver = startDriver(scenario, poly, kalshi, { seed });
  log.info({ poly: poly.wsUrl, kalshi: kalshi.wsUrl, pairs: scenario.pairs.length, db: db.mode, streams: streamLog.kind }, 'demo running');
  let stopped = false;
  return {
    db, streamLog, poly, kalshi, live, scenario, config, pairsFile, services,
    async stop() {
      if (stopped) return;
      stopped = true;
      const step = async (name: string, fn: () => Promise<unknown>) => {
        const t = Date.now();
        await fn().catch((err: unknown) => log.error({ err, step: name }, 'demo shutdown step failed'));
        log.debug({ step: name, ms: Date.now() - t }, 'demo shutdown step');
      };
      driver.stop();
      await step('pipeline', () => live.stop());
      await step('api', () => services.stop());
      await step('simulators', () => Promise.allSettled([poly.stop(), kalshi.stop()]));
      await step('stream log', () => streamLog.close());
      await step('database', () => db.close());
    },
  };
}
