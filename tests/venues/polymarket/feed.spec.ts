/**
 * PolymarketFeed against the Polymarket simulator (both on 127.0.0.1, started by the test).
 * No timing assertions: every wait is "until this happens" with a generous deadline.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BookEvent, Ladder, Level } from '../../../schema/book.js';
import type { FeedState, FeedStatus } from '../../../src/venues/common/types.js';
import { PolymarketFeed } from '../../../src/venues/polymarket/socket.js';
import { generateMarkets, mirrorLadders, startPolymarketSimulator, type PolySim, type PolySimLadders } from '../../../src/venues/polymarket/simulator.js';
import { mulberry32 } from '../../../src/venues/common/prng.js';
import type { PolyMarketRef } from '../../../src/venues/polymarket/normalize.js';

const LADDERS: Ladder[] = ['yesBid', 'yesAsk', 'noBid', 'noAsk'];

/** A minimal fold of BookEvents (the real one is operators/orderBook.ts): enough to compare with the simulator. */
class Folded {
  readonly books = new Map<string, Record<Ladder, Map<number, number>>>();
  apply(e: BookEvent): void {
    if (e.kind === 'reset') {
      this.books.delete(e.marketId);
      return;
    }
    const b = this.books.get(e.marketId) ?? { yesBid: new Map(), yesAsk: new Map(), noBid: new Map(), noAsk: new Map() };
    this.books.set(e.marketId, b);
    if (e.kind === 'snapshot') {
      for (const l of LADDERS) {
        const lv = e.ladders[l];
        if (lv) b[l] = new Map(lv.map((x) => [x.price, x.qty]));
      }
    } else {
      for (const c of e.changes) {
        expect(c.mode).toBe('set');
        if (c.qty === 0) b[c.ladder].delete(c.price);
        else b[c.ladder].set(c.price, c.qty);
      }
    }
  }
  ladders(cid: string): PolySimLadders | undefined {
    const b = this.books.get(cid);
    if (!b) return undefined;
    const sorted = (m: Map<number, number>, bids: boolean): Level[] =>
      [...m].map(([price, qty]) => ({ price, qty })).sort((x, y) => (bids ? y.price - x.price : x.price - y.price));
    return { yesBid: sorted(b.yesBid, true), yesAsk: sorted(b.yesAsk, false), noBid: sorted(b.noBid, true), noAsk: sorted(b.noAsk, false) };
  }
}

