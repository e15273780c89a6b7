/**
 * `executions`, `execution_events` and execution `fills` SQL. Columns derive from the zod shapes
 * (src/store/columns.ts; tests/schema/columns.int.spec.ts catches drift). The executor writes an
 * execution's row and its new events in ONE statement before it acts on them (write-ahead).
 */
import { Execution, ExecutionEvent, Fill as FillZ, type Fill } from '../../../schema/execution.js';
import type { Micros } from '../../../schema/money.js';
import { rowMapper } from '../columns.js';
import type { Queryable } from './types.js';

export const executionRows = rowMapper({ schema: Execution });
export const executionEventRows = rowMapper({ schema: ExecutionEvent });

const placeholders = (n: number, offset = 0): string => Array.from({ length: n }, (_, i) => `$${i + 1 + offset}`).join(', ');

const EXEC_COLS = executionRows.columns;
const INSERT_EXECUTION = `INSERT INTO executions (${EXEC_COLS.join(', ')}) VALUES (${placeholders(EXEC_COLS.length)})`;
const UPSERT_EXECUTION = `${INSERT_EXECUTION}
  ON CONFLICT (execution_id) DO UPDATE SET ${EXEC_COLS.filter((c) => c !== 'execution_id' && c !== 'ts_planned')
    .map((c) => `${c} = EXCLUDED.${c}`)
    .join(', ')}`;
const EVENT_COLS = executionEventRows.columns;
const insertEvents = (n: number, offset: number): string =>
  `INSERT INTO execution_events (${EVENT_COLS.join(', ')}) VALUES ${Array.from({ length: n }, (_, i) => `(${placeholders(EVENT_COLS.length, offset + i * EVENT_COLS.length)})`).join(', ')} ON CONFLICT (execution_id, seq) DO NOTHING`;

/** The row and its events as ONE statement (data-modifying CTE): one round trip, atomic, no explicit transaction. */
function rowAndEvents(rowSql: string, exec: Execution, events: readonly ExecutionEvent[]): { text: string; values: unknown[] } {
  const values = [...executionRows.toRow(exec, ''), ...events.flatMap((e) => executionEventRows.toRow(e, ''))];
  const evSql = events.length ? `, e AS (${insertEvents(events.length, EXEC_COLS.length)})` : '';
  return { text: `WITH x AS (${rowSql} RETURNING 1)${evSql} SELECT count(*)::int AS n FROM x`, values };
}

/**
 * Writes the execution's current row and its new events, atomically (the write-ahead record):
 * one statement, so the order it names waits for one round trip and the commit.
 */
export async function writeExecution(db: Queryable, exec: Execution, events: readonly ExecutionEvent[]): Promise<void> {
  await db.query(rowAndEvents(UPSERT_EXECUTION, exec, events));
}

/**
 * The first write of a NEW execution (no lookup before it): inserts the row and its events in one
 * statement, or nothing when the execution id is already on record (the same decision twice:
 * resolves false, the existing record untouched). Its events are inserted with ON CONFLICT DO
 * NOTHING on (execution_id, seq): an existing execution already holds seq 1.. (its row and first
 * event were written together), so they cannot overwrite anything.
 */
export async function insertExecution(db: Queryable, exec: Execution, events: readonly ExecutionEvent[]): Promise<boolean> {
  const r = await db.query<{ n: number }>(rowAndEvents(`${INSERT_EXECUTION} ON CONFLICT (execution_id) DO NOTHING`, exec, events));
  return (r.rows[0]?.n ?? 0) > 0;
}

interface ExecutionRow {
  execution_id: string;
  pair_id: string;
  edge_id: string;
  state: string;
  size_qty: string;
  plan: unknown;
  progress: unknown;
  net_qty: string;
  reason: string;
  ts_planned: Date;
  ts_updated: Date;
}

const toExecution = (r: ExecutionRow): Execution =>
  Execution.parse({
    executionId: r.execution_id,
    pairId: r.pair_id,
    edgeId: r.edge_id,
    state: r.state,
    sizeQty: Number(r.size_qty),
    plan: r.plan,
    progress: r.progress,
    netQty: Number(r.net_qty),
    reason: r.reason,
    tsPlanned: r.ts_planned.getTime(),
    tsUpdated: r.ts_updated.getTime(),
  });

/** Executions not yet hedged, unwound or failed (recovery reloads them), oldest first. */
export async function openExecutions(db: Queryable): Promise<Execution[]> {
  const r = await db.query<ExecutionRow>(`SELECT * FROM executions WHERE state NOT IN ('hedged', 'unwound', 'failed') ORDER BY ts_planned, execution_id`);
  return r.rows.map(toExecution);
}

export async function getExecution(db: Queryable, executionId: string): Promise<Execution | undefined> {
  const r = await db.query<ExecutionRow>('SELECT * FROM executions WHERE execution_id = $1', [executionId]);
  return r.rows[0] ? toExecution(r.rows[0]) : undefined;
}

/** The most recent executions (newest first). */
export async function recentExecutions(db: Queryable, limit = 50): Promise<Execution[]> {
  const r = await db.query<ExecutionRow>('SELECT * FROM executions ORDER BY ts_planned DESC, execution_id LIMIT $1', [limit]);
  return r.rows.map(toExecution);
}

