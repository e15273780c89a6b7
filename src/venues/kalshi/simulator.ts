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
 *   injectSeqGap, deltaBeforeSnapshot, failRest (429s); replay of recorded frames verbatim.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { generateKeyPairSync, createPublicKey, type KeyObject } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import { from, isObservable, type Observable } from 'rxjs';
import { WebSocketServer, type WebSocket } from 'ws';
import { formatScaled, SCALE } from '../../../schema/money.js';
import type { Level } from '../../../schema/book.js';
import { log } from '../../log.js';
import { mulberry32, pick, randInt, type Rng } from '../common/prng.js';
import type { SimulatorOptions } from '../common/types.js';
import { verifyKalshiSignature, type KalshiAuthConfig } from './auth.js';
import { KalshiCommand } from './wire.js';

export const WS_PATH = '/trade-api/ws/v2';
export const REST_PREFIX = '/trade-api/v2';

export type KalshiFeeType = 'quadratic' | 'quadratic_with_maker_fees' | 'flat';

export interface KalshiSeriesSpec {
  readonly ticker: string;
  readonly title: string;
  readonly category: string;
  readonly frequency: string;
  readonly feeType: KalshiFeeType;
  readonly feeMultiplier: number;
  readonly settlementSources: readonly { name: string; url: string }[];
}

export interface KalshiEventSpec {
  readonly eventTicker: string;
  readonly seriesTicker: string;
  readonly title: string;
  readonly subTitle: string;
  readonly mutuallyExclusive: boolean;
}

/** Ladders of a simulated book: bids only, prices in micro-dollars (NO in NO-leg prices). */
export interface KalshiSimLadders {
  readonly yesBid: readonly Level[];
  readonly noBid: readonly Level[];
}

export interface KalshiMarketSpec {
  readonly ticker: string;
  readonly eventTicker: string;
  readonly seriesTicker: string;
  readonly title: string;
  readonly yesSubTitle: string;
  readonly noSubTitle: string;
  readonly rulesPrimary: string;
  readonly rulesSecondary: string;
  /** ISO-8601 */
  readonly openTime: string;
  readonly closeTime: string;
  readonly expectedExpirationTime: string;
  readonly status: 'initialized' | 'active' | 'closed' | 'determined' | 'finalized';
  readonly strikeType?: string;
  readonly floorStrike?: number;
  readonly capStrike?: number;
  readonly priceLevelStructure: string;
  readonly fractionalTradingEnabled: boolean;
  /** The random walk never touches a frozen book (planted books for tests). */
  readonly frozen?: boolean;
  /** Initial book; generated around a fair value when absent. */
  readonly book?: KalshiSimLadders;
}

export interface KalshiSimOptions extends SimulatorOptions<KalshiMarketSpec> {
  /** Series for explicit markets (looked up by `seriesTicker`; generated when missing). */
  readonly series?: readonly KalshiSeriesSpec[];
  /** WS Ping interval, ms. Default 10_000. */
  readonly pingIntervalMs?: number;
  /** keyId → public key PEM. Absent: a key pair is generated and exposed as `sim.auth`. */
  readonly publicKeys?: Readonly<Record<string, string>>;
  /** Largest accepted |now − KALSHI-ACCESS-TIMESTAMP|, ms. Default 30_000. */
  readonly maxClockSkewMs?: number;
}

export interface KalshiSimStats {
  connectionsOpen: number;
  connectionsTotal: number;
  handshakesRejected: number;
  messagesSent: number;
  commandsReceived: number;
  snapshotsSent: number;
  deltasSent: number;
  pingsSent: number;
  /** pongs the clients sent back (answers to our heartbeat pings) */
  pongsReceived: number;
  restRequests: number;
  restRejected: number;
}

