/** `book_tops` reads: the latest stored top of book of many markets in one query. */
import type { BookTop } from '../../../schema/book.js';
import { VenueId } from '../../../schema/venue.js';
import { marketKey, type Queryable } from './types.js';

const level = (price: unknown, qty: unknown) => (price == null || qty == null ? undefined : { price: Number(price), qty: Number(qty) });

/** Maps a `book_tops` row back to the BookTop it was written from (schema/book.ts). */
export function bookTopFromRow(r: Record<string, unknown>): BookTop {
  const yesBid = level(r.yes_bid, r.yes_bid_qty);
  const yesAsk = level(r.yes_ask, r.yes_ask_qty);
  const noBid = level(r.no_bid, r.no_bid_qty);
  const noAsk = level(r.no_ask, r.no_ask_qty);
  const ts = (r.ts as Date).getTime();
  return {
    venue: VenueId.parse(r.venue),
    marketId: String(r.market_id),
    tsReceived: ts,
    tsVenue: r.ts_venue instanceof Date ? r.ts_venue.getTime() : ts,
    ...(yesBid && { yesBid }),
    ...(yesAsk && { yesAsk }),
    ...(noBid && { noBid }),
    ...(noAsk && { noAsk }),
    issues: (r.issues as string[] | null) ?? [],
  };
}

/** The newest stored top of each market, one query; the map's key is `venue:marketId`; markets without a row are absent. */
export async function latestBookTops(db: Queryable, markets: readonly { readonly venue: string; readonly marketId: string }[]): Promise<Map<string, BookTop>> {
  const out = new Map<string, BookTop>();
  if (markets.length === 0) return out;
  const res = await db.query(
    `SELECT t.* FROM unnest($1::text[], $2::text[]) AS k(venue, market_id)
     CROSS JOIN LATERAL (
       SELECT venue, market_id, ts, ts_venue, yes_bid, yes_bid_qty, yes_ask, yes_ask_qty, no_bid, no_bid_qty, no_ask, no_ask_qty, issues
       FROM book_tops b WHERE b.venue = k.venue AND b.market_id = k.market_id ORDER BY b.ts DESC LIMIT 1
     ) t`,
    [markets.map((m) => m.venue), markets.map((m) => m.marketId)],
  );
  for (const r of res.rows as Record<string, unknown>[]) {
    const t = bookTopFromRow(r);
    out.set(marketKey(t), t);
  }
  return out;
}
