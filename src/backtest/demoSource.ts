/**
 * The demo scenario (src/demo/scenario.ts) as a backtest source in memory: the book events the
 * simulators' planted markets and lead-lag pair produce, on the driver's rhythm, without sockets.
 * Planted books are re-published every `refreshMs` (as src/demo/driver.ts does, except the
 * lead-lag pair's opening books, which the driver also re-publishes against its own walk); the lead-lag
 * pair's YES mid takes a seeded random step of at most 5 ticks of 0.1¢ each second on leg A and
 * leg B follows `LEAD_LAG_DELAY_MS` later. Fee schedules are the scenario's (Polymarket market
 * fee schedule rate 0.04 where enabled, Kalshi series quadratic ×1), valid from the start.
 *
 * `arbstream backtest --demo` runs on it; tests use it with `refreshMs: 0` (one snapshot per
 * market: each planted arbitrage is traded once).
 */
import type { BookEvent, BookSnapshotEvent } from '../../schema/book.js';
import type { Venue } from '../../schema/venue.js';
import { buildScenario, LEAD_LAG_DELAY_MS, leadLagBooks, type Scenario } from '../demo/scenario.js';
import { FeeBook } from '../fees/schedule.js';
import { mulberry32, randInt } from '../venues/common/prng.js';
import { applyKalshiSeries } from '../venues/kalshi/fees.js';
import type { KalshiSimLadders } from '../venues/kalshi/simulator.js';
import { applyPolymarketMarket } from '../venues/polymarket/fees.js';
import type { PolySimLadders } from '../venues/polymarket/simulator.js';
import type { BacktestSource } from './sources.js';

export interface DemoSourceOptions {
  /** the scenario's base time, unix ms (UTC midnight keeps days aligned) */
  readonly baseTimeMs: number;
  /** length of the data, ms */
  readonly durationMs: number;
  /** planted books re-published this often, ms; 0 = once at the start (default 1,000) */
  readonly refreshMs?: number;
  /** lead-lag step, ms; 0 = no lead-lag moves (default 1,000) */
  readonly stepMs?: number;
  readonly seed?: number;
}

function polySnapshots(marketId: string, b: PolySimLadders, t: number): BookSnapshotEvent[] {
  // both token books in one event (the simulator sends them in one frame): no half-updated book in between
  return [{ kind: 'snapshot', venue: 'polymarket', marketId, tsVenue: t, tsReceived: t, ladders: { yesBid: [...b.yesBid], yesAsk: [...b.yesAsk], noBid: [...b.noBid], noAsk: [...b.noAsk] } }];
}

const kalshiSnapshot = (marketId: string, b: KalshiSimLadders, t: number): BookSnapshotEvent => ({
  kind: 'snapshot', venue: 'kalshi', marketId, tsVenue: t, tsReceived: t, impliedAsks: true, ladders: { yesBid: [...b.yesBid], noBid: [...b.noBid] },
});

/** The scenario's fee schedules, valid from `t`. */
export function demoFeeBook(s: Scenario, t: number): FeeBook {
  const fb = FeeBook.withDefaults();
  for (const m of s.polyMarkets) applyPolymarketMarket(fb, { conditionId: m.conditionId, feesEnabled: m.feesEnabled, ...(m.feeSchedule ? { feeSchedule: m.feeSchedule } : {}) }, t);
  for (const series of s.kalshiSeries) applyKalshiSeries(fb, { ticker: series.ticker, fee_type: series.feeType, fee_multiplier: series.feeMultiplier }, t);
  for (const m of s.kalshiMarkets) fb.setMarketRef('kalshi', { marketId: m.ticker, seriesId: m.seriesTicker, eventId: m.eventTicker });
  return fb;
}

/** The scenario and its book events (see the module comment). */
export function demoSource(o: DemoSourceOptions): { source: Extract<BacktestSource, { kind: 'memory' }>; scenario: Scenario } {
  const scenario = buildScenario({ seed: o.seed ?? 7, baseTimeMs: o.baseTimeMs, fillerMarkets: 0 });
  const t0 = o.baseTimeMs;
  const end = t0 + o.durationMs;
  const refresh = o.refreshMs ?? 1000;
  const stepMs = o.stepMs ?? 1000;
  const timed: { t: number; order: number; events: BookEvent[] }[] = [];
  let order = 0;
  const at = (t: number, events: BookEvent[]) => timed.push({ t, order: order++, events });
  const { polyId, kalshiTicker } = scenario.leadLag;
  // the lead-lag pair moves (below); re-publishing its opening books too would fight the walk
  const planted = (t: number, withLeadLag: boolean): BookEvent[] => [
    ...[...scenario.plantedBooks.poly].filter(([id]) => withLeadLag || id !== polyId).flatMap(([id, b]) => polySnapshots(id, b, t)),
    ...[...scenario.plantedBooks.kalshi].filter(([id]) => withLeadLag || id !== kalshiTicker).map(([id, b]) => kalshiSnapshot(id, b, t)),
  ];
  at(t0, planted(t0, true));
  if (refresh > 0) for (let t = t0 + refresh; t < end; t += refresh) at(t, planted(t, false));
  if (stepMs > 0) {
    const rng = mulberry32(o.seed ?? 11);
    let mid = 500_000;
    for (let t = t0 + stepMs; t < end; t += stepMs) {
      mid = Math.min(850_000, Math.max(150_000, mid + randInt(rng, -5, 5) * 1_000));
      const b = leadLagBooks(mid);
      at(t, polySnapshots(polyId, b.poly, t));
      if (t + LEAD_LAG_DELAY_MS < end) at(t + LEAD_LAG_DELAY_MS, [kalshiSnapshot(kalshiTicker, b.kalshi, t + LEAD_LAG_DELAY_MS)]);
    }
  }
  timed.sort((a, b) => a.t - b.t || a.order - b.order);
  const bookEvents = timed.flatMap((x) => x.events);
  const markets = [
    ...scenario.polyMarkets.map((m) => ({ venue: 'polymarket' as Venue, marketId: m.conditionId, feedRef: { yesTokenId: m.yesTokenId, noTokenId: m.noTokenId } })),
    ...scenario.kalshiMarkets.map((m) => ({ venue: 'kalshi' as Venue, marketId: m.ticker, feedRef: {} })),
  ];
  return {
    scenario,
    source: { kind: 'memory', name: `demo scenario (seed ${o.seed ?? 7}, ${o.durationMs / 3_600_000} h from ${new Date(t0).toISOString()})`, pairs: scenario.pairs, markets, feeBook: demoFeeBook(scenario, t0), bookEvents },
  };
}
