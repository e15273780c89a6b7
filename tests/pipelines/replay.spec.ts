/**
 * replay.ts goes through the registry: frames recorded from every registered venue's feed (here
 * against the venues' simulators) decode through each venue's own `replay.bookEvents` into the
 * same books on virtual time, identically on every run; a venue's frames decode with the recorded
 * subscriptions (`markets`), not with anything wired by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Subscription } from 'rxjs';
import type { Book } from '../../schema/book.js';
import { loadConfig, type Config } from '../../src/config.js';
import { FeeBook } from '../../src/fees/schedule.js';
import type { RawFrame } from '../../src/venues/common/types.js';
import { venueList } from '../../src/venues/registry.js';
import type { FeedMarket, VenueSimulator } from '../../src/venues/venue.js';
import { replayPipeline } from '../../pipelines/replay.js';

const sims: VenueSimulator[] = [];
const frames: RawFrame[] = [];
const markets: FeedMarket[] = [];
let config: Config;

beforeAll(async () => {
  config = loadConfig({ LOG_LEVEL: 'silent' });
  for (const v of venueList) {
    const sim = await v.simulator.start({ seed: 9, marketCount: 2 });
    sims.push(sim);
    config = sim.configure(config);
  }
  const subs: Subscription[] = [];
  const seen = new Set<string>();
  for (const v of venueList) {
    const rest = v.rest(config);
    const [first] = await rest.listMarkets();
    const metas = await rest.marketMeta([first!.marketId]);
    markets.push(...metas.map(({ venue, marketId, feedRef }) => ({ venue, marketId, feedRef })));
    const feed = v.feed(config);
    subs.push(feed.frames$.subscribe((f) => frames.push(f)));
    subs.push(feed.books$.subscribe((e) => e.kind === 'snapshot' && seen.add(e.venue)));
    feed.subscribe(metas);
    const end = Date.now() + 10_000;
    while (!seen.has(v.id)) {
      if (Date.now() > end) throw new Error(`no snapshot from ${v.id}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    feed.close();
  }
  subs.forEach((s) => s.unsubscribe());
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(sims.map((s) => s.stop()));
});

const replayBooks = (ms: readonly FeedMarket[]): Book[] => {
  const r = replayPipeline({ frames, pairs: [], markets: ms, feeBook: FeeBook.withDefaults(), risk: config.risk });
  const out: Book[] = [];
  const s = r.outputs.books$.subscribe((b) => out.push(b));
  r.run();
  s.unsubscribe();
  return out;
};

describe('replayPipeline through the venue registry', () => {
  it('decodes every registered venue\'s recorded frames into books, identically on every run', () => {
    const a = replayBooks(markets);
    for (const m of markets) expect(a.some((b) => b.venue === m.venue && b.marketId === m.marketId), `${m.venue} ${m.marketId}`).toBe(true);
    expect(replayBooks(markets)).toEqual(a);
  });

  it('a venue whose feed needs subscription data decodes nothing without the recorded markets', () => {
    const needy = markets.filter((m) => Object.keys(m.feedRef).length > 0).map((m) => m.venue);
    expect(needy.length).toBeGreaterThan(0);
    const books = replayBooks(markets.filter((m) => !needy.includes(m.venue)));
    expect(books.filter((b) => needy.includes(b.venue))).toEqual([]);
    expect(books.length).toBeGreaterThan(0);
  });
});
