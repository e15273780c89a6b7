/**
 * Kalshi live broker ({@link Broker}) on the Trade API v2 order endpoints (ORDERS.md section 2):
 * `POST /portfolio/events/orders` (V2; the legacy `/portfolio/orders` writes are deprecated),
 * `DELETE /portfolio/events/orders/{id}`, reads of `/portfolio/{orders,fills,positions,balance}`,
 * every request RSA-PSS signed (./auth.ts). Fills come from the private `fill` channel, and after
 * every reconnect from `GET /portfolio/fills` (deduplicated by trade id).
 * Mapping of sides and prices: ./ordersMap.ts.
 *
 * Idempotency: `client_order_id` = our `clientOrderId`; Kalshi answers 409 to a second order with
 * it, and the broker then answers with the first order's status. Outcomes: 201 → ack; 4xx with a
 * code → {@link OrderRejectedError} (429: `rate_limited`, nothing placed, safe to resend); a send
 * that fails in transit, times out, gets a 5xx or an answer that does not validate →
 * {@link OrderUnknownError}, reconciled by {@link KalshiBroker.status} (the order list searched by
 * `client_order_id`, since Kalshi has no lookup by it). Bad input is reported on `anomalies$`.
 */
import { Observable, Subject, share, type Subscription } from 'rxjs';
import WebSocket from 'ws';
import type { z } from 'zod';
import { SCALE, formatScaled, parseScaled } from '../../../schema/money.js';
import type { Outcome } from '../../../schema/venue.js';
import { VenueAuthError } from '../../errors.js';
import { log } from '../../log.js';
import { OrderNotFoundError, OrderRejectedError, OrderUnknownError, type Balance, type Broker, type BrokerPosition, type Fill, type OrderAck, type OrderRef, type OrderRequest } from '../broker.js';
import { BrokerAnomalies, type BrokerAnomaly } from '../common/brokerAnomaly.js';
import { createKalshiSigner, type KalshiAuthConfig, type KalshiSigner } from './auth.js';
import { KalshiBalance, KalshiCancelOrderV2Response, KalshiCreateOrderV2Response, KalshiErrorBody, KalshiFillsPage, KalshiOrderResponse, KalshiOrdersPage, KalshiPositionsPage, type KalshiFill, type KalshiOrder } from './orders.js';
import { KALSHI_REJECT_REASONS, kalshiOrderAck, kalshiSideOf, scaledOr0 } from './ordersMap.js';
import { KalshiWsFrame } from './wire.js';

export interface KalshiBrokerOptions {
  /** `…/trade-api/v2` */
  readonly restUrl: string;
  /** `…/trade-api/ws/v2` */
  readonly wsUrl: string;
  readonly auth: KalshiAuthConfig;
  /** HTTP timeout of one request, ms (then the outcome is unknown). Default 5_000. */
  readonly timeoutMs?: number;
  /** How long a fill for an order we do not know yet waits for an in-flight order's ack, ms. Default 2_000. */
  readonly fillGraceMs?: number;
  /** WS reconnect delay, ms. Default 500. */
  readonly reconnectMs?: number;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
}

interface Sent { readonly req: OrderRequest; venueOrderId?: string; readonly sentMs: number }
interface ParsedFill {
  readonly fillId: string;
  readonly orderId: string;
  readonly clientOrderId?: string | undefined;
  readonly ticker: string;
  readonly bookSide: 'bid' | 'ask';
  /** YES price, micro-dollars */
  readonly yes: number;
  readonly qty: number;
  readonly fee: number | undefined;
  readonly tsVenue: number;
}


export class KalshiBroker implements Broker {
  readonly venue = 'kalshi' as const;
  readonly anomalies = new BrokerAnomalies('kalshi');
  readonly anomalies$: Observable<BrokerAnomaly> = this.anomalies.anomalies$;
  readonly fills$: Observable<Fill>;
  readonly stats = { requests: 0, unknownOutcomes: 0, rejects: 0, fills: 0, reconnects: 0 };

