/**
 * Kalshi feed → operators/orderBook: the maintained books equal the simulator's, with implied asks,
 * across a seq gap and a reconnect, and never carry issues.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Book } from '../../../schema/book.js';
import { createOrderBookCounters, orderBook } from '../../../operators/orderBook.js';
import { KalshiFeed } from '../../../src/venues/kalshi/socket.js';
import { startKalshiSimulator } from '../../../src/venues/kalshi/simulator.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
const wait = (fn: () => void) => vi.waitFor(fn, { timeout: 8_000, interval: 10 });

describe('KalshiFeed books$ through orderBook', () => {
  it('books equal the venue books (bids and implied asks) after walk, gap and reconnect', async () => {
    const sim = await startKalshiSimulator({ seed: 21, marketCount: 4 });
    cleanups.push(() => sim.stop());
    const tickers = sim.markets.map((m) => m.ticker);
    const feed = new KalshiFeed({ url: sim.wsUrl, auth: sim.auth!, markets: tickers, backoff: { baseMs: 10, maxMs: 20, stableMs: 60_000 } });
    cleanups.push(() => feed.close());
    const latest = new Map<string, Book>();
    const counters = createOrderBookCounters();
    const issues: string[] = [];
    feed.books$.pipe(orderBook({ counters, onIssue: (i) => issues.push(i) })).subscribe((b) => latest.set(b.marketId, b));

    const matches = (t: string) => {
      const b = latest.get(t);
      const v = sim.book(t);
      expect(b?.yes.bids).toEqual(v.yesBid);
      expect(b?.no.bids).toEqual(v.noBid);
      // Kalshi asks are implied: YES ask = 1 − NO bid, NO ask = 1 − YES bid
      expect(b?.yes.asks).toEqual(v.noBid.map((l) => ({ price: 1_000_000 - l.price, qty: l.qty })));
      expect(b?.no.asks).toEqual(v.yesBid.map((l) => ({ price: 1_000_000 - l.price, qty: l.qty })));
    };
    await wait(() => tickers.forEach(matches));
    sim.burst(150);
    await wait(() => tickers.forEach(matches));
    sim.injectSeqGap();
    sim.burst(50);
    await wait(() => tickers.forEach(matches));
    sim.dropConnections();
    sim.burst(50);
    await wait(() => tickers.forEach(matches));
    expect(feed.counters.gaps).toBe(1);
    expect(counters.resets).toBeGreaterThanOrEqual(2 * tickers.length);
    expect(issues.filter((i) => i !== 'delta-before-snapshot')).toEqual([]);
    for (const b of latest.values()) expect(b.issues).toEqual([]);
  });
});
