/**
 * Polymarket simulator: the CLOB market channel WebSocket (`/ws/market`) plus Gamma and CLOB
 * REST, on 127.0.0.1, in the venue's exact current wire shapes. Deterministic from `seed`.
 *
 * WS behaviour: the first `{"assets_ids":[…],"type":"market"}` and each
 * `{"operation":"subscribe"}` answer with the `book` of every newly subscribed token, in ONE
 * JSON-array frame (as the real server bursts books); `unsubscribe` stops updates; text `PING`
 * is answered with text `PONG`; WS ping frames are answered with pongs (manually, so that
 * `stall()` can leave them unanswered). Random-walk updates are `price_change` messages in the
 * current shape (`price_changes[]`, both tokens of a market in one message).
 *
 * REST (one base URL for Gamma and CLOB): `GET /markets` (limit, offset, closed [default false],
 * active, id, condition_ids, clob_token_ids), `GET /markets/:id`, `GET /events`, `GET /book`,
 * `POST /books`, `GET /prices-history`, `GET /clob-markets/:condition_id`.
 *
 * Faults on demand: dropConnections, stall (nothing sent, pings unanswered, the walk paused),
 * sendMalformed, sendTruncated, sendUnknownType, burst, tickSizeChange, replay; and `control`
 * (../common/simFaults.ts), the faults of `arbstream simulate --faults`: drop, malformed, stall
 * (really silent: no frame, book snapshot or pong; handshakes held), disconnect (then 503 on
 * handshakes), http (429/5xx). No `gap` (the venue has no sequence numbers) and no `error` frames.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { from, isObservable, type Observable } from 'rxjs';
import { WebSocketServer, type WebSocket } from 'ws';
import { formatScaled } from '../../../schema/money.js';
import { log } from '../../log.js';
import { mulberry32, type Rng } from '../common/prng.js';
import type { SimulatorOptions, SimulatorSocketFaults } from '../common/types.js';
import { SimFaultState, simControl, type SimControl } from '../common/simFaults.js';
import { generateLadders, MarketBook, walkStep, type SimChange } from './simulator/book.js';
import { generateMarkets, type PolyMarketSpec, type PolySimLadders } from './simulator/markets.js';
import { POLY_USER_WS_PATH, polySimOrders, type PolyApiCreds, type PolySimOrders } from './simulator/orders.js';
import { json, polyRest } from './simulator/rest.js';

export type { PolyMarketSpec, PolySimLadders, PolySimFeeSchedule } from './simulator/markets.js';
export { mirrorLadders } from './simulator/book.js';
export { generateMarkets } from './simulator/markets.js';

export const POLY_WS_PATH = '/ws/market';

export interface PolySimOptions extends SimulatorOptions<PolyMarketSpec> {
  /** L2 API credentials the order routes accept; generated (and exposed as `sim.orders.creds`) when absent. */
  readonly creds?: PolyApiCreds;
  /** Starting collateral of the simulated account, micro-dollars. Default $10,000. */
  readonly balanceMicros?: number;
}

export interface PolySimStats {
  connectionsOpen: number;
  connectionsTotal: number;
  messagesSent: number;
  framesSent: number;
  commandsReceived: number;
  invalidCommands: number;
  booksSent: number;
  priceChangesSent: number;
  pingsAnswered: number;
  restRequests: number;
}

export interface PolySim extends SimulatorSocketFaults {
  readonly wsUrl: string;
  /** Base URL of both Gamma and CLOB REST. */
  readonly restUrl: string;
  readonly markets: readonly PolyMarketSpec[];
  readonly stats: Readonly<PolySimStats>;
  /** Fault injection and walk control shared by the venue simulators. */
  readonly control: SimControl;
  /** Order endpoints, account state and order faults (./simulator/orders.ts). */
  readonly orders: PolySimOrders;
  /** Current simulated ladders of a market (for assertions). */
  book(conditionId: string): PolySimLadders;
  /** Replaces a market's book and pushes fresh `book` snapshots of both tokens to subscribers. */
  setBook(conditionId: string, ladders: PolySimLadders): void;
  /** Asset ids the connected clients are subscribed to (union). */
  subscribedAssets(): Set<string>;
  /** Sends a tick_size_change for the market's YES token (0.01 → 0.001). */
  tickSizeChange(conditionId: string): void;
  /** Sends frames verbatim to every connected client. */
  replay(frames: Iterable<string> | Observable<string>): Promise<void>;
  stop(): Promise<void>;
}

