/**
 * `market_pairs` writes. Called only by `src/control/pairs.ts` (human decisions, the pairs-file
 * mirror, the matcher's and discovery's automatic decisions), so the meaning of a status change
 * lives in one place.
 */
import type { Pair, PairLeg, PairStatus } from '../../../schema/pair.js';
import { pairRows } from '../pairRows.js';
import { PAIR_COLS, pairFromRow, type PairRecord } from './pairs.js';
import type { Queryable } from './types.js';

/**
 * A human decision: status, human_reviewed = true, decided_by, a reason line appended; the
 * confidence is not touched. Returns the row and the status it had, or undefined (no such pair).
 */
export async function writeHumanDecision(
  db: Queryable,
  pairId: string,
  status: PairStatus,
  decidedBy: string,
  reasonLine: string,
): Promise<{ pair: PairRecord; previous: PairStatus } | undefined> {
  const cols = PAIR_COLS.split(', ').map((c) => `p.${c}`).join(', ');
  const res = await db.query(
    `UPDATE market_pairs p SET status = $2, human_reviewed = true, decided_by = $3, updated_at = now(),
       reasons = CASE WHEN jsonb_typeof(p.reasons) = 'array' THEN p.reasons ELSE '[]'::jsonb END || jsonb_build_array($4::text)
       FROM (SELECT pair_id, status AS previous FROM market_pairs WHERE pair_id = $1 FOR UPDATE) old
      WHERE p.pair_id = old.pair_id
     RETURNING ${cols}, old.previous`,
    [pairId, status, decidedBy, reasonLine],
  );
  const row = res.rows[0] as (Record<string, unknown> & { previous: PairStatus }) | undefined;
  return row ? { pair: pairFromRow(row), previous: row.previous } : undefined;
}

export interface MatcherDecisionRow {
  readonly pairId: string;
  readonly legs: readonly [PairLeg, PairLeg];
  readonly status: PairStatus;
  readonly confidence: number;
  readonly yesMapsToNo: boolean;
  readonly reasons: readonly string[];
  /** guard results, rules hashes, candidate features, verdict (jsonb) */
  readonly guards: Readonly<Record<string, unknown>>;
  readonly verdictModel?: string;
  readonly decidedBy: string;
}

/**
 * Upserts the matcher's decision (human_reviewed = false). A human decision on the same rules
 * (same `guards.rulesHash`) is never overwritten; `decided_by LIKE 'human:%'` marks human
 * decisions written before migration 0005. Returns whether a row was written.
 */
export async function upsertMatcherDecision(db: Queryable, d: MatcherDecisionRow): Promise<boolean> {
  const [a, b] = d.legs;
  const res = await db.query(
    `INSERT INTO market_pairs (pair_id, a_venue, a_market_id, b_venue, b_market_id, status, confidence, human_reviewed, yes_maps_to_no, reasons, guards, source, verdict_model, decided_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, false, $8, $9::jsonb, $10::jsonb, 'llm', $11, $12)
     ON CONFLICT (a_venue, a_market_id, b_venue, b_market_id) DO UPDATE SET
       status = EXCLUDED.status, confidence = EXCLUDED.confidence, human_reviewed = false, yes_maps_to_no = EXCLUDED.yes_maps_to_no,
       reasons = EXCLUDED.reasons, guards = EXCLUDED.guards, source = 'llm', verdict_model = EXCLUDED.verdict_model,
       decided_by = EXCLUDED.decided_by, updated_at = now()
     WHERE NOT ((market_pairs.human_reviewed OR market_pairs.decided_by LIKE 'human:%')
                AND market_pairs.guards->'rulesHash' = EXCLUDED.guards->'rulesHash')`,
    [d.pairId, a.venue, a.marketId, b.venue, b.marketId, d.status, d.confidence, d.yesMapsToNo, JSON.stringify(d.reasons), JSON.stringify(d.guards), d.verdictModel ?? null, d.decidedBy],
  );
  return (res.rowCount ?? 0) > 0;
}

