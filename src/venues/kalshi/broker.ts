/**
 * Kalshi live broker ({@link Broker}) on the Trade API v2 order endpoints (ORDERS.md section 2):
 * `POST /portfolio/events/orders` (V2; the legacy `/portfolio/orders` writes are deprecated),
 * `DELETE /portfolio/events/orders/{id}`, reads of `/portfolio/{orders,fills,positions,balance}`,
 * every request RSA-PSS signed (./auth.ts). Fills come from the private `fill` channel (one
 * managed socket, ../common/socket.ts: signed handshake, probes and an idle timeout, reconnect with
 * backoff, resubscribe on every open), and after every reconnect from `GET /portfolio/fills` since
 * the last fill seen (deduplicated by trade id), so no fill is lost across a disconnect. A channel
 * that goes stale or drops is a `channel_down` anomaly. The same socket follows `user_orders` (an
 * order's venue id learnt early, so a fill that beats the HTTP answer is matched) and
 * `market_positions` (`channelPosition`); frames that fail their schema are `invalid_answer`s.
 * Trading rules per market (`rules`, `loadRules`): from the market's `price_level_structure` /
 * `price_ranges` and `fractional_trading_enabled` (`GET /markets/{ticker}`).
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
import type { z } from 'zod';
import { SCALE, formatScaled, parseScaled } from '../../../schema/money.js';
import type { Outcome } from '../../../schema/venue.js';
import { VenueAuthError } from '../../errors.js';
import { log } from '../../log.js';
import { OrderNotFoundError, OrderRejectedError, OrderUnknownError, type Balance, type Broker, type BrokerPosition, type Fill, type OrderAck, type OrderRef, type OrderRequest, type TradingRules } from '../broker.js';
import { BrokerAnomalies, type BrokerAnomaly, type BrokerAnomalyKind } from '../common/brokerAnomaly.js';
import { managedSocket } from '../common/socket.js';
import type { ManagedSocket } from '../common/types.js';
import { createKalshiSigner, type KalshiAuthConfig, type KalshiSigner } from './auth.js';
import { KalshiBalance, KalshiCancelOrderV2Response, KalshiCreateOrderV2Response, KalshiErrorBody, KalshiFillsPage, KalshiMarketPositionFrame, KalshiMarketRulesResponse, KalshiOrderResponse, KalshiOrdersPage, KalshiPositionsPage, KalshiUserOrderFrame, type KalshiFill, type KalshiOrder } from './orders.js';
import { KALSHI_REJECT_REASONS, kalshiOrderAck, kalshiRulesOf, kalshiSideOf, scaledOr0 } from './ordersMap.js';
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
  /** First WS reconnect delay (backoff base), ms. Default 250. */
  readonly reconnectMs?: number;
  /** The fill channel silent (no frame, no pong to our probes) this long is stale and reconnected, ms. Default 10_000. */
  readonly idleTimeoutMs?: number;
  /** Market lifecycle (the feed's `lifecycle$`): `price_level_structure_updated` refetches that market's rules. */
  readonly lifecycle$?: Observable<{ readonly marketId: string; readonly event: string }>;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
}

/** The private channels the broker follows: fills (booked), our order updates and net positions (kept as the venue's view). */
const PRIVATE_CHANNELS = ['fill', 'user_orders', 'market_positions'] as const;

