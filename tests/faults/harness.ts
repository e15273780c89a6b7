/**
 * Harness of the fault suite: the live pipeline (runLive) on real Redis and PostgreSQL against
 * `arbstream simulate`'s simulators and driver, with what the checks need recorded as it runs.
 *
 * Checkpoint: every book change is paused (driver and random walks), the pipeline is left to
 * settle (feeds live, no book for a while), then a CLEAN feed (a fresh connection of the same
 * venue feed, no fault on it) is opened on every venue for the same markets: its books are the
 * books a clean run has at this simulator state, and the pipeline's must equal them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BehaviorSubject, type Subscription } from 'rxjs';
import { bookKey, type Book } from '../../schema/book.js';
import type { Edge, RiskDecision } from '../../schema/edge.js';
import type { FeedStatus } from '../../schema/feed.js';
import type { Pair } from '../../schema/pair.js';
import { VENUE_IDS, type Venue } from '../../schema/venue.js';
import { loadConfig, type Config } from '../../src/config.js';
import { startSimulation, type Simulation } from '../../src/demo/simulate.js';
import { parseFaultSpec, scheduleFaults } from '../../src/demo/faults.js';
import { createStreamLog } from '../../src/store/streams/index.js';
import type { StreamLog } from '../../src/store/streams/types.js';
import { perVenue, venues } from '../../src/venues/registry.js';
import { orderBook } from '../../operators/orderBook.js';
import { runLive, type LiveHandle } from '../../pipelines/live.js';
import type pg from 'pg';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** An output with the wall time it was emitted at. */
export interface Seen<T> {
  readonly at: number;
  readonly v: T;
}

export interface FaultRun {
  readonly sim: Simulation;
  readonly config: Config;
  readonly live: LiveHandle;
  readonly streamLog: StreamLog;
  readonly pairs: readonly Pair[];
  readonly books: Map<string, Seen<Book>>;
  readonly edges: Seen<Edge>[];
  readonly decisions: Seen<RiskDecision>[];
  readonly tops: Seen<Book>[];
  readonly statuses: Seen<FeedStatus>[];
  /** wall time of the pipeline's last book */
  readonly lastBookAt: number;
  /** Applies a `--faults` spec now (times from now), the way `arbstream simulate --faults` does. */
  faults(spec: string): { stop(): void };
  /** The markets each book of the pipeline must equal a clean feed's book of, after settling. */
  checkpoint(): Promise<{ compared: number; differ: string[] }>;
  stop(): Promise<void>;
}

const liveNow = (r: Pick<FaultRun, 'statuses'>, v: Venue): boolean => r.statuses.filter((s) => s.v.venue === v).at(-1)?.v.state === 'live';
const sameBook = (a: Book, b: Book): boolean => JSON.stringify([a.yes, a.no, a.issues]) === JSON.stringify([b.yes, b.no, b.issues]);

/** Every pair of the demo scenario plus one pair per random-walk filler market (so deltas flow on every venue). */
function faultPairs(sim: Simulation): Pair[] {
  const paired = new Set(sim.scenario.pairs.flatMap((p) => p.legs.map((l) => l.marketId)));
  const poly = sim.scenario.polyMarkets.filter((m) => !paired.has(m.conditionId));
  const kalshi = sim.scenario.kalshiMarkets.filter((m) => !paired.has(m.ticker));
  const n = Math.min(poly.length, kalshi.length);
  const fillers: Pair[] = Array.from({ length: n }, (_, i) => ({
    pairId: `fault-fill-${i}`, legs: [{ venue: 'polymarket', marketId: poly[i]!.conditionId }, { venue: 'kalshi', marketId: kalshi[i]!.ticker }],
    yesMapsToNo: false, status: 'approved', confidence: 1, humanReviewed: true, resolutionTs: Date.now() + 30 * 86_400_000, reasons: ['fault suite'], source: 'manual',
  }));
  return [...sim.scenario.pairs, ...fillers];
}