interface Client {
  readonly ws: WebSocket;
  readonly assets: Set<string>;
}

const px = (v: number): string => formatScaled(v, 0);

export async function startPolymarketSimulator(opts: PolySimOptions = {}): Promise<PolySim> {
  const rng: Rng = mulberry32(opts.seed ?? 1);
  const now = opts.now ?? Date.now;
  const baseTimeMs = opts.baseTimeMs ?? Math.floor(Date.now() / 86_400_000) * 86_400_000;
  const markets: PolyMarketSpec[] = opts.markets ? [...opts.markets] : generateMarkets(rng, opts.marketCount ?? 5, baseTimeMs);
  const byCondition = new Map(markets.map((m) => [m.conditionId, m]));
  const byToken = new Map<string, { m: PolyMarketSpec; token: 'yes' | 'no' }>();
  for (const m of markets) {
    byToken.set(m.yesTokenId, { m, token: 'yes' });
    byToken.set(m.noTokenId, { m, token: 'no' });
  }
  const books = new Map(markets.map((m) => [m.conditionId, new MarketBook(m.book ?? generateLadders(rng))]));
  const stats: PolySimStats = { connectionsOpen: 0, connectionsTotal: 0, messagesSent: 0, framesSent: 0, commandsReceived: 0, invalidCommands: 0, booksSent: 0, priceChangesSent: 0, pingsAnswered: 0, restRequests: 0 };
  const clients = new Set<Client>();
  const faults = new SimFaultState(now, opts.seed ?? 1);
  const stalled = (): boolean => faults.silent();

  const bookOf = (cid: string): MarketBook => {
    const b = books.get(cid);
    if (!b) throw new RangeError(`unknown market ${cid}`);
    return b;
  };
  const hashOf = (x: unknown): string => createHash('sha1').update(JSON.stringify(x)).digest('hex');

  /** The `book` message of one token: bids ascending and asks descending (best last), like the venue. */
  const bookMsg = (assetId: string): Record<string, unknown> => {
    const t = byToken.get(assetId)!;
    const tb = bookOf(t.m.conditionId).token(t.token);
    const bids = [...tb.bids].sort((a, b) => a[0] - b[0]).map(([p, q]) => ({ price: px(p), size: px(q) }));
    const asks = [...tb.asks].sort((a, b) => b[0] - a[0]).map(([p, q]) => ({ price: px(p), size: px(q) }));
    return { event_type: 'book', asset_id: assetId, market: t.m.conditionId, bids, asks, timestamp: String(now()), hash: hashOf([bids, asks]) };
  };

  const sendRaw = (c: Client, data: string, messages = 1): void => {
    if (c.ws.readyState !== c.ws.OPEN || !faults.maySend()) return;
    c.ws.send(data);
    stats.framesSent++;
    stats.messagesSent += messages;
  };
  const sendBooks = (c: Client, assets: readonly string[]): void => {
    const msgs = assets.filter((a) => byToken.has(a)).map(bookMsg);
    if (!msgs.length || faults.dropsFrame()) return;
    stats.booksSent += msgs.length;
    sendRaw(c, JSON.stringify(msgs), msgs.length);
    if (faults.malformedNext()) sendMalformedFrame(c);
  };

  const broadcastChanges = (m: PolyMarketSpec, changes: readonly SimChange[]): void => {
    if (!changes.length) return;
    const book = bookOf(m.conditionId);
    const entries = changes.map((c) => {
      const assetId = c.token === 'yes' ? m.yesTokenId : m.noTokenId;
      const b = book.best(c.token);
      return {
        asset_id: assetId,
        price: px(c.price),
        size: px(c.size),
        side: c.side,
        hash: hashOf([assetId, c.price, c.size, now()]),
        best_bid: px(b.bid ?? 0),
        best_ask: px(b.ask ?? 1_000_000),
      };
    });
    const ts = String(now());
    for (const c of clients) {
      const mine = entries.filter((e) => c.assets.has(e.asset_id));
      if (!mine.length || faults.dropsFrame()) continue;
      stats.priceChangesSent++;
      sendRaw(c, JSON.stringify({ market: m.conditionId, price_changes: mine, timestamp: ts, event_type: 'price_change' }));
      if (faults.malformedNext()) sendMalformedFrame(c);
    }
  };

  const walkable = (): PolyMarketSpec[] => markets.filter((m) => !m.frozen && !m.closed);
  const step = (): void => {
    const ms = walkable();
    if (!ms.length) return;
    const m = ms[Math.floor(rng() * ms.length)]!;
    const tick = Math.round(Number(m.tickSize) * 1_000_000);
    broadcastChanges(m, walkStep(bookOf(m.conditionId), rng, tick));
  };

  /** One frame that fails the venue's schema, in turns: bad field types, truncated, unknown type, bids not a list. */
  let malformedNo = 0;
  const sendMalformedFrame = (c: Client): void => {
    const assetId = [...c.assets][0] ?? '0';
    const market = byToken.get(assetId)?.m.conditionId ?? '0x00';
    const frames = [
      JSON.stringify({ event_type: 'price_change', market, timestamp: String(now()), price_changes: [{ asset_id: assetId, price: 'abc', size: null, side: 'SIDEWAYS' }] }),
      JSON.stringify([{ event_type: 'book', asset_id: assetId, market, bids: [], asks: [], timestamp: String(now()) }]).slice(0, 40),
      JSON.stringify({ event_type: 'sim_unknown_event', market, timestamp: String(now()) }),
      JSON.stringify({ event_type: 'book', asset_id: assetId, market, bids: 'none', asks: 7, timestamp: String(now()) }),
    ];
    faults.stats.malformedSent++;
    sendRaw(c, frames[malformedNo++ % frames.length]!);
  };

  const handle = polyRest({ markets, byCondition, byToken, bookOf, bookMsg, now, stats });
  const orders = polySimOrders({ byToken, bookOf, broadcast: broadcastChanges, now }, faults, { ...(opts.creds ? { creds: opts.creds } : {}), ...(opts.balanceMicros !== undefined ? { balanceMicros: opts.balanceMicros } : {}) });
  const server = createServer((req, res) => {
    const injected = faults.restStatus();
    if (injected) return json(res, injected, { error: injected === 429 ? 'Too Many Requests (simulated)' : `simulated HTTP ${injected}` });
    orders.handle(req, res, new URL(req.url ?? '/', 'http://sim').pathname).then((done) => (done ? undefined : handle(req, res))).catch((err: unknown) => {
      log.warn({ err, venue: 'polymarket' }, 'simulator REST handler failed');
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
    });
  });

  // ------------------------------------------------------------------------------- WebSocket
  const wss = new WebSocketServer({ noServer: true, autoPong: false });
  server.on('upgrade', (req, socket, head) => {
    if (new URL(req.url ?? '/', 'http://127.0.0.1').pathname === POLY_USER_WS_PATH && !faults.refusing()) return orders.upgrade(req, socket, head);
    if (new URL(req.url ?? '/', 'http://127.0.0.1').pathname !== POLY_WS_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    if (faults.refusing()) {
      faults.stats.handshakesRefused++;
      socket.end('HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      return;
    }
    const upgrade = (): void => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    if (!stalled()) return upgrade();
    // a stalled server does not answer the handshake either: held until the stall ends
    faults.stats.handshakesHeld++;
    setTimeout(() => {
      if (!socket.destroyed) upgrade();
    }, faults.stallLeftMs()).unref();
  });

  wss.on('connection', (ws: WebSocket) => {
    const c: Client = { ws, assets: new Set() };
    clients.add(c);
    stats.connectionsOpen++;
    stats.connectionsTotal++;
    ws.on('ping', (data: Buffer) => {
      if (faults.maySend()) ws.pong(data);
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (stalled()) return;
      const text = isBinary ? '' : data.toString('utf8');
      if (text === 'PING') {
        stats.pingsAnswered++;
        sendRaw(c, 'PONG', 0);
        return;
      }
      stats.commandsReceived++;
      let cmd: unknown;
      try {
        cmd = JSON.parse(text);
      } catch {
        cmd = undefined;
      }
      const o = typeof cmd === 'object' && cmd !== null ? (cmd as Record<string, unknown>) : {};
      const ids = Array.isArray(o.assets_ids) && o.assets_ids.every((x) => typeof x === 'string') ? (o.assets_ids as string[]) : undefined;
      const op = o.operation ?? (typeof o.type === 'string' && o.type.toLowerCase() === 'market' ? 'subscribe' : undefined);
      if (!ids || (op !== 'subscribe' && op !== 'unsubscribe')) {
        stats.invalidCommands++;
        sendRaw(c, 'INVALID OPERATION', 0);
        return;
      }
      if (op === 'unsubscribe') {
        for (const a of ids) c.assets.delete(a);
        return;
      }
      const fresh = ids.filter((a) => !c.assets.has(a));
      for (const a of ids) c.assets.add(a);
      // a repeated subscribe of an asset answers with its book again (used to resync)
      sendBooks(c, ids);
      if (opts.replay && fresh.length === ids.length && o.type !== undefined) for (const f of opts.replay) sendRaw(c, f);
    });
    ws.on('close', () => {
      clients.delete(c);
      stats.connectionsOpen--;
    });
    ws.on('error', (err) => log.debug({ err, venue: 'polymarket' }, 'simulator ws error'));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  // ------------------------------------------------------------------------------- random walk
  let timer: NodeJS.Timeout | undefined;
  const rateHz = opts.rateHz ?? 0;
  if (rateHz > 0) {
    const tickMs = Math.max(5, Math.min(100, Math.floor(1000 / rateHz)));
    let owed = 0;
    timer = setInterval(() => {
      if (!faults.walks()) return;
      owed += (rateHz * tickMs) / 1000;
      for (; owed >= 1; owed--) step();
    }, tickMs);
    timer.unref();
  }

  const anySubscribed = (): { c: Client; assetId: string } | undefined => {
    for (const c of clients) for (const a of c.assets) if (byToken.has(a)) return { c, assetId: a };
    return undefined;
  };
  const toAll = (data: string): void => {
    for (const c of clients) sendRaw(c, data);
  };

  const dropConnections = (): void => {
    for (const c of clients) c.ws.terminate();
    // the user channel is cut too (the broker's fills then come from REST after its reconnect)
    orders.dropUsers();
  };
  // no `gap` (no sequence numbers) and no `error` frames on this venue
  const control = simControl('polymarket', faults, { malformedNow: () => [...clients].forEach(sendMalformedFrame), dropConnections });

  return {
    control,
    orders,
    wsUrl: `ws://127.0.0.1:${port}${POLY_WS_PATH}`,
    restUrl: `http://127.0.0.1:${port}`,
    markets,
    stats,
    book: (cid) => bookOf(cid).ladders(),
    setBook(cid, ladders) {
      const m = byCondition.get(cid);
      if (!m) throw new RangeError(`unknown market ${cid}`);
      books.set(cid, new MarketBook(ladders));
      for (const c of clients) sendBooks(c, [m.yesTokenId, m.noTokenId].filter((a) => c.assets.has(a)));
    },
    subscribedAssets() {
      const s = new Set<string>();
      for (const c of clients) for (const a of c.assets) s.add(a);
      return s;
    },
    dropConnections,
    stall(ms) {
      faults.stall(ms);
    },
    sendMalformed() {
      // a book-bearing message of a subscribed market with a price > 1 and a negative size
      const s = anySubscribed();
      const t = s && byToken.get(s.assetId);
      const msg = { event_type: 'price_change', market: t?.m.conditionId ?? '0x00', timestamp: String(now()), price_changes: [{ asset_id: s?.assetId ?? '0', price: '1.70', size: '-5', side: 'BUY' }] };
      toAll(JSON.stringify(msg));
    },
    sendTruncated() {
      const s = anySubscribed();
      const full = s ? JSON.stringify([bookMsg(s.assetId)]) : '[{"event_type":"book","asset_id":"0","market":"0x00","bids":[],"asks":[],"timestamp":"0"}]';
      toAll(full.slice(0, Math.max(10, Math.floor(full.length / 2))));
    },
    sendUnknownType() {
      toAll(JSON.stringify({ event_type: 'sim_unknown_event', market: markets[0]?.conditionId ?? '0x00', timestamp: String(now()) }));
    },
    burst(n) {
      for (let i = 0; i < n; i++) step();
    },
    tickSizeChange(cid) {
      const m = byCondition.get(cid);
      if (!m) throw new RangeError(`unknown market ${cid}`);
      toAll(JSON.stringify({ event_type: 'tick_size_change', asset_id: m.yesTokenId, market: cid, old_tick_size: '0.01', new_tick_size: '0.001', timestamp: String(now()) }));
    },
    async replay(frames) {
      const src = isObservable(frames) ? frames : from([...frames]);
      await new Promise<void>((resolve, reject) => src.subscribe({ next: toAll, error: reject, complete: resolve }));
    },
    async stop() {
      if (timer) clearInterval(timer);
      for (const c of clients) c.ws.terminate();
      wss.close();
      orders.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
