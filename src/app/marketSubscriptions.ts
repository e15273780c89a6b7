/**
 * Keeps the venue feeds subscribed to the markets of the current pairs: for every leg of every
 * pair, the leg's venue looks the market up once (token ids, fee refs), the new markets' fee
 * schedules are loaded and stored, and the leg's feed subscribes. Updates are serialised: a
 * pairs update waits for the previous one; a failed update is logged and retried with the next.
 * Markets a venue does not know stay idle (logged by the venue) and are looked up again on the
 * next pairs update.
 */
import type { Observable, Subscription } from 'rxjs';
import type pg from 'pg';
import type { Pair } from '../../schema/pair.js';
import type { Venue } from '../../schema/venue.js';
import { log } from '../log.js';
import type { FeeBook } from '../fees/schedule.js';
import { refreshFees, storeFeeSchedules, type VenueFeeSource } from '../fees/refresher.js';
import type { MarketMeta, VenueFeed, VenueRest } from '../venues/venue.js';

export interface MarketSubscriptionsOptions {
  readonly pairs$: Observable<readonly Pair[]>;
  readonly feeds: Readonly<Record<Venue, Pick<VenueFeed, 'subscribe'>>>;
  readonly rests: Readonly<Record<Venue, Pick<VenueRest, 'marketMeta' | 'refreshFees'>>>;
  readonly feeBook: FeeBook;
  /** where fee schedules are stored (`fee_schedules`) */
  readonly pool: Pick<pg.Pool, 'query'>;
}

export interface MarketSubscriptions {
  /** Every market looked up so far, per venue (the periodic fee refresh reloads them). */
  feeSources(): VenueFeeSource[];
  /** Resolves when the updates queued so far are done (failed ones included). */
  settled(): Promise<void>;
  /** Stops following pairs; waits for the update in flight. */
  stop(): Promise<void>;
}

/** The pairs' markets per venue (each once), leaving out those `skip` says are known. */
export function legMarkets(pairs: readonly Pair[], skip: (venue: Venue, marketId: string) => boolean = () => false): Map<Venue, string[]> {
  const need = new Map<Venue, Set<string>>();
  for (const p of pairs) {
    for (const leg of p.legs) {
      if (skip(leg.venue, leg.marketId)) continue;
      const s = need.get(leg.venue) ?? new Set<string>();
      need.set(leg.venue, s.add(leg.marketId));
    }
  }
  return new Map([...need].map(([v, ids]) => [v, [...ids]]));
}

export function startMarketSubscriptions(o: MarketSubscriptionsOptions): MarketSubscriptions {
  const known = new Map<Venue, Map<string, MarketMeta>>();
  const knownOf = (v: Venue): Map<string, MarketMeta> => {
    let m = known.get(v);
    if (!m) known.set(v, (m = new Map()));
    return m;
  };

  const update = async (pairs: readonly Pair[]): Promise<void> => {
    const fresh: VenueFeeSource[] = [];
    for (const [venue, ids] of legMarkets(pairs, (v, id) => knownOf(v).has(id))) {
      const metas = await o.rests[venue].marketMeta(ids);
      for (const m of metas) knownOf(venue).set(m.marketId, m);
      if (metas.length) fresh.push({ venue, rest: o.rests[venue], markets: metas });
    }
    if (!fresh.length) return;
    await refreshFees(o.feeBook, fresh, Date.now(), { scheduled: true });
    await storeFeeSchedules(o.pool, o.feeBook.all()).catch((err: unknown) => log.warn({ err }, 'fee schedules not stored'));
    for (const f of fresh) o.feeds[f.venue].subscribe(f.markets);
    log.info(Object.fromEntries(fresh.map((f) => [f.venue, f.markets.length])), 'subscribed pair markets');
  };

  let chain = Promise.resolve();
  const sub: Subscription = o.pairs$.subscribe((pairs) => {
    chain = chain.then(() => update(pairs)).catch((err: unknown) => log.error({ err }, 'subscribing pair markets failed; retrying on the next pairs update'));
  });

  return {
    feeSources: () => [...known].map(([venue, m]) => ({ venue, rest: o.rests[venue], markets: [...m.values()] })),
    settled: () => chain,
    async stop() {
      sub.unsubscribe();
      await chain.catch(() => undefined);
    },
  };
}
