/**
 * The order-book state machine, without I/O: venue book events (snapshot, delta, reset) in, full
 * books in the normal form of `schema/book.ts` out, plus the issues to report and the notices to
 * log. {@link orderBook} (operators/orderBook.ts) is the thin operator around it.
 */
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
import { EMPTY, deriveAsks, issuesOf, level, newState, qtyAt, setLevel, validPrice, type AskLadder, type MarketState } from './orderBookMarket.js';

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

/**
 * Input the state machine rejected or ignored, or a reset: what deserves a log line. Rate-limited
 * here (the first of a kind per market and snapshot period), so the owner can log every notice.
 */
export type BookNotice =
  | {
      readonly kind: 'input-rejected';
      readonly venue: Venue;
      readonly marketId: string;
      readonly issue: BookIssue;
      readonly ladder?: Ladder;
      readonly price?: number;
      readonly qty?: number;
      readonly seq?: number;
    }
  | { readonly kind: 'implied-ignored'; readonly venue: Venue; readonly marketId: string; readonly ladder: Ladder }
  | { readonly kind: 'reset'; readonly venue: Venue; readonly marketId: string; readonly reason: string }
  | { readonly kind: 'unknown-event'; readonly raw: unknown };

/** An issue to report (input issues per occurrence, state issues when they appear on a market's book). */
export interface ReportedIssue {
  readonly issue: BookIssue;
  readonly info: BookIssueInfo;
}

/** The outcome of one event: the book to emit (if any), issues to report, notices to log, in order. */
export interface BookStep {
  readonly book?: Book;
  readonly issues: readonly ReportedIssue[];
  readonly notices: readonly BookNotice[];
}

export interface OrderBookStateOptions {
  /** Emitted depth per ladder (the book itself keeps every level). Default: all levels. */
  readonly maxLevels?: number;
  /** Incremented in place (`events`, `booksEmitted` and `internalErrors` are the operator's). */
  readonly counters?: OrderBookCounters;
}

/** Throws a RangeError unless `maxLevels` is absent or a positive integer. */
export function assertMaxLevels(maxLevels: number | undefined): void {
  if (maxLevels !== undefined && !(Number.isSafeInteger(maxLevels) && maxLevels > 0)) {
    throw new RangeError(`orderBook: maxLevels must be a positive integer, got ${String(maxLevels)}`);
  }
}

/**
 * The book state machine behind {@link orderBook}, without I/O: folds venue book events
 * (snapshot, delta, reset) into full books per market (keyed by venue + marketId) and says what
 * to report and log; the operator emits, calls `onIssue` and logs. See orderBook.ts for the
 * semantics (normal form, implied asks, gating, issues, copy on write).
 */
export class OrderBookState {
  readonly counters: OrderBookCounters;
  private readonly maxLevels: number | undefined;
  private readonly markets = new Map<string, MarketState>();
  /** Markets without a book for which a gated delta was already logged. */
  private readonly gatedWarned = new Set<string>();
  private issuesOut: ReportedIssue[] = [];
  private noticesOut: BookNotice[] = [];

  constructor(opts: OrderBookStateOptions = {}) {
    assertMaxLevels(opts.maxLevels);
    this.maxLevels = opts.maxLevels;
    this.counters = opts.counters ?? createOrderBookCounters();
  }

  /** Folds one event. Throws only on a bug (then {@link drop} the market). */
  apply(ev: BookEvent): BookStep {
    this.issuesOut = [];
    this.noticesOut = [];
    const book = this.fold(ev);
    return { ...(book ? { book } : {}), issues: this.issuesOut, notices: this.noticesOut };
  }

  /** Forgets a market's book (deltas gated until its next snapshot). */
  drop(venue: Venue, marketId: string): void {
    this.markets.delete(bookKey(venue, marketId));
  }

  /** Markets that currently have a book. */
  get size(): number {
    return this.markets.size;
  }

