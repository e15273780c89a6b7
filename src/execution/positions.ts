/**
 * Positions and P&L from fills. Pure folds plus one thin operator:
 *
 *   fills$ ─► positions({ pairOf, feeBook }) ─► PositionsSnapshot ─► toExposure ─► Exposure (sizing, risk gate)
 *
 * - A fill carries its side: a buy adds to the position at its price, a sell takes from it at
 *   the average cost and realises (proceeds − cost of what was sold − fees).
 * - Fees from the actual fills: a fill's venue-reported fee is kept as is; a fill without one is
 *   priced with the fee engine under the schedule valid at the fill's time (src/fees/engine.ts).
 * - By venue/market/outcome, and by pair (the pair of the execution that sent the order).
 * - Exposure = cost basis of what is held (capital committed), per pair, venue and in total.
 * - Unrealised P&L marks a position at the best bid of its outcome ({@link markPositions}).
 * - Settlement ({@link settleMarket}): a resolved market pays 1$ (or 0, or the scalar value) per
 *   contract; the payout is realised and the position closes (qty 0, `settledAt` set).
 *
 *   fills$ ─┐
 *   books$ ─┼─► applyPositionEvent (scan) ─► PositionsSnapshot (marked, settled)
 *   settlements$ ─┘
 */
import { Observable, type OperatorFunction } from 'rxjs';
import type { Book } from '../../schema/book.js';
import type { BrokerPosition, Fill, MarketSettlement, PositionRecord } from '../../schema/execution.js';
import { SCALE, formatScaled, notional, type Micros, type Qty } from '../../schema/money.js';
import { VENUE_IDS, type Outcome, type Venue } from '../../schema/venue.js';
import type { Exposure } from '../../operators/sizeToLimits.js';
import { legFee } from '../fees/engine.js';
import type { FeeBook } from '../fees/schedule.js';
import { log } from '../log.js';

export interface HeldPosition {
  readonly venue: Venue;
  readonly marketId: string;
  readonly outcome: Outcome;
  readonly qty: Qty;
  /** cost basis of what is held, micro-dollars (fill prices, fees excluded) */
  readonly costMicros: Micros;
  readonly realizedPnlMicros: Micros;
  readonly feesMicros: Micros;
  /** mark value (qty at the best bid of the outcome) − cost; absent until a book of the market is seen */
  readonly unrealizedPnlMicros?: Micros;
  /** the best bid of the outcome (0: no bid), or the settlement price once settled */
  readonly markMicros?: Micros;
  /** when the market settled (unix ms): the position is closed */
  readonly settledAt?: number;
  /** what one contract of this outcome paid at settlement, micro-dollars */
  readonly settlementMicros?: Micros;
}

export interface PositionsSnapshot {
  /** by `venue|marketId|outcome` */
  readonly positions: ReadonlyMap<string, HeldPosition>;
  /** by pair id, then `venue|marketId|outcome` */
  readonly byPair: ReadonlyMap<string, ReadonlyMap<string, HeldPosition>>;
  /** positions from fills of orders no execution sent, by `venue|marketId|outcome` */
  readonly unattributed?: ReadonlyMap<string, HeldPosition>;
  /** fills of orders no execution sent (also logged and counted) */
  readonly unknownFills: number;
  readonly fills: number;
  readonly seen: ReadonlySet<string>;
}

export const EMPTY_POSITIONS: PositionsSnapshot = { positions: new Map(), byPair: new Map(), unattributed: new Map(), unknownFills: 0, fills: 0, seen: new Set() };

export const keyOf = (f: { venue: Venue; marketId: string; outcome: Outcome }): string => `${f.venue}|${f.marketId}|${f.outcome}`;

/** The fee of one fill: the venue's when reported, else the fee engine's at the fill time (0 and logged when no schedule). */
export function fillFee(f: Fill, feeBook?: FeeBook): Micros {
  if (f.feeMicros !== undefined) return f.feeMicros;
  const schedule = feeBook?.feeScheduleAt(f.venue, f.marketId, f.tsVenue);
  if (!schedule) {
    log.warn({ venue: f.venue, marketId: f.marketId, fillId: f.fillId }, 'fill without a fee and no fee schedule: fee 0');
    return 0;
  }
  return legFee({ venue: f.venue, marketId: f.marketId, fills: [{ price: f.priceMicros, qty: f.qty }] }, schedule, { side: f.side });
}

