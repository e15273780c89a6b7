/**
 * Simulated Kalshi books: YES and NO bid ladders (Kalshi books hold bids only; a YES ask is a
 * NO bid at 1 − p), the initial book around a fair value, and one random-walk change.
 */
import { SCALE } from '../../../../schema/money.js';
import { randInt, type Rng } from '../../common/prng.js';
import { fp, px } from './format.js';
import type { KalshiMarketSpec, KalshiSimLadders } from './markets.js';

export interface SimBook {
  /** price (micro-dollars) → qty (millionths) */
  yes: Map<number, number>;
  no: Map<number, number>;
  /** fair YES value, micro-dollars (whole cents) */
  fair: number;
}

export interface SimDelta {
  readonly side: 'yes' | 'no';
  readonly price: number;
  /** signed change of the quantity at `price`, millionths */
  readonly delta: number;
}

export function initialBook(rng: Rng, spec: KalshiMarketSpec): SimBook {
  const fair = randInt(rng, 15, 85) * 10_000;
  const b: SimBook = { yes: new Map(), no: new Map(), fair };
  if (spec.book) {
    for (const l of spec.book.yesBid) b.yes.set(l.price, l.qty);
    for (const l of spec.book.noBid) b.no.set(l.price, l.qty);
    // the walk moves around `fair`: take it from the given book (between the YES bid and the YES
    // ask implied by the NO bid), or the walk would add levels that cross it
    const yb = bestOf(b.yes)?.[0];
    const nb = bestOf(b.no)?.[0];
    if (yb !== undefined && nb !== undefined) b.fair = Math.min(990_000, Math.max(10_000, Math.round((yb + SCALE - nb) / 2 / 10_000) * 10_000));
    return b;
  }
  for (let c = 1; c <= 5; c++) {
    b.yes.set(fair - c * 10_000, randInt(rng, 1, 500) * SCALE);
    b.no.set(SCALE - fair - c * 10_000, randInt(rng, 1, 500) * SCALE);
  }
  return b;
}

/** Wire levels `[price_dollars, qty_fp]`, ascending by price; `yesPrice` shows NO levels at 1 − p. */
export const levelsAsc = (m: Map<number, number>, yesPrice = false): [string, string][] =>
  [...m.entries()]
    .filter(([, q]) => q > 0)
    .map(([p, q]) => [yesPrice ? SCALE - p : p, q] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([p, q]) => [px(p), fp(q)]);

/** Best (highest) bid `[price, qty]` of a ladder. */
export const bestOf = (m: Map<number, number>): [number, number] | undefined => {
  let best: [number, number] | undefined;
  for (const [p, q] of m) if (q > 0 && (!best || p > best[0])) best = [p, q];
  return best;
};

/** The book as ladders, best first. */
export function laddersOf(b: SimBook): KalshiSimLadders {
  const lv = (m: Map<number, number>) => [...m.entries()].filter(([, q]) => q > 0).map(([price, qty]) => ({ price, qty })).sort((x, y) => y.price - x.price);
  return { yesBid: lv(b.yes), noBid: lv(b.no) };
}

export function setLadders(b: SimBook, ladders: KalshiSimLadders): void {
  b.yes = new Map(ladders.yesBid.map((l) => [l.price, l.qty]));
  b.no = new Map(ladders.noBid.map((l) => [l.price, l.qty]));
}

/**
 * One random-walk change near the top of a random side, applied to `b`. Undefined when the
 * drawn price is not positive (nothing changes).
 */
export function walkDelta(rng: Rng, b: SimBook): SimDelta | undefined {
  const side: 'yes' | 'no' = rng() < 0.5 ? 'yes' : 'no';
  const ladder = side === 'yes' ? b.yes : b.no;
  const top = side === 'yes' ? b.fair - 10_000 : SCALE - b.fair - 10_000;
  const price = top - randInt(rng, 0, 6) * 10_000;
  if (price <= 0) return undefined;
  const cur = ladder.get(price) ?? 0;
  let delta = randInt(rng, -200, 300) * SCALE;
  if (cur + delta < 0) delta = -cur;
  if (delta === 0) delta = randInt(rng, 1, 50) * SCALE;
  const next = cur + delta;
  if (next === 0) ladder.delete(price);
  else ladder.set(price, next);
  return { side, price, delta };
}
