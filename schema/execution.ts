/**
 * Execution shapes: orders, acknowledgements, fills, positions and balances as the brokers
 * (`src/venues/broker.ts`) exchange them, plus the execution record (`executions`,
 * `execution_events`) the executor writes ahead of every action.
 *
 * Money is integer micro-dollars, quantities integer millionths. Orders are limit IOC/FOK
 * only: arbstream never sends a market order, and never leaves one resting.
 */
import { z } from 'zod';
import { MicrosZ, QtyZ, UnixMs } from './book.js';
import type { Infer } from './readonly.js';
import { Outcome, VenueId } from './venue.js';

export const OrderSide = z.enum(['buy', 'sell']);
export type OrderSide = z.infer<typeof OrderSide>;

/** FOK: all or nothing now; IOC: what fills now, the rest cancelled. Nothing rests. */
export const TimeInForce = z.enum(['IOC', 'FOK']);
export type TimeInForce = z.infer<typeof TimeInForce>;

/**
 * An order's state at the venue. `unknown` = we never saw the venue's answer (the send timed
 * out or the connection dropped): it must be reconciled with `Broker.status`, never assumed.
 */
export const OrderState = z.enum(['pending', 'open', 'partially_filled', 'filled', 'cancelled', 'rejected', 'unknown']);
export type OrderState = z.infer<typeof OrderState>;
/** States after which the order can no longer fill. */
export const FINAL_ORDER_STATES: ReadonlySet<OrderState> = new Set(['filled', 'cancelled', 'rejected']);

export const OrderRequest = z.object({
  /** our idempotency key: deterministic per (execution, leg, attempt); the venue refuses a second order with it */
  clientOrderId: z.string().min(1).max(64),
  marketId: z.string().min(1),
  outcome: Outcome,
  side: OrderSide,
  /** limit price, micro-dollars, on the venue's tick (buy: the most we pay; sell: the least we take) */
  limitPriceMicros: MicrosZ.min(1).max(999_999),
  qty: QtyZ.positive(),
  timeInForce: TimeInForce,
});
export type OrderRequest = Infer<typeof OrderRequest>;

/** The venue's acknowledgement of an order, and its status when asked later (reconciliation). */
export const OrderAck = z.object({
  venue: VenueId,
  clientOrderId: z.string().min(1),
  /** absent while the venue has not acknowledged (state 'pending' or 'unknown') */
  venueOrderId: z.string().min(1).optional(),
  state: OrderState,
  filledQty: QtyZ.nonnegative(),
  /** volume-weighted fill price, micro-dollars (absent before the first fill) */
  avgPriceMicros: MicrosZ.optional(),
  /** fees the venue reported for the fills so far (absent when the venue reports none: compute them) */
  feesMicros: MicrosZ.optional(),
  /** the venue's reason for a rejection or cancellation */
  reason: z.string().optional(),
  /** unix ms */
  ts: UnixMs,
});
export type OrderAck = Infer<typeof OrderAck>;

/** Why a venue refused an order (the venue's own text is kept in the error's info). */
export const RejectReason = z.enum(['insufficient_balance', 'price_moved', 'min_size', 'tick', 'market_closed', 'duplicate', 'not_found', 'rate_limited', 'other']);
export type RejectReason = z.infer<typeof RejectReason>;

export const Fill = z.object({
  venue: VenueId,
  /** the venue's trade/fill id: fills are keyed by (venue, fillId), so a repeat is idempotent */
  fillId: z.string().min(1),
  /** absent when the venue does not echo it (Kalshi fills since 2026-03-30): join by venueOrderId */
  clientOrderId: z.string().min(1).optional(),
  venueOrderId: z.string().min(1),
  marketId: z.string().min(1),
  outcome: Outcome,
  side: OrderSide,
  priceMicros: MicrosZ,
  qty: QtyZ.positive(),
  /** the venue-reported fee; absent when the venue reports none (computed with src/fees at booking) */
  feeMicros: MicrosZ.optional(),
  tsVenue: UnixMs,
  tsReceived: UnixMs,
});
export type Fill = Infer<typeof Fill>;

export const BrokerPosition = z.object({
  marketId: z.string().min(1),
  outcome: Outcome,
  /** held contracts/shares (millionths), >= 0 */
  qty: QtyZ,
  /** average entry price, micro-dollars */
  avgPriceMicros: MicrosZ,
});
export type BrokerPosition = Infer<typeof BrokerPosition>;

export const Balance = z.object({
  /** cash at the venue, micro-dollars */
  cashMicros: MicrosZ,
  /** cash not reserved by open orders */
  availableMicros: MicrosZ,
  ts: UnixMs,
});
export type Balance = Infer<typeof Balance>;

