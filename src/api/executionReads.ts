/**
 * Reads behind the execution doors (GraphQL, dashboard, Discord /positions): pages of executions,
 * an execution's fills, and positions with P&L, from the running execution when this process has
 * one (./executionSlot.ts) or else from the tables (`fills` folded with the same pure fold as the
 * live positions, src/execution/positions.ts `foldFill`; pairs from `executions`).
 *
 * Unrealised P&L: the position's own figure when the execution computes one, else the position
 * marked at the latest stored best bid of its outcome (`book_tops`); null without a mark.
 * Money: integer micro-dollars; quantities integer millionths.
 *
 * Pages of executions come from the repo (src/store/repos/executions.ts `pageExecutions`).
 * TODO(lead): the `fills` SQL here belongs there too (asked in the report).
 */
import { z } from 'zod';
import { Execution, Fill, OrderSide } from '../../schema/execution.js';
import { notional, type Micros, type Qty } from '../../schema/money.js';
import { Outcome, VenueId, type Venue } from '../../schema/venue.js';
import { EMPTY_POSITIONS, foldFill, type HeldPosition, type PositionsSnapshot } from '../execution/positions.js';
import { log } from '../log.js';
import { latestBookTops } from '../store/repos/books.js';
import { storedPositions } from '../store/repos/positions.js';
import { marketKey, type Queryable } from '../store/repos/types.js';
import type { AttachedExecution } from './executionSlot.js';

// ── executions ───────────────────────────────────────────────────────────────────────────────

export { pageExecutions, type ExecutionAfter } from '../store/repos/executions.js';

/** A fill as stored in `fills` (no receive time is stored: `ts` is the venue's time). */
export type StoredFill = Omit<Fill, 'tsReceived'>;

const FillRow = z.object({
  ts: z.date(),
  fill_id: z.string(),
  venue: VenueId,
  order_id: z.string(),
  market_id: z.string().nullable(),
  price_micros: z.coerce.number().int(),
  qty: z.coerce.number().int(),
  fee_micros: z.coerce.number().int(),
  side: OrderSide.nullable(),
  outcome: Outcome.nullable(),
  client_order_id: z.string().nullable(),
});

function toFill(raw: unknown): StoredFill | undefined {
  const r = FillRow.safeParse(raw);
  if (!r.success || r.data.side === null || r.data.outcome === null || r.data.market_id === null) {
    log.warn({ raw: JSON.stringify(raw)?.slice(0, 500) }, 'fills row without side/outcome/market (stored before execution): not in positions');
    return undefined;
  }
  const f = r.data;
  return {
    venue: f.venue, fillId: f.fill_id, venueOrderId: f.order_id, marketId: f.market_id!, outcome: f.outcome!, side: f.side!, priceMicros: f.price_micros, qty: f.qty,
    feeMicros: f.fee_micros, tsVenue: f.ts.getTime(), ...(f.client_order_id ? { clientOrderId: f.client_order_id } : {}),
  };
}

/** The venue order ids of every order an execution sent (leg 1, leg 2, unwind). */
export const venueOrderIdsOf = (e: Execution): string[] => [...e.progress.leg1.venueOrderIds, ...e.progress.leg2.venueOrderIds, ...e.progress.unwind.venueOrderIds];

/** The fills of one execution: by client order id (`<executionId>:…`) or by its venue order ids. */
export async function executionFills(db: Queryable, e: Execution): Promise<StoredFill[]> {
  const r = await db.query(
    `SELECT ts, fill_id, venue, order_id, market_id, price_micros, qty, fee_micros, side, outcome, client_order_id FROM fills
     WHERE split_part(client_order_id, ':', 1) = $1 OR order_id = ANY($2::text[]) ORDER BY ts, fill_id`,
    [e.executionId, venueOrderIdsOf(e)],
  );
  return r.rows.flatMap((x) => toFill(x) ?? []);
}

