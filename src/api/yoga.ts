/**
 * The GraphQL server (graphql-yoga 5): schema from schema/api.graphql, resolvers on the
 * database and the live events, auth, hardening. `createApi(...)` builds it; src/api/server.ts
 * listens (HTTP + graphql-ws); tests call `yoga.fetch`.
 *
 * Hardening, in request order: GraphiQL page (GET text/html) needs no token; every other request
 * to /graphql needs `Authorization: Bearer arb_…` (401 UNAUTHENTICATED), a body no larger than
 * config.api.maxBodyBytes (413), and a free slot in its token's bucket
 * (config.api.rateLimitPerMin, 429 RATE_LIMITED with Retry-After). Then graphql-armor (depth,
 * aliases, cost, tokens, directives; no field suggestions) and masked errors: only errors we
 * raise on purpose reach the client, each with `extensions.code`; anything else becomes
 * "Unexpected error." and is logged here with its stack.
 */
import { readFileSync } from 'node:fs';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { Kind, type GraphQLError, type ValueNode } from 'graphql';
import { createGraphQLError, createSchema, createYoga, maskError, shouldRenderGraphiQL, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type pg from 'pg';
import { z } from 'zod';
import type { Config } from '../config.js';
import { log } from '../log.js';
import { formatScaled } from '../../schema/money.js';
import type { Book } from '../../schema/book.js';
import type { Edge, RiskDecision } from '../../schema/edge.js';
import type { FeedStatus } from '../venues/common/types.js';
import { authenticate, bearerToken, createRateLimiter, hasRole, type Principal, type RateLimiter, type Role } from './auth.js';
import type { Alert, KillSwitchEvent, LiveEventsHandle } from './events.js';
import { loadRiskControl, RiskLimitsSchema, saveKillSwitch, saveRiskLimits, type RiskControlDetail } from './riskState.js';

export const SDL_PATH = new URL('../../schema/api.graphql', import.meta.url);
export const typeDefs = readFileSync(SDL_PATH, 'utf8');

/** What server.ts passes for a graphql-ws operation (HTTP requests are authenticated by the plugin). */
export interface ApiServerContext {
  principal?: Principal;
}

export interface ApiContext {
  readonly principal: Principal;
  readonly pool: pg.Pool;
  readonly live: LiveEventsHandle;
  readonly risk: Config['risk'];
}

export interface CreateApiOptions {
  readonly config: Pick<Config, 'api' | 'risk'>;
  readonly pool: pg.Pool;
  readonly live: LiveEventsHandle;
  /** Shared with the websocket path (server.ts) so that one token has one bucket. */
  readonly limiter?: RateLimiter;
  /** Armor limits (defaults below). */
  readonly limits?: Partial<ArmorLimits>;
}

export interface ArmorLimits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
  maxTokens: number;
  maxDirectives: number;
}
export const DEFAULT_ARMOR: ArmorLimits = { maxDepth: 10, maxAliases: 10, maxCost: 5000, maxTokens: 2000, maxDirectives: 20 };

export type ApiYoga = YogaServerInstance<ApiServerContext, ApiContext>;

export const GRAPHQL_PATH = '/graphql';

/** An error meant for the client (not masked), with its code. */
export const apiError = (message: string, code: string, extra: Record<string, unknown> = {}): GraphQLError =>
  createGraphQLError(message, { extensions: { code, ...extra } });

/**
 * By name, not instanceof: under vitest our modules may load graphql's ESM build while yoga's
 * executor loads the CJS one (dual package), so errors are created with yoga's createGraphQLError
 * and recognised by name. Scalars are plain objects for the same reason.
 */
export const isGraphQLError = (e: unknown): e is GraphQLError => e instanceof Error && e.name === 'GraphQLError';

interface ScalarConfig<TInternal, TExternal> {
  description?: string;
  serialize(v: unknown): TExternal;
  parseValue(v: unknown): TInternal;
  parseLiteral(ast: ValueNode): TInternal;
}

// ── scalars ──────────────────────────────────────────────────────────────────────────────────
function safeIntScalar(name: string, description: string): ScalarConfig<number, number> {
  const parse = (v: unknown): number => {
    const n = typeof v === 'string' && /^-?\d{1,16}$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw apiError(`${name} must be an integer within ±(2^53 − 1), got ${JSON.stringify(v)?.slice(0, 40)}`, 'BAD_USER_INPUT');
    return n;
  };
  return {
    description,
    serialize: (v) => {
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new TypeError(`${name}: not a safe integer`);
      return v;
    },
    parseValue: parse,
    parseLiteral: (ast: ValueNode) => {
      if (ast.kind === Kind.INT || ast.kind === Kind.STRING) return parse(ast.kind === Kind.INT ? ast.value : ast.value);
      throw apiError(`${name} must be an integer literal`, 'BAD_USER_INPUT');
    },
  };
}

