/**
 * Polymarket live broker ({@link Broker}) on the CLOB V2 order API through
 * `@polymarket/clob-client-v2` (pinned 1.1.0): the SDK builds and EIP-712-signs V2 orders with the
 * wallet key (viem local account: no RPC is ever called) and sends them with L2 HMAC headers.
 * Orders are FAK (our IOC) or FOK at the limit price; nothing rests.
 *
 * Idempotency: Polymarket has no client order id. The order id is the EIP-712 hash of the signed
 * order (salt, amounts, timestamp …), so the broker signs an order once per `clientOrderId`, keeps
 * it, and re-posts the same bytes on a retry: the venue refuses a second copy
 * (`INVALID_ORDER_DUPLICATED`) and the broker answers with the first one's status. The hash is
 * known before the send (`prepare`, `venueOrderIdOf`), so the executor writes it ahead; after a restart a
 * status by `clientOrderId` needs that stored hash (Polymarket cannot search by anything else).
 *
 * Outcomes: an answer → ack (a FAK/FOK that found nothing is `cancelled`, filled 0); a refusal →
 * {@link OrderRejectedError} with its reason; a timeout, a dropped connection, a 5xx or an answer
 * that does not validate → {@link OrderUnknownError}, reconciled with `status` (`GET
 * /data/order/{hash}`; not found = never arrived, safe to re-post the same signed order).
 * Fills: the user channel's `trade` events (one managed socket: PING heartbeat, idle timeout,
 * reconnect with backoff; a stale or dropped channel is a `channel_down` anomaly and the trades
 * since the last one booked are fetched after the reconnect; booked at their first status,
 * deduplicated by trade id), the trades of each order (`GET /data/trades?id=…`) after its ack or status, and
 * `reconcileFills()` for everything since start. We only take liquidity, so our fill is the
 * trade's taker side (maker fills in `maker_orders` are not read).
 * Positions: the account's tokens come from its own trades (`GET /data/trades`, every page), so
 * they survive a restart without any in-memory list; each token's balance from
 * `/balance-allowance?asset_type=CONDITIONAL`, its average entry from those trades.
 * Trading rules per market (`rules`, `loadRules`): tick `mts` and minimum size `mos` of
 * `GET /clob-markets/{condition_id}`, the tick kept current by the market channel's
 * `tick_size_change` frames (`tickFrames$`, the feed's raw frames); $1 minimum notional
 * for marketable orders, sizes in 0.01 shares.
 */
