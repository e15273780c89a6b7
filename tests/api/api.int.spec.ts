/**
 * Queries and mutations against real rows in PostgreSQL (isolated schema), through yoga.fetch.
 * PostgreSQL missing = failure (pgTestPool throws), with or without CI.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { riskControl$ } from '../../src/control/riskState.js';
import { firstValueFrom, filter, take, toArray } from 'rxjs';
import { apiFixture, insertEdge, insertPair, KALSHI_ID, makeEdge, POLY_ID, type ApiFixture } from './helpers.js';

let f: ApiFixture;
const E6_TS = Date.parse('2026-01-31T12:00:00Z');
beforeAll(async () => {
  f = await apiFixture();
  await insertPair(f.pool, 'btc-100k', 'pending');
  await insertPair(f.pool, 'eth-5k', 'approved');
  // 7 edges with distinct ts, two sharing a timestamp (cursor tie-break on edge_id), sub-ms precision
  const base = Date.now() - 60_000;
  const rows = [
    { edgeId: 'e1', ts: new Date(base + 1000), netEdgeMicros: 5_000 },
    { edgeId: 'e2', ts: new Date(base + 2000), netEdgeMicros: 20_000, direction: 'polyNo' }, // stored before legs by position: reads as aNo
    { edgeId: 'e3', ts: new Date(base + 3000).toISOString().replace('Z', '123Z'), netEdgeMicros: 15_000 },
    { edgeId: 'e4', ts: new Date(base + 3000).toISOString().replace('Z', '123Z'), netEdgeMicros: 15_000 },
    { edgeId: 'e5', ts: new Date(base + 4000), netEdgeMicros: 1_000, pairId: 'eth-5k' },
    { edgeId: 'e6', ts: new Date(base + 5000), netEdgeMicros: 30_000, direction: 'aYes', details: makeEdge({ edgeId: 'e6', tsDetected: E6_TS }) },
    { edgeId: 'e7', ts: new Date(base - 3_600_000), netEdgeMicros: 99_000 },
  ];
  for (const r of rows) await insertEdge(f.pool, r);
  await f.pool.query(`INSERT INTO feed_health (ts, venue, state, reason, attempt) VALUES (now() - interval '1 min', 'kalshi', 'reconnecting', 'close 1006', 2), (now(), 'kalshi', 'live', null, 0), (now(), 'polymarket', 'stale', 'idle 5000 ms', 0)`);
  await f.pool.query(`INSERT INTO llm_calls (ts, call_id, provider, model, prompt_tokens, completion_tokens, cost_micros, status, error, cache_hit) VALUES
    (now(), 'c1', 'deepseek', 'deepseek-chat', 1000, 200, 490, 'ok', null, false),
    (now(), 'c2', 'deepseek', 'deepseek-chat', 500, 100, 245, 'ok', null, true),
    (now(), 'c3', 'openai', 'gpt-4o', 800, 0, 0, 'error', 'timeout', false)`);
  await f.pool.query(`INSERT INTO book_tops (ts, venue, market_id, yes_bid, yes_bid_qty, yes_ask, yes_ask_qty) VALUES
    (now() - interval '5 s', 'kalshi', $1, 470000, 1000000, 490000, 1000000), (now(), 'kalshi', $1, 480000, 2000000, 500000, 3000000), (now(), 'polymarket', $2, 475000, 5000000, 485000, 7000000)`, [KALSHI_ID, POLY_ID]);
  await f.pool.query(`INSERT INTO lead_lag (ts, pair_id, window_ms, lag_ms, coefficient, samples) VALUES (now(), 'btc-100k', 60000, 250, 0.61, 120), (now() - interval '1 min', 'btc-100k', 60000, 0, 0.1, 100)`);
});
afterAll(async () => f?.close());

const EDGES = `query($first: Int, $after: String, $orderBy: EdgeOrderBy, $filter: EdgeFilter) {
  edges(first: $first, after: $after, orderBy: $orderBy, filter: $filter) { edges { cursor node { edgeId netEdgePerContractMicros netEdgePerContract } } pageInfo { hasNextPage endCursor } }
}`;
type Page = { edges: { edges: { cursor: string; node: { edgeId: string; netEdgePerContractMicros: number; netEdgePerContract: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };

async function allPages(orderBy: string, first: number, filter?: Record<string, unknown>): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (let i = 0; i < 20; i++) {
    const r = await f.gql(f.viewer.token, EDGES, { first, after, orderBy, filter });
    expect(r.body?.errors).toBeUndefined();
    const page = (r.body!.data as Page).edges;
    ids.push(...page.edges.map((e) => e.node.edgeId));
    if (!page.pageInfo.hasNextPage) return ids;
    after = page.pageInfo.endCursor;
  }
  throw new Error('pagination did not end');
}

describe('queries', () => {
  it('edges: cursor pagination walks every row once, newest first, ties broken by edge id', async () => {
    expect(await allPages('TS_DESC', 2)).toEqual(['e6', 'e5', 'e4', 'e3', 'e2', 'e1', 'e7']);
    expect(await allPages('TS_DESC', 3)).toEqual(['e6', 'e5', 'e4', 'e3', 'e2', 'e1', 'e7']);
  });

  it('edges: by net edge, with filters; money as exact micros and dollar strings', async () => {
    expect(await allPages('NET_EDGE_DESC', 2)).toEqual(['e7', 'e6', 'e2', 'e4', 'e3', 'e1', 'e5']);
    expect(await allPages('NET_EDGE_DESC', 2, { minNetEdgeMicros: 15_000, pairId: 'btc-100k', since: new Date(Date.now() - 120_000).toISOString() })).toEqual(['e6', 'e2', 'e4', 'e3']);
    expect(await allPages('TS_DESC', 10, { direction: 'aNo' })).toEqual(['e2']);
    expect(await allPages('TS_DESC', 10, { direction: 'aYes', pairId: 'btc-100k' })).toEqual(['e6', 'e4', 'e3', 'e1', 'e7']); // old polyYes rows too
    const r = await f.gql(f.viewer.token, EDGES, { first: 1, orderBy: 'NET_EDGE_DESC' });
    expect((r.body!.data as Page).edges.edges[0]!.node).toEqual({ edgeId: 'e7', netEdgePerContractMicros: 99_000, netEdgePerContract: '0.099000' });
  });

  it('edges: legs by position, from the stored details or (older rows) from the pair', async () => {
    const q = `query($id: ID!) { edges(first: 10, filter: { pairId: $id }) { edges { node { edgeId direction payoutMicros
      legs { position venue marketId outcome vwapMicros worstPriceMicros costMicros feeMicros levelsUsed tsVenue } } } } }`;
    const r = await f.gql(f.viewer.token, q, { id: 'btc-100k' });
    expect(r.body?.errors).toBeUndefined();
    const nodes = (r.body!.data as { edges: { edges: { node: { edgeId: string } & Record<string, unknown> }[] } }).edges.edges.map((e) => e.node);
    const e6 = makeEdge({ edgeId: 'e6', tsDetected: E6_TS });
    expect(nodes.find((n) => n.edgeId === 'e6')).toEqual({
      edgeId: 'e6', direction: 'aYes', payoutMicros: e6.payoutMicros,
      legs: e6.legs.map((l, i) => ({
        position: i, venue: l.venue, marketId: l.marketId, outcome: l.outcome, vwapMicros: l.vwapMicros, worstPriceMicros: l.worstPriceMicros,
        costMicros: l.costMicros, feeMicros: l.feeMicros, levelsUsed: l.levelsUsed, tsVenue: new Date(l.tsVenue).toISOString(),
      })),
    });
    // e2: stored as 'polyNo' without details: leg A buys NO, leg B the complement (YES); book figures unknown
    expect(nodes.find((n) => n.edgeId === 'e2')).toEqual({
      edgeId: 'e2', direction: 'aNo', payoutMicros: 10_000_000,
      legs: [
        { position: 0, venue: 'polymarket', marketId: POLY_ID, outcome: 'no', vwapMicros: 480_000, worstPriceMicros: null, costMicros: null, feeMicros: null, levelsUsed: null, tsVenue: null },
        { position: 1, venue: 'kalshi', marketId: KALSHI_ID, outcome: 'yes', vwapMicros: 490_000, worstPriceMicros: null, costMicros: null, feeMicros: null, levelsUsed: null, tsVenue: null },
      ],
    });
  });

  it('edges: bad arguments are BAD_USER_INPUT', async () => {
    for (const vars of [{ first: 0 }, { first: 201 }, { after: 'not-a-cursor' }, { filter: { since: 'yesterday' } }]) {
      const r = await f.gql(f.viewer.token, EDGES, vars);
      expect(r.body?.errors?.[0]?.extensions?.code, JSON.stringify(vars)).toBe('BAD_USER_INPUT');
    }
    const first = await f.gql(f.viewer.token, EDGES, { first: 1, orderBy: 'TS_DESC' });
    const cursor = (first.body!.data as Page).edges.pageInfo.endCursor;
    const mixed = await f.gql(f.viewer.token, EDGES, { first: 1, orderBy: 'NET_EDGE_DESC', after: cursor });
    expect(mixed.body?.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('topEdges: latest per pair and direction within the window, best first', async () => {
    const r = await f.gql(f.viewer.token, '{ topEdges(limit: 10) { edgeId pairId direction profit pair { status } } }');
    expect(r.body?.errors).toBeUndefined();
    expect(r.body!.data!.topEdges).toEqual([
      { edgeId: 'e6', pairId: 'btc-100k', direction: 'aYes', profit: '0.300000', pair: { status: 'pending' } },
      { edgeId: 'e2', pairId: 'btc-100k', direction: 'aNo', profit: '0.200000', pair: { status: 'pending' } },
      { edgeId: 'e5', pairId: 'eth-5k', direction: 'aYes', profit: '0.010000', pair: { status: 'approved' } },
    ]);
  });

  it('pairs, markets (search escapes LIKE), books, feeds, lead-lag, llm usage, limits, kill switch, me', async () => {
    const r = await f.gql(
      f.viewer.token,
      `{
        approved: pairs(status: approved) { pairId }
        all: pairs { pairId reasons humanReviewed legs { position venue marketId market { title pairs { pairId } } } }
        markets(search: "btc close") { marketId }
        pct: markets(search: "%") { marketId }
        kalshi: markets(venue: kalshi) { venue marketId }
        currentBooks(pairId: "btc-100k") { pairId books { venue yesBid yesBidQty yesAsk yesAskQty issues } }
        noBooks: currentBooks(pairId: "eth-5k") { books { venue } }
        feedHealth { venue state reason }
        leadLag(pairId: "btc-100k") { windowMs lagMs coefficient samples }
        llmUsage { provider calls errors cacheHits promptTokens completionTokens costMicros cost }
        riskLimits { minEdgePerContractMicros minEdgePerContract maxTotalExposure updatedBy }
        killSwitch { on updatedBy }
        me { name role }
      }`,
    );
    expect(r.body?.errors).toBeUndefined();
    const d = r.body!.data!;
    expect(d.approved).toEqual([{ pairId: 'eth-5k' }]);
    expect((d.all as { pairId: string }[]).map((p) => p.pairId).sort()).toEqual(['btc-100k', 'eth-5k']);
    const btc = (d.all as { pairId: string; reasons: string[]; humanReviewed: boolean; legs: unknown[] }[]).find((p) => p.pairId === 'btc-100k')!;
    expect(btc.reasons).toEqual(['same threshold', 'same date']);
    expect(btc.humanReviewed).toBe(false);
    expect(btc.legs).toEqual([
      { position: 0, venue: 'polymarket', marketId: POLY_ID, market: { title: 'Will BTC close above $100k on Dec 31?', pairs: [{ pairId: 'btc-100k' }, { pairId: 'eth-5k' }] } },
      { position: 1, venue: 'kalshi', marketId: KALSHI_ID, market: { title: 'Bitcoin above 100,000 on Dec 31', pairs: [{ pairId: 'btc-100k' }] } },
    ]);
    expect(d.markets).toEqual([{ marketId: POLY_ID }]); // case-insensitive substring
    expect(d.pct).toEqual([]); // '%' is literal, not a wildcard
    expect(d.kalshi).toEqual([{ venue: 'kalshi', marketId: KALSHI_ID }]);
    expect(d.currentBooks).toEqual({
      pairId: 'btc-100k',
      books: [
        { venue: 'polymarket', yesBid: 475_000, yesBidQty: 5_000_000, yesAsk: 485_000, yesAskQty: 7_000_000, issues: [] },
        { venue: 'kalshi', yesBid: 480_000, yesBidQty: 2_000_000, yesAsk: 500_000, yesAskQty: 3_000_000, issues: [] },
      ],
    });
    expect(d.noBooks).toEqual({ books: [{ venue: 'polymarket' }, null] }); // eth-5k's kalshi market has no stored top
    expect(d.feedHealth).toEqual([{ venue: 'kalshi', state: 'live', reason: null }, { venue: 'polymarket', state: 'stale', reason: 'idle 5000 ms' }]);
    expect(d.leadLag).toEqual([{ windowMs: 60000, lagMs: 250, coefficient: 0.61, samples: 120 }]);
    expect(d.llmUsage).toEqual([
      { provider: 'deepseek', calls: 2, errors: 0, cacheHits: 1, promptTokens: 1500, completionTokens: 300, costMicros: 735, cost: '0.000735' },
      { provider: 'openai', calls: 1, errors: 1, cacheHits: 0, promptTokens: 800, completionTokens: 0, costMicros: 0, cost: '0.000000' },
    ]);
    expect(d.riskLimits).toEqual({ minEdgePerContractMicros: 10_000, minEdgePerContract: '0.010000', maxTotalExposure: '10000.000000', updatedBy: null });
    expect(d.killSwitch).toEqual({ on: false, updatedBy: null });
    expect(d.me).toEqual({ name: 'vera-viewer', role: 'viewer' });
  });
});

describe('mutations', () => {
  const audit = async () => (await f.pool.query('SELECT token_name, action, args, result FROM audit_log ORDER BY id')).rows as { token_name: string; action: string; args: Record<string, unknown>; result: string }[];

  it('operator approves and rejects pairs; each is audited with the token name; live event published', async () => {
    const it = f.live.subscribe('pairStatus');
    const next = it.next();
    const a = await f.gql(f.operator.token, 'mutation { approvePair(pairId: "btc-100k") { pairId status decidedBy } }');
    expect(a.body?.errors).toBeUndefined();
    expect(a.body!.data!.approvePair).toEqual({ pairId: 'btc-100k', status: 'approved', decidedBy: 'api:otto-operator' });
    expect((await next).value).toMatchObject({ pairId: 'btc-100k', status: 'approved', by: 'api:otto-operator' });
    await it.return();

    const r = await f.gql(f.operator.token, 'mutation($r: String!) { rejectPair(pairId: "eth-5k", reason: $r) { status reasons } }', { r: 'different resolution source' });
    expect(r.body!.data!.rejectPair).toEqual({ status: 'rejected', reasons: ['same threshold', 'same date', 'rejected by api:otto-operator: different resolution source'] });

    const missing = await f.gql(f.operator.token, 'mutation { approvePair(pairId: "nope") { status } }');
    expect(missing.body?.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

    const rows = await audit();
    expect(rows.slice(-3)).toEqual([
      { token_name: 'api:otto-operator', action: 'approvePair', args: { pairId: 'btc-100k' }, result: 'ok' },
      { token_name: 'api:otto-operator', action: 'rejectPair', args: { pairId: 'eth-5k', reason: 'different resolution source' }, result: 'ok' },
      { token_name: 'api:otto-operator', action: 'approvePair', args: { pairId: 'nope' }, result: 'error: NOT_FOUND' },
    ]);
  });

  it('kill switch: stored in risk_state, published, read back; riskControl$ follows it', async () => {
    const seen = firstValueFrom(riskControl$(f.pool, f.live, f.config.risk).pipe(take(2), toArray()));
    // give riskControl$ its first read before flipping
    await new Promise((r) => setTimeout(r, 200));
    const on = await f.gql(f.operator.token, 'mutation { setKillSwitch(on: true) { on updatedBy } }');
    expect(on.body!.data!.setKillSwitch).toEqual({ on: true, updatedBy: 'api:otto-operator' });
    const stored = await f.pool.query("SELECT value FROM risk_state WHERE key = 'kill_switch'");
    expect(stored.rows[0].value).toEqual({ on: true, by: 'api:otto-operator' });
    const values = await seen;
    expect(values.map((v) => v.killSwitch)).toEqual([false, true]);
    const q = await f.gql(f.viewer.token, '{ killSwitch { on updatedBy } }');
    expect(q.body!.data!.killSwitch).toEqual({ on: true, updatedBy: 'api:otto-operator' });
    await f.gql(f.operator.token, 'mutation { setKillSwitch(on: false) { on } }');
  });

  it('risk limits: admin only, merged, validated, audited', async () => {
    const byOp = await f.gql(f.operator.token, 'mutation { setRiskLimits(input: { minProfitMicros: 1 }) { minProfitMicros } }');
    expect(byOp.body?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const bad = await f.gql(f.admin.token, 'mutation { setRiskLimits(input: { minPairConfidence: 1.5 }) { minProfitMicros } }');
    expect(bad.body?.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const ok = await f.gql(f.admin.token, 'mutation { setRiskLimits(input: { minProfitMicros: 750000, maxBookAgeMs: 2000 }) { minProfitMicros maxBookAgeMs minEdgePerContractMicros updatedBy } }');
    expect(ok.body?.errors).toBeUndefined();
    expect(ok.body!.data!.setRiskLimits).toEqual({ minProfitMicros: 750_000, maxBookAgeMs: 2000, minEdgePerContractMicros: 10_000, updatedBy: 'api:ada-admin' });
    const rows = await audit();
    expect(rows.filter((r) => r.action === 'setRiskLimits').map((r) => [r.token_name, r.result])).toEqual([['api:otto-operator', 'forbidden'], ['api:ada-admin', 'error: BAD_USER_INPUT'], ['api:ada-admin', 'ok']]);
  });

  it('SSE subscription over yoga.fetch receives a published edge (in-process events)', async () => {
    const ac = new AbortController();
    const res = await f.yoga.fetch('http://test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${f.viewer.token}` },
      body: JSON.stringify({ query: 'subscription { edgeAdded(minNetEdgeMicros: 10000) { edgeId netEdgePerContract } }' }),
      signal: ac.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    // the subscription starts when the stream is read; publish until it arrives
    const timer = setInterval(() => {
      f.live.events.publishEdge(makeEdge({ edgeId: 'small', netEdgePerContractMicros: 1 }));
      f.live.events.publishEdge(makeEdge({ edgeId: 'sse-1' }));
    }, 50);
    let text = '';
    const guard = setTimeout(() => ac.abort(), 15_000);
    try {
      while (!text.includes('sse-1')) {
        const { value, done } = await reader.read();
        if (done) break;
        text += dec.decode(value);
      }
    } catch (err) {
      if (!ac.signal.aborted) throw err;
    } finally {
      clearTimeout(guard);
      clearInterval(timer);
      ac.abort();
    }
    expect(text).toContain('"edgeAdded":{"edgeId":"sse-1","netEdgePerContract":"0.012500"}');
    expect(text).not.toContain('small');
  });

  it('malformed live payloads are dropped, logged and counted, never delivered', async () => {
    const it = f.live.subscribe('edge');
    const next = it.next();
    const before = f.live.counters.invalid;
    f.live.pubsub.publish('edge', { edgeId: 'bad' } as never);
    f.live.events.publishEdge(makeEdge({ edgeId: 'good' }));
    expect((await next).value).toMatchObject({ edgeId: 'good' });
    expect(f.live.counters.invalid).toBeGreaterThan(before); // once per live subscriber of the topic
    await it.return();
  });
});

void filter;
