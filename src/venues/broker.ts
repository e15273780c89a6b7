/**
 * The broker slot of a {@link VenueModule}: order entry on one venue. Signatures only; the
 * Execution work (src/execution/: paper broker against the live book, live brokers on the venues'
 * order APIs) implements them. Money is integer micro-dollars, quantities integer millionths.
 *
 * Outcome semantics: a send that fails in transit is an UNKNOWN outcome (the order may rest at
 * the venue): callers reconcile with {@link Broker.status} by `clientOrderId`, never resend blindly.
 */
import type { Observable } from 'rxjs';
import type { Micros, Qty } from '../../schema/money.js';
import type { Outcome, Venue } from '../../schema/venue.js';
import type { Config } from '../config.js';
import type { VenueFeed } from './venue.js';

export type OrderSide = 'buy' | 'sell';
/** FOK: all or nothing now; IOC: what fills now, the rest cancelled; GTC: rests until filled or cancelled. */
export type TimeInForce = 'FOK' | 'IOC' | 'GTC';
export type OrderState = 'pending' | 'open' | 'partially_filled' | 'filled' | 'cancelled' | 'rejected' | 'unknown';

export interface OrderRequest {
  /** our idempotency key: the venue rejects a second order with the same id */
  readonly clientOrderId: string;
  readonly marketId: string;
  readonly outcome: Outcome;
  readonly side: OrderSide;
  /** limit price, micro-dollars */
  readonly limitPriceMicros: Micros;
  readonly qty: Qty;
  readonly timeInForce: TimeInForce;
}

export interface OrderStatus {
  readonly venue: Venue;
  readonly clientOrderId: string;
  /** absent while the venue has not acknowledged (state 'pending' or 'unknown') */
  readonly venueOrderId?: string;
  readonly state: OrderState;
  readonly filledQty: Qty;
  /** volume-weighted fill price, micro-dollars (absent before the first fill) */
  readonly avgPriceMicros?: Micros;
  readonly feesMicros: Micros;
  /** the venue's reason for a rejection or cancellation */
  readonly reason?: string;
  /** unix ms */
  readonly ts: number;
}

export interface Fill {
  readonly venue: Venue;
  /** the venue's trade/fill id (fills are keyed by it: idempotent) */
  readonly fillId: string;
  readonly clientOrderId: string;
  readonly venueOrderId: string;
  readonly marketId: string;
  readonly outcome: Outcome;
  readonly side: OrderSide;
  readonly priceMicros: Micros;
  readonly qty: Qty;
  readonly feeMicros: Micros;
  readonly tsVenue: number;
  readonly tsReceived: number;
}

export interface Position {
  readonly marketId: string;
  readonly outcome: Outcome;
  readonly qty: Qty;
  /** average entry price, micro-dollars */
  readonly avgPriceMicros: Micros;
}

export interface Balance {
  /** cash at the venue, micro-dollars */
  readonly cashMicros: Micros;
  /** cash not reserved by open orders */
  readonly availableMicros: Micros;
  readonly ts: number;
}

export interface Broker {
  readonly venue: Venue;
  /** Sends an order; resolves with the venue's acknowledgement (or state 'unknown' when the send failed in transit). */
  place(order: OrderRequest): Promise<OrderStatus>;
  /** Cancels the rest of an order; resolves with its final status. */
  cancel(clientOrderId: string): Promise<OrderStatus>;
  /** The order's current status at the venue (reconciliation). */
  status(clientOrderId: string): Promise<OrderStatus>;
  /** Every fill of our orders, as the venue reports them (live: the private channel; paper: against the book). */
  readonly fills$: Observable<Fill>;
  positions(): Promise<readonly Position[]>;
  balance(): Promise<Balance>;
  /** Stops the private channel; open orders stay at the venue. */
  close(): Promise<void>;
}

/** Builds a venue's broker from the config; a paper broker fills against the venue's live feed. */
export type BrokerFactory = (config: Pick<Config, 'venues'>, deps: { readonly feed?: VenueFeed; readonly paper?: boolean }) => Broker;
