/**
 * `edges` reads: keyset pages, the latest edge per pair and direction, and the newest edges of
 * many pairs in one query. Legs by position (a_* = leg A = legs[0], b_* = leg B = legs[1]);
 * `details` (jsonb, written by the persister) holds the full legs; rows without it get their
 * legs' venue and market from the pair (LEFT JOIN market_pairs) and nulls for what is unknown.
 * Stored directions 'polyYes'/'polyNo' read as 'aYes'/'aNo' (schema/edge.ts StoredEdgeDirection).
 */
import { z } from 'zod';
import { directionFromStored, type Edge, type EdgeDirection, type EdgeLeg } from '../../../schema/edge.js';
import { Outcome, VenueId } from '../../../schema/venue.js';
import type { Queryable } from './types.js';

type Nullable<T> = { [K in keyof T]: T[K] | null };

/** A stored leg: what the row says; the book figures are null on rows stored without details. */
export type StoredEdgeLeg = Pick<EdgeLeg, 'venue' | 'marketId' | 'outcome'> & Nullable<Omit<EdgeLeg, 'venue' | 'marketId' | 'outcome'>>;

/**
 * A stored edge: the Edge (schema/edge.ts) as a row holds it. `ts` is the stored time (the
 * aligned book time), `tsText` its exact text (µs, for cursors). A field added to Edge appears
 * here and {@link edgeFromRow} no longer compiles until it reads it.
 */
export type StoredEdge = Omit<Edge, 'legs' | 'tsDetected' | 'oldestBookTsReceived'> & {
  readonly ts: Date;
  readonly tsText: string;
  /** legs[i] = pair leg i; empty when neither details nor the pair row say what the legs were */
  readonly legs: readonly StoredEdgeLeg[];
};

const EDGE_COLS = `e.edge_id, e.pair_id, e.direction, e.ts, e.size_qty, e.net_edge_micros, e.profit_micros, e.fees_micros, e.capital_cost_micros,
  e.a_vwap_micros, e.b_vwap_micros, e.a_ts, e.b_ts, e.details, p.a_venue, p.a_market_id, p.b_venue, p.b_market_id, p.yes_maps_to_no,
  to_char(e.ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts_text`;
const FROM = 'edges e LEFT JOIN market_pairs p ON p.pair_id = e.pair_id';

const DetailLeg = z.object({
  venue: VenueId,
  marketId: z.string(),
  outcome: Outcome,
  vwapMicros: z.number().int(),
  worstPriceMicros: z.number().int(),
  costMicros: z.number().int(),
  feeMicros: z.number().int(),
  levelsUsed: z.number().int(),
  tsVenue: z.number().optional(),
  tsReceived: z.number().optional(),
});
const Details = z.object({ legs: z.tuple([DetailLeg, DetailLeg]).optional(), payoutMicros: z.number().int().optional() }).passthrough();

const num = (v: unknown): number | null => (typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : null);
const ms = (v: unknown): number | null => (v instanceof Date ? v.getTime() : null);

/** Leg A buys the direction's outcome; leg B the complement (the same-named outcome when yesMapsToNo). */
function outcomes(direction: EdgeDirection, yesMapsToNo: boolean): readonly [Outcome, Outcome] {
  const a: Outcome = direction === 'aYes' ? 'yes' : 'no';
  const other: Outcome = a === 'yes' ? 'no' : 'yes';
  return [a, yesMapsToNo ? a : other];
}

function legsFromRow(r: Record<string, unknown>, direction: EdgeDirection): StoredEdgeLeg[] {
  const vwap = [num(r.a_vwap_micros), num(r.b_vwap_micros)];
  const ts = [ms(r.a_ts), ms(r.b_ts)];
  const d = Details.safeParse(r.details);
  if (d.success && d.data.legs) {
    return d.data.legs.map((l, i) => ({ ...l, tsVenue: l.tsVenue ?? ts[i] ?? null, tsReceived: l.tsReceived ?? null }));
  }
  const venues = [VenueId.safeParse(r.a_venue), VenueId.safeParse(r.b_venue)] as const;
  if (!venues[0].success || !venues[1].success || typeof r.a_market_id !== 'string' || typeof r.b_market_id !== 'string') return [];
  const o = outcomes(direction, r.yes_maps_to_no === true);
  const ids = [r.a_market_id, r.b_market_id];
  return [venues[0].data, venues[1].data].map((venue, i) => ({
    venue, marketId: ids[i] as string, outcome: o[i] as Outcome,
    vwapMicros: vwap[i] ?? null, worstPriceMicros: null, costMicros: null, feeMicros: null, levelsUsed: null, tsVenue: ts[i] ?? null, tsReceived: null,
  }));
}

/** Maps one row of EDGE_COLS. */
export function edgeFromRow(r: Record<string, unknown>): StoredEdge {
  const direction = directionFromStored(String(r.direction));
  const sizeQty = Number(r.size_qty);
  const d = Details.safeParse(r.details);
  return {
    edgeId: String(r.edge_id),
    pairId: String(r.pair_id),
    direction,
    ts: r.ts as Date,
    tsText: String(r.ts_text),
    sizeQty,
    netEdgePerContractMicros: Number(r.net_edge_micros),
    profitMicros: Number(r.profit_micros),
    feesMicros: Number(r.fees_micros),
    capitalCostMicros: Number(r.capital_cost_micros),
    // 1 contract pays $1: sizeQty millionths of a contract pay sizeQty micro-dollars
    payoutMicros: (d.success ? d.data.payoutMicros : undefined) ?? sizeQty,
    legs: legsFromRow(r, direction),
  };
}

