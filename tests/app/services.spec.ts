/**
 * The services beside the live graph (src/app/): they go through the venue seam only, so fakes
 * of VenueFeed/VenueRest drive them here. Market subscriptions look each leg's market up once per
 * venue, load and store its fees, subscribe the leg's feed, and retry markets a venue did not
 * know; fee updates and lifecycle messages of every feed are applied.
 */
import { describe, expect, it, vi } from 'vitest';
import { BehaviorSubject, Subject } from 'rxjs';
import type pg from 'pg';
import type { Pair } from '../../schema/pair.js';
import type { Venue } from '../../schema/venue.js';
import { FeeBook } from '../../src/fees/schedule.js';
import { legMarkets, startMarketSubscriptions } from '../../src/app/marketSubscriptions.js';
import { startFeeRefresh } from '../../src/app/feeRefresh.js';
import { followLifecycle } from '../../src/app/lifecycle.js';
import type { FeedMarket, FeeUpdate, LifecycleEvent, MarketMeta, VenueFeed, VenueRest } from '../../src/venues/venue.js';

const pair = (pairId: string, a: [Venue, string], b: [Venue, string]): Pair => ({
  pairId, legs: [{ venue: a[0], marketId: a[1] }, { venue: b[0], marketId: b[1] }], yesMapsToNo: false, status: 'approved',
  confidence: 1, humanReviewed: true, resolutionTs: 2_000_000_000_000, reasons: [], source: 'file',
});

function fakeVenue(venue: Venue, knownIds: readonly string[]) {
  const subscribed: FeedMarket[] = [];
  const lookedUp: string[][] = [];
  const refreshed: { ids: string[]; scheduled: boolean | undefined }[] = [];
  const known = new Set(knownIds);
  const rest: Pick<VenueRest, 'marketMeta' | 'refreshFees'> = {
    marketMeta: async (ids) => {
      lookedUp.push([...ids]);
      return ids.filter((id) => known.has(id)).map((marketId): MarketMeta => ({ venue, marketId, feedRef: { t: `${marketId}-tok` }, ref: { marketId }, raw: {} }));
    },
    refreshFees: async (_fb, markets, o) => {
      refreshed.push({ ids: markets.map((m) => m.marketId), scheduled: o?.scheduled });
      return { markets: markets.length, scopes: 0, errors: 0 };
    },
  };
  const feed: Pick<VenueFeed, 'subscribe'> = { subscribe: (ms) => void subscribed.push(...ms) };
  return { rest, feed, subscribed, lookedUp, refreshed, known };
}

describe('legMarkets', () => {
  it('groups the pairs\' legs by venue, each market once, skipping known ones', () => {
    const pairs = [pair('p1', ['polymarket', 'A'], ['kalshi', 'K1']), pair('p2', ['polymarket', 'A'], ['kalshi', 'K2']), pair('p3', ['kalshi', 'K3'], ['polymarket', 'B'])];
    expect(legMarkets(pairs)).toEqual(new Map([['polymarket', ['A', 'B']], ['kalshi', ['K1', 'K2', 'K3']]]));
    expect(legMarkets(pairs, (v, id) => v === 'kalshi' && id !== 'K3')).toEqual(new Map([['polymarket', ['A', 'B']], ['kalshi', ['K3']]]));
  });
});

