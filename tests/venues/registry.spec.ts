/**
 * The venue seam: the registry holds every venue id once, and every registered venue keeps the
 * VenueModule contract against its own simulator: discovery gives valid MarketRecords, metadata
 * lookup leaves unknown markets out, fees load, the feed delivers books, and the recorded frames
 * decode through `replay.bookEvents` to the same snapshots the live feed emitted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { firstValueFrom, from, filter, toArray, type Subscription } from 'rxjs';
import { VENUE_IDS } from '../../schema/venue.js';
import type { BookEvent } from '../../schema/book.js';
import { loadConfig } from '../../src/config.js';
import { NonRetryableError } from '../../src/errors.js';
import { FeeBook } from '../../src/fees/schedule.js';
import type { RawFrame } from '../../src/venues/common/types.js';
import { legVenues, perVenue, venueList, venueOf, venues } from '../../src/venues/registry.js';
import type { VenueFeed, VenueSimulator } from '../../src/venues/venue.js';

describe('venue registry', () => {
  it('registers every venue id once, under its own id', () => {
    expect(Object.keys(venues).sort()).toEqual([...VENUE_IDS].sort());
    for (const id of VENUE_IDS) expect(venues[id].id).toBe(id);
    expect(venueList.map((v) => v.id)).toEqual([...VENUE_IDS]);
    expect(Object.isFrozen(venues)).toBe(true);
  });

  it('venueOf names the known venues when the id is not registered', () => {
    expect(venueOf(VENUE_IDS[0]).id).toBe(VENUE_IDS[0]);
    expect(() => venueOf('nasdaq')).toThrow(NonRetryableError);
    expect(() => venueOf('nasdaq')).toThrow(/unknown venue 'nasdaq' \(known: /);
  });

  it('legVenues gives the legs\' modules by position', () => {
    const [a, b] = VENUE_IDS;
    const [ma, mb] = legVenues({ legs: [{ venue: b, marketId: 'x' }, { venue: a, marketId: 'y' }] });
    expect([ma.id, mb.id]).toEqual([b, a]);
  });

  it('perVenue builds one value per venue', () => {
    expect(perVenue((v) => v.name)).toEqual(Object.fromEntries(venueList.map((v) => [v.id, v.name])));
  });

  it('market ids are checked by the venue\'s own format', () => {
    expect(venues.polymarket.marketId.safeParse('0x' + 'ab'.repeat(32)).success).toBe(true);
    expect(venues.polymarket.marketId.safeParse('KXFED-26DEC').success).toBe(false);
    expect(venues.kalshi.marketId.safeParse('KXFED-26DEC-T4.25').success).toBe(true);
    expect(venues.kalshi.marketId.safeParse('not a ticker').success).toBe(false);
  });

  it('market links open the venue\'s web app', () => {
    expect(venues.kalshi.marketUrl('KXFED-26DEC-T4.25')).toBe('https://kalshi.com/markets/kxfed');
    expect(venues.kalshi.marketUrl('KXFED-26DEC-T4.25', { seriesId: 'KXFEDX' })).toBe('https://kalshi.com/markets/kxfedx');
    expect(venues.polymarket.marketUrl('0x' + 'ab'.repeat(32), { slug: 'fed-cut-december' })).toBe('https://polymarket.com/market/fed-cut-december');
    for (const v of venueList) expect(new URL(v.marketUrl('ID-1')).protocol).toBe('https:');
  });
});

const until = async (what: string, fn: () => boolean, ms = 10_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe.each(venueList.map((v) => [v.id, v] as const))('%s keeps the VenueModule contract against its simulator', (_id, venue) => {
  let sim: VenueSimulator | undefined;
  let feed: VenueFeed | undefined;
  const subs: Subscription[] = [];
  afterEach(async () => {
    subs.forEach((s) => s.unsubscribe());
    feed?.close();
    await sim?.stop();
  });

  it('discovery, metadata, fees, feed and replay', async () => {
    sim = await venue.simulator.start({ seed: 5, marketCount: 3 });
    const config = sim.configure(loadConfig({ LOG_LEVEL: 'silent' }));
    const rest = venue.rest(config);

    const records = await rest.listMarkets();
    expect(records.length).toBeGreaterThan(0);
    for (const r of records) {
      expect(r.venue).toBe(venue.id);
      expect(venue.marketId.safeParse(r.marketId).success, r.marketId).toBe(true);
    }

    const id = records[0]!.marketId;
    const metas = await rest.marketMeta([id, `${id}9`]);
    expect(metas.map((m) => [m.venue, m.marketId])).toEqual([[venue.id, id]]);

    const feeBook = FeeBook.withDefaults();
    const stats = await rest.refreshFees(feeBook, metas, { scheduled: true });
    expect(stats.errors).toBe(0);
    expect(stats.markets).toBe(1);
    expect(feeBook.feeScheduleAt(venue.id, id, Date.now())).toBeDefined();

    feed = venue.feed(config);
    const frames: RawFrame[] = [];
    const live: BookEvent[] = [];
    subs.push(feed.frames$.subscribe((f) => frames.push(f)));
    subs.push(feed.books$.subscribe((e) => live.push(e)));
    feed.subscribe(metas);
    await until('a snapshot of the subscribed market', () => live.some((e) => e.kind === 'snapshot' && e.marketId === id));
    expect(feed.counters.decodeErrors).toBe(0);
    expect(feed.counters.messages).toBeGreaterThan(0);
    feed.close();

    const snapshots = (evs: readonly BookEvent[]) => evs.filter((e) => e.kind === 'snapshot');
    const replayed = await firstValueFrom(from(frames).pipe(filter((f) => f.venue === venue.id), venue.replay.bookEvents(metas), toArray()));
    expect(snapshots(replayed).length).toBeGreaterThan(0);
    expect(snapshots(replayed)).toEqual(snapshots(live));
  });

  it('the simulator takes books and points the config and the environment at itself', async () => {
    sim = await venue.simulator.start({ seed: 6, marketCount: 2 });
    const config = sim.configure(loadConfig({ LOG_LEVEL: 'silent' }));
    expect(JSON.stringify(config.venues)).toContain(sim.wsUrl);
    const dir = mkdtempSync(path.join(tmpdir(), 'arbstream-sim-env-'));
    const env = sim.env(dir);
    expect(Object.values(env)).toContain(sim.wsUrl);
    rmSync(dir, { recursive: true, force: true });
    const [m] = await venue.rest(config).listMarkets();
    const lv = (price: number) => [{ price, qty: 10_000_000 }];
    expect(() => sim!.setBook(m!.marketId, { yesBid: lv(400_000), yesAsk: lv(420_000), noBid: lv(580_000), noAsk: lv(600_000) })).not.toThrow();
  });
});
