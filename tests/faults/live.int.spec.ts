/**
 * The fault suite: the LIVE pipeline (runLive: feeds, graph, stream log on real Redis, persister
 * to real PostgreSQL) against `arbstream simulate`'s simulators and driver, with every fault of
 * `--faults` applied through the same spec parser and scheduler as the CLI. It proves:
 *
 * - books equal a clean run at every checkpoint: after each fault has passed and the feeds are
 *   live again, with every book change paused, the pipeline's book of every subscribed market
 *   equals the book a fresh, fault-free connection gets from the simulator at that state;
 * - nothing lost or duplicated: every edge, decision and top the graph emitted is one stream entry,
 *   and the persisted rows are exactly the stream entries' natural keys, once each (no dead letters,
 *   nothing pending);
 * - staleness within the limit: during a silent stall no edge and no accepted decision is produced
 *   later than RISK_MAX_BOOK_AGE_MS after the last thing the stalled venue sent (frame or pong),
 *   and the feed itself leaves `live` within that limit (the idle timeout defaults to 80% of it, so
 *   timer lateness on a loaded machine does not carry a silent book past the limit).
 *
 * With CI=true a missing Redis or PostgreSQL fails the suite; otherwise it is skipped with the reason.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Venue } from '../../schema/venue.js';
import { VENUE_IDS } from '../../schema/venue.js';
import { stageStream } from '../../src/store/sinks.js';
import { deadLetterKey } from '../../src/store/streams/types.js';
import { venues } from '../../src/venues/registry.js';
import { pgTestPool, type PgTestDb } from '../helpers/db.js';
import { servicesGate } from '../helpers/gates.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from '../helpers/redis.js';
import { sleep, startFaultRun, until, type FaultRun } from './harness.js';

const MAX_AGE_MS = 1500;
const STALL_MS = 3000;
/** no slack: the default idle timeout (80% of the limit) leaves the margin for timer lateness */
const SLACK_MS = 0;

const d = (await servicesGate({ pg: true, redis: true })).describe;

