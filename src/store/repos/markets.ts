/** `venue_markets` reads: search, and many markets by (venue, market id) in one query. */
import { type Venue, VenueId } from '../../../schema/venue.js';
import { marketKey, type Queryable } from './types.js';

export interface MarketRecord {
  readonly venue: Venue;
  readonly marketId: string;
  readonly title: string;
  readonly status: string;
  readonly category: string | null;
  readonly closeTime: Date | null;
}

const MARKET_COLS = 'venue, market_id, title, status, category, close_time';

const marketFromRow = (r: Record<string, unknown>): MarketRecord => ({
  venue: VenueId.parse(r.venue),
  marketId: String(r.market_id),
  title: String(r.title),
  status: String(r.status),
  category: (r.category as string | null) ?? null,
  closeTime: (r.close_time as Date | null) ?? null,
});

/** Markets of a venue and/or whose title contains `search` (case-insensitive, LIKE wildcards escaped), soonest close first. */
export async function searchMarkets(db: Queryable, q: { venue?: Venue | null; search?: string | null; limit: number }): Promise<MarketRecord[]> {
  const like = q.search ? `%${q.search.replace(/[\\%_]/g, (c) => '\\' + c)}%` : null;
  const res = await db.query(
    `SELECT ${MARKET_COLS} FROM venue_markets WHERE ($1::text IS NULL OR venue = $1) AND ($2::text IS NULL OR title ILIKE $2 ESCAPE '\\')
     ORDER BY close_time NULLS LAST, venue, market_id LIMIT $3`,
    [q.venue ?? null, like, q.limit],
  );
  return (res.rows as Record<string, unknown>[]).map(marketFromRow);
}

/** Markets by (venue, market id), one query; the map's key is `venue:marketId`; unknown markets are absent. */
export async function marketsByKeys(db: Queryable, keys: readonly { readonly venue: string; readonly marketId: string }[]): Promise<Map<string, MarketRecord>> {
  const out = new Map<string, MarketRecord>();
  if (keys.length === 0) return out;
  const res = await db.query(
    `SELECT ${MARKET_COLS} FROM venue_markets m JOIN unnest($1::text[], $2::text[]) AS k(venue, market_id) USING (venue, market_id)`,
    [keys.map((k) => k.venue), keys.map((k) => k.marketId)],
  );
  for (const r of res.rows as Record<string, unknown>[]) {
    const m = marketFromRow(r);
    out.set(marketKey(m), m);
  }
  return out;
}
