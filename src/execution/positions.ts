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
 * - Unrealised P&L marks a position at the best bid of its outcome ({@link unrealizedPnl}).
 */
import { Observable, type OperatorFunction } from 'rxjs';
import type { Book } from '../../schema/book.js';
import type { Fill } from '../../schema/execution.js';
import { SCALE, notional, type Micros, type Qty } from '../../schema/money.js';
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
}

export interface PositionsSnapshot {
  /** by `venue|marketId|outcome` */
  readonly positions: ReadonlyMap<string, HeldPosition>;
  /** by pair id, then `venue|marketId|outcome` */
  readonly byPair: ReadonlyMap<string, ReadonlyMap<string, HeldPosition>>;
  /** fills of orders no execution sent (also logged and counted) */
  readonly unknownFills: number;
  readonly fills: number;
  readonly seen: ReadonlySet<string>;
}

export const EMPTY_POSITIONS: PositionsSnapshot = { positions: new Map(), byPair: new Map(), unknownFills: 0, fills: 0, seen: new Set() };

const keyOf = (f: { venue: Venue; marketId: string; outcome: Outcome }): string => `${f.venue}|${f.marketId}|${f.outcome}`;

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
  if (pairId !== undefined) {
    const pp = new Map(byPair.get(pairId) ?? []);
    byPair.set(pairId, pp.set(k, applyFill(pp.get(k), f, fee)));
  } else log.error({ venue: f.venue, fillId: f.fillId, venueOrderId: f.venueOrderId }, 'fill for an order no execution sent');
  return { positions, byPair, unknownFills: s.unknownFills + (pairId === undefined ? 1 : 0), fills: s.fills + 1, seen: new Set(s.seen).add(id) };
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