/** The REST catch-up overlaps the last fill seen by this much (fills are deduplicated by trade id). */
const FILL_OVERLAP_S = 5;

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
  readonly anomalyCounts: Readonly<Record<BrokerAnomalyKind, number>> = this.anomalies.counts;
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
  private sock: ManagedSocket | undefined;
  private sockSubs: Subscription[] = [];
  private opens = 0;
  private closed = false;
  private startedMs: number;
  /** venue time of the newest fill seen (channel or REST), unix ms: the REST catch-up starts there */
  private lastFillMs: number;
  private readonly marketRules = new Map<string, TradingRules>();
  private readonly rulesLoading = new Map<string, Promise<TradingRules | undefined>>();
  private readonly lifecycleSub: Subscription | undefined;
  /** net positions (millionths, +YES/−NO) as the `market_positions` channel last reported them */
  private readonly channelPositions = new Map<string, number>();

  constructor(private readonly opts: KalshiBrokerOptions) {
    this.now = opts.now ?? Date.now;
    this.signer = createKalshiSigner(opts.auth, this.now);
    this.basePath = new URL(opts.restUrl).pathname.replace(/\/+$/, '');
    this.fetchFn = opts.fetch ?? fetch;
    this.startedMs = this.now();
    this.lastFillMs = this.startedMs;
    const source = new Observable<Fill>((sub) => {
      this.connect();
      const s: Subscription = this.fillSubject.subscribe(sub);
      return () => s.unsubscribe();
    });
    this.fills$ = source.pipe(share());
    this.lifecycleSub = opts.lifecycle$?.subscribe((e) => {
      if (e.event !== 'price_level_structure_updated') return;
      this.marketRules.delete(e.marketId);
      void this.loadRules(e.marketId);
    });
  }

  /** The net position (millionths, +YES/−NO) the `market_positions` channel last reported for a market. */
  channelPosition(ticker: string): number | undefined {
    return this.channelPositions.get(ticker);
  }

  // ------------------------------------------------------------ orders

  /** HTTP timeout of one request, ms ({@link Broker.requestTimeoutMs}). */
  get requestTimeoutMs(): number {
    return this.opts.timeoutMs ?? 5_000;
  }

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

  /**
   * Fills since the last one seen (or `sinceMs`, e.g. the oldest open execution after a restart)
   * that the channel did not deliver; emits them on fills$. Runs after every reconnect.
   */
  async reconcileFills(sinceMs = this.lastFillMs): Promise<number> {
    let n = 0;
    for await (const f of this.pages('/portfolio/fills', { min_ts: Math.floor(sinceMs / 1000) - FILL_OVERLAP_S }, KalshiFillsPage, (p) => p.fills)) {
      if (this.emitRestFill(f)) n++;
    }
    return n;
  }

  /** The market's order-entry rules once learnt ({@link loadRules}); a first call starts learning them. */
  rules(marketId: string): TradingRules | undefined {
    const r = this.marketRules.get(marketId);
    if (!r && !this.closed) void this.loadRules(marketId);
    return r;
  }

  /** Fetches a market's rules (`GET /markets/{ticker}`); undefined (logged) when the venue cannot say. */
  loadRules(marketId: string): Promise<TradingRules | undefined> {
    const known = this.marketRules.get(marketId);
    if (known) return Promise.resolve(known);
    let p = this.rulesLoading.get(marketId);
    if (!p) {
      p = (async () => {
        try {
          const res = await this.request('GET', `/markets/${encodeURIComponent(marketId)}`);
          if (res.status !== 200) {
            log.warn({ venue: 'kalshi', marketId, status: res.status }, 'market rules unavailable: venue defaults apply');
            return undefined;
          }
          const m = this.parse(KalshiMarketRulesResponse, res.text, 'GET /markets/{ticker}');
          if (!m) return undefined;
          const r = kalshiRulesOf(m.market);
          this.marketRules.set(marketId, r);
          return r;
        } catch (err) {
          log.warn({ err, venue: 'kalshi', marketId }, 'market rules unavailable: venue defaults apply');
          return undefined;
        } finally {
          this.rulesLoading.delete(marketId);
        }
      })();
      this.rulesLoading.set(marketId, p);
    }
    return p;
  }

  /** A market's rules as the venue announced them (lifecycle `price_level_structure_updated`). */
  setRules(marketId: string, market: Parameters<typeof kalshiRulesOf>[0]): TradingRules {
    const r = kalshiRulesOf(market);
    this.marketRules.set(marketId, r);
    return r;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.parked.values()) clearTimeout(p.timer);
    for (const s of this.sockSubs) s.unsubscribe();
    this.lifecycleSub?.unsubscribe();
    this.sock?.close();
    this.fillSubject.complete();
    this.anomalies.complete();
  }

  // ------------------------------------------------------------ fills channel

  private connect(): void {
    if (this.sock || this.closed) return;
    const path = new URL(this.opts.wsUrl).pathname;
    const sock = managedSocket({
      venue: 'kalshi', url: this.opts.wsUrl, headers: () => this.signer.headers('GET', path),
      idleTimeoutMs: this.opts.idleTimeoutMs ?? 10_000,
      backoff: { baseMs: this.opts.reconnectMs ?? 250, maxMs: 10_000, stableMs: 60_000 },
      ...(this.opts.now ? { now: this.opts.now } : {}),
      onOpen: (send) => {
        send(JSON.stringify({ id: 1, cmd: 'subscribe', params: { channels: PRIVATE_CHANNELS } }));
        if (this.opens++ === 0) return;
        // a reconnect: what filled while the channel was down comes from REST
        this.stats.reconnects++;
        void this.reconcileFills().catch((err: unknown) => log.warn({ err, venue: 'kalshi' }, 'fill reconciliation failed'));
      },
    });
    this.sock = sock;
    this.sockSubs.push(
      sock.frames$.subscribe((f) => this.onFrame(f.data)),
      sock.status$.subscribe((st) => {
        if (this.opens > 0 && (st.state === 'stale' || st.state === 'reconnecting')) {
          this.anomalies.report('channel_down', 'fills$', `fill channel ${st.state}${st.reason ? `: ${st.reason}` : ''}; missed fills are fetched after the reconnect`);
        }
      }),
    );
  }

  private onFrame(text: string): void {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.anomalies.report('invalid_answer', 'fills$', 'frame is not JSON', text);
      return;
    }
    const type = (json as { type?: unknown }).type;
    if (type === 'user_order') return this.onUserOrder(json, text);
    if (type === 'market_position') return this.onMarketPosition(json, text);
    if (type === 'error') {
      log.warn({ venue: 'kalshi', raw: text.slice(0, 500) }, 'private channel error');
      return;
    }
    if (type !== 'fill') return;
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

  /** Our order's update: learns its venue id early (a fill can beat the HTTP answer). */
  private onUserOrder(json: unknown, text: string): void {
    const p = KalshiUserOrderFrame.safeParse(json);
    if (!p.success) {
      this.anomalies.report('invalid_answer', 'user_orders', p.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), text);
      return;
    }
    const m = p.data.msg;
    const clientId = m.client_order_id ?? this.byVenueId.get(m.order_id);
    if (clientId && this.sent.has(clientId) && !this.sent.get(clientId)!.venueOrderId) this.remember(clientId, m.order_id);
  }

  private onMarketPosition(json: unknown, text: string): void {
    const p = KalshiMarketPositionFrame.safeParse(json);
    if (!p.success) {
      this.anomalies.report('invalid_answer', 'market_positions', p.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), text);
      return;
    }
    this.channelPositions.set(p.data.msg.market_ticker, parseScaled(p.data.msg.position_fp));
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
    if (f.tsVenue > this.lastFillMs) this.lastFillMs = f.tsVenue;
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
export function kalshiBroker(cfg: { readonly restUrl: string; readonly wsUrl: string; readonly auth?: KalshiAuthConfig }, lifecycle$?: KalshiBrokerOptions['lifecycle$']): KalshiBroker {
  if (!cfg.auth) throw new VenueAuthError('kalshi', 401, { reason: 'KALSHI_API_KEY_ID and KALSHI_PRIVATE_KEY_PATH/PEM are required for the live broker' });
  return new KalshiBroker({ restUrl: cfg.restUrl, wsUrl: cfg.wsUrl, auth: cfg.auth, ...(lifecycle$ ? { lifecycle$ } : {}) });
}
