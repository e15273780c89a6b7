/**
 * Order side of the Kalshi simulator (ORDERS.md section 2): V2 `POST /portfolio/events/orders`
 * (bid = buy YES, ask = sell YES = buy NO at 1 − price), `DELETE /portfolio/events/orders/{id}`,
 * `GET /portfolio/orders[/{id}]`, `/portfolio/fills`, `/portfolio/positions`, `/portfolio/balance`,
 * and the private WS channels `fill`, `user_orders`, `market_positions`.
 *
 * Matching: against the simulator's own book at the resting price (a bid takes NO bids at 1 − p, an
 * ask takes YES bids), consuming it (deltas published). IOC fills what crosses and cancels the rest
 * (`canceled`, remaining 0, as the captures show; only a full fill is `executed`); FOK fills all or
 * nothing (`canceled` with no fill: Kalshi's REST answer here is undocumented); GTC remainders rest
 * as `resting` but do not join the public book. Taker fee per order: 0.07 × series multiplier ×
 * C × P × (1 − P), ceil to the cent; each fill carries the increase of that ceiling. Positions are
 * net (+YES/−NO); a YES bought against a NO held (or the reverse) pays $1 per netted pair at once.
 * Faults: {@link OrderFault} armed through `fault`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SCALE, formatScaled, notional, parseScaled } from '../../../../schema/money.js';
import { log } from '../../../log.js';
import type { OrderFault, SimFaultState } from '../../common/simFaults.js';
import type { AuthCheck } from './auth.js';
import { fp, iso, px } from './format.js';
import type { SimSessions } from './session.js';
import { onPriceGrid } from './markets.js';
import { bookOf, type KalshiSimState } from './state.js';

export interface SimOrder {
  readonly order_id: string;
  readonly client_order_id: string;
  readonly ticker: string;
  readonly book_side: 'bid' | 'ask';
  /** YES limit price, micro-dollars */
  readonly price: number;
  readonly initial: number;
  filled: number;
  remaining: number;
  status: 'resting' | 'canceled' | 'executed';
  /** Σ C × P(YES) of fills (bigint-free: millionths × micros / SCALE) in micro-dollars, own-side cost */
  cost: number;
  fees: number;
  /** Σ C × P × (1 − P) × SCALE², for the fee ceiling */
  feeBase: bigint;
  readonly createdMs: number;
  updatedMs: number;
}

interface SimFillRec {
  readonly fill_id: string;
  readonly order_id: string;
  readonly ticker: string;
  readonly book_side: 'bid' | 'ask';
  readonly yes: number;
  readonly count: number;
  readonly fee: number;
  readonly ts: number;
}

interface SimPosition { pos: number; cost: number; fees: number; volume: number; realized: number; updatedMs: number }

export interface KalshiSimOrderStats { ordersPlaced: number; ordersRejected: number; fills: number; acksDropped: number; faultsUsed: number }

export interface KalshiSimOrders {
  /** Handles `/trade-api/v2/portfolio/...`; false for any other path. */
  handle(req: IncomingMessage, res: ServerResponse, pathname: string): boolean;
  /** Arms an order fault for the next order(s). */
  fault(f: OrderFault): void;
  /** Cash, micro-dollars. */
  cashMicros(): number;
  setCash(micros: number): void;
  /** Net position of a market, millionths (+YES / −NO). */
  position(ticker: string): number;
  order(orderId: string): Readonly<SimOrder> | undefined;
  /** Every order placed with this client order id (at most one: a second place is refused with 409). */
  ordersWithClientId(clientOrderId: string): readonly Readonly<SimOrder>[];
  /** Orders still resting (a slowFill order before it matches, GTC remainders). */
  restingOrders(): readonly Readonly<SimOrder>[];
  readonly stats: Readonly<KalshiSimOrderStats>;
}

const TIF = new Set(['fill_or_kill', 'immediate_or_cancel', 'good_till_canceled']);
const CENT = 10_000;
const err = (code: string, message: string) => ({ error: { code, message, service: 'exchange' } });