  private fold(ev: BookEvent): Book | undefined {
    const { counters } = this;
    const key = bookKey(ev.venue, ev.marketId);
    switch (ev.kind) {
      case 'snapshot': {
        counters.snapshots += 1;
        return this.emitted(ev, this.applySnapshot(key, ev));
      }
      case 'delta': {
        counters.deltas += 1;
        const st = this.markets.get(key);
        return this.applyDelta(st, ev) && st ? this.emitted(ev, st) : undefined;
      }
      case 'reset': {
        counters.resets += 1;
        this.markets.delete(key);
        this.gatedWarned.delete(key);
        this.noticesOut.push({ kind: 'reset', venue: ev.venue, marketId: ev.marketId, reason: ev.reason });
        return this.toBook(ev, newState(false), ['incomplete']);
      }
      default: {
        const unknown: never = ev;
        counters.unknownEvents += 1;
        this.noticesOut.push({ kind: 'unknown-event', raw: unknown });
        return undefined;
      }
    }
  }

  private report(issue: BookIssue, info: BookIssueInfo): void {
    this.counters.issues[issue] += 1;
    this.issuesOut.push({ issue, info });
  }

  private infoOf(ev: BookEvent, extra: Partial<BookIssueInfo> = {}): BookIssueInfo {
    return {
      venue: ev.venue,
      marketId: ev.marketId,
      tsVenue: ev.tsVenue,
      tsReceived: ev.tsReceived,
      ...(ev.seq !== undefined ? { seq: ev.seq } : {}),
      ...extra,
    };
  }

  /** Reports an input issue; a notice for the first of its kind per market and snapshot period. */
  private reject(st: MarketState | undefined, ev: BookEvent, issue: BookIssue, extra: Partial<BookIssueInfo>): void {
    this.report(issue, this.infoOf(ev, extra));
    const key = bookKey(ev.venue, ev.marketId);
    const seen = st ? st.warned : this.gatedWarned;
    const tag = st ? issue : key;
    if (seen.has(tag)) return;
    seen.add(tag);
    this.noticesOut.push({ kind: 'input-rejected', venue: ev.venue, marketId: ev.marketId, issue, ...extra, ...(ev.seq !== undefined ? { seq: ev.seq } : {}) });
  }

  private ignoreImplied(st: MarketState, ev: BookEvent, ladder: Ladder): void {
    this.counters.impliedLadderIgnored += 1;
    if (st.warned.has('implied')) return;
    st.warned.add('implied');
    this.noticesOut.push({ kind: 'implied-ignored', venue: ev.venue, marketId: ev.marketId, ladder });
  }

  /** Valid levels of a snapshot ladder, best first (last wins on a duplicate price). */
  private snapshotLadder(st: MarketState, ev: BookSnapshotEvent, ladder: Ladder, levels: readonly Level[]): readonly Level[] {
    const bid = isBidLadder(ladder);
    const byPrice = new Map<number, number>();
    for (const { price, qty } of levels) {
      if (!validPrice(price)) {
        st.taint[ladder].add('price-out-of-range');
        this.reject(st, ev, 'price-out-of-range', { ladder, price, qty });
      } else if (!Number.isSafeInteger(qty)) {
        st.taint[ladder].add('invalid-qty');
        this.reject(st, ev, 'invalid-qty', { ladder, price, qty });
      } else if (qty < 0) {
        st.taint[ladder].add('negative-qty');
        this.reject(st, ev, 'negative-qty', { ladder, price, qty });
      } else {
        if (byPrice.has(price)) this.counters.duplicateLevels += 1;
        if (qty === 0) byPrice.delete(price);
        else byPrice.set(price, qty);
      }
    }
    const out = [...byPrice].map(([price, qty]) => level(price, qty));
    out.sort((a, b) => (bid ? b.price - a.price : a.price - b.price));
    return out;
  }

