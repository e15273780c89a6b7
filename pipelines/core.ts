/**
 * The pipeline graph shared by live, replay and backtest: books → pairs → depth → fees → edges
 * → risk, plus lead-lag and sampled books. It knows nothing of sockets, files or databases:
 * `live.ts` and `replay.ts` give it sources, a clock (scheduler) and sinks.
 *
 *   bookEvents$ ─► orderBook ─► books$ ─┬─► alignByTime(pairs$) ─► aligned$ ─┬─► vwap ─► friction ─► sizeToLimits ─► edge ─► edges$ ─► riskGate ─► decisions$
 *                                       │                                   └─► leadLag ─► leadLag$
 *                                       └─► sampleByKey ─► tops$ / depth$
 */
import { Observable, combineLatest, map, of, scan, share, shareReplay, startWith, type SchedulerLike, type Subscription } from 'rxjs';
import { orderBook, createOrderBookCounters, type OrderBookCounters } from '../operators/orderBook.js';
import { alignByTime } from '../operators/alignByTime.js';
import { vwap } from '../operators/vwap.js';
import { friction, marginalFeeFromFeeBook } from '../operators/friction.js';
import { edge } from '../operators/edge.js';
import { sizeToLimits, type Exposure } from '../operators/sizeToLimits.js';
import { riskGate, type RiskState } from '../operators/riskGate.js';
import { leadLag, type LeadLagConfig } from '../operators/leadLag.js';
import { sampleByKey } from '../operators/sampleByKey.js';
import { bookKey, toBookDepth, toBookTop, type Book, type BookEvent } from '../schema/book.js';
import { toDecisionRecord, type Edge, type RiskDecision } from '../schema/edge.js';
import type { FeedStatus } from '../schema/feed.js';
import type { LeadLagStat } from '../schema/leadLag.js';
import type { Pair, PairBooks } from '../schema/pair.js';
import { pickLimits, type RiskControl, type RiskLimits } from '../schema/risk.js';
import { VENUE_IDS, type Venue } from '../schema/venue.js';
import type { FeeBook } from '../src/fees/schedule.js';
import type { Config } from '../src/config.js';
import { appendTo } from '../src/store/streams/rx.js';
import type { StreamLog } from '../src/store/streams/types.js';
import { encoders, stageStream } from '../src/store/sinks.js';

export type { RiskControl };

export interface PipelineSources {
  readonly bookEvents$: Observable<BookEvent>;
  readonly pairs$: Observable<readonly Pair[]>;
  /** feed lifecycle; must give each subscriber the venues' current states (as the feeds' status$ do) */
  readonly feedStatus$: Observable<FeedStatus>;
  readonly control$: Observable<RiskControl>;
  /** capital committed per pair, venue and in total (from positions, once execution tracks them); default none */
  readonly exposure$?: Observable<Exposure>;
}

export interface PipelineSettings {
  readonly feeBook: FeeBook;
  readonly risk: Config['risk'];
  readonly scheduler: SchedulerLike;
  /** sampling of persisted books, ms */
  readonly topsEveryMs?: number;
  readonly depthEveryMs?: number;
  readonly leadLag?: LeadLagConfig;
}

export interface PipelineOutputs {
  readonly books$: Observable<Book>;
  readonly aligned$: Observable<PairBooks>;
  readonly edges$: Observable<Edge>;
  readonly decisions$: Observable<RiskDecision>;
  readonly leadLag$: Observable<LeadLagStat>;
  readonly tops$: Observable<Book>;
  readonly depth$: Observable<Book>;
  readonly feed$: Observable<FeedStatus>;
  readonly counters: { readonly books: OrderBookCounters; dropped: number; unprofitable: number; resized: number };
}

/** Risk limits from the config (the starting point; the API can change them at run time). */
export function limitsFromConfig(risk: Config['risk']): RiskLimits {
  return pickLimits(risk);
}

/** No capital committed (every exposure limit fully available). */
export const NO_EXPOSURE: Exposure = { byPair: {}, byVenue: Object.fromEntries(VENUE_IDS.map((v) => [v, 0])) as Record<Venue, number>, total: 0 };

