import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { of, NEVER } from 'rxjs';
import { alignByTime } from '../../operators/alignByTime.js';
import type { Book } from '../../schema/book.js';
import type { Pair } from '../../schema/pair.js';

const POLY = '0x' + 'ab'.repeat(32);
const pair: Pair = {
  pairId: 'p1', legs: [{ venue: 'polymarket', marketId: POLY }, { venue: 'kalshi', marketId: 'KX-1' }], humanReviewed: false, yesMapsToNo: false, status: 'approved',
  confidence: 0.99, resolutionTs: 2_000_000_000_000, reasons: [], source: 'file',
};
const side = { bids: [{ price: 400_000, qty: 1_000_000 }], asks: [{ price: 420_000, qty: 1_000_000 }] };
const book = (venue: Book['venue'], ts: number, extra: Partial<Book> = {}): Book => ({
  venue, marketId: venue === 'polymarket' ? POLY : 'KX-1', yes: side, no: side, tsVenue: ts, tsReceived: ts, issues: [], ...extra,
});

const newScheduler = () => new TestScheduler((a, e) => expect(a).toEqual(e));

describe('alignByTime', () => {
  it('emits both latest books once both sides exist', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const p = book('polymarket', 1), k = book('kalshi', 3), p2 = book('polymarket', 5);
      const src = cold('-p-k-q|', { p, k, q: p2 });
      const out = src.pipe(alignByTime({ pairs$: of([pair]), maxSkewMs: 10, maxAgeMs: 100, scheduler: ts }));
      expectObservable(out).toBe('---x-y|', {
        x: { pair, pairId: 'p1', books: [p, k], yesMapsToNo: false, tsAligned: 3, skewMs: 2 },
        y: { pair, pairId: 'p1', books: [p2, k], yesMapsToNo: false, tsAligned: 5, skewMs: 2 },
      });
      expectSubscriptions(src.subscriptions).toBe('^-----!');
    });
  });

  it('emits nothing when the skew is too large or a book is stale', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      // kalshi venue time 50 ms after poly: skew 49 > 10
      const src = cold('-p-k|', { p: book('polymarket', 1), k: book('kalshi', 50) });
      expectObservable(src.pipe(alignByTime({ pairs$: of([pair]), maxSkewMs: 10, maxAgeMs: 1000, scheduler: ts }))).toBe('----|');
      // poly received at 1, kalshi arrives at frame 30: poly is 29 ms old > maxAge 20
      const late = cold('-p 28ms k|', { p: book('polymarket', 1), k: book('kalshi', 5, { tsReceived: 30 }) });
      expectObservable(late.pipe(alignByTime({ pairs$: of([pair]), maxSkewMs: 100, maxAgeMs: 20, scheduler: ts }))).toBe('- 30ms |');
    });
  });

  it('ignores flagged books, unapproved pairs and unknown markets', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable }) => {
      const crossed = book('kalshi', 2, { issues: ['crossed-yes'] });
      const src = cold('-p-k-o|', { p: book('polymarket', 1), k: crossed, o: { ...book('kalshi', 2), marketId: 'OTHER' } });
      expectObservable(src.pipe(alignByTime({ pairs$: of([pair]), maxSkewMs: 10, maxAgeMs: 100, scheduler: ts }))).toBe('------|');
      const pending = { ...pair, status: 'pending' as const };
      const src2 = cold('-p-k|', { p: book('polymarket', 1), k: book('kalshi', 2) });
      expectObservable(src2.pipe(alignByTime({ pairs$: of([pending]), maxSkewMs: 10, maxAgeMs: 100, scheduler: ts }))).toBe('----|');
    });
  });

  it('picks up newly approved pairs without restart', () => {
    const ts = newScheduler();
    ts.run(({ cold, hot, expectObservable }) => {
      const pairs$ = hot('a---b', { a: [] as Pair[], b: [pair] });
      const src = cold('-p-k--k|', { p: book('polymarket', 1), k: book('kalshi', 2) });
      expectObservable(src.pipe(alignByTime({ pairs$, maxSkewMs: 10, maxAgeMs: 100, scheduler: ts }))).toBe('------x|', {
        x: expect.objectContaining({ pairId: 'p1' }),
      });
    });
  });

  it('empty, never, error, mid-stream error, unsubscribe', () => {
    const ts = newScheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const cfg = { pairs$: of([pair]), maxSkewMs: 10, maxAgeMs: 100, scheduler: ts };
      expectObservable(cold<never>('|').pipe(alignByTime(cfg))).toBe('|');
      expectObservable(NEVER.pipe(alignByTime(cfg))).toBe('-');
      expectObservable(cold<never>('#').pipe(alignByTime(cfg))).toBe('#');
      expectObservable(cold('-p-#', { p: book('polymarket', 1) }).pipe(alignByTime(cfg))).toBe('---#');
      const src = cold('-p-k-p-k', { p: book('polymarket', 1), k: book('kalshi', 2) });
      expectObservable(src.pipe(alignByTime(cfg)), '^---!').toBe('---x', { x: expect.objectContaining({ pairId: 'p1' }) });
      expectSubscriptions(src.subscriptions).toBe('^---!');
      // an error on pairs$ errors the output
      expectObservable(cold<Book>('-p').pipe(alignByTime({ ...cfg, pairs$: cold('--#') }))).toBe('--#');
    });
  });
});

describe('alignByTime with feed liveness', () => {
  it('a quiet book on a live feed is current; when the feed is not live it ages out', () => {
    const ts = newScheduler();
    ts.run(({ cold, hot, expectObservable }) => {
      // kalshi book received at 1 and quiet since; poly updates at 50 and 60 (skew 49+, kalshi age > 20)
      const src = cold('-k 48ms p 9ms p|', { k: book('kalshi', 1), p: book('polymarket', 50, { tsReceived: 50 }) });
      type F = { venue: Book['venue']; state: string };
      const kalshiOnly = hot<F>('l', { l: { venue: 'kalshi', state: 'live' } });
      const both = cold<F>('(ab)', { a: { venue: 'kalshi', state: 'live' }, b: { venue: 'polymarket', state: 'live' } });
      expectObservable(src.pipe(alignByTime({ pairs$: of([pair]), feedStatus$: both, maxSkewMs: 10, maxAgeMs: 20, scheduler: ts }))).toBe('- 49ms x 9ms x|', {
        x: expect.objectContaining({ pairId: 'p1', skewMs: 49 }),
      });
      // only kalshi live: the skew check still applies (poly's feed is not known live)
      expectObservable(src.pipe(alignByTime({ pairs$: of([pair]), feedStatus$: kalshiOnly, maxSkewMs: 10, maxAgeMs: 100, scheduler: ts }))).toBe('- 49ms - 9ms -|');
      // kalshi goes stale at 30: its book ages by receive time again
      const staleLater = cold<F>('(ab) 26ms c', { a: { venue: 'kalshi', state: 'live' }, b: { venue: 'polymarket', state: 'live' }, c: { venue: 'kalshi', state: 'stale' } });
      expectObservable(src.pipe(alignByTime({ pairs$: of([pair]), feedStatus$: staleLater, maxSkewMs: 100, maxAgeMs: 20, scheduler: ts }))).toBe('- 49ms - 9ms -|');
    });
  });
});
