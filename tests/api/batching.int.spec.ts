/**
 * Resolvers batch per request: a page of edges with each edge's pair, both legs' markets, the
 * markets' pairs and the pairs' recent edges costs the same number of queries for 5 edges as
 * for 50 (per-request dataloaders, src/api/loaders.ts), not 1 + N. Queries are counted by
 * wrapping the pool the API is given.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, type ApiYoga } from '../../src/api/yoga.js';
import { apiFixture, gqlFetch, insertEdge, makeEdge, type ApiFixture } from './helpers.js';

/** The pool with every `query` counted (and its SQL kept). */
function countingPool(pool: pg.Pool): { pool: pg.Pool; sql: string[] } {
  const sql: string[] = [];
  const wrapped = new Proxy(pool, {
    get(target, prop) {
      if (prop === 'query') {
        return (...args: unknown[]) => {
          const first = args[0];
          sql.push(typeof first === 'string' ? first : JSON.stringify(first));
          return (target.query as (...a: unknown[]) => unknown)(...args);
        };
      }
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { pool: wrapped, sql };
}

const N = 50;
const QUERY = `query($n: Int) { edges(first: $n) { edges { node {
  edgeId legs { position marketId }
  pair { pairId humanReviewed legs { position venue market { title pairs { pairId } } } recentEdges(limit: 2) { edgeId } }
} } } }`;

let f: ApiFixture;
let counted: { pool: pg.Pool; sql: string[] };
let yoga: ApiYoga;

beforeAll(async () => {
  f = await apiFixture();
  // N pairs, each with its own two markets and one edge (every edge has a different pair and markets)
  const ids = Array.from({ length: N }, (_, i) => i);
  const poly = (i: number) => '0x' + i.toString(16).padStart(64, '0');
  const kalshi = (i: number) => `KXTEST-${i}`;
  await f.pool.query(
    `INSERT INTO venue_markets (venue, market_id, title, status)
     SELECT 'polymarket', unnest($1::text[]), 'poly ' || generate_series(0, $3 - 1), 'active'
     UNION ALL SELECT 'kalshi', unnest($2::text[]), 'kalshi ' || generate_series(0, $3 - 1), 'open'`,
    [ids.map(poly), ids.map(kalshi), N],
  );
  await f.pool.query(
    `INSERT INTO market_pairs (pair_id, a_venue, a_market_id, b_venue, b_market_id, status, confidence, reasons, source)
     SELECT 'p' || i, 'polymarket', a, 'kalshi', b, 'approved', 0.95, '[]', 'llm' FROM unnest($1::int[], $2::text[], $3::text[]) AS t(i, a, b)`,
    [ids, ids.map(poly), ids.map(kalshi)],
  );
  const now = Date.now();
  for (const i of ids) {
    const e = makeEdge({ edgeId: `e${i}`, pairId: `p${i}`, tsDetected: now - i * 1000 });
    const legs = [{ ...e.legs[0], marketId: poly(i) }, { ...e.legs[1], marketId: kalshi(i) }] as const;
    await insertEdge(f.pool, { edgeId: `e${i}`, pairId: `p${i}`, direction: 'aYes', ts: new Date(now - i * 1000), netEdgeMicros: 1000 + i, details: { ...e, legs } });
  }
  counted = countingPool(f.pool);
  yoga = createApi({ config: f.config, pool: counted.pool, live: f.live });
});
afterAll(async () => f?.close());

async function run(n: number): Promise<{ queries: number; nodes: { edgeId: string; pair: { pairId: string; legs: { market: { title: string; pairs: { pairId: string }[] } }[]; recentEdges: { edgeId: string }[] } }[] }> {
  counted.sql.length = 0;
  const r = await gqlFetch((u, i) => yoga.fetch(u, i), 'http://test', f.viewer.token, QUERY, { n });
  expect(r.body?.errors).toBeUndefined();
  const nodes = (r.body!.data as { edges: { edges: { node: never }[] } }).edges.edges.map((e) => e.node);
  return { queries: counted.sql.length, nodes };
}

describe('per-request batching', () => {
  it(`a page of ${N} edges with pair, both leg markets, their pairs and recent edges: a constant number of queries`, async () => {
    const big = await run(N);
    expect(big.nodes).toHaveLength(N);
    for (const [i, node] of big.nodes.entries()) {
      expect(node.edgeId).toBe(`e${i}`);
      expect(node.pair.pairId).toBe(`p${i}`);
      expect(node.pair.legs.map((l) => l.market.title)).toEqual([`poly ${i}`, `kalshi ${i}`]);
      expect(node.pair.legs.map((l) => l.market.pairs)).toEqual([[{ pairId: `p${i}` }], [{ pairId: `p${i}` }]]);
      expect(node.pair.recentEdges).toEqual([{ edgeId: `e${i}` }]);
    }
    // token lookup, the edge page, pairs by id, markets by key, pairs by market, recent edges by pair
    expect(big.queries, counted.sql.join('\n---\n')).toBe(6);
    const small = await run(5);
    expect(small.nodes).toHaveLength(5);
    expect(small.queries).toBe(big.queries);
  });
});
