/**
 * A {@link Broker} that fills against the live (or replayed) book instead of a venue: the paper
 * mode of the executor, the demo, and the tests of the executor and recovery.
 *
 * Assumptions (all configurable, stated because paper P&L is only as honest as they are):
 * - **Latency**: an order reaches the "venue" `latencyMs` after `place` (default 50 ms) and is
 *   matched against the book as it is THEN, not as it was when the decision was made.
 * - **Queue**: we are a taker. We only get size resting at or better than our limit; of each
 *   level only `1 − haircut` of the displayed size is ours (default haircut 0: all of it).
 *   What our own fills took from a level stays taken until the venue sends a new book for that
 *   market (we do not refill liquidity we consumed).
 * - **Orders**: limit IOC (fills what crosses, the rest cancelled) and FOK (all or nothing);
 *   nothing rests. A book with issues, or no book, fills nothing.
 * - **Fees**: computed with the fee engine (src/fees/engine.ts) under the schedule valid at
 *   fill time; unknown schedule → the fill carries no fee (logged once per market).
 * - **Cash and positions**: a starting cash balance; a buy beyond the cash, or a sell beyond
 *   the position, is rejected `insufficient_balance`.
 * - **Idempotency**: a repeated `clientOrderId` answers the first order's status, never a second fill.
 * - **Anomalies**: the book cannot answer wrongly; `anomalies$` carries only venue order ids this
 *   broker never issued (status/cancel by such an id).
 * - **Faults** (tests): `faults.rejectNext`, `faults.loseAckNext` (the order executes, `place`
 *   rejects with OrderUnknownError: reconcile with `status`).
 */
import { Subject, type Observable } from 'rxjs';
import type { Book, Level } from '../../schema/book.js';
import type { Balance, BrokerPosition, Fill, OrderAck, OrderRequest, RejectReason } from '../../schema/execution.js';
import { SCALE, notional, type Micros, type Qty } from '../../schema/money.js';
import type { Venue } from '../../schema/venue.js';
import { legFee } from '../fees/engine.js';
import type { FeeBook } from '../fees/schedule.js';
import { log } from '../log.js';
import { OrderNotFoundError, OrderRejectedError, OrderUnknownError, type Broker, type BrokerAnomaly, type BrokerAnomalyKind, type OrderRef } from '../venues/broker.js';
import { BrokerAnomalies } from '../venues/common/brokerAnomaly.js';

export interface PaperBrokerOptions {
  readonly venue: Venue;
  /** the pipeline's books (any venue; this broker keeps its own venue's) */
  readonly books$: Observable<Book>;
  readonly feeBook?: FeeBook;
  /** order travel time to the book, ms (default 50) */
  readonly latencyMs?: number;
  /** share of each displayed level we assume others take before us, 0..1 (default 0) */
  readonly haircut?: number;
  /** starting cash, micro-dollars (default $10,000) */
  readonly cashMicros?: Micros;
  readonly now?: () => number;
}

interface PaperOrder {
  req: OrderRequest;
  ack: OrderAck;
  cancelled: boolean;
}

export class PaperBroker implements Broker {
  readonly venue: Venue;
  readonly faults: { rejectNext?: RejectReason; loseAckNext?: boolean } = {};
  private readonly fillsSubject = new Subject<Fill>();
  readonly fills$: Observable<Fill> = this.fillsSubject.asObservable();
  private readonly anomalies: BrokerAnomalies;
  readonly anomalies$: Observable<BrokerAnomaly>;
  readonly anomalyCounts: Readonly<Record<BrokerAnomalyKind, number>>;
  private readonly books = new Map<string, Book>();
  /** what our fills took per level, until the market's next book: `${marketId}|${ladder}|${price}` → qty */
  private readonly taken = new Map<string, Qty>();
  private readonly orders = new Map<string, PaperOrder>();
  private readonly byVenueId = new Map<string, string>();
  private readonly held = new Map<string, { qty: Qty; costMicros: Micros }>();
  private cash: Micros;
  private seq = 0;
  private readonly sub;
  private readonly noFeeLogged = new Set<string>();
  private readonly now: () => number;