  private readonly signer: KalshiSigner;
  private readonly basePath: string;
  private readonly fetchFn: typeof fetch;
  private readonly now: () => number;
  private readonly sent = new Map<string, Sent>();
  private readonly byVenueId = new Map<string, string>();
  private readonly seenFills = new Set<string>();
  /** fills that arrived before their order's ack, by fill id */
  private readonly parked = new Map<string, { f: ParsedFill; raw: string; timer: NodeJS.Timeout }>();
  private readonly fillSubject = new Subject<Fill>();
  private ws: WebSocket | undefined;
  private closed = false;
  private startedMs: number;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: KalshiBrokerOptions) {
    this.now = opts.now ?? Date.now;
    this.signer = createKalshiSigner(opts.auth, this.now);
    this.basePath = new URL(opts.restUrl).pathname.replace(/\/+$/, '');
    this.fetchFn = opts.fetch ?? fetch;
    this.startedMs = this.now();
    const source = new Observable<Fill>((sub) => {
      this.connect();
      const s: Subscription = this.fillSubject.subscribe(sub);
      return () => s.unsubscribe();
    });
    this.fills$ = source.pipe(share());
  }

  // ------------------------------------------------------------ orders

  async place(order: OrderRequest): Promise<OrderAck> {
    const { side, yesPrice } = kalshiSideOf(order);
    const prior = this.sent.get(order.clientOrderId);
    this.sent.set(order.clientOrderId, prior ?? { req: order, sentMs: this.now() });
    const body = {
      ticker: order.marketId, client_order_id: order.clientOrderId, side, count: formatScaled(order.qty, 2), price: formatScaled(yesPrice, 4),
      time_in_force: order.timeInForce === 'FOK' ? 'fill_or_kill' : 'immediate_or_cancel', self_trade_prevention_type: 'taker_at_cross',
    };
    let res: { status: number; text: string };
    try {
      res = await this.request('POST', '/portfolio/events/orders', undefined, body);
    } catch (err) {
      this.stats.unknownOutcomes++;
      throw new OrderUnknownError('kalshi', order.clientOrderId, err);
    }
    if (res.status === 201 || res.status === 200) {
      const ack = this.parse(KalshiCreateOrderV2Response, res.text, 'place');
      if (!ack) {
        this.stats.unknownOutcomes++;
        throw new OrderUnknownError('kalshi', order.clientOrderId, new Error('order answer did not validate'));
      }
      this.remember(order.clientOrderId, ack.order_id);
      const filled = parseScaled(ack.fill_count);
      const remaining = parseScaled(ack.remaining_count);
      const avgYes = ack.average_fill_price ? parseScaled(ack.average_fill_price, 'half-up') : undefined;
      const fee = ack.average_fee_paid ? Math.round((parseScaled(ack.average_fee_paid, 'half-up') * filled) / SCALE) : undefined;
      return {
        venue: 'kalshi', clientOrderId: order.clientOrderId, venueOrderId: ack.order_id,
        state: filled >= order.qty ? 'filled' : remaining > 0 ? (filled > 0 ? 'partially_filled' : 'open') : 'cancelled',
        filledQty: filled,
        ...(avgYes !== undefined && filled > 0 ? { avgPriceMicros: order.outcome === 'yes' ? avgYes : SCALE - avgYes } : {}),
        ...(fee !== undefined ? { feesMicros: fee } : {}),
        ...(filled < order.qty && remaining === 0 ? { reason: filled ? `${order.timeInForce} remainder cancelled` : `${order.timeInForce} not filled` } : {}),
        ts: ack.ts_ms,
      };
    }
    if (res.status === 409) {
      // our client_order_id is already at the venue: the first order's status is the answer
      return this.status({ clientOrderId: order.clientOrderId });
    }
    if (res.status >= 500) {
      this.stats.unknownOutcomes++;
      throw new OrderUnknownError('kalshi', order.clientOrderId, new Error(`HTTP ${res.status}`));
    }
    this.sent.delete(order.clientOrderId);
    this.stats.rejects++;
    const code = this.errorCode(res, 'place');
    throw new OrderRejectedError('kalshi', order.clientOrderId, res.status === 429 ? 'rate_limited' : (KALSHI_REJECT_REASONS[code] ?? 'other'), code);
  }

  async status(ref: OrderRef): Promise<OrderAck> {
    const venueId = 'venueOrderId' in ref ? ref.venueOrderId : this.sent.get(ref.clientOrderId)?.venueOrderId;
    if (venueId) {
      const res = await this.request('GET', `/portfolio/orders/${encodeURIComponent(venueId)}`);
      if (res.status === 404) {
        this.anomalies.report('unknown_order', 'status', `the venue does not know order ${venueId}`, res.text);
        throw new OrderNotFoundError('kalshi', venueId);
      }
      const o = this.expectOk(res, KalshiOrderResponse, 'status');
      return this.ackOf(o.order);
    }
    const clientId = (ref as { clientOrderId: string }).clientOrderId;
    const s = this.sent.get(clientId);
    const found = await this.findByClientId(clientId, s);
    if (!found) throw new OrderNotFoundError('kalshi', clientId);
    this.remember(clientId, found.order_id);
    return this.ackOf(found);
  }

  async cancel(ref: OrderRef): Promise<OrderAck> {
    const st = await this.status(ref);
    const id = st.venueOrderId!;
    if (st.state !== 'open' && st.state !== 'partially_filled') return st;
    const res = await this.request('DELETE', `/portfolio/events/orders/${encodeURIComponent(id)}`);
    if (res.status === 404) {
      this.anomalies.report('unknown_order', 'cancel', `the venue does not know order ${id}`, res.text);
      throw new OrderNotFoundError('kalshi', id);
    }
    this.expectOk(res, KalshiCancelOrderV2Response, 'cancel');
    return this.status({ venueOrderId: id });
  }

  async openOrders(): Promise<readonly OrderAck[]> {
    const out: OrderAck[] = [];
    for await (const o of this.pages('/portfolio/orders', { status: 'resting' }, KalshiOrdersPage, (p) => p.orders)) out.push(this.ackOf(o));
    return out;
  }

  async positions(): Promise<readonly BrokerPosition[]> {
    const out: BrokerPosition[] = [];
    for await (const p of this.pages('/portfolio/positions', {}, KalshiPositionsPage, (x) => x.market_positions)) {
      const pos = parseScaled(p.position_fp);
      if (pos === 0) continue;
      const cost = scaledOr0(p.market_exposure_dollars);
      out.push({ marketId: p.ticker, outcome: pos > 0 ? 'yes' : 'no', qty: Math.abs(pos), avgPriceMicros: Math.round((cost * SCALE) / Math.abs(pos)) });
    }
    return out;
  }

  async balance(): Promise<Balance> {
    const b = this.expectOk(await this.request('GET', '/portfolio/balance'), KalshiBalance, 'balance');
    const cash = b.balance_dollars ? parseScaled(b.balance_dollars, 'half-up') : b.balance * 10_000;
    return { cashMicros: cash, availableMicros: cash, ts: b.updated_ts ? b.updated_ts * 1000 : this.now() };
  }

  /** Fills since the broker started (or `sinceMs`) that the channel did not deliver; emits them on fills$. */
  async reconcileFills(sinceMs = this.startedMs): Promise<number> {
    let n = 0;
    for await (const f of this.pages('/portfolio/fills', { min_ts: Math.floor(sinceMs / 1000) - 1 }, KalshiFillsPage, (p) => p.fills)) {
      if (this.emitRestFill(f)) n++;
    }
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    for (const p of this.parked.values()) clearTimeout(p.timer);
    this.ws?.terminate();
    this.fillSubject.complete();
    this.anomalies.complete();
  }

  // ------------------------------------------------------------ fills channel

  private connect(): void {
    if (this.ws || this.closed) return;
    const path = new URL(this.opts.wsUrl).pathname;
    const ws = new WebSocket(this.opts.wsUrl, { headers: this.signer.headers('GET', path) });
    this.ws = ws;
    let opened = false;
    ws.on('open', () => {
      opened = true;
      ws.send(JSON.stringify({ id: 1, cmd: 'subscribe', params: { channels: ['fill'] } }));
      if (this.stats.reconnects > 0) void this.reconcileFills().catch((err: unknown) => log.warn({ err, venue: 'kalshi' }, 'fill reconciliation failed'));
    });
    ws.on('message', (data) => this.onFrame(String(data)));
    ws.on('error', (err) => log.warn({ err, venue: 'kalshi' }, 'broker fill channel error'));
    ws.on('close', () => {
      this.ws = undefined;
      if (this.closed) return;
      if (opened) this.stats.reconnects++;
      this.reconnectTimer = setTimeout(() => this.connect(), this.opts.reconnectMs ?? 500);
      this.reconnectTimer.unref();
    });
  }

  private onFrame(text: string): void {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.anomalies.report('invalid_answer', 'fills$', 'frame is not JSON', text);
      return;
    }
    if ((json as { type?: unknown }).type !== 'fill') return;
    const p = KalshiWsFrame.safeParse(json);
    if (!p.success || p.data.type !== 'fill') {
      this.anomalies.report('invalid_answer', 'fills$', p.success ? 'not a fill' : p.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), text);
      return;
    }
    const m = p.data.msg;
    const yes = m.yes_price_dollars ?? m.yes_price;
    const qty = m.count_fp ?? m.count;
    if (yes === undefined || qty === undefined) {
      this.anomalies.report('invalid_answer', 'fills$', 'fill without price or count', text);
      return;
    }
    const bookSide = m.book_side ?? ((m.outcome_side ?? m.side) === 'no' ? 'ask' : 'bid');
    this.emitFill({ fillId: m.trade_id, orderId: m.order_id, clientOrderId: m.client_order_id, ticker: m.market_ticker, bookSide, yes, qty, fee: m.fee_cost, tsVenue: m.ts_ms ?? (m.ts ?? 0) * 1000 }, text);
  }

  private emitRestFill(f: KalshiFill): boolean {
    return this.emitFill({
      fillId: f.trade_id ?? f.fill_id, orderId: f.order_id, ticker: f.ticker, bookSide: f.book_side, yes: parseScaled(f.yes_price_dollars, 'half-up'),
      qty: parseScaled(f.count_fp), fee: f.fee_cost !== undefined ? parseScaled(f.fee_cost, 'half-up') : undefined, tsVenue: f.ts ? f.ts * 1000 : Date.parse(f.created_time),
    }, JSON.stringify(f));
  }

  /** Retries a parked fill (after an ack, or finally when its grace period ends). */
  private unpark(fillId: string, final: boolean): void {
    const p = this.parked.get(fillId);
    if (!p) return;
    const known = this.byVenueId.has(p.f.orderId) || (p.f.clientOrderId !== undefined && this.sent.get(p.f.clientOrderId)?.venueOrderId !== undefined);
    if (!known && !final) return;
    clearTimeout(p.timer);
    this.parked.delete(fillId);
    if (known) this.emitFill(p.f, p.raw);
    else {
      this.seenFills.add(fillId);
      this.anomalies.report('unknown_fill', 'fills$', `fill ${fillId} for order ${p.f.orderId} we never sent`, p.raw);
    }
  }

  private emitFill(f: ParsedFill, raw: string): boolean {
    if (this.seenFills.has(f.fillId)) return false;
    const clientId = this.byVenueId.get(f.orderId) ?? (f.clientOrderId && this.sent.has(f.clientOrderId) ? f.clientOrderId : undefined);
    const s = clientId ? this.sent.get(clientId) : undefined;
    if (!clientId || !s) {
      // the fill can beat the order's HTTP answer: hold it while orders are in flight
      if ([...this.sent.values()].some((x) => !x.venueOrderId) && !this.parked.has(f.fillId)) {
        this.parked.set(f.fillId, { f, raw, timer: setTimeout(() => this.unpark(f.fillId, true), this.opts.fillGraceMs ?? 2_000).unref() });
        return false;
      }
      this.seenFills.add(f.fillId);
      this.anomalies.report('unknown_fill', 'fills$', `fill ${f.fillId} for order ${f.orderId} we never sent`, raw);
      return false;
    }
    this.seenFills.add(f.fillId);
    const outcome: Outcome = s.req.outcome;
    this.stats.fills++;
    this.fillSubject.next({
      venue: 'kalshi', fillId: f.fillId, clientOrderId: clientId, venueOrderId: f.orderId, marketId: f.ticker, outcome, side: s.req.side,
      priceMicros: outcome === 'yes' ? f.yes : SCALE - f.yes, qty: f.qty, ...(f.fee !== undefined ? { feeMicros: f.fee } : {}),
      tsVenue: f.tsVenue, tsReceived: this.now(),
    });
    return true;
  }

  // ------------------------------------------------------------ helpers

  private remember(clientId: string, venueId: string): void {
    const s = this.sent.get(clientId);
    if (s) s.venueOrderId = venueId;
    this.byVenueId.set(venueId, clientId);
    for (const id of [...this.parked.keys()]) this.unpark(id, false);
  }

  /** The order with `client_order_id` = `clientId` in the venue's order list (since it was sent, else the last day). */
  private async findByClientId(clientId: string, s: Sent | undefined): Promise<KalshiOrder | undefined> {
    const since = Math.floor(((s?.sentMs ?? this.now() - 86_400_000) - 60_000) / 1000);
    for await (const o of this.pages('/portfolio/orders', { ticker: s?.req.marketId, min_ts: since }, KalshiOrdersPage, (p) => p.orders)) {
      if (o.client_order_id === clientId) return o;
    }
    return undefined;
  }

  private ackOf(o: KalshiOrder): OrderAck {
    const clientId = o.client_order_id ?? this.byVenueId.get(o.order_id) ?? o.order_id;
    return kalshiOrderAck(o, clientId, this.sent.get(clientId)?.req.outcome, this.now());
  }

  private async request(method: string, path: string, query?: Record<string, string | number | undefined>, body?: unknown): Promise<{ status: number; text: string }> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') qs.set(k, String(v));
    const url = `${this.opts.restUrl.replace(/\/+$/, '')}${path}${qs.size ? `?${qs}` : ''}`;
    this.stats.requests++;
    const res = await this.fetchFn(url, {
      method,
      headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...this.signer.headers(method, this.basePath + path) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 5_000),
    });
    const text = await res.text();
    if (res.status === 401 || res.status === 403) throw new VenueAuthError('kalshi', res.status, { path, body: text.slice(0, 500) });
    return { status: res.status, text };
  }

  private parse<T extends z.ZodType>(schema: T, text: string, where: string): z.output<T> | undefined {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.anomalies.report('invalid_answer', where, 'answer is not JSON', text);
      return undefined;
    }
    const p = schema.safeParse(json);
    if (p.success) return p.data;
    this.anomalies.report('invalid_answer', where, p.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), text);
    return undefined;
  }

  private expectOk<T extends z.ZodType>(res: { status: number; text: string }, schema: T, where: string): z.output<T> {
    if (res.status !== 200 && res.status !== 201) throw new OrderRejectedError('kalshi', where, res.status === 429 ? 'rate_limited' : 'other', `HTTP ${res.status}: ${this.errorCode(res, where)}`);
    const v = this.parse(schema, res.text, where);
    if (v === undefined) throw new OrderUnknownError('kalshi', where, new Error(`${where}: answer did not validate`));
    return v;
  }

  private errorCode(res: { status: number; text: string }, where: string): string {
    const e = this.parse(KalshiErrorBody, res.text, `${where} error`);
    if (!e) return `HTTP ${res.status}`;
    return typeof e.error === 'string' ? e.error : e.error.code;
  }

  private async *pages<T extends z.ZodType, I>(path: string, query: Record<string, string | number | undefined>, schema: T, items: (p: z.output<T>) => I[]): AsyncGenerator<I> {
    let cursor: string | undefined;
    for (let i = 0; i < 1000; i++) {
      const page = this.expectOk(await this.request('GET', path, { ...query, limit: 1000, cursor }), schema, `GET ${path}`);
      for (const x of items(page)) yield x;
      cursor = (page as { cursor?: string | null }).cursor ?? undefined;
      if (!cursor) return;
    }
  }
}

/** A broker from the app config (needs KALSHI_API_KEY_ID and the private key). */
export function kalshiBroker(cfg: { readonly restUrl: string; readonly wsUrl: string; readonly auth?: KalshiAuthConfig }): KalshiBroker {
  if (!cfg.auth) throw new VenueAuthError('kalshi', 401, { reason: 'KALSHI_API_KEY_ID and KALSHI_PRIVATE_KEY_PATH/PEM are required for the live broker' });
  return new KalshiBroker({ restUrl: cfg.restUrl, wsUrl: cfg.wsUrl, auth: cfg.auth });
}
