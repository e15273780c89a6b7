/**
 * Shutdown persists every last event: the live pipeline (runLive with the venue simulators, the
 * persister on, real PostgreSQL; the stream log on real Redis and in-process) is stopped, and when
 * stop() resolves the feeds' final 'closed' statuses are in feed_health. They used to be appended
 * after the persister had stopped, and were only written by the next run, if any.
 */
import { BehaviorSubject } from 'rxjs';
import { expect, it } from 'vitest';
import type { Pair } from '../../schema/pair.js';
import { VENUE_IDS } from '../../schema/venue.js';
import { loadConfig, type Config } from '../../src/config.js';
import { FeedRecord } from '../../schema/feed.js';
import { stageStream } from '../../src/store/sinks.js';
import { createStreamLog } from '../../src/store/streams/index.js';
import { venueList } from '../../src/venues/registry.js';
import type { VenueSimulator } from '../../src/venues/venue.js';
import { runLive } from '../../pipelines/live.js';
import { pgTestPool } from '../helpers/db.js';
import { servicesGate } from '../helpers/gates.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from '../helpers/redis.js';

const d = (await servicesGate({ pg: true, redis: true })).describe;

for (const kind of ['redis', 'memory'] as const) {
  d(`live pipeline shutdown (${kind} stream log)`, () => {
    it("every feed's final 'closed' status is in feed_health when stop() resolves", async () => {
      const db = await pgTestPool({ migrate: true });
      const ns = uniquePrefix('shutdown');
      const sims: VenueSimulator[] = [];
      try {
        let config: Config = loadConfig({ LOG_LEVEL: 'silent', STREAM_PREFIX: ns, ...(kind === 'redis' ? { REDIS_URL } : {}) });
        for (const v of venueList) {
          const sim = await v.simulator.start({ seed: 4, marketCount: 2 });
          sims.push(sim);
          config = sim.configure(config);
        }
        const [a, b] = await Promise.all(venueList.slice(0, 2).map(async (v) => (await v.rest(config).listMarkets())[0]!));
        const pair: Pair = {
          pairId: 'shutdown-spec', legs: [{ venue: a!.venue, marketId: a!.marketId }, { venue: b!.venue, marketId: b!.marketId }],
          yesMapsToNo: false, status: 'approved', confidence: 1, humanReviewed: true, resolutionTs: Date.now() + 30 * 86_400_000, reasons: [], source: 'manual',
        };
        const streamLog = createStreamLog(config.redis);
        const live = await runLive({ config, pool: db.pool, streamLog, pairs$: new BehaviorSubject<readonly Pair[]>([pair]), persister: 'persister-shutdown' });
        const feedStream = stageStream('feed', ns);
        const states = async (state: string) =>
          (await db.pool.query<{ venue: string }>('SELECT DISTINCT venue FROM feed_health WHERE state = $1 ORDER BY venue', [state])).rows.map((r) => r.venue);
        /** venues with an entry of `state` in the feed stream so far (read with a group of the test's own) */
        const seen = new Map<string, Set<string>>();
        const logged = async (state: string) => {
          await streamLog.ensureGroup(feedStream, 'check', '0');
          for (const e of await streamLog.readGroup(feedStream, 'check', 'x', { count: 10_000 })) {
            const f = FeedRecord.parse(JSON.parse(e.fields.d!));
            seen.set(f.state, (seen.get(f.state) ?? new Set()).add(f.venue));
          }
          return [...(seen.get(state) ?? [])].sort();
        };
        try {
          // running: every feed went live
          for (let i = 0; i < 600 && (await logged('live')).length < VENUE_IDS.length; i++) await new Promise((r) => setTimeout(r, 25));
          expect(await logged('live')).toEqual([...VENUE_IDS].sort());
        } finally {
          await live.stop();
        }
        // the last statuses were appended, then read and acked by the persister before stop() resolved
        expect(await logged('closed')).toEqual([...VENUE_IDS].sort());
        expect(await streamLog.readGroup(feedStream, 'persister', 'probe', { count: 10 })).toEqual([]);
        expect(await streamLog.pending(feedStream, 'persister')).toEqual({ count: 0, consumers: {} });
        // ... and written
        expect(await states('closed'), 'closed statuses missing from feed_health (dead-lettered? see the log)').toEqual([...VENUE_IDS].sort());
        await streamLog.close();
      } finally {
        await Promise.allSettled(sims.map((s) => s.stop()));
        await db.drop();
        if (kind === 'redis') await deleteKeys(ns);
      }
    }, 60_000);
  });
}
