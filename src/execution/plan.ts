/**
 * From a risk-accepted edge to an execution plan: which leg goes first, each leg's limit price
 * on its venue's tick (rounded in the safe direction) and the size on both venues' size steps.
 * Pure. A candidate below a venue's minimum order size or notional is not an opportunity.
 *
 * Harder leg first: the lead-lag follower when known (its price is about to move toward the
 * leader's), else the thinner book at the size (more levels walked), else the slower venue.
 */
import type { Edge, EdgeLeg } from '../../schema/edge.js';
import { notional, type Micros, type Qty } from '../../schema/money.js';
import type { TradingRules } from '../../schema/execution.js';
import type { LegIndex, Venue } from '../../schema/venue.js';
import type { PlannedLeg, ExecutionPlan } from '../../schema/execution.js';

/** When a venue gives no rules: 1¢ tick, whole contracts, one contract minimum. */
export const DEFAULT_TRADING_RULES: TradingRules = { tickMicros: 10_000, minQty: 1_000_000, qtyStep: 1_000_000, minNotionalMicros: 0 };

export interface PlanContext {
  readonly executionId: string;
  readonly rules: (venue: Venue, marketId: string) => TradingRules;
  /** the leg whose price follows the other's (lead-lag), when known */
  readonly followerLeg?: LegIndex;
  /** typical order round trip per venue, ms (slower venue first on a tie) */
  readonly venueLatencyMs?: Partial<Record<Venue, number>>;
  /** the most an unwind of leg 1 may lose, micro-dollars */
  readonly lossCapMicros: Micros;
  readonly now: number;
}

export type PlanResult = { readonly ok: true; readonly plan: ExecutionPlan } | { readonly ok: false; readonly reason: string };

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
const lcm = (a: number, b: number): number => (a / gcd(a, b)) * b;

/** Rounds a limit to the tick in the safe direction: a buy never pays more, a sell never takes less. */
export function roundLimit(priceMicros: Micros, tickMicros: Micros, side: 'buy' | 'sell'): Micros {
  const q = side === 'buy' ? Math.floor(priceMicros / tickMicros) : Math.ceil(priceMicros / tickMicros);
  return q * tickMicros;
}

/** Which pair leg goes first (see the module comment). */
export function firstLeg(edge: Pick<Edge, 'legs'>, ctx: Pick<PlanContext, 'followerLeg' | 'venueLatencyMs'>): LegIndex {
  if (ctx.followerLeg !== undefined) return ctx.followerLeg;
  const [a, b] = edge.legs;
  if (a.levelsUsed !== b.levelsUsed) return a.levelsUsed > b.levelsUsed ? 0 : 1;
  const la = ctx.venueLatencyMs?.[a.venue] ?? 0;
  const lb = ctx.venueLatencyMs?.[b.venue] ?? 0;
  return lb > la ? 1 : 0;
}

function plannedLeg(pairLeg: LegIndex, leg: EdgeLeg, rules: TradingRules): PlannedLeg {
  return {
    pairLeg,
    venue: leg.venue,
    marketId: leg.marketId,
    outcome: leg.outcome,
    // the VWAP walk's price limit (its worst level), on the tick, never above it
    limitPriceMicros: roundLimit(leg.worstPriceMicros, rules.tickMicros, 'buy'),
    tickMicros: rules.tickMicros,
    minQty: rules.minQty,
    qtyStep: rules.qtyStep,
    minNotionalMicros: rules.minNotionalMicros,
  };
}

/** The plan of an accepted edge, or why it is not an opportunity. */
export function planExecution(edge: Edge, ctx: PlanContext): PlanResult {
  const first = firstLeg(edge, ctx);
  const order: readonly [LegIndex, LegIndex] = first === 0 ? [0, 1] : [1, 0];
  const legs = order.map((i) => plannedLeg(i, edge.legs[i], ctx.rules(edge.legs[i].venue, edge.legs[i].marketId))) as [PlannedLeg, PlannedLeg];
  const step = lcm(legs[0].qtyStep, legs[1].qtyStep);
  const sizeQty: Qty = Math.floor(edge.sizeQty / step) * step;
  for (const l of legs) {
    if (l.limitPriceMicros <= 0) return { ok: false, reason: `leg ${l.pairLeg} limit below the ${l.venue} tick` };
    if (sizeQty <= 0 || sizeQty < l.minQty) return { ok: false, reason: `size ${sizeQty} below the ${l.venue} minimum ${l.minQty}` };
    if (notional(l.limitPriceMicros, sizeQty, 'floor') < l.minNotionalMicros) return { ok: false, reason: `notional below the ${l.venue} minimum ${l.minNotionalMicros} micros` };
  }
  return {
    ok: true,
    plan: { executionId: ctx.executionId, pairId: edge.pairId, edgeId: edge.edgeId, direction: edge.direction, sizeQty, legs, lossCapMicros: ctx.lossCapMicros, expectedProfitMicros: edge.profitMicros, tsPlanned: ctx.now },
  };
}
