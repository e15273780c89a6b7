/**
 * `arbstream simulate`: both venue simulators serving the demo scenario on their own, with the
 * driver, so that the production commands (`run`, `record`, `match run`) can be tried offline
 * exactly as against the real venues. Writes the Kalshi key (PEM) and the pairs file to `dir`
 * and returns the environment that points the app at the simulators.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startPolymarketSimulator, type PolySim } from '../venues/polymarket/simulator.js';
import { startKalshiSimulator, type KalshiSim } from '../venues/kalshi/simulator.js';
import { buildScenario, writePairsFile, type Scenario } from './scenario.js';
import { startDriver } from './driver.js';

export interface Simulation {
  readonly poly: PolySim;
  readonly kalshi: KalshiSim;
  readonly scenario: Scenario;
  /** the scenario's pairs, in the pairs-file format */
  readonly pairsFile: string;
  /** environment variables that point arbstream at the simulators */
  readonly env: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

export async function startSimulation(o: { dir: string; seed?: number; rateHz?: number; fillerMarkets?: number; port?: { poly?: number; kalshi?: number } }): Promise<Simulation> {
  const seed = o.seed ?? 7;
  const baseTimeMs = Math.floor(Date.now() / 86_400_000) * 86_400_000;
  const scenario = buildScenario({ seed, baseTimeMs, ...(o.fillerMarkets !== undefined ? { fillerMarkets: o.fillerMarkets } : {}) });
  const poly = await startPolymarketSimulator({ seed, markets: scenario.polyMarkets, rateHz: o.rateHz ?? 20, baseTimeMs, ...(o.port?.poly ? { port: o.port.poly } : {}) });
  const kalshi = await startKalshiSimulator({ seed, markets: scenario.kalshiMarkets, series: scenario.kalshiSeries, rateHz: o.rateHz ?? 20, baseTimeMs, ...(o.port?.kalshi ? { port: o.port.kalshi } : {}) });
  mkdirSync(o.dir, { recursive: true });
  const keyFile = path.join(o.dir, 'kalshi-sim-key.pem');
  writeFileSync(keyFile, kalshi.auth!.privateKeyPem, { mode: 0o600 });
  const pairsFile = path.join(o.dir, 'pairs.json');
  writePairsFile(pairsFile, scenario);
  const driver = startDriver(scenario, poly, kalshi, { seed });
  return {
    poly, kalshi, scenario, pairsFile,
    env: {
      POLYMARKET_WS_URL: poly.wsUrl, POLYMARKET_GAMMA_URL: poly.restUrl, POLYMARKET_CLOB_URL: poly.restUrl,
      KALSHI_WS_URL: kalshi.wsUrl, KALSHI_REST_URL: kalshi.restUrl, KALSHI_API_KEY_ID: kalshi.auth!.keyId, KALSHI_PRIVATE_KEY_PATH: keyFile,
      PAIRS_FILE: pairsFile,
    },
    async stop() {
      driver.stop();
      await Promise.allSettled([poly.stop(), kalshi.stop()]);
    },
  };
}
