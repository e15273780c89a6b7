/**
 * The one normal form of books for both venues.
 *
 * A binary market has YES and NO, each with bids and asks: four ladders. Prices are integer
 * micro-dollars in [0, 1_000_000], quantities integer millionths. Ladders in a {@link Book} are
 * sorted best first (bids descending, asks ascending) whatever order the venue sent.
 *
 * Venue adapters turn wire frames into {@link BookEvent}s; `operators/orderBook.ts` folds them
 * into {@link Book}s. Kalshi sends bids only: its snapshots set `impliedAsks`, and the book then
 * derives YES asks from NO bids (1 − p) and NO asks from YES bids. Polymarket's two token books
 * arrive as separate events for the YES ladders and the NO ladders of one condition id.
 */
import type { Micros, Qty } from './money.js';

export type Venue = 'polymarket' | 'kalshi';
export const VENUES: readonly Venue[] = ['polymarket', 'kalshi'];
export type Outcome = 'yes' | 'no';
export type Ladder = 'yesBid' | 'yesAsk' | 'noBid' | 'noAsk';

export interface Level {
  readonly price: Micros;
  readonly qty: Qty;
}

interface BookEventBase {
  readonly venue: Venue;
  /** Kalshi market ticker, or Polymarket condition id (0x…). */
  readonly marketId: string;
  /** Venue timestamp, unix ms (converted at the parser). */
  readonly tsVenue: number;
  /** Our receive time, unix ms (from our clock/scheduler). */
  readonly tsReceived: number;
  /** Venue sequence number (Kalshi seq), when there is one. */
  readonly seq?: number;
}

/** Replaces the given ladders; ladders not named keep their state (Polymarket token books). */
export interface BookSnapshotEvent extends BookEventBase {
  readonly kind: 'snapshot';
  readonly ladders: Partial<Record<Ladder, readonly Level[]>>;
  /** Asks are implied from the other outcome's bids (Kalshi). */
  readonly impliedAsks?: boolean;
}

export interface LevelChange {
  readonly ladder: Ladder;
  readonly price: Micros;
  /** 'set': the new total at that price (Polymarket); 'add': a signed change (Kalshi delta_fp). */
  readonly mode: 'set' | 'add';
  readonly qty: Qty;
}

export interface BookDeltaEvent extends BookEventBase {
  readonly kind: 'delta';
  readonly changes: readonly LevelChange[];
}

/** Drops the market's book: deltas are ignored until the next snapshot (gap, tick-size change, reconnect). */
export interface BookResetEvent extends BookEventBase {
  readonly kind: 'reset';
  readonly reason: string;
}

export type BookEvent = BookSnapshotEvent | BookDeltaEvent | BookResetEvent;

export interface SideBook {
  /** best (highest) first */
  readonly bids: readonly Level[];
  /** best (lowest) first */
  readonly asks: readonly Level[];
}

/**
 * Why a book must not be traded on. State issues are recomputed on every emission
 * (`crossed-yes`, `crossed-no`, `locked-cross-outcome`, `incomplete`); input issues
 * (`price-out-of-range`, `negative-qty`, `invalid-qty`) mean the venue sent a level we had to
 * drop, so the affected ladder is suspect until its next snapshot; `delta-before-snapshot` is
 * reported (counted, `onIssue`) when a change hits a ladder that has no snapshot yet.
 * - `incomplete` (added): not every ladder has had a snapshot since the last reset (Polymarket
 *   before both token books arrived, or right after a reset).
 * - `invalid-qty` (added): a level quantity that is not a safe integer.
 */
export type BookIssue =
  | 'crossed-yes'
  | 'crossed-no'
  | 'locked-cross-outcome'
  | 'price-out-of-range'
  | 'negative-qty'
  | 'delta-before-snapshot'
  | 'incomplete'
  | 'invalid-qty';

/** Every {@link BookIssue}, in the canonical order `issues` arrays are sorted in. */
export const BOOK_ISSUES: readonly BookIssue[] = [
  'crossed-yes',
  'crossed-no',
  'locked-cross-outcome',
  'price-out-of-range',
  'negative-qty',
  'invalid-qty',
  'delta-before-snapshot',
  'incomplete',
];
export const LADDERS: readonly Ladder[] = ['yesBid', 'yesAsk', 'noBid', 'noAsk'];
/** Bid ladders are sorted descending, ask ladders ascending. */
export const isBidLadder = (l: Ladder): boolean => l === 'yesBid' || l === 'noBid';

export interface Book {
  readonly venue: Venue;
  readonly marketId: string;
  readonly yes: SideBook;
  readonly no: SideBook;
  readonly tsVenue: number;
  readonly tsReceived: number;
  readonly seq?: number;
  /** Empty when the book is usable; anything here means "do not trade on this book". */
  readonly issues: readonly BookIssue[];
}

export const bookKey = (venue: Venue, marketId: string): string => `${venue}:${marketId}`;
export const bestBid = (s: SideBook): Level | undefined => s.bids[0];
export const bestAsk = (s: SideBook): Level | undefined => s.asks[0];