export interface KalshiSim {
  readonly wsUrl: string;
  readonly restUrl: string;
  readonly markets: readonly KalshiMarketSpec[];
  readonly series: readonly KalshiSeriesSpec[];
  readonly events: readonly KalshiEventSpec[];
  /** Credentials accepted by the simulator when it generated its own key pair. */
  readonly auth?: KalshiAuthConfig;
  readonly stats: Readonly<KalshiSimStats>;
  /** The simulator's current book of a market (for assertions). */
  book(ticker: string): KalshiSimLadders;
  setBook(ticker: string, ladders: KalshiSimLadders): void;
  dropConnections(): void;
  stall(ms: number): void;
  sendMalformed(): void;
  sendTruncated(): void;
  sendUnknownType(): void;
  burst(n: number): void;
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

interface Sub {
  readonly sid: number;
  readonly channel: string;
  readonly markets: Set<string>;
  seq: number;
  readonly yesPrice: boolean;
}

interface Client {
  readonly ws: WebSocket;
  readonly subs: Map<number, Sub>;
  nextSid: number;
}

interface SimBook {
  yes: Map<number, number>;
  no: Map<number, number>;
  /** fair YES value, micro-dollars (whole cents) */
  fair: number;
}

interface SimTrade {
  trade_id: string;
  ticker: string;
  yes: number;
  count: number;
  taker: 'yes' | 'no';
  ts: number;
}

const SERIES_TEMPLATES = [
  { ticker: 'KXBTCD', title: 'Bitcoin price above', category: 'Crypto', unit: 'BTC/USD', base: 100_000, step: 2_500, feeType: 'quadratic' as const },
  { ticker: 'KXETHD', title: 'Ethereum price above', category: 'Crypto', unit: 'ETH/USD', base: 4_000, step: 100, feeType: 'quadratic' as const },
  { ticker: 'KXINXU', title: 'S&P 500 above', category: 'Financials', unit: 'S&P 500 index', base: 6_000, step: 25, feeType: 'quadratic_with_maker_fees' as const },
  { ticker: 'KXHIGHNY', title: 'Highest temperature in NYC above', category: 'Climate and Weather', unit: 'degrees F', base: 40, step: 2, feeType: 'quadratic' as const },
];

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
const px = (micros: number): string => formatScaled(micros, 4);
const fp = (qty: number): string => formatScaled(qty, 2);
const dayCode = (ms: number): string => {
  const d = new Date(ms);
  const mon = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'][d.getUTCMonth()]!;
  return `${String(d.getUTCFullYear()).slice(2)}${mon}${String(d.getUTCDate()).padStart(2, '0')}`;
};

function generateUniverse(rng: Rng, count: number, baseTimeMs: number) {
  const series: KalshiSeriesSpec[] = [];
  const events: KalshiEventSpec[] = [];
  const markets: KalshiMarketSpec[] = [];
  for (let i = 0; i < count; i++) {
    const t = SERIES_TEMPLATES[i % SERIES_TEMPLATES.length]!;
    if (!series.some((s) => s.ticker === t.ticker)) {
      series.push({
        ticker: t.ticker, title: `${t.title} (daily)`, category: t.category, frequency: 'daily', feeType: t.feeType, feeMultiplier: 1,
        settlementSources: [{ name: t.category === 'Crypto' ? 'CF Benchmarks' : t.category === 'Financials' ? 'S&P Dow Jones Indices' : 'National Weather Service', url: 'https://example.invalid/source' }],
      });
    }
    const dayOffset = Math.floor(i / SERIES_TEMPLATES.length) + 1;
    const close = baseTimeMs + dayOffset * 86_400_000 + 17 * 3_600_000;
    const eventTicker = `${t.ticker}-${dayCode(close)}17`;
    if (!events.some((e) => e.eventTicker === eventTicker)) {
      events.push({ eventTicker, seriesTicker: t.ticker, title: `${t.title} on ${new Date(close).toUTCString().slice(0, 16)}?`, subTitle: `At 5pm ET`, mutuallyExclusive: false });
    }
    const strike = t.base + randInt(rng, -4, 4) * t.step - (t.step >= 100 ? 0.01 : 0);
    const ticker = `${eventTicker}-T${strike}`;
    markets.push({
      ticker, eventTicker, seriesTicker: t.ticker,
      title: `Will the ${t.unit} be above ${strike} at 5pm ET on ${new Date(close).toUTCString().slice(0, 16)}?`,
      yesSubTitle: `${strike} or above`, noSubTitle: `Below ${strike}`,
      rulesPrimary: `If the ${t.unit} is above ${strike} at 5:00 PM ET on ${new Date(close).toISOString().slice(0, 10)}, then the market resolves to Yes.`,
      rulesSecondary: `The value is taken from the source agency's published figure. If no figure is published by the expiration time, the market resolves per the settlement source rules.`,
      openTime: iso(close - 7 * 86_400_000), closeTime: iso(close), expectedExpirationTime: iso(close + 3_600_000),
      status: 'active', strikeType: 'greater', floorStrike: strike, priceLevelStructure: 'linear_cent', fractionalTradingEnabled: false,
    });
  }
  return { series, events, markets };
}

function initialBook(rng: Rng, spec: KalshiMarketSpec): SimBook {
  const fair = randInt(rng, 15, 85) * 10_000;
  const b: SimBook = { yes: new Map(), no: new Map(), fair };
  if (spec.book) {
    for (const l of spec.book.yesBid) b.yes.set(l.price, l.qty);
    for (const l of spec.book.noBid) b.no.set(l.price, l.qty);
    return b;
  }
  for (let c = 1; c <= 5; c++) {
    b.yes.set(fair - c * 10_000, randInt(rng, 1, 500) * SCALE);
    b.no.set(SCALE - fair - c * 10_000, randInt(rng, 1, 500) * SCALE);
  }
  return b;
}

const levelsAsc = (m: Map<number, number>, yesPrice = false): [string, string][] =>
  [...m.entries()]
    .filter(([, q]) => q > 0)
    .map(([p, q]) => [yesPrice ? SCALE - p : p, q] as const)
    .sort((a, b) => a[0] - b[0])
    .map(([p, q]) => [px(p), fp(q)]);

/** Starts the simulator. */
export async function startKalshiSimulator(opts: KalshiSimOptions = {}): Promise<KalshiSim> {
  const rng = mulberry32(opts.seed ?? 1);
  const now = opts.now ?? Date.now;
  const baseTimeMs = opts.baseTimeMs ?? Math.floor(Date.now() / 86_400_000) * 86_400_000;
  const maxSkew = opts.maxClockSkewMs ?? 30_000;
  const gen = generateUniverse(rng, opts.markets ? 0 : (opts.marketCount ?? 5), baseTimeMs);
  const markets = opts.markets ? [...opts.markets] : gen.markets;
  const series = [...(opts.series ?? []), ...gen.series];
  const events = [...gen.events];
  for (const m of markets) {
    if (!series.some((s) => s.ticker === m.seriesTicker)) {
      series.push({ ticker: m.seriesTicker, title: m.seriesTicker, category: 'Other', frequency: 'custom', feeType: 'quadratic', feeMultiplier: 1, settlementSources: [] });
    }
    if (!events.some((e) => e.eventTicker === m.eventTicker)) {
      events.push({ eventTicker: m.eventTicker, seriesTicker: m.seriesTicker, title: m.title, subTitle: '', mutuallyExclusive: false });
    }
  }
  const byTicker = new Map(markets.map((m) => [m.ticker, m]));
  const books = new Map(markets.map((m) => [m.ticker, initialBook(rng, m)]));
  const trades: SimTrade[] = [];
  const volume = new Map<string, number>();
  let tradeNo = 0;

  let auth: KalshiAuthConfig | undefined;
  const keys = new Map<string, KeyObject>();
  if (opts.publicKeys) {
    for (const [id, pem] of Object.entries(opts.publicKeys)) keys.set(id, createPublicKey(pem));
  } else {
    const kp = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    auth = { keyId: '00000000-0000-4000-8000-00000000517a', privateKeyPem: kp.privateKey };
    keys.set(auth.keyId, createPublicKey(kp.publicKey));
  }

  const stats: KalshiSimStats = { connectionsOpen: 0, connectionsTotal: 0, handshakesRejected: 0, messagesSent: 0, commandsReceived: 0, snapshotsSent: 0, deltasSent: 0, pingsSent: 0, pongsReceived: 0, restRequests: 0, restRejected: 0 };
  const clients = new Set<Client>();
  const lostSnapshots = new Set<string>();
  let stalledUntil = 0;
  let fail429 = 0;
  const stalled = () => now() < stalledUntil;

  // ------------------------------------------------------------ auth

  /** null = accepted, else the reason for 401 */
  function checkAuth(req: IncomingMessage, path: string): string | null {
    const h = (k: string) => {
      const v = req.headers[k.toLowerCase()];
      return Array.isArray(v) ? v[0] : v;
    };
    const keyId = h('KALSHI-ACCESS-KEY');
    const ts = h('KALSHI-ACCESS-TIMESTAMP');
    const sig = h('KALSHI-ACCESS-SIGNATURE');
    if (!keyId || !ts || !sig) return 'missing KALSHI-ACCESS-* headers';
    const key = keys.get(keyId);
    if (!key) return 'unknown key id';
    if (!/^\d{1,16}$/.test(ts) || Math.abs(now() - Number(ts)) > maxSkew) return 'stale or invalid timestamp';
    if (!verifyKalshiSignature(key, ts, req.method ?? 'GET', path, sig)) return 'invalid signature';
    return null;
  }

  // ------------------------------------------------------------ WS

  const send = (c: Client, msg: unknown): void => {
    if (c.ws.readyState !== c.ws.OPEN) return;
    c.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
    stats.messagesSent++;
  };
  const subsOf = (c: Client, channel: string, ticker?: string): Sub[] =>
    [...c.subs.values()].filter((s) => s.channel === channel && (ticker === undefined || s.markets.has(ticker)));

  function snapshotMsg(s: Sub, ticker: string, id?: number) {
    const b = books.get(ticker)!;
    const msg: Record<string, unknown> = { market_ticker: ticker, market_id: marketId(ticker) };
    const yes = levelsAsc(b.yes);
    const no = levelsAsc(b.no, s.yesPrice);
    if (yes.length) msg.yes_dollars_fp = yes;
    if (no.length) msg.no_dollars_fp = no;
    return { type: 'orderbook_snapshot', ...(id === undefined ? {} : { id }), sid: s.sid, seq: s.seq++, msg };
  }

  function deltaMsg(s: Sub, ticker: string, side: 'yes' | 'no', price: number, delta: number) {
    const t = now();
    const p = side === 'no' && s.yesPrice ? SCALE - price : price;
    return {
      type: 'orderbook_delta', sid: s.sid, seq: s.seq++,
      msg: { market_ticker: ticker, market_id: marketId(ticker), price_dollars: px(p), delta_fp: fp(delta), side, ts: iso(t), ts_ms: t },
    };
  }

  function sendSnapshot(c: Client, s: Sub, ticker: string, id?: number): void {
    if (lostSnapshots.delete(ticker)) {
      // the snapshot is "lost": the client sees a delta first
      const b = books.get(ticker)!;
      const [price] = [...b.yes.keys()];
      send(c, deltaMsg(s, ticker, 'yes', price ?? 10_000, SCALE));
      stats.deltasSent++;
      return;
    }
    send(c, snapshotMsg(s, ticker, id));
    stats.snapshotsSent++;
  }

  const err = (c: Client, id: number | undefined, code: number, msg: string, sid?: number) =>
    send(c, { ...(id ? { id } : {}), type: 'error', ...(sid === undefined ? {} : { sid }), msg: { code, msg } });

  const CHANNELS = new Set(['orderbook_delta', 'ticker', 'trade', 'market_lifecycle_v2', 'fill', 'market_positions']);

  const commandLog: string[] = [];
  function onCommand(c: Client, text: string): void {
    stats.commandsReceived++;
    commandLog.push(text.slice(0, 2000));
    if (commandLog.length > 1000) commandLog.shift();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return err(c, undefined, 1, 'Unable to process message');
    }
    const parsed = KalshiCommand.safeParse(json);
    if (!parsed.success) {
      const id = (json as { id?: unknown })?.id;
      const cmd = (json as { cmd?: unknown })?.cmd;
      const known = ['subscribe', 'unsubscribe', 'update_subscription', 'list_subscriptions'].includes(String(cmd));
      return err(c, typeof id === 'number' ? id : undefined, known ? 2 : 5, known ? 'Params required' : 'Unknown command');
    }
    const cmd = parsed.data;
    switch (cmd.cmd) {
      case 'subscribe': {
        const p = cmd.params;
        const tickers = [...(p.market_tickers ?? []), ...(p.market_ticker ? [p.market_ticker] : [])].filter((t) => byTicker.has(t));
        for (const ch of p.channels) {
          if (!CHANNELS.has(ch)) return err(c, cmd.id, 8, 'Unknown channel name');
        }
        for (const ch of p.channels) {
          const s: Sub = { sid: c.nextSid++, channel: ch, markets: new Set(tickers), seq: 1, yesPrice: p.use_yes_price === true };
          c.subs.set(s.sid, s);
          send(c, { id: cmd.id, type: 'subscribed', msg: { channel: ch, sid: s.sid } });
          if (ch === 'orderbook_delta') for (const t of tickers) sendSnapshot(c, s, t);
        }
        return;
      }
      case 'unsubscribe':
        for (const sid of cmd.params.sids) {
          const s = c.subs.get(sid);
          if (!s) return err(c, cmd.id, 7, 'Unknown subscription ID');
          c.subs.delete(sid);
          send(c, { id: cmd.id, sid, seq: s.seq++, type: 'unsubscribed' });
        }
        return;
      case 'update_subscription': {
        const p = cmd.params;
        const sids = [...(p.sids ?? []), ...(p.sid === undefined ? [] : [p.sid])];
        if (sids.length !== 1) return err(c, cmd.id, 12, 'Exactly one subscription ID is required');
        const s = c.subs.get(sids[0]!);
        if (!s) return err(c, cmd.id, 7, 'Unknown subscription ID');
        const tickers = [...(p.market_tickers ?? []), ...(p.market_ticker ? [p.market_ticker] : [])];
        if (!tickers.length) return err(c, cmd.id, 14, 'Market Ticker required');
        const known = tickers.filter((t) => byTicker.has(t));
        if (p.action === 'get_snapshot' && s.channel !== 'orderbook_delta') return err(c, cmd.id, 13, 'Unsupported action', s.sid);
        if (p.action === 'add_markets') for (const t of known) s.markets.add(t);
        if (p.action === 'delete_markets') for (const t of known) s.markets.delete(t);
        send(c, { id: cmd.id, sid: s.sid, seq: s.seq++, type: 'ok', msg: { market_tickers: [...s.markets] } });
        if (s.channel === 'orderbook_delta' && p.action !== 'delete_markets') {
          for (const t of known) if (s.markets.has(t)) sendSnapshot(c, s, t, p.action === 'get_snapshot' ? cmd.id : undefined);
        }
        return;
      }
      case 'list_subscriptions':
        send(c, { id: cmd.id, type: 'ok', msg: [...c.subs.values()].map((s) => ({ channel: s.channel, sid: s.sid })) });
        return;
      default: {
        const never: never = cmd;
        return never;
      }
    }
  }