async function until(cond: () => boolean, what: string, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const refs = (sim: PolySim): PolyMarketRef[] => sim.markets.map((m) => ({ conditionId: m.conditionId, yesTokenId: m.yesTokenId, noTokenId: m.noTokenId }));

interface Harness {
  sim: PolySim;
  feed: PolymarketFeed;
  events: BookEvent[];
  states: FeedState[];
  statuses: FeedStatus[];
  fold: Folded;
}
let h: Harness | undefined;
afterEach(async () => {
  h?.feed.close();
  await h?.sim.stop();
  h = undefined;
});

async function setup(simOpts: Parameters<typeof startPolymarketSimulator>[0] = {}, feedOpts: ConstructorParameters<typeof PolymarketFeed>[0] = {}): Promise<Harness> {
  const sim = await startPolymarketSimulator({ seed: 7, marketCount: 3, ...simOpts });
  const feed = new PolymarketFeed({ url: sim.wsUrl, idleTimeoutMs: 1000, backoff: { baseMs: 20, maxMs: 200, stableMs: 60_000 }, ...feedOpts });
  const events: BookEvent[] = [];
  const states: FeedState[] = [];
  const statuses: FeedStatus[] = [];
  const fold = new Folded();
  feed.books$.subscribe((e) => {
    events.push(e);
    fold.apply(e);
  });
  feed.status$.subscribe((s) => {
    states.push(s.state);
    statuses.push(s);
  });
  h = { sim, feed, events, states, statuses, fold };
  return h;
}

const snapshotsOf = (events: readonly BookEvent[], cid: string, from = 0): BookEvent[] => events.slice(from).filter((e) => e.kind === 'snapshot' && e.marketId === cid);
const hasBothSides = (events: readonly BookEvent[], cid: string, from = 0): boolean => {
  const s = snapshotsOf(events, cid, from);
  return s.some((e) => e.kind === 'snapshot' && e.ladders.yesBid !== undefined) && s.some((e) => e.kind === 'snapshot' && e.ladders.noBid !== undefined);
};

describe('PolymarketFeed against the simulator', () => {
  it('subscribe → snapshots of both tokens arrive and equal the simulator books', async () => {
    const { sim, feed, events, fold } = await setup();
    const [a, b] = refs(sim);
    feed.subscribe([a!, b!]);
    await until(() => hasBothSides(events, a!.conditionId) && hasBothSides(events, b!.conditionId), 'snapshots');
    expect(fold.ladders(a!.conditionId)).toEqual(sim.book(a!.conditionId));
    expect(fold.ladders(b!.conditionId)).toEqual(sim.book(b!.conditionId));
    for (const e of events) {
      expect(e.venue).toBe('polymarket');
      expect(e.tsReceived).toBeGreaterThan(0);
      expect(e.tsVenue).toBeGreaterThan(0);
    }
    expect(sim.subscribedAssets()).toEqual(new Set([a!.yesTokenId, a!.noTokenId, b!.yesTokenId, b!.noTokenId]));
  });

  it('random-walk deltas keep the folded book equal to the simulator book', async () => {
    const { sim, feed, events, fold } = await setup();
    const all = refs(sim);
    feed.subscribe(all);
    await until(() => all.every((m) => hasBothSides(events, m.conditionId)), 'snapshots');
    const before = events.length;
    sim.burst(200);
    await until(() => events.slice(before).filter((e) => e.kind === 'delta').length >= 200, '200 deltas');
    for (const m of all) expect(fold.ladders(m.conditionId)).toEqual(sim.book(m.conditionId));
    // YES/NO consistency of the simulated book: NO bids are 1 − YES asks
    const bk = sim.book(all[0]!.conditionId);
    expect(bk.noBid.map((l) => 1_000_000 - l.price)).toEqual(bk.yesAsk.map((l) => l.price));
    expect(feed.counters.decodeErrors).toBe(0);
  });

  it('dynamic subscribe adds a market on the open connection', async () => {
    const { sim, feed, events } = await setup();
    const [a, b] = refs(sim);
    feed.subscribe([a!]);
    await until(() => hasBothSides(events, a!.conditionId), 'first market');
    feed.subscribe([b!]);
    await until(() => hasBothSides(events, b!.conditionId), 'second market');
    expect(sim.stats.connectionsTotal).toBe(1);
    expect(feed.counters.reconnects).toBe(0);
  });

  it('dropConnections → resets, reconnect, every subscription restored, fresh snapshots', async () => {
    const { sim, feed, events, fold } = await setup();
    const all = refs(sim);
    feed.subscribe(all.slice(0, 2));
    await until(() => all.slice(0, 2).every((m) => hasBothSides(events, m.conditionId)), 'snapshots');
    feed.subscribe([all[2]!]); // added dynamically: must be restored too
    await until(() => hasBothSides(events, all[2]!.conditionId), 'third market');
    const mark = events.length;
    sim.dropConnections();
    await until(() => all.every((m) => hasBothSides(events, m.conditionId, mark)), 'fresh snapshots after reconnect');
    const resets = events.slice(mark).filter((e) => e.kind === 'reset');
    expect(new Set(resets.map((e) => e.marketId))).toEqual(new Set(all.map((m) => m.conditionId)));
    expect(sim.subscribedAssets()).toEqual(new Set(all.flatMap((m) => [m.yesTokenId, m.noTokenId])));
    expect(sim.stats.connectionsTotal).toBe(2);
    for (const m of all) expect(fold.ladders(m.conditionId)).toEqual(sim.book(m.conditionId));
  });

  it('stall → status goes stale/reconnecting and recovers to live with fresh snapshots', async () => {
    const { sim, feed, events, states } = await setup({}, { idleTimeoutMs: 400 });
    const [a] = refs(sim);
    feed.subscribe([a!]);
    await until(() => hasBothSides(events, a!.conditionId) && states.at(-1) === 'live', 'live');
    const mark = events.length;
    const sMark = states.length;
    sim.stall(1200);
    await until(() => states.slice(sMark).some((s) => s === 'stale' || s === 'reconnecting'), 'stale');
    await until(() => states.at(-1) === 'live' && hasBothSides(events, a!.conditionId, mark), 'recovered', 10_000);
    expect(events.slice(mark).some((e) => e.kind === 'reset')).toBe(true);
  });

  it('malformed, truncated and unknown frames are counted; the feed keeps going and resyncs', async () => {
    const { sim, feed, events, fold } = await setup({ marketCount: 1 });
    const [a] = refs(sim);
    feed.subscribe([a!]);
    await until(() => hasBothSides(events, a!.conditionId), 'snapshots');
    const mark = events.length;
    sim.sendMalformed();
    sim.sendTruncated();
    sim.sendUnknownType();
    await until(() => feed.counters.decodeErrors >= 2 && feed.counters.unknownTypes >= 1, 'counted');
    // the malformed price_change names a known market: it is reset and resubscribed
    await until(() => hasBothSides(events, a!.conditionId, mark), 'resync snapshots');
    expect(events.slice(mark).some((e) => e.kind === 'reset' && e.marketId === a!.conditionId)).toBe(true);
    expect(feed.counters.resyncs).toBeGreaterThanOrEqual(1);
    const mark2 = events.length;
    sim.burst(20);
    await until(() => events.slice(mark2).filter((e) => e.kind === 'delta').length >= 20, 'deltas after faults');
    expect(fold.ladders(a!.conditionId)).toEqual(sim.book(a!.conditionId));
    expect(feed.counters.decodeErrors).toBe(2);
    expect(feed.counters.unknownTypes).toBe(1);
  });

  it('tick_size_change → reset, gated, resubscribed, consistent again', async () => {
    const { sim, feed, events, fold } = await setup({ marketCount: 1 });
    const [a] = refs(sim);
    feed.subscribe([a!]);
    await until(() => hasBothSides(events, a!.conditionId), 'snapshots');
    const mark = events.length;
    sim.tickSizeChange(a!.conditionId);
    await until(() => hasBothSides(events, a!.conditionId, mark), 'fresh snapshots');
    expect(events[mark]).toEqual(expect.objectContaining({ kind: 'reset', marketId: a!.conditionId }));
    sim.burst(30);
    await until(() => events.slice(mark).filter((e) => e.kind === 'delta').length >= 30, 'deltas');
    expect(fold.ladders(a!.conditionId)).toEqual(sim.book(a!.conditionId));
  });

  it('setBook pushes a planted snapshot', async () => {
    const { sim, feed, events, fold } = await setup({ marketCount: 2 });
    const [a] = refs(sim);
    feed.subscribe([a!]);
    await until(() => hasBothSides(events, a!.conditionId), 'snapshots');
    const planted: PolySimLadders = {
      yesBid: [{ price: 420_000, qty: 100_000_000 }],
      yesAsk: [{ price: 450_000, qty: 50_000_000 }],
      noBid: [{ price: 550_000, qty: 50_000_000 }],
      noAsk: [{ price: 580_000, qty: 100_000_000 }],
    };
    const mark = events.length;
    sim.setBook(a!.conditionId, planted);
    await until(() => hasBothSides(events, a!.conditionId, mark), 'planted snapshots');
    expect(fold.ladders(a!.conditionId)).toEqual(planted);
  });

  it('a frozen market keeps its planted book through the random walk', async () => {
    const planted: PolySimLadders = mirrorLadders([{ price: 300_000, qty: 10_000_000 }], [{ price: 320_000, qty: 20_000_000 }]);
    const specs = generateMarkets(mulberry32(3), 2, Date.UTC(2026, 0, 1));
    const { sim, feed, events, fold } = await setup({ markets: [{ ...specs[0]!, frozen: true, book: planted }, specs[1]!] });
    feed.subscribe(refs(sim));
    await until(() => refs(sim).every((m) => hasBothSides(events, m.conditionId)), 'snapshots');
    const mark = events.length;
    sim.burst(30);
    await until(() => events.slice(mark).filter((e) => e.kind === 'delta').length >= 30, 'deltas');
    expect(events.slice(mark).every((e) => e.marketId === specs[1]!.conditionId)).toBe(true);
    expect(sim.book(specs[0]!.conditionId)).toEqual(planted);
    expect(fold.ladders(specs[0]!.conditionId)).toEqual(planted);
    expect(fold.ladders(specs[1]!.conditionId)).toEqual(sim.book(specs[1]!.conditionId));
  });

  it('unsubscribe resets the market and stops its updates', async () => {
    const { sim, feed, events } = await setup({ marketCount: 1 });
    const [a] = refs(sim);
    feed.subscribe([a!]);
    await until(() => hasBothSides(events, a!.conditionId), 'snapshots');
    feed.unsubscribe([a!.conditionId]);
    expect(events.at(-1)).toEqual(expect.objectContaining({ kind: 'reset', marketId: a!.conditionId, reason: 'unsubscribed' }));
    await until(() => sim.subscribedAssets().size === 0, 'server-side unsubscribe');
    expect(feed.subscribed()).toEqual([]);
  });

  it('shards over several connections at maxAssetsPerConnection', async () => {
    const { sim, feed, events } = await setup({ marketCount: 3 }, { maxAssetsPerConnection: 2 });
    const all = refs(sim);
    feed.subscribe(all);
    await until(() => all.every((m) => hasBothSides(events, m.conditionId)), 'snapshots on every shard');
    expect(feed.counters.shards).toBe(3);
    expect(sim.stats.connectionsOpen).toBe(3);
  });

  it('answers PING heartbeats with PONG (counted)', async () => {
    const { sim, feed, events } = await setup({ marketCount: 1 }, { heartbeatMs: 50 });
    const [a] = refs(sim);
    feed.subscribe([a!]);
    await until(() => hasBothSides(events, a!.conditionId) && feed.counters.pongs >= 2, 'pongs');
    expect(sim.stats.pingsAnswered).toBeGreaterThanOrEqual(2);
    expect(feed.counters.decodeErrors).toBe(0);
  });
});
