/**
 * Market lifecycle from the venues keeps `venue_markets` current between discovery runs: every
 * feed's `lifecycle$` (Polymarket `new_market`/`market_resolved`, Kalshi `market_lifecycle_v2`)
 * is written as it arrives. A write that fails is logged; the stream goes on.
 */
import { merge, type Subscription } from 'rxjs';
import type pg from 'pg';
import { log } from '../log.js';
import type { VenueFeed } from '../venues/venue.js';

export function followLifecycle(feeds: readonly Pick<VenueFeed, 'lifecycle$'>[], pool: pg.Pool): Subscription {
  return merge(...feeds.map((f) => f.lifecycle$)).subscribe((e) => {
    void e.store(pool).catch((err: unknown) => log.warn({ err, venue: e.venue, marketId: e.marketId, event: e.event }, 'market lifecycle update not stored'));
  });
}
