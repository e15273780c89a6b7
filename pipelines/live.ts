/**
 * The live pipeline: venue websockets in, stream log (→ persister → TimescaleDB) and live
 * subscribers out. Reads like the diagram in DESIGN.md:
 *
 *   Polymarket ws ─┐
 *   Kalshi ws ─────┴─► merge ─► buildPipeline(pairs$, fees, risk) ─► stream log ─► persister ─► TimescaleDB
 *                                                                 └─► live events (API, Discord)
 *
 * It differs from replay.ts only in its sources (sockets), its clock (asyncScheduler) and sinks.
 */
import { BehaviorSubject, EMPTY, asyncScheduler, filter, map, merge, sampleTime, shareReplay, type Observable, type Subscription } from 'rxjs';
import type { Pool } from 'pg';
import type { Pair } from '../schema/pair.js';
import type { Book } from '../schema/book.js';
import type { Edge, RiskDecision } from '../schema/edge.js';
import type { Config } from '../src/config.js';
import { log } from '../src/log.js';
import { FeeBook } from '../src/fees/schedule.js';
import { refreshFees, storeFeeSchedules } from '../src/fees/refresher.js';
import { PolymarketRest, type PolyMarketInfo } from '../src/venues/polymarket/rest.js';
import { PolymarketFeed } from '../src/venues/polymarket/socket.js';
import { KalshiRest, kalshiRestOptions, type KalshiMarketInfo } from '../src/venues/kalshi/rest.js';
import { KalshiFeed, kalshiFeedOptions } from '../src/venues/kalshi/socket.js';
import type { FeedStatus } from '../src/venues/common/types.js';
import type { StreamLog } from '../src/store/streams/types.js';
import { startPersister, type Persister } from '../src/store/persister.js';
import { pipelineSinks } from '../src/store/sinks.js';
import { applyKalshiLifecycle, applyPolymarketWsMarket } from '../src/matching/discovery.js';
import { syncFilePairs } from '../src/pairs/file.js';
import { buildPipeline, limitsFromConfig, sinkToStreams, type PipelineOutputs, type RiskControl } from './core.js';

/** Where live results go besides the stream log (the API's LiveEvents fits this shape). */
export interface LiveSink {
  publishEdge?(e: Edge): void;
  publishDecision?(d: RiskDecision): void;
  publishFeedStatus?(s: FeedStatus): void;
  publishBook?(pairId: string, book: Book): void;
}

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
  readonly onOutputs?: (outputs: PipelineOutputs, feeds: { readonly poly: PolymarketFeed; readonly kalshi: KalshiFeed }) => void;
  /** how often fee schedules are re-read from the venues, ms (default 15 min) */
  readonly feeRefreshMs?: number;
}

export interface LiveHandle {
  readonly outputs: PipelineOutputs;
  readonly feeBook: FeeBook;
  readonly control: BehaviorSubject<RiskControl>;
  readonly poly: PolymarketFeed;
  readonly kalshi: KalshiFeed;
  readonly persister?: Persister;
  stop(): Promise<void>;
}

