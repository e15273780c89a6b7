/**
 * `positions` SQL: one row per pair ('' = fills of orders no execution sent), venue, market and
 * outcome, upserted from the positions snapshot (pipelines/execute.ts throttles the writes).
 * Columns derive from `PositionRecord` (src/store/columns.ts; tests/schema/columns.int.spec.ts
 * catches drift).
 */
import { PositionRecord } from '../../../schema/execution.js';
import { rowMapper } from '../columns.js';
import type { Queryable } from './types.js';

export const positionRows = rowMapper({ schema: PositionRecord });

const KEY = ['venue', 'market_id', 'outcome', 'pair_id'];
const COLS = positionRows.columns;
const UPSERT = `INSERT INTO positions (${COLS.join(', ')}) VALUES (${COLS.map((_, i) => `$${i + 1}`).join(', ')})
  ON CONFLICT (${KEY.join(', ')}) DO UPDATE SET ${COLS.filter((c) => !KEY.includes(c)).map((c) => `${c} = EXCLUDED.${c}`).join(', ')}`;

/** Upserts position rows (idempotent; the latest snapshot wins). */
export async function writePositions(db: Queryable, rows: readonly PositionRecord[]): Promise<void> {
  for (const r of rows) await db.query(UPSERT, positionRows.toRow(r, ''));
}

interface PositionRow {
  venue: string;
  market_id: string;
  outcome: string;
  pair_id: string;
  qty: string;
  cost_micros: string;
  avg_price_micros: string;
  realized_pnl_micros: string;
  fees_micros: string;
  unrealized_pnl_micros: string | null;
  mark_micros: string | null;
  settled_at: Date | null;
  settlement_micros: string | null;
  updated_at: Date;
}

const opt = <K extends string>(k: K, v: string | null): Partial<Record<K, number>> => (v === null ? {} : ({ [k]: Number(v) } as Record<K, number>));

const toPosition = (r: PositionRow): PositionRecord =>
  PositionRecord.parse({
    venue: r.venue, marketId: r.market_id, outcome: r.outcome, pairId: r.pair_id, qty: Number(r.qty), costMicros: Number(r.cost_micros),
    avgPriceMicros: Number(r.avg_price_micros), realizedPnlMicros: Number(r.realized_pnl_micros), feesMicros: Number(r.fees_micros),
    ...opt('unrealizedPnlMicros', r.unrealized_pnl_micros), ...opt('markMicros', r.mark_micros), ...opt('settlementMicros', r.settlement_micros),
    ...(r.settled_at ? { settledAt: r.settled_at.getTime() } : {}), updatedAt: r.updated_at.getTime(),
  });

/** Every stored position row. */
export async function storedPositions(db: Queryable): Promise<PositionRecord[]> {
  const r = await db.query<PositionRow>('SELECT * FROM positions ORDER BY venue, market_id, outcome, pair_id');
  return r.rows.map(toPosition);
}

/** Settled position rows (restart re-applies their settlement after re-folding the fills). */
export async function settledPositions(db: Queryable): Promise<PositionRecord[]> {
  const r = await db.query<PositionRow>('SELECT * FROM positions WHERE settled_at IS NOT NULL ORDER BY venue, market_id, outcome, pair_id');
  return r.rows.map(toPosition);
}
