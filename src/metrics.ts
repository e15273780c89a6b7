/**
 * Prometheus metrics (prom-client). One registry per process ({@link createMetrics}); the API
 * server serves it on GET /metrics (src/api/server.ts).
 *
 * Counters the code already keeps (VenueFeed.counters, the pipeline's book counters, the
 * persister's stats, LiveEvents' counters, the executor's counters, the brokers' anomaly counts,
 * the LLM judge's stats) are READ at scrape time (collect callbacks): nothing is counted twice
 * and the hot path pays nothing. What no counter kept yet (edges, risk decisions by reason, the
 * latency histograms) is observed here from the pipeline's outputs.
 *
 *   const metrics = createMetrics();
 *   metrics.instrumentLive(live);            // feeds, books, edges, decisions, persister, execution
 *   metrics.instrumentEvents(services.live);  // API live events (invalid, overflow)
 *   metrics.instrumentLlmUsage(() => usageSummary(db.pool), cfg.llm.dailyBudgetMicros); // llm_calls of today (every matcher process)
 *   metrics.instrumentLlm(() => judge.stats, ...);   // in the process that runs the LLM judge
 *   // server.ts: startApiServer({ ..., metrics }) serves it and adds API request time + subscribers
 *
 * Metric names: `arbstream_*`; money in dollars as float ONLY here (metrics are for graphs, never
 * for accounting: the exact integer micros stay in the database).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Subscription } from 'rxjs';
import type { Venue } from '../schema/venue.js';
import type { FeedCounters } from '../schema/feed.js';
import type { RiskDecision } from '../schema/edge.js';
import type { OrderBookCounters } from '../operators/orderBook.js';
import type { PersisterBatch, PersisterSinkStatus, PersisterStats } from './store/persister.js';
import type { LiveCounters } from './api/liveHub.js';
import type { ExecutorCounters } from './execution/executor.js';
import type { BrokerAnomalyKind } from './venues/common/brokerAnomaly.js';
import type { LlmJudgeStats } from './matching/llm/client.js';
import type { UsageRow } from './matching/cost.js';
import { log } from './log.js';

type Labels = Record<string, string>;
type Sample = readonly [Labels, number];

/** The parts of a LiveHandle (pipelines/live.ts) metrics read; structural so tests can pass fakes. */
export interface InstrumentableLive {
  readonly feeds: Readonly<Partial<Record<Venue, { readonly counters: Readonly<FeedCounters> }>>>;
  readonly outputs: {
    readonly decisions$: { subscribe(next: (d: RiskDecision) => void): Subscription };
    readonly counters: { readonly books: Readonly<OrderBookCounters>; readonly dropped: number; readonly unprofitable: number; readonly resized: number };
  };
  readonly persister?: {
    readonly stats: Readonly<PersisterStats>;
    /** per stream: lag and dead letters (Persister.sinks) */
    sinks?(): readonly PersisterSinkStatus[];
    /** per stream: the group's pending entries (Persister.pending; one XPENDING per stream per scrape) */
    pending?(): Promise<readonly { readonly stream: string; readonly count: number }[]>;
    /** every batch written, with its write time (Persister.onBatch) */
    onBatch?(listener: (b: PersisterBatch) => void): () => void;
  };
  readonly execution?: {
    readonly executor: { readonly counters: Readonly<ExecutorCounters> };
    readonly brokers: Readonly<Partial<Record<Venue, { readonly anomalyCounts: Readonly<Record<BrokerAnomalyKind, number>> }>>>;
  };
}

