import { Observable, asyncScheduler, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { bookKey, type Book } from '../schema/book.js';
import type { Venue } from '../schema/venue.js';
import type { Pair, PairBooks } from '../schema/pair.js';

export interface AlignByTimeConfig {
  /** The pairs to align; the latest emission wins (approvals flow in without restart). */
  readonly pairs$: Observable<readonly Pair[]>;
  /** Largest |books[0].tsVenue − books[1].tsVenue| accepted, ms. */
  readonly maxSkewMs: number;
  /** A book whose tsReceived is older than this (scheduler time) is stale, ms. */
  readonly maxAgeMs: number;
  /**
   * Feed states of the venues. While a venue's feed is `live` (its socket answered within the idle
   * timeout and every book on it was rebuilt from a snapshot since the last reconnect), its books
   * are current however long ago they last changed: a quiet market is not a stale one. Books of a
   * feed that is not live age by their receive time (maxAgeMs) and must be within maxSkewMs of the
   * other book's venue time. Without it (replay), every book ages by receive time.
   */
  readonly feedStatus$?: Observable<{ readonly venue: Venue; readonly state: string }>;
  /** Only pairs with these statuses are aligned (default: approved only). */
  readonly statuses?: readonly Pair['status'][];
  readonly scheduler?: SchedulerLike;
}

/**
 * Joins the latest books of each pair's two legs (books[i] = leg i's book). On every book that
 * belongs to a pair, emits the pair's two latest books when both exist, both are usable
 * (no issues), their venue timestamps are within `maxSkewMs` of each other and neither was
 * received more than `maxAgeMs` ago. Emits nothing stale: a pair whose other book is stale,
 * skewed or flagged waits for a fresh one.
 *
 * ```
 * books:  --a--b-----b(late)--a--|
 * pairs$: a-----------------------
 * out:    -----x------------- y--|
 * ```
 * @see operators/orderBook.ts (books), operators/edge.ts (consumer)
 */
export function alignByTime(config: AlignByTimeConfig): OperatorFunction<Book, PairBooks> {
  const scheduler = config.scheduler ?? asyncScheduler;
  const statuses = new Set(config.statuses ?? ['approved']);
  return (source) =>
    new Observable<PairBooks>((subscriber) => {
      const latest = new Map<string, Book>();
      const live = new Set<Venue>();
      const feedSub = config.feedStatus$?.subscribe({
        next: (f) => (f.state === 'live' ? live.add(f.venue) : live.delete(f.venue)),
        error: (err) => subscriber.error(err),
      });
      /** book key → pairs that use it */
      let byMarket = new Map<string, Pair[]>();

      const pairsSub = config.pairs$.subscribe({
        next: (pairs) => {
          const next = new Map<string, Pair[]>();
          for (const p of pairs) {
            if (!statuses.has(p.status)) continue;
            for (const leg of p.legs) {
              const key = bookKey(leg.venue, leg.marketId);
              const list = next.get(key) ?? [];
              list.push(p);
              next.set(key, list);
            }
          }
          byMarket = next;
        },
        error: (err) => subscriber.error(err),
      });

      const usable = (b: Book | undefined, now: number): b is Book => !!b && b.issues.length === 0 && (live.has(b.venue) || now - b.tsReceived <= config.maxAgeMs);

      const sub = source.subscribe({
        next: (book) => {
          const key = bookKey(book.venue, book.marketId);
          latest.set(key, book);
          const pairs = byMarket.get(key);
          if (!pairs) return;
          const now = scheduler.now();
          for (const pair of pairs) {
            const [legA, legB] = pair.legs;
            const a = latest.get(bookKey(legA.venue, legA.marketId));
            const b = latest.get(bookKey(legB.venue, legB.marketId));
            if (!usable(a, now) || !usable(b, now)) continue;
            const skewMs = Math.abs(a.tsVenue - b.tsVenue);
            // both feeds live: both books are current now, whatever their last change
            if (skewMs > config.maxSkewMs && !(live.has(legA.venue) && live.has(legB.venue))) continue;
            subscriber.next({
              pair,
              pairId: pair.pairId,
              books: [a, b],
              yesMapsToNo: pair.yesMapsToNo,
              tsAligned: Math.max(a.tsVenue, b.tsVenue),
              skewMs,
            });
          }
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
      return () => {
        sub.unsubscribe();
        pairsSub.unsubscribe();
        feedSub?.unsubscribe();
      };
    });
}