  const marketId = (ticker: string): string => {
    let h = 0x811c9dc5;
    for (const ch of ticker) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    const hex = h.toString(16).padStart(8, '0');
    return `${hex}-${hex.slice(0, 4)}-4${hex.slice(1, 4)}-8${hex.slice(2, 5)}-${hex}${hex.slice(0, 4)}`;
  };

  // ------------------------------------------------------------ random walk

  let stepNo = 0;
  const walkable = markets.filter((m) => !m.frozen && m.status === 'active');
  function step(): void {
    const live = walkable;
    if (!live.length) return;
    const m = pick(rng, live);
    const b = books.get(m.ticker)!;
    const side: 'yes' | 'no' = rng() < 0.5 ? 'yes' : 'no';
    const ladder = side === 'yes' ? b.yes : b.no;
    const top = side === 'yes' ? b.fair - 10_000 : SCALE - b.fair - 10_000;
    const price = top - randInt(rng, 0, 6) * 10_000;
    if (price <= 0) return;
    const cur = ladder.get(price) ?? 0;
    let delta = randInt(rng, -200, 300) * SCALE;
    if (cur + delta < 0) delta = -cur;
    if (delta === 0) delta = randInt(rng, 1, 50) * SCALE;
    const next = cur + delta;
    if (next === 0) ladder.delete(price);
    else ladder.set(price, next);
    publishDelta(m.ticker, side, price, delta);
    stepNo++;
    if (stepNo % 5 === 0) publishTicker(m.ticker);
    if (stepNo % 7 === 0) publishTrade(m.ticker);
  }