  private applySnapshot(key: string, ev: BookSnapshotEvent): MarketState {
    const implied = ev.impliedAsks === true;
    let st = this.markets.get(key);
    if (!st || st.implied !== implied) {
      st = newState(implied);
      this.markets.set(key, st);
    }
    this.gatedWarned.delete(key);
    st.warned.clear();
    if (implied) {
      for (const ladder of LADDERS) st.taint[ladder].clear();
      for (const ladder of ['yesAsk', 'noAsk'] as const) {
        if ((ev.ladders[ladder]?.length ?? 0) > 0) this.ignoreImplied(st, ev, ladder);
      }
      st.ladders.yesBid = this.snapshotLadder(st, ev, 'yesBid', ev.ladders.yesBid ?? EMPTY);
      st.ladders.noBid = this.snapshotLadder(st, ev, 'noBid', ev.ladders.noBid ?? EMPTY);
      st.ladders.yesAsk = deriveAsks(st.ladders.noBid);
      st.ladders.noAsk = deriveAsks(st.ladders.yesBid);
      for (const ladder of LADDERS) st.known.add(ladder);
    } else {
      for (const ladder of LADDERS) {
        const levels = ev.ladders[ladder];
        if (!levels) continue;
        st.taint[ladder].clear();
        st.ladders[ladder] = this.snapshotLadder(st, ev, ladder, levels);
        st.known.add(ladder);
      }
    }
    return st;
  }

  /** Applies what it can; returns false when no change was applicable (nothing to emit). */
  private applyDelta(st: MarketState | undefined, ev: BookDeltaEvent): boolean {
    if (!st) {
      for (const c of ev.changes) this.reject(st, ev, 'delta-before-snapshot', { ladder: c.ladder, price: c.price, qty: c.qty });
      return false;
    }
    const work = new Map<Ladder, Level[]>();
    /** Prices whose level changed, per ladder (to re-derive implied asks at those prices). */
    const touched = new Map<Ladder, Set<number>>();
    let applied = 0;
    for (const c of ev.changes) {
      const { ladder, price, qty } = c;
      if (st.implied && !isBidLadder(ladder)) {
        this.ignoreImplied(st, ev, ladder);
        continue;
      }
      if (!st.known.has(ladder)) {
        this.reject(st, ev, 'delta-before-snapshot', { ladder, price, qty });
        continue;
      }
      if (!validPrice(price)) {
        st.taint[ladder].add('price-out-of-range');
        this.reject(st, ev, 'price-out-of-range', { ladder, price, qty });
        continue;
      }
      if (!Number.isSafeInteger(qty)) {
        st.taint[ladder].add('invalid-qty');
        this.reject(st, ev, 'invalid-qty', { ladder, price, qty });
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
        this.reject(st, ev, 'negative-qty', { ladder, price, qty: total });
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
    this.counters.changesApplied += applied;
    return applied > 0;
  }

  private depth(l: readonly Level[]): readonly Level[] {
    return this.maxLevels !== undefined && l.length > this.maxLevels ? l.slice(0, this.maxLevels) : l;
  }

  private toBook(ev: BookEvent, st: MarketState, issues: readonly BookIssue[]): Book {
    return Object.freeze({
      venue: ev.venue,
      marketId: ev.marketId,
      yes: Object.freeze({ bids: this.depth(st.ladders.yesBid), asks: this.depth(st.ladders.yesAsk) }),
      no: Object.freeze({ bids: this.depth(st.ladders.noBid), asks: this.depth(st.ladders.noAsk) }),
      tsVenue: ev.tsVenue,
      tsReceived: ev.tsReceived,
      ...(ev.seq !== undefined ? { seq: ev.seq } : {}),
      issues: Object.freeze(issues),
    });
  }

  /** Emits the market's book, reporting state issues that were not on its previous book. */
  private emitted(ev: BookEvent, st: MarketState): Book {
    const issues = issuesOf(st);
    for (const i of issues) {
      if ((i === 'crossed-yes' || i === 'crossed-no' || i === 'locked-cross-outcome') && !st.lastIssues.has(i)) {
        this.report(i, this.infoOf(ev));
      }
    }
    st.lastIssues = new Set(issues);
    return this.toBook(ev, st, issues);
  }
}