describe('startMarketSubscriptions', () => {
  it('looks legs up by venue, loads and stores fees, subscribes; known markets are not looked up again; unknown ones are retried', async () => {
    const poly = fakeVenue('polymarket', ['A']);
    const kalshi = fakeVenue('kalshi', ['K1', 'K2']);
    const query = vi.fn(async () => ({ rows: [] }));
    const pairs$ = new BehaviorSubject<readonly Pair[]>([pair('p1', ['polymarket', 'A'], ['kalshi', 'K1']), pair('p2', ['kalshi', 'K2'], ['polymarket', 'B'])]);
    const subs = startMarketSubscriptions({
      pairs$, feeBook: FeeBook.withDefaults(), pool: { query } as unknown as Pick<pg.Pool, 'query'>,
      feeds: { polymarket: poly.feed, kalshi: kalshi.feed }, rests: { polymarket: poly.rest, kalshi: kalshi.rest },
    });
    await subs.settled();
    expect(poly.lookedUp).toEqual([['A', 'B']]);
    expect(kalshi.lookedUp).toEqual([['K1', 'K2']]);
    expect(poly.subscribed.map((m) => [m.marketId, m.feedRef])).toEqual([['A', { t: 'A-tok' }]]);
    expect(kalshi.subscribed.map((m) => m.marketId)).toEqual(['K1', 'K2']);
    // new markets' fees with their scheduled changes, then stored
    expect(poly.refreshed).toEqual([{ ids: ['A'], scheduled: true }]);
    expect(kalshi.refreshed).toEqual([{ ids: ['K1', 'K2'], scheduled: true }]);
    expect(query).toHaveBeenCalled();
    expect(query.mock.calls.every((c) => String((c as unknown[])[0]).includes('INSERT INTO fee_schedules'))).toBe(true);

    // B appears on the venue later: the next pairs update looks up only B and subscribes it
    poly.known.add('B');
    pairs$.next([...pairs$.value]);
    await subs.settled();
    expect(poly.lookedUp).toEqual([['A', 'B'], ['B']]);
    expect(kalshi.lookedUp).toEqual([['K1', 'K2']]);
    expect(poly.subscribed.map((m) => m.marketId)).toEqual(['A', 'B']);
    expect(subs.feeSources().map((s) => [s.venue, s.markets.map((m) => m.marketId)])).toEqual([['polymarket', ['A', 'B']], ['kalshi', ['K1', 'K2']]]);
    await subs.stop();
  });

  it('a failed update is logged and retried with the next pairs update', async () => {
    const kalshi = fakeVenue('kalshi', ['K1']);
    const poly = fakeVenue('polymarket', ['A']);
    let fail = true;
    const rest = { ...poly.rest, marketMeta: async (ids: readonly string[]) => (fail ? Promise.reject(new Error('venue down')) : poly.rest.marketMeta(ids)) };
    const pairs$ = new BehaviorSubject<readonly Pair[]>([pair('p1', ['polymarket', 'A'], ['kalshi', 'K1'])]);
    const subs = startMarketSubscriptions({
      pairs$, feeBook: FeeBook.withDefaults(), pool: { query: async () => ({ rows: [] }) } as unknown as Pick<pg.Pool, 'query'>,
      feeds: { polymarket: poly.feed, kalshi: kalshi.feed }, rests: { polymarket: rest, kalshi: kalshi.rest },
    });
    await subs.settled();
    expect(poly.subscribed).toEqual([]);
    fail = false;
    pairs$.next([...pairs$.value]);
    await subs.settled();
    expect(poly.subscribed.map((m) => m.marketId)).toEqual(['A']);
    await subs.stop();
  });
});

describe('startFeeRefresh and followLifecycle', () => {
  it('applies every feed\'s fee updates as they arrive', () => {
    const a = new Subject<FeeUpdate>();
    const b = new Subject<FeeUpdate>();
    const feeBook = FeeBook.withDefaults();
    const applied: string[] = [];
    const r = startFeeRefresh({ feeBook, pool: { query: async () => ({ rows: [] }) } as unknown as Pick<pg.Pool, 'query'>, feeds: [{ feeUpdates$: a }, { feeUpdates$: b }], sources: () => [], everyMs: 3_600_000 });
    a.next({ venue: 'kalshi', tsReceived: 1, apply: (fb) => (applied.push('a'), fb === feeBook) });
    b.next({ venue: 'polymarket', tsReceived: 2, apply: () => (applied.push('b'), true) });
    r.stop();
    a.next({ venue: 'kalshi', tsReceived: 3, apply: () => (applied.push('late'), true) });
    expect(applied).toEqual(['a', 'b']);
  });

  it('stores every feed\'s lifecycle events; a failed write does not stop the stream', async () => {
    const a = new Subject<LifecycleEvent>();
    const stored: string[] = [];
    const pool = {} as pg.Pool;
    const sub = followLifecycle([{ lifecycle$: a }], pool);
    const ev = (marketId: string, ok: boolean): LifecycleEvent => ({
      venue: 'kalshi', marketId, event: 'determined',
      store: async (p) => {
        expect(p).toBe(pool);
        stored.push(marketId);
        if (!ok) throw new Error('db down');
        return { applied: true, changed: false };
      },
    });
    a.next(ev('K1', false));
    a.next(ev('K2', true));
    await new Promise((r) => setTimeout(r, 10));
    expect(stored).toEqual(['K1', 'K2']);
    sub.unsubscribe();
  });
});
