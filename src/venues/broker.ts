/**
 * The broker slot of a {@link VenueModule}: order entry on one venue, one interface for the
 * paper broker (src/execution/paperBroker.ts, fills against the live or replayed book) and the
 * live brokers (src/venues/<venue>/broker.ts, on the venues' order APIs). Shapes (zod) in
 * `schema/execution.ts`. Money is integer micro-dollars, quantities integer millionths.
 *
 * Orders are limit IOC/FOK only (never market orders, never resting). `clientOrderId` is the
 * idempotency key: placing the same id twice must not create a second order (the venue refuses
 * it, or the broker answers with the first order's status).
 *
 * Outcomes of {@link Broker.place}:
 * - resolves with an {@link OrderAck}: the venue accepted the order (state filled / partially
 *   filled / cancelled with `filledQty`, or open until its IOC remainder is cancelled);
 * - rejects with {@link OrderRejectedError}: the venue refused it, nothing happened
 *   (`reason`: insufficient balance, price moved, min size, tick…);
 * - rejects with {@link OrderUnknownError}: the send failed or the ack was lost/timed out; the
 *   order may exist at the venue. The caller reconciles with {@link Broker.status} by
 *   `clientOrderId` (and may cancel), never resends blindly and never assumes it failed.
 */
import type { Observable } from 'rxjs';
import type { Balance, BrokerPosition, Fill, OrderAck, OrderRequest, RejectReason, TradingRules } from '../../schema/execution.js';
import type { Venue } from '../../schema/venue.js';
import type { Config } from '../config.js';
import { NonRetryableError, UnknownOutcomeError } from '../errors.js';
import type { BrokerAnomaly, BrokerAnomalyKind } from './common/brokerAnomaly.js';
import type { VenueFeed } from './venue.js';

export type { BrokerAnomaly, BrokerAnomalyKind } from './common/brokerAnomaly.js';
export { BROKER_ANOMALY_KINDS } from './common/brokerAnomaly.js';

export type { Balance, BrokerPosition, Fill, OrderAck, OrderRequest, OrderSide, OrderState, RejectReason, TimeInForce, TradingRules } from '../../schema/execution.js';

/** The venue refused the order (nothing rests, nothing filled). `venueText` keeps the venue's words. */
export class OrderRejectedError extends NonRetryableError {
  constructor(
    readonly venue: Venue,
    readonly clientOrderId: string,
    readonly reason: RejectReason,
    venueText?: string,
  ) {
    super(`${venue} rejected order ${clientOrderId}: ${reason}${venueText ? ` (${venueText})` : ''}`, { venue, clientOrderId, reason, venueText });
  }
}

/** The send failed in transit or the ack was lost: reconcile with `Broker.status(clientOrderId)`. */
export class OrderUnknownError extends UnknownOutcomeError {
  constructor(
    readonly venue: Venue,
    readonly clientOrderId: string,
    cause?: unknown,
  ) {
    super(`${venue} order ${clientOrderId}: outcome unknown (ack lost or timed out)`, { venue, clientOrderId }, { cause });
  }
}

/** The venue does not know this order id (status/cancel of an id it never saw). */
export class OrderNotFoundError extends NonRetryableError {
  constructor(
    readonly venue: Venue,
    readonly orderId: string,
  ) {
    super(`${venue} does not know order ${orderId}`, { venue, orderId });
  }
}

/** Which id a status/cancel call names. */
export type OrderRef = { readonly clientOrderId: string } | { readonly venueOrderId: string };

export interface Broker {
  readonly venue: Venue;
  /** Sends a limit IOC/FOK order. See the module comment for the three outcomes. */
  place(order: OrderRequest): Promise<OrderAck>;
  /** Cancels what is left of an order; resolves with its final status. OrderNotFoundError when unknown. */
  cancel(ref: OrderRef): Promise<OrderAck>;
  /**
   * The order's current status at the venue (reconciliation of an unknown outcome, recovery).
   * OrderNotFoundError: the venue does not know the id NOW. That means "never received" (safe to
   * treat as not placed) only once this process's place call for the order has finished (answered,
   * failed or timed out at the broker): asked while the order is still on its way, the venue says
   * "not found" and the order may land a moment later. After a restart nothing is in flight.
   */
  status(ref: OrderRef): Promise<OrderAck>;
  /**
   * Optional: signs or builds the order without sending it and resolves with the venue order id it
   * will have (Polymarket: the EIP-712 order hash), so the caller can write that id ahead of the
   * send; {@link place} then sends the very same order. Undefined: the id is not known before the
   * send. Rejects with {@link OrderRejectedError} for an order the venue would refuse.
   */
  prepare?(order: OrderRequest): Promise<string | undefined>;
  /**
   * The broker's timeout of one HTTP request, ms (a status or cancel is given at least this long
   * before its outcome counts as unknown). Undefined: the executor's default.
   */
  readonly requestTimeoutMs?: number;
  /** Our orders still open at the venue. */
  openOrders(): Promise<readonly OrderAck[]>;
  /** Every fill of our orders as the venue reports them (live: the private channel; paper: against the book). Hot. */
  readonly fills$: Observable<Fill>;
  positions(): Promise<readonly BrokerPosition[]>;
  balance(): Promise<Balance>;
  /**
   * Bad input on the order side, never ignored: a venue answer that does not validate, an order
   * id the venue does not know, a fill for an order we never sent, the fill channel lost. Each is
   * also logged and counted ({@link Broker.anomalyCounts}). Hot; completes on {@link Broker.close}.
   */
  readonly anomalies$: Observable<BrokerAnomaly>;
  /** How many anomalies of each kind so far. */
  readonly anomalyCounts: Readonly<Record<BrokerAnomalyKind, number>>;
  /**
   * The market's order-entry rules (tick, minimum size) when the broker knows better than the
   * venue's defaults ({@link VenueModule.tradingRules}), e.g. Polymarket's per-market tick.
   */
  rules?(marketId: string): TradingRules | undefined;
  /** Stops the private channel; fills$ completes. Open orders stay at the venue. */
  close(): Promise<void>;
}

/** Builds a venue's live broker from the config (credentials, URLs); the feed is there for brokers that need books. */
export type BrokerFactory = (config: Pick<Config, 'venues'>, deps: { readonly feed?: VenueFeed }) => Broker;