import { AssetType, ClobClient, OrderType, Side, type SignedOrder } from '@polymarket/clob-client-v2';
import { Observable, Subject, share, type Subscription } from 'rxjs';
import { createWalletClient, custom, hashTypedData, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { polygon } from 'viem/chains';
import type { z } from 'zod';
import { SCALE, parseScaled } from '../../../schema/money.js';
import type { Outcome } from '../../../schema/venue.js';
import { OrderNotFoundError, OrderRejectedError, OrderUnknownError, type Balance, type Broker, type BrokerPosition, type Fill, type OrderAck, type OrderRef, type OrderRequest, type RejectReason, type TradingRules } from '../broker.js';
import { BrokerAnomalies, type BrokerAnomaly, type BrokerAnomalyKind } from '../common/brokerAnomaly.js';
import { managedSocket } from '../common/socket.js';
import type { ManagedSocket, RawFrame } from '../common/types.js';
import { log as rootLog } from '../../log.js';
import { FAK_TEXT, FOK_TEXT, ORDER_V2_TYPES, PolyBalanceAllowance, PolyErrorBody, PolyOpenOrder, PolyPostOrderResponse, PolyTrade, PolyUserTradeEvent, orderDomain } from './orders.js';

export interface PolymarketBrokerOptions {
  /** CLOB REST base */
  readonly clobUrl: string;
  /** wallet key (hex), signs orders (EOA, signature type 0) */
  readonly privateKey: string;
  readonly creds: { readonly key: string; readonly secret: string; readonly passphrase: string };
  /** User channel (`wss://…/ws/user`): fills as they match. Absent: fills from REST only. */
  readonly userWsUrl?: string;
  /** A send that takes longer is an unknown outcome, ms. Default 5_000. */
  readonly timeoutMs?: number;
  /** The user channel silent (no frame, no PONG to our probes) this long is stale and reconnected, ms. Default 30_000. */
  readonly idleTimeoutMs?: number;
  /** The market channel's raw frames (the feed's `frames$`): `tick_size_change` keeps each market's tick current. */
  readonly tickFrames$?: Observable<RawFrame>;
  readonly now?: () => number;
}

interface MarketInfo { readonly tokens: readonly [string, string]; readonly tick: string; readonly negRisk: boolean; readonly minSize: number }

/**
 * Polymarket's default order-entry rules (ORDERS.md 1.4): 0.01 tick, sizes in 0.01 shares (the SDK
 * rounds sizes down to 2 dp), 5 shares minimum (the usual `minimum_order_size`; per market in
 * `rules`), $1 minimum notional for marketable orders (all of ours are).
 */
export const POLYMARKET_TRADING_RULES: TradingRules = { tickMicros: 10_000, minQty: 5 * SCALE, qtyStep: 10_000, minNotionalMicros: SCALE };

/** The rules of a market with tick `tick` (decimal string) and minimum size `minSize` (shares). */
export function polyRulesOf(tick: string, minSize: number): TradingRules {
  return { ...POLYMARKET_TRADING_RULES, tickMicros: parseScaled(tick, 'half-up'), minQty: Math.round(minSize * SCALE) };
}
interface Sent { readonly req: OrderRequest; readonly signed: SignedOrder; readonly hash: string; readonly tokenId: string }

const dec = (s: string | undefined): number => (s ? parseScaled(s, 'half-up') : 0);

/** Our reason for a venue's refusal text. */
export function polyRejectReason(text: string): RejectReason {
  if (/not enough balance|allowance/i.test(text)) return 'insufficient_balance';
  if (/tick size/i.test(text)) return 'tick';
  if (/minimum|min_size|lower than/i.test(text)) return 'min_size';
  if (/already exists|duplicat/i.test(text)) return 'duplicate';
  if (/market not found|closed|not ready|disabled|cancel-only/i.test(text)) return 'market_closed';
  if (/too many requests|rate/i.test(text)) return 'rate_limited';
  return 'other';
}

class Timeout extends Error {}

/** The REST catch-up overlaps the last trade booked by this much (trades are deduplicated by id). */
const FILL_OVERLAP_S = 5;

export class PolymarketBroker implements Broker {
  readonly venue = 'polymarket' as const;
  readonly anomalies = new BrokerAnomalies('polymarket');
  readonly anomalies$: Observable<BrokerAnomaly> = this.anomalies.anomalies$;
  readonly anomalyCounts: Readonly<Record<BrokerAnomalyKind, number>> = this.anomalies.counts;
  private readonly fillSubject = new Subject<Fill>();
  readonly fills$: Observable<Fill> = new Observable<Fill>((sub) => {
    this.connectUser();
    const s = this.fillSubject.subscribe(sub);
    return () => s.unsubscribe();
  }).pipe(share());
  private sock: ManagedSocket | undefined;
  private readonly sockSubs: Subscription[] = [];
  private opens = 0;
  /** match time of the newest trade booked, unix ms: the REST catch-up after a reconnect starts there */
  private lastFillMs: number;
  private closed = false;
  readonly stats = { unknownOutcomes: 0, rejects: 0, fills: 0 };

  private readonly client: ClobClient;
  private readonly now: () => number;
  private readonly markets = new Map<string, Promise<MarketInfo>>();
  /** learnt market info (rules), with ticks updated by tick_size_change */
  private readonly known = new Map<string, MarketInfo>();
  private readonly tickSub: Subscription | undefined;
  private readonly sent = new Map<string, Sent>();
  private readonly signing = new Map<string, Promise<Sent>>();
  private readonly byHash = new Map<string, string>();
  private readonly seenTrades = new Set<string>();
  private readonly startedMs: number;

  constructor(private readonly opts: PolymarketBrokerOptions) {
    this.now = opts.now ?? Date.now;
    this.startedMs = this.now();
    this.lastFillMs = this.startedMs;
    const key = (opts.privateKey.startsWith('0x') ? opts.privateKey : `0x${opts.privateKey}`) as Hex;
    // a local account signs; the transport refuses every RPC call, so nothing leaves the process
    const signer = createWalletClient({ account: privateKeyToAccount(key), chain: polygon, transport: custom({ request: () => Promise.reject(new Error('no RPC in the broker')) }) });
    this.client = new ClobClient({ host: opts.clobUrl.replace(/\/+$/, ''), chain: 137, signer, creds: opts.creds, signatureType: 0, throwOnError: false, retryOnError: false });
    this.tickSub = opts.tickFrames$?.subscribe((f) => {
      // cheap filter first: nearly every frame is a book update
      if (f.data.includes('tick_size_change')) this.onTickFrame(f.data);
    });
  }

  /** The market's order-entry rules once learnt ({@link loadRules}, or any order on it); a first call starts learning them. */
  rules(marketId: string): TradingRules | undefined {
    const m = this.known.get(marketId);
    if (!m && !this.closed) this.market(marketId).catch((err: unknown) => rootLog.warn({ err, venue: 'polymarket', marketId }, 'market rules unavailable: venue defaults apply'));
    return m ? polyRulesOf(m.tick, m.minSize) : undefined;
  }

  /** Fetches a market's rules (`GET /clob-markets/{condition_id}`). */
  async loadRules(marketId: string): Promise<TradingRules> {
    const m = await this.market(marketId);
    const cur = this.known.get(marketId) ?? m;
    return polyRulesOf(cur.tick, cur.minSize);
  }

  /** A `tick_size_change` frame (object or array): the market's tick from now on. */
  private onTickFrame(text: string): void {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return; // the feed reports frames that are not JSON
    }
    for (const ev of Array.isArray(json) ? json : [json]) {
      const e = ev as { event_type?: unknown; market?: unknown; new_tick_size?: unknown };
      if (e?.event_type !== 'tick_size_change') continue;
      if (typeof e.market !== 'string' || typeof e.new_tick_size !== 'string' || !/^0\.\d+$/.test(e.new_tick_size)) {
        this.anomalies.report('invalid_answer', 'tick_size_change', 'tick_size_change without market or new_tick_size', text);
        continue;
      }
      const m = this.known.get(e.market);
      if (m) this.known.set(e.market, { ...m, tick: e.new_tick_size });
      rootLog.info({ venue: 'polymarket', marketId: e.market, tick: e.new_tick_size }, 'tick size changed');
    }
  }

  /** HTTP timeout of one request, ms ({@link Broker.requestTimeoutMs}). */
  get requestTimeoutMs(): number {
    return this.opts.timeoutMs ?? 5_000;
  }

  /** The venue order id (order hash) of an order placed through this broker. */
  venueOrderIdOf(clientOrderId: string): string | undefined {
    return this.sent.get(clientOrderId)?.hash;
  }

  /**
   * Signs the order once (EIP-712, clob-client-v2) and keeps it: {@link place} posts these same
   * bytes. Resolves with its order hash, the venue order id, known before the send so the executor
   * writes it ahead (Polymarket has no client order id to find the order by after a restart).
   * Rejects with {@link OrderRejectedError} for an order the venue would refuse (tick, size, market).
   */
  async prepare(order: OrderRequest): Promise<string | undefined> {
    return (await this.signed(order)).hash;
  }

  /** The kept signed order of a client order id, signed on first use (one signing at a time per id). */
  private signed(order: OrderRequest): Promise<Sent> {
    const had = this.sent.get(order.clientOrderId);
    if (had) return Promise.resolve(had);
    let p = this.signing.get(order.clientOrderId);
    if (!p) {
      p = this.sign(order).finally(() => this.signing.delete(order.clientOrderId));
      this.signing.set(order.clientOrderId, p);
    }
    return p;
  }

  private async sign(order: OrderRequest): Promise<Sent> {
    const info = this.known.get(order.marketId) ?? (await this.market(order.marketId));
    const tick = parseScaled(info.tick);
    if (order.limitPriceMicros % tick !== 0) throw new OrderRejectedError('polymarket', order.clientOrderId, 'tick', `price off the ${info.tick} tick`);
    if (order.qty % 10_000 !== 0) throw new OrderRejectedError('polymarket', order.clientOrderId, 'min_size', 'size must have at most 2 decimals');
    const tokenId = order.outcome === 'yes' ? info.tokens[0] : info.tokens[1];
    const signed = await this.client.createOrder(
      { tokenID: tokenId, price: order.limitPriceMicros / SCALE, size: order.qty / SCALE, side: order.side === 'buy' ? Side.BUY : Side.SELL },
      { tickSize: info.tick as never, negRisk: info.negRisk, version: 2 },
    );
    const s: Sent = { req: order, signed, hash: this.hashOf(signed, info.negRisk), tokenId };
    this.sent.set(order.clientOrderId, s);
    this.byHash.set(s.hash, order.clientOrderId);
    return s;
  }

  async place(order: OrderRequest): Promise<OrderAck> {
    const s = await this.signed(order);
    let res: unknown;
    try {
      res = await this.withTimeout(this.client.postOrder(s.signed, order.timeInForce === 'FOK' ? OrderType.FOK : OrderType.FAK));
    } catch (err) {
      this.stats.unknownOutcomes++;
      throw new OrderUnknownError('polymarket', order.clientOrderId, err);
    }
    const err = PolyErrorBody.safeParse(res);
    if (err.success) return this.onError(s, err.data.error, (res as { status?: number }).status);
    const ok = this.parse(PolyPostOrderResponse, res, 'place');
    if (!ok) {
      this.stats.unknownOutcomes++;
      throw new OrderUnknownError('polymarket', order.clientOrderId, new Error('order answer did not validate'));
    }
    if (!ok.success) return this.onError(s, ok.errorMsg || 'rejected', 400);
    if (ok.orderID !== s.hash) this.anomalies.report('invalid_answer', 'place', `order id ${ok.orderID} is not our order hash ${s.hash}`, JSON.stringify(res));
    const shares = dec(order.side === 'buy' ? ok.takingAmount : ok.makingAmount);
    const coll = dec(order.side === 'buy' ? ok.makingAmount : ok.takingAmount);
    if (ok.tradeIDs?.length) void this.fetchTrades(ok.tradeIDs);
    const state = ok.status === 'delayed' ? 'pending' : ok.status === 'live' ? (shares > 0 ? 'partially_filled' : 'open') : shares >= order.qty ? 'filled' : 'cancelled';
    return {
      venue: 'polymarket', clientOrderId: order.clientOrderId, venueOrderId: s.hash, state, filledQty: shares,
      ...(shares > 0 ? { avgPriceMicros: Math.round((coll * SCALE) / shares) } : {}),
      ...(state === 'cancelled' ? { reason: 'FAK remainder killed' } : {}),
      ts: this.now(),
    };
  }

  async status(ref: OrderRef): Promise<OrderAck> {
    const hash = 'venueOrderId' in ref ? ref.venueOrderId : this.sent.get(ref.clientOrderId)?.hash;
    if (!hash) throw new OrderNotFoundError('polymarket', (ref as { clientOrderId: string }).clientOrderId);
    const res: unknown = await this.withTimeout(this.client.getOrder(hash));
    const e = res as { error?: unknown; status?: number };
    if (res == null || (typeof e.error === 'string' && (e.status === 404 || /not found/i.test(e.error)))) {
      this.anomalies.report('unknown_order', 'status', `the venue does not know order ${hash}`, JSON.stringify(res));
      throw new OrderNotFoundError('polymarket', hash);
    }
    const o = this.parse(PolyOpenOrder, res, 'status');
    if (!o) throw new OrderUnknownError('polymarket', this.byHash.get(hash) ?? hash, new Error('status answer did not validate'));
    if (o.associate_trades?.length) await this.fetchTrades(o.associate_trades);
    return this.ackOf(o);
  }

  async cancel(ref: OrderRef): Promise<OrderAck> {
    const st = await this.status(ref);
    if (st.state === 'open' || st.state === 'partially_filled') await this.withTimeout(this.client.cancelOrder({ orderID: st.venueOrderId! }));
    return this.status({ venueOrderId: st.venueOrderId! });
  }

  async openOrders(): Promise<readonly OrderAck[]> {
    const res: unknown = await this.withTimeout(this.client.getOpenOrders());
    const list = Array.isArray(res) ? res : (res as { data?: unknown[] })?.data ?? [];
    return list.flatMap((x) => {
      const o = this.parse(PolyOpenOrder, x, 'openOrders');
      return o ? [this.ackOf(o)] : [];
    });
  }

  async positions(): Promise<readonly BrokerPosition[]> {
    // the account's tokens and entry prices from its own trades: nothing kept in memory is needed
    const res: unknown = await this.withTimeout(this.client.getTrades());
    const byToken = new Map<string, { market: string; qty: number; cost: number }>();
    for (const raw of Array.isArray(res) ? res : []) {
      const t = this.parse(PolyTrade, raw, 'positions: GET /data/trades');
      if (!t || t.status.toUpperCase() === 'FAILED') continue;
      const e = byToken.get(t.asset_id) ?? { market: t.market, qty: 0, cost: 0 };
      const qty = dec(t.size);
      const cost = Math.round((dec(t.price) * qty) / SCALE);
      if (t.side === 'BUY') byToken.set(t.asset_id, { market: t.market, qty: e.qty + qty, cost: e.cost + cost });
      else byToken.set(t.asset_id, { market: t.market, qty: e.qty - qty, cost: e.qty > 0 ? e.cost - Math.round((e.cost * Math.min(qty, e.qty)) / e.qty) : e.cost });
    }
    const out: BrokerPosition[] = [];
    for (const [tokenId, t] of byToken) {
      const b = this.parse(PolyBalanceAllowance, await this.withTimeout(this.client.getBalanceAllowance({ asset_type: AssetType.CONDITIONAL, token_id: tokenId })), 'positions');
      const qty = b ? Number(b.balance) : 0;
      if (!(qty > 0)) continue;
      const info = await this.market(t.market);
      const outcome: Outcome = info.tokens[0] === tokenId ? 'yes' : 'no';
      out.push({ marketId: t.market, outcome, qty, avgPriceMicros: t.qty > 0 ? Math.round((t.cost * SCALE) / t.qty) : this.avgEntry(tokenId) });
    }
    return out;
  }

  async balance(): Promise<Balance> {
    const b = this.parse(PolyBalanceAllowance, await this.withTimeout(this.client.getBalanceAllowance({ asset_type: AssetType.COLLATERAL })), 'balance');
    if (!b) throw new OrderUnknownError('polymarket', 'balance', new Error('balance answer did not validate'));
    return { cashMicros: Number(b.balance), availableMicros: Number(b.balance), ts: this.now() };
  }

  /** Our trades since start that were not emitted yet (after a restart: pass the time of the oldest open execution). */
  async reconcileFills(sinceMs = this.startedMs): Promise<number> {
    const res: unknown = await this.withTimeout(this.client.getTrades({ after: String(Math.floor(sinceMs / 1000) - FILL_OVERLAP_S) } as never));
    return this.emitTrades(Array.isArray(res) ? res : [], true);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.tickSub?.unsubscribe();
    for (const x of this.sockSubs) x.unsubscribe();
    this.sock?.close();
    this.fillSubject.complete();
    this.anomalies.complete();
  }

  // ------------------------------------------------------------ user channel

  private connectUser(): void {
    const url = this.opts.userWsUrl;
    if (!url || this.sock || this.closed) return;
    // one managed socket (../common/socket.ts): PING heartbeat and probes, idle timeout, reconnect with backoff
    const sock = managedSocket({
      venue: 'polymarket', url, heartbeat: { intervalMs: 10_000, payload: 'PING' }, probePayload: 'PING',
      idleTimeoutMs: this.opts.idleTimeoutMs ?? 30_000,
      onOpen: (send) => {
        send(JSON.stringify({ auth: { apiKey: this.opts.creds.key, secret: this.opts.creds.secret, passphrase: this.opts.creds.passphrase }, markets: [], type: 'user' }));
        if (this.opens++ === 0) return;
        // a reconnect: what matched while the channel was down comes from REST
        void this.reconcileFills(this.lastFillMs).catch((err: unknown) => rootLog.warn({ err, venue: 'polymarket' }, 'fill reconciliation failed'));
      },
    });
    this.sock = sock;
    this.sockSubs.push(
      sock.frames$.subscribe((f) => this.onUserFrame(f.data)),
      sock.status$.subscribe((st) => {
        if (this.opens > 0 && (st.state === 'stale' || st.state === 'reconnecting')) {
          this.anomalies.report('channel_down', 'fills$', `user channel ${st.state}${st.reason ? `: ${st.reason}` : ''}; missed trades are fetched after the reconnect`);
        }
      }),
    );
  }

  private onUserFrame(text: string): void {
    if (text === 'PONG') return;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      this.anomalies.report('invalid_answer', 'user channel', 'frame is not JSON', text);
      return;
    }
    for (const ev of Array.isArray(json) ? json : [json]) {
      if ((ev as { event_type?: unknown }).event_type !== 'trade') continue;
      const t = this.parse(PolyUserTradeEvent, ev, 'user channel');
      if (t && t.status.toUpperCase() !== 'FAILED') this.emitTrades([t], true);
    }
  }

  // ------------------------------------------------------------ helpers

  private readonly fillLog = new Map<string, { qty: number; cost: number }>();
  private readonly orderFills = new Map<string, { qty: number; cost: number }>();

  private avgEntry(tokenId: string): number {
    const f = this.fillLog.get(tokenId);
    return f && f.qty > 0 ? Math.round((f.cost * SCALE) / f.qty) : 0;
  }

  private async fetchTrades(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      if (this.seenTrades.has(id)) continue;
      try {
        const res: unknown = await this.withTimeout(this.client.getTrades({ id } as never, true));
        this.emitTrades(Array.isArray(res) ? res : [], false);
      } catch (err) {
        this.anomalies.report('invalid_answer', 'GET /data/trades', `trade ${id}: ${(err as Error).message}`);
      }
    }
  }

  private emitTrades(list: readonly unknown[], reportUnknown: boolean): number {
    let n = 0;
    for (const raw of list) {
      const t = this.parse(PolyTrade, raw, 'GET /data/trades');
      if (!t || this.seenTrades.has(t.id)) continue;
      const clientId = this.byHash.get(t.taker_order_id);
      const s = clientId ? this.sent.get(clientId) : undefined;
      if (!clientId || !s) {
        this.seenTrades.add(t.id);
        if (reportUnknown) this.anomalies.report('unknown_fill', 'fills$', `trade ${t.id} for order ${t.taker_order_id} we never sent`, JSON.stringify(raw));
        continue;
      }
      this.seenTrades.add(t.id);
      const qty = dec(t.size);
      const price = dec(t.price);
      const log = this.fillLog.get(s.tokenId) ?? { qty: 0, cost: 0 };
      const signed = s.req.side === 'buy' ? 1 : -1;
      this.fillLog.set(s.tokenId, { qty: log.qty + signed * qty, cost: log.cost + signed * Math.round((price * qty) / SCALE) });
      const of = this.orderFills.get(t.taker_order_id) ?? { qty: 0, cost: 0 };
      this.orderFills.set(t.taker_order_id, { qty: of.qty + qty, cost: of.cost + Math.round((price * qty) / SCALE) });
      this.stats.fills++;
      n++;
      const ts = Number(t.match_time ?? t.matchtime ?? 0) * 1000;
      if (ts > this.lastFillMs) this.lastFillMs = ts;
      this.fillSubject.next({
        venue: 'polymarket', fillId: t.id, clientOrderId: clientId, venueOrderId: t.taker_order_id, marketId: s.req.marketId, outcome: s.req.outcome,
        side: s.req.side, priceMicros: price, qty, tsVenue: ts || this.now(), tsReceived: this.now(),
      });
    }
    return n;
  }

  private onError(s: Sent, text: string, status: number | undefined): OrderAck | Promise<OrderAck> {
    if (text === FOK_TEXT || text === FAK_TEXT) {
      return { venue: 'polymarket', clientOrderId: s.req.clientOrderId, venueOrderId: s.hash, state: 'cancelled', filledQty: 0, reason: text, ts: this.now() };
    }
    const reason = status === 429 ? 'rate_limited' : polyRejectReason(text);
    if (reason === 'duplicate') return this.status({ venueOrderId: s.hash });
    // no HTTP status: the SDK's report of a failed send (connection reset, timeout): unknown
    if (status === undefined || status >= 500) {
      this.stats.unknownOutcomes++;
      throw new OrderUnknownError('polymarket', s.req.clientOrderId, new Error(`HTTP ${status}: ${text}`));
    }
    this.stats.rejects++;
    // nothing was placed: a later place() signs afresh
    this.sent.delete(s.req.clientOrderId);
    this.byHash.delete(s.hash);
    throw new OrderRejectedError('polymarket', s.req.clientOrderId, reason, text);
  }

  private ackOf(o: PolyOpenOrder): OrderAck {
    const clientId = this.byHash.get(o.id) ?? o.id;
    const original = dec(o.original_size);
    const matched = dec(o.size_matched);
    const st = o.status.toUpperCase();
    const state = st === 'LIVE' ? (matched > 0 ? 'partially_filled' : 'open') : st === 'INVALID' ? 'rejected' : st === 'MATCHED' && matched >= original ? 'filled' : 'cancelled';
    const avg = this.avgEntryOfOrder(o.id);
    return {
      venue: 'polymarket', clientOrderId: clientId, venueOrderId: o.id, state, filledQty: matched,
      ...(matched > 0 ? { avgPriceMicros: avg ?? dec(o.price) } : {}),
      ...(state === 'cancelled' || state === 'rejected' ? { reason: o.status } : {}),
      ts: (o.created_at ?? Math.floor(this.now() / 1000)) * 1000,
    };
  }

  /** VWAP of the fills seen for an order (the OpenOrder only has the limit price). */
  private avgEntryOfOrder(hash: string): number | undefined {
    const f = this.orderFills.get(hash);
    return f && f.qty > 0 ? Math.round((f.cost * SCALE) / f.qty) : undefined;
  }

  private hashOf(signed: SignedOrder, negRisk: boolean): string {
    const o = signed as unknown as Record<string, string | number>;
    const d = orderDomain(negRisk);
    return hashTypedData({
      domain: { ...d, verifyingContract: d.verifyingContract as Hex }, types: ORDER_V2_TYPES, primaryType: 'Order',
      message: {
        salt: BigInt(o.salt!), maker: o.maker as Hex, signer: o.signer as Hex, tokenId: BigInt(o.tokenId!), makerAmount: BigInt(o.makerAmount!),
        takerAmount: BigInt(o.takerAmount!), side: o.side === 'BUY' || o.side === 0 ? 0 : 1, signatureType: Number(o.signatureType), timestamp: BigInt(o.timestamp!),
        metadata: o.metadata as Hex, builder: o.builder as Hex,
      },
    });
  }

  private market(conditionId: string): Promise<MarketInfo> {
    let p = this.markets.get(conditionId);
    if (!p) {
      p = this.withTimeout(this.client.getClobMarketInfo(conditionId)).then((r: unknown) => {
        const m = r as { t?: ({ t: string } | null)[]; mts?: number; mos?: number; nr?: boolean };
        const [yes, no] = (m.t ?? []).filter((x): x is { t: string } => !!x);
        if (!yes || !no || m.mts === undefined) throw new OrderRejectedError('polymarket', conditionId, 'market_closed', 'market not found');
        const info: MarketInfo = { tokens: [yes.t, no.t] as const, tick: String(m.mts), negRisk: m.nr ?? false, minSize: m.mos ?? POLYMARKET_TRADING_RULES.minQty / SCALE };
        // a tick_size_change seen before the first fetch wins
        const seen = this.known.get(conditionId);
        this.known.set(conditionId, seen ? { ...info, tick: seen.tick } : info);
        return info;
      });
      p.catch(() => this.markets.delete(conditionId));
      this.markets.set(conditionId, p);
    }
    return p;
  }

  private parse<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> | undefined {
    const p = schema.safeParse(value);
    if (p.success) return p.data;
    this.anomalies.report('invalid_answer', where, p.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`).join('; '), JSON.stringify(value)?.slice(0, 2000));
    return undefined;
  }

  private withTimeout<T>(p: Promise<T>): Promise<T> {
    const ms = this.opts.timeoutMs ?? 5_000;
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Timeout(`no answer in ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
  }
}

/** A broker from the app config (needs POLYMARKET_PRIVATE_KEY and the L2 API credentials). */
export function polymarketBroker(cfg: { readonly clobUrl: string; readonly wsUrl: string; readonly trading?: { readonly privateKey: string; readonly apiKey: string; readonly apiSecret: string; readonly apiPassphrase: string } | undefined }, tickFrames$?: Observable<RawFrame>): PolymarketBroker {
  if (!cfg.trading) throw new OrderRejectedError('polymarket', 'config', 'other', 'POLYMARKET_PRIVATE_KEY and POLYMARKET_API_KEY/SECRET/PASSPHRASE are required for the live broker');
  const t = cfg.trading;
  return new PolymarketBroker({ clobUrl: cfg.clobUrl, userWsUrl: cfg.wsUrl.replace(/\/market\/?$/, '/user'), privateKey: t.privateKey, creds: { key: t.apiKey, secret: t.apiSecret, passphrase: t.apiPassphrase }, ...(tickFrames$ ? { tickFrames$ } : {}) });
}
