/**
 * Profit and fees of a COMPLETED arbitrage, from the actual fills (prices, sizes and the fees
 * the venues charged), never from the pre-trade estimate. A fill that carries the venue's own fee
 * (Kalshi `fee_cost`) is taken as charged; otherwise the fee is computed from the actual fill
 * prices under the schedule valid at the fill time (Polymarket charges at match time).
 */
import { notional, type Micros, type Qty } from '../../schema/money.js';
import type { Venue } from '../../schema/venue.js';
import { legFee } from './engine.js';
import { FeeInputError } from './rational.js';
import type { FeeBook } from './schedule.js';

export interface ActualFill {
  readonly venue: Venue;
  readonly marketId: string;
  readonly price: Micros;
  readonly qty: Qty;
  /** unix ms */
  readonly ts: number;
  /** the fee the venue reported for this fill, when it reports one */
  readonly venueFeeMicros?: Micros;
}

export interface RealizedArb {
  /** contracts held on both legs (each pays $1 in exactly one outcome) */
  readonly hedgedQty: Qty;
  /** contracts bought on one leg beyond the other (not an arbitrage: open risk) */
  readonly unhedged: { readonly venue: Venue; readonly qty: Qty } | null;
  readonly costMicros: Micros;
  readonly feesMicros: Micros;
  /** payout of the hedged contracts − cost − fees, at resolution; the unhedged part is excluded from payout */
  readonly profitMicros: Micros;
}

/** Fee of one leg's fills: the venue's reported fees when every fill has one, else from the schedule. */
export function realizedLegFee(fills: readonly ActualFill[], feeBook: FeeBook): Micros {
  if (!fills.length) return 0;
  if (fills.every((f) => f.venueFeeMicros !== undefined)) return fills.reduce((s, f) => s + f.venueFeeMicros!, 0);
  const first = fills[0]!;
  const schedule = feeBook.feeScheduleAt(first.venue, first.marketId, first.ts);
  if (!schedule) throw new FeeInputError(`no fee schedule for ${first.venue} ${first.marketId} at ${first.ts}`, { input: first.marketId });
  return legFee({ venue: first.venue, marketId: first.marketId, fills }, schedule);
}

/** Realized result of a two-leg arbitrage from its actual fills (leg A's, leg B's). */
export function realizedArb(fillsA: readonly ActualFill[], fillsB: readonly ActualFill[], feeBook: FeeBook): RealizedArb {
  const qty = (fs: readonly ActualFill[]) => fs.reduce((s, f) => s + f.qty, 0);
  const cost = (fs: readonly ActualFill[]) => fs.reduce((s, f) => s + notional(f.price, f.qty, 'ceil'), 0);
  const qa = qty(fillsA), qb = qty(fillsB);
  const hedgedQty = Math.min(qa, qb);
  const costMicros = cost(fillsA) + cost(fillsB);
  const feesMicros = realizedLegFee(fillsA, feeBook) + realizedLegFee(fillsB, feeBook);
  return {
    hedgedQty,
    // the longer leg has fills, so its venue is known
    unhedged: qa === qb ? null : qa > qb ? { venue: fillsA[0]!.venue, qty: qa - qb } : { venue: fillsB[0]!.venue, qty: qb - qa },
    costMicros,
    feesMicros,
    profitMicros: hedgedQty - costMicros - feesMicros,
  };
}