/** One fill applied to one position. */
export function applyFill(p: HeldPosition | undefined, f: Fill, fee: Micros): HeldPosition {
  const cur = p ?? { venue: f.venue, marketId: f.marketId, outcome: f.outcome, qty: 0, costMicros: 0, realizedPnlMicros: 0, feesMicros: 0 };
  const cash = notional(f.priceMicros, f.qty, 'ceil');
  if (f.side === 'buy') return { ...cur, qty: cur.qty + f.qty, costMicros: cur.costMicros + cash, realizedPnlMicros: cur.realizedPnlMicros - fee, feesMicros: cur.feesMicros + fee };
  // a sell beyond the position (should not happen: the venue refuses it) realises against zero cost
  const sold = Math.min(f.qty, cur.qty);
  const costSold = cur.qty === 0 ? 0 : Math.round((cur.costMicros * sold) / cur.qty);
  return { ...cur, qty: cur.qty - f.qty, costMicros: cur.costMicros - costSold, realizedPnlMicros: cur.realizedPnlMicros + cash - costSold - fee, feesMicros: cur.feesMicros + fee };
}

/** Folds one fill into the snapshot (a fill id seen before changes nothing). */
export function foldFill(s: PositionsSnapshot, f: Fill, pairId: string | undefined, feeBook?: FeeBook): PositionsSnapshot {
  const id = `${f.venue}|${f.fillId}`;
  if (s.seen.has(id)) return s;
  const fee = fillFee(f, feeBook);
  const k = keyOf(f);
  const positions = new Map(s.positions).set(k, applyFill(s.positions.get(k), f, fee));
  const byPair = new Map(s.byPair);
  let unattributed = s.unattributed ?? new Map<string, HeldPosition>();
  if (pairId !== undefined) {
    const pp = new Map(byPair.get(pairId) ?? []);
    byPair.set(pairId, pp.set(k, applyFill(pp.get(k), f, fee)));
  } else {
    log.error({ venue: f.venue, fillId: f.fillId, venueOrderId: f.venueOrderId }, 'fill for an order no execution sent');
    unattributed = new Map(unattributed).set(k, applyFill(unattributed.get(k), f, fee));
  }
  return { positions, byPair, unattributed, unknownFills: s.unknownFills + (pairId === undefined ? 1 : 0), fills: s.fills + 1, seen: new Set(s.seen).add(id) };
}

/** Capital committed (cost basis held) per pair, venue and in total: what the sizing stage and the risk gate take. */
export function toExposure(s: PositionsSnapshot): Exposure {
  const byVenue = Object.fromEntries(VENUE_IDS.map((v) => [v, 0])) as Record<Venue, Micros>;
  let total = 0;
  for (const p of s.positions.values()) {
    byVenue[p.venue] += Math.max(0, p.costMicros);
    total += Math.max(0, p.costMicros);
  }
  const byPair: Record<string, Micros> = {};
  for (const [pairId, ps] of s.byPair) byPair[pairId] = [...ps.values()].reduce((a, p) => a + Math.max(0, p.costMicros), 0);
  return { byPair, byVenue, total };
}

/** Realised P&L (all positions) and unrealised P&L marked at each outcome's best bid (no bid: marked at 0). */
export function unrealizedPnl(s: PositionsSnapshot, bookOf: (venue: Venue, marketId: string) => Book | undefined): { realizedMicros: Micros; unrealizedMicros: Micros } {
  let realizedMicros = 0;
  let unrealizedMicros = 0;
  for (const p of s.positions.values()) {
    realizedMicros += p.realizedPnlMicros;
    if (p.qty <= 0) continue;
    const b = bookOf(p.venue, p.marketId);
    const bid = b ? (p.outcome === 'yes' ? b.yes.bids[0] : b.no.bids[0])?.price ?? 0 : 0;
    unrealizedMicros += Math.floor((bid * p.qty) / SCALE) - p.costMicros;
  }
  return { realizedMicros, unrealizedMicros };
}

/** The best bid of a position's outcome in a book (0 when that side has no bid). */
export const bestBidOf = (b: Book, outcome: Outcome): Micros => (outcome === 'yes' ? b.yes.bids[0] : b.no.bids[0])?.price ?? 0;

/**
 * Marks one position at the best bid of its outcome: `markMicros` and `unrealizedPnlMicros` =
 * qty × bid (rounded down: what selling now would fetch at most) − cost. A settled position keeps
 * its settlement mark.
 */
export function markPosition(p: HeldPosition, book: Book | undefined): HeldPosition {
  if (p.settledAt !== undefined || !book) return p;
  const mark = bestBidOf(book, p.outcome);
  const unrealized = notional(mark, p.qty, 'floor') - p.costMicros;
  return p.markMicros === mark && p.unrealizedPnlMicros === unrealized ? p : { ...p, markMicros: mark, unrealizedPnlMicros: unrealized };
}

