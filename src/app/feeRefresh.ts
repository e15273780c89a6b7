/**
 * Keeps the FeeBook current while running: the fee messages the venues push (every feed's
 * `feeUpdates$`, e.g. Kalshi `event_fee_update`) are applied as they arrive, and every
 * `everyMs` the fee schedules of every subscribed market are re-read from the venues and stored.
 * A failed refresh keeps the last schedules (logged).
 */
import { merge, type Subscription } from 'rxjs';
import type pg from 'pg';
import { log } from '../log.js';
import type { FeeBook } from '../fees/schedule.js';
import { followFeeUpdates, refreshFees, storeFeeSchedules, type VenueFeeSource } from '../fees/refresher.js';
import type { VenueFeed } from '../venues/venue.js';

export interface FeeRefreshOptions {
  readonly feeBook: FeeBook;
  readonly pool: Pick<pg.Pool, 'query'>;
  readonly feeds: readonly Pick<VenueFeed, 'feeUpdates$'>[];
  /** the markets to reload on each tick (see MarketSubscriptions.feeSources) */
  readonly sources: () => readonly VenueFeeSource[];
  /** default 15 min */
  readonly everyMs?: number;
}

export interface FeeRefresh {
  stop(): void;
}

/** Follows the venues' fee messages now; the first periodic refresh runs after `everyMs`. */
export function startFeeRefresh(o: FeeRefreshOptions): FeeRefresh {
  const sub: Subscription = followFeeUpdates(o.feeBook, merge(...o.feeds.map((f) => f.feeUpdates$)));
  const timer = setInterval(() => {
    void refreshFees(o.feeBook, o.sources(), Date.now())
      .then(() => storeFeeSchedules(o.pool, o.feeBook.all()))
      .catch((err: unknown) => log.warn({ err }, 'periodic fee refresh failed; keeping the last schedules'));
  }, o.everyMs ?? 15 * 60_000);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      sub.unsubscribe();
    },
  };
}
