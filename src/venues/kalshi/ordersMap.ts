/**
 * Pure mappings between our order shapes (schema/execution.ts) and Kalshi's V2 wire (./orders.ts):
 * the book side and YES price of an order, the reject reason of an error code, and the
 * {@link OrderAck} of a Kalshi order object. Used by ./broker.ts.
 *
 *   buy YES @p → bid @p    sell YES @p → ask @p    buy NO @p → ask @(1 − p)    sell NO @p → bid @(1 − p)
 */
import { SCALE, parseScaled } from '../../../schema/money.js';
import type { Outcome } from '../../../schema/venue.js';
import type { OrderAck, OrderRequest, RejectReason, TradingRules } from '../broker.js';
import type { KalshiOrder } from './orders.js';

/** Kalshi error code → our reject reason (REST codes beyond the two seen live are guesses in lower case: ORDERS.md 2.7). */
export const KALSHI_REJECT_REASONS: Readonly<Record<string, RejectReason>> = {
  insufficient_balance: 'insufficient_balance', market_not_found: 'market_closed', market_closed: 'market_closed', market_inactive: 'market_closed',
  trading_paused: 'market_closed', invalid_price: 'tick', order_already_exists: 'duplicate', fok_insufficient_volume: 'price_moved',
};

/** The V2 book side and YES price of an order on `outcome`. */
export function kalshiSideOf(o: Pick<OrderRequest, 'outcome' | 'side' | 'limitPriceMicros'>): { side: 'bid' | 'ask'; yesPrice: number } {
  const buysYes = (o.outcome === 'yes') === (o.side === 'buy');
  return { side: buysYes ? 'bid' : 'ask', yesPrice: o.outcome === 'yes' ? o.limitPriceMicros : SCALE - o.limitPriceMicros };
}

/** A dollar string (absent or empty = 0) → micro-dollars. */
export const scaledOr0 = (s: string | undefined): number => (s ? parseScaled(s, 'half-up') : 0);

/**
 * The ack of a Kalshi order object. Costs are on the order's own side (YES for a bid, NO for an
 * ask, as the captures show); the average price is given for `reqOutcome` (the outcome we
 * ordered) when known, else for the order's own side.
 */
export function kalshiOrderAck(o: KalshiOrder, clientId: string, reqOutcome: Outcome | undefined, now: number): OrderAck {
  const filled = o.fill_count_fp !== undefined ? parseScaled(o.fill_count_fp) : (o.fill_count ?? 0) * SCALE;
  const remaining = o.remaining_count_fp !== undefined ? parseScaled(o.remaining_count_fp) : (o.remaining_count ?? 0) * SCALE;
  const bookSide = o.book_side ?? (o.outcome_side === 'no' || (o.side === 'no') !== (o.action === 'sell') ? 'ask' : 'bid');
  const own = scaledOr0(o.taker_fill_cost_dollars) + scaledOr0(o.maker_fill_cost_dollars);
  const avgOwn = filled > 0 ? Math.round((own * SCALE) / filled) : undefined;
  const ownOutcome: Outcome = bookSide === 'bid' ? 'yes' : 'no';
  const outcome = reqOutcome ?? ownOutcome;
  const fees = scaledOr0(o.taker_fees_dollars) + scaledOr0(o.maker_fees_dollars);
  const state = o.status === 'executed' ? 'filled' : o.status === 'canceled' ? 'cancelled' : o.status === 'pending' ? 'pending' : filled > 0 ? 'partially_filled' : 'open';
  const ts = Date.parse(o.last_update_time ?? o.created_time ?? '') || now;
  return {
    venue: 'kalshi', clientOrderId: clientId, venueOrderId: o.order_id, state, filledQty: filled,
    ...(avgOwn !== undefined ? { avgPriceMicros: outcome === ownOutcome ? avgOwn : SCALE - avgOwn } : {}),
    feesMicros: fees,
    ...(state === 'cancelled' && remaining === 0 ? { reason: filled ? 'remainder cancelled' : 'cancelled without fill' } : {}),
    ts,
  };
}

/**
 * Kalshi's default order-entry rules: 1¢ tick (`linear_cent`), whole contracts, one contract
 * minimum, no minimum notional (ORDERS.md 2.2, PROTOCOLS.md "Price level structures").
 */
export const KALSHI_TRADING_RULES: TradingRules = { tickMicros: 10_000, minQty: SCALE, qtyStep: SCALE, minNotionalMicros: 0 };

/** Ticks of the documented price level structures when a market gives no `price_ranges`. */
const STRUCTURE_TICK: Readonly<Record<string, number>> = { linear_cent: 10_000, deci_cent: 1_000, tapered_deci_cent: 10_000 };

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * A market's rules from its `price_level_structure` / `price_ranges` and
 * `fractional_trading_enabled`. One tick serves the whole market, so a banded structure
 * (`tapered_deci_cent`: 0.001 at the tails, 0.01 between) gets the least common multiple of its
 * steps, a grid valid in every band (0.01). Fractional markets trade in 0.01 contracts (`count_fp`
 * has 2 dp), with 0.01 as the minimum [unverified: the docs give no fractional minimum].
 */
export function kalshiRulesOf(m: {
  readonly price_level_structure?: string | null | undefined;
  readonly price_ranges?: readonly { readonly step: string }[] | null | undefined;
  readonly fractional_trading_enabled?: boolean | null | undefined;
}): TradingRules {
  const steps = (m.price_ranges ?? []).map((r) => parseScaled(r.step, 'half-up')).filter((x) => x > 0);
  const tick = steps.length ? steps.reduce((a, b) => (a / gcd(a, b)) * b) : (STRUCTURE_TICK[m.price_level_structure ?? ''] ?? KALSHI_TRADING_RULES.tickMicros);
  const step = m.fractional_trading_enabled ? 10_000 : SCALE;
  return { tickMicros: tick, minQty: step, qtyStep: step, minNotionalMicros: 0 };
}