/** Keyset position of a page: the last row's (tsPlanned, executionId). */
export interface ExecutionAfter {
  readonly tsPlanned: number;
  readonly executionId: string;
}

/** Executions newest first (ts_planned, then execution id, descending), optionally of one state. */
export async function pageExecutions(db: Queryable, o: { state?: string | null; pairId?: string | null; after?: ExecutionAfter | null; limit: number }): Promise<Execution[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (o.state) where.push(`state = $${params.push(o.state)}`);
  if (o.pairId) where.push(`pair_id = $${params.push(o.pairId)}`);
  if (o.after) where.push(`(ts_planned, execution_id) < ($${params.push(new Date(o.after.tsPlanned))}::timestamptz, $${params.push(o.after.executionId)})`);
  const r = await db.query<ExecutionRow>(
    `SELECT * FROM executions ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY ts_planned DESC, execution_id DESC LIMIT $${params.push(o.limit)}`,
    params,
  );
  return r.rows.map(toExecution);
}

/** The execution's events in order. */
export async function executionEvents(db: Queryable, executionId: string): Promise<ExecutionEvent[]> {
  const r = await db.query<{ execution_id: string; seq: number; from_state: string; to_state: string; reason: string; client_order_ids: string[]; venue_order_ids: string[]; ts: Date }>(
    'SELECT * FROM execution_events WHERE execution_id = $1 ORDER BY seq',
    [executionId],
  );
  return r.rows.map((x) =>
    ExecutionEvent.parse({ executionId: x.execution_id, seq: x.seq, fromState: x.from_state, toState: x.to_state, reason: x.reason, clientOrderIds: x.client_order_ids, venueOrderIds: x.venue_order_ids, ts: x.ts.getTime() }),
  );
}

/**
 * Stores a fill (idempotent by venue, fill id and time). `bookedFeeMicros`: the fee positions
 * booked for it (the venue's when reported, else the fee engine's): stored with its source, so
 * positions re-seeded from the fills ({@link storedFills}) book the same fee.
 */
export async function writeFill(db: Queryable, f: Fill, bookedFeeMicros?: Micros): Promise<void> {
  const source = f.feeMicros !== undefined ? 'venue' : bookedFeeMicros !== undefined ? 'computed' : null;
  await db.query(
    `INSERT INTO fills (ts, fill_id, venue, order_id, market_id, price_micros, qty, fee_micros, side, outcome, client_order_id, fee_source)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING`,
    [new Date(f.tsVenue), f.fillId, f.venue, f.venueOrderId, f.marketId, f.priceMicros, f.qty, f.feeMicros ?? bookedFeeMicros ?? 0, f.side, f.outcome, f.clientOrderId ?? null, source],
  );
}

interface FillRow {
  ts: Date;
  fill_id: string;
  venue: string;
  order_id: string;
  market_id: string | null;
  price_micros: string;
  qty: string;
  fee_micros: string;
  side: string | null;
  outcome: string | null;
  client_order_id: string | null;
  fee_source: string | null;
}

/**
 * Every stored execution fill, oldest first (restart re-seeds positions and exposure from them).
 * The stored fee is the booked one (`fee_source` set) and is kept; a row without a source (written
 * before fees were booked on write) with fee 0 gets the fee engine's again. Rows without a side,
 * outcome or market (not written by execution) are skipped and counted.
 */
export async function storedFills(db: Queryable): Promise<{ fills: Fill[]; skipped: number }> {
  const r = await db.query<FillRow>('SELECT ts, fill_id, venue, order_id, market_id, price_micros, qty, fee_micros, side, outcome, client_order_id, fee_source FROM fills ORDER BY ts, venue, fill_id');
  const fills: Fill[] = [];
  let skipped = 0;
  for (const x of r.rows) {
    const fee = Number(x.fee_micros);
    const parsed = FillZ.safeParse({
      venue: x.venue, fillId: x.fill_id, venueOrderId: x.order_id, marketId: x.market_id, outcome: x.outcome, side: x.side, priceMicros: Number(x.price_micros), qty: Number(x.qty),
      ...(x.client_order_id ? { clientOrderId: x.client_order_id } : {}), ...(x.fee_source !== null || fee !== 0 ? { feeMicros: fee } : {}),
      tsVenue: x.ts.getTime(), tsReceived: x.ts.getTime(),
    });
    if (parsed.success) fills.push(parsed.data);
    else skipped++;
  }
  return { fills, skipped };
}

/** Execution id and venue order id → pair id, from every stored execution (attributes stored fills to pairs). */
export async function executionPairIndex(db: Queryable): Promise<Map<string, string>> {
  const r = await db.query<{ execution_id: string; pair_id: string; progress: Execution['progress'] }>('SELECT execution_id, pair_id, progress FROM executions');
  const out = new Map<string, string>();
  for (const x of r.rows) {
    out.set(x.execution_id, x.pair_id);
    for (const role of [x.progress.leg1, x.progress.leg2, x.progress.unwind]) for (const v of role?.venueOrderIds ?? []) out.set(v, x.pair_id);
  }
  return out;
}