export function buildPipeline(src: PipelineSources, s: PipelineSettings): PipelineOutputs {
  const { scheduler, feeBook, risk } = s;
  const counters = { books: createOrderBookCounters(), dropped: 0, unprofitable: 0, resized: 0 };
  // every stage sees the latest pairs, whenever it subscribes
  const pairs$ = src.pairs$.pipe(shareReplay({ bufferSize: 1, refCount: true }));

  const books$ = src.bookEvents$.pipe(orderBook({ counters: counters.books }), share());
  // each subscriber gets the venues' current states (the feeds' status$ replay them)
  const feed$ = src.feedStatus$;
  const aligned$ = books$.pipe(alignByTime({ pairs$, feedStatus$: feed$, maxSkewMs: risk.maxSkewMs, maxAgeMs: risk.maxBookAgeMs, scheduler }), share());
  // execution does not exist yet: exposure is zero until positions feed exposure$
  const exposure$ = src.exposure$ ?? of(NO_EXPOSURE);
  const liveVenues$ = feed$.pipe(
    scan((live, f) => {
      const next = new Set(live);
      if (f.state === 'live') next.add(f.venue);
      else next.delete(f.venue);
      return next as ReadonlySet<Venue>;
    }, new Set<Venue>() as ReadonlySet<Venue>),
    startWith(new Set<Venue>() as ReadonlySet<Venue>),
  );
  const riskState$: Observable<RiskState> = combineLatest([pairs$, src.control$, liveVenues$, exposure$]).pipe(
    map(([pairs, control, liveVenues, exposure]) => ({
      liveVenues,
      killSwitch: control.killSwitch,
      limits: control.limits,
      exposure,
      pairs: new Map(pairs.map((p) => [p.pairId, { status: p.status, confidence: p.confidence, humanReviewed: p.humanReviewed }])),
    })),
    // sizing and the gate see the same state
    shareReplay({ bufferSize: 1, refCount: true }),
  );
  const capitalApr = String(risk.capitalApr);
  const edges$ = aligned$.pipe(
    // size by the marginal edge after fees and capital cost (schedules valid at decision time),
    // then trim to what the limits leave; what no size fits is the risk gate's to reject
    vwap({ minMarginalEdgeMicros: 1, marginalFee: marginalFeeFromFeeBook(feeBook), capitalApr, scheduler, onDrop: () => counters.dropped++ }),
    friction({ feeBook, capitalApr, scheduler, onDrop: () => counters.dropped++ }),
    sizeToLimits({ state$: riskState$, feeBook, capitalApr, onResize: () => counters.resized++ }),
    edge({ onUnprofitable: () => counters.unprofitable++ }),
    share(),
  );
  const decisions$ = edges$.pipe(riskGate({ state$: riskState$, scheduler }), share());
  const leadLag$ = aligned$.pipe(leadLag(s.leadLag ?? { stepMs: 1000, windowsMs: [60_000, 300_000], maxLagSteps: 10, emitEverySteps: 10 }), share());
  const key = (b: Book) => bookKey(b.venue, b.marketId);
  const tops$ = books$.pipe(sampleByKey({ key, periodMs: s.topsEveryMs ?? 1000, scheduler }), share());
  const depth$ = books$.pipe(sampleByKey({ key, periodMs: s.depthEveryMs ?? 10_000, scheduler }), share());
  return { books$, aligned$, edges$, decisions$, leadLag$, tops$, depth$, feed$, counters };
}

/** Sinks every stage's output into the stream log (the persister moves it to TimescaleDB). */
export function sinkToStreams(out: PipelineOutputs, log: StreamLog, prefix = 'stream', onError?: (err: unknown, stage: string) => void): Subscription {
  const err = (stage: string) => (e: unknown) => onError?.(e, stage);
  const sub = out.edges$.pipe(appendTo(log, stageStream('edges', prefix), encoders.edges)).subscribe({ error: err('edges') });
  sub.add(out.decisions$.pipe(map(toDecisionRecord), appendTo(log, stageStream('decisions', prefix), encoders.decisions)).subscribe({ error: err('decisions') }));
  sub.add(out.tops$.pipe(map((b) => toBookTop(b)), appendTo(log, stageStream('tops', prefix), encoders.tops)).subscribe({ error: err('tops') }));
  sub.add(out.depth$.pipe(map((b) => toBookDepth(b)), appendTo(log, stageStream('depth', prefix), encoders.depth)).subscribe({ error: err('depth') }));
  sub.add(out.leadLag$.pipe(appendTo(log, stageStream('leadlag', prefix), encoders.leadlag)).subscribe({ error: err('leadlag') }));
  sub.add(out.feed$.pipe(appendTo(log, stageStream('feed', prefix), encoders.feed)).subscribe({ error: err('feed') }));
  return sub;
}