  function publishDelta(ticker: string, side: 'yes' | 'no', price: number, delta: number): void {
    for (const c of clients) for (const s of subsOf(c, 'orderbook_delta', ticker)) {
      send(c, deltaMsg(s, ticker, side, price, delta));
      stats.deltasSent++;
    }
  }

  const bestOf = (m: Map<number, number>): [number, number] | undefined => {
    let best: [number, number] | undefined;
    for (const [p, q] of m) if (q > 0 && (!best || p > best[0])) best = [p, q];
    return best;
  };

  function publishTicker(ticker: string): void {
    const b = books.get(ticker)!;
    const yb = bestOf(b.yes);
    const nb = bestOf(b.no);
    const t = now();
    const msg = {
      market_id: marketId(ticker), market_ticker: ticker, price_dollars: px(b.fair),
      ...(yb ? { yes_bid_dollars: px(yb[0]), yes_bid_size_fp: fp(yb[1]) } : {}),
      ...(nb ? { yes_ask_dollars: px(SCALE - nb[0]), yes_ask_size_fp: fp(nb[1]) } : {}),
      last_trade_size_fp: '1.00', volume_fp: fp(volume.get(ticker) ?? 0),
      open_interest_fp: '0.00', dollar_volume: 0, dollar_open_interest: 0, ts: Math.floor(t / 1000), ts_ms: t, time: iso(t),
    };
    for (const c of clients) for (const s of subsOf(c, 'ticker', ticker)) send(c, { type: 'ticker', sid: s.sid, msg });
  }

