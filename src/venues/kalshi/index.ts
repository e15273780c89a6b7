/**
 * Kalshi behind the venue seam ({@link VenueModule}): wraps the WS v2 feed (./socket.ts), the
 * Trade API REST client (./rest.ts), the replay decoder (./normalize.ts) and the simulator
 * (./simulator.ts). Market id: the market ticker; fees come from the market's series (and event
 * overrides pushed as `event_fee_update`).
 */
import { kalshiSettlement } from '../../execution/settlements.js';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { filter, map, type Observable } from 'rxjs';
import { z } from 'zod';
import type { MarketRecord } from '../../../schema/market.js';
import { VenueAuthError } from '../../errors.js';
import { log } from '../../log.js';
import type { FeeBook } from '../../fees/schedule.js';
import { commonSimOptions, feedOf, simulatorOf, marketRecords, type FeeUpdate, type LifecycleEvent, withSettlement, type MarketMeta, type SimBook, type VenueConfig, type VenueFeed, type VenueModule, type VenueRest, type VenueSimOptions, type VenueSimulator } from '../venue.js';
import { applyKalshiEventFeeUpdate, kalshiFees, refreshKalshiFees } from './fees.js';
import { applyKalshiLifecycle, kalshiDiscovery } from './market.js';
import { kalshiBroker } from './broker.js';
import { KALSHI_TRADING_RULES } from './ordersMap.js';
import { kalshiBookEvents } from './normalize.js';
import { KalshiRest, kalshiRestOptions, type KalshiMarketInfo } from './rest.js';
import { startKalshiSimulator, type KalshiMarketSpec, type KalshiSeriesSpec } from './simulator.js';
import { KalshiFeed, kalshiFeedOptions } from './socket.js';

const VENUE = 'kalshi';

/** Market ticker, e.g. KXFEDDECISION-26DEC-C25. */
export const KalshiMarketId = z.string().regex(/^[A-Z0-9][A-Z0-9._-]{1,99}$/i, 'Kalshi market ticker');

const metaOf = (m: KalshiMarketInfo): MarketMeta => ({
  venue: VENUE,
  marketId: m.ticker,
  feedRef: {},
  ref: { marketId: m.ticker, seriesId: m.seriesTicker, eventId: m.eventTicker, ...(m.category ? { category: m.category } : {}) },
  raw: m.raw,
});

function kalshiFeed(config: VenueConfig): VenueFeed {
  const f = new KalshiFeed(kalshiFeedOptions(config, []));
  const feeUpdates$: Observable<FeeUpdate> = f.messages$.pipe(
    map((m): FeeUpdate | undefined => (m.frame.type === 'event_fee_update'
      ? { venue: VENUE, tsReceived: m.tsReceived, apply: (fb: FeeBook) => applyKalshiEventFeeUpdate(fb, m.frame.msg, m.tsReceived) }
      : undefined)),
    filter((u): u is FeeUpdate => u !== undefined),
  );
  const lifecycle$: Observable<LifecycleEvent> = f.messages$.pipe(
    map(({ frame, tsReceived }): LifecycleEvent | undefined => (frame.type === 'market_lifecycle_v2'
      ? { venue: VENUE, marketId: frame.msg.market_ticker, event: frame.msg.event_type, store: (pool) => applyKalshiLifecycle(pool, frame), ...withSettlement(kalshiSettlement(frame, tsReceived)) }
      : undefined)),
    filter((e): e is LifecycleEvent => e !== undefined),
  );
  return feedOf(VENUE, f, { feeUpdates$, lifecycle$, subscribe: (markets) => f.subscribe(markets.map((m) => m.marketId)) });
}

function kalshiRest(config: VenueConfig): VenueRest {
  const rest = new KalshiRest(kalshiRestOptions(config));
  const discovery = kalshiDiscovery(rest);
  return {
    discover: (o) => discovery.discover(o),
    listMarkets: async (o = {}): Promise<MarketRecord[]> => marketRecords(await discovery.discover({ ...o, details: false })),
    async marketMeta(ids) {
      const out: MarketMeta[] = [];
      for (const t of ids) {
        try {
          out.push(metaOf(await rest.getMarket(t)));
        } catch (err) {
          if (err instanceof VenueAuthError) log.error({ err, venue: VENUE, ticker: t }, 'Kalshi refused our credentials (auth failed); pair stays idle');
          else log.warn({ err, venue: VENUE, ticker: t }, 'pair market not found on Kalshi; pair stays idle');
        }
      }
      return out;
    },
    refreshFees: (feeBook, markets, o = {}) => refreshKalshiFees(feeBook, markets, rest, o.scheduled ?? false),
  };
}

async function startSimulator(o: VenueSimOptions = {}): Promise<VenueSimulator> {
  const sim = await startKalshiSimulator({
    ...commonSimOptions(o),
    // the scenario's markets and series are this simulator's own spec objects (the demo scenario builds them)
    ...(o.scenario ? { markets: o.scenario.markets as readonly KalshiMarketSpec[] } : {}),
    ...(Array.isArray(o.scenario?.series) ? { series: o.scenario.series as readonly KalshiSeriesSpec[] } : {}),
  });
  const auth = sim.auth!; // the simulator generates its own key pair when given no public keys
  return simulatorOf(VENUE, sim, {
    configure: (c) => ({ ...c, venues: { ...c.venues, kalshi: { wsUrl: sim.wsUrl, restUrl: sim.restUrl, auth } } }),
    env(dir) {
      const keyFile = path.join(dir, 'kalshi-sim-key.pem');
      writeFileSync(keyFile, auth.privateKeyPem, { mode: 0o600 });
      return { KALSHI_WS_URL: sim.wsUrl, KALSHI_REST_URL: sim.restUrl, KALSHI_API_KEY_ID: auth.keyId, KALSHI_PRIVATE_KEY_PATH: keyFile };
    },
    // Kalshi books are bids only (asks are implied from the other side's bids)
    setBook: (ticker: string, b: SimBook) => sim.setBook(ticker, { yesBid: b.yesBid ?? [], noBid: b.noBid ?? [] }),
  });
}

export const kalshiVenue: VenueModule = {
  id: VENUE,
  name: 'Kalshi',
  marketId: KalshiMarketId,
  // the web app routes by series (lower case); without the series the ticker's first segment is the series by convention
  marketUrl: (ticker, hint) => `https://kalshi.com/markets/${encodeURIComponent((hint?.seriesId ?? ticker.split('-')[0] ?? ticker).toLowerCase())}`,
  feed: kalshiFeed,
  rest: kalshiRest,
  fees: kalshiFees,
  replay: { bookEvents: () => kalshiBookEvents() },
  simulator: { start: startSimulator },
  // the feed's lifecycle messages (price_level_structure_updated) refresh a market's rules
  broker: (config, deps) => kalshiBroker(config.venues.kalshi, deps.feed?.lifecycle$),
  tradingRules: KALSHI_TRADING_RULES,
};