export function simOrders(st: KalshiSimState, sessions: SimSessions, faults: SimFaultState, checkAuth: AuthCheck, opts: { readonly balanceMicros?: number; readonly prefix: string }): KalshiSimOrders {
  let cash = opts.balanceMicros ?? 10_000 * SCALE;
  const orders = new Map<string, SimOrder>();
  const byClient = new Map<string, string>();
  const fills: SimFillRec[] = [];
  const positions = new Map<string, SimPosition>();
  const stats: KalshiSimOrderStats = { ordersPlaced: 0, ordersRejected: 0, fills: 0, acksDropped: 0, faultsUsed: 0 };
  let seq = 0;
  const newId = (p: string) => `${p}${(++seq).toString(16).padStart(8, '0')}-5a11-4000-8000-${st.seed.toString(16).padStart(12, '0')}`;
  const feeMult = (ticker: string) => {
    const m = st.byTicker.get(ticker);
    const s = st.series.find((x) => x.ticker === m?.seriesTicker);
    return s?.feeType === 'flat' ? 0 : Math.round((s?.feeMultiplier ?? 1) * 100);
  };
  /** fee micro-dollars of Σ C·P·(1−P) (scaled by SCALE²), ceil to the cent */
  const feeOf = (base: bigint, mult: number) => {
    const raw = (7n * BigInt(mult) * base) / (10_000n * BigInt(SCALE) * BigInt(SCALE));
    const rem = (7n * BigInt(mult) * base) % (10_000n * BigInt(SCALE) * BigInt(SCALE));
    const micros = Number(raw) + (rem > 0n ? 1 : 0);
    return Math.ceil(micros / CENT) * CENT;
  };
  const posOf = (t: string): SimPosition => {
    let p = positions.get(t);
    if (!p) positions.set(t, (p = { pos: 0, cost: 0, fees: 0, volume: 0, realized: 0, updatedMs: st.now() }));
    return p;
  };

  // ------------------------------------------------------------ WS private channels

  const publish = (channel: string, type: string, ticker: string, msg: unknown) => {
    for (const c of sessions.clients) {
      for (const s of sessions.subsOf(c, channel)) {
        if (s.markets.size && !s.markets.has(ticker)) continue;
        sessions.send(c, { type, sid: s.sid, seq: s.seq++, msg });
      }
    }
  };
  const orderJson = (o: SimOrder) => ({
    order_id: o.order_id, user_id: 'sim-user', client_order_id: o.client_order_id, ticker: o.ticker,
    side: o.book_side === 'bid' ? 'yes' : 'no', action: 'buy', outcome_side: o.book_side === 'bid' ? 'yes' : 'no', book_side: o.book_side,
    type: 'limit', status: o.status, yes_price_dollars: px(o.price), no_price_dollars: px(SCALE - o.price),
    fill_count_fp: fp(o.filled), remaining_count_fp: fp(o.remaining), initial_count_fp: fp(o.initial),
    taker_fill_cost_dollars: px(o.cost), maker_fill_cost_dollars: px(0), taker_fees_dollars: px(o.fees), maker_fees_dollars: px(0),
    created_time: iso(o.createdMs), last_update_time: iso(o.updatedMs), expiration_time: null,
  });
  const publishOrder = (o: SimOrder) => publish('user_orders', 'user_order', o.ticker, { ...orderJson(o), is_yes: o.book_side === 'bid', created_ts_ms: o.createdMs, last_updated_ts_ms: o.updatedMs });
  const publishPosition = (t: string) => {
    const p = posOf(t);
    publish('market_positions', 'market_position', t, {
      market_ticker: t, position_fp: formatScaled(p.pos, 2), position_cost_dollars: px(p.cost), realized_pnl_dollars: px(p.realized),
      fees_paid_dollars: px(p.fees), position_fee_cost_dollars: px(p.fees), volume_fp: fp(p.volume),
    });
  };

  // ------------------------------------------------------------ matching

  /** Liquidity the order can take: `[yesPrice, qty]` best first, within the limit. */
  function crossing(ticker: string, side: 'bid' | 'ask', limit: number): [number, number][] {
    const b = bookOf(st, ticker);
    if (side === 'bid') return [...b.no.entries()].filter(([p, q]) => q > 0 && SCALE - p <= limit).map(([p, q]): [number, number] => [SCALE - p, q]).sort((x, y) => x[0] - y[0]);
    return [...b.yes.entries()].filter(([p, q]) => q > 0 && p >= limit).map(([p, q]): [number, number] => [p, q]).sort((x, y) => y[0] - x[0]);
  }

  function execute(o: SimOrder, tif: string, fault: OrderFault | undefined): void {
    let levels = fault?.kind === 'reject' && fault.reason === 'price_moved' ? [] : crossing(o.ticker, o.book_side, o.price);
    let want = o.remaining;
    if (fault?.kind === 'partial') want = Math.min(want, Math.floor((o.initial * fault.ratio) / CENT) * CENT);
    const avail = levels.reduce((a, [, q]) => a + q, 0);
    if (tif === 'fill_or_kill' && avail < o.remaining) levels = [];
    if (tif === 'fill_or_kill' && want < o.remaining) levels = [];
    const b = bookOf(st, o.ticker);
    const mult = feeMult(o.ticker);
    const p = posOf(o.ticker);
    for (const [yes, q] of levels) {
      if (want <= 0) break;
      const n = Math.min(q, want);
      want -= n;
      // consume the resting side and tell the book subscribers
      const [ladder, side, restPx] = o.book_side === 'bid' ? [b.no, 'no' as const, SCALE - yes] : [b.yes, 'yes' as const, yes];
      const left = (ladder.get(restPx) ?? 0) - n;
      if (left > 0) ladder.set(restPx, left);
      else ladder.delete(restPx);
      sessions.publishDelta(o.ticker, side, restPx, -n);
      const ownPx = o.book_side === 'bid' ? yes : SCALE - yes;
      const cost = notional(ownPx, n);
      o.feeBase += BigInt(n) * BigInt(yes) * BigInt(SCALE - yes);
      const feeNow = mult ? feeOf(o.feeBase, mult) : 0;
      const fee = feeNow - o.fees;
      o.fees = feeNow;
      o.cost += cost;
      o.filled += n;
      o.remaining -= n;
      // net positions: a pair of YES and NO pays $1 at once
      const signed = o.book_side === 'bid' ? n : -n;
      const netted = Math.sign(p.pos) === -Math.sign(signed) ? Math.min(Math.abs(p.pos), n) : 0;
      cash += -cost - fee + notional(SCALE, netted);
      if (netted) {
        const closedCost = Math.round((p.cost * netted) / Math.abs(p.pos));
        const pairCost = Math.round((cost * netted) / n);
        p.realized += notional(SCALE, netted) - closedCost - pairCost;
        p.cost += cost - pairCost - closedCost;
      } else p.cost += cost;
      p.pos += signed;
      p.fees += fee;
      p.volume += n;
      p.updatedMs = st.now();
      const f: SimFillRec = { fill_id: newId('f'), order_id: o.order_id, ticker: o.ticker, book_side: o.book_side, yes, count: n, fee, ts: st.now() };
      fills.push(f);
      stats.fills++;
      publish('fill', 'fill', o.ticker, {
        trade_id: f.fill_id, order_id: o.order_id, client_order_id: o.client_order_id, market_ticker: o.ticker, is_taker: true,
        yes_price_dollars: px(yes), count_fp: fp(n), fee_cost: formatScaled(fee, 6), outcome_side: o.book_side === 'bid' ? 'yes' : 'no',
        book_side: o.book_side, post_position_fp: formatScaled(p.pos, 2), side: o.book_side === 'bid' ? 'yes' : 'no', action: 'buy',
        ts: Math.floor(f.ts / 1000), ts_ms: f.ts,
      });
    }
    if (o.remaining === 0) o.status = 'executed';
    else if (tif !== 'good_till_canceled') {
      o.status = 'canceled';
      o.remaining = 0;
    }
    o.updatedMs = st.now();
    publishOrder(o);
    if (o.filled) publishPosition(o.ticker);
  }

  // ------------------------------------------------------------ routes

  function create(body: Record<string, unknown>, send: (code: number, b: unknown) => void, req: IncomingMessage): void {
    const ticker = String(body.ticker ?? '');
    const m = st.byTicker.get(ticker);
    const reject = (code: number, e: string, msg: string) => {
      stats.ordersRejected++;
      send(code, err(e, msg));
    };
    if (!m) return reject(404, 'market_not_found', 'market not found');
    if (m.status !== 'active') return reject(400, 'market_closed', 'market is not open for trading');
    const side = body.side;
    const tif = String(body.time_in_force ?? '');
    if ((side !== 'bid' && side !== 'ask') || !TIF.has(tif) || typeof body.self_trade_prevention_type !== 'string') {
      return reject(400, 'invalid_parameters', 'side, time_in_force and self_trade_prevention_type are required');
    }
    let price: number;
    let count: number;
    try {
      price = parseScaled(String(body.price ?? ''));
      count = parseScaled(String(body.count ?? ''));
    } catch {
      return reject(400, 'invalid_parameters', 'price and count must be decimal strings');
    }
    if (!onPriceGrid(m.priceLevelStructure, price)) return reject(400, 'invalid_price', `price ${px(price)} is not on the market's ${m.priceLevelStructure} price grid`);
    if (count <= 0 || count % CENT !== 0) return reject(400, 'invalid_parameters', 'count must be a positive multiple of 0.01');
    const clientId = typeof body.client_order_id === 'string' && body.client_order_id ? body.client_order_id : newId('c');
    if (byClient.has(clientId)) return reject(409, 'order_already_exists', 'client_order_id already used');
    const fault = faults.takeOrderFault();
    if (fault) stats.faultsUsed++;
    const own = side === 'bid' ? price : SCALE - price;
    const maxFee = Math.ceil(notional(SCALE, count) * 0.0175 / CENT) * CENT + CENT;
    const held = posOf(ticker).pos;
    const netting = Math.sign(held) === (side === 'bid' ? -1 : 1) ? Math.min(Math.abs(held), count) : 0;
    if ((fault?.kind === 'reject' && fault.reason === 'insufficient_balance') || notional(own, count - netting) + maxFee > cash) {
      return reject(400, 'insufficient_balance', 'insufficient balance');
    }
    const now = st.now();
    const o: SimOrder = {
      order_id: newId(''), client_order_id: clientId, ticker, book_side: side, price, initial: count, filled: 0, remaining: count,
      status: 'resting', cost: 0, fees: 0, feeBase: 0n, createdMs: now, updatedMs: now,
    };
    // the order exists (and its client id is taken) from here on; a slow fill rests meanwhile (cancellable)
    orders.set(o.order_id, o);
    byClient.set(clientId, o.order_id);
    stats.ordersPlaced++;
    const run = () => {
      // cancelled while it waited (slowFill): nothing matches, the answer says so
      if (o.status === 'resting') execute(o, tif, fault);
      if (fault?.kind === 'ackLost') {
        // placed, but the answer never arrives
        stats.acksDropped++;
        setTimeout(() => req.socket.destroy(), fault.holdMs ?? 0).unref();
        return;
      }
      const avg = o.filled ? Math.round(o.cost / (o.filled / SCALE)) : undefined;
      send(201, {
        order_id: o.order_id, client_order_id: o.client_order_id, fill_count: fp(o.filled), remaining_count: fp(o.remaining),
        ...(avg !== undefined ? { average_fill_price: px(o.book_side === 'bid' ? avg : SCALE - avg), average_fee_paid: formatScaled(Math.round(o.fees / (o.filled / SCALE)), 6) } : {}),
        ts_ms: o.updatedMs,
      });
    };
    if (fault?.kind === 'slowFill') {
      publishOrder(o);
      setTimeout(run, fault.ms).unref();
    } else run();
  }

  function page<T>(items: readonly T[], q: URLSearchParams): { items: T[]; cursor: string } {
    const limit = Math.min(Math.max(Number(q.get('limit') ?? 100) || 100, 1), 1000);
    const off = Number(Buffer.from(q.get('cursor') ?? '', 'base64url').toString() || 0) || 0;
    const end = off + limit;
    return { items: items.slice(off, end), cursor: end < items.length ? Buffer.from(String(end)).toString('base64url') : '' };
  }

  function route(method: string, parts: string[], q: URLSearchParams, body: Record<string, unknown>, send: (code: number, b: unknown) => void, req: IncomingMessage): void {
    const [a, b, c] = parts;
    if (method === 'POST' && a === 'events' && b === 'orders' && !c) return create(body, send, req);
    if (method === 'DELETE' && a === 'events' && b === 'orders' && c) {
      const o = orders.get(c);
      if (!o) return send(404, err('not_found', 'order not found'));
      const reduced = o.status === 'resting' ? o.remaining : 0;
      if (reduced) {
        o.status = 'canceled';
        o.remaining = 0;
        o.updatedMs = st.now();
        publishOrder(o);
      }
      return send(200, { order_id: o.order_id, client_order_id: o.client_order_id, reduced_by: fp(reduced), ts_ms: st.now() });
    }
    if (method !== 'GET') return send(405, err('method_not_allowed', `${method} not allowed here`));
    if (a === 'orders' && b) {
      const o = orders.get(b);
      return o ? send(200, { order: orderJson(o) }) : send(404, err('not_found', 'order not found'));
    }
    if (a === 'orders') {
      let list = [...orders.values()].reverse();
      const t = q.get('ticker');
      if (t) list = list.filter((o) => o.ticker === t);
      const s = q.get('status');
      if (s) list = list.filter((o) => o.status === s);
      const minTs = Number(q.get('min_ts') ?? 0);
      list = list.filter((o) => o.createdMs / 1000 >= minTs);
      const p = page(list, q);
      return send(200, { orders: p.items.map(orderJson), cursor: p.cursor });
    }
    if (a === 'fills') {
      let list = fills.slice().reverse();
      const t = q.get('ticker');
      if (t) list = list.filter((f) => f.ticker === t);
      const oid = q.get('order_id');
      if (oid) list = list.filter((f) => f.order_id === oid);
      const minTs = Number(q.get('min_ts') ?? 0);
      list = list.filter((f) => f.ts / 1000 >= minTs);
      const p = page(list, q);
      return send(200, {
        fills: p.items.map((f) => ({
          fill_id: f.fill_id, trade_id: f.fill_id, order_id: f.order_id, ticker: f.ticker, outcome_side: f.book_side === 'bid' ? 'yes' : 'no',
          book_side: f.book_side, count_fp: fp(f.count), yes_price_dollars: px(f.yes), no_price_dollars: px(SCALE - f.yes), is_taker: true,
          fee_cost: px(f.fee), created_time: iso(f.ts), ts: Math.floor(f.ts / 1000),
        })),
        cursor: p.cursor,
      });
    }
    if (a === 'positions') {
      const list = [...positions.entries()].filter(([t, p]) => p.pos !== 0 && (!q.get('ticker') || q.get('ticker') === t));
      const p = page(list, q);
      return send(200, {
        market_positions: p.items.map(([t, x]) => ({
          ticker: t, position_fp: formatScaled(x.pos, 2), total_traded_dollars: px(x.cost), market_exposure_dollars: px(x.cost),
          realized_pnl_dollars: px(x.realized), fees_paid_dollars: px(x.fees), last_updated_ts: iso(x.updatedMs),
        })),
        event_positions: [], cursor: p.cursor,
      });
    }
    if (a === 'balance') {
      const value = [...positions.values()].reduce((s, p) => s + p.cost, 0);
      return send(200, { balance: Math.floor(cash / CENT), portfolio_value: Math.floor(value / CENT), balance_dollars: px(cash), updated_ts: Math.floor(st.now() / 1000) });
    }
    return send(404, err('not_found', 'not found'));
  }

  return {
    stats,
    fault: (f) => faults.armOrderFault(f),
    cashMicros: () => cash,
    setCash: (m) => void (cash = m),
    position: (t) => positions.get(t)?.pos ?? 0,
    order: (id) => orders.get(id),
    ordersWithClientId: (c) => [...orders.values()].filter((o) => o.client_order_id === c),
    restingOrders: () => [...orders.values()].filter((o) => o.status === 'resting'),
    handle(req, res, pathname) {
      const base = `${opts.prefix}/portfolio/`;
      if (!pathname.startsWith(base)) return false;
      const send = (code: number, b: unknown) => {
        if (res.headersSent || req.socket.destroyed) return;
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(JSON.stringify(b));
      };
      const why = checkAuth(req, pathname);
      if (why) {
        send(401, err('authentication_error', why));
        return true;
      }
      const chunks: Buffer[] = [];
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => {
        let body: Record<string, unknown> = {};
        const text = Buffer.concat(chunks).toString();
        if (text) {
          try {
            const j: unknown = JSON.parse(text);
            body = j && typeof j === 'object' ? (j as Record<string, unknown>) : {};
          } catch {
            return send(400, err('invalid_parameters', 'body is not JSON'));
          }
        }
        const url = new URL(req.url ?? '/', 'http://sim');
        try {
          route(req.method ?? 'GET', pathname.slice(base.length).split('/').filter(Boolean).map(decodeURIComponent), url.searchParams, body, send, req);
        } catch (e) {
          log.error({ err: e, venue: 'kalshi', path: pathname }, 'simulator order handler failed');
          send(500, err('internal', 'internal error'));
        }
      });
      return true;
    },
  };
}
