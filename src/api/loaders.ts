/**
 * Per-request batch loaders (dataloader): every `Edge.pair`, `PairLeg.market`, `Market.pairs`
 * and `Pair.recentEdges` of one execution tick becomes one query, so a page of N edges with
 * their pairs and both legs' markets costs a constant number of queries, not 1 + N.
 *
 * Batching only, no cache (`cache: false`): a subscription keeps its context for its whole
 * life, and a cached pair would show a stale status on every later event. Keys repeated within
 * a tick are merged by the repositories (one row per key).
 */
import DataLoader from 'dataloader';
import { type StoredEdge, recentEdgesByPairs } from '../store/repos/edges.js';
import { type MarketRecord, marketsByKeys } from '../store/repos/markets.js';
import { type PairRecord, pairsByIds, pairsByMarkets } from '../store/repos/pairs.js';
import { marketKey, type Queryable } from '../store/repos/types.js';
import type { Venue } from '../../schema/venue.js';

export interface MarketRef {
  readonly venue: Venue;
  readonly marketId: string;
}

export interface Loaders {
  readonly pair: DataLoader<string, PairRecord | null>;
  readonly market: DataLoader<MarketRef, MarketRecord | null, string>;
  readonly pairsByMarket: DataLoader<MarketRef, PairRecord[], string>;
  readonly recentEdges: DataLoader<{ readonly pairId: string; readonly limit: number }, StoredEdge[], string>;
}

const opts = { cache: false } as const;

export function createLoaders(db: Queryable): Loaders {
  return {
    pair: new DataLoader(async (ids) => {
      const found = await pairsByIds(db, ids);
      return ids.map((id) => found.get(id) ?? null);
    }, opts),
    market: new DataLoader<MarketRef, MarketRecord | null, string>(async (refs) => {
      const found = await marketsByKeys(db, refs);
      return refs.map((r) => found.get(marketKey(r)) ?? null);
    }, { ...opts, cacheKeyFn: marketKey }),
    pairsByMarket: new DataLoader<MarketRef, PairRecord[], string>(async (refs) => {
      const found = await pairsByMarkets(db, refs);
      return refs.map((r) => found.get(marketKey(r)) ?? []);
    }, { ...opts, cacheKeyFn: marketKey }),
    recentEdges: new DataLoader(async (keys) => {
      // one query per distinct limit (in practice one)
      const byLimit = new Map<number, Map<string, StoredEdge[]>>();
      for (const limit of new Set(keys.map((k) => k.limit))) {
        byLimit.set(limit, await recentEdgesByPairs(db, [...new Set(keys.filter((k) => k.limit === limit).map((k) => k.pairId))], limit));
      }
      return keys.map((k) => byLimit.get(k.limit)?.get(k.pairId) ?? []);
    }, { ...opts, cacheKeyFn: (k) => `${k.limit}:${k.pairId}` }),
  };
}
