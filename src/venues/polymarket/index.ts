/**
 * Polymarket behind the venue seam ({@link VenueModule}): wraps the CLOB market-channel feed
 * (./socket.ts), the Gamma/CLOB REST client (./rest.ts), the replay decoder (./normalize.ts)
 * and the simulator (./simulator.ts). Market id: the condition id (0x + 64 hex); a market's feed
 * subscription needs its two token ids (`feedRef: { yesTokenId, noTokenId }`).
 */
import { polymarketSettlement } from '../../execution/settlements.js';
import { EMPTY, filter, map, type Observable } from 'rxjs';
import { z } from 'zod';
import type { MarketRecord } from '../../../schema/market.js';
import { log } from '../../log.js';
import { commonSimOptions, feedOf, simulatorOf, marketRecords, type FeedMarket, type LifecycleEvent, withSettlement, type MarketMeta, type SimBook, type VenueConfig, type VenueFeed, type VenueModule, type VenueRest, type VenueSimOptions, type VenueSimulator } from '../venue.js';
import { POLYMARKET_TRADING_RULES, polymarketBroker } from './broker.js';
import { polymarketFees, refreshPolymarketFees } from './fees.js';
import { applyPolymarketWsMarket, polymarketDiscovery } from './market.js';
import { buildContext, polyBookEvents, type PolyMarketRef } from './normalize.js';
import { PolymarketRest, type PolyMarketInfo } from './rest.js';
import { startPolymarketSimulator, type PolyMarketSpec, type PolySimLadders } from './simulator.js';
import { PolymarketFeed, polymarketFeedOptions } from './socket.js';

const VENUE = 'polymarket';

/** Condition id: 0x + 64 hex. */
export const PolymarketMarketId = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'Polymarket condition id (0x + 64 hex)');

/** What the feed needs to subscribe a market besides its condition id. */
export const PolyFeedRef = z.object({ yesTokenId: z.string().min(1), noTokenId: z.string().min(1) });

/** FeedMarkets → the feed's market refs; a market without valid token ids is logged and skipped. */
export function polyMarketRefs(markets: readonly FeedMarket[]): PolyMarketRef[] {
  const out: PolyMarketRef[] = [];
  for (const m of markets) {
    const r = PolyFeedRef.safeParse(m.feedRef);
    if (r.success) out.push({ conditionId: m.marketId, ...r.data });
    else log.warn({ venue: VENUE, marketId: m.marketId, feedRef: m.feedRef, issues: r.error.issues }, 'market without token ids; not subscribed');
  }
  return out;
}

const metaOf = (m: PolyMarketInfo): MarketMeta => ({
  venue: VENUE,
  marketId: m.conditionId,
  feedRef: { yesTokenId: m.yesTokenId, noTokenId: m.noTokenId },
  ref: { marketId: m.conditionId, ...(m.category ? { category: m.category } : {}) },
  raw: m.raw,
});

function polymarketFeed(config: VenueConfig): VenueFeed {
  // URL, freshness (idle timeout from RISK_MAX_BOOK_AGE_MS, probe interval) and backoff from the config
  const f = new PolymarketFeed(polymarketFeedOptions(config));
  const lifecycle$: Observable<LifecycleEvent> = f.messages$.pipe(
    map((m): LifecycleEvent | undefined => (m.event_type === 'new_market' || m.event_type === 'market_resolved'
      ? { venue: VENUE, marketId: m.market, event: m.event_type, store: (pool) => applyPolymarketWsMarket(pool, m), ...withSettlement(m.event_type === 'market_resolved' ? polymarketSettlement(m) : undefined) }
      : undefined)),
    filter((e): e is LifecycleEvent => e !== undefined),
  );
  // Polymarket pushes no fee changes: fee facts come with the market (REST) and are refreshed
  return feedOf(VENUE, f, { feeUpdates$: EMPTY, lifecycle$, subscribe: (markets) => f.subscribe(polyMarketRefs(markets)) });
}

function polymarketRest(config: VenueConfig): VenueRest {
  const rest = new PolymarketRest({ gammaUrl: config.venues.polymarket.gammaUrl, clobUrl: config.venues.polymarket.clobUrl });
  const discovery = polymarketDiscovery(rest);
  return {
    discover: (o) => discovery.discover(o),
    listMarkets: async (o = {}): Promise<MarketRecord[]> => marketRecords(await discovery.discover(o)),
    async marketMeta(ids) {
      if (!ids.length) return [];
      const want = new Set(ids);
      const found = new Map<string, MarketMeta>();
      for (const m of await rest.listMarkets({ query: { closed: 'false' } })) if (want.has(m.conditionId)) found.set(m.conditionId, metaOf(m));
      for (const id of ids) if (!found.has(id)) log.warn({ venue: VENUE, conditionId: id }, 'pair market not found on Polymarket; pair stays idle');
      return [...found.values()];
    },
    refreshFees: async (feeBook, markets) => refreshPolymarketFees(feeBook, markets),
  };
}

async function startSimulator(o: VenueSimOptions = {}): Promise<VenueSimulator> {
  const sim = await startPolymarketSimulator({
    ...commonSimOptions(o),
    // the scenario's markets are this simulator's own spec objects (the demo scenario builds them)
    ...(o.scenario ? { markets: o.scenario.markets as readonly PolyMarketSpec[] } : {}),
  });
  const empty: PolySimLadders = { yesBid: [], yesAsk: [], noBid: [], noAsk: [] };
  return simulatorOf(VENUE, sim, {
    configure: (c) => ({ ...c, venues: { ...c.venues, polymarket: { ...c.venues.polymarket, wsUrl: sim.wsUrl, gammaUrl: sim.restUrl, clobUrl: sim.restUrl } } }),
    env: () => ({ POLYMARKET_WS_URL: sim.wsUrl, POLYMARKET_GAMMA_URL: sim.restUrl, POLYMARKET_CLOB_URL: sim.restUrl }),
    setBook: (id: string, b: SimBook) => sim.setBook(id, { ...empty, ...b }),
  });
}

export const polymarketVenue: VenueModule = {
  id: VENUE,
  name: 'Polymarket',
  marketId: PolymarketMarketId,
  // the web app routes markets by slug; a bare condition id goes through the search
  marketUrl: (id, hint) => (hint?.slug ? `https://polymarket.com/market/${encodeURIComponent(hint.slug)}` : `https://polymarket.com/search?q=${encodeURIComponent(id)}`),
  feed: polymarketFeed,
  rest: polymarketRest,
  fees: polymarketFees,
  replay: { bookEvents: (markets) => polyBookEvents(buildContext(polyMarketRefs(markets))) },
  simulator: { start: startSimulator },
  // the feed's raw frames carry tick_size_change: the broker keeps each market's tick current
  broker: (config, deps) => polymarketBroker(config.venues.polymarket, deps.feed?.frames$),
  tradingRules: POLYMARKET_TRADING_RULES,
};
