/**
 * Kalshi venue simulator: WebSocket v2 + REST v2 on 127.0.0.1 in Kalshi's exact current wire
 * format (fixed-point `*_dollars` / `*_fp` fields), for tests, the demo and the benchmarks.
 *
 * - WS upgrade at `/trade-api/ws/v2` requires KALSHI-ACCESS-KEY/-TIMESTAMP/-SIGNATURE, verifies the
 *   RSA-PSS signature over `<ts>GET/trade-api/ws/v2` against the configured public key(s) and
 *   refuses a bad or stale one with HTTP 401. With no keys configured it makes a key pair and
 *   exposes it as `sim.auth` for clients.
 * - WS Ping control frames every `pingIntervalMs` (payload `heartbeat`); pongs are answered by
 *   hand so that `stall()` can leave pings unanswered.
 * - Subscriptions with per-connection sids and per-sid seq; snapshots on subscribe/add_markets/
 *   get_snapshot; random-walk deltas at `rateHz`, plus ticker and trade messages.
 * - REST `/trade-api/v2`: markets (cursor paging, status/event/series/tickers filters), events,
 *   series (fee_type, fee_multiplier), series fee_changes, orderbook, trades, candlesticks.
 * - Faults on demand: dropConnections, stall, sendMalformed, sendTruncated, sendUnknownType, burst,
 *   injectSeqGap, deltaBeforeSnapshot, failRest (429s); replay of recorded frames verbatim; and
 *   `control` (../common/simFaults.ts), every fault of `arbstream simulate --faults`: gap, drop,
 *   malformed, stall (really silent: no frame, snapshot, ping or pong; handshakes held), disconnect
 *   (then 503 on handshakes), error (error frames; 10 and 25 end the subscription), http (429/5xx).
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { from, isObservable, type Observable } from 'rxjs';
import { WebSocketServer } from 'ws';
import { SCALE } from '../../../schema/money.js';
import { log } from '../../log.js';
import { mulberry32, pick } from '../common/prng.js';
import type { SimulatorOptions, SimulatorSocketFaults } from '../common/types.js';
import { SimFaultState, simControl, type SimControl } from '../common/simFaults.js';
import type { KalshiAuthConfig } from './auth.js';
import { KALSHI_ERROR_CODES, TERMINAL_ERROR_CODES } from './wire.js';
import { authCheck, simulatorKeys } from './simulator/auth.js';
import { bestOf, initialBook, laddersOf, setLadders, walkDelta } from './simulator/book.js';
import { completeUniverse, generateUniverse, type KalshiEventSpec, type KalshiMarketSpec, type KalshiSeriesSpec, type KalshiSimLadders } from './simulator/markets.js';
import { simOrders, type KalshiSimOrders } from './simulator/orders.js';
import { REST_PREFIX, simRest } from './simulator/rest.js';
import { SimSessions } from './simulator/session.js';
import { bookOf, newStats, type KalshiSimState, type KalshiSimStats } from './simulator/state.js';

export type { KalshiEventSpec, KalshiFeeType, KalshiMarketSpec, KalshiSeriesSpec, KalshiSimLadders } from './simulator/markets.js';
export type { KalshiSimStats } from './simulator/state.js';
export type { KalshiSimOrders } from './simulator/orders.js';
export { REST_PREFIX } from './simulator/rest.js';

export const WS_PATH = '/trade-api/ws/v2';
const STATUS_TEXT: Readonly<Record<number, string>> = { 401: 'Unauthorized', 404: 'Not Found', 503: 'Service Unavailable' };

export interface KalshiSimOptions extends SimulatorOptions<KalshiMarketSpec> {
  /** Series for explicit markets (looked up by `seriesTicker`; generated when missing). */
  readonly series?: readonly KalshiSeriesSpec[];
  /** WS Ping interval, ms. Default 10_000. */
  readonly pingIntervalMs?: number;
  /** keyId → public key PEM. Absent: a key pair is generated and exposed as `sim.auth`. */
  readonly publicKeys?: Readonly<Record<string, string>>;
  /** Largest accepted |now − KALSHI-ACCESS-TIMESTAMP|, ms. Default 30_000. */
  readonly maxClockSkewMs?: number;
  /** Starting cash of the simulated account, micro-dollars. Default $10,000. */
  readonly balanceMicros?: number;
}