const Usd: ScalarConfig<never, string> = {
  serialize: (v) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new TypeError('Usd: not integer micro-dollars');
    return formatScaled(v, 6);
  },
  parseValue: () => {
    throw apiError('Usd is output only: pass Micros', 'BAD_USER_INPUT');
  },
  parseLiteral: () => {
    throw apiError('Usd is output only: pass Micros', 'BAD_USER_INPUT');
  },
};

const toDate = (v: unknown): Date | undefined => (v instanceof Date ? v : typeof v === 'number' ? new Date(v) : undefined);
const DateTime: ScalarConfig<Date, string> = {
  serialize: (v) => {
    const d = toDate(v);
    if (!d || Number.isNaN(d.getTime())) throw new TypeError('DateTime: not a date');
    return d.toISOString();
  },
  parseValue: (v) => parseDate(v),
  parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : undefined),
};
function parseDate(v: unknown): Date {
  const d = typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/.test(v) ? new Date(v) : undefined;
  if (!d || Number.isNaN(d.getTime())) throw apiError('DateTime must be an ISO-8601 string with a time zone, e.g. 2025-01-31T12:00:00Z', 'BAD_USER_INPUT');
  return d;
}

// ── views (what resolvers hand to the schema) ────────────────────────────────────────────────
interface EdgeView {
  edgeId: string;
  pairId: string;
  direction: string;
  ts: Date;
  sizeQty: number;
  netEdgePerContractMicros: number;
  profitMicros: number;
  feesMicros: number;
  capitalCostMicros: number;
  polyVwapMicros: number | null;
  kalshiVwapMicros: number | null;
  polyTs: Date | null;
  kalshiTs: Date | null;
}

const EDGE_COLS = `edge_id, pair_id, direction, ts, size_qty, net_edge_micros, profit_micros, fees_micros, capital_cost_micros,
  poly_vwap_micros, kalshi_vwap_micros, poly_ts, kalshi_ts, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts_text`;

interface EdgeRow {
  edge_id: string;
  pair_id: string;
  direction: string;
  ts: Date;
  size_qty: number;
  net_edge_micros: number;
  profit_micros: number;
  fees_micros: number;
  capital_cost_micros: number;
  poly_vwap_micros: number | null;
  kalshi_vwap_micros: number | null;
  poly_ts: Date | null;
  kalshi_ts: Date | null;
  ts_text: string;
}

const edgeFromRow = (r: EdgeRow): EdgeView => ({
  edgeId: r.edge_id,
  pairId: r.pair_id,
  direction: r.direction,
  ts: r.ts,
  sizeQty: r.size_qty,
  netEdgePerContractMicros: r.net_edge_micros,
  profitMicros: r.profit_micros,
  feesMicros: r.fees_micros,
  capitalCostMicros: r.capital_cost_micros,
  polyVwapMicros: r.poly_vwap_micros,
  kalshiVwapMicros: r.kalshi_vwap_micros,
  polyTs: r.poly_ts,
  kalshiTs: r.kalshi_ts,
});

/** The GraphQL view of a live Edge (as the pipeline publishes it). */
export function edgeFromLive(e: Edge): EdgeView {
  const poly = e.legs.find((l) => l.venue === 'polymarket');
  const kalshi = e.legs.find((l) => l.venue === 'kalshi');
  return {
    edgeId: e.edgeId,
    pairId: e.pairId,
    direction: e.direction,
    ts: new Date(e.tsDetected),
    sizeQty: e.sizeQty,
    netEdgePerContractMicros: e.netEdgePerContractMicros,
    profitMicros: e.profitMicros,
    feesMicros: e.feesMicros,
    capitalCostMicros: e.capitalCostMicros,
    polyVwapMicros: poly?.vwapMicros ?? null,
    kalshiVwapMicros: kalshi?.vwapMicros ?? null,
    polyTs: Number.isFinite(e.polyTsVenue) ? new Date(e.polyTsVenue) : null,
    kalshiTs: Number.isFinite(e.kalshiTsVenue) ? new Date(e.kalshiTsVenue) : null,
  };
}

interface PairRow {
  pair_id: string;
  poly_market_id: string;
  kalshi_market_id: string;
  status: string;
  confidence: number | null;
  yes_maps_to_no: boolean;
  reasons: unknown;
  source: string;
  decided_by: string | null;
  updated_at: Date;
}
const PAIR_COLS = 'pair_id, poly_market_id, kalshi_market_id, status, confidence, yes_maps_to_no, reasons, source, decided_by, updated_at';

interface MarketRow {
  venue: string;
  market_id: string;
  title: string;
  status: string;
  category: string | null;
  close_time: Date | null;
}
const MARKET_COLS = 'venue, market_id, title, status, category, close_time';

interface BookTopView {
  venue: string;
  marketId: string;
  ts: Date;
  tsVenue: Date | null;
  yesBid: number | null;
  yesBidQty: number | null;
  yesAsk: number | null;
  yesAskQty: number | null;
  noBid: number | null;
  noBidQty: number | null;
  noAsk: number | null;
  noAskQty: number | null;
  issues: string[];
}