/**
 * A venue's order-entry rules for a market: the executor rounds limit prices to the tick in the
 * safe direction and drops a candidate whose size is below the minimum.
 */
export const TradingRules = z.object({
  /** price tick, micro-dollars (Kalshi 10_000 = 1¢; Polymarket per market, 0.01 → 10_000, 0.001 → 1_000) */
  tickMicros: MicrosZ.positive(),
  /** smallest order size, millionths */
  minQty: QtyZ.nonnegative(),
  /** size step, millionths (Kalshi 1_000_000 = whole contracts unless fractional; Polymarket 10_000 = 2 dp) */
  qtyStep: QtyZ.positive(),
  /** smallest order notional, micro-dollars (Polymarket: $1 for marketable orders) */
  minNotionalMicros: MicrosZ.nonnegative().default(0),
});
export type TradingRules = Infer<typeof TradingRules>;

// ── executions (one per opportunity) and their write-ahead events ────────────────────────────

/**
 * planned → leg1Submitted → leg1Filled | leg1Partial → leg2Submitted → hedged, or
 * unwinding → unwound | failed (src/execution/stateMachine.ts has the rules).
 */
export const ExecutionState = z.enum(['planned', 'leg1Submitted', 'leg1Filled', 'leg1Partial', 'leg2Submitted', 'hedged', 'unwinding', 'unwound', 'failed']);
export type ExecutionState = z.infer<typeof ExecutionState>;
export const TERMINAL_STATES: ReadonlySet<ExecutionState> = new Set(['hedged', 'unwound', 'failed']);

/** One leg as it will be ordered: buy `outcome` on `venue` at most at `limitPriceMicros` (on the tick). */
export const PlannedLeg = z.object({
  /** the pair's leg position (0 = leg A) */
  pairLeg: z.union([z.literal(0), z.literal(1)]),
  venue: VenueId,
  marketId: z.string().min(1),
  outcome: Outcome,
  limitPriceMicros: MicrosZ,
  tickMicros: MicrosZ,
  minQty: QtyZ,
  qtyStep: QtyZ,
  minNotionalMicros: MicrosZ,
});
export type PlannedLeg = Infer<typeof PlannedLeg>;

export const ExecutionPlan = z.object({
  executionId: z.string().min(1),
  pairId: z.string().min(1),
  edgeId: z.string().min(1),
  direction: z.enum(['aYes', 'aNo']),
  /** contracts per leg, on both venues' size steps */
  sizeQty: QtyZ.positive(),
  /** in order of execution: legs[0] goes first (the harder one) */
  legs: z.tuple([PlannedLeg, PlannedLeg]),
  /** the most an unwind of leg 1 may lose, micro-dollars */
  lossCapMicros: MicrosZ.nonnegative(),
  expectedProfitMicros: MicrosZ,
  tsPlanned: UnixMs,
});
export type ExecutionPlan = Infer<typeof ExecutionPlan>;

/** Orders of one role (leg 1, leg 2 or the unwind) so far; the current attempt while it is in flight. */
export const RoleProgress = z.object({
  attempts: z.number().int().nonnegative(),
  /** filled by completed attempts */
  filledQty: QtyZ,
  /** cash of those fills at fill prices, micro-dollars */
  costMicros: MicrosZ,
  /** venue-reported fees of those fills */
  feesMicros: MicrosZ,
  /** the order in flight (absent between orders) */
  current: z
    .object({ clientOrderId: z.string(), venueOrderId: z.string().optional(), qty: QtyZ, limitPriceMicros: MicrosZ, side: OrderSide, reconciles: z.number().int().nonnegative() })
    .optional(),
  /** every venue order id of this role */
  venueOrderIds: z.array(z.string()),
});
export type RoleProgress = Infer<typeof RoleProgress>;

export const ExecutionProgress = z.object({
  leg1: RoleProgress,
  leg2: RoleProgress,
  unwind: RoleProgress,
  /** what leg 2 must buy (leg 1's actual fill on leg 2's size step) */
  leg2TargetQty: QtyZ,
  /** what the unwind must sell of leg 1 */
  unwindTargetQty: QtyZ,
  /** the unwind's floor price (the loss cap), micro-dollars */
  unwindLimitMicros: MicrosZ,
  /** when the current state times out, unix ms */
  deadline: UnixMs,
  /** alerts raised (unhedged residual, unknown outcome) */
  alerts: z.array(z.string()),
});
export type ExecutionProgress = Infer<typeof ExecutionProgress>;

