/**
 * GET /metrics on a running API server (src/metrics.ts + src/api/server.ts): the metric names an
 * operator's dashboard reads are there; counters kept elsewhere are read at scrape time (a frame
 * counted by the feed moves arbstream_feed_messages_total, nothing is counted twice); a risk
 * decision moves the edge and decision counters and the book→decision histogram; API requests
 * are timed; with a metrics port /metrics moves to its own listener. No auth, no secrets.
 * A real persister (memory stream log, a database that holds the write) shows its lag, pending
 * entries, dead letters by stream and batch times; a real LLM judge (local fake provider, ledger in
 * PostgreSQL) moves the judge counters, today's llm_calls gauges and spend, and its budget alert
 * reaches the live bus exactly once, as the Discord bot's `error` alert with source 'llm'.
 */
import { firstValueFrom, Subject } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../src/api/server.js';
import { createMetrics, type InstrumentableLive, type Metrics } from '../src/metrics.js';
import { createOrderBookCounters } from '../operators/orderBook.js';
import type { RiskDecision } from '../schema/edge.js';
import type { FeedCounters } from '../schema/feed.js';
import { apiFixture, makeEdge, testConfig, type ApiFixture } from './api/helpers.js';
import { z } from 'zod';
import { defineSink, startPersister, type Queryable } from '../src/store/persister.js';
import { MemoryStreamLog } from '../src/store/streams/memory.js';
import { encodeEvent } from '../src/store/streams/deadletter.js';
import { BudgetExceededError, LlmJudge, type LlmAlert } from '../src/matching/llm/client.js';
import { costMicros, PgLedger, usageSummary } from '../src/matching/cost.js';
import { buildPrompt } from '../src/matching/verdict.js';
import { alertsFromLive, type AlertEvent } from '../src/bot/alerts.js';
import { startLlmServer } from '../tools/llmserver/server.js';
import { FED_KALSHI, FED_POLY, provider } from './matching/llm/helpers.js';

const feedCounters = (): FeedCounters => ({ messages: 0, bytes: 0, decodeErrors: 0, gaps: 0, reconnects: 0, resyncs: 0 });