d('fault suite: the live pipeline against faulty simulators (Redis, PostgreSQL)', () => {
  let db: PgTestDb;
  let run: FaultRun;
  const ns = uniquePrefix('faults');
  const figures: string[] = [];

  beforeAll(async () => {
    db = await pgTestPool({ migrate: true });
    run = await startFaultRun({ pool: db.pool, redisUrl: REDIS_URL, prefix: ns, maxBookAgeMs: MAX_AGE_MS, fillerMarkets: 4, rateHz: 40 });
    await until('every pair market booked', () => run.live.subscribedMarkets().length > 0 && run.live.subscribedMarkets().every((m) => run.books.has(`${m.venue}:${m.marketId}`)), 20_000);
  }, 60_000);

  afterAll(async () => {
    if (figures.length) console.log(`fault suite figures:\n  ${figures.join('\n  ')}`);
    await run?.stop().catch(() => undefined);
    await run?.streamLog.close().catch(() => undefined);
    await db?.drop();
    await deleteKeys(ns);
  });

  /** Runs a spec, waits `ms`, then checks the books at a checkpoint. */
  async function phase(spec: string | undefined, ms: number): Promise<void> {
    const h = spec ? run.faults(spec) : undefined;
    await sleep(ms);
    h?.stop();
    const { compared, differ } = await run.checkpoint();
    expect(compared).toBe(2 * run.pairs.length);
    expect(differ, `books that differ from a clean run after ${spec ?? 'no fault'}`).toEqual([]);
  }

  it('checkpoint 0, no fault: the pipeline\'s books equal a clean run\'s', async () => {
    await phase(undefined, 500);
  });

  it('kalshi:gap: the sequence gap is resynced', async () => {
    const before = run.live.feeds.kalshi.counters.gaps;
    await phase('kalshi:gap', 800);
    expect(run.live.feeds.kalshi.counters.gaps).toBeGreaterThan(before);
  });

  it('drop: Kalshi deltas lost at 30% (seen as gaps, resynced); Polymarket frames lost, recovered by a reconnect', async () => {
    const gaps = run.live.feeds.kalshi.counters.gaps;
    // Polymarket has no sequence numbers: a lost price_change cannot be noticed until the next
    // book snapshot, which the disconnect at the end of the window brings (as a real reconnect would)
    await phase('kalshi:drop:0.3+1500ms,polymarket:drop:0.3+1500ms,polymarket:disconnect@1600ms', 2200);
    expect(run.sim.sims.kalshi.control.faultStats.framesDropped).toBeGreaterThan(0);
    expect(run.sim.sims.polymarket.control.faultStats.framesDropped).toBeGreaterThan(0);
    expect(run.live.feeds.kalshi.counters.gaps).toBeGreaterThan(gaps);
  });

  it('malformed frames at 10% on both venues, plus one of each now: rejected, counted, books intact', async () => {
    const errs = VENUE_IDS.map((v) => run.live.feeds[v].counters.decodeErrors);
    await phase('kalshi:malformed:0.1+1500ms,polymarket:malformed:0.1+1500ms,kalshi:malformed,polymarket:malformed', 1800);
    VENUE_IDS.forEach((v, i) => {
      expect(run.sim.sims[v].control.faultStats.malformedSent).toBeGreaterThan(1);
      expect(run.live.feeds[v].counters.decodeErrors, v).toBeGreaterThan(errs[i]!);
    });
  });

  it('kalshi:error:25: a terminal error frame ends the subscription, it is re-made with fresh snapshots', async () => {
    const sent = run.sim.sims.kalshi.control.faultStats.errorFramesSent;
    await phase('kalshi:error:25', 1000);
    expect(run.sim.sims.kalshi.control.faultStats.errorFramesSent).toBeGreaterThan(sent);
  });

  it('kalshi:error:27 on a subscription (not terminal): the subscription and its books stay', async () => {
    // PROTOCOLS §3.6: only 10 and 25 end a subscription. The socket resubscribes only on those,
    // so a sequencer that dropped the books on any other error would leave them empty for good.
    await phase('kalshi:error:27', 800);
  });

  it('disconnect with handshakes refused (503) for 700 ms on both venues', async () => {
    const t0 = Date.now();
    await phase('kalshi:disconnect+700ms,polymarket:disconnect+700ms', 1500);
    for (const v of VENUE_IDS) {
      expect(run.sim.sims[v].control.faultStats.handshakesRefused, v).toBeGreaterThan(0);
      expect(run.statuses.some((s) => s.v.venue === v && s.at > t0 && s.v.state !== 'live'), v).toBe(true);
    }
  });

  it('http 503 / 429 on REST while fees are refreshed (every 500 ms) and markets listed: feeds unaffected, fee schedules kept', async () => {
    const rest0 = VENUE_IDS.map((v) => run.sim.sims[v].control.faultStats.restFaulted);
    const h = run.faults('kalshi:http:503+1500ms,polymarket:http:429+1500ms');
    await sleep(100);
    // the venues' REST clients meet the status (they may retry past the window or fail with it)
    const listing = Promise.all(VENUE_IDS.map(async (v) => {
      const t = Date.now();
      try {
        const n = (await venues[v].rest(run.config).listMarkets({ max: 5 })).length;
        return `${v}: listed ${n} markets after ${Date.now() - t} ms`;
      } catch (err) {
        return `${v}: failed after ${Date.now() - t} ms: ${(err as Error).message.slice(0, 120)}`;
      }
    }));
    await phase(undefined, 1600);
    h.stop();
    figures.push(`REST during http faults: ${(await listing).join('; ')}`);
    VENUE_IDS.forEach((v, i) => expect(run.sim.sims[v].control.faultStats.restFaulted, v).toBeGreaterThan(rest0[i]!));
    for (const m of run.live.subscribedMarkets()) expect(run.live.feeBook.feeScheduleAt(m.venue, m.marketId, Date.now()), m.marketId).toBeDefined();
  });

  /** A silent stall of `venue`: nothing priced on its pairs past the book age limit; books equal after. */
  async function stall(venue: Venue): Promise<void> {
    const control = run.sim.sims[venue].control;
    const other = VENUE_IDS.filter((v) => v !== venue);
    const t0 = Date.now();
    const h = run.faults(`${venue}:stall+${STALL_MS}ms`);
    await until('the stall to start', () => control.faultStats.framesSilenced > 0 || Date.now() - t0 > 200, 1000);
    const lastSent = control.lastSentAt();
    await sleep(STALL_MS - (Date.now() - t0));
    h.stop();
    const end = t0 + STALL_MS;
    const involves = (pairId: string) => run.pairs.find((p) => p.pairId === pairId)?.legs.some((l) => l.venue === venue) === true;
    const priced = [
      ...run.edges.filter((e) => involves(e.v.pairId) && e.at > lastSent && e.at < end).map((e) => ({ at: e.at, what: `edge ${e.v.edgeId}` })),
      ...run.decisions.filter((x) => x.v.accepted && involves(x.v.edge.pairId) && x.at > lastSent && x.at < end).map((x) => ({ at: x.at, what: `accepted ${x.v.edge.edgeId}` })),
    ];
    const lastPriced = Math.max(0, ...priced.map((p) => p.at - lastSent));
    const leftLive = run.statuses.find((s) => s.v.venue === venue && s.at > t0 && s.v.state !== 'live');
    // not vacuous: the other venue's books kept changing during the stall, so pairs were re-evaluated
    const otherBooks = [...run.books.values()].filter((b) => other.includes(b.v.venue) && b.at > lastSent + MAX_AGE_MS).length;
    figures.push(`${venue} stall: last edge/accepted decision ${priced.length ? `${lastPriced} ms` : 'none'} after the last send (limit ${MAX_AGE_MS}), feed left live after ${leftLive ? `${leftLive.at - lastSent} ms` : 'never'}, ${priced.length} priced during the stall`);
    expect(otherBooks, 'the other venue\'s books did not move during the stall').toBeGreaterThan(0);
    expect(leftLive, `the ${venue} feed stayed live through a ${STALL_MS} ms silent stall`).toBeDefined();
    expect(leftLive!.at - lastSent).toBeLessThanOrEqual(MAX_AGE_MS + SLACK_MS);
    expect(priced.filter((p) => p.at - lastSent > MAX_AGE_MS + SLACK_MS).map((p) => `${p.what} ${p.at - lastSent} ms after the last send`)).toEqual([]);
    await until(`${venue} live again`, () => run.statuses.filter((s) => s.v.venue === venue).at(-1)?.v.state === 'live', 10_000);
    const { differ } = await run.checkpoint();
    expect(differ, `books that differ from a clean run after the ${venue} stall`).toEqual([]);
  }

  it('kalshi:stall (silent): stale within the limit, nothing priced past it, books equal after', async () => {
    await stall('kalshi');
  }, 30_000);

  it('polymarket:stall (silent): stale within the limit, nothing priced past it, books equal after', async () => {
    await stall('polymarket');
  }, 30_000);

  it('nothing lost or duplicated: emitted = stream entries (in order) = persisted natural keys, no dead letters, nothing pending', async () => {
    expect(run.edges.length, 'no edges were found during the run').toBeGreaterThan(0);
    // counted before the stop: every output emitted until then must be in the stream; outputs
    // emitted while stopping (tops are sampled on a timer) are in it up to the sinks' unsubscribe
    const before = { edges: run.edges.length, decisions: run.decisions.length, tops: run.tops.length };
    await run.stop();
    const { streamLog } = run;
    const tsMs = 'round(extract(epoch from ts) * 1000)::bigint';
    type P = Record<string, unknown>;
    const edgeKey = (p: P) => `${String(p.edgeId)}|${Math.max(...(p.legs as { tsVenue: number }[]).map((l) => l.tsVenue))}`;
    const checks = [
      { stage: 'edges' as const, emitted: run.edges.map((e) => edgeKey(e.v as unknown as P)), sql: `SELECT edge_id || '|' || ${tsMs} AS k FROM edges`, key: (p: P) => edgeKey(p) },
      { stage: 'decisions' as const, emitted: run.decisions.map((d) => `${d.v.edge.edgeId}|${d.v.ts}`), sql: `SELECT edge_id || '|' || ${tsMs} AS k FROM risk_decisions`, key: (p: P) => `${String(p.edgeId)}|${String(p.ts)}` },
      { stage: 'tops' as const, emitted: run.tops.map((t) => `${t.v.venue}|${t.v.marketId}|${t.v.tsReceived}`), sql: `SELECT venue || '|' || market_id || '|' || ${tsMs} || '|' || stream_id AS k FROM book_tops`, key: (p: P) => `${String(p.venue)}|${String(p.marketId)}|${String(p.tsReceived)}` },
    ];
    for (const c of checks) {
      const stream = stageStream(c.stage, ns);
      const len = await streamLog.length(stream);
      expect(len, `${c.stage}: stream entries vs emitted before the stop`).toBeGreaterThanOrEqual(before[c.stage]);
      expect(len, `${c.stage}: stream entries vs emitted`).toBeLessThanOrEqual(c.emitted.length);
      await streamLog.ensureGroup(stream, 'faults-check', '0');
      const entries = await streamLog.readGroup(stream, 'faults-check', 'check', { count: len + 100 });
      expect(entries).toHaveLength(len);
      // the stream holds exactly what the graph emitted, in order, once
      expect(entries.map((e) => c.key(JSON.parse(e.fields.d!) as P)), `${c.stage}: stream vs emitted`).toEqual(c.emitted.slice(0, len));
      // natural keys: tops are keyed by their stream id too, edges and decisions by (edge_id, ts)
      const streamKeys = new Set(entries.map((e) => (c.stage === 'tops' ? `${c.key(JSON.parse(e.fields.d!) as P)}|${e.id}` : c.key(JSON.parse(e.fields.d!) as P))));
      const rows = (await db.pool.query<{ k: string }>(c.sql)).rows.map((r) => r.k);
      expect(rows.length, `${c.stage}: duplicated rows`).toBe(new Set(rows).size);
      expect(new Set(rows), `${c.stage}: persisted keys vs stream keys`).toEqual(streamKeys);
      expect(await streamLog.length(deadLetterKey(stream)), `${c.stage}: dead letters`).toBe(0);
      expect((await streamLog.pending(stream, 'persister')).count, `${c.stage}: pending`).toBe(0);
      figures.push(`${c.stage}: ${c.emitted.length} emitted (${before[c.stage]} before the stop) → ${len} stream entries → ${rows.length} rows (${len - rows.length} re-found, collapsed by the natural key)`);
    }
  }, 60_000);
});