export interface Metrics {
  readonly registry: Registry;
  /** Feeds, books, edges, risk decisions, persister, execution of a running pipeline. Returns the detach function. */
  instrumentLive(live: InstrumentableLive): () => void;
  /** API live-events counters (malformed events, slow-subscriber overflow). */
  instrumentEvents(events: { readonly counters: Readonly<LiveCounters> }): () => void;
  /** API subscriber gauges (graphql-ws connections, shared executions). */
  instrumentApi(api: { connections(): number; subscriptionStats(): Readonly<Record<string, number>> }): () => void;
  /**
   * The LLM judge's stats (in the process that runs the judge) and, optionally, its spend today
   * (e.g. `async () => (await judge.spentToday()) / 1e6`). Returns the detach function.
   */
  instrumentLlm(stats: () => Readonly<LlmJudgeStats>, spendUsd?: () => number | Promise<number>): () => void;
  /**
   * Today's (UTC) LLM usage per provider as recorded in llm_calls by EVERY matcher process
   * (`usageSummary(pool)`, one query per scrape), and the daily budget: what a live process shows
   * when the matcher runs elsewhere (`arbstream match run`). Returns the detach function.
   */
  instrumentLlmUsage(read: () => Promise<readonly UsageRow[]>, dailyBudgetMicros?: number): () => void;
  /** API request time, by route and status class. */
  readonly apiRequestSeconds: Histogram<'route' | 'status'>;
  /** Persister batch write time, by stream and outcome (observed through the instrumented persister's `onBatch`). */
  readonly persisterBatchSeconds: Histogram<'stream' | 'outcome'>;
  /** Prometheus text exposition. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

/** A prom-client Counter whose value is read from an existing monotonic counter at scrape time. */
function readCounter(registry: Registry, name: string, help: string, labelNames: readonly string[], read: () => Iterable<Sample>): void {
  new Counter({
    name, help, labelNames, registers: [registry],
    collect() {
      this.reset();
      for (const [labels, v] of read()) if (v > 0) this.inc(labels, v);
    },
  });
}

function readGauge(registry: Registry, name: string, help: string, labelNames: readonly string[], read: () => Iterable<Sample>): void {
  new Gauge({
    name, help, labelNames, registers: [registry],
    collect() {
      this.reset();
      for (const [labels, v] of read()) this.set(labels, v);
    },
  });
}

/**
 * A gauge read asynchronously at scrape time (I/O: database, stream log). A failed read leaves the
 * gauge empty for that scrape (logged) instead of failing the whole scrape.
 */
function readGaugeAsync(registry: Registry, name: string, help: string, labelNames: readonly string[], read: () => Promise<Sample[]>): void {
  new Gauge({
    name, help, labelNames, registers: [registry],
    async collect() {
      this.reset();
      let samples: Sample[];
      try {
        samples = await read();
      } catch (err) {
        log.warn({ err, metric: name }, 'metrics: a scrape-time read failed; the metric is left empty');
        return;
      }
      for (const [labels, v] of samples) this.set(labels, v);
    },
  });
}

const FEED_FIELDS = ['messages', 'bytes', 'decodeErrors', 'gaps', 'reconnects', 'resyncs'] as const satisfies readonly (keyof FeedCounters)[];
const snake = (s: string): string => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export function createMetrics(opts: { readonly defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'arbstream_' });

  const lives = new Set<InstrumentableLive>();
  const events = new Set<{ readonly counters: Readonly<LiveCounters> }>();
  const apis = new Set<{ connections(): number; subscriptionStats(): Readonly<Record<string, number>> }>();
  const llms = new Set<{ stats: () => Readonly<LlmJudgeStats>; spend?: () => number | Promise<number> }>();
  const usages = new Set<{ read: () => Promise<readonly UsageRow[]>; budgetMicros?: number }>();
  // one llm_calls query per scrape for both usage gauges (same scrape, and within a second)
  let scrapeNo = 0;
  const usageMemo = new WeakMap<object, { scrape: number; at: number; rows: Promise<readonly UsageRow[]> }>();
  const usageRows = (u: { read: () => Promise<readonly UsageRow[]> }): Promise<readonly UsageRow[]> => {
    const m = usageMemo.get(u);
    if (m && m.scrape === scrapeNo && Date.now() - m.at < 1000) return m.rows;
    const rows = u.read();
    usageMemo.set(u, { scrape: scrapeNo, at: Date.now(), rows });
    return rows;
  };
  const each = function* <T>(set: Iterable<InstrumentableLive>, f: (l: InstrumentableLive) => Iterable<T>): Generator<T> {
    for (const l of set) yield* f(l);
  };

  // ── feeds (VenueFeed.counters) ──
  for (const field of FEED_FIELDS) {
    readCounter(registry, `arbstream_feed_${snake(field)}_total`, `venue feed ${field} (VenueFeed.counters.${field})`, ['venue'], () =>
      each(lives, (l) => Object.entries(l.feeds).flatMap(([venue, f]) => (f ? [[{ venue }, f.counters[field]] as const] : []))));
  }
  // ── books (pipeline counters.books) ──
  readCounter(registry, 'arbstream_book_events_total', 'book events into the order-book stage', [], () => each(lives, (l) => [[{}, l.outputs.counters.books.events] as const]));
  readCounter(registry, 'arbstream_books_emitted_total', 'books emitted by the order-book stage', [], () => each(lives, (l) => [[{}, l.outputs.counters.books.booksEmitted] as const]));
  readCounter(registry, 'arbstream_book_issues_total', 'book issues reported, by issue', ['issue'], () =>
    each(lives, (l) => Object.entries(l.outputs.counters.books.issues).map(([issue, v]) => [{ issue }, v] as const)));
  readCounter(registry, 'arbstream_edges_dropped_total', 'edge candidates dropped by the pipeline, by cause', ['cause'], () =>
    each(lives, (l) => [[{ cause: 'dropped' }, l.outputs.counters.dropped], [{ cause: 'unprofitable' }, l.outputs.counters.unprofitable], [{ cause: 'resized' }, l.outputs.counters.resized]] as const));

