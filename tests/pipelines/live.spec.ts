/**
 * runLive is wiring only and goes through the registry: one feed per registered venue (exposed
 * by venue id), each pair leg's market looked up on its own venue, its fees loaded and stored,
 * its feed subscribed; books of both legs flow into the graph. Runs against the venues'
 * simulators with a stand-in pool (no database needed: the persister is off).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BehaviorSubject, type Subscription } from 'rxjs';
import type { Pool } from 'pg';
import type { Book } from '../../schema/book.js';
import type { Pair } from '../../schema/pair.js';
import { VENUE_IDS } from '../../schema/venue.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createStreamLog } from '../../src/store/streams/index.js';
import type { StreamLog } from '../../src/store/streams/types.js';
import { venueList } from '../../src/venues/registry.js';
import type { VenueSimulator } from '../../src/venues/venue.js';
import { runLive, type LiveFeeds, type LiveHandle } from '../../pipelines/live.js';

const sims: VenueSimulator[] = [];
const queries: string[] = [];
const pool = { query: async (text: string) => (queries.push(text), { rows: [], rowCount: 0 }) } as unknown as Pool;
const books: Book[] = [];
const subs: Subscription[] = [];
let feedsSeen: LiveFeeds | undefined;
let live: LiveHandle;
let streamLog: StreamLog;
let pair: Pair;

beforeAll(async () => {
  let config: Config = loadConfig({ LOG_LEVEL: 'silent' });
  for (const v of venueList) {
    const sim = await v.simulator.start({ seed: 4, marketCount: 2 });
    sims.push(sim);
    config = sim.configure(config);
  }
  const [a, b] = await Promise.all(venueList.slice(0, 2).map(async (v) => (await v.rest(config).listMarkets())[0]!));
  pair = {
    pairId: 'live-spec', legs: [{ venue: a!.venue, marketId: a!.marketId }, { venue: b!.venue, marketId: b!.marketId }],
    yesMapsToNo: false, status: 'approved', confidence: 1, humanReviewed: true, resolutionTs: Date.now() + 30 * 86_400_000, reasons: [], source: 'manual',
  };
  streamLog = createStreamLog(config.redis);
  live = await runLive({
    config, pool, streamLog, pairs$: new BehaviorSubject<readonly Pair[]>([pair]), persister: false,
    onOutputs: (out, feeds) => {
      feedsSeen = feeds;
      subs.push(out.books$.subscribe((bk) => books.push(bk)));
    },
  });
  const end = Date.now() + 15_000;
  while (!pair.legs.every((l) => books.some((bk) => bk.venue === l.venue && bk.marketId === l.marketId))) {
    if (Date.now() > end) throw new Error('no books of both legs');
    await new Promise((r) => setTimeout(r, 25));
  }
}, 60_000);

afterAll(async () => {
  subs.forEach((s) => s.unsubscribe());
  await live?.stop();
  await streamLog?.close();
  await Promise.allSettled(sims.map((s) => s.stop()));
});

describe('runLive through the venue registry', () => {
  it('exposes one feed per registered venue, by id, to onOutputs and on the handle', () => {
    expect(Object.keys(live.feeds).sort()).toEqual([...VENUE_IDS].sort());
    expect(feedsSeen).toBe(live.feeds);
    for (const id of VENUE_IDS) expect(live.feeds[id].venue).toBe(id);
  });

  it('subscribes each leg on its own venue and keeps what a recording needs', () => {
    const subscribed = live.subscribedMarkets();
    expect(subscribed.map((m) => [m.venue, m.marketId]).sort()).toEqual(pair.legs.map((l) => [l.venue, l.marketId]).sort());
    for (const l of pair.legs) expect(live.feeds[l.venue].counters.messages).toBeGreaterThan(0);
  });

  it('loads the legs\' fee schedules and stores them', () => {
    for (const l of pair.legs) expect(live.feeBook.feeScheduleAt(l.venue, l.marketId, Date.now())).toBeDefined();
    expect(queries.some((q) => q.includes('INSERT INTO fee_schedules'))).toBe(true);
  });
});
