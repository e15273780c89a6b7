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
 *
 * Each shape is a zod schema (used at the boundaries: stream decode, live events, files) with its
 * type inferred; operators never parse per event.
 */
import { z } from 'zod';
import type { Infer } from './readonly.js';
import { VENUE_IDS, VenueId, Outcome, type Venue } from './venue.js';

export { VenueId, Outcome, type Venue };
/** @deprecated use VENUE_IDS from schema/venue.ts */
export const VENUES: readonly Venue[] = VENUE_IDS;

/** Integer micro-dollars (1e-6 USD). */
export const MicrosZ = z.number().int();
/** Integer millionths of a share or contract. */
export const QtyZ = z.number().int();
/** A time in unix ms. */
export const UnixMs = z.number().describe('unix ms');

export const Ladder = z.enum(['yesBid', 'yesAsk', 'noBid', 'noAsk']);
export type Ladder = z.infer<typeof Ladder>;

export const Level = z.object({ price: MicrosZ, qty: QtyZ });
export type Level = Infer<typeof Level>;

const BookEventBase = {
  venue: VenueId,
  /** Kalshi market ticker, or Polymarket condition id (0x…). */
  marketId: z.string().min(1),
  /** Venue timestamp, unix ms (converted at the parser). */
  tsVenue: UnixMs,
  /** Our receive time, unix ms (from our clock/scheduler). */
  tsReceived: UnixMs,
  /** Venue sequence number (Kalshi seq), when there is one. */
  seq: z.number().int().optional(),
};

/** Replaces the given ladders; ladders not named keep their state (Polymarket token books). */
export const BookSnapshotEvent = z.object({
  ...BookEventBase,
  kind: z.literal('snapshot'),
  ladders: z.object({ yesBid: z.array(Level).optional(), yesAsk: z.array(Level).optional(), noBid: z.array(Level).optional(), noAsk: z.array(Level).optional() }),
  /** Asks are implied from the other outcome's bids (Kalshi). */
  impliedAsks: z.boolean().optional(),
});
export type BookSnapshotEvent = Infer<typeof BookSnapshotEvent>;

export const LevelChange = z.object({
  ladder: Ladder,
  price: MicrosZ,
  /** 'set': the new total at that price (Polymarket); 'add': a signed change (Kalshi delta_fp). */
  mode: z.enum(['set', 'add']),
  qty: QtyZ,
});
export type LevelChange = Infer<typeof LevelChange>;

export const BookDeltaEvent = z.object({ ...BookEventBase, kind: z.literal('delta'), changes: z.array(LevelChange) });
export type BookDeltaEvent = Infer<typeof BookDeltaEvent>;

/** Drops the market's book: deltas are ignored until the next snapshot (gap, tick-size change, reconnect). */
export const BookResetEvent = z.object({ ...BookEventBase, kind: z.literal('reset'), reason: z.string() });
export type BookResetEvent = Infer<typeof BookResetEvent>;

export const BookEvent = z.discriminatedUnion('kind', [BookSnapshotEvent, BookDeltaEvent, BookResetEvent]);
export type BookEvent = Infer<typeof BookEvent>;

export const SideBook = z.object({
  /** best (highest) first */
  bids: z.array(Level),
  /** best (lowest) first */
  asks: z.array(Level),
});
export type SideBook = Infer<typeof SideBook>;

/**
 * Why a book must not be traded on. State issues are recomputed on every emission
 * (`crossed-yes`, `crossed-no`, `locked-cross-outcome`, `incomplete`); input issues
 * (`price-out-of-range`, `negative-qty`, `invalid-qty`) mean the venue sent a level we had to
 * drop, so the affected ladder is suspect until its next snapshot; `delta-before-snapshot` is
 * reported (counted, `onIssue`) when a change hits a ladder that has no snapshot yet.
 * - `incomplete`: not every ladder has had a snapshot since the last reset (Polymarket
 *   before both token books arrived, or right after a reset).
 * - `invalid-qty`: a level quantity that is not a safe integer.
 * The enum's order is the canonical order `issues` arrays are sorted in.
 */
export const BookIssue = z.enum([
  'crossed-yes',
  'crossed-no',
  'locked-cross-outcome',
  'price-out-of-range',
  'negative-qty',
  'invalid-qty',
  'delta-before-snapshot',
  'incomplete',
]);
export type BookIssue = z.infer<typeof BookIssue>;
/** Every {@link BookIssue}, in the canonical order `issues` arrays are sorted in. */
export const BOOK_ISSUES: readonly BookIssue[] = BookIssue.options;
export const LADDERS: readonly Ladder[] = Ladder.options;
/** Bid ladders are sorted descending, ask ladders ascending. */
export const isBidLadder = (l: Ladder): boolean => l === 'yesBid' || l === 'noBid';

export const Book = z.object({
  venue: VenueId,
  marketId: z.string().min(1),
  yes: SideBook,
  no: SideBook,
  tsVenue: UnixMs,
  tsReceived: UnixMs,
  seq: z.number().int().optional(),
  /** Empty when the book is usable; anything here means "do not trade on this book". */
  issues: z.array(BookIssue),
});
export type Book = Infer<typeof Book>;

export const bookKey = (venue: Venue, marketId: string): string => `${venue}:${marketId}`;
export const bestBid = (s: SideBook): Level | undefined => s.bids[0];
export const bestAsk = (s: SideBook): Level | undefined => s.asks[0];

/** Sampled top of book, as persisted (`book_tops`) and shown. */
export const BookTop = z.object({
  venue: VenueId,
  marketId: z.string().min(1),
  tsReceived: UnixMs,
  tsVenue: UnixMs,
  yesBid: Level.optional(),
  yesAsk: Level.optional(),
  noBid: Level.optional(),
  noAsk: Level.optional(),
  issues: z.array(z.string()),
});
export type BookTop = Infer<typeof BookTop>;

export function toBookTop(b: Book): BookTop {
  return {
    venue: b.venue, marketId: b.marketId, tsReceived: b.tsReceived, tsVenue: b.tsVenue, issues: b.issues,
    ...(b.yes.bids[0] && { yesBid: b.yes.bids[0] }), ...(b.yes.asks[0] && { yesAsk: b.yes.asks[0] }),
    ...(b.no.bids[0] && { noBid: b.no.bids[0] }), ...(b.no.asks[0] && { noAsk: b.no.asks[0] }),
  };
}

/** Sampled depth (the best `maxLevels` of each ladder), as persisted (`book_depth`). */
export const BookDepth = z.object({ venue: VenueId, marketId: z.string().min(1), tsReceived: UnixMs, tsVenue: UnixMs, yes: SideBook, no: SideBook });
export type BookDepth = Infer<typeof BookDepth>;

export const toBookDepth = (b: Book, maxLevels = 20): BookDepth => ({
  venue: b.venue, marketId: b.marketId, tsReceived: b.tsReceived, tsVenue: b.tsVenue,
  yes: { bids: b.yes.bids.slice(0, maxLevels), asks: b.yes.asks.slice(0, maxLevels) },
  no: { bids: b.no.bids.slice(0, maxLevels), asks: b.no.asks.slice(0, maxLevels) },
});