  function publishTrade(ticker: string): void {
    const b = books.get(ticker)!;
    const t = now();
    const tr: SimTrade = { trade_id: `00000000-0000-4000-8000-${String(++tradeNo).padStart(12, '0')}`, ticker, yes: b.fair, count: randInt(rng, 1, 100) * SCALE, taker: rng() < 0.5 ? 'yes' : 'no', ts: t };
    trades.push(tr);
    volume.set(ticker, (volume.get(ticker) ?? 0) + tr.count);
    if (trades.length > 10_000) trades.shift();
    const msg = {
      trade_id: tr.trade_id, market_ticker: ticker, yes_price_dollars: px(tr.yes), no_price_dollars: px(SCALE - tr.yes), count_fp: fp(tr.count),
      taker_side: tr.taker, taker_outcome_side: tr.taker, taker_book_side: tr.taker === 'yes' ? 'bid' : 'ask', is_block_trade: false, ts: Math.floor(t / 1000), ts_ms: t,
    };
    for (const c of clients) for (const s of subsOf(c, 'trade', ticker)) send(c, { type: 'trade', sid: s.sid, seq: s.seq++, msg });
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
      if (stalled()) {
        credit = 0;
        return;
      }
      for (; credit >= 1; credit--) step();
    }, tickMs);
  }

  const pingTimer = setInterval(() => {
    if (stalled()) return;
    for (const c of clients) {
      if (c.ws.readyState !== c.ws.OPEN) continue;
      c.ws.ping('heartbeat');
      stats.pingsSent++;
    }
  }, opts.pingIntervalMs ?? 10_000);

  // ------------------------------------------------------------ REST

  const cursorOf = (offset: number): string => Buffer.from(`o:${offset}`).toString('base64url');
  const offsetOf = (cursor: string | null): number => {
    if (!cursor) return 0;
    const m = /^o:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
    return m ? Number(m[1]) : -1;
  };
  const seriesJson = (s: KalshiSeriesSpec) => ({
    ticker: s.ticker, frequency: s.frequency, title: s.title, category: s.category, tags: [], settlement_sources: s.settlementSources,
    contract_url: 'https://example.invalid/contract.pdf', contract_terms_url: 'https://example.invalid/terms.pdf',
    fee_type: s.feeType, fee_multiplier: s.feeMultiplier, additional_prohibitions: [],
  });
  const marketJson = (m: KalshiMarketSpec) => {
    const b = books.get(m.ticker)!;
    const yb = bestOf(b.yes);
    const nb = bestOf(b.no);
    return {
      ticker: m.ticker, event_ticker: m.eventTicker, market_type: 'binary', title: m.title, subtitle: '',
      yes_sub_title: m.yesSubTitle, no_sub_title: m.noSubTitle, rules_primary: m.rulesPrimary, rules_secondary: m.rulesSecondary,
      open_time: m.openTime, close_time: m.closeTime, expected_expiration_time: m.expectedExpirationTime, latest_expiration_time: m.expectedExpirationTime,
      created_time: m.openTime, updated_time: m.openTime, settlement_timer_seconds: 300, status: m.status,
      yes_bid_dollars: px(yb?.[0] ?? 0), yes_ask_dollars: px(nb ? SCALE - nb[0] : SCALE), no_bid_dollars: px(nb?.[0] ?? 0), no_ask_dollars: px(yb ? SCALE - yb[0] : SCALE),
      yes_bid_size_fp: fp(yb?.[1] ?? 0), yes_ask_size_fp: fp(nb?.[1] ?? 0), last_price_dollars: px(b.fair),
      volume_fp: '0.00', volume_24h_fp: '0.00', open_interest_fp: '0.00', notional_value_dollars: '1.0000', result: '',
      can_close_early: true, fractional_trading_enabled: m.fractionalTradingEnabled,
      ...(m.strikeType ? { strike_type: m.strikeType } : {}), ...(m.floorStrike === undefined ? {} : { floor_strike: m.floorStrike }), ...(m.capStrike === undefined ? {} : { cap_strike: m.capStrike }),
      price_level_structure: m.priceLevelStructure, price_ranges: [{ start: '0.0000', end: '1.0000', step: '0.0100' }],
    };
  };
  const statusFilter: Record<string, KalshiMarketSpec['status'][]> = { unopened: ['initialized'], open: ['active'], paused: [], closed: ['closed'], settled: ['determined', 'finalized'] };

  function page<T>(items: T[], q: URLSearchParams, max: number): { items: T[]; cursor: string } | null {
    const limit = Math.min(Math.max(Number(q.get('limit') ?? 100) || 100, 1), max);
    const off = offsetOf(q.get('cursor'));
    if (off < 0) return null;
    const slice = items.slice(off, off + limit);
    return { items: slice, cursor: off + limit < items.length ? cursorOf(off + limit) : '' };
  }

  function rest(req: IncomingMessage, res: ServerResponse): void {
    stats.restRequests++;
    const json = (code: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(code, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', 'http://sim');
    if (!url.pathname.startsWith(REST_PREFIX + '/')) return json(404, { error: { code: 'not_found', message: 'not found' } });
    if (fail429 > 0) {
      fail429--;
      stats.restRejected++;
      return json(429, { error: { code: 'too_many_requests', message: 'too many requests' } }, { 'retry-after': '0' });
    }
    if (req.headers['kalshi-access-key'] !== undefined) {
      const why = checkAuth(req, url.pathname);
      if (why) {
        stats.restRejected++;
        return json(401, { error: { code: 'authentication_error', message: why } });
      }
    }
    if (req.method !== 'GET') return json(405, { error: { code: 'method_not_allowed', message: 'GET only' } });
    const path = url.pathname.slice(REST_PREFIX.length);
    const q = url.searchParams;
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    const badCursor = () => json(400, { error: { code: 'invalid_parameters', message: 'invalid cursor' } });
    if (parts[0] === 'markets' && parts.length === 1) {
      let list = markets;
      const st = q.get('status');
      if (st) list = list.filter((m) => st.split(',').some((s) => (statusFilter[s] ?? []).includes(m.status)));
      const ev = q.get('event_ticker');
      if (ev) list = list.filter((m) => m.eventTicker === ev);
      const se = q.get('series_ticker');
      if (se) list = list.filter((m) => m.seriesTicker === se);
      const tk = q.get('tickers');
      if (tk) list = list.filter((m) => tk.split(',').includes(m.ticker));
      const p = page(list, q, 1000);
      return p ? json(200, { markets: p.items.map(marketJson), cursor: p.cursor }) : badCursor();
    }
    if (parts[0] === 'markets' && parts[1] === 'trades' && parts.length === 2) {
      let list = trades.slice().reverse();
      const tk = q.get('ticker');
      if (tk) list = list.filter((t) => t.ticker === tk);
      const minTs = Number(q.get('min_ts') ?? 0);
      const maxTs = Number(q.get('max_ts') ?? Number.MAX_SAFE_INTEGER);
      list = list.filter((t) => t.ts / 1000 >= minTs && t.ts / 1000 <= maxTs);
      const p = page(list, q, 1000);
      if (!p) return badCursor();
      return json(200, {
        trades: p.items.map((t) => ({ trade_id: t.trade_id, ticker: t.ticker, count_fp: fp(t.count), yes_price_dollars: px(t.yes), no_price_dollars: px(SCALE - t.yes), taker_side: t.taker, taker_outcome_side: t.taker, taker_book_side: t.taker === 'yes' ? 'bid' : 'ask', created_time: new Date(t.ts).toISOString() })),
        cursor: p.cursor,
      });
    }
    if (parts[0] === 'markets' && parts.length >= 2) {
      const m = byTicker.get(parts[1]!);
      if (!m) return json(404, { error: { code: 'not_found', message: 'market not found' } });
      if (parts.length === 2) return json(200, { market: marketJson(m) });
      if (parts[2] === 'orderbook' && parts.length === 3) {
        const b = books.get(m.ticker)!;
        const depth = Number(q.get('depth') ?? 0);
        const cut = (l: [string, string][]) => (depth > 0 ? l.slice(-depth) : l);
        return json(200, { orderbook_fp: { yes_dollars: cut(levelsAsc(b.yes)), no_dollars: cut(levelsAsc(b.no)) } });
      }
    }
    if (parts[0] === 'events' && parts.length === 1) {
      let list = events;
      const se = q.get('series_ticker');
      if (se) list = list.filter((e) => e.seriesTicker === se);
      const nested = q.get('with_nested_markets') === 'true';
      const p = page(list, q, 200);
      if (!p) return badCursor();
      return json(200, { events: p.items.map((e) => eventJson(e, nested)), cursor: p.cursor });
    }
    if (parts[0] === 'events' && parts.length === 2) {
      const e = events.find((x) => x.eventTicker === parts[1]);
      if (!e) return json(404, { error: { code: 'not_found', message: 'event not found' } });
      return json(200, { event: eventJson(e, false), markets: markets.filter((m) => m.eventTicker === e.eventTicker).map(marketJson) });
    }
    if (parts[0] === 'series' && parts.length === 1) {
      const cat = q.get('category');
      return json(200, { series: series.filter((s) => !cat || s.category === cat).map(seriesJson) });
    }
    if (parts[0] === 'series' && parts[1] === 'fee_changes' && parts.length === 2) {
      const st = q.get('series_ticker');
      const list = series.filter((s) => !st || s.ticker === st);
      return json(200, {
        series_fee_change_arr: list.map((s, i) => ({ id: `fc-${i + 1}`, series_ticker: s.ticker, fee_type: s.feeType, fee_multiplier: s.feeMultiplier, scheduled_ts: iso(baseTimeMs + 30 * 86_400_000) })),
      });
    }
    if (parts[0] === 'series' && parts.length === 2) {
      const s = series.find((x) => x.ticker === parts[1]);
      return s ? json(200, { series: seriesJson(s) }) : json(404, { error: { code: 'not_found', message: 'series not found' } });
    }
    if (parts[0] === 'series' && parts[2] === 'markets' && parts[4] === 'candlesticks' && parts.length === 5) {
      const m = byTicker.get(parts[3]!);
      if (!m || m.seriesTicker !== parts[1]) return json(404, { error: { code: 'not_found', message: 'market not found' } });
      const start = Number(q.get('start_ts'));
      const end = Number(q.get('end_ts'));
      const period = Number(q.get('period_interval'));
      if (!Number.isInteger(start) || !Number.isInteger(end) || ![1, 60, 1440].includes(period) || end < start) {
        return json(400, { error: { code: 'invalid_parameters', message: 'start_ts, end_ts and period_interval (1, 60, 1440) required' } });
      }
      return json(200, { ticker: m.ticker, candlesticks: candles(m.ticker, start, end, period * 60) });
    }
    return json(404, { error: { code: 'not_found', message: 'not found' } });
  }

  function eventJson(e: KalshiEventSpec, nested: boolean) {
    return {
      event_ticker: e.eventTicker, series_ticker: e.seriesTicker, title: e.title, sub_title: e.subTitle, mutually_exclusive: e.mutuallyExclusive,
      strike_period: 'daily', ...(nested ? { markets: markets.filter((m) => m.eventTicker === e.eventTicker).map(marketJson) } : {}),
    };
  }

  function candles(ticker: string, start: number, end: number, periodS: number) {
    const out: unknown[] = [];
    const crng = mulberry32([...ticker].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) >>> 0, opts.seed ?? 1));
    let mid = books.get(ticker)!.fair;
    for (let t = Math.ceil(start / periodS) * periodS; t <= end && out.length < 5000; t += periodS) {
      const o = mid;
      mid = Math.min(990_000, Math.max(10_000, mid + randInt(crng, -2, 2) * 10_000));
      const hi = Math.max(o, mid);
      const lo = Math.min(o, mid);
      const ohlc = (d: number) => ({ open_dollars: px(o - d), low_dollars: px(lo - d), high_dollars: px(hi - d), close_dollars: px(mid - d) });
      out.push({
        end_period_ts: t, yes_bid: ohlc(10_000), yes_ask: ohlc(-10_000),
        price: { open_dollars: px(o), low_dollars: px(lo), high_dollars: px(hi), close_dollars: px(mid), mean_dollars: px(Math.round((o + mid) / 20_000) * 10_000), previous_dollars: px(o), min_dollars: px(lo), max_dollars: px(hi) },
        volume_fp: fp(randInt(crng, 0, 1000) * SCALE), open_interest_fp: fp(randInt(crng, 1000, 5000) * SCALE),
      });
    }
    return out;
  }

  // ------------------------------------------------------------ server

  const server = createServer((req, res) => {
    try {
      rest(req, res);
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
      socket.end(`HTTP/1.1 ${code} ${code === 401 ? 'Unauthorized' : 'Not Found'}\r\ncontent-type: text/plain\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
    };
    if (path !== WS_PATH) return reject(404, 'not found');
    const why = checkAuth(req, path);
    if (why) return reject(401, why);
    wss.handleUpgrade(req, socket, head, (ws) => {
      const c: Client = { ws, subs: new Map(), nextSid: 1 };
      clients.add(c);
      stats.connectionsOpen++;
      stats.connectionsTotal++;
      ws.on('message', (data, isBinary) => {
        if (stalled()) return;
        onCommand(c, isBinary ? '' : data.toString());
      });
      ws.on('ping', (data) => {
        if (!stalled()) ws.pong(data);
      });
      ws.on('pong', () => void stats.pongsReceived++);
      ws.on('error', () => undefined);
      ws.on('close', () => {
        clients.delete(c);
        stats.connectionsOpen--;
      });
      for (const f of opts.replay ?? []) send(c, f);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const sim: KalshiSim = {
    wsUrl: `ws://127.0.0.1:${port}${WS_PATH}`,
    restUrl: `http://127.0.0.1:${port}${REST_PREFIX}`,
    markets, series, events, stats, commandLog,
    ...(auth ? { auth } : {}),
    book(ticker) {
      const b = books.get(ticker);
      if (!b) throw new Error(`unknown market ${ticker}`);
      const lv = (m: Map<number, number>) => [...m.entries()].filter(([, q]) => q > 0).map(([price, qty]) => ({ price, qty })).sort((x, y) => y.price - x.price);
      return { yesBid: lv(b.yes), noBid: lv(b.no) };
    },
    setBook(ticker, ladders) {
      const b = books.get(ticker);
      if (!b) throw new Error(`unknown market ${ticker}`);
      b.yes = new Map(ladders.yesBid.map((l) => [l.price, l.qty]));
      b.no = new Map(ladders.noBid.map((l) => [l.price, l.qty]));
      for (const c of clients) for (const s of subsOf(c, 'orderbook_delta', ticker)) sendSnapshot(c, s, ticker);
    },
    dropConnections() {
      for (const c of clients) c.ws.terminate();
    },
    stall(ms) {
      stalledUntil = now() + ms;
    },
    sendMalformed() {
      for (const c of clients) send(c, { type: 'ticker', sid: 1, msg: { market_ticker: 42, price_dollars: 'abc' } });
    },
    sendTruncated() {
      for (const c of clients) send(c, '{"type":"ticker","sid":1,"msg":{"market_ticker":"X","price_dol');
    },
    sendUnknownType() {
      for (const c of clients) send(c, { type: 'mystery_channel_v9', sid: 99, msg: { hello: 'world' } });
    },
    burst(n) {
      for (let i = 0; i < n; i++) step();
    },
    injectSeqGap() {
      for (const c of clients) for (const s of subsOf(c, 'orderbook_delta')) s.seq++;
      // make the gap visible now: one delta on a market that is subscribed
      const subscribed = new Set<string>();
      for (const c of clients) for (const s of subsOf(c, 'orderbook_delta')) for (const t of s.markets) subscribed.add(t);
      const t = [...subscribed].find((x) => !byTicker.get(x)?.frozen) ?? [...subscribed][0];
      if (!t) return;
      const b = books.get(t)!;
      const price = (bestOf(b.yes)?.[0] ?? b.fair - 10_000);
      b.yes.set(price, (b.yes.get(price) ?? 0) + SCALE);
      publishDelta(t, 'yes', price, SCALE);
    },
    deltaBeforeSnapshot(ticker) {
      if (!byTicker.has(ticker)) throw new Error(`unknown market ${ticker}`);
      lostSnapshots.add(ticker);
    },
    terminateSubscriptions(code = 25) {
      for (const c of clients) for (const s of subsOf(c, 'orderbook_delta')) {
        c.subs.delete(s.sid);
        send(c, { type: 'error', sid: s.sid, msg: { code, msg: code === 25 ? 'Subscription buffer overflow' : 'Channel error' } });
      }
    },
    failRest(n) {
      fail429 += n;
    },
    sendLifecycle(ticker, eventType, extra = {}) {
      const m = byTicker.get(ticker);
      const msg = { market_ticker: ticker, event_type: eventType, ...(m && eventType === 'created' ? { open_ts: Math.floor(Date.parse(m.openTime) / 1000), close_ts: Math.floor(Date.parse(m.closeTime) / 1000) } : {}), ...extra };
      for (const c of clients) for (const s of subsOf(c, 'market_lifecycle_v2')) send(c, { type: 'market_lifecycle_v2', sid: s.sid, seq: s.seq++, msg });
    },
    sendFeeUpdate(eventTicker, feeType, feeMultiplier) {
      const msg = { event_ticker: eventTicker, fee_type_override: feeType, fee_multiplier_override: feeMultiplier };
      for (const c of clients) for (const s of subsOf(c, 'market_lifecycle_v2')) send(c, { type: 'event_fee_update', sid: s.sid, seq: s.seq++, msg });
    },
    async replay(frames) {
      const src = isObservable(frames) ? frames : from(frames as Iterable<string>);
      await new Promise<void>((resolve, reject) =>
        src.subscribe({ next: (f) => { for (const c of clients) send(c, f); }, error: reject, complete: resolve }),
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
