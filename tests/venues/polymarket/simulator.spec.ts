import { lastValueFrom, from, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { BookEvent } from '../../../schema/book.js';
import type { RawFrame } from '../../../src/venues/common/types.js';
import { mulberry32 } from '../../../src/venues/common/prng.js';
import { buildContext, polyBookEvents } from '../../../src/venues/polymarket/normalize.js';
import { toMarketInfo } from '../../../src/venues/polymarket/rest.js';
import { MarketBook, generateLadders, walkStep } from '../../../src/venues/polymarket/simulator/book.js';
import { startPolymarketSimulator, type PolySim } from '../../../src/venues/polymarket/simulator.js';
import { PolymarketFeed } from '../../../src/venues/polymarket/socket.js';

async function until(cond: () => boolean, what: string, ms = 8000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sims: PolySim[] = [];
const feeds: PolymarketFeed[] = [];
afterEach(async () => {
  for (const f of feeds.splice(0)) f.close();
  for (const s of sims.splice(0)) await s.stop();
});

describe('polymarket simulator', () => {
  it('is deterministic for a seed', async () => {
    const base = Date.UTC(2026, 5, 1);
    const a = await startPolymarketSimulator({ seed: 42, marketCount: 4, baseTimeMs: base });
    const b = await startPolymarketSimulator({ seed: 42, marketCount: 4, baseTimeMs: base });
    sims.push(a, b);
    expect(b.markets).toEqual(a.markets);
    expect(a.markets.map((m) => b.book(m.conditionId))).toEqual(a.markets.map((m) => a.book(m.conditionId)));
    for (const m of a.markets) {
      expect(m.conditionId).toMatch(/^0x[0-9a-f]{64}$/);
      expect(m.yesTokenId).toMatch(/^\d{77}$/);
      expect(m.description.length).toBeGreaterThan(100);
    }
  });

  it('random walk keeps YES uncrossed and NO the exact mirror of YES (property over many steps)', () => {
    const rng = mulberry32(9);
    const book = new MarketBook(generateLadders(rng));
    for (let i = 0; i < 1500; i++) {
      walkStep(book, rng);
      const l = book.ladders();
      if (l.yesBid[0] && l.yesAsk[0]) expect(l.yesBid[0].price).toBeLessThan(l.yesAsk[0].price);
      expect(l.noBid).toEqual(l.yesAsk.map((x) => ({ price: 1_000_000 - x.price, qty: x.qty })));
      expect(l.noAsk).toEqual(l.yesBid.map((x) => ({ price: 1_000_000 - x.price, qty: x.qty })));
      for (const x of [...l.yesBid, ...l.yesAsk]) expect(x.price > 0 && x.price < 1_000_000 && x.qty > 0).toBe(true);
    }
  });

  it('serves Gamma markets our REST parser accepts', async () => {
    const sim = await startPolymarketSimulator({ seed: 5, marketCount: 3 });
    sims.push(sim);
    const res = await fetch(`${sim.restUrl}/markets?limit=10`);
    const body = (await res.json()) as unknown[];
    expect(body.map((m) => toMarketInfo(m).conditionId)).toEqual(sim.markets.map((m) => m.conditionId));
    expect(typeof (body[0] as { outcomes: unknown }).outcomes).toBe('string'); // JSON-encoded, like Gamma
  });

  it('recorded frames replay through the same normalizer into the same book events', async () => {
    const sim = await startPolymarketSimulator({ seed: 8, marketCount: 2 });
    sims.push(sim);
    const feed = new PolymarketFeed({ url: sim.wsUrl });
    feeds.push(feed);
    const live: BookEvent[] = [];
    const frames: RawFrame[] = [];
    feed.frames$.subscribe((f) => frames.push(f));
    feed.books$.subscribe((e) => live.push(e));
    const refs = sim.markets.map((m) => ({ conditionId: m.conditionId, yesTokenId: m.yesTokenId, noTokenId: m.noTokenId }));
    feed.subscribe(refs);
    await until(() => live.filter((e) => e.kind === 'snapshot').length >= 4, 'snapshots');
    sim.burst(50);
    await until(() => live.filter((e) => e.kind === 'delta').length >= 50, 'deltas');
    const replayed = await lastValueFrom(from(frames).pipe(polyBookEvents(buildContext(refs)), toArray()));
    expect(replayed).toEqual(live);
  });

  it('replay() sends recorded frames verbatim', async () => {
    const sim = await startPolymarketSimulator({ seed: 8, marketCount: 1 });
    sims.push(sim);
    const feed = new PolymarketFeed({ url: sim.wsUrl });
    feeds.push(feed);
    const got: string[] = [];
    feed.frames$.subscribe((f) => got.push(f.data));
    const m = sim.markets[0]!;
    feed.subscribe([{ conditionId: m.conditionId, yesTokenId: m.yesTokenId, noTokenId: m.noTokenId }]);
    await until(() => got.length >= 1, 'books');
    const recorded = ['{"event_type":"last_trade_price","asset_id":"1","market":"0x1","price":"0.5","side":"BUY","size":"1","timestamp":"1"}', 'PONG'];
    await sim.replay(recorded);
    await until(() => got.length >= 3, 'replayed frames');
    expect(got.slice(-2)).toEqual(recorded);
  });
});