function bookTopFromLive(b: Book): BookTopView {
  return {
    venue: b.venue,
    marketId: b.marketId,
    ts: new Date(b.tsReceived),
    tsVenue: new Date(b.tsVenue),
    yesBid: b.yes.bids[0]?.price ?? null,
    yesBidQty: b.yes.bids[0]?.qty ?? null,
    yesAsk: b.yes.asks[0]?.price ?? null,
    yesAskQty: b.yes.asks[0]?.qty ?? null,
    noBid: b.no.bids[0]?.price ?? null,
    noBidQty: b.no.bids[0]?.qty ?? null,
    noAsk: b.no.asks[0]?.price ?? null,
    noAskQty: b.no.asks[0]?.qty ?? null,
    issues: [...b.issues],
  };
}

// subscription payloads: pure, module-level (the live bus shares one result per event among subscribers)
const edgeAddedPayload = (e: Edge) => ({ edgeAdded: edgeFromLive(e) });
const pairBookPayload = (b: Book) => ({ pairBook: bookTopFromLive(b) });
const feedStatusPayload = (s: FeedStatus) => ({ feedStatus: feedFromLive(s) });
const alertsPayload = (a: Alert) => ({ alerts: { ...a, ts: new Date(a.ts) } });
const killSwitchPayload = (k: KillSwitchEvent) => ({ killSwitchChanged: { on: k.on, updatedAt: new Date(k.ts), updatedBy: k.by } });
const decisionAddedPayload = (d: RiskDecision) => ({ decisionAdded: { edge: edgeFromLive(d.edge), accepted: d.accepted, reasons: d.reasons, ts: new Date(d.ts) } });

const feedFromLive = (s: FeedStatus) => ({ venue: s.venue, state: s.state, reason: s.reason ?? null, attempt: s.attempt, connId: s.connId ?? null, ts: new Date(s.ts) });

// ── argument validation ──────────────────────────────────────────────────────────────────────
function parseArgs<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw apiError(r.error.issues.map((i) => `${i.path.join('.') || 'argument'}: ${i.message}`).join('; '), 'BAD_USER_INPUT');
  return r.data;
}
const first = (max: number) => z.number().int().min(1).max(max);
const id = z.string().min(1).max(200);

const Cursor = z.union([
  z.tuple([z.literal('TS_DESC'), z.string().max(40), z.string().max(300)]),
  z.tuple([z.literal('NET_EDGE_DESC'), z.string().max(40), z.string().max(300), z.number().int()]),
]);
const encodeCursor = (v: z.infer<typeof Cursor>): string => Buffer.from(JSON.stringify(v)).toString('base64url');
function decodeCursor(s: string, orderBy: string): z.infer<typeof Cursor> {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
  } catch {
    throw apiError('invalid cursor', 'BAD_USER_INPUT');
  }
  const c = Cursor.safeParse(raw);
  if (!c.success || c.data[0] !== orderBy || Number.isNaN(Date.parse(c.data[1]))) throw apiError('invalid cursor (or a cursor from another orderBy)', 'BAD_USER_INPUT');
  return c.data;
}

/** Runs `fn` in a transaction and records the mutation in audit_log (also when refused or failed). */
async function mutation<T>(ctx: ApiContext, action: string, args: Record<string, unknown>, role: Role, fn: (db: pg.PoolClient) => Promise<T>): Promise<T> {
  const audit = (db: pg.Pool | pg.PoolClient, result: string) =>
    db.query('INSERT INTO audit_log (token_name, action, args, result) VALUES ($1, $2, $3, $4)', [ctx.principal.name, action, JSON.stringify(args), result]);
  if (!hasRole(ctx.principal, role)) {
    await audit(ctx.pool, 'forbidden');
    log.warn({ token: ctx.principal.name, role: ctx.principal.role, action }, 'api: mutation refused (role)');
    throw apiError(`${action} needs the ${role} role (this token is ${ctx.principal.role})`, 'FORBIDDEN');
  }
  const client = await ctx.pool.connect();
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await audit(client, 'ok');
    await client.query('COMMIT');
    log.info({ token: ctx.principal.name, action, args }, 'api: mutation');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    const code = isGraphQLError(err) ? String(err.extensions.code ?? 'error') : 'internal';
    await audit(ctx.pool, `error: ${code}`).catch((e: unknown) => log.error({ err: e }, 'api: cannot write audit row'));
    throw err;
  } finally {
    client.release();
  }
}

const killSwitchView = (c: RiskControlDetail) => ({ on: c.killSwitch, updatedAt: c.killSwitchUpdatedAt, updatedBy: c.killSwitchBy });
const limitsView = (c: RiskControlDetail) => ({
  ...c.limits,
  minEdgePerContract: c.limits.minEdgePerContractMicros,
  maxTotalExposure: c.limits.maxTotalExposureMicros,
  updatedAt: c.limitsUpdatedAt,
  updatedBy: c.limitsBy,
});

type Args = Record<string, unknown>;