/** Every stored fill in time order with the pair of the execution that sent its order (null: not ours). */
async function fillsWithPairs(db: Queryable): Promise<{ fill: StoredFill; pairId: string | undefined }[]> {
  const r = await db.query(
    `SELECT f.ts, f.fill_id, f.venue, f.order_id, f.market_id, f.price_micros, f.qty, f.fee_micros, f.side, f.outcome, f.client_order_id,
            coalesce(byc.pair_id, byv.pair_id) AS pair_id
     FROM fills f
     LEFT JOIN executions byc ON byc.execution_id = split_part(f.client_order_id, ':', 1)
     LEFT JOIN LATERAL (
       SELECT e.pair_id FROM executions e
       WHERE byc.execution_id IS NULL AND (e.progress->'leg1'->'venueOrderIds' ? f.order_id OR e.progress->'leg2'->'venueOrderIds' ? f.order_id OR e.progress->'unwind'->'venueOrderIds' ? f.order_id)
       LIMIT 1
     ) byv ON true
     ORDER BY f.ts, f.fill_id`,
  );
  return r.rows.flatMap((x: Record<string, unknown>) => {
    const fill = toFill(x);
    return fill ? [{ fill, pairId: typeof x.pair_id === 'string' ? x.pair_id : undefined }] : [];
  });
}

/** Positions folded from the `fills` table (the same fold as the live positions). */
export async function positionsFromTables(db: Queryable): Promise<PositionsSnapshot> {
  let s = EMPTY_POSITIONS;
  for (const { fill, pairId } of await fillsWithPairs(db)) s = foldFill(s, { ...fill, tsReceived: fill.tsVenue }, pairId);
  return s;
}

// ── positions and P&L ────────────────────────────────────────────────────────────────────────

/** A held position with its mark and unrealised P&L (H: fields the execution may add, read when present). */
export interface PositionRecord {
  readonly venue: Venue;
  readonly marketId: string;
  readonly outcome: 'yes' | 'no';
  /** the pair (per-pair rows); null on the per-market rows */
  readonly pairId: string | null;
  readonly qty: Qty;
  readonly costMicros: Micros;
  readonly realizedPnlMicros: Micros;
  readonly feesMicros: Micros;
  /** price the position is marked at, micro-dollars (null: no mark) */
  readonly markMicros: Micros | null;
  readonly unrealizedPnlMicros: Micros | null;
  readonly settledAt: Date | null;
}

export interface PairPositionsRecord {
  readonly pairId: string;
  readonly legs: readonly PositionRecord[];
  readonly costMicros: Micros;
  readonly realizedPnlMicros: Micros;
  readonly feesMicros: Micros;
  /** null when a held leg has no mark */
  readonly unrealizedPnlMicros: Micros | null;
}

export interface PositionsReport {
  /** 'execution' = the running execution's positions; 'tables' = folded from the stored fills */
  readonly source: 'execution' | 'tables';
  readonly markets: readonly PositionRecord[];
  readonly pairs: readonly PairPositionsRecord[];
  readonly fills: number;
  readonly unknownFills: number;
}

export interface PnlRecord {
  readonly source: 'execution' | 'tables';
  readonly realizedPnlMicros: Micros;
  /** null when a held position has no mark */
  readonly unrealizedPnlMicros: Micros | null;
  readonly feesMicros: Micros;
  /** cost basis held (capital committed), as the risk gate counts it */
  readonly exposureMicros: Micros;
  readonly fills: number;
  readonly unknownFills: number;
}

/** Fields the execution may add to HeldPosition (read when present, null otherwise). */
type Extra = Partial<{ unrealizedPnlMicros: Micros; markMicros: Micros; settledAt: number | Date }>;

const sum = (xs: readonly (number | null)[]): number | null => (xs.some((x) => x === null) ? null : xs.reduce<number>((a, x) => a + (x ?? 0), 0));

function record(p: HeldPosition, pairId: string | null, markOf: (p: HeldPosition) => Micros | undefined): PositionRecord {
  const x = p as HeldPosition & Extra;
  const settledAt = x.settledAt === undefined ? null : new Date(x.settledAt);
  const markMicros = x.markMicros ?? markOf(p) ?? null;
  const unrealizedPnlMicros = x.unrealizedPnlMicros ?? (settledAt || p.qty <= 0 ? 0 : markMicros === null ? null : notional(markMicros, p.qty, 'floor') - p.costMicros);
  return { venue: p.venue, marketId: p.marketId, outcome: p.outcome, pairId, qty: p.qty, costMicros: p.costMicros, realizedPnlMicros: p.realizedPnlMicros, feesMicros: p.feesMicros, markMicros, unrealizedPnlMicros, settledAt };
}