export interface KalshiSim extends SimulatorSocketFaults {
  readonly wsUrl: string;
  readonly restUrl: string;
  readonly markets: readonly KalshiMarketSpec[];
  readonly series: readonly KalshiSeriesSpec[];
  readonly events: readonly KalshiEventSpec[];
  /** Credentials accepted by the simulator when it generated its own key pair. */
  readonly auth?: KalshiAuthConfig;
  readonly stats: Readonly<KalshiSimStats>;
  /** Fault injection and walk control shared by the venue simulators. */
  readonly control: SimControl;
  /** Order endpoints, account state and order faults (./simulator/orders.ts). */
  readonly orders: KalshiSimOrders;
  /** The simulator's current book of a market (for assertions). */
  book(ticker: string): KalshiSimLadders;
  setBook(ticker: string, ladders: KalshiSimLadders): void;
  injectSeqGap(): void;
  /** The next snapshot of `ticker` (subscribe, add_markets, get_snapshot) is lost: a delta is sent instead. */
  deltaBeforeSnapshot(ticker: string): void;
  /** Commands received (raw text, last 1000), for assertions. */
  readonly commandLog: readonly string[];
  /** Sends error `code` (10 channel error or 25 buffer overflow: terminal) on every orderbook subscription and drops it. */
  terminateSubscriptions(code?: number): void;
  /** The next `n` REST requests get HTTP 429. */
  failRest(n: number): void;
  sendLifecycle(ticker: string, eventType: string, extra?: Record<string, unknown>): void;
  sendFeeUpdate(eventTicker: string, feeType: string | null, feeMultiplier: number | null): void;
  /** Sends frames verbatim to every connected client. */
  replay(frames: Iterable<string> | Observable<string>): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the simulator. */
export async function startKalshiSimulator(opts: KalshiSimOptions = {}): Promise<KalshiSim> {
  const rng = mulberry32(opts.seed ?? 1);
  const now = opts.now ?? Date.now;
  const baseTimeMs = opts.baseTimeMs ?? Math.floor(Date.now() / 86_400_000) * 86_400_000;
  const gen = generateUniverse(rng, opts.markets ? 0 : (opts.marketCount ?? 5), baseTimeMs);
  const universe = { markets: opts.markets ? [...opts.markets] : gen.markets, series: [...(opts.series ?? []), ...gen.series], events: [...gen.events] };
  completeUniverse(universe);
  const { markets, series, events } = universe;
  const st: KalshiSimState = {
    rng, seed: opts.seed ?? 1, now, baseTimeMs, markets, series, events,
    byTicker: new Map(markets.map((m) => [m.ticker, m])),
    books: new Map(markets.map((m) => [m.ticker, initialBook(rng, m)])),
    trades: [], volume: new Map(), stats: newStats(), tradeNo: 0,
  };
  const { byTicker, stats } = st;
  const { keys, auth } = simulatorKeys(opts.publicKeys);
  const checkAuth = authCheck(keys, now, opts.maxClockSkewMs ?? 30_000);
  const faults = new SimFaultState(now, opts.seed ?? 1);
  const sessions = new SimSessions(st, faults);
  const { clients } = sessions;
  const rest = simRest(st, checkAuth);
  const orders = simOrders(st, sessions, faults, checkAuth, { prefix: REST_PREFIX, ...(opts.balanceMicros !== undefined ? { balanceMicros: opts.balanceMicros } : {}) });
  const stalled = () => faults.silent();

  // ------------------------------------------------------------ random walk

  let stepNo = 0;
  const walkable = markets.filter((m) => !m.frozen && m.status === 'active');
  function step(): void {
    if (!walkable.length) return;
    const m = pick(rng, walkable);
    const d = walkDelta(rng, bookOf(st, m.ticker));
    if (!d) return;
    sessions.publishDelta(m.ticker, d.side, d.price, d.delta);
    stepNo++;
    if (stepNo % 5 === 0) sessions.publishTicker(m.ticker);
    if (stepNo % 7 === 0) sessions.publishTrade(m.ticker);
  }

  let walkTimer: NodeJS.Timeout | undefined;
  const rateHz = opts.rateHz ?? 0;
  if (rateHz > 0) {
    // credit from elapsed wall time, so that timer lag does not lower the rate; capped at 1 s worth
    const tickMs = Math.max(5, Math.floor(1000 / rateHz));
    let credit = 0;
    let last = performance.now();
    walkTimer = setInterval(() => {
      const t = performance.now();
      credit = Math.min(rateHz, credit + (rateHz * (t - last)) / 1000);
      last = t;
      if (!faults.walks()) {
        credit = 0;
        return;
      }
      for (; credit >= 1; credit--) step();
    }, tickMs);
  }

  const pingTimer = setInterval(() => {
    if (stalled()) return;
    for (const c of clients) {
      if (c.ws.readyState !== c.ws.OPEN || !faults.maySend()) continue;
      c.ws.ping('heartbeat');
      stats.pingsSent++;
    }
  }, opts.pingIntervalMs ?? 10_000);

  // ------------------------------------------------------------ server

  const server = createServer((req, res) => {
    const injected = faults.restStatus();
    if (injected) {
      stats.restRejected++;
      res.writeHead(injected, { 'content-type': 'application/json', ...(injected === 429 ? { 'retry-after': '1' } : {}) });
      res.end(JSON.stringify({ error: { code: injected === 429 ? 'too_many_requests' : 'service_unavailable', message: `simulated HTTP ${injected}` } }));
      return;
    }
    try {
      if (orders.handle(req, res, new URL(req.url ?? '/', 'http://sim').pathname)) return;
      rest.handle(req, res);
    } catch (err) {
      log.error({ err, venue: 'kalshi', url: req.url }, 'simulator REST handler failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'internal', message: 'internal error' } }));
    }
  });
  const wss = new WebSocketServer({ noServer: true, autoPong: false, perMessageDeflate: false });
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://sim').pathname;
    const reject = (code: number, text: string) => {
      stats.handshakesRejected++;
      socket.end(`HTTP/1.1 ${code} ${STATUS_TEXT[code] ?? 'Error'}\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
    };
    if (path !== WS_PATH) return reject(404, 'not found');
    const why = checkAuth(req, path);
    if (why) return reject(401, why);
    if (faults.refusing()) {
      faults.stats.handshakesRefused++;
      return reject(503, 'service unavailable (simulated)');
    }
    if (stalled()) {
      // a stalled server does not answer the handshake either: held until the stall ends
      faults.stats.handshakesHeld++;
      setTimeout(() => {
        if (!socket.destroyed) upgrade(req, socket, head);
      }, faults.stallLeftMs()).unref();
      return;
    }
    upgrade(req, socket, head);
  });
  const upgrade = (req: IncomingMessage, socket: Socket, head: Buffer): void => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      const c = sessions.open(ws);
      ws.on('message', (data, isBinary) => {
        if (stalled()) return;
        sessions.onCommand(c, isBinary ? '' : data.toString());
      });
      ws.on('ping', (data) => {
        if (faults.maySend()) ws.pong(data);
      });
      ws.on('pong', () => void stats.pongsReceived++);
      ws.on('error', () => undefined);
      ws.on('close', () => sessions.close(c));
      for (const f of opts.replay ?? []) sessions.send(c, f);
    });
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const knownBook = (ticker: string) => {
    const b = st.books.get(ticker);
    if (!b) throw new Error(`unknown market ${ticker}`);
    return b;
  };
  const control = simControl('kalshi', faults, {
    gap: () => sim.injectSeqGap(),
    malformedNow: () => [...clients].forEach((c) => sessions.sendMalformedFrame(c)),
    dropConnections: () => sim.dropConnections(),
    error(code) {
      // 10 and 25 end the subscription; other codes leave it
      if (TERMINAL_ERROR_CODES.has(code)) return sim.terminateSubscriptions(code);
      for (const [c, s] of sessions.allSubs('orderbook_delta')) {
        faults.stats.errorFramesSent++;
        sessions.send(c, { type: 'error', sid: s.sid, msg: { code, msg: KALSHI_ERROR_CODES[code] ?? 'Simulated error' } });
      }
    },
  });
  const sim: KalshiSim = {
    control,
    orders,
    wsUrl: `ws://127.0.0.1:${port}${WS_PATH}`,
    restUrl: `http://127.0.0.1:${port}${REST_PREFIX}`,
    markets, series, events, stats, commandLog: sessions.commandLog,
    ...(auth ? { auth } : {}),
    book: (ticker) => laddersOf(knownBook(ticker)),
    setBook(ticker, ladders) {
      setLadders(knownBook(ticker), ladders);
      for (const [c, s] of sessions.allSubs('orderbook_delta', ticker)) sessions.sendSnapshot(c, s, ticker);
    },
    dropConnections() {
      for (const c of clients) c.ws.terminate();
    },
    stall(ms) {
      faults.stall(ms);
    },
    sendMalformed() {
      sessions.toAll({ type: 'ticker', sid: 1, msg: { market_ticker: 42, price_dollars: 'abc' } });
    },
    sendTruncated() {
      sessions.toAll('{"type":"ticker","sid":1,"msg":{"market_ticker":"X","price_dol');
    },
    sendUnknownType() {
      sessions.toAll({ type: 'mystery_channel_v9', sid: 99, msg: { hello: 'world' } });
    },
    burst(n) {
      for (let i = 0; i < n; i++) step();
    },
    injectSeqGap() {
      for (const [, s] of sessions.allSubs('orderbook_delta')) s.seq++;
      // make the gap visible now: one delta on a market that is subscribed
      const subscribed = new Set<string>();
      for (const [, s] of sessions.allSubs('orderbook_delta')) for (const t of s.markets) subscribed.add(t);
      const t = [...subscribed].find((x) => !byTicker.get(x)?.frozen) ?? [...subscribed][0];
      if (!t) return;
      const b = bookOf(st, t);
      const price = (bestOf(b.yes)?.[0] ?? b.fair - 10_000);
      b.yes.set(price, (b.yes.get(price) ?? 0) + SCALE);
      sessions.publishDelta(t, 'yes', price, SCALE);
    },
    deltaBeforeSnapshot(ticker) {
      if (!byTicker.has(ticker)) throw new Error(`unknown market ${ticker}`);
      sessions.lostSnapshots.add(ticker);
    },
    terminateSubscriptions(code = 25) {
      for (const [c, s] of sessions.allSubs('orderbook_delta')) {
        faults.stats.errorFramesSent++;
        c.subs.delete(s.sid);
        sessions.send(c, { type: 'error', sid: s.sid, msg: { code, msg: code === 25 ? 'Subscription buffer overflow' : 'Channel error' } });
      }
    },
    failRest: (n) => rest.failRest(n),
    sendLifecycle(ticker, eventType, extra = {}) {
      const m = byTicker.get(ticker);
      const msg = { market_ticker: ticker, event_type: eventType, ...(m && eventType === 'created' ? { open_ts: Math.floor(Date.parse(m.openTime) / 1000), close_ts: Math.floor(Date.parse(m.closeTime) / 1000) } : {}), ...extra };
      for (const [c, s] of sessions.allSubs('market_lifecycle_v2')) sessions.send(c, { type: 'market_lifecycle_v2', sid: s.sid, seq: s.seq++, msg });
    },
    sendFeeUpdate(eventTicker, feeType, feeMultiplier) {
      const msg = { event_ticker: eventTicker, fee_type_override: feeType, fee_multiplier_override: feeMultiplier };
      for (const [c, s] of sessions.allSubs('market_lifecycle_v2')) sessions.send(c, { type: 'event_fee_update', sid: s.sid, seq: s.seq++, msg });
    },
    async replay(frames) {
      const src = isObservable(frames) ? frames : from(frames as Iterable<string>);
      await new Promise<void>((resolve, reject) =>
        src.subscribe({ next: (f) => sessions.toAll(f), error: reject, complete: resolve }),
      );
    },
    async stop() {
      clearInterval(walkTimer);
      clearInterval(pingTimer);
      for (const c of clients) c.ws.terminate();
      wss.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return sim;
}
