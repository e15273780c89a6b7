// Shared builders for the vwap/friction specs (not a spec itself; kept under tests/fees by file ownership).
import type { Book, Level } from '../../schema/book.js';
import type { Pair, PairBooks } from '../../schema/pair.js';
import { FeeBook } from '../../src/fees/schedule.js';
import { applyKalshiSeries } from '../../src/venues/kalshi/fees.js';
import { applyPolymarketMarket } from '../../src/venues/polymarket/fees.js';

export const POLY = '0x' + 'cd'.repeat(32);
export const KAL = 'KXTEST-26-T1';
export const DAY = 86_400_000;
export const T0 = Date.UTC(2026, 5, 1);
export const pair: Pair = {
  pairId: 'pair-1', legs: [{ venue: 'polymarket', marketId: POLY }, { venue: 'kalshi', marketId: KAL }], humanReviewed: false, yesMapsToNo: false, status: 'approved',
  confidence: 0.99, resolutionTs: T0 + 30 * DAY, reasons: [], source: 'file',
};
export const C = (n: number): number => Math.round(n * 1_000_000);
export const lv = (price: number, contracts: number): Level => ({ price: Math.round(price * 1_000_000), qty: C(contracts) });
const empty = { bids: [], asks: [] };

export function book(venue: Book['venue'], yesAsks: Level[], noAsks: Level[], ts = T0, issues: Book['issues'] = []): Book {
  return { venue, marketId: venue === 'polymarket' ? POLY : KAL, yes: { ...empty, asks: yesAsks }, no: { ...empty, asks: noAsks }, tsVenue: ts, tsReceived: ts, issues };
}

/** PairBooks of leg A's book `a` (Polymarket here) and leg B's book `b` (Kalshi). */
export function pairBooks(a: Book, b: Book, p: Pair = pair): PairBooks {
  return { pair: p, pairId: p.pairId, books: [a, b], yesMapsToNo: p.yesMapsToNo, tsAligned: Math.max(a.tsVenue, b.tsVenue), skewMs: Math.abs(a.tsVenue - b.tsVenue) };
}

/** Fee book of the sizing examples: the Polymarket market fee-free, the Kalshi series quadratic ×1 (7¢ × p × (1 − p)). */
export function freePolyKalshiQuadratic(): FeeBook {
  const fb = FeeBook.withDefaults();
  applyPolymarketMarket(fb, { conditionId: POLY, feesEnabled: false }, 0);
  fb.setMarketRef('kalshi', { marketId: KAL, seriesId: 'KXTEST' });
  applyKalshiSeries(fb, { ticker: 'KXTEST', fee_type: 'quadratic', fee_multiplier: 1 }, 0);
  return fb;
}
