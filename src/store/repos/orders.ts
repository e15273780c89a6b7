/**
 * `orders` SQL: one row per venue order we sent, upserted by (venue, client_order_id) from the
 * rows src/execution/orderRows.ts derives from the executor's write-ahead records. Columns derive
 * from `OrderRecord` (src/store/columns.ts; tests/schema/columns.int.spec.ts catches drift).
 */
import { OrderRecord } from '../../../schema/execution.js';
import { rowMapper } from '../columns.js';
import type { Queryable } from './types.js';

export const orderRows = rowMapper({ schema: OrderRecord });

const COLS = orderRows.columns;
/** created_at keeps the first sighting; a row never goes back from an ended state to pending/open. */
const UPSERT = `INSERT INTO orders (${COLS.join(', ')}) VALUES (${COLS.map((_, i) => `$${i + 1}`).join(', ')})
  ON CONFLICT (venue, client_order_id) DO UPDATE SET ${COLS.filter((c) => !['venue', 'client_order_id', 'created_at'].includes(c))
    .map((c) => (c === 'venue_order_id' ? `${c} = coalesce(EXCLUDED.${c}, orders.${c})` : `${c} = EXCLUDED.${c}`))
    .join(', ')}
  WHERE orders.state NOT IN ('filled', 'cancelled', 'rejected') OR EXCLUDED.state IN ('filled', 'cancelled', 'rejected')`;

/** Upserts order rows (idempotent). */
export async function writeOrders(db: Queryable, rows: readonly OrderRecord[]): Promise<void> {
  for (const r of rows) await db.query(UPSERT, orderRows.toRow(r, ''));
}

interface OrderRow {
  execution_id: string;
  role: string;
  client_order_id: string;
  venue_order_id: string | null;
  venue: string;
  market_id: string;
  outcome: string;
  side: string;
  limit_price_micros: string;
  qty: string;
  time_in_force: string;
  state: string;
  filled_qty: string;
  cost_micros: string;
  fees_micros: string;
  reason: string;
  created_at: Date;
  updated_at: Date;
}

const toOrder = (r: OrderRow): OrderRecord =>
  OrderRecord.parse({
    executionId: r.execution_id, role: r.role, clientOrderId: r.client_order_id, ...(r.venue_order_id ? { venueOrderId: r.venue_order_id } : {}),
    venue: r.venue, marketId: r.market_id, outcome: r.outcome, side: r.side, limitPriceMicros: Number(r.limit_price_micros), qty: Number(r.qty),
    timeInForce: r.time_in_force, state: r.state, filledQty: Number(r.filled_qty), costMicros: Number(r.cost_micros), feesMicros: Number(r.fees_micros),
    reason: r.reason, createdAt: r.created_at.getTime(), updatedAt: r.updated_at.getTime(),
  });

/** The orders of one execution, in the order they were sent. */
export async function ordersOf(db: Queryable, executionId: string): Promise<OrderRecord[]> {
  const r = await db.query<OrderRow>('SELECT * FROM orders WHERE execution_id = $1 ORDER BY created_at, client_order_id', [executionId]);
  return r.rows.map(toOrder);
}

/** The most recent orders (newest first). */
export async function recentOrders(db: Queryable, limit = 100): Promise<OrderRecord[]> {
  const r = await db.query<OrderRow>('SELECT * FROM orders ORDER BY created_at DESC, client_order_id LIMIT $1', [limit]);
  return r.rows.map(toOrder);
}