/** The report of a snapshot, marking held positions without their own mark at the latest stored best bid. */
export async function positionsReport(db: Queryable, s: PositionsSnapshot, source: PositionsReport['source']): Promise<PositionsReport> {
  const held = [...s.positions.values()].filter((p) => p.qty > 0);
  const tops = await latestBookTops(db, held.map((p) => ({ venue: p.venue, marketId: p.marketId })));
  const markOf = (p: HeldPosition): Micros | undefined => {
    const t = tops.get(marketKey(p));
    return (p.outcome === 'yes' ? t?.yesBid : t?.noBid)?.price;
  };
  const order = (a: PositionRecord, b: PositionRecord): number => `${a.venue}|${a.marketId}|${a.outcome}`.localeCompare(`${b.venue}|${b.marketId}|${b.outcome}`);
  const markets = [...s.positions.values()].map((p) => record(p, null, markOf)).sort(order);
  const pairs = [...s.byPair.entries()]
    .map(([pairId, ps]): PairPositionsRecord => {
      const legs = [...ps.values()].map((p) => record(p, pairId, markOf)).sort(order);
      return {
        pairId, legs,
        costMicros: legs.reduce((a, l) => a + l.costMicros, 0),
        realizedPnlMicros: legs.reduce((a, l) => a + l.realizedPnlMicros, 0),
        feesMicros: legs.reduce((a, l) => a + l.feesMicros, 0),
        unrealizedPnlMicros: sum(legs.map((l) => l.unrealizedPnlMicros)),
      };
    })
    .sort((a, b) => a.pairId.localeCompare(b.pairId));
  return { source, markets, pairs, fills: s.fills, unknownFills: s.unknownFills };
}

/** Sums rows of one venue/market/outcome (several pairs) into the per-market position. */
function mergeHeld(a: HeldPosition | undefined, b: HeldPosition): HeldPosition {
  if (!a) return b;
  const un = a.unrealizedPnlMicros !== undefined && b.unrealizedPnlMicros !== undefined ? { unrealizedPnlMicros: a.unrealizedPnlMicros + b.unrealizedPnlMicros } : {};
  const { unrealizedPnlMicros: _a, ...rest } = a;
  return { ...rest, ...un, qty: a.qty + b.qty, costMicros: a.costMicros + b.costMicros, realizedPnlMicros: a.realizedPnlMicros + b.realizedPnlMicros, feesMicros: a.feesMicros + b.feesMicros };
}

/**
 * The stored `positions` rows (written by the execution from its snapshots: computed fees, marks,
 * settlement) over the fold of the stored fills, when there are any; the fill counts come from the fold.
 */
async function positionsFromStore(db: Queryable): Promise<PositionsSnapshot> {
  const folded = await positionsFromTables(db);
  const rows = await storedPositions(db);
  if (rows.length === 0) return folded;
  const positions = new Map<string, HeldPosition>();
  const byPair = new Map<string, Map<string, HeldPosition>>();
  for (const r of rows) {
    const { pairId, avgPriceMicros: _avg, updatedAt: _u, ...held } = r;
    const k = `${r.venue}|${r.marketId}|${r.outcome}`;
    positions.set(k, mergeHeld(positions.get(k), held));
    if (pairId !== '') byPair.set(pairId, (byPair.get(pairId) ?? new Map<string, HeldPosition>()).set(k, held));
  }
  return { ...folded, positions, byPair };
}

/** Positions of the running execution (when attached and it has seen fills), else from the tables. */
export async function readPositions(db: Queryable, running: AttachedExecution | undefined): Promise<PositionsReport> {
  const live = running?.positions();
  if (live) return positionsReport(db, live, 'execution');
  return positionsReport(db, await positionsFromStore(db), 'tables');
}

/** Totals of a report. */
export function pnlOf(r: PositionsReport): PnlRecord {
  return {
    source: r.source,
    realizedPnlMicros: r.markets.reduce((a, p) => a + p.realizedPnlMicros, 0),
    unrealizedPnlMicros: sum(r.markets.map((p) => p.unrealizedPnlMicros)),
    feesMicros: r.markets.reduce((a, p) => a + p.feesMicros, 0),
    exposureMicros: r.markets.reduce((a, p) => a + Math.max(0, p.costMicros), 0),
    fills: r.fills,
    unknownFills: r.unknownFills,
  };
}
