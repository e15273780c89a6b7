import { Observable, type OperatorFunction } from 'rxjs';
import {
  BOOK_ISSUES,
  LADDERS,
  bookKey,
  isBidLadder,
  type Book,
  type BookDeltaEvent,
  type BookEvent,
  type BookIssue,
  type BookSnapshotEvent,
  type Ladder,
  type Level,
  type Venue,
} from '../schema/book.js';
import { SCALE } from '../schema/money.js';
import { log } from '../src/log.js';

/** What `onIssue` is told besides the issue itself. */
export interface BookIssueInfo {
  readonly venue: Venue;
  readonly marketId: string;
  readonly tsVenue: number;
  readonly tsReceived: number;
  readonly seq?: number;
  /** The ladder concerned, for input issues. */
  readonly ladder?: Ladder;
  /** The offending price or quantity, for input issues. */
  readonly price?: number;
  readonly qty?: number;
}

/** Counters the operator increments (pass your own object to read them, e.g. for metrics). */
export interface OrderBookCounters {
  events: number;
  snapshots: number;
  deltas: number;
  resets: number;
  booksEmitted: number;
  /** Level changes applied (including no-op ones such as `add 0`). */
  changesApplied: number;
  /** Every `onIssue` report, by issue (input issues per occurrence, state issues when they appear). */
  issues: Record<BookIssue, number>;
  /** Changes or snapshot asks aimed at a ladder that is implied (Kalshi asks): ignored. */
  impliedLadderIgnored: number;
  /** Two levels at one price in one snapshot (the later wins). */
  duplicateLevels: number;
  /** Events of an unknown kind (a runtime value that escaped the types). */
  unknownEvents: number;
  /** Unexpected exceptions while folding an event: the market's book is dropped, the stream goes on. */
  internalErrors: number;
}

export const createOrderBookCounters = (): OrderBookCounters => ({
  events: 0,
  snapshots: 0,
  deltas: 0,
  resets: 0,
  booksEmitted: 0,
  changesApplied: 0,
  issues: Object.fromEntries(BOOK_ISSUES.map((i) => [i, 0])) as Record<BookIssue, number>,
  impliedLadderIgnored: 0,
  duplicateLevels: 0,
  unknownEvents: 0,
  internalErrors: 0,
});

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

/** Implied (Kalshi) asks: YES ask = 1 − NO bid, NO ask = 1 − YES bid. */
type AskLadder = 'yesAsk' | 'noAsk';
const EMPTY: readonly Level[] = [];
const ISSUE_RANK = new Map(BOOK_ISSUES.map((i, n) => [i, n]));

interface MarketState {
  /** Asks are derived from the opposite bids (set by the last snapshot). */
  implied: boolean;
  /**
   * Best first. Shared with emitted books, so never mutated once stored: a change copies the
   * ladder (copy on write). Ladder arrays are deliberately NOT frozen (levels, sides and books
   * are): V8 in Node 20 runs slice/map/for-of over frozen arrays on a slow path, 10–40× slower
   * (measured: slice of 500 levels 26 µs frozen vs 0.3 µs), which every consumer would pay.
   */
  ladders: Record<Ladder, readonly Level[]>;
  /** Ladders that have had a snapshot since the book was (re)created. */
  known: Set<Ladder>;
  /** Input issues per ladder: the ladder is suspect until its next snapshot. */
  taint: Record<Ladder, Set<BookIssue>>;
  /** Issues on the last emitted book (to report state issues once, when they appear). */
  lastIssues: ReadonlySet<BookIssue>;
  /** One warning per kind of rejected input per snapshot period, then counters only. */
  warned: Set<string>;
}

const newState = (implied: boolean): MarketState => ({
  implied,
  ladders: { yesBid: EMPTY, yesAsk: EMPTY, noBid: EMPTY, noAsk: EMPTY },
  known: new Set(),
  taint: { yesBid: new Set(), yesAsk: new Set(), noBid: new Set(), noAsk: new Set() },
  lastIssues: new Set(),
  warned: new Set(),
});

const level = (price: number, qty: number): Level => Object.freeze({ price, qty });
const validPrice = (p: number): boolean => Number.isSafeInteger(p) && p >= 0 && p <= SCALE;
/** Best first: bids descending, asks ascending. */
const better = (bid: boolean, a: number, b: number): boolean => (bid ? a > b : a < b);

