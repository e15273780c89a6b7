/**
 * Fee refresher: loads fee schedules from the venues into the FeeBook, stores them with their
 * validity periods in `fee_schedules`, and keeps them current (periodic refresh plus the fee
 * messages the venues push, e.g. Kalshi's `event_fee_update`). What each venue loads is its own
 * business (`VenueRest.refreshFees` in src/venues/<venue>/index.ts); this file only drives them.
 * What the venues say their schedules are now is stored valid from the time it was fetched
 * (`FeeBook.fetchedAt`), so history is never rewritten; `vwap` and `friction` read the FeeBook at
 * decision time.
 */
import type { Observable, Subscription } from 'rxjs';
import type { Venue } from '../../schema/venue.js';
import { log } from '../log.js';
import type { FeeRefreshStats, FeeUpdate, MarketMeta, VenueRest } from '../venues/venue.js';
import { upsertFeeSchedules } from '../store/repos/feeSchedules.js';
import type { QueryRunner } from '../store/repos/types.js';
import type { FeeBook, FeeScheduleEntry } from './schedule.js';

export type { QueryRunner as Queryable } from '../store/repos/types.js';

/** One venue's part of a refresh: its REST client and the markets to load. */
export interface VenueFeeSource {
  readonly venue: Venue;
  readonly rest: Pick<VenueRest, 'refreshFees'>;
  readonly markets: readonly MarketMeta[];
}

export type RefreshStats = Record<string, FeeRefreshStats>;

/**
 * Loads every venue's schedules once: what the venues say today is valid from `now` (the fetch
 * time; an unchanged schedule keeps its earlier start); `scheduled` also loads announced changes
 * (valid from their scheduled time). A venue that fails is logged; the others go on.
 */
export async function refreshFees(feeBook: FeeBook, sources: readonly VenueFeeSource[], now: number, o: { readonly scheduled?: boolean } = {}): Promise<RefreshStats> {
  const stats: RefreshStats = {};
  const fetched = feeBook.fetchedAt(now);
  for (const s of sources) {
    if (!s.markets.length) continue;
    try {
      stats[s.venue] = await s.rest.refreshFees(fetched, s.markets, { scheduled: o.scheduled ?? false });
    } catch (err) {
      stats[s.venue] = { markets: 0, scopes: 0, errors: 1 };
      log.warn({ err, venue: s.venue }, 'fee refresh failed; keeping the last schedules');
    }
  }
  log.info({ ...stats, at: now }, 'fee schedules refreshed');
  return stats;
}

/** Writes every FeeBook entry to `fee_schedules` (idempotent on venue, scope, scope_id, valid_from; SQL in src/store/repos/feeSchedules.ts). */
export function storeFeeSchedules(db: QueryRunner, entries: readonly FeeScheduleEntry[]): Promise<number> {
  return upsertFeeSchedules(db, entries);
}

/** Applies the fee messages the venues push (see `VenueFeed.feeUpdates$`) as they arrive. */
export function followFeeUpdates(feeBook: FeeBook, updates$: Observable<FeeUpdate>, onChange?: (venue: Venue) => void): Subscription {
  return updates$.subscribe((u) => {
    if (u.apply(feeBook)) onChange?.(u.venue);
  });
}
