/**
 * A pair's history for the dashboard's pair page: the stored tops of book of both legs' markets
 * (`book_tops`) and the risk decisions on its edges (`risk_decisions` joined to `edges` for the
 * figures), oldest first, within [since, until).
 *
 *   const h = await readPairHistory(pool, { legs: pair.legs, pairId, since, until, limit: 2000 });
 */
import type { BookTop } from '../../../schema/book.js';
import { bookTopFromRow } from './books.js';
import type { Queryable } from './types.js';

export interface PairHistoryQuery {
  readonly pairId: string;
  readonly legs: readonly { readonly venue: string; readonly marketId: string }[];
  /** inclusive, unix ms */
  readonly since: number;
  /** exclusive, unix ms */
  readonly until: number;
  /** most rows of each kind (the newest ones are kept) */
  readonly limit: number;
}

export interface StoredDecision {
  readonly edgeId: string;
  readonly pairId: string;
  readonly accepted: boolean;
  readonly reasons: readonly string[];
  /** unix ms */
  readonly ts: number;
  /** from the edge; undefined when the edge row is gone (retention) */
  readonly direction?: string;
  readonly sizeQty?: number;
  readonly netEdgePerContractMicros?: number;
  readonly profitMicros?: number;
  readonly feesMicros?: number;
}

export interface PairHistory {
  readonly books: BookTop[];
  readonly decisions: StoredDecision[];
}

const num = (v: unknown): number | undefined => (v == null ? undefined : Number(v));

export async function readPairHistory(db: Queryable, q: PairHistoryQuery): Promise<PairHistory> {
  const since = new Date(q.since);
  const until = new Date(q.until);
  const [books, decisions] = await Promise.all([
    q.legs.length === 0
      ? Promise.resolve({ rows: [] as Record<string, unknown>[] })
      : db.query(
        `SELECT * FROM (
           SELECT b.venue, b.market_id, b.ts, b.ts_venue, b.yes_bid, b.yes_bid_qty, b.yes_ask, b.yes_ask_qty, b.no_bid, b.no_bid_qty, b.no_ask, b.no_ask_qty, b.issues
           FROM book_tops b JOIN unnest($1::text[], $2::text[]) AS k(venue, market_id) ON b.venue = k.venue AND b.market_id = k.market_id
           WHERE b.ts >= $3 AND b.ts < $4 ORDER BY b.ts DESC LIMIT $5
         ) t ORDER BY ts, venue, market_id`,
        [q.legs.map((l) => l.venue), q.legs.map((l) => l.marketId), since, until, q.limit],
      ),
    db.query(
      `SELECT * FROM (
         SELECT d.ts, d.edge_id, d.pair_id, d.decision, d.reasons, CASE e.direction WHEN 'polyYes' THEN 'aYes' WHEN 'polyNo' THEN 'aNo' ELSE e.direction END AS direction, e.size_qty, e.net_edge_micros, e.profit_micros, e.fees_micros
         FROM risk_decisions d
         LEFT JOIN LATERAL (SELECT * FROM edges x WHERE x.edge_id = d.edge_id AND x.pair_id = d.pair_id ORDER BY x.ts DESC LIMIT 1) e ON true
         WHERE d.pair_id = $1 AND d.ts >= $2 AND d.ts < $3 ORDER BY d.ts DESC LIMIT $4
       ) t ORDER BY ts, edge_id`,
      [q.pairId, since, until, q.limit],
    ),
  ]);
  return {
    books: (books.rows as Record<string, unknown>[]).map(bookTopFromRow),
    decisions: (decisions.rows as Record<string, unknown>[]).map((r): StoredDecision => {
      const d: StoredDecision = {
        edgeId: String(r.edge_id), pairId: String(r.pair_id), accepted: r.decision === 'accepted', reasons: (r.reasons as string[] | null) ?? [], ts: (r.ts as Date).getTime(),
      };
      if (r.direction == null) return d;
      return {
        ...d, direction: String(r.direction), sizeQty: num(r.size_qty), netEdgePerContractMicros: num(r.net_edge_micros), profitMicros: num(r.profit_micros), feesMicros: num(r.fees_micros),
      };
    }),
  };
}