const rowsOf = (res: { rows: unknown[] }): StoredEdge[] => (res.rows as Record<string, unknown>[]).map(edgeFromRow);

/** The stored direction values that read as `d` (old rows say polyYes/polyNo). */
const storedDirections = (d: EdgeDirection): string[] => (d === 'aYes' ? ['aYes', 'polyYes'] : ['aNo', 'polyNo']);
const DIRECTION_SQL = "CASE e.direction WHEN 'polyYes' THEN 'aYes' WHEN 'polyNo' THEN 'aNo' ELSE e.direction END";

export type EdgeOrder = 'TS_DESC' | 'NET_EDGE_DESC';

export interface EdgePageQuery {
  readonly pairId?: string | null;
  readonly direction?: EdgeDirection | null;
  readonly minNetEdgeMicros?: number | null;
  /** inclusive */
  readonly since?: Date | null;
  /** exclusive */
  readonly until?: Date | null;
  readonly orderBy: EdgeOrder;
  /** keyset: rows strictly after this sort key */
  readonly after?: { readonly tsText: string; readonly edgeId: string; readonly netEdgeMicros?: number } | null;
  readonly limit: number;
}

/** One page of edges in `orderBy` order (ties broken by ts, then edge id, descending). */
export async function pageEdges(db: Queryable, q: EdgePageQuery): Promise<StoredEdge[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown): string => `$${params.push(v)}`;
  if (q.pairId) where.push(`e.pair_id = ${p(q.pairId)}`);
  if (q.direction) where.push(`e.direction = ANY(${p(storedDirections(q.direction))}::text[])`);
  if (q.minNetEdgeMicros != null) where.push(`e.net_edge_micros >= ${p(q.minNetEdgeMicros)}`);
  if (q.since) where.push(`e.ts >= ${p(q.since)}`);
  if (q.until) where.push(`e.ts < ${p(q.until)}`);
  if (q.after) {
    if (q.orderBy === 'TS_DESC') where.push(`(e.ts, e.edge_id) < (${p(q.after.tsText)}::timestamptz, ${p(q.after.edgeId)})`);
    else where.push(`(e.net_edge_micros, e.ts, e.edge_id) < (${p(q.after.netEdgeMicros ?? 0)}::bigint, ${p(q.after.tsText)}::timestamptz, ${p(q.after.edgeId)})`);
  }
  const order = q.orderBy === 'TS_DESC' ? 'e.ts DESC, e.edge_id DESC' : 'e.net_edge_micros DESC, e.ts DESC, e.edge_id DESC';
  return rowsOf(await db.query(`SELECT ${EDGE_COLS} FROM ${FROM} ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY ${order} LIMIT ${p(q.limit)}`, params));
}

/** The latest edge of each pair and direction stored in the last `withinSeconds`, best net edge first. */
export async function topEdges(db: Queryable, q: { withinSeconds: number; limit: number }): Promise<StoredEdge[]> {
  return rowsOf(
    await db.query(
      `SELECT * FROM (
         SELECT DISTINCT ON (e.pair_id, ${DIRECTION_SQL}) ${EDGE_COLS} FROM ${FROM}
         WHERE e.ts >= now() - make_interval(secs => $1) ORDER BY e.pair_id, ${DIRECTION_SQL}, e.ts DESC
       ) t ORDER BY net_edge_micros DESC, ts DESC LIMIT $2`,
      [q.withinSeconds, q.limit],
    ),
  );
}

/** The newest `limit` edges of each pair, one query; every requested pair has an entry (possibly empty). */
export async function recentEdgesByPairs(db: Queryable, pairIds: readonly string[], limit: number): Promise<Map<string, StoredEdge[]>> {
  const out = new Map<string, StoredEdge[]>(pairIds.map((id) => [id, []]));
  if (pairIds.length === 0) return out;
  const res = await db.query(
    `SELECT ${EDGE_COLS} FROM unnest($1::text[]) AS k(pair_id)
     CROSS JOIN LATERAL (SELECT * FROM edges x WHERE x.pair_id = k.pair_id ORDER BY x.ts DESC LIMIT $2) e
     LEFT JOIN market_pairs p ON p.pair_id = e.pair_id
     ORDER BY e.pair_id, e.ts DESC`,
    [[...out.keys()], limit],
  );
  for (const e of rowsOf(res)) out.get(e.pairId)?.push(e);
  return out;
}

/** Edges recorded in the last `seconds`: how many, and the best profit (null when none); the Discord bot's /status. */
export async function edgeStatsSince(db: Queryable, seconds: number): Promise<{ n: number; maxProfitMicros: number | null }> {
  const res = await db.query('SELECT count(*) AS n, max(profit_micros) AS max_profit FROM edges WHERE ts >= now() - make_interval(secs => $1)', [seconds]);
  const r = res.rows[0] as { n: number | string; max_profit: number | null } | undefined;
  return { n: Number(r?.n ?? 0), maxProfitMicros: r?.max_profit ?? null };
}