/** What the matcher already decided, by `legKey` of the two legs: who decided and the rules hashes (JSON). */
export async function existingDecisions(db: Queryable): Promise<Map<string, { decidedBy: string | null; hashes: string }>> {
  const res = await db.query(`SELECT a_venue, a_market_id, b_venue, b_market_id, decided_by, guards->'rulesHash' AS hashes FROM market_pairs`);
  const out = new Map<string, { decidedBy: string | null; hashes: string }>();
  for (const r of res.rows as { a_venue: string; a_market_id: string; b_venue: string; b_market_id: string; decided_by: string | null; hashes: unknown }[]) {
    out.set(legsKey([{ venue: r.a_venue, marketId: r.a_market_id }, { venue: r.b_venue, marketId: r.b_market_id }]), { decidedBy: r.decided_by, hashes: JSON.stringify(r.hashes ?? null) });
  }
  return out;
}

/** `venueA:idA|venueB:idB`, the key of {@link existingDecisions}. */
export const legsKey = (legs: readonly [{ venue: string; marketId: string }, { venue: string; marketId: string }]): string =>
  `${legs[0].venue}:${legs[0].marketId}|${legs[1].venue}:${legs[1].marketId}`;

/**
 * Approved pairs with a leg on one of `markets` go back to pending (human_reviewed = false,
 * decided_by = `decidedBy`, reason appended). Returns the pair ids.
 */
export async function writeRecheck(db: Queryable, markets: readonly { venue: string; marketId: string }[], decidedBy: string, reasonLine: string): Promise<string[]> {
  if (markets.length === 0) return [];
  const res = await db.query(
    `WITH m(venue, market_id) AS (SELECT * FROM unnest($1::text[], $2::text[]))
     UPDATE market_pairs SET status = 'pending', human_reviewed = false, decided_by = $3, updated_at = now(),
       reasons = CASE WHEN jsonb_typeof(reasons) = 'array' THEN reasons ELSE '[]'::jsonb END || jsonb_build_array($4::text)
     WHERE status = 'approved'
       AND ((a_venue, a_market_id) IN (SELECT venue, market_id FROM m) OR (b_venue, b_market_id) IN (SELECT venue, market_id FROM m))
     RETURNING pair_id`,
    [markets.map((m) => m.venue), markets.map((m) => m.marketId), decidedBy, reasonLine],
  );
  return (res.rows as { pair_id: string }[]).map((r) => r.pair_id);
}

/**
 * Mirrors one pairs-file entry (its columns from the Pair schema: src/store/pairRows.ts). A row of
 * another source with the same id is left alone; another id on the same two markets throws 23505
 * (the caller decides). Returns the status before (null: new row) when the row was written, else
 * undefined.
 */
export async function upsertFilePair(db: Queryable, p: Pair, decidedBy: string): Promise<{ previous: PairStatus | null } | undefined> {
  const cols = pairRows.columns;
  const values = pairRows.toRow(p, '');
  const updates = cols.filter((c) => !['pair_id', 'a_venue', 'a_market_id', 'b_venue', 'b_market_id', 'source'].includes(c)).map((c) => `${c} = EXCLUDED.${c}`);
  const res = await db.query(
    `WITH old AS (SELECT status FROM market_pairs WHERE pair_id = $${cols.indexOf('pair_id') + 1})
     INSERT INTO market_pairs (${cols.join(', ')}, decided_by)
     VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')}, $${cols.length + 1})
     ON CONFLICT (pair_id) DO UPDATE SET ${updates.join(', ')}, updated_at = now()
     WHERE market_pairs.source = 'file'
     RETURNING (SELECT status FROM old) AS previous`,
    [...values, decidedBy],
  );
  const row = res.rows[0] as { previous: PairStatus | null } | undefined;
  return row ? { previous: row.previous } : undefined;
}