function resolvers() {
  return {
    Micros: safeIntScalar('Micros', 'integer micro-dollars'),
    Qty: safeIntScalar('Qty', 'integer millionths of a contract'),
    Usd,
    DateTime,
    Query: {
      async edges(_: unknown, args: Args, ctx: ApiContext) {
        const a = parseArgs(
          z.object({
            filter: z
              .object({ pairId: id.nullish(), direction: z.enum(['polyYes', 'polyNo']).nullish(), minNetEdgeMicros: z.number().int().nullish(), since: z.date().nullish(), until: z.date().nullish() })
              .nullish(),
            orderBy: z.enum(['TS_DESC', 'NET_EDGE_DESC']).default('TS_DESC'),
            first: first(200).default(50),
            after: z.string().max(1000).nullish(),
          }),
          args,
        );
        const where: string[] = [];
        const params: unknown[] = [];
        const p = (v: unknown): string => `$${params.push(v)}`;
        const f = a.filter;
        if (f?.pairId) where.push(`pair_id = ${p(f.pairId)}`);
        if (f?.direction) where.push(`direction = ${p(f.direction)}`);
        if (f?.minNetEdgeMicros != null) where.push(`net_edge_micros >= ${p(f.minNetEdgeMicros)}`);
        if (f?.since) where.push(`ts >= ${p(f.since)}`);
        if (f?.until) where.push(`ts < ${p(f.until)}`);
        if (a.after) {
          const c = decodeCursor(a.after, a.orderBy);
          if (c[0] === 'TS_DESC') where.push(`(ts, edge_id) < (${p(c[1])}::timestamptz, ${p(c[2])})`);
          else where.push(`(net_edge_micros, ts, edge_id) < (${p(c[3])}::bigint, ${p(c[1])}::timestamptz, ${p(c[2])})`);
        }
        const order = a.orderBy === 'TS_DESC' ? 'ts DESC, edge_id DESC' : 'net_edge_micros DESC, ts DESC, edge_id DESC';
        const sql = `SELECT ${EDGE_COLS} FROM edges ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY ${order} LIMIT ${p(a.first + 1)}`;
        const rows = (await ctx.pool.query(sql, params)).rows as EdgeRow[];
        const page = rows.slice(0, a.first);
        const edges = page.map((r) => ({
          cursor: encodeCursor(a.orderBy === 'TS_DESC' ? ['TS_DESC', r.ts_text, r.edge_id] : ['NET_EDGE_DESC', r.ts_text, r.edge_id, r.net_edge_micros]),
          node: edgeFromRow(r),
        }));
        return { edges, pageInfo: { hasNextPage: rows.length > a.first, endCursor: edges.at(-1)?.cursor ?? null } };
      },
      async topEdges(_: unknown, args: Args, ctx: ApiContext) {
        const a = parseArgs(z.object({ limit: first(200).default(20), withinSeconds: z.number().int().min(1).max(86_400 * 7).default(900) }), args);
        const rows = (
          await ctx.pool.query(
            `SELECT * FROM (
               SELECT DISTINCT ON (pair_id, direction) ${EDGE_COLS} FROM edges
               WHERE ts >= now() - make_interval(secs => $1) ORDER BY pair_id, direction, ts DESC
             ) t ORDER BY net_edge_micros DESC, ts DESC LIMIT $2`,
            [a.withinSeconds, a.limit],
          )
        ).rows as EdgeRow[];
        return rows.map(edgeFromRow);
      },
      async pairs(_: unknown, args: Args, ctx: ApiContext) {
        const a = parseArgs(z.object({ status: z.enum(['pending', 'approved', 'rejected']).nullish(), first: first(1000).default(200) }), args);
        return (await ctx.pool.query(`SELECT ${PAIR_COLS} FROM market_pairs WHERE ($1::text IS NULL OR status = $1) ORDER BY updated_at DESC, pair_id LIMIT $2`, [a.status ?? null, a.first])).rows as PairRow[];
      },
      async pair(_: unknown, args: Args, ctx: ApiContext) {
        const a = parseArgs(z.object({ pairId: id }), args);
        return ((await ctx.pool.query(`SELECT ${PAIR_COLS} FROM market_pairs WHERE pair_id = $1`, [a.pairId])).rows[0] as PairRow | undefined) ?? null;
      },
      async markets(_: unknown, args: Args, ctx: ApiContext) {
        const a = parseArgs(z.object({ venue: z.enum(['polymarket', 'kalshi']).nullish(), search: z.string().max(200).nullish(), first: first(200).default(50) }), args);
        const like = a.search ? `%${a.search.replace(/[\\%_]/g, (c) => '\\' + c)}%` : null;
        return (
          await ctx.pool.query(
            `SELECT ${MARKET_COLS} FROM venue_markets WHERE ($1::text IS NULL OR venue = $1) AND ($2::text IS NULL OR title ILIKE $2 ESCAPE '\\')
             ORDER BY close_time NULLS LAST, venue, market_id LIMIT $3`,
            [a.venue ?? null, like, a.first],
          )
        ).rows as MarketRow[];
      },
      async currentBooks(_: unknown, args: Args, ctx: ApiContext) {
        const a = parseArgs(z.object({ pairId: id }), args);
        const pair = (await ctx.pool.query(`SELECT ${PAIR_COLS} FROM market_pairs WHERE pair_id = $1`, [a.pairId])).rows[0] as PairRow | undefined;
        if (!pair) return null;
        const top = async (venue: string, marketId: string): Promise<BookTopView | null> => {
          const r = (
            await ctx.pool.query(
              `SELECT venue, market_id, ts, ts_venue, yes_bid, yes_bid_qty, yes_ask, yes_ask_qty, no_bid, no_bid_qty, no_ask, no_ask_qty, issues
               FROM book_tops WHERE venue = $1 AND market_id = $2 ORDER BY ts DESC LIMIT 1`,
              [venue, marketId],
            )
          ).rows[0] as Record<string, unknown> | undefined;
          if (!r) return null;
          return {
            venue: r.venue as string,
            marketId: r.market_id as string,
            ts: r.ts as Date,
            tsVenue: (r.ts_venue as Date | null) ?? null,
            yesBid: r.yes_bid as number | null,
            yesBidQty: r.yes_bid_qty as number | null,
            yesAsk: r.yes_ask as number | null,
            yesAskQty: r.yes_ask_qty as number | null,
            noBid: r.no_bid as number | null,
            noBidQty: r.no_bid_qty as number | null,
            noAsk: r.no_ask as number | null,
            noAskQty: r.no_ask_qty as number | null,
            issues: (r.issues as string[] | null) ?? [],
          };
        };
        const [poly, kalshi] = await Promise.all([top('polymarket', pair.poly_market_id), top('kalshi', pair.kalshi_market_id)]);
        return { pairId: pair.pair_id, poly, kalshi };
      },
      async feedHealth(_: unknown, __: Args, ctx: ApiContext) {
        const rows = (await ctx.pool.query('SELECT DISTINCT ON (venue) venue, state, reason, attempt, conn_id, ts FROM feed_health ORDER BY venue, ts DESC')).rows as {
          venue: string; state: string; reason: string | null; attempt: number; conn_id: string | null; ts: Date;
        }[];
        return rows.map((r) => ({ venue: r.venue, state: r.state, reason: r.reason, attempt: r.attempt, connId: r.conn_id, ts: r.ts }));
      },
      async leadLag(_: unknown, args: Args, ctx: ApiContext) {
        const a = parseArgs(z.object({ pairId: id }), args);
        const rows = (
          await ctx.pool.query('SELECT DISTINCT ON (window_ms) pair_id, window_ms, lag_ms, coefficient, samples, ts FROM lead_lag WHERE pair_id = $1 ORDER BY window_ms, ts DESC', [a.pairId])
        ).rows as { pair_id: string; window_ms: number; lag_ms: number; coefficient: number; samples: number; ts: Date }[];
        return rows.map((r) => ({ pairId: r.pair_id, windowMs: r.window_ms, lagMs: r.lag_ms, coefficient: r.coefficient, samples: r.samples, ts: r.ts }));
      },
      async llmUsage(_: unknown, args: Args, ctx: ApiContext) {
        const a = parseArgs(z.object({ since: z.date().nullish() }), args);
        const rows = (
          await ctx.pool.query(
            `SELECT provider, count(*)::bigint AS calls, count(*) FILTER (WHERE error IS NOT NULL)::bigint AS errors,
                    count(*) FILTER (WHERE cache_hit)::bigint AS cache_hits,
                    coalesce(sum(prompt_tokens), 0)::bigint AS prompt_tokens, coalesce(sum(completion_tokens), 0)::bigint AS completion_tokens,
                    coalesce(sum(cost_micros), 0)::bigint AS cost_micros
             FROM llm_calls WHERE ($1::timestamptz IS NULL OR ts >= $1) GROUP BY provider ORDER BY provider`,
            [a.since ?? null],
          )
        ).rows as { provider: string; calls: number; errors: number; cache_hits: number; prompt_tokens: number; completion_tokens: number; cost_micros: number }[];
        return rows.map((r) => ({
          provider: r.provider, calls: r.calls, errors: r.errors, cacheHits: r.cache_hits, promptTokens: r.prompt_tokens,
          completionTokens: r.completion_tokens, costMicros: r.cost_micros, cost: r.cost_micros,
        }));
      },
      riskLimits: async (_: unknown, __: Args, ctx: ApiContext) => limitsView(await loadRiskControl(ctx.pool, ctx.risk)),
      killSwitch: async (_: unknown, __: Args, ctx: ApiContext) => killSwitchView(await loadRiskControl(ctx.pool, ctx.risk)),
      me: (_: unknown, __: Args, ctx: ApiContext) => ({ name: ctx.principal.name, role: ctx.principal.role }),
    },
    Mutation: {
      async approvePair(_: unknown, args: Args, ctx: ApiContext) {
        const a = parseArgs(z.object({ pairId: id }), args);
        const row = await mutation(ctx, 'approvePair', a, 'operator', async (db) => {
          const r = (await db.query(`UPDATE market_pairs SET status = 'approved', decided_by = $2, updated_at = now() WHERE pair_id = $1 RETURNING ${PAIR_COLS}`, [a.pairId, ctx.principal.name])).rows[0] as PairRow | undefined;
          if (!r) throw apiError(`no pair ${a.pairId}`, 'NOT_FOUND');
          return r;
        });
        ctx.live.events.publishPairStatus({ pairId: row.pair_id, status: 'approved', by: ctx.principal.name });
        return row;
      },
      async rejectPair(_: unknown, args: Args, ctx: ApiContext) {
        const a = parseArgs(z.object({ pairId: id, reason: z.string().trim().min(1).max(500) }), args);
        const row = await mutation(ctx, 'rejectPair', a, 'operator', async (db) => {
          const r = (
            await db.query(
              `UPDATE market_pairs SET status = 'rejected', decided_by = $2, updated_at = now(),
                 reasons = CASE WHEN jsonb_typeof(reasons) = 'array' THEN reasons ELSE '[]'::jsonb END || jsonb_build_array($3::text)
               WHERE pair_id = $1 RETURNING ${PAIR_COLS}`,
              [a.pairId, ctx.principal.name, `rejected by ${ctx.principal.name}: ${a.reason}`],
            )
          ).rows[0] as PairRow | undefined;
          if (!r) throw apiError(`no pair ${a.pairId}`, 'NOT_FOUND');
          return r;
        });
        ctx.live.events.publishPairStatus({ pairId: row.pair_id, status: 'rejected', by: ctx.principal.name });
        return row;
      },
      async setKillSwitch(_: unknown, args: Args, ctx: ApiContext) {
        const a = parseArgs(z.object({ on: z.boolean() }), args);
        await mutation(ctx, 'setKillSwitch', a, 'operator', (db) => saveKillSwitch(db, a.on, ctx.principal.name));
        ctx.live.events.publishKillSwitch(a.on, ctx.principal.name);
        ctx.live.events.publishAlert({ level: a.on ? 'critical' : 'warn', message: `kill switch ${a.on ? 'ON' : 'OFF'} (by ${ctx.principal.name})`, ts: Date.now() });
        return killSwitchView(await loadRiskControl(ctx.pool, ctx.risk));
      },
      async setRiskLimits(_: unknown, args: Args, ctx: ApiContext) {
        const input = parseArgs(z.object({ input: RiskLimitsSchema.partial().nullable().transform((v) => v ?? {}) }), {
          input: Object.fromEntries(Object.entries((args.input ?? {}) as Args).filter(([, v]) => v !== null && v !== undefined)),
        }).input;
        if (Object.keys(input).length === 0) throw apiError('setRiskLimits: give at least one limit', 'BAD_USER_INPUT');
        const limits = await mutation(ctx, 'setRiskLimits', input, 'admin', async (db) => {
          await db.query("SELECT pg_advisory_xact_lock(hashtext('risk_limits'))");
          const merged = { ...(await loadRiskControl(db, ctx.risk)).limits, ...input };
          await saveRiskLimits(db, merged, ctx.principal.name);
          return merged;
        });
        ctx.live.events.publishRiskLimits(limits, ctx.principal.name);
        return limitsView(await loadRiskControl(ctx.pool, ctx.risk));
      },
    },
    // Each returns the live bus's view directly: the filter runs at delivery and the projection
    // (module-level functions below) once per event, shared by every subscriber of the topic.
    Subscription: {
      edgeAdded: {
        subscribe: (_: unknown, args: Args, ctx: ApiContext) => {
          const a = parseArgs(z.object({ minNetEdgeMicros: z.number().int().nullish() }), args);
          const min = a.minNetEdgeMicros;
          return ctx.live.view('edge', { ...(min != null ? { filter: (e: Edge) => e.netEdgePerContractMicros >= min } : {}), map: edgeAddedPayload });
        },
      },
      pairBook: {
        subscribe: (_: unknown, args: Args, ctx: ApiContext) => {
          const a = parseArgs(z.object({ pairId: id }), args);
          return ctx.live.view('book', { key: a.pairId, map: pairBookPayload });
        },
      },
      feedStatus: {
        subscribe: (_: unknown, __: Args, ctx: ApiContext) => ctx.live.view('feedStatus', { map: feedStatusPayload }),
      },
      alerts: {
        subscribe: (_: unknown, __: Args, ctx: ApiContext) => ctx.live.view('alert', { map: alertsPayload }),
      },
      killSwitchChanged: {
        subscribe: (_: unknown, __: Args, ctx: ApiContext) => ctx.live.view('killSwitch', { map: killSwitchPayload }),
      },
      decisionAdded: {
        subscribe: (_: unknown, args: Args, ctx: ApiContext) => {
          const a = parseArgs(z.object({ acceptedOnly: z.boolean().nullish() }), args);
          return ctx.live.view('decision', { ...(a.acceptedOnly ? { filter: (d: RiskDecision) => d.accepted } : {}), map: decisionAddedPayload });
        },
      },
    },
    Edge: {
      netEdgePerContract: (e: EdgeView) => e.netEdgePerContractMicros,
      profit: (e: EdgeView) => e.profitMicros,
      pair: async (e: EdgeView, _: Args, ctx: ApiContext) => ((await ctx.pool.query(`SELECT ${PAIR_COLS} FROM market_pairs WHERE pair_id = $1`, [e.pairId])).rows[0] as PairRow | undefined) ?? null,
    },
    Pair: {
      pairId: (p: PairRow) => p.pair_id,
      polyMarketId: (p: PairRow) => p.poly_market_id,
      kalshiMarketId: (p: PairRow) => p.kalshi_market_id,
      yesMapsToNo: (p: PairRow) => p.yes_maps_to_no,
      decidedBy: (p: PairRow) => p.decided_by,
      updatedAt: (p: PairRow) => p.updated_at,
      reasons: (p: PairRow) => (Array.isArray(p.reasons) ? p.reasons.map((r: unknown) => (typeof r === 'string' ? r : JSON.stringify(r))) : []),
      polyMarket: async (p: PairRow, _: Args, ctx: ApiContext) =>
        ((await ctx.pool.query(`SELECT ${MARKET_COLS} FROM venue_markets WHERE venue = 'polymarket' AND market_id = $1`, [p.poly_market_id])).rows[0] as MarketRow | undefined) ?? null,
      kalshiMarket: async (p: PairRow, _: Args, ctx: ApiContext) =>
        ((await ctx.pool.query(`SELECT ${MARKET_COLS} FROM venue_markets WHERE venue = 'kalshi' AND market_id = $1`, [p.kalshi_market_id])).rows[0] as MarketRow | undefined) ?? null,
      recentEdges: async (p: PairRow, args: Args, ctx: ApiContext) => {
        const a = parseArgs(z.object({ limit: first(50).default(10) }), args);
        return ((await ctx.pool.query(`SELECT ${EDGE_COLS} FROM edges WHERE pair_id = $1 ORDER BY ts DESC LIMIT $2`, [p.pair_id, a.limit])).rows as EdgeRow[]).map(edgeFromRow);
      },
    },
    Market: {
      marketId: (m: MarketRow) => m.market_id,
      closeTime: (m: MarketRow) => m.close_time,
      pairs: async (m: MarketRow, _: Args, ctx: ApiContext) =>
        (await ctx.pool.query(`SELECT ${PAIR_COLS} FROM market_pairs WHERE ${m.venue === 'polymarket' ? 'poly_market_id' : 'kalshi_market_id'} = $1 ORDER BY pair_id LIMIT 100`, [m.market_id])).rows as PairRow[],
    },
  };
}