/** Index of `price` in a best-first ladder, or where it would be inserted. O(log n). */
function search(ladder: readonly Level[], bid: boolean, price: number): number {
  let lo = 0;
  let hi = ladder.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (better(bid, ladder[mid]!.price, price)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Sets the total at `price` in a mutable best-first ladder (qty ≤ 0 removes); true if it changed. */
function setLevel(ladder: Level[], bid: boolean, price: number, qty: number): boolean {
  const i = search(ladder, bid, price);
  const hit = i < ladder.length && ladder[i]!.price === price;
  if (qty <= 0) {
    if (!hit) return false;
    ladder.splice(i, 1);
  } else if (hit) {
    if (ladder[i]!.qty === qty) return false;
    ladder[i] = level(price, qty);
  } else {
    ladder.splice(i, 0, level(price, qty));
  }
  return true;
}

const qtyAt = (ladder: readonly Level[], bid: boolean, price: number): number => {
  const i = search(ladder, bid, price);
  return i < ladder.length && ladder[i]!.price === price ? ladder[i]!.qty : 0;
};

/** 1 − p of every bid: a descending bid ladder becomes an ascending ask ladder, no sort needed. */
const deriveAsks = (bids: readonly Level[]): readonly Level[] =>
  bids.map((l) => level(SCALE - l.price, l.qty));

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
  if (maxLevels !== undefined && !(Number.isSafeInteger(maxLevels) && maxLevels > 0)) {
    throw new RangeError(`orderBook: maxLevels must be a positive integer, got ${String(maxLevels)}`);
  }
  const counters = config.counters ?? createOrderBookCounters();

  return (source) =>
    new Observable<Book>((subscriber) => {
      const markets = new Map<string, MarketState>();
      /** Markets without a book for which a gated delta was already logged. */
      const gatedWarned = new Set<string>();

      const report = (issue: BookIssue, info: BookIssueInfo): void => {
        counters.issues[issue] += 1;
        if (!onIssue) return;
        try {
          onIssue(issue, info);
        } catch (err) {
          log.error({ err, issue, venue: info.venue, marketId: info.marketId }, 'orderBook onIssue callback threw');
        }
      };

      const infoOf = (ev: BookEvent, extra: Partial<BookIssueInfo> = {}): BookIssueInfo => ({
        venue: ev.venue,
        marketId: ev.marketId,
        tsVenue: ev.tsVenue,
        tsReceived: ev.tsReceived,
        ...(ev.seq !== undefined ? { seq: ev.seq } : {}),
        ...extra,
      });

      /** Reports an input issue; logs the first of its kind per market and snapshot period. */
      const reject = (st: MarketState | undefined, ev: BookEvent, issue: BookIssue, extra: Partial<BookIssueInfo>): void => {
        report(issue, infoOf(ev, extra));
        const key = bookKey(ev.venue, ev.marketId);
        const seen = st ? st.warned : gatedWarned;
        const tag = st ? issue : key;
        if (seen.has(tag)) return;
        seen.add(tag);
        log.warn({ venue: ev.venue, marketId: ev.marketId, issue, ...extra, seq: ev.seq }, 'book input rejected');
      };

      const ignoreImplied = (st: MarketState, ev: BookEvent, ladder: Ladder): void => {
        counters.impliedLadderIgnored += 1;
        if (st.warned.has('implied')) return;
        st.warned.add('implied');
        log.warn({ venue: ev.venue, marketId: ev.marketId, ladder }, 'change to an implied ask ladder ignored');
      };

      /** Valid levels of a snapshot ladder, best first (last wins on a duplicate price). */
      const snapshotLadder = (st: MarketState, ev: BookSnapshotEvent, ladder: Ladder, levels: readonly Level[]): readonly Level[] => {
        const bid = isBidLadder(ladder);
        const byPrice = new Map<number, number>();
        for (const { price, qty } of levels) {
          if (!validPrice(price)) {
            st.taint[ladder].add('price-out-of-range');
            reject(st, ev, 'price-out-of-range', { ladder, price, qty });
          } else if (!Number.isSafeInteger(qty)) {
            st.taint[ladder].add('invalid-qty');
            reject(st, ev, 'invalid-qty', { ladder, price, qty });
          } else if (qty < 0) {
            st.taint[ladder].add('negative-qty');
            reject(st, ev, 'negative-qty', { ladder, price, qty });
          } else {
            if (byPrice.has(price)) counters.duplicateLevels += 1;
            if (qty === 0) byPrice.delete(price);
            else byPrice.set(price, qty);
          }
        }
        const out = [...byPrice].map(([price, qty]) => level(price, qty));
        out.sort((a, b) => (bid ? b.price - a.price : a.price - b.price));
        return out;
      };

      const applySnapshot = (key: string, ev: BookSnapshotEvent): MarketState => {
        const implied = ev.impliedAsks === true;
        let st = markets.get(key);
        if (!st || st.implied !== implied) {
          st = newState(implied);
          markets.set(key, st);
        }
        gatedWarned.delete(key);
        st.warned.clear();
        if (implied) {
          for (const ladder of LADDERS) st.taint[ladder].clear();
          for (const ladder of ['yesAsk', 'noAsk'] as const) {
            if ((ev.ladders[ladder]?.length ?? 0) > 0) ignoreImplied(st, ev, ladder);
          }
          st.ladders.yesBid = snapshotLadder(st, ev, 'yesBid', ev.ladders.yesBid ?? EMPTY);
          st.ladders.noBid = snapshotLadder(st, ev, 'noBid', ev.ladders.noBid ?? EMPTY);
          st.ladders.yesAsk = deriveAsks(st.ladders.noBid);
          st.ladders.noAsk = deriveAsks(st.ladders.yesBid);
          for (const ladder of LADDERS) st.known.add(ladder);
        } else {
          for (const ladder of LADDERS) {
            const levels = ev.ladders[ladder];
            if (!levels) continue;
            st.taint[ladder].clear();
            st.ladders[ladder] = snapshotLadder(st, ev, ladder, levels);
            st.known.add(ladder);
          }
        }
        return st;
      };

      /** Applies what it can; returns false when no change was applicable (nothing to emit). */
      const applyDelta = (st: MarketState | undefined, ev: BookDeltaEvent): boolean => {
        if (!st) {
          for (const c of ev.changes) reject(st, ev, 'delta-before-snapshot', { ladder: c.ladder, price: c.price, qty: c.qty });
          return false;
        }
        const work = new Map<Ladder, Level[]>();
        /** Prices whose level changed, per ladder (to re-derive implied asks at those prices). */
        const touched = new Map<Ladder, Set<number>>();
        let applied = 0;
        for (const c of ev.changes) {
          const { ladder, price, qty } = c;
          if (st.implied && !isBidLadder(ladder)) {
            ignoreImplied(st, ev, ladder);
            continue;
          }
          if (!st.known.has(ladder)) {
            reject(st, ev, 'delta-before-snapshot', { ladder, price, qty });
            continue;
          }
          if (!validPrice(price)) {
            st.taint[ladder].add('price-out-of-range');
            reject(st, ev, 'price-out-of-range', { ladder, price, qty });
            continue;
          }
          if (!Number.isSafeInteger(qty)) {
            st.taint[ladder].add('invalid-qty');
            reject(st, ev, 'invalid-qty', { ladder, price, qty });
            continue;
          }
          let rows = work.get(ladder);
          if (!rows) {
            rows = [...st.ladders[ladder]];
            work.set(ladder, rows);
          }
          const bid = isBidLadder(ladder);
          const total = c.mode === 'set' ? qty : qtyAt(rows, bid, price) + qty;
          if (total < 0) {
            st.taint[ladder].add('negative-qty');
            reject(st, ev, 'negative-qty', { ladder, price, qty: total });
          }
          if (setLevel(rows, bid, price, total)) {
            const prices = touched.get(ladder) ?? new Set<number>();
            prices.add(price);
            touched.set(ladder, prices);
          }
          applied += 1;
        }
        for (const [ladder, prices] of touched) {
          const bids: readonly Level[] = work.get(ladder)!;
          st.ladders[ladder] = bids;
          if (!st.implied) continue;
          // re-derive the implied ask ladder at every changed price from the maintained bids
          // (not from the change): O(log n) per price plus one copy, instead of rebuilding it
          const ask: AskLadder = ladder === 'yesBid' ? 'noAsk' : 'yesAsk';
          const asks = [...st.ladders[ask]];
          for (const p of prices) setLevel(asks, false, SCALE - p, qtyAt(bids, true, p));
          st.ladders[ask] = asks;
        }
        counters.changesApplied += applied;
        return applied > 0;
      };

      const issuesOf = (st: MarketState): BookIssue[] => {
        const set = new Set<BookIssue>();
        for (const ladder of LADDERS) for (const i of st.taint[ladder]) set.add(i);
        if (st.known.size < LADDERS.length) set.add('incomplete');
        const { yesBid, yesAsk, noBid, noAsk } = st.ladders;
        const yb = yesBid[0]?.price;
        const ya = yesAsk[0]?.price;
        const nb = noBid[0]?.price;
        const na = noAsk[0]?.price;
        if (yb !== undefined && ya !== undefined && yb >= ya) set.add('crossed-yes');
        if (nb !== undefined && na !== undefined && nb >= na) set.add('crossed-no');
        // with implied asks, yb + nb ≥ 1 $ is exactly crossed-yes/crossed-no: nothing else to check
        if (!st.implied) {
          if ((yb !== undefined && nb !== undefined && yb + nb > SCALE) || (ya !== undefined && na !== undefined && ya + na < SCALE)) {
            set.add('locked-cross-outcome');
          }
        }
        return [...set].sort((a, b) => ISSUE_RANK.get(a)! - ISSUE_RANK.get(b)!);
      };

      const depth = (l: readonly Level[]): readonly Level[] =>
        maxLevels !== undefined && l.length > maxLevels ? l.slice(0, maxLevels) : l;

      const toBook = (ev: BookEvent, st: MarketState, issues: readonly BookIssue[]): Book =>
        Object.freeze({
          venue: ev.venue,
          marketId: ev.marketId,
          yes: Object.freeze({ bids: depth(st.ladders.yesBid), asks: depth(st.ladders.yesAsk) }),
          no: Object.freeze({ bids: depth(st.ladders.noBid), asks: depth(st.ladders.noAsk) }),
          tsVenue: ev.tsVenue,
          tsReceived: ev.tsReceived,
          ...(ev.seq !== undefined ? { seq: ev.seq } : {}),
          issues: Object.freeze(issues),
        });

      /** Emits the market's book, reporting state issues that were not on its previous book. */
      const emitted = (ev: BookEvent, st: MarketState): Book => {
        const issues = issuesOf(st);
        for (const i of issues) {
          if ((i === 'crossed-yes' || i === 'crossed-no' || i === 'locked-cross-outcome') && !st.lastIssues.has(i)) {
            report(i, infoOf(ev));
          }
        }
        st.lastIssues = new Set(issues);
        return toBook(ev, st, issues);
      };

      const fold = (ev: BookEvent): Book | undefined => {
        const key = bookKey(ev.venue, ev.marketId);
        switch (ev.kind) {
          case 'snapshot': {
            counters.snapshots += 1;
            return emitted(ev, applySnapshot(key, ev));
          }
          case 'delta': {
            counters.deltas += 1;
            const st = markets.get(key);
            return applyDelta(st, ev) && st ? emitted(ev, st) : undefined;
          }
          case 'reset': {
            counters.resets += 1;
            markets.delete(key);
            gatedWarned.delete(key);
            log.info({ venue: ev.venue, marketId: ev.marketId, reason: ev.reason }, 'book reset: deltas gated until the next snapshot');
            return toBook(ev, newState(false), ['incomplete']);
          }
          default: {
            const unknown: never = ev;
            counters.unknownEvents += 1;
            log.warn({ raw: unknown }, 'unknown book event kind ignored');
            return undefined;
          }
        }
      };

      return source.subscribe({
        next: (ev) => {
          counters.events += 1;
          let book: Book | undefined;
          try {
            book = fold(ev);
          } catch (err) {
            // a bug, not bad input: drop the market's book (deltas gated until a snapshot) and go on
            counters.internalErrors += 1;
            const venue = (ev as Partial<BookEvent> | null)?.venue;
            const marketId = (ev as Partial<BookEvent> | null)?.marketId;
            if (venue !== undefined && marketId !== undefined) markets.delete(bookKey(venue, marketId));
            log.error({ err, venue, marketId, raw: ev }, 'orderBook failed to fold an event; market book dropped');
            return;
          }
          if (book) {
            counters.booksEmitted += 1;
            subscriber.next(book);
          }
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}
