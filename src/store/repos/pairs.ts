/**
 * `market_pairs` reads: the one row → {@link PairRecord} mapper (legs by position, columns
 * a_venue/a_market_id/b_venue/b_market_id from migration 0005) and the batched reads the API,
 * the CLI, the bot and the pipeline share. Writes live in ./pairWrites.ts, called only by
 * `src/control/pairs.ts` (the one writer of operator decisions) and the matcher.
 */
import { z } from 'zod';
import { PairLeg, PairSource, PairStatus } from '../../../schema/pair.js';
import type { Venue } from '../../../schema/venue.js';
import { marketKey, type Queryable } from './types.js';

const Legs = z.tuple([PairLeg, PairLeg]);

/** A `market_pairs` row: a pair plus its decision record (who decided, when, guards). */
export const PairRecord = z.object({
  pairId: z.string(),
  /** legs[0] = leg A, legs[1] = leg B */
  legs: Legs,
  status: PairStatus,
  /** the matcher's confidence; never overwritten by a human decision */
  confidence: z.number().nullable(),
  /** true when the current status was set by a human (CLI, API, Discord, pairs file) */
  humanReviewed: z.boolean(),
  yesMapsToNo: z.boolean(),
  reasons: z.array(z.string()),
  /** guard results, rules hashes, candidate features, verdict (jsonb) */
  guards: z.unknown(),
  source: PairSource,
  verdictModel: z.string().nullable(),
  decidedBy: z.string().nullable(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type PairRecord = z.infer<typeof PairRecord>;

/** Columns of every pair read (`SELECT ${PAIR_COLS}` or `RETURNING ${PAIR_COLS}`). */
export const PAIR_COLS =
  'pair_id, a_venue, a_market_id, b_venue, b_market_id, status, confidence, human_reviewed, yes_maps_to_no, reasons, guards, source, verdict_model, decided_by, created_at, updated_at';

/** Maps one row of {@link PAIR_COLS}; a row that does not fit throws (a schema bug, not bad input). */
export function pairFromRow(r: Record<string, unknown>): PairRecord {
  return PairRecord.parse({
    pairId: r.pair_id,
    legs: [
      { venue: r.a_venue, marketId: r.a_market_id },
      { venue: r.b_venue, marketId: r.b_market_id },
    ],
    status: r.status,
    confidence: r.confidence ?? null,
    humanReviewed: r.human_reviewed,
    yesMapsToNo: r.yes_maps_to_no,
    reasons: r.reasons,
    guards: r.guards,
    source: r.source,
    verdictModel: r.verdict_model ?? null,
    decidedBy: r.decided_by ?? null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });
}

const rowsOf = (res: { rows: unknown[] }): PairRecord[] => (res.rows as Record<string, unknown>[]).map(pairFromRow);

/** Pairs, newest first (updated_at DESC, pair_id), optionally of one status. */
export async function listPairs(db: Queryable, opts: { status?: PairStatus; limit?: number } = {}): Promise<PairRecord[]> {
  return rowsOf(
    await db.query(`SELECT ${PAIR_COLS} FROM market_pairs WHERE ($1::text IS NULL OR status = $1) ORDER BY updated_at DESC, pair_id LIMIT $2`, [
      opts.status ?? null,
      opts.limit ?? 1000,
    ]),
  );
}

export async function getPair(db: Queryable, pairId: string): Promise<PairRecord | undefined> {
  return rowsOf(await db.query(`SELECT ${PAIR_COLS} FROM market_pairs WHERE pair_id = $1`, [pairId]))[0];
}

/** Pairs by id, one query (for per-request batching); ids without a row are absent from the map. */
export async function pairsByIds(db: Queryable, pairIds: readonly string[]): Promise<Map<string, PairRecord>> {
  const out = new Map<string, PairRecord>();
  if (pairIds.length === 0) return out;
  for (const p of rowsOf(await db.query(`SELECT ${PAIR_COLS} FROM market_pairs WHERE pair_id = ANY($1::text[])`, [[...new Set(pairIds)]]))) out.set(p.pairId, p);
  return out;
}

/**
 * Pairs that have a leg on each of the given markets, one query: the map's key is
 * {@link marketKey} (`venue:marketId`), every requested market has an entry (possibly empty),
 * each list ordered by pair_id and cut at `limitPerMarket` (default 100).
 */
export async function pairsByMarkets(
  db: Queryable,
  markets: readonly { readonly venue: Venue; readonly marketId: string }[],
  opts: { limitPerMarket?: number } = {},
): Promise<Map<string, PairRecord[]>> {
  const limit = opts.limitPerMarket ?? 100;
  const out = new Map<string, PairRecord[]>(markets.map((m) => [marketKey(m), []]));
  if (markets.length === 0) return out;
  const res = await db.query(
    `WITH m(venue, market_id) AS (SELECT * FROM unnest($1::text[], $2::text[]))
     SELECT ${PAIR_COLS} FROM market_pairs WHERE (a_venue, a_market_id) IN (SELECT venue, market_id FROM m)
     UNION
     SELECT ${PAIR_COLS} FROM market_pairs WHERE (b_venue, b_market_id) IN (SELECT venue, market_id FROM m)
     ORDER BY pair_id`,
    [markets.map((m) => m.venue), markets.map((m) => m.marketId)],
  );
  for (const p of rowsOf(res)) {
    for (const leg of p.legs) {
      const list = out.get(marketKey(leg));
      if (list && list.length < limit && list.at(-1)?.pairId !== p.pairId) list.push(p);
    }
  }
  return out;
}

/** An approved pair as the pipeline needs it, unvalidated (the caller parses it into a Pair). */
export interface ApprovedPairRow {
  readonly pairId: string;
  readonly legs: readonly [{ readonly venue: string; readonly marketId: string }, { readonly venue: string; readonly marketId: string }];
  readonly yesMapsToNo: boolean;
  readonly confidence: number;
  readonly humanReviewed: boolean;
  /** jsonb as stored (the Pair schema checks it) */
  readonly reasons: unknown;
  readonly source: string;
  /** the later of the two markets' expected resolution (else close) times, unix ms; null when unknown */
  readonly resolutionMs: number | null;
}

/**
 * Approved pairs whose markets are not closed or resolved. Rows mirrored from the pairs file are
 * not read back: the file is their source (see syncFilePairs).
 */
export async function loadApprovedPairRows(db: Queryable): Promise<ApprovedPairRow[]> {
  const res = await db.query(`
    SELECT p.pair_id, p.a_venue, p.a_market_id, p.b_venue, p.b_market_id, p.yes_maps_to_no, p.confidence, p.human_reviewed, p.reasons, p.source,
      (extract(epoch FROM greatest(coalesce(am.expected_resolution_time, am.close_time), coalesce(bm.expected_resolution_time, bm.close_time))) * 1000)::bigint AS resolution_ms
    FROM market_pairs p
    LEFT JOIN venue_markets am ON am.venue = p.a_venue AND am.market_id = p.a_market_id
    LEFT JOIN venue_markets bm ON bm.venue = p.b_venue AND bm.market_id = p.b_market_id
    WHERE p.status = 'approved'
      AND p.source <> 'file'
      AND coalesce(am.status, 'open') NOT IN ('closed', 'resolved')
      AND coalesce(bm.status, 'open') NOT IN ('closed', 'resolved')
    ORDER BY p.pair_id`);
  const out: ApprovedPairRow[] = [];
  for (const r of res.rows as Record<string, unknown>[]) {
    out.push({
      pairId: String(r.pair_id),
      legs: [
        { venue: String(r.a_venue), marketId: String(r.a_market_id) },
        { venue: String(r.b_venue), marketId: String(r.b_market_id) },
      ],
      yesMapsToNo: r.yes_maps_to_no === true,
      confidence: typeof r.confidence === 'number' ? r.confidence : 0,
      humanReviewed: r.human_reviewed === true,
      reasons: r.reasons,
      source: String(r.source),
      resolutionMs: typeof r.resolution_ms === 'number' ? r.resolution_ms : null,
    });
  }
  return out;
}

/** How many pairs have each status (statuses without pairs are absent), ordered by status. */
export async function countPairsByStatus(db: Queryable): Promise<{ status: PairStatus; n: number }[]> {
  const res = await db.query('SELECT status, count(*)::bigint AS n FROM market_pairs GROUP BY status ORDER BY status');
  return (res.rows as { status: PairStatus; n: number | string }[]).map((r) => ({ status: r.status, n: Number(r.n) }));
}