/** Codes for graphql-armor's rejections (it raises plain GraphQLErrors). */
function armorCode(message: string): string {
  if (/depth/i.test(message)) return 'QUERY_TOO_DEEP';
  if (/alias/i.test(message)) return 'TOO_MANY_ALIASES';
  if (/cost/i.test(message)) return 'QUERY_TOO_COSTLY';
  if (/token limit/i.test(message)) return 'TOO_MANY_TOKENS';
  if (/directive/i.test(message)) return 'TOO_MANY_DIRECTIVES';
  return 'GRAPHQL_VALIDATION_FAILED';
}
const needsCode = (e: { message: string; extensions?: Record<string, unknown> }): boolean =>
  !e.extensions?.code || (e.extensions.code === 'GRAPHQL_PARSE_FAILED' && /token limit/i.test(e.message));
/** The error with an `extensions.code` (armor and graphql validation errors have none). */
export const withCode = (e: Error): Error =>
  !isGraphQLError(e) || !needsCode(e) ? e : createGraphQLError(e.message, { nodes: e.nodes, source: e.source, positions: e.positions, path: e.path, extensions: { ...e.extensions, code: armorCode(e.message) } });

/** Gives every error that reaches a client without a code (armor's, graphql's validation) an `extensions.code`. */
const useErrorCodes = (): Plugin => ({
  onResultProcess({ result, setResult }) {
    if (Array.isArray(result) || Symbol.asyncIterator in result) return;
    const errors = result.errors;
    if (errors?.some((e) => needsCode(e))) setResult({ ...result, errors: errors.map((e) => withCode(e as Error) as GraphQLError) });
  },
});