const mapChanged = <K, V>(m: ReadonlyMap<K, V>, f: (k: K, v: V) => V): ReadonlyMap<K, V> => {
  let out: Map<K, V> | undefined;
  for (const [k, v] of m) {
    const n = f(k, v);
    if (n !== v) (out ??= new Map(m)).set(k, n);
  }
  return out ?? m;
};

/** Applies `f` to every position (aggregate, by pair, unattributed); the same snapshot object when nothing changed. */
function mapPositions(s: PositionsSnapshot, f: (p: HeldPosition) => HeldPosition): PositionsSnapshot {
  const positions = mapChanged(s.positions, (_, p) => f(p));
  const byPair = mapChanged(s.byPair, (_, pp) => mapChanged(pp, (__, p) => f(p)));
  const unattributed = s.unattributed ? mapChanged(s.unattributed, (_, p) => f(p)) : s.unattributed;
  if (positions === s.positions && byPair === s.byPair && unattributed === s.unattributed) return s;
  return { ...s, positions, byPair, ...(unattributed ? { unattributed } : {}) };
}

/** Marks the positions of `venue`/`marketId` (all markets when omitted) with the latest books. */
export function markPositions(s: PositionsSnapshot, bookOf: (venue: Venue, marketId: string) => Book | undefined, only?: { venue: Venue; marketId: string }): PositionsSnapshot {
  return mapPositions(s, (p) => (only && (p.venue !== only.venue || p.marketId !== only.marketId) ? p : markPosition(p, bookOf(p.venue, p.marketId))));
}

/** What one contract of `outcome` pays under a settlement, micro-dollars. */
export const payoutOf = (st: Pick<MarketSettlement, 'yesPayoutMicros'>, outcome: Outcome): Micros => (outcome === 'yes' ? st.yesPayoutMicros : SCALE - st.yesPayoutMicros);

/**
 * Settles one position: the payout (qty × what a contract pays, rounded down) is realised against
 * the cost and the position closes. Already settled: unchanged (the venue's later `settled` after
 * `determined` changes nothing).
 */
export function settlePosition(p: HeldPosition, payoutMicros: Micros, ts: number): HeldPosition {
  if (p.settledAt !== undefined) return p;
  const proceeds = notional(payoutMicros, p.qty, 'floor');
  return { ...p, qty: 0, costMicros: 0, realizedPnlMicros: p.realizedPnlMicros + proceeds - p.costMicros, unrealizedPnlMicros: 0, markMicros: payoutMicros, settledAt: ts, settlementMicros: payoutMicros };
}

/** Settles every position held in the settled market (by venue/market/outcome, by pair and unattributed). */
export function settleMarket(s: PositionsSnapshot, st: MarketSettlement): PositionsSnapshot {
  return mapPositions(s, (p) => (p.venue === st.venue && p.marketId === st.marketId ? settlePosition(p, payoutOf(st, p.outcome), st.ts) : p));
}

/**
 * Compares our positions on one venue (open, not settled) with what the venue's broker reports;
 * one message per mismatch (empty: they agree).
 */
export function positionMismatches(s: PositionsSnapshot, venue: Venue, held: readonly BrokerPosition[]): string[] {
  const ours = new Map<string, Micros>();
  for (const p of s.positions.values()) if (p.venue === venue && p.settledAt === undefined && p.qty !== 0) ours.set(`${p.marketId}|${p.outcome}`, p.qty);
  const theirs = new Map<string, Micros>();
  for (const b of held) if (b.qty !== 0) theirs.set(`${b.marketId}|${b.outcome}`, (theirs.get(`${b.marketId}|${b.outcome}`) ?? 0) + b.qty);
  const out: string[] = [];
  for (const k of new Set([...ours.keys(), ...theirs.keys()])) {
    const a = ours.get(k) ?? 0;
    const b = theirs.get(k) ?? 0;
    if (a !== b) {
      const [marketId, outcome] = k.split('|');
      out.push(`position mismatch on ${venue} ${marketId} ${outcome}: fills say ${formatScaled(a, 0)}, the venue says ${formatScaled(b, 0)}`);
    }
  }
  return out.sort();
}

/** The rows of the `positions` table: one per pair (and '' for unattributed fills) and outcome. */
export function positionRecords(s: PositionsSnapshot, now: number): PositionRecord[] {
  const row = (pairId: string, p: HeldPosition): PositionRecord => ({
    venue: p.venue, marketId: p.marketId, outcome: p.outcome, pairId, qty: p.qty, costMicros: p.costMicros,
    avgPriceMicros: p.qty > 0 ? Math.round((p.costMicros * SCALE) / p.qty) : 0,
    realizedPnlMicros: p.realizedPnlMicros, feesMicros: p.feesMicros,
    ...(p.unrealizedPnlMicros !== undefined ? { unrealizedPnlMicros: p.unrealizedPnlMicros } : {}),
    ...(p.markMicros !== undefined ? { markMicros: p.markMicros } : {}),
    ...(p.settledAt !== undefined ? { settledAt: p.settledAt } : {}),
    ...(p.settlementMicros !== undefined ? { settlementMicros: p.settlementMicros } : {}),
    updatedAt: now,
  });
  const out: PositionRecord[] = [];
  for (const [pairId, pp] of s.byPair) for (const p of pp.values()) out.push(row(pairId, p));
  for (const p of (s.unattributed ?? new Map<string, HeldPosition>()).values()) out.push(row('', p));
  return out;
}