/** `name{labels} value` of one sample in the exposition text (undefined when absent). */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(labels ? `${name}{${labels}}` : `${name} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('/metrics', () => {
  let f: ApiFixture;
  let api: ApiServer;
  let metrics: Metrics;
  const decisions$ = new Subject<RiskDecision>();
  const kalshi = feedCounters();
  const books = createOrderBookCounters();
  const persister = { stats: { rowsInserted: 0, duplicatesSkipped: 0, deadLettered: 0, batches: 0, failures: 0, consumersRemoved: 0 } };
  const live: InstrumentableLive = {
    feeds: { kalshi: { counters: kalshi }, polymarket: { counters: feedCounters() } },
    outputs: { decisions$, counters: { books, dropped: 0, unprofitable: 0, resized: 0 } },
    persister,
  };

  beforeAll(async () => {
    f = await apiFixture();
    metrics = createMetrics();
    metrics.instrumentLive(live);
    metrics.instrumentEvents(f.live);
    api = await startApiServer({ config: testConfig(), pool: f.pool, events: f.live, host: '127.0.0.1', port: 0, metrics });
  });
  afterAll(async () => {
    await api?.close();
    await f?.close();
  });

  const scrape = async (url = api.metricsUrl): Promise<string> => {
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text();
  };

  it('serves the expected metric names without a token', async () => {
    expect(api.metricsUrl).toBe(`${api.url}/metrics`);
    const text = await scrape();
    for (const name of [
      'arbstream_feed_messages_total', 'arbstream_feed_gaps_total', 'arbstream_feed_resyncs_total', 'arbstream_feed_decode_errors_total',
      'arbstream_books_emitted_total', 'arbstream_edges_total', 'arbstream_risk_decisions_total', 'arbstream_book_to_decision_seconds',
      'arbstream_persister_rows_inserted_total', 'arbstream_persister_dead_lettered_total', 'arbstream_persister_batch_seconds',
      'arbstream_live_events_overflow_total', 'arbstream_api_ws_connections', 'arbstream_api_request_seconds',
      'arbstream_executor_total', 'arbstream_broker_anomalies_total', 'arbstream_llm_total', 'arbstream_llm_spend_usd',
      'arbstream_persister_lag_seconds', 'arbstream_persister_pending_entries', 'arbstream_persister_dead_lettered_by_stream_total',
      'arbstream_llm_calls_today', 'arbstream_llm_spend_today_usd', 'arbstream_llm_budget_usd',
      'arbstream_process_resident_memory_bytes',
    ]) expect(text, name).toContain(`# TYPE ${name} `);
    expect(text).not.toMatch(/arb_[A-Za-z0-9]{8}/); // no token ever
    expect(text).not.toContain(f.operator.token);
  });

  it('a frame counted by the feed moves the frame counter; a decision moves edges, decisions and the latency histogram', async () => {
    const before = await scrape();
    expect(sample(before, 'arbstream_feed_messages_total', 'venue="kalshi"')).toBeUndefined(); // zero: not yet emitted
    kalshi.messages += 3; // what VenueFeed does per frame
    kalshi.gaps += 1;
    books.booksEmitted += 2;
    persister.stats.rowsInserted += 5;
    const edge = makeEdge({ tsDetected: 1_000_000 });
    decisions$.next({ edge, accepted: false, reasons: ['kill-switch', 'stale-book: kalshi 4000 ms'], ts: edge.legs[1].tsReceived + 12 });
    decisions$.next({ edge, accepted: true, reasons: [], ts: edge.legs[1].tsReceived + 3 });
    const after = await scrape();
    expect(sample(after, 'arbstream_feed_messages_total', 'venue="kalshi"')).toBe(3);
    expect(sample(after, 'arbstream_feed_gaps_total', 'venue="kalshi"')).toBe(1);
    expect(sample(after, 'arbstream_books_emitted_total')).toBe(2);
    expect(sample(after, 'arbstream_persister_rows_inserted_total')).toBe(5);
    expect(sample(after, 'arbstream_edges_total')).toBe(2);
    expect(sample(after, 'arbstream_risk_decisions_total', 'outcome="rejected",reason="kill-switch"')).toBe(1);
    expect(sample(after, 'arbstream_risk_decisions_total', 'outcome="rejected",reason="stale-book"')).toBe(1);
    expect(sample(after, 'arbstream_risk_decisions_total', 'outcome="accepted",reason="none"')).toBe(1);
    expect(sample(after, 'arbstream_book_to_decision_seconds_count')).toBe(2);
    expect(sample(after, 'arbstream_book_to_decision_seconds_bucket', 'le="0.005"')).toBe(1); // 3 ms
    // read, never accumulated: scraping again does not double the counters
    expect(sample(await scrape(), 'arbstream_feed_messages_total', 'venue="kalshi"')).toBe(3);
  });

  it('a real persister: lag of the batch in hand, pending entries, batch time, dead letters by stream; 0 lag once written', async () => {
    let skew = 4000; // entries appended "4 s ago"
    const log = new MemoryStreamLog({ now: () => Date.now() - skew });
    const Ev = z.object({ seq: z.number().int() });
    const sink = defineSink({ stream: 'stream:metrics:test', table: 'public.t', columns: ['seq', 'entry_id'], conflictKey: ['seq'], schema: Ev, toRow: (e, id) => [e.seq, id] });
    await log.append(sink.stream, [encodeEvent('ev', { seq: 1 }), encodeEvent('ev', { seq: 'bad' }), encodeEvent('ev', { seq: 2 })]);
    skew = 0;
    let release: (() => void) | undefined;
    const writes: number[] = [];
    const db: Queryable = {
      query: (_t, values = []) => new Promise((resolve) => {
        writes.push(values.length / 2);
        release = () => resolve({ rowCount: values.length / 2 });
      }),
    };
    const persister = startPersister({ log, pool: db, sinks: [sink], consumer: 'm', batchSize: 10, blockMs: 10, method: 'values' });
    const detach = metrics.instrumentLive({ feeds: {}, outputs: { decisions$: new Subject<RiskDecision>(), counters: { books: createOrderBookCounters(), dropped: 0, unprofitable: 0, resized: 0 } }, persister });
    try {
      for (let i = 0; i < 400 && writes.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
      expect(writes).toEqual([2]); // the bad entry never reaches the database
      let text = await scrape();
      const lag = sample(text, 'arbstream_persister_lag_seconds', 'stream="stream:metrics:test"');
      expect(lag).toBeGreaterThanOrEqual(3.9);
      expect(lag).toBeLessThan(60);
      expect(sample(text, 'arbstream_persister_pending_entries', 'stream="stream:metrics:test"')).toBe(3);
      release!();
      for (let i = 0; i < 400 && (await log.pending(sink.stream, 'persister')).count > 0; i++) await new Promise((r) => setTimeout(r, 5));
      text = await scrape();
      expect(sample(text, 'arbstream_persister_lag_seconds', 'stream="stream:metrics:test"')).toBe(0);
      expect(sample(text, 'arbstream_persister_pending_entries', 'stream="stream:metrics:test"')).toBe(0);
      expect(sample(text, 'arbstream_persister_dead_lettered_by_stream_total', 'stream="stream:metrics:test"')).toBe(1);
      expect(sample(text, 'arbstream_persister_batch_seconds_count', 'stream="stream:metrics:test",outcome="ok"')).toBe(1);
    } finally {
      detach();
      await persister.stop();
      await log.close();
    }
    // detached: its series are gone
    expect(sample(await scrape(), 'arbstream_persister_lag_seconds', 'stream="stream:metrics:test"')).toBeUndefined();
  });

  it('a real LLM judge: one call moves the judge counters, llm_calls of today and the spend; the budget alert fires once and reaches the bot', async () => {
    const srv = await startLlmServer();
    const est = costMicros(buildPrompt(FED_POLY, FED_KALSHI, { nonce: 'n' }).estimatedPromptTokens, 700, 270_000, 1_100_000);
    const alerts: LlmAlert[] = [];
    const botAlerts: AlertEvent[] = [];
    const bot = alertsFromLive(f.live, { minProfitMicros: 1 }).subscribe((a) => botAlerts.push(a));
    const judge = new LlmJudge({
      providers: [provider(srv, 'deepseek')], dailyBudgetMicros: est, timeoutMs: 2000, ledger: new PgLedger(f.pool),
      onAlert: (a) => {
        alerts.push(a);
        f.live.events.publishAlert(a);
      },
    });
    const detachJudge = metrics.instrumentLlm(() => judge.stats, async () => (await judge.spentToday()) / 1e6);
    const detachUsage = metrics.instrumentLlmUsage(() => usageSummary(f.pool), est);
    try {
      let text = await scrape();
      expect(sample(text, 'arbstream_llm_total', 'counter="requests"')).toBeUndefined();
      expect(sample(text, 'arbstream_llm_spend_usd')).toBe(0);
      expect(sample(text, 'arbstream_llm_budget_usd')).toBe(est / 1e6);
      const r = await judge.judge(FED_POLY, FED_KALSHI, { nonce: 'n' });
      expect(r.costMicros).toBeGreaterThan(0);
      text = await scrape();
      expect(sample(text, 'arbstream_llm_total', 'counter="judged"')).toBe(1);
      expect(sample(text, 'arbstream_llm_total', 'counter="requests"')).toBe(1);
      expect(sample(text, 'arbstream_llm_calls_today', 'provider="deepseek",kind="requests"')).toBe(1);
      expect(sample(text, 'arbstream_llm_spend_today_usd', 'provider="deepseek"')).toBeCloseTo(r.costMicros / 1e6, 9);
      expect(sample(text, 'arbstream_llm_spend_usd')).toBeCloseTo(r.costMicros / 1e6, 9);
      expect(alerts).toEqual([]);
      // over budget: two refusals, one alert
      const delivered = firstValueFrom(alertsFromLive(f.live, { minProfitMicros: 1 }));
      for (let i = 0; i < 2; i++) await expect(judge.judge(FED_POLY, FED_KALSHI, { nonce: 'n', noCache: true })).rejects.toBeInstanceOf(BudgetExceededError);
      expect(srv.requests).toHaveLength(1);
      expect(alerts).toHaveLength(1);
      expect(alerts[0]).toMatchObject({ level: 'critical', source: 'llm' });
      expect(await delivered).toMatchObject({ kind: 'error', level: 'critical', source: 'llm', message: alerts[0]!.message });
      text = await scrape();
      expect(sample(text, 'arbstream_llm_total', 'counter="budget_refusals"')).toBe(2);
      expect(sample(text, 'arbstream_llm_calls_today', 'provider="deepseek",kind="calls"')).toBe(3); // 1 ok + 2 budget_refused rows
      expect(sample(text, 'arbstream_llm_calls_today', 'provider="deepseek",kind="requests"')).toBe(1);
      expect(botAlerts.filter((a) => a.kind === 'error' && a.source === 'llm')).toHaveLength(1);
    } finally {
      bot.unsubscribe();
      detachJudge();
      detachUsage();
      await srv.stop();
    }
  });

  it('times API requests by route', async () => {
    await fetch(`${api.url}/healthz`);
    const text = await scrape();
    expect(sample(text, 'arbstream_api_request_seconds_count', 'route="/healthz",status="2xx"')).toBeGreaterThanOrEqual(1);
  });

  it('with a metrics port: /metrics is served there and not on the API port', async () => {
    const other = await startApiServer({ config: testConfig(), pool: f.pool, events: f.live, host: '127.0.0.1', port: 0, metrics, metricsPort: 0 });
    try {
      expect(other.metricsUrl).not.toBe(`${other.url}/metrics`);
      expect(await scrape(other.metricsUrl)).toContain('# TYPE arbstream_edges_total counter');
      expect((await fetch(`${other.url}/metrics`)).status).toBe(404);
    } finally {
      await other.close();
    }
  });
});