const json = (status: number, message: string, code: string, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });

/** Authentication, body size and rate limit for HTTP requests to /graphql. */
function useHttpGuard(opts: { pool: pg.Pool; maxBodyBytes: number; limiter: RateLimiter; principals: WeakMap<Request, Principal> }): Plugin<ApiServerContext> {
  return {
    async onRequest({ request, url, endResponse }) {
      if (url.pathname !== GRAPHQL_PATH) return;
      if (shouldRenderGraphiQL(request) && !url.searchParams.has('query')) return; // the GraphiQL page itself
      const len = Number(request.headers.get('content-length') ?? '0');
      if (!Number.isFinite(len) || len > opts.maxBodyBytes) {
        endResponse(json(413, `request body larger than ${opts.maxBodyBytes} bytes`, 'PAYLOAD_TOO_LARGE'));
        return;
      }
      let principal: Principal | undefined;
      try {
        principal = await authenticate(opts.pool, bearerToken(request.headers.get('authorization')));
      } catch (err) {
        log.error({ err }, 'api: token lookup failed');
        endResponse(json(503, 'authentication unavailable, try again', 'SERVICE_UNAVAILABLE'));
        return;
      }
      if (!principal) {
        log.info({ path: url.pathname }, 'api: unauthenticated request refused');
        endResponse(json(401, 'missing, invalid or revoked API token (Authorization: Bearer arb_…)', 'UNAUTHENTICATED', { 'www-authenticate': 'Bearer realm="arbstream"' }));
        return;
      }
      const waitMs = opts.limiter.take(principal.tokenId);
      if (waitMs > 0) {
        log.warn({ token: principal.name }, 'api: rate limited');
        endResponse(json(429, `rate limit exceeded; retry in ${Math.ceil(waitMs / 1000)} s`, 'RATE_LIMITED', { 'retry-after': String(Math.ceil(waitMs / 1000)) }));
        return;
      }
      opts.principals.set(request, principal);
    },
  };
}

