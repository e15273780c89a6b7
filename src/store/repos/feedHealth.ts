/** `feed_health` reads: the latest state of each venue's feed. */
import { FeedState, type FeedStatus } from '../../../schema/feed.js';
import { VenueId } from '../../../schema/venue.js';
import type { Queryable } from './types.js';

/** A stored feed status (`retryInMs` is live state only, not stored). */
export type StoredFeedStatus = Omit<FeedStatus, 'retryInMs'>;

export async function latestFeedHealth(db: Queryable): Promise<StoredFeedStatus[]> {
  const res = await db.query('SELECT DISTINCT ON (venue) venue, state, reason, attempt, conn_id, ts FROM feed_health ORDER BY venue, ts DESC');
  return (res.rows as Record<string, unknown>[]).map((r) => ({
    venue: VenueId.parse(r.venue),
    state: FeedState.parse(r.state),
    ...(r.reason != null && { reason: String(r.reason) }),
    ts: (r.ts as Date).getTime(),
    attempt: Number(r.attempt),
    ...(r.conn_id != null && { connId: String(r.conn_id) }),
  }));
}