/** What moves positions: a fill, a book (marks), a market's settlement. */
export type PositionEvent =
  | { readonly type: 'fill'; readonly fill: Fill; readonly pairId: string | undefined }
  | { readonly type: 'book'; readonly book: Book }
  | { readonly type: 'settle'; readonly settlement: MarketSettlement };

/**
 * Positions plus the latest book of every market seen (for marks). `books` is updated in place:
 * a state belongs to one fold (one `scan`), never shared between two.
 */
export interface PositionsState {
  readonly snapshot: PositionsSnapshot;
  readonly books: Map<string, Book>;
  /** settlements already seen, by `venue|marketId` (a fill after one is settled at once) */
  readonly settled: ReadonlyMap<string, MarketSettlement>;
}

export const initialPositionsState = (snapshot: PositionsSnapshot = EMPTY_POSITIONS): PositionsState => ({ snapshot, books: new Map(), settled: new Map() });

/** A position without its settlement (a late fill reopened it). */
const reopened = ({ settledAt: _at, ...p }: HeldPosition): HeldPosition => p;

const marketKey = (venue: Venue, marketId: string): string => `${venue}|${marketId}`;

/**
 * One event folded into the state (the pipeline runs it in a `scan`; pure but for the book map,
 * see {@link PositionsState}). A book that changes no mark returns the same snapshot object, so
 * `distinctUntilChanged` drops it.
 */
export function applyPositionEvent(st: PositionsState, e: PositionEvent, feeBook?: FeeBook): PositionsState {
  switch (e.type) {
    case 'book': {
      // the latest book of every market, kept in place (copying the map per tick would cost O(markets))
      const k = marketKey(e.book.venue, e.book.marketId);
      st.books.set(k, e.book);
      if (!st.snapshot.positions.has(`${k}|yes`) && !st.snapshot.positions.has(`${k}|no`)) return st;
      const snapshot = markPositions(st.snapshot, () => e.book, { venue: e.book.venue, marketId: e.book.marketId });
      return snapshot === st.snapshot ? st : { ...st, snapshot };
    }
    case 'fill': {
      const f = e.fill;
      let snapshot = foldFill(st.snapshot, f, e.pairId, feeBook);
      if (snapshot === st.snapshot) return st;
      const done = st.settled.get(marketKey(f.venue, f.marketId));
      if (done) {
        log.error({ venue: f.venue, marketId: f.marketId, fillId: f.fillId }, 'fill in a settled market');
        // a position reopened by the late fill settles at the same price
        snapshot = mapPositions(snapshot, (p) => (p.venue === f.venue && p.marketId === f.marketId && p.outcome === f.outcome && p.qty !== 0 ? settlePosition(reopened(p), payoutOf(done, p.outcome), done.ts) : p));
      }
      snapshot = markPositions(snapshot, (v, m) => st.books.get(marketKey(v, m)), { venue: f.venue, marketId: f.marketId });
      return { ...st, snapshot };
    }
    case 'settle': {
      const k = marketKey(e.settlement.venue, e.settlement.marketId);
      if (st.settled.has(k)) return st;
      return { ...st, settled: new Map(st.settled).set(k, e.settlement), snapshot: settleMarket(st.snapshot, e.settlement) };
    }
  }
}

export interface PositionsOptions {
  /** the pair of the execution that sent the fill's order (undefined: not ours) */
  readonly pairOf: (f: Fill) => string | undefined;
  readonly feeBook?: FeeBook;
  readonly initial?: PositionsSnapshot;
}

/**
 * Folds fills into positions; emits the snapshot after every fill.
 *
 * ```
 * fills:     --a--b--a|     (the second a repeats a fill id)
 * snapshots: --A--B--B|
 * ```
 */
export function positions(o: PositionsOptions): OperatorFunction<Fill, PositionsSnapshot> {
  return (source) =>
    new Observable<PositionsSnapshot>((subscriber) => {
      let s = o.initial ?? EMPTY_POSITIONS;
      return source.subscribe({
        next: (f) => {
          s = foldFill(s, f, o.pairOf(f), o.feeBook);
          subscriber.next(s);
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
    });
}
