import { Observable, type OperatorFunction } from 'rxjs';
import type { Book, BookEvent, BookIssue } from '../schema/book.js';
import { limitedLog, log } from '../src/log.js';
import { OrderBookState, assertMaxLevels, createOrderBookCounters, type BookIssueInfo, type BookNotice, type BookStep, type OrderBookCounters } from './orderBookState.js';

export { createOrderBookCounters } from './orderBookState.js';
export type { BookIssueInfo, OrderBookCounters } from './orderBookState.js';

export interface OrderBookConfig {
  /** Emitted depth per ladder (the book itself keeps every level). Default: all levels. */
  readonly maxLevels?: number;
  /**
   * Called for every input issue when it happens (`delta-before-snapshot`, `negative-qty`,
   * `price-out-of-range`, `invalid-qty`) and for a state issue (`crossed-yes`, `crossed-no`,
   * `locked-cross-outcome`) when it appears on a market's book (not again while it persists).
   * `incomplete` is normal at start-up and never reported. Exceptions thrown here are logged.
   */
  readonly onIssue?: (issue: BookIssue, info: BookIssueInfo) => void;
  /** Incremented in place; see {@link createOrderBookCounters}. */
  readonly counters?: OrderBookCounters;
}

/** One log line per notice of the state machine (it already rate-limits them). */
function logNotice(n: BookNotice): void {
  switch (n.kind) {
    case 'input-rejected': {
      const { kind: _kind, venue, marketId, issue, seq, ...extra } = n;
      log.warn({ venue, marketId, issue, ...extra, seq }, 'book input rejected');
      return;
    }
    case 'implied-ignored':
      log.warn({ venue: n.venue, marketId: n.marketId, ladder: n.ladder }, 'change to an implied ask ladder ignored');
      return;
    case 'reset':
      // a gap or reconnect resets every book of a connection at once: bounded per venue, with a suppressed count
      limitedLog.log('info', `book-reset:${n.venue}`, { venue: n.venue, marketId: n.marketId, reason: n.reason }, 'book reset: deltas gated until the next snapshot');
      return;
    case 'unknown-event':
      log.warn({ raw: n.raw }, 'unknown book event kind ignored');
      return;
    default: {
      const never: never = n;
      return never;
    }
  }
}

/**
 * Folds venue book events (snapshots, deltas, resets) into full books per market (keyed by
 * venue + marketId), in the one normal form of `schema/book.ts`: YES and NO sides, each with
 * bids (best = highest first) and asks (best = lowest first), whatever order the venue sent.
 * Emits one immutable {@link Book} per event that changed or refreshed a market, carrying that
 * event's `tsVenue`, `tsReceived` and `seq`. Books, sides, levels and issues are frozen; ladder
 * arrays are `readonly` and never mutated after emission (copy on write) but not frozen, because
 * V8 iterates frozen arrays on a slow path. Unchanged ladders are shared between books.
 *
 * - **snapshot** replaces the ladders it names; the others keep their state (Polymarket sends
 *   the YES and NO token books as separate snapshots of one condition id). Until all four
 *   ladders have had a snapshot the book is emitted with the issue `incomplete` (emitted rather
 *   than held so that a consumer's previous book for the market is replaced by one it must not
 *   trade on). `impliedAsks: true` (Kalshi) makes the snapshot a full book: both bid ladders are
 *   replaced (an absent one is empty, as Kalshi omits empty sides), asks sent with it are ignored,
 *   and from then on YES asks = 1 − NO bids and NO asks = 1 − YES bids, re-derived after every
 *   change (at the changed prices, from the maintained bids). A snapshot whose `impliedAsks`
 *   differs from the book's current mode starts a fresh book.
 * - **delta**: `set` = new total at the price (0 removes), `add` = signed change (a result ≤ 0
 *   removes). A negative result or quantity is removed and flagged `negative-qty`. Changes to a
 *   ladder without a snapshot (unknown market, after a reset, or Polymarket's other token not yet
 *   snapshotted) are not applied: reported as `delta-before-snapshot`; the venue layer resyncs. A
 *   delta of which no change could be applied emits nothing. Changes to implied asks are ignored.
 * - **reset** drops the market's book and emits one empty book with the issue `incomplete`, so
 *   consumers stop using the old one; deltas are then gated until the next snapshot.
 *
 * Levels with a price outside [0, 1_000_000] µ$ (or not an integer) or a quantity that is not a
 * safe integer are dropped and flagged (`price-out-of-range`, `invalid-qty`); such input flags and
 * `negative-qty` stay on the ladder's books until its next snapshot. State issues are recomputed
 * from the maintained book (never from the changed level, cf. Nautilus #3905) on every emission:
 * `crossed-yes` (best YES bid ≥ best YES ask), `crossed-no`, and for books without implied asks
 * `locked-cross-outcome` (best YES bid + best NO bid > 1 $, or best YES ask + best NO ask < 1 $: the
 * venue would have matched those, so the data is wrong or stale). Issues are sorted as in
 * `BOOK_ISSUES`. Bad input never errors the stream; a source error is passed on.
 *
 * Cost per delta: O(log n) binary search per change + one O(n) copy of each changed ladder (the
 * copy keeps emitted books immutable; unchanged ladders are shared), the same for its implied
 * ask ladder. No sort except on snapshots.
 *
 * ```
 * events: --s--d--r--d--s--|      s = Kalshi snapshot, d = delta, r = reset
 * books:  --a--b--c-----e--|      c = empty book with issues ['incomplete']; the 2nd d is gated
 * ```
 *
 * @see schema/book.ts (the normal form), operators/alignByTime.ts (the consumer),
 *   /work/shared/venues/PROTOCOLS.md (venue book semantics)
 */
export function orderBook(config: OrderBookConfig = {}): OperatorFunction<BookEvent, Book> {
  const { maxLevels, onIssue } = config;
  assertMaxLevels(maxLevels);
  const counters = config.counters ?? createOrderBookCounters();

  return (source) =>
    new Observable<Book>((subscriber) => {
      const state = new OrderBookState({ ...(maxLevels !== undefined ? { maxLevels } : {}), counters });

      return source.subscribe({
        next: (ev) => {
          counters.events += 1;
          let step: BookStep;
          try {
            step = state.apply(ev);
          } catch (err) {
            // a bug, not bad input: drop the market's book (deltas gated until a snapshot) and go on
            counters.internalErrors += 1;
            const venue = (ev as Partial<BookEvent> | null)?.venue;
            const marketId = (ev as Partial<BookEvent> | null)?.marketId;
            if (venue !== undefined && marketId !== undefined) state.drop(venue, marketId);
            log.error({ err, venue, marketId, raw: ev }, 'orderBook failed to fold an event; market book dropped');
            return;
          }
          for (const { issue, info } of step.issues) {
            if (!onIssue) continue;
            try {
              onIssue(issue, info);
            } catch (err) {
              log.error({ err, issue, venue: info.venue, marketId: info.marketId }, 'orderBook onIssue callback threw');
            }
          }
          step.notices.forEach(logNotice);
          if (step.book) {
            counters.booksEmitted += 1;
            subscriber.next(step.book);
          }
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}