export async function startFaultRun(o: { pool: pg.Pool; redisUrl: string; prefix: string; maxBookAgeMs: number; fillerMarkets: number; rateHz: number }): Promise<FaultRun> {
  const dir = mkdtempSync(path.join(tmpdir(), 'faults-live-'));
  const sim = await startSimulation({ dir, rateHz: o.rateHz, fillerMarkets: o.fillerMarkets });
  const config = sim.configure(loadConfig({
    LOG_LEVEL: 'silent', REDIS_URL: o.redisUrl, STREAM_PREFIX: o.prefix, RISK_MAX_BOOK_AGE_MS: String(o.maxBookAgeMs),
    FEED_BACKOFF_BASE_MS: '50', FEED_BACKOFF_MAX_MS: '250',
  }));
  const streamLog = createStreamLog(config.redis);
  const pairs = faultPairs(sim);
  const subs: Subscription[] = [];
  const r = {
    sim, config, streamLog, pairs, books: new Map<string, Seen<Book>>(), edges: [] as Seen<Edge>[], decisions: [] as Seen<RiskDecision>[],
    tops: [] as Seen<Book>[], statuses: [] as Seen<FeedStatus>[], lastBookAt: 0,
  };
  const seen = <T>(into: Seen<T>[]) => (v: T) => void into.push({ at: Date.now(), v });
  const live = await runLive({
    config, pool: o.pool, streamLog, pairs$: new BehaviorSubject<readonly Pair[]>(pairs), persister: 'persister-faults', feeRefreshMs: 500,
    onOutputs: (out) => {
      subs.push(out.books$.subscribe((b) => {
        r.lastBookAt = Date.now();
        r.books.set(bookKey(b.venue, b.marketId), { at: r.lastBookAt, v: b });
      }));
      subs.push(out.edges$.subscribe(seen(r.edges)), out.decisions$.subscribe(seen(r.decisions)), out.tops$.subscribe(seen(r.tops)), out.feed$.subscribe(seen(r.statuses)));
    },
  });
  const run: FaultRun = {
    ...r,
    live,
    get lastBookAt() {
      return r.lastBookAt;
    },
    faults: (spec) => scheduleFaults(parseFaultSpec(spec), perVenue((v) => sim.sims[v.id].control)),
    async checkpoint() {
      sim.pause(true);
      try {
        // settled: every feed live and no book change for 600 ms (Kalshi resyncs answered)
        await until('the pipeline to settle', () => VENUE_IDS.every((v) => liveNow(run, v)) && Date.now() - r.lastBookAt > 600, 15_000);
        const clean = new Map<string, Book>();
        const markets = live.subscribedMarkets();
        const feeds = VENUE_IDS.map((v) => venues[v].feed(config));
        const cleanSubs = feeds.map((f) => f.books$.pipe(orderBook()).subscribe((b) => clean.set(bookKey(b.venue, b.marketId), b)));
        try {
          for (const f of feeds) f.subscribe(markets.filter((m) => m.venue === f.venue));
          const complete = () => markets.every((m) => clean.get(bookKey(m.venue, m.marketId))?.issues.includes('incomplete') === false);
          await until('the clean feeds\' books', complete, 10_000);
          await sleep(200);
        } finally {
          cleanSubs.forEach((s) => s.unsubscribe());
          feeds.forEach((f) => f.close());
        }
        const differ: string[] = [];
        for (const m of markets) {
          const key = bookKey(m.venue, m.marketId);
          const mine = r.books.get(key)?.v;
          const theirs = clean.get(key)!;
          if (!mine || !sameBook(mine, theirs)) differ.push(`${key}: pipeline ${JSON.stringify(mine && [mine.yes, mine.no, mine.issues])} clean ${JSON.stringify([theirs.yes, theirs.no, theirs.issues])}`);
        }
        return { compared: markets.length, differ };
      } finally {
        sim.pause(false);
      }
    },
    async stop() {
      // the graph's last outputs (feeds closing) are still counted here, as the stream sinks see them
      await live.stop();
      subs.forEach((s) => s.unsubscribe());
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return run;
}