export const GRAPHIQL_DEFAULT_QUERY = `# Every operation needs your API token: put it in the Headers tab below
# as {"Authorization": "Bearer arb_..."}.
# Money: *Micros are integer micro-dollars; Usd fields are exact dollar strings.

query Overview {
  me { name role }
  killSwitch { on updatedBy updatedAt }
  topEdges(limit: 10) { pairId direction netEdgePerContract profit sizeQty ts }
  pairs(status: approved) { pairId status confidence polyMarket { title } }
  feedHealth { venue state reason ts }
}

query EdgePage($after: String) {
  edges(first: 20, after: $after, orderBy: NET_EDGE_DESC, filter: { minNetEdgeMicros: 10000 }) {
    edges { cursor node { edgeId pairId direction netEdgePerContractMicros profitMicros ts } }
    pageInfo { hasNextPage endCursor }
  }
}

subscription LiveEdges {
  edgeAdded(minNetEdgeMicros: 0) { edgeId pairId direction netEdgePerContract profit ts }
}
`;

/** Builds the yoga server. `principal` comes from the HTTP guard, or from server.ts for graphql-ws. */
export function createApi(opts: CreateApiOptions): ApiYoga {
  const armor = { ...DEFAULT_ARMOR, ...opts.limits };
  const limiter = opts.limiter ?? createRateLimiter({ perMin: opts.config.api.rateLimitPerMin });
  const principals = new WeakMap<Request, Principal>();
  return createYoga<ApiServerContext, ApiContext>({
    schema: createSchema<ApiContext>({ typeDefs, resolvers: resolvers() }),
    graphqlEndpoint: GRAPHQL_PATH,
    cors: false,
    landingPage: false,
    logging: { debug: () => undefined, info: () => undefined, warn: (...a: unknown[]) => log.warn({ yoga: a }, 'yoga'), error: (...a: unknown[]) => log.error({ yoga: a }, 'yoga') },
    maskedErrors: {
      isDev: false,
      maskError: (err, message, isDev) => {
        const original = isGraphQLError(err) ? err.originalError : err;
        if (!isGraphQLError(err) || (original && !isGraphQLError(original))) log.error({ err: original ?? err }, 'api: unexpected error (masked)');
        return maskError(err, message, isDev);
      },
    },
    graphiql: {
      title: 'arbstream GraphQL',
      defaultQuery: GRAPHIQL_DEFAULT_QUERY,
      headers: JSON.stringify({ Authorization: 'Bearer arb_paste_your_token_here' }),
      subscriptionsProtocol: 'SSE',
    },
    context: ({ request, principal }: { request: Request } & ApiServerContext): ApiContext => {
      const p = principal ?? principals.get(request);
      // unreachable through the server (the guard answered 401 already); kept as a hard stop
      if (!p) throw apiError('missing or invalid API token', 'UNAUTHENTICATED');
      return { principal: p, pool: opts.pool, live: opts.live, risk: opts.config.risk };
    },
    plugins: [
      useHttpGuard({ pool: opts.pool, maxBodyBytes: opts.config.api.maxBodyBytes, limiter, principals }),
      // two armor instances so that depth is checked before cost (a deep query reports QUERY_TOO_DEEP)
      EnvelopArmorPlugin({
        maxDepth: { n: armor.maxDepth },
        maxAliases: { n: armor.maxAliases },
        costLimit: { enabled: false },
        maxTokens: { n: armor.maxTokens },
        maxDirectives: { n: armor.maxDirectives },
        blockFieldSuggestion: { enabled: true },
      }),
      EnvelopArmorPlugin({
        maxDepth: { enabled: false },
        maxAliases: { enabled: false },
        costLimit: { maxCost: armor.maxCost },
        maxTokens: { enabled: false },
        maxDirectives: { enabled: false },
        blockFieldSuggestion: { enabled: false },
      }),
      useErrorCodes(),
    ],
  });
}
