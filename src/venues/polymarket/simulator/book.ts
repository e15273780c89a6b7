/**
 * Simulated books of one binary market: the YES token's and the NO token's, kept consistent
 * (NO bid at 1 − p for every YES ask at p, NO ask at 1 − p for every YES bid at p), and a random
 * walk that changes them one price_change at a time.
 */
import type { Level } from '../../../../schema/book.js';
import { randInt, type Rng } from '../../common/prng.js';
import type { PolySimLadders } from './markets.js';

const ONE = 1_000_000;

export interface TokenBook {
  readonly bids: Map<number, number>;
  readonly asks: Map<number, number>;
}

export interface SimChange {
  readonly token: 'yes' | 'no';
  readonly side: 'BUY' | 'SELL';
  readonly price: number;
  /** new total at that price, millionths; 0 removes */
  readonly size: number;
}

const toMap = (levels: readonly Level[]): Map<number, number> => new Map(levels.filter((l) => l.qty > 0).map((l) => [l.price, l.qty]));
const toLevels = (m: Map<number, number>, bids: boolean): Level[] =>
  [...m].map(([price, qty]) => ({ price, qty })).sort((a, b) => (bids ? b.price - a.price : a.price - b.price));

export class MarketBook {
  yes: TokenBook;
  no: TokenBook;
  constructor(l: PolySimLadders) {
    this.yes = { bids: toMap(l.yesBid), asks: toMap(l.yesAsk) };
    this.no = { bids: toMap(l.noBid), asks: toMap(l.noAsk) };
  }
  ladders(): PolySimLadders {
    return { yesBid: toLevels(this.yes.bids, true), yesAsk: toLevels(this.yes.asks, false), noBid: toLevels(this.no.bids, true), noAsk: toLevels(this.no.asks, false) };
  }
  token(t: 'yes' | 'no'): TokenBook {
    return t === 'yes' ? this.yes : this.no;
  }
  apply(c: SimChange): void {
    const m = c.side === 'BUY' ? this.token(c.token).bids : this.token(c.token).asks;
    if (c.size === 0) m.delete(c.price);
    else m.set(c.price, c.size);
  }
  best(t: 'yes' | 'no'): { bid?: number; ask?: number } {
    const b = this.token(t);
    return { bid: b.bids.size ? Math.max(...b.bids.keys()) : undefined, ask: b.asks.size ? Math.min(...b.asks.keys()) : undefined };
  }
}

const randSize = (rng: Rng): number => randInt(rng, 500, 200_000) * 10_000; // 5.00 … 2000.00 shares

/** A consistent book around a random mid, `depth` levels a side, on a `tick` (micro-dollars) grid. */
export function generateLadders(rng: Rng, tick = 10_000, depth = 5): PolySimLadders {
  const mid = randInt(rng, 15, 85) * 10_000;
  const yesBid: Level[] = [];
  const yesAsk: Level[] = [];
  for (let i = 1; i <= depth; i++) {
    if (mid - i * tick > 0) yesBid.push({ price: mid - i * tick, qty: randSize(rng) });
    if (mid + i * tick < ONE) yesAsk.push({ price: mid + i * tick, qty: randSize(rng) });
  }
  return mirrorLadders(yesBid, yesAsk);
}

/** NO ladders implied by YES ladders: NO bid at 1 − YES ask, NO ask at 1 − YES bid. */
export function mirrorLadders(yesBid: readonly Level[], yesAsk: readonly Level[]): PolySimLadders {
  return {
    yesBid,
    yesAsk,
    noBid: yesAsk.map((l) => ({ price: ONE - l.price, qty: l.qty })),
    noAsk: yesBid.map((l) => ({ price: ONE - l.price, qty: l.qty })),
  };
}

const mirror = (c: SimChange): SimChange => ({ token: c.token === 'yes' ? 'no' : 'yes', side: c.side === 'BUY' ? 'SELL' : 'BUY', price: ONE - c.price, size: c.size });

/** One random-walk step on the YES book, mirrored onto NO; applies and returns the changes. */
export function walkStep(book: MarketBook, rng: Rng, tick = 10_000): SimChange[] {
  const yes: SimChange[] = [];
  const { bid, ask } = book.best('yes');
  const r = rng();
  if (r < 0.6 || bid === undefined || ask === undefined) {
    const side = rng() < 0.5 ? 'BUY' : 'SELL';
    const levels = [...(side === 'BUY' ? book.yes.bids : book.yes.asks).keys()];
    if (levels.length) yes.push({ token: 'yes', side, price: levels[Math.floor(rng() * levels.length)]!, size: randSize(rng) });
  } else if (r < 0.8) {
    // up: the best ask is taken, a bid steps up behind it, depth refilled at the far end
    if (book.yes.asks.size >= 2) {
      yes.push({ token: 'yes', side: 'SELL', price: ask, size: 0 });
      if (bid + tick < ONE - tick && bid + tick <= ask) yes.push({ token: 'yes', side: 'BUY', price: bid + tick, size: randSize(rng) });
      const worst = Math.max(...book.yes.asks.keys());
      if (worst + tick < ONE) yes.push({ token: 'yes', side: 'SELL', price: worst + tick, size: randSize(rng) });
    }
  } else if (book.yes.bids.size >= 2) {
    yes.push({ token: 'yes', side: 'BUY', price: bid, size: 0 });
    if (ask - tick > tick && ask - tick >= bid) yes.push({ token: 'yes', side: 'SELL', price: ask - tick, size: randSize(rng) });
    const worst = Math.min(...book.yes.bids.keys());
    if (worst - tick > 0) yes.push({ token: 'yes', side: 'BUY', price: worst - tick, size: randSize(rng) });
  }
  const all = yes.flatMap((c) => [c, mirror(c)]);
  for (const c of all) book.apply(c);
  return all;
}