  // ── edges and risk decisions (observed from decisions$: every edge gets exactly one decision) ──
  const edges = new Counter({ name: 'arbstream_edges_total', help: 'edges found (each gets one risk decision)', registers: [registry] });
  const decisions = new Counter({ name: 'arbstream_risk_decisions_total', help: 'risk decisions, by outcome and reason (a rejection with several reasons counts once per reason)', labelNames: ['outcome', 'reason'], registers: [registry] });
  const bookToDecision = new Histogram({
    name: 'arbstream_book_to_decision_seconds', help: 'newest leg book receive time (tsReceived) to the risk decision time',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry],
  });
  const onDecision = (d: RiskDecision): void => {
    edges.inc();
    if (d.accepted) decisions.inc({ outcome: 'accepted', reason: 'none' });
    else for (const reason of d.reasons.length ? d.reasons : ['unspecified']) decisions.inc({ outcome: 'rejected', reason: reason.split(':')[0]!.slice(0, 64) });
    const newest = Math.max(d.edge.legs[0].tsReceived, d.edge.legs[1].tsReceived);
    if (d.ts >= newest) bookToDecision.observe((d.ts - newest) / 1000);
  };

  // ── persister (its stats) ──
  const PERSISTER_FIELDS = ['rowsInserted', 'duplicatesSkipped', 'deadLettered', 'batches', 'failures', 'consumersRemoved'] as const satisfies readonly (keyof PersisterStats)[];
  for (const field of PERSISTER_FIELDS) {
    readCounter(registry, `arbstream_persister_${snake(field)}_total`, `persister ${field} (Persister.stats.${field})`, [], () =>
      each(lives, (l) => (l.persister ? [[{}, l.persister.stats[field]] as const] : [])));
  }
  const persisterBatchSeconds = new Histogram({
    name: 'arbstream_persister_batch_seconds', help: 'persister batch write time (decode, insert, commit), by stream and outcome (ok, failed)',
    labelNames: ['stream', 'outcome'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry],
  });
  const onBatch = (b: PersisterBatch): void => persisterBatchSeconds.observe({ stream: b.stream, outcome: b.ok ? 'ok' : 'failed' }, b.seconds);
  readGauge(registry, 'arbstream_persister_lag_seconds', 'age of the oldest stream entry the persister has read and not yet written (0 = caught up), by stream (Persister.sinks)', ['stream'], () =>
    each(lives, (l) => (l.persister?.sinks ? l.persister.sinks().map((s) => [{ stream: s.stream }, s.lagSeconds] as const) : [])));
  readCounter(registry, 'arbstream_persister_dead_lettered_by_stream_total', 'entries dead-lettered by the persister, by stream (to <stream>:dead)', ['stream'], () =>
    each(lives, (l) => (l.persister?.sinks ? l.persister.sinks().map((s) => [{ stream: s.stream }, s.deadLettered] as const) : [])));
  readGaugeAsync(registry, 'arbstream_persister_pending_entries', "entries delivered to the persister group and not yet acked (all consumers), by stream (XPENDING)", ['stream'], async () => {
    const out: Sample[] = [];
    for (const l of lives) if (l.persister?.pending) for (const p of await l.persister.pending()) out.push([{ stream: p.stream }, p.count]);
    return out;
  });

  // ── execution ──
  readCounter(registry, 'arbstream_executor_total', 'executor counters, by counter (Executor.counters)', ['counter'], () =>
    each(lives, (l) => (l.execution ? Object.entries(l.execution.executor.counters).map(([counter, v]) => [{ counter: snake(counter) }, v] as const) : [])));
  readCounter(registry, 'arbstream_broker_anomalies_total', 'broker anomalies, by venue and kind (Broker.anomalyCounts)', ['venue', 'kind'], () =>
    each(lives, (l) => (l.execution ? Object.entries(l.execution.brokers).flatMap(([venue, b]) => (b ? Object.entries(b.anomalyCounts).map(([kind, v]) => [{ venue, kind }, v] as const) : [])) : [])));

  // ── API ──
  readCounter(registry, 'arbstream_live_events_invalid_total', 'live events dropped as malformed (LiveEvents.counters.invalid)', [], function* () {
    for (const e of events) yield [{}, e.counters.invalid] as const;
  });
  readCounter(registry, 'arbstream_live_events_overflow_total', 'live events lost to slow subscribers (LiveEvents.counters.overflow)', [], function* () {
    for (const e of events) yield [{}, e.counters.overflow] as const;
  });
  readGauge(registry, 'arbstream_api_ws_connections', 'open graphql-ws connections', [], function* () {
    for (const a of apis) yield [{}, a.connections()] as const;
  });
  readGauge(registry, 'arbstream_api_shared_subscriptions', 'shared graphql-ws subscription state, by stat', ['stat'], function* () {
    for (const a of apis) for (const [stat, v] of Object.entries(a.subscriptionStats())) yield [{ stat: snake(stat) }, v] as const;
  });
  const apiRequestSeconds = new Histogram({ name: 'arbstream_api_request_seconds', help: 'API HTTP request time (to the end of the response), by route and status class', labelNames: ['route', 'status'], buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry] });

  // ── LLM judge ──
  readCounter(registry, 'arbstream_llm_total', 'LLM judge counters, by counter (LlmJudgeStats)', ['counter'], function* () {
    for (const l of llms) for (const [counter, v] of Object.entries(l.stats())) yield [{ counter: snake(counter) }, v] as const;
  });
  readGaugeAsync(registry, 'arbstream_llm_spend_usd', "LLM judge's spend today (UTC), dollars (for graphs only)", [], async () => {
    let total = 0;
    let any = false;
    for (const l of llms) if (l.spend) {
      total += await l.spend();
      any = true;
    }
    return any ? [[{}, total]] : [];
  });
  // today's llm_calls, whoever made them (the matcher usually runs in its own process)
  readGaugeAsync(registry, 'arbstream_llm_calls_today', 'LLM calls recorded today (UTC) in llm_calls, by provider and kind (calls, requests, cache_hits, errors)', ['provider', 'kind'], async () => {
    const out: Sample[] = [];
    for (const u of usages) for (const r of await usageRows(u)) {
      out.push([{ provider: r.provider, kind: 'calls' }, r.calls], [{ provider: r.provider, kind: 'requests' }, r.requests], [{ provider: r.provider, kind: 'cache_hits' }, r.cacheHits], [{ provider: r.provider, kind: 'errors' }, r.errors]);
    }
    return out;
  });
  readGaugeAsync(registry, 'arbstream_llm_spend_today_usd', 'LLM spend recorded today (UTC) in llm_calls, dollars, by provider (for graphs only)', ['provider'], async () => {
    const out: Sample[] = [];
    for (const u of usages) for (const r of await usageRows(u)) out.push([{ provider: r.provider }, r.costMicros / 1e6]);
    return out;
  });
  readGauge(registry, 'arbstream_llm_budget_usd', 'LLM daily budget (LLM_DAILY_BUDGET_USD), dollars', [], function* () {
    for (const u of usages) if (u.budgetMicros !== undefined) {
      yield [{}, u.budgetMicros / 1e6] as const;
      return;
    }
  });

  return {
    registry,
    apiRequestSeconds,
    persisterBatchSeconds,
    instrumentLive(live) {
      lives.add(live);
      const sub = live.outputs.decisions$.subscribe(onDecision);
      const offBatch = live.persister?.onBatch?.(onBatch);
      return () => {
        sub.unsubscribe();
        offBatch?.();
        lives.delete(live);
      };
    },
    instrumentEvents(e) {
      events.add(e);
      return () => void events.delete(e);
    },
    instrumentApi(a) {
      apis.add(a);
      return () => void apis.delete(a);
    },
    instrumentLlm(stats, spend) {
      const entry = { stats, ...(spend ? { spend } : {}) };
      llms.add(entry);
      return () => void llms.delete(entry);
    },
    instrumentLlmUsage(read, budgetMicros) {
      const entry = { read, ...(budgetMicros !== undefined ? { budgetMicros } : {}) };
      usages.add(entry);
      return () => void usages.delete(entry);
    },
    async scrape() {
      scrapeNo += 1;
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

/** The process's metrics (the CLI instruments it; the API server serves it). */
export const metrics: Metrics = createMetrics();
