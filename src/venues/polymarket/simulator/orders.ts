/**
 * Order side of the Polymarket simulator, CLOB V2 (ORDERS.md section 1): `POST /order` with L2
 * HMAC headers checked and the EIP-712 V2 order signature verified (viem, the library the V2 SDK
 * signs with), `DELETE /order`, `GET /data/order/{id}`, `/data/orders`, `/data/trades`,
 * `/balance-allowance`, `/version`, `/tick-size`, `/neg-risk`, and the user channel (`/ws/user`:
 * subscribe `{auth:{apiKey, secret, passphrase}, markets, type:"user"}`, then `order` PLACEMENT /
 * UPDATE / CANCELLATION and `trade` MATCHED events of our orders; text `PING` answered `PONG`).
 *
 * One simulated account (`creds`, any wallet address that signs). The order id is the order's
 * EIP-712 hash, so re-posting the same signed order is refused as `INVALID_ORDER_DUPLICATED`.
 * FAK/FOK (and GTC, which the simulator treats as FAK: nothing rests) take the token's asks (BUY)
 * or bids (SELL) at the resting price; the NO book mirrors the YES book, so taking a YES ask also
 * removes the NO bid at 1 − p (the engine's cross-book match). Trades carry `fee_rate_bps` from
 * the market's fee schedule and no fee amount, as the venue's do; balances move by notional only.
 * Faults: {@link OrderFault} armed through `fault`.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { hashTypedData, verifyTypedData, type Hex } from 'viem';
import { WebSocketServer, type WebSocket } from 'ws';
import { SCALE, formatScaled } from '../../../../schema/money.js';
import type { OrderFault, SimFaultState } from '../../common/simFaults.js';
import { EXCHANGE_V2, FAK_TEXT, FOK_TEXT, ORDER_V2_TYPES, orderDomain } from '../orders.js';
import type { MarketBook, SimChange } from './book.js';
import type { PolyMarketSpec } from './markets.js';

export interface PolyApiCreds { readonly key: string; readonly secret: string; readonly passphrase: string }

interface SimOrder {
  id: string; owner: string; maker: string; market: string; assetId: string; outcome: string; side: 'BUY' | 'SELL';
  originalSize: number; matched: number; price: number; orderType: string; status: string; trades: string[]; createdS: number;
}
interface SimTrade {
  id: string; orderId: string; market: string; assetId: string; side: 'BUY' | 'SELL'; size: number; price: number; outcome: string;
  feeRateBps: string; matchMs: number; owner: string; maker: string; txHash: string;
}

export interface PolySimOrders {
  /** Handles the order and account routes; false for any other request. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean>;
  readonly creds: PolyApiCreds;
  fault(f: OrderFault): void;
  cashMicros(): number;
  setCash(micros: number): void;
  /** Shares held of a token, millionths. */
  position(tokenId: string): number;
  /** Orders still live (a slowFill order before it matches). */
  liveOrders(): readonly { readonly id: string; readonly status: string }[];
  /** Orders accepted so far (one per signed order: a re-post is refused as a duplicate). */
  orderCount(): number;
  readonly stats: { ordersPlaced: number; ordersRejected: number; trades: number; acksDropped: number; authRejected: number };
  /** Cuts every user-channel connection (the `disconnect` fault). */
  dropUsers(): void;
  /** Takes a WebSocket upgrade of the user channel. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): void;
}

export const POLY_USER_WS_PATH = '/ws/user';

export interface PolyOrdersContext {
  readonly byToken: ReadonlyMap<string, { m: PolyMarketSpec; token: 'yes' | 'no' }>;
  bookOf(conditionId: string): MarketBook;
  /** Publishes applied book changes to the market channel. */
  broadcast(m: PolyMarketSpec, changes: readonly SimChange[]): void;
  readonly now: () => number;
}

const px = (v: number) => formatScaled(v, 0);
const amt = (v: number) => formatScaled(v, 0);
const hex32 = () => `0x${randomBytes(32).toString('hex')}`;
const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => resolve(Buffer.concat(chunks).toString()));
    req.on('error', reject);
  });