export async function runLive(o: LiveOptions): Promise<LiveHandle> {
  const { config } = o;
  const { feed } = config.venues;
  const backoff = { baseMs: feed.backoffBaseMs, maxMs: feed.backoffMaxMs, stableMs: feed.stableMs };
  const polyRest = new PolymarketRest({ gammaUrl: config.venues.polymarket.gammaUrl, clobUrl: config.venues.polymarket.clobUrl });
  const kalshiRest = new KalshiRest(kalshiRestOptions(config));
  const poly = new PolymarketFeed({ url: config.venues.polymarket.wsUrl, idleTimeoutMs: feed.idleTimeoutMs, backoff });
  const kalshi = new KalshiFeed(kalshiFeedOptions(config, []));
  const feeBook = FeeBook.withDefaults();
  const control = o.control ?? new BehaviorSubject<RiskControl>({ killSwitch: config.risk.killSwitch, limits: limitsFromConfig(config.risk) });

  // market metadata of the pairs' markets: token ids (Polymarket) and series/events (Kalshi fees)
  const polyInfo = new Map<string, PolyMarketInfo>();
  const kalshiInfo = new Map<string, KalshiMarketInfo>();
  const subscribeMarkets = async (pairs: readonly Pair[]): Promise<void> => {
    const needPoly = pairs.map((p) => p.polyMarketId).filter((id) => !polyInfo.has(id));
    const needKalshi = pairs.map((p) => p.kalshiMarketId).filter((t) => !kalshiInfo.has(t));
    if (needPoly.length) {
      const want = new Set(needPoly);
      for (const m of await polyRest.listMarkets({ query: { closed: 'false' } })) if (want.has(m.conditionId)) polyInfo.set(m.conditionId, m);
      for (const id of needPoly) if (!polyInfo.has(id)) log.warn({ conditionId: id }, 'pair market not found on Polymarket; pair stays idle');
    }
    for (const t of needKalshi) {
      try {
        kalshiInfo.set(t, await kalshiRest.getMarket(t));
      } catch (err) {
        log.warn({ err, ticker: t }, 'pair market not found on Kalshi; pair stays idle');
      }
    }
    const newPoly = needPoly.map((id) => polyInfo.get(id)).filter((m): m is PolyMarketInfo => !!m);
    const newKalshi = needKalshi.map((t) => kalshiInfo.get(t)).filter((m): m is KalshiMarketInfo => !!m);
    if (!newPoly.length && !newKalshi.length) return;
    await refreshFees(feeBook, { polyMarkets: async () => newPoly, kalshiMarkets: async () => newKalshi, kalshiSeries: (t) => kalshiRest.getSeries(t), kalshiFeeChanges: (t) => kalshiRest.getSeriesFeeChanges(t) }, Date.now());
    await storeFeeSchedules(o.pool, feeBook.all()).catch((err: unknown) => log.warn({ err }, 'fee schedules not stored'));
    poly.subscribe(newPoly.map((m) => ({ conditionId: m.conditionId, yesTokenId: m.yesTokenId, noTokenId: m.noTokenId })));
    kalshi.subscribe(newKalshi.map((m) => m.ticker));
    log.info({ poly: newPoly.length, kalshi: newKalshi.length }, 'subscribed pair markets');
  };

  const pairs$ = o.pairs$.pipe(shareReplay({ bufferSize: 1, refCount: true }));
  const subs: Subscription[] = [];
  // the graph and its sinks first: the feeds' subjects are hot, the first snapshots must not be missed
  const counters = () => ({ polymarket: poly.counters, kalshi: kalshi.counters });
  const feedStatus$ = merge(poly.status$, kalshi.status$).pipe(map((s) => ({ ...s, counters: counters()[s.venue] })));
  const outputs = buildPipeline(
    { bookEvents$: merge(poly.books$, kalshi.books$), pairs$, feedStatus$, control$: control },
    { feeBook, risk: config.risk, scheduler: asyncScheduler },
  );
  o.onOutputs?.(outputs, { poly, kalshi });
  subs.push(sinkToStreams(outputs, o.streamLog, config.redis.prefix, (err, stage) => log.error({ err, stage }, 'stream sink failed')));
  const sink = o.sink;
  if (sink) {
    if (sink.publishEdge) subs.push(outputs.edges$.subscribe((e) => sink.publishEdge?.(e)));
    if (sink.publishDecision) subs.push(outputs.decisions$.subscribe((d) => sink.publishDecision?.(d)));
    if (sink.publishFeedStatus) subs.push(outputs.feed$.subscribe((s) => sink.publishFeedStatus?.(s)));
    if (sink.publishBook) subs.push(outputs.aligned$.pipe(sampleTime(250)).subscribe((pb) => { sink.publishBook?.(pb.pairId, pb.poly); sink.publishBook?.(pb.pairId, pb.kalshi); }));
  }
  // keep the graph hot even without other subscribers (decisions drive edges and books)
  subs.push(outputs.decisions$.subscribe({ error: (err: unknown) => log.fatal({ err }, 'pipeline failed') }));
  subs.push((outputs.leadLag$ ?? EMPTY).subscribe());

  // Kalshi fee overrides as they happen
  subs.push(kalshi.messages$.pipe(filter((m) => m.frame.type === 'event_fee_update')).subscribe((m) => {
    if (m.frame.type === 'event_fee_update') feeBook.applyKalshiEventFeeUpdate(m.frame.msg, m.tsReceived);
  }));
  // market lifecycle from the venues keeps venue_markets current (new, changed, closed, resolved markets)
  const lifecycle = (p: Promise<unknown>) => void p.catch((err: unknown) => log.warn({ err }, 'market lifecycle update not stored'));
  subs.push(poly.messages$.subscribe((m) => {
    if (m.event_type === 'new_market' || m.event_type === 'market_resolved') lifecycle(applyPolymarketWsMarket(o.pool, m));
  }));
  subs.push(kalshi.messages$.subscribe((m) => {
    if (m.frame.type === 'market_lifecycle_v2') lifecycle(applyKalshiLifecycle(o.pool, m.frame));
  }));
  let chain = Promise.resolve();
  subs.push(pairs$.subscribe((pairs) => {
    const fromFile = pairs.filter((p) => p.source === 'file');
    if (fromFile.length) void syncFilePairs(o.pool, fromFile).catch((err: unknown) => log.warn({ err }, 'file pairs not mirrored'));
    chain = chain.then(() => subscribeMarkets(pairs)).catch((err: unknown) => log.error({ err }, 'subscribing pair markets failed; retrying on the next pairs update'));
  }));
  await chain;

  const feeTimer = setInterval(() => {
    void refreshFees(feeBook, { polyMarkets: async () => [...polyInfo.values()], kalshiMarkets: async () => [...kalshiInfo.values()], kalshiSeries: (t) => kalshiRest.getSeries(t) }, Date.now())
      .then(() => storeFeeSchedules(o.pool, feeBook.all()))
      .catch((err: unknown) => log.warn({ err }, 'periodic fee refresh failed; keeping the last schedules'));
  }, o.feeRefreshMs ?? 15 * 60_000);
  feeTimer.unref();

  const persister = o.persister === false ? undefined : startPersister({ log: o.streamLog, pool: o.pool, sinks: pipelineSinks(config.redis.prefix), consumer: o.persister ?? `persister-${process.pid}` });
  return {
    outputs, feeBook, control, poly, kalshi, ...(persister ? { persister } : {}),
    async stop() {
      clearInterval(feeTimer);
      poly.close();
      kalshi.close();
      await chain.catch(() => undefined);
      for (const s of subs) s.unsubscribe();
      await persister?.stop();
    },
  };
}
