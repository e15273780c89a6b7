/**
 * `venue_markets` SQL for discovery and the matcher: the batched upsert that reports rules-hash
 * changes, and the filtered read. Rows ↔ MarketRecord mapping lives in src/matching/marketStore.ts.
 */
import { z } from 'zod';
import { VenueId, type Venue } from '../../../schema/venue.js';
import type { Queryable } from './types.js';

/** One row to upsert, as the columns name it (times as ISO text or null; jsonb as values). */
export interface VenueMarketRow {
  readonly venue: Venue;
  readonly market_id: string;
  readonly event_id: string | null;
  readonly title: string;
  readonly rules_text: string;
  readonly rules_secondary: string;
  readonly outcomes: unknown;
  readonly category: string | null;
  readonly open_time: string | null;
  readonly close_time: string | null;
  readonly expected_resolution_time: string | null;
  readonly resolution_source: string | null;
  readonly status: string;
  readonly yes_token_id: string | null;
  readonly no_token_id: string | null;
  readonly tick_size_micros: number | null;
  readonly fee_info: unknown;
  readonly raw: unknown;
  readonly rules_hash: string;
}

const UPSERT_SQL = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(
    venue text, market_id text, event_id text, title text, rules_text text, rules_secondary text, outcomes jsonb,
    category text, open_time timestamptz, close_time timestamptz, expected_resolution_time timestamptz,
    resolution_source text, status text, yes_token_id text, no_token_id text, tick_size_micros bigint,
    fee_info jsonb, raw jsonb, rules_hash text)
), prev AS (
  SELECT m.venue, m.market_id, m.rules_hash FROM venue_markets m JOIN input i ON i.venue = m.venue AND i.market_id = m.market_id
), up AS (
  INSERT INTO venue_markets (venue, market_id, event_id, title, rules_text, rules_secondary, outcomes, category, open_time,
    close_time, expected_resolution_time, resolution_source, status, yes_token_id, no_token_id, tick_size_micros, fee_info, raw, rules_hash)
  SELECT venue, market_id, event_id, title, rules_text, rules_secondary, outcomes, category, open_time,
    close_time, expected_resolution_time, resolution_source, status, yes_token_id, no_token_id, tick_size_micros, fee_info, raw, rules_hash
  FROM input
  ON CONFLICT (venue, market_id) DO UPDATE SET
    event_id = EXCLUDED.event_id, title = EXCLUDED.title, rules_text = EXCLUDED.rules_text, rules_secondary = EXCLUDED.rules_secondary,
    outcomes = EXCLUDED.outcomes, category = EXCLUDED.category, open_time = EXCLUDED.open_time, close_time = EXCLUDED.close_time,
    expected_resolution_time = EXCLUDED.expected_resolution_time, resolution_source = EXCLUDED.resolution_source,
    status = EXCLUDED.status, yes_token_id = EXCLUDED.yes_token_id, no_token_id = EXCLUDED.no_token_id,
    tick_size_micros = EXCLUDED.tick_size_micros, fee_info = EXCLUDED.fee_info, raw = EXCLUDED.raw, rules_hash = EXCLUDED.rules_hash,
    updated_at = now()
  RETURNING venue, market_id, rules_hash, (xmax = 0) AS inserted
)
SELECT up.venue, up.market_id, up.inserted, prev.rules_hash AS old_hash, up.rules_hash AS new_hash
FROM up LEFT JOIN prev ON prev.venue = up.venue AND prev.market_id = up.market_id`;

const UpsertedRow = z.object({ venue: VenueId, market_id: z.string(), inserted: z.boolean(), old_hash: z.string().nullable(), new_hash: z.string().nullable() });

export interface UpsertedMarket {
  readonly venue: Venue;
  readonly marketId: string;
  readonly inserted: boolean;
  readonly oldHash: string | null;
  readonly newHash: string | null;
}

/** Upserts the rows in one statement; tells for each whether it is new and its rules hash before and after. */
export async function upsertVenueMarkets(db: Queryable, rows: readonly VenueMarketRow[]): Promise<UpsertedMarket[]> {
  if (rows.length === 0) return [];
  const res = await db.query(UPSERT_SQL, [JSON.stringify(rows)]);
  return res.rows.map((raw) => {
    const r = UpsertedRow.parse(raw);
    return { venue: r.venue, marketId: r.market_id, inserted: r.inserted, oldHash: r.old_hash, newHash: r.new_hash };
  });
}

/** Stored rows (all columns), by venue, statuses and ids when given, ordered by venue and market id. */
export async function selectVenueMarkets(
  db: Queryable,
  filter: { venue?: Venue; statuses?: readonly string[]; ids?: readonly string[] } = {},
): Promise<Record<string, unknown>[]> {
  const res = await db.query(
    `SELECT * FROM venue_markets
     WHERE ($1::text IS NULL OR venue = $1) AND ($2::text[] IS NULL OR status = ANY($2)) AND ($3::text[] IS NULL OR market_id = ANY($3))
     ORDER BY venue, market_id`,
    [filter.venue ?? null, filter.statuses ?? null, filter.ids ?? null],
  );
  return res.rows as Record<string, unknown>[];
}