  constructor(private readonly o: PaperBrokerOptions) {
    this.venue = o.venue;
    this.anomalies = new BrokerAnomalies(o.venue, o.now ?? Date.now);
    this.anomalies$ = this.anomalies.anomalies$;
    this.anomalyCounts = this.anomalies.counts;
    this.cash = o.cashMicros ?? 10_000 * SCALE;
    this.now = o.now ?? Date.now;
    this.sub = o.books$.subscribe((b) => {
      if (b.venue !== this.venue) return;
      this.books.set(b.marketId, b);
      for (const k of [...this.taken.keys()]) if (k.startsWith(`${b.marketId}|`)) this.taken.delete(k);
    });
  }

  async place(req: OrderRequest): Promise<OrderAck> {
    const seen = this.orders.get(req.clientOrderId);
    if (seen) return seen.ack;
    if (this.faults.rejectNext) {
      const reason = this.faults.rejectNext;
      delete this.faults.rejectNext;
      throw new OrderRejectedError(this.venue, req.clientOrderId, reason, 'paper fault');
    }
    const loseAck = this.faults.loseAckNext === true;
    delete this.faults.loseAckNext;
    const venueOrderId = `paper-${this.venue}-${++this.seq}`;
    const order: PaperOrder = { req, cancelled: false, ack: { venue: this.venue, clientOrderId: req.clientOrderId, venueOrderId, state: 'pending', filledQty: 0, ts: this.now() } };
    this.orders.set(req.clientOrderId, order);
    this.byVenueId.set(venueOrderId, req.clientOrderId);
    const latency = this.o.latencyMs ?? 50;
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));
    this.match(order);
    if (loseAck) throw new OrderUnknownError(this.venue, req.clientOrderId);
    if (order.ack.state === 'rejected') throw new OrderRejectedError(this.venue, req.clientOrderId, 'insufficient_balance', order.ack.reason);
    return order.ack;
  }

  private match(order: PaperOrder): void {
    const { req } = order;
    const done = (a: Partial<OrderAck>): void => void (order.ack = { ...order.ack, ...a, ts: this.now() });
    if (order.cancelled) return done({ state: 'cancelled', reason: 'cancelled before it reached the book' });
    const book = this.books.get(req.marketId);
    if (!book || book.issues.length) return done({ state: 'cancelled', reason: book ? `book not tradeable: ${book.issues.join(',')}` : 'no book' });
    const ladder = `${req.outcome}${req.side === 'buy' ? 'Ask' : 'Bid'}`;
    const side = req.outcome === 'yes' ? book.yes : book.no;
    const levels: readonly Level[] = req.side === 'buy' ? side.asks : side.bids;
    const keep = 1 - (this.o.haircut ?? 0);
    const takes: { price: Micros; qty: Qty; key: string }[] = [];
    let want = req.qty;
    for (const l of levels) {
      if (want <= 0) break;
      if (req.side === 'buy' ? l.price > req.limitPriceMicros : l.price < req.limitPriceMicros) break;
      const key = `${req.marketId}|${ladder}|${l.price}`;
      const avail = Math.floor(l.qty * keep) - (this.taken.get(key) ?? 0);
      if (avail <= 0) continue;
      const q = Math.min(avail, want);
      takes.push({ price: l.price, qty: q, key });
      want -= q;
    }
    if (req.timeInForce === 'FOK' && want > 0) return done({ state: 'cancelled', reason: 'FOK not fully fillable' });
    const qty = takes.reduce((s, t) => s + t.qty, 0);
    if (qty === 0) return done({ state: 'cancelled', reason: 'nothing at or better than the limit' });
    const cost = takes.reduce((s, t) => s + notional(t.price, t.qty, 'ceil'), 0);
    const fee = this.fee(req, takes);
    const posKey = `${req.marketId}|${req.outcome}`;
    const pos = this.held.get(posKey) ?? { qty: 0, costMicros: 0 };
    if (req.side === 'buy' && cost + (fee ?? 0) > this.cash) return done({ state: 'rejected', reason: 'not enough cash' });
    if (req.side === 'sell' && qty > pos.qty) return done({ state: 'rejected', reason: 'selling more than held' });
    for (const t of takes) this.taken.set(t.key, (this.taken.get(t.key) ?? 0) + t.qty);
    if (req.side === 'buy') {
      this.cash -= cost + (fee ?? 0);
      this.held.set(posKey, { qty: pos.qty + qty, costMicros: pos.costMicros + cost });
    } else {
      this.cash += cost - (fee ?? 0);
      const left = pos.qty - qty;
      this.held.set(posKey, { qty: left, costMicros: left === 0 ? 0 : Math.round((pos.costMicros * left) / pos.qty) });
    }
    const ts = this.now();
    done({ state: qty === req.qty ? 'filled' : 'cancelled', filledQty: qty, avgPriceMicros: Math.round((cost * SCALE) / qty), ...(fee !== undefined ? { feesMicros: fee } : {}), ...(qty < req.qty ? { reason: 'IOC remainder cancelled' } : {}) });
    takes.forEach((t, i) => {
      const feeShare = fee === undefined ? undefined : i === takes.length - 1 ? fee - Math.floor((fee * (qty - t.qty)) / qty) : Math.floor((fee * t.qty) / qty);
      this.fillsSubject.next({
        venue: this.venue, fillId: `${order.ack.venueOrderId}-${i + 1}`, clientOrderId: req.clientOrderId, venueOrderId: order.ack.venueOrderId!,
        marketId: req.marketId, outcome: req.outcome, side: req.side, priceMicros: t.price, qty: t.qty, ...(feeShare !== undefined ? { feeMicros: feeShare } : {}), tsVenue: ts, tsReceived: ts,
      });
    });
  }

  private fee(req: OrderRequest, takes: readonly { price: Micros; qty: Qty }[]): Micros | undefined {
    const schedule = this.o.feeBook?.feeScheduleAt(this.venue, req.marketId, this.now());
    if (!schedule) {
      if (!this.noFeeLogged.has(req.marketId)) log.warn({ venue: this.venue, marketId: req.marketId }, 'paper fill without a fee schedule: no fee');
      this.noFeeLogged.add(req.marketId);
      return undefined;
    }
    return legFee({ venue: this.venue, marketId: req.marketId, fills: takes.map((t) => ({ price: t.price, qty: t.qty })) }, schedule, { side: req.side });
  }

  private find(ref: OrderRef): PaperOrder {
    const id = 'clientOrderId' in ref ? ref.clientOrderId : this.byVenueId.get(ref.venueOrderId);
    const o = id === undefined ? undefined : this.orders.get(id);
    if (!o && 'venueOrderId' in ref) this.anomalies.report('unknown_order', 'status', `no paper order ${ref.venueOrderId}`);
    if (!o) throw new OrderNotFoundError(this.venue, 'clientOrderId' in ref ? ref.clientOrderId : ref.venueOrderId);
    return o;
  }

  async status(ref: OrderRef): Promise<OrderAck> {
    return this.find(ref).ack;
  }

  async cancel(ref: OrderRef): Promise<OrderAck> {
    const o = this.find(ref);
    if (o.ack.state === 'pending') {
      o.cancelled = true;
      o.ack = { ...o.ack, state: 'cancelled', reason: 'cancelled', ts: this.now() };
    }
    return o.ack;
  }

  async openOrders(): Promise<readonly OrderAck[]> {
    return [...this.orders.values()].filter((o) => o.ack.state === 'pending').map((o) => o.ack);
  }

  async positions(): Promise<readonly BrokerPosition[]> {
    return [...this.held.entries()]
      .filter(([, p]) => p.qty > 0)
      .map(([k, p]) => {
        const [marketId, outcome] = k.split('|') as [string, 'yes' | 'no'];
        return { marketId, outcome, qty: p.qty, avgPriceMicros: Math.round((p.costMicros * SCALE) / p.qty) };
      });
  }

  async balance(): Promise<Balance> {
    return { cashMicros: this.cash, availableMicros: this.cash, ts: this.now() };
  }

  async close(): Promise<void> {
    this.sub.unsubscribe();
    this.fillsSubject.complete();
    this.anomalies.complete();
  }
}
