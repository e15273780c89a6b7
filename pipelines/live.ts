/**
 * The live pipeline: venue websockets in, stream log (→ persister → TimescaleDB) and live
 * subscribers out. Wiring only; reads like the diagram in DESIGN.md:
 *
 *   every registered venue's feed ─► merge ─► buildPipeline(pairs$, fees, risk) ─► stream log ─► persister ─► TimescaleDB
 *   (src/venues/registry.ts)                                                    └─► live events (API, Discord)
 *
 *   services beside the graph (src/app/): pair markets looked up and subscribed, fee schedules
 *   refreshed and stored, venue lifecycle messages written to venue_markets, file pairs mirrored.
 *
 * It differs from replay.ts only in its sources (sockets), its clock (asyncScheduler) and sinks.
 */
import { BehaviorSubject, EMPTY, asyncScheduler, map, merge, sampleTime, shareReplay, type Observable, type Subscription } from 'rxjs';
import type { Pool } from 'pg';
import type { Pair } from '../schema/pair.js';
import type { Book } from '../schema/book.js';
import type { Venue } from '../schema/venue.js';
import type { FeedStatus } from '../schema/feed.js';
import type { Edge, RiskDecision } from '../schema/edge.js';
import type { Execution } from '../schema/execution.js';
import type { Config } from '../src/config.js';
import { log } from '../src/log.js';
import { FeeBook } from '../src/fees/schedule.js';
import { perVenue, venueList } from '../src/venues/registry.js';
import type { FeedMarket, VenueFeed } from '../src/venues/venue.js';
import type { StreamLog } from '../src/store/streams/types.js';
import { startPersister, type Persister } from '../src/store/persister.js';
import { pipelineSinks } from '../src/store/sinks.js';
import { startMarketSubscriptions } from '../src/app/marketSubscriptions.js';
import { startFeeRefresh } from '../src/app/feeRefresh.js';
import { followLifecycle } from '../src/app/lifecycle.js';
import { mirrorFilePairs } from '../src/app/filePairs.js';
import { NO_EXPOSURE, buildPipeline, limitsFromConfig, sinkToStreams, type PipelineOutputs, type RiskControl } from './core.js';
import type { Exposure } from '../operators/sizeToLimits.js';
import type { Alert } from '../src/api/events.js';
import { startExecution, type ExecutionHandle } from './execute.js';

/** Where live results go besides the stream log (the API's LiveEvents fits this shape). */
export interface LiveSink {
  publishEdge?(e: Edge): void;
  publishDecision?(d: RiskDecision): void;
  publishFeedStatus?(s: FeedStatus): void;
  publishBook?(pairId: string, book: Book): void;
  /** every written state of an execution (GraphQL executionUpdated, Discord alerts) */
  publishExecution?(e: Execution): void;
  /** operational alerts (the executor's residuals, unknown outcomes, broker anomalies) */
  publishAlert?(a: Alert): void;
  /** the running execution for this process's doors (the API's LiveEvents: `live.execution`); undefined on stop */
  attachExecution?(h: ExecutionHandle | undefined, mode?: 'paper' | 'live'): void;
}

/** The running feeds, by venue id. */
export type LiveFeeds = Readonly<Record<Venue, VenueFeed>>;

export interface LiveOptions {
  readonly config: Config;
  readonly pool: Pool;
  readonly streamLog: StreamLog;
  readonly pairs$: Observable<readonly Pair[]>;
  readonly sink?: LiveSink;
  /** kill switch and limits; default from the config (the API and Discord push changes here) */
  readonly control?: BehaviorSubject<RiskControl>;
  /** persister consumer name (default `persister-<pid>`); false = no persister in this process */
  readonly persister?: string | false;
  /** called with the graph before anything flows (so followers see the first edges and decisions) */
  readonly onOutputs?: (outputs: PipelineOutputs, feeds: LiveFeeds) => void;
  /** how often fee schedules are re-read from the venues, ms (default 15 min) */
  readonly feeRefreshMs?: number;
}

export interface LiveHandle {
  readonly outputs: PipelineOutputs;
  readonly feeBook: FeeBook;
  readonly control: BehaviorSubject<RiskControl>;
  readonly feeds: LiveFeeds;
  readonly persister?: Persister;
  /** execution (EXECUTION_MODE paper or live; absent when off) */
  readonly execution?: ExecutionHandle;
  /** The markets subscribed so far, every venue (what a recording's meta.json keeps for replay). */
  subscribedMarkets(): FeedMarket[];
  stop(): Promise<void>;
}