/** A row of `executions`: the plan, where it stands, and why. */
export const Execution = z.object({
  executionId: z.string().min(1),
  pairId: z.string().min(1),
  edgeId: z.string().min(1),
  state: ExecutionState,
  sizeQty: QtyZ,
  plan: ExecutionPlan,
  progress: ExecutionProgress,
  /** contracts of leg 1 held without hedge (0 when hedged or unwound) */
  netQty: QtyZ,
  reason: z.string(),
  tsPlanned: UnixMs,
  tsUpdated: UnixMs,
});
export type Execution = Infer<typeof Execution>;

/** A row of `execution_events`: one transition, written BEFORE its orders are sent. */
export const ExecutionEvent = z.object({
  executionId: z.string().min(1),
  /** 1, 2, 3… per execution */
  seq: z.number().int().positive(),
  fromState: ExecutionState,
  toState: ExecutionState,
  reason: z.string(),
  /** the orders this transition sends, cancels or asks about */
  clientOrderIds: z.array(z.string()),
  venueOrderIds: z.array(z.string()),
  ts: UnixMs,
});
export type ExecutionEvent = Infer<typeof ExecutionEvent>;

// ── orders, positions and settlements as stored (issue 12 point 5) ───────────────────────────

/** Which part of an execution sent an order. */
export const OrderRole = z.enum(['leg1', 'leg2', 'unwind']);
export type OrderRole = z.infer<typeof OrderRole>;

/**
 * A row of `orders`: one venue order we sent, derived from the execution progress the executor
 * writes ahead (src/execution/orderRows.ts). Keyed by (venue, clientOrderId).
 */
export const OrderRecord = z.object({
  executionId: z.string().min(1),
  role: OrderRole,
  /** our idempotency key (`<executionId>:<role>:<attempt>`) */
  clientOrderId: z.string().min(1),
  /** absent until the venue acknowledged the order */
  venueOrderId: z.string().min(1).optional(),
  venue: VenueId,
  marketId: z.string().min(1),
  outcome: Outcome,
  side: OrderSide,
  /** limit price, micro-dollars */
  limitPriceMicros: MicrosZ,
  /** ordered quantity, millionths */
  qty: QtyZ.positive(),
  timeInForce: TimeInForce,
  /** pending/open while in flight; filled, cancelled (IOC rest) or rejected once ended */
  state: OrderState,
  /** filled quantity, millionths */
  filledQty: QtyZ.nonnegative(),
  /** cash of the fills at fill prices, micro-dollars */
  costMicros: MicrosZ.nonnegative(),
  /** venue-reported fees of the fills, micro-dollars */
  feesMicros: MicrosZ.nonnegative(),
  /** the execution's reason when the order was last updated */
  reason: z.string(),
  /** unix ms */
  createdAt: UnixMs,
  /** unix ms */
  updatedAt: UnixMs,
});
export type OrderRecord = Infer<typeof OrderRecord>;

/**
 * A row of `positions`: one outcome held on one venue for one pair (`pairId` '' = fills of orders
 * no execution sent). Money in micro-dollars, quantities in millionths.
 */
export const PositionRecord = z.object({
  venue: VenueId,
  marketId: z.string().min(1),
  outcome: Outcome,
  /** '' for fills of orders no execution sent */
  pairId: z.string(),
  qty: QtyZ,
  /** cost basis of what is held (fill prices, fees excluded) */
  costMicros: MicrosZ,
  /** cost / qty, micro-dollars per contract (0 when flat) */
  avgPriceMicros: MicrosZ,
  realizedPnlMicros: MicrosZ,
  feesMicros: MicrosZ,
  /** mark value − cost; absent when no book of the market was seen */
  unrealizedPnlMicros: MicrosZ.optional(),
  /** the best bid of the outcome (its settlement price once settled) */
  markMicros: MicrosZ.optional(),
  /** when the market settled, unix ms (the position is closed) */
  settledAt: UnixMs.optional(),
  /** what one contract of this outcome paid at settlement, micro-dollars */
  settlementMicros: MicrosZ.optional(),
  /** unix ms */
  updatedAt: UnixMs,
});
export type PositionRecord = Infer<typeof PositionRecord>;

/**
 * A market's resolution as the venue announced it (Polymarket `market_resolved`, Kalshi
 * `market_lifecycle_v2` determined/settled): what one YES contract pays; a NO pays the rest.
 */
export const MarketSettlement = z.object({
  venue: VenueId,
  marketId: z.string().min(1),
  /** the winning outcome; absent for a scalar settlement (see yesPayoutMicros) */
  winner: Outcome.optional(),
  /** what one YES contract pays, micro-dollars (1_000_000 when YES wins, 0 when NO wins) */
  yesPayoutMicros: MicrosZ.min(0).max(1_000_000),
  /** the venue's event name ('market_resolved', 'determined', 'settled') */
  event: z.string().min(1),
  /** the venue's resolution time, unix ms */
  ts: UnixMs,
});
export type MarketSettlement = Infer<typeof MarketSettlement>;
