/**
 * The `venue_markets` table: upsert of market records with their rules hash (a changed hash sends
 * the market's approved pairs back to pending), and loading stored rows back into records.
 */
import type pg from 'pg';
import { z } from 'zod';
import { MarketRecord } from '../../schema/market.js';
import { log } from '../log.js';
import { extractEntities } from './extract.js';
import { recordThresholds, rulesHash } from './records.js';

/** A market as stored: the record, the sanitiser's flags on its raw text, and its rules hash. */
export interface StoredMarket {
  readonly record: MarketRecord;
  readonly textFlags: readonly string[];
  readonly rulesHash: string;
}

export interface UpsertEntry {
  readonly record: MarketRecord;
  /** the venue's raw object (kept in `raw.source`) */
  readonly raw?: unknown;
  readonly textFlags?: readonly string[];
}

export interface UpsertResult {
  readonly inserted: number;
  readonly updated: number;
  /** existing markets whose rules hash changed */
  readonly changed: readonly { venue: MarketRecord['venue']; marketId: string }[];
}

/** Counters of discovery and lifecycle handling (process-wide). */
export const discoveryStats = { upserted: 0, rulesChanged: 0, rejected: 0, hostileText: 0, lifecycleApplied: 0, lifecycleIgnored: 0 };

const ts = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

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

const UpsertRow = z.object({ venue: z.enum(['polymarket', 'kalshi']), market_id: z.string(), inserted: z.boolean(), old_hash: z.string().nullable(), new_hash: z.string().nullable() });

/**
 * Upserts markets (batches of 500, one statement each) and reports which existing markets' rules
 * changed; their approved pairs are set back to pending for a re-check.
 */
export async function upsertMarkets(pool: pg.Pool, entries: readonly UpsertEntry[]): Promise<UpsertResult> {
  let inserted = 0;
  let updated = 0;
  const changed: { venue: MarketRecord['venue']; marketId: string }[] = [];
  for (let i = 0; i < entries.length; i += 500) {
    const rows = entries.slice(i, i + 500).map(({ record: r, raw, textFlags }) => ({
      venue: r.venue,
      market_id: r.marketId,
      event_id: r.eventId ?? null,
      title: r.title,
      rules_text: r.rulesText,
      rules_secondary: r.rulesSecondary,
      outcomes: r.outcomes,
      category: r.category ?? null,
      open_time: ts(r.openTime),
      close_time: ts(r.closeTime),
      expected_resolution_time: ts(r.expectedResolutionTime),
      resolution_source: r.resolutionSource ?? null,
      status: r.status,
      yes_token_id: r.yesTokenId ?? null,
      no_token_id: r.noTokenId ?? null,
      tick_size_micros: r.tickSizeMicros ?? null,
      fee_info: r.feeInfo,
      raw: { source: raw ?? null, textFlags: textFlags ?? [], seriesId: r.seriesId ?? null, thresholds: r.thresholds, entities: r.entities },
      rules_hash: rulesHash(r),
    }));
    const res = await pool.query(UPSERT_SQL, [JSON.stringify(rows)]);
    for (const raw of res.rows) {
      const row = UpsertRow.parse(raw);
      if (row.inserted) inserted++;
      else updated++;
      if (!row.inserted && row.old_hash !== row.new_hash) changed.push({ venue: row.venue, marketId: row.market_id });
    }
  }
  discoveryStats.upserted += inserted + updated;
  discoveryStats.rulesChanged += changed.length;
  if (changed.length) {
    await markPairsForRecheck(pool, changed);
    log.info({ changed: changed.length, sample: changed.slice(0, 5) }, 'market rules changed; pairs set back to pending');
  }
  return { inserted, updated, changed };
}

/** Approved matcher pairs on markets whose rules changed go back to pending (file pairs are not in the table). */
export async function markPairsForRecheck(pool: pg.Pool, markets: readonly { venue: MarketRecord['venue']; marketId: string }[]): Promise<number> {
  const poly = markets.filter((m) => m.venue === 'polymarket').map((m) => m.marketId);
  const kalshi = markets.filter((m) => m.venue === 'kalshi').map((m) => m.marketId);
  const res = await pool.query(
    `UPDATE market_pairs SET status = 'pending', decided_by = 'discovery', updated_at = now(),
       reasons = reasons || '["market rules changed: re-check"]'::jsonb
     WHERE status = 'approved' AND (poly_market_id = ANY($1::text[]) OR kalshi_market_id = ANY($2::text[]))`,
    [poly, kalshi],
  );
  return res.rowCount ?? 0;
}

const StoredRaw = z.looseObject({
  textFlags: z.array(z.string()).default([]),
  seriesId: z.string().nullish(),
  thresholds: MarketRecord.shape.thresholds.optional(),
  entities: z.array(z.string()).optional(),
}).nullable();

const ms = (d: unknown): number | undefined => (d instanceof Date ? d.getTime() : undefined);

/** One `venue_markets` row → StoredMarket; throws (zod) on a row that does not fit. */
export function rowToStored(row: Record<string, unknown>): StoredMarket {
  const extra = StoredRaw.parse(row.raw ?? null);
  const strOpt = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const record = MarketRecord.parse({
    venue: row.venue,
    marketId: row.market_id,
    eventId: strOpt(row.event_id),
    seriesId: extra?.seriesId ?? undefined,
    title: row.title,
    rulesText: row.rules_text ?? '',
    rulesSecondary: row.rules_secondary ?? '',
    outcomes: row.outcomes ?? undefined,
    openTime: ms(row.open_time),
    closeTime: ms(row.close_time),
    expectedResolutionTime: ms(row.expected_resolution_time),
    resolutionSource: strOpt(row.resolution_source),
    category: strOpt(row.category),
    status: row.status,
    yesTokenId: strOpt(row.yes_token_id),
    noTokenId: strOpt(row.no_token_id),
    tickSizeMicros: typeof row.tick_size_micros === 'number' ? row.tick_size_micros : undefined,
    feeInfo: row.fee_info ?? {},
    thresholds: extra?.thresholds ?? recordThresholds(String(row.title), String(row.rules_text ?? '')),
    entities: extra?.entities ?? extractEntities(`${String(row.title)}\n${String(row.rules_text ?? '')}`),
  });
  return { record, textFlags: extra?.textFlags ?? [], rulesHash: typeof row.rules_hash === 'string' ? row.rules_hash : rulesHash(record) };
}

/** Markets from `venue_markets` (rows that no longer parse are logged, counted and skipped). */
export async function loadMarkets(pool: pg.Pool, filter: { venue?: MarketRecord['venue']; statuses?: readonly MarketRecord['status'][]; ids?: readonly string[] } = {}): Promise<StoredMarket[]> {
  const res = await pool.query(
    `SELECT * FROM venue_markets
     WHERE ($1::text IS NULL OR venue = $1) AND ($2::text[] IS NULL OR status = ANY($2)) AND ($3::text[] IS NULL OR market_id = ANY($3))
     ORDER BY venue, market_id`,
    [filter.venue ?? null, filter.statuses ?? null, filter.ids ?? null],
  );
  const out: StoredMarket[] = [];
  for (const row of res.rows as Record<string, unknown>[]) {
    try {
      out.push(rowToStored(row));
    } catch (err) {
      discoveryStats.rejected++;
      log.warn({ err, venue: row.venue, marketId: row.market_id }, 'stored market rejected');
    }
  }
  return out;
}