export async function runLive(o: LiveOptions): Promise<LiveHandle> {
  const { config } = o;
  // sources: one feed and one REST client per registered venue
  const feeds: LiveFeeds = perVenue((v) => v.feed(config));
  const rests = perVenue((v) => v.rest(config));
  const feedList = venueList.map((v) => feeds[v.id]);
  const feeBook = FeeBook.withDefaults();
  const control = o.control ?? new BehaviorSubject<RiskControl>({ killSwitch: config.risk.killSwitch, limits: limitsFromConfig(config.risk) });
  const pairs$ = o.pairs$.pipe(shareReplay({ bufferSize: 1, refCount: true }));

  // the graph and its sinks first: the feeds' subjects are hot, the first snapshots must not be missed
  const feedStatus$ = merge(...feedList.map((f) => f.status$.pipe(map((s) => ({ ...s, counters: f.counters })))));
  // exposure from execution's positions (stays zero with EXECUTION_MODE=off)
  const exposure = new BehaviorSubject<Exposure>(NO_EXPOSURE);
  const outputs = buildPipeline(
    { bookEvents$: merge(...feedList.map((f) => f.books$)), pairs$, feedStatus$, control$: control, exposure$: exposure },
    { feeBook, risk: config.risk, scheduler: asyncScheduler },
  );
  o.onOutputs?.(outputs, feeds);
  const subs: Subscription[] = [];
  subs.push(sinkToStreams(outputs, o.streamLog, config.redis.prefix, (err, stage) => {
    log.error({ err, stage }, 'stream sink failed');
    sink?.publishAlert?.({ ts: Date.now(), level: 'critical', message: `stream log: ${stage}: ${err instanceof Error ? err.message : String(err)}`, source: 'stream-log' });
  }));
  const sink = o.sink;
  if (sink) {
    if (sink.publishEdge) subs.push(outputs.edges$.subscribe((e) => sink.publishEdge?.(e)));
    if (sink.publishDecision) subs.push(outputs.decisions$.subscribe((d) => sink.publishDecision?.(d)));
    if (sink.publishFeedStatus) subs.push(outputs.feed$.subscribe((s) => sink.publishFeedStatus?.(s)));
    if (sink.publishBook) subs.push(outputs.aligned$.pipe(sampleTime(250)).subscribe((pb) => pb.books.forEach((b) => sink.publishBook?.(pb.pairId, b))));
  }
  // keep the graph hot even without other subscribers (decisions drive edges and books)
  subs.push(outputs.decisions$.subscribe({ error: (err: unknown) => log.fatal({ err }, 'pipeline failed') }));
  subs.push((outputs.leadLag$ ?? EMPTY).subscribe());
  const execution = config.execution.mode === 'off'
    ? undefined
    : await startExecution({ decisions$: outputs.decisions$, books$: outputs.books$, control$: control, lifecycle$: merge(...feedList.map((f) => f.lifecycle$)) },
      { config, pool: o.pool, feeBook, feeds, exposure, onAlert: (message) => sink?.publishAlert?.({ ts: Date.now(), level: 'critical', message, source: 'execution' }) });
  if (execution && sink?.publishExecution) subs.push(execution.executions$.subscribe((e) => sink.publishExecution?.(e)));
  if (execution) sink?.attachExecution?.(execution, config.execution.mode === 'live' ? 'live' : 'paper');

  // services beside the graph
  subs.push(followLifecycle(feedList, o.pool));
  subs.push(mirrorFilePairs(pairs$, o.pool));
  const markets = startMarketSubscriptions({ pairs$, feeds, rests, feeBook, pool: o.pool });
  const fees = startFeeRefresh({ feeBook, pool: o.pool, feeds: feedList, sources: () => markets.feeSources(), ...(o.feeRefreshMs !== undefined ? { everyMs: o.feeRefreshMs } : {}) });
  await markets.settled();

  const persister = o.persister === false ? undefined : startPersister({ log: o.streamLog, pool: o.pool, sinks: pipelineSinks(config.redis.prefix), consumer: o.persister ?? `persister-${process.pid}`, onAlert: (a) => sink?.publishAlert?.(a) });
  return {
    outputs, feeBook, control, feeds, ...(persister ? { persister } : {}), ...(execution ? { execution } : {}),
    subscribedMarkets: () => markets.feeSources().flatMap((s) => s.markets.map(({ venue, marketId, feedRef }) => ({ venue, marketId, feedRef }))),
    async stop() {
      sink?.attachExecution?.(undefined);
      await execution?.stop();
      fees.stop();
      for (const f of feedList) f.close();
      await markets.stop();
      for (const s of subs) s.unsubscribe();
      await persister?.stop();
    },
  };
}