export function polySimOrders(ctx: PolyOrdersContext, faults: SimFaultState, opts: { readonly creds?: PolyApiCreds; readonly balanceMicros?: number } = {}): PolySimOrders {
  const creds: PolyApiCreds = opts.creds ?? { key: '00000000-5a11-4000-8000-0000000000c1', secret: randomBytes(32).toString('base64url'), passphrase: randomBytes(16).toString('hex') };
  let cash = opts.balanceMicros ?? 10_000 * SCALE;
  const positions = new Map<string, number>();
  const orders = new Map<string, SimOrder>();
  const trades: SimTrade[] = [];
  const stats = { ordersPlaced: 0, ordersRejected: 0, trades: 0, acksDropped: 0, authRejected: 0 };
  const userWss = new WebSocketServer({ noServer: true });
  /** authenticated user-channel sockets → the markets they follow (empty = all) */
  const users = new Map<WebSocket, Set<string>>();
  userWss.on('connection', (ws: WebSocket) => {
    ws.on('message', (d) => {
      const text = String(d);
      if (text === 'PING') return ws.send('PONG');
      let cmd: { auth?: { apiKey?: unknown; secret?: unknown; passphrase?: unknown }; markets?: unknown; type?: unknown };
      try {
        cmd = JSON.parse(text) as typeof cmd;
      } catch {
        return ws.close(1008, 'invalid message');
      }
      const a = cmd.auth;
      if (!a || a.apiKey !== creds.key || a.secret !== creds.secret || a.passphrase !== creds.passphrase) return ws.close(1008, 'unauthorized');
      users.set(ws, new Set(Array.isArray(cmd.markets) ? cmd.markets.map(String) : []));
    });
    ws.on('close', () => users.delete(ws));
    ws.on('error', () => undefined);
  });
  const toUsers = (market: string, msg: unknown) => {
    const text = JSON.stringify(msg);
    for (const [ws, markets] of users) if (ws.readyState === ws.OPEN && (!markets.size || markets.has(market)) && faults.maySend()) ws.send(text);
  };

  const l2Check = (req: IncomingMessage, path: string, body: string): string | null => {
    const h = (k: string) => String(req.headers[k.toLowerCase()] ?? '');
    if (!h('POLY_ADDRESS') || !h('POLY_SIGNATURE') || !h('POLY_TIMESTAMP') || !h('POLY_API_KEY') || !h('POLY_PASSPHRASE')) return 'Unauthorized/Invalid api key';
    if (h('POLY_API_KEY') !== creds.key || h('POLY_PASSPHRASE') !== creds.passphrase) return 'Unauthorized/Invalid api key';
    const ts = Number(h('POLY_TIMESTAMP'));
    if (!Number.isFinite(ts) || Math.abs(ctx.now() / 1000 - ts) > 300) return 'Unauthorized/Invalid timestamp';
    const want = createHmac('sha256', Buffer.from(creds.secret.replace(/-/g, '+').replace(/_/g, '/'), 'base64'))
      .update(`${h('POLY_TIMESTAMP')}${req.method ?? 'GET'}${path}${body}`).digest('base64').replace(/\+/g, '-').replace(/\//g, '_');
    return want === h('POLY_SIGNATURE') ? null : 'Unauthorized/Invalid signature';
  };

  const openOrderJson = (o: SimOrder) => ({
    id: o.id, status: o.status, owner: o.owner, maker_address: o.maker, market: o.market, asset_id: o.assetId, side: o.side,
    original_size: amt(o.originalSize), size_matched: amt(o.matched), price: px(o.price), outcome: o.outcome, expiration: '0',
    order_type: o.orderType, associate_trades: o.trades, created_at: o.createdS,
  });
  const tradeJson = (t: SimTrade) => ({
    id: t.id, taker_order_id: t.orderId, market: t.market, asset_id: t.assetId, side: t.side, size: amt(t.size), fee_rate_bps: t.feeRateBps,
    price: px(t.price), status: 'CONFIRMED', match_time: String(Math.floor(t.matchMs / 1000)), last_update: String(Math.floor(t.matchMs / 1000)),
    outcome: t.outcome, bucket_index: 0, owner: t.owner, maker_address: t.maker, transaction_hash: t.txHash, trader_side: 'TAKER', maker_orders: [],
  });

  /** Liquidity the order takes, best first: `[price, qty]`. */
  const crossing = (book: MarketBook, token: 'yes' | 'no', side: 'BUY' | 'SELL', limit: number): [number, number][] => {
    const tb = book.token(token);
    return side === 'BUY'
      ? [...tb.asks].filter(([p, q]) => q > 0 && p <= limit).sort((a, b) => a[0] - b[0])
      : [...tb.bids].filter(([p, q]) => q > 0 && p >= limit).sort((a, b) => b[0] - a[0]);
  };

  async function place(raw: string, send: (code: number, b: unknown) => void, req: IncomingMessage): Promise<void> {
    const reject = (code: number, error: string, errorMsg?: string) => {
      stats.ordersRejected++;
      send(code, errorMsg ? { success: false, errorMsg: error, error, code: errorMsg } : { error });
    };
    let body: { order?: Record<string, unknown>; owner?: unknown; orderType?: unknown };
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      return reject(400, 'Invalid order payload');
    }
    const o = body.order;
    if (!o || typeof o !== 'object') return reject(400, 'Invalid order payload');
    if (body.owner !== creds.key) return reject(400, 'the order owner has to be the owner of the API KEY');
    const tokenId = String(o.tokenId ?? '');
    const hit = ctx.byToken.get(tokenId);
    if (!hit) return reject(400, 'market not found', 'MARKET_NOT_READY');
    const { m, token } = hit;
    if (m.closed || !m.active) return reject(400, 'market is closed', 'MARKET_NOT_READY');
    const side = o.side === 'BUY' ? 'BUY' : o.side === 'SELL' ? 'SELL' : undefined;
    const orderType = String(body.orderType ?? 'GTC');
    if (!side || !['GTC', 'GTD', 'FOK', 'FAK'].includes(orderType)) return reject(400, 'Invalid order payload');
    let message: Record<string, unknown>;
    let hash: Hex;
    try {
      message = {
        salt: BigInt(String(o.salt)), maker: o.maker, signer: o.signer, tokenId: BigInt(tokenId), makerAmount: BigInt(String(o.makerAmount)),
        takerAmount: BigInt(String(o.takerAmount)), side: side === 'BUY' ? 0 : 1, signatureType: Number(o.signatureType), timestamp: BigInt(String(o.timestamp)),
        metadata: o.metadata, builder: o.builder,
      };
      const typed = { domain: { ...orderDomain(m.negRisk), verifyingContract: orderDomain(m.negRisk).verifyingContract as Hex }, types: ORDER_V2_TYPES, primaryType: 'Order' as const, message: message as never };
      hash = hashTypedData(typed);
      const ok = await verifyTypedData({ ...typed, address: o.signer as Hex, signature: o.signature as Hex });
      if (!ok) return reject(400, 'invalid order signature', 'INVALID_ORDER_ERROR');
    } catch {
      return reject(400, 'invalid order signature', 'INVALID_ORDER_ERROR');
    }
    if (orders.has(hash)) return reject(400, 'order already exists', 'INVALID_ORDER_DUPLICATED');
    const makerAmt = Number(message.makerAmount);
    const takerAmt = Number(message.takerAmount);
    const size = side === 'BUY' ? takerAmt : makerAmt;
    const coll = side === 'BUY' ? makerAmt : takerAmt;
    if (size <= 0) return reject(400, 'invalid order size', 'INVALID_ORDER_MIN_SIZE');
    const price = Math.round((coll * SCALE) / size);
    const tick = Math.round(Number(m.tickSize) * SCALE);
    if (price % tick !== 0 || price < tick || price > SCALE - tick) {
      return reject(400, `order ${hash} is invalid. Price (${formatScaled(price, 0)}) breaks minimum tick size rule: ${m.tickSize}`, 'INVALID_ORDER_MIN_TICK_SIZE');
    }
    if (size < m.orderMinSize * SCALE) return reject(400, `order ${hash} is invalid. Size (${amt(size)}) lower than the minimum: ${m.orderMinSize}`, 'INVALID_ORDER_MIN_SIZE');
    const fault = faults.takeOrderFault();
    const held = positions.get(tokenId) ?? 0;
    if ((fault?.kind === 'reject' && fault.reason === 'insufficient_balance') || (side === 'BUY' ? coll > cash : size > held)) {
      return reject(400, 'not enough balance / allowance', 'INVALID_ORDER_NOT_ENOUGH_BALANCE');
    }
    const slow = fault?.kind === 'slowFill';
    const ord: SimOrder = {
      id: hash, owner: creds.key, maker: String(o.maker), market: m.conditionId, assetId: tokenId, outcome: token === 'yes' ? m.outcomes[0] : m.outcomes[1],
      side, originalSize: size, matched: 0, price, orderType, status: slow ? 'LIVE' : 'MATCHED', trades: [], createdS: Math.floor(ctx.now() / 1000),
    };
    // a slow order is known (live, cancellable, a re-post is a duplicate) while it waits to match
    if (slow) {
      orders.set(hash, ord);
      toUsers(m.conditionId, { ...openOrderJson(ord), event_type: 'order', type: 'PLACEMENT', timestamp: String(ctx.now()) });
    }
    const run = () => {
      if (slow && ord.status !== 'LIVE') {
        // cancelled while it waited: nothing matches
        stats.ordersPlaced++;
        return send(400, { error: orderType === 'FOK' ? FOK_TEXT : FAK_TEXT, code: orderType === 'FOK' ? 'FOK_ORDER_NOT_FILLED_ERROR' : 'EXECUTION_ERROR', orderID: hash });
      }
      ord.status = 'MATCHED';
      const book = ctx.bookOf(m.conditionId);
      const heldNow = positions.get(tokenId) ?? 0;
      let levels = fault?.kind === 'reject' && fault.reason === 'price_moved' ? [] : crossing(book, token, side, price);
      let want = size;
      if (fault?.kind === 'partial') want = Math.floor((size * fault.ratio) / 10_000) * 10_000;
      const avail = levels.reduce((a, [, q]) => a + q, 0);
      if (orderType === 'FOK' && (avail < size || want < size)) levels = [];
      const other = token === 'yes' ? 'no' : 'yes';
      const changes: SimChange[] = [];
      let notional = 0;
      for (const [p, q] of levels) {
        if (want <= 0) break;
        const n = Math.min(q, want);
        want -= n;
        const mirror = book.token(other);
        const left = q - n;
        // take the level and its mirror on the other token (NO bid at 1 − p for a YES ask)
        changes.push({ token, side: side === 'BUY' ? 'SELL' : 'BUY', price: p, size: left }, { token: other, side: side === 'BUY' ? 'BUY' : 'SELL', price: SCALE - p, size: Math.max(0, ((side === 'BUY' ? mirror.bids : mirror.asks).get(SCALE - p) ?? 0) - n) });
        const value = Math.round((p * n) / SCALE);
        notional += value;
        ord.matched += n;
        const t: SimTrade = {
          id: crypto.randomUUID(), orderId: hash, market: m.conditionId, assetId: tokenId, side, size: n, price: p, outcome: ord.outcome,
          feeRateBps: m.feesEnabled && m.feeSchedule ? String(Math.round(m.feeSchedule.rate * 10_000)) : '0', matchMs: ctx.now(), owner: creds.key, maker: ord.maker, txHash: hex32(),
        };
        trades.push(t);
        ord.trades.push(t.id);
        stats.trades++;
      }
      for (const c of changes) book.apply(c);
      ctx.broadcast(m, changes);
      if (side === 'BUY') {
        cash -= notional;
        positions.set(tokenId, heldNow + ord.matched);
      } else {
        cash += notional;
        positions.set(tokenId, heldNow - ord.matched);
      }
      if (ord.matched === 0) ord.status = orderType === 'FOK' ? `CANCELED_${FOK_TEXT}` : 'CANCELED';
      orders.set(hash, ord);
      stats.ordersPlaced++;
      const ts = String(ctx.now());
      for (const t of trades.filter((x) => x.orderId === hash)) toUsers(m.conditionId, { ...tradeJson(t), status: 'MATCHED', event_type: 'trade', type: 'TRADE', timestamp: ts });
      toUsers(m.conditionId, { ...openOrderJson(ord), size_matched: amt(ord.matched), event_type: 'order', type: ord.matched ? 'UPDATE' : 'CANCELLATION', timestamp: ts });
      if (fault?.kind === 'ackLost') {
        stats.acksDropped++;
        setTimeout(() => req.socket.destroy(), fault.holdMs ?? 0).unref();
        return;
      }
      if (ord.matched === 0) return send(400, { error: orderType === 'FOK' ? FOK_TEXT : FAK_TEXT, code: orderType === 'FOK' ? 'FOK_ORDER_NOT_FILLED_ERROR' : 'EXECUTION_ERROR', orderID: hash });
      const tradesOf = trades.filter((t) => t.orderId === hash);
      send(200, {
        success: true, errorMsg: '', orderID: hash, status: 'matched',
        makingAmount: amt(side === 'BUY' ? notional : ord.matched), takingAmount: amt(side === 'BUY' ? ord.matched : notional),
        transactionsHashes: tradesOf.map((t) => t.txHash), tradeIDs: tradesOf.map((t) => t.id),
      });
    };
    if (fault?.kind === 'slowFill') setTimeout(run, fault.ms).unref();
    else run();
  }

  const page = <T>(items: T[]) => ({ limit: 500, next_cursor: 'LTE=', count: items.length, data: items });

  return {
    creds, stats,
    upgrade: (req, socket, head) => userWss.handleUpgrade(req, socket, head, (ws) => userWss.emit('connection', ws, req)),
    dropUsers() {
      for (const ws of users.keys()) ws.terminate();
    },
    close() {
      for (const ws of users.keys()) ws.terminate();
      userWss.close();
    },
    fault: (f) => faults.armOrderFault(f),
    cashMicros: () => cash,
    setCash: (v) => void (cash = v),
    position: (t) => positions.get(t) ?? 0,
    liveOrders: () => [...orders.values()].filter((o) => o.status === 'LIVE').map((o) => ({ id: o.id, status: o.status })),
    orderCount: () => orders.size,
    async handle(req, res, path) {
      const send = (code: number, b: unknown) => {
        if (res.headersSent || req.socket.destroyed) return;
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(JSON.stringify(b));
      };
      const url = new URL(req.url ?? '/', 'http://sim');
      const q = url.searchParams;
      const method = req.method ?? 'GET';
      if (method === 'GET' && path === '/version') return send(200, { version: 2 }), true;
      if (method === 'GET' && (path === '/tick-size' || path === '/neg-risk')) {
        const hit = ctx.byToken.get(q.get('token_id') ?? '');
        if (!hit) return send(404, { error: 'market not found' }), true;
        return send(200, path === '/tick-size' ? { minimum_tick_size: Number(hit.m.tickSize) } : { neg_risk: hit.m.negRisk }), true;
      }
      const trading = (method === 'POST' && path === '/order') || (method === 'DELETE' && path === '/order') || path.startsWith('/data/order/')
        || path === '/data/orders' || path === '/data/trades' || path === '/balance-allowance';
      if (!trading) return false;
      const raw = method === 'GET' ? '' : await readBody(req);
      const why = l2Check(req, path, raw);
      if (why) {
        stats.authRejected++;
        send(401, { error: why });
        return true;
      }
      if (method === 'POST') {
        await place(raw, send, req);
        return true;
      }
      if (method === 'DELETE') {
        let id = '';
        try {
          id = String((JSON.parse(raw) as { orderID?: unknown }).orderID ?? '');
        } catch { /* answered below */ }
        const o = orders.get(id);
        if (o?.status === 'LIVE') {
          o.status = 'CANCELED';
          toUsers(o.market, { ...openOrderJson(o), event_type: 'order', type: 'CANCELLATION', timestamp: String(ctx.now()) });
          send(200, { canceled: [id], not_canceled: {} });
          return true;
        }
        send(200, { canceled: [], not_canceled: { [id]: o ? 'order can not be canceled: already matched or canceled' : 'order not found' } });
        return true;
      }
      if (path.startsWith('/data/order/')) {
        const o = orders.get(decodeURIComponent(path.slice('/data/order/'.length)));
        send(o ? 200 : 404, o ? openOrderJson(o) : { error: 'order not found' });
        return true;
      }
      if (path === '/data/orders') {
        send(200, page([...orders.values()].filter((o) => o.status === 'LIVE' && (!q.get('market') || q.get('market') === o.market)).map(openOrderJson)));
        return true;
      }
      if (path === '/data/trades') {
        const list = trades.filter((t) => (!q.get('id') || q.get('id') === t.id) && (!q.get('market') || q.get('market') === t.market) && (!q.get('asset_id') || q.get('asset_id') === t.assetId)
          && (!q.get('after') || t.matchMs / 1000 >= Number(q.get('after'))));
        send(200, page(list.map(tradeJson)));
        return true;
      }
      const type = q.get('asset_type');
      const bal = type === 'CONDITIONAL' ? (positions.get(q.get('token_id') ?? '') ?? 0) : cash;
      send(200, { balance: String(bal), allowances: { [EXCHANGE_V2[0]]: '115792089237316195423570985008687907853269984665640564039457584007913129639935' } });
      return true;
    },
  };
}
