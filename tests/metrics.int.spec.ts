/**
 * GET /metrics on a running API server (src/metrics.ts + src/api/server.ts): the metric names an
 * operator's dashboard reads are there; counters kept elsewhere are read at scrape time (a frame
 * counted by the feed moves arbstream_feed_messages_total, nothing is counted twice); a risk
 * decision moves the edge and decision counters and the book→decision histogram; API requests
 * are timed; with a metrics port /metrics moves to its own listener. No auth, no secrets.
 */
import { Subject } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer, type ApiServer } from '../src/api/server.js';
import { createMetrics, type InstrumentableLive, type Metrics } from '../src/metrics.js';
import { createOrderBookCounters } from '../operators/orderBook.js';
import type { RiskDecision } from '../schema/edge.js';
import type { FeedCounters } from '../schema/feed.js';
import { apiFixture, makeEdge, testConfig, type ApiFixture } from './api/helpers.js';

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
