/**
 * Shared fixtures for the API tests: a migrated test schema, live events, tokens of each role,
 * a yoga instance (`gql` calls it through `yoga.fetch`), and builders for edges and pairs.
 */
import type pg from 'pg';
import { loadConfig, type Config } from '../../src/config.js';
import { createToken, type CreatedToken } from '../../src/api/auth.js';
import { createLiveEvents, type LiveEventsHandle } from '../../src/api/events.js';
import { createApi, type ApiYoga } from '../../src/api/yoga.js';
import type { Edge } from '../../schema/edge.js';
import { pgTestPool, type PgTestDb } from '../helpers/db.js';

export const POLY_ID = '0x' + 'ab'.repeat(32);
export const KALSHI_ID = 'KXBTC-25DEC31-T100000';

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', API_RATE_LIMIT_PER_MIN: '100000', API_UNAUTH_RATE_LIMIT_PER_MIN: '100000', API_AUTH_FAILURES_PER_MIN: '100000', ...env });
}

export interface GqlResult {
  status: number;
  headers: Headers;
  body: { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } & Record<string, unknown> }[] } | null;
  text: string;
}

export async function gqlFetch(
  fetcher: (url: string, init: RequestInit) => Promise<Response> | Response,
  base: string,
  token: string | undefined,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GqlResult> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetcher(`${base}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const text = await res.text();
  let body: GqlResult['body'] = null;
  try {
    body = JSON.parse(text) as GqlResult['body'];
  } catch {
    body = null;
  }
  return { status: res.status, headers: res.headers, body, text };
}

export interface ApiFixture {
  db: PgTestDb;
  pool: pg.Pool;
  config: Config;
  live: LiveEventsHandle;
  yoga: ApiYoga;
  viewer: CreatedToken;
  operator: CreatedToken;
  admin: CreatedToken;
  gql(token: string | undefined, query: string, variables?: Record<string, unknown>): Promise<GqlResult>;
  close(): Promise<void>;
}

export async function apiFixture(env: Record<string, string> = {}): Promise<ApiFixture> {
  const db = await pgTestPool({ migrate: true });
  const config = testConfig(env);
  const live = await createLiveEvents({ redis: { mode: 'memory' } });
  const yoga = createApi({ config, pool: db.pool, live });
  const [viewer, operator, admin] = await Promise.all([
    createToken(db.pool, { name: 'vera-viewer', role: 'viewer' }),
    createToken(db.pool, { name: 'otto-operator', role: 'operator' }),
    createToken(db.pool, { name: 'ada-admin', role: 'admin' }),
  ]);
  return {
    db, pool: db.pool, config, live, yoga, viewer, operator, admin,
    gql: (token, query, variables) => gqlFetch((u, i) => yoga.fetch(u, i), 'http://test', token, query, variables),
    close: async () => {
      await live.close();
      await db.drop();
    },
  };
}

/** A complete Edge as the pipeline publishes it. */
export function makeEdge(over: Partial<Edge> = {}): Edge {
  const ts = over.tsDetected ?? Date.now();
  return {
    edgeId: 'e-1',
    pairId: 'btc-100k',
    direction: 'aYes',
    sizeQty: 25_000_000,
    netEdgePerContractMicros: 12_500,
    profitMicros: 312_500,
    feesMicros: 40_000,
    capitalCostMicros: 1_000,
    payoutMicros: 25_000_000,
    legs: [
      { venue: 'polymarket', marketId: POLY_ID, outcome: 'yes', vwapMicros: 480_000, worstPriceMicros: 481_000, costMicros: 12_000_000, feeMicros: 0, levelsUsed: 2, tsVenue: ts - 50, tsReceived: ts - 45 },
      { venue: 'kalshi', marketId: KALSHI_ID, outcome: 'no', vwapMicros: 490_000, worstPriceMicros: 490_000, costMicros: 12_250_000, feeMicros: 40_000, levelsUsed: 1, tsVenue: ts - 40, tsReceived: ts - 30 },
    ],
    oldestBookTsReceived: ts - 30,
    tsDetected: ts,
    ...over,
  };
}

/**
 * A stored edge row. Without `details` it is a row as stored before the full legs were kept
 * (direction defaults to the old 'polyYes', which reads as 'aYes'); with `details` it is what the
 * persister writes today.
 */
export async function insertEdge(
  pool: pg.Pool,
  e: { edgeId: string; pairId?: string; direction?: string; ts: Date | string; netEdgeMicros: number; profitMicros?: number; sizeQty?: number; details?: Edge },
): Promise<void> {
  const details = e.details ? JSON.stringify({ legs: e.details.legs, payoutMicros: e.details.payoutMicros, oldestBookTsReceived: e.details.oldestBookTsReceived, tsDetected: e.details.tsDetected }) : null;
  await pool.query(
    `INSERT INTO edges (ts, edge_id, pair_id, direction, size_qty, net_edge_micros, profit_micros, fees_micros, a_vwap_micros, b_vwap_micros, details)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 1000, 480000, 490000, $8)`,
    [e.ts, e.edgeId, e.pairId ?? 'btc-100k', e.direction ?? 'polyYes', e.sizeQty ?? 10_000_000, e.netEdgeMicros, e.profitMicros ?? e.netEdgeMicros * 10, details],
  );
}

export async function insertPair(pool: pg.Pool, pairId = 'btc-100k', status = 'pending'): Promise<void> {
  await pool.query(
    `INSERT INTO venue_markets (venue, market_id, title, status) VALUES ('polymarket', $1, 'Will BTC close above $100k on Dec 31?', 'active'), ('kalshi', $2, 'Bitcoin above 100,000 on Dec 31', 'open')
     ON CONFLICT DO NOTHING`,
    [POLY_ID, KALSHI_ID],
  );
  await pool.query(
    `INSERT INTO market_pairs (pair_id, a_venue, a_market_id, b_venue, b_market_id, status, confidence, reasons, source)
     VALUES ($1, 'polymarket', $2, 'kalshi', $3, $4, 0.97, '["same threshold", "same date"]', 'llm')`,
    [pairId, POLY_ID, pairId === 'btc-100k' ? KALSHI_ID : `${KALSHI_ID}-${pairId}`, status],
  );
}
