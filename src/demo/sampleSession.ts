/**
 * The shipped sample dataset (data/sample/, `scripts/make-sample.ts`): a few hours of both venue
 * simulators serving the demo scenario (./scenario.ts) on a VIRTUAL clock, as the raw frames the
 * live feeds would have received, in receive order.
 *
 * Why not the running simulators: they and the demo driver run on wall-clock timers (setInterval)
 * and real sockets, so three hours of data would take three hours and the order of the two
 * venues' frames would depend on I/O timing (no byte-identical reruns). Here the simulators'
 * own message code produces the frames, driven step by step on virtual time:
 * - Kalshi: the simulator's {@link SimSessions} (subscribe acks, snapshots with per-sid seq,
 *   deltas, tickers, trades) over a capturing socket, its books and random walk (`walkDelta`).
 * - Polymarket: the simulator's `MarketBook`/`walkStep`; `book` and `price_change` messages in
 *   the simulator's exact shapes (./simulator.ts `bookMsg`, `broadcastChanges`, which are closures
 *   there), the `PONG` answers to the feed's `PING` heartbeat (every 10 s).
 * The frames are RawFrames as the feeds emit them (connId `<venue>-<session>-<n>`, tsReceived =
 * virtual time) and go to disk through the recorder's own writer (src/history/recorder.ts).
 *
 * What happens over the session (offsets from {@link SAMPLE_START_MS}; all in {@link sampleTimeline}):
 * - planted arbitrages switch on and off at known times (the Kalshi leg's book flips between an
 *   "on" and an "off" ladder; the Polymarket leg stays put, so each switch is one frame and no
 *   half-switched state exists). Each episode has its own net edge per contract, more than the
 *   risk gate's hysteresis (0.5¢) apart, so each is a fresh decision.
 * - lookalikes: demo-p3 (2¢ gross spread that fees eat) all session; sample-pending, a pair that
 *   shows a 10¢ spread twice but is only a matcher candidate (status pending, never approved).
 * - demo-leadlag: Polymarket's mid takes a seeded step every 2 s, Kalshi follows 2 s later.
 * - fillers: pairs a human rejected, random-walking on both venues.
 * - a Kalshi feed outage (no frame at all for 10 minutes), then a reconnect (new connId, fresh
 *   subscribe acks and snapshots, seq from 1), as the live feed would record it.
 * Planted books are re-published every {@link REFRESH_MS} (fresh snapshots, as the demo driver
 * does), so they never go stale (RISK_MAX_BOOK_AGE_MS 3 s) while the venue's feed is up.
 */
import { createHash } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { Level } from '../../schema/book.js';
import { formatScaled, SCALE } from '../../schema/money.js';
import type { Pair } from '../../schema/pair.js';
import { mulberry32, pick, randInt, type Rng } from '../venues/common/prng.js';
import type { RawFrame } from '../venues/common/types.js';
import { initialBook, setLadders, walkDelta } from '../venues/kalshi/simulator/book.js';
import type { KalshiMarketSpec, KalshiSimLadders } from '../venues/kalshi/simulator/markets.js';
import { SimSessions, type Client } from '../venues/kalshi/simulator/session.js';
import { newStats, type KalshiSimState } from '../venues/kalshi/simulator/state.js';
import { DEFAULT_CHANNELS } from '../venues/kalshi/socket.js';
import { generateLadders, MarketBook, walkStep, type SimChange } from '../venues/polymarket/simulator/book.js';
import type { PolyMarketSpec, PolySimLadders } from '../venues/polymarket/simulator/markets.js';
import { buildScenario, LEAD_LAG_DELAY_MS, leadLagBooks, type Scenario } from './scenario.js';

const SEC = 1000;
const MIN = 60 * SEC;
/** Start of the sample session: 2026-11-16 12:00:00 UTC (the markets resolve 30 days after that day's midnight). */
export const SAMPLE_START_MS = Date.UTC(2026, 10, 16, 12, 0, 0);
export const SAMPLE_DAY_MS = Date.UTC(2026, 10, 16);
export const SAMPLE_DURATION_MS = 3 * 60 * MIN;
export const SAMPLE_SEED = 7;
/** planted books are re-published this often */
export const REFRESH_MS = 2 * SEC;
/** the lead-lag pair's leg A moves this often */
export const LEAD_LAG_STEP_MS = 2 * SEC;
/** filler random-walk steps per second, per venue */
export const FILLER_STEPS_PER_SEC = 1;
export const FILLER_PAIRS = 4;
/** the connId session part (the live socket draws 3 random bytes) */
const SESSION = 'c0ffee';

const $ = (dollars: number): number => Math.round(dollars * SCALE);
const lv = (price: number, contracts: number): Level => ({ price: $(price), qty: contracts * SCALE });

/** A planted arbitrage episode: the pair's Kalshi leg shows `on` from `fromMs` until `toMs` (offsets). */
export interface SampleEpisode {
  readonly pairId: string;
  readonly fromMs: number;
  readonly toMs: number;
  readonly on: KalshiSimLadders;
  /** hand-worked in data/sample/README.md (size, cost, fees, P&L with no capital cost) */
  readonly expect: { readonly sizeQty: number; readonly costMicros: number; readonly feesMicros: number; readonly pnlMicros: number };
}

export interface SampleOutage {
  readonly venue: 'kalshi';
  readonly fromMs: number;
  readonly toMs: number;
}

export interface SampleTimeline {
  readonly episodes: readonly SampleEpisode[];
  /** the not-approved lookalike shows its spread during these windows (offsets) */
  readonly pendingWindows: readonly { readonly fromMs: number; readonly toMs: number }[];
  readonly outage: SampleOutage;
}

/** Kalshi "off" ladders of the planted pairs: no arbitrage in either direction. */
const OFF: Readonly<Record<string, KalshiSimLadders>> = {
  // NO asks .62 (1 − .38): .40 + .62 > 1; the other way Poly NO .65 + Kalshi YES .70 > 1
  'demo-p1': { yesBid: [lv(0.38, 100)], noBid: [lv(0.30, 100)] },
  // YES↔NO: Poly NO .30 + Kalshi NO .72 (1 − .28) > 1; Poly YES .74 + Kalshi YES .80 > 1
  'demo-p2': { yesBid: [lv(0.28, 120)], noBid: [lv(0.20, 100)] },
};

/** The planted episodes, the pending lookalike's windows and the outage (offsets from SAMPLE_START_MS). */
export function sampleTimeline(): SampleTimeline {
  return {
    episodes: [
      // the demo's own planted books (hand-worked in ./scenario.ts)
      { pairId: 'demo-p1', fromMs: 10 * MIN, toMs: 15 * MIN, on: { yesBid: [lv(0.48, 80), lv(0.47, 100), lv(0.44, 100)], noBid: [lv(0.30, 100)] },
        expect: { sizeQty: 150 * SCALE, costMicros: $(139.7), feesMicros: $(4.0672), pnlMicros: $(6.2328) } },
      { pairId: 'demo-p2', fromMs: 40 * MIN, toMs: 45 * MIN, on: { yesBid: [lv(0.36, 120)], noBid: [lv(0.20, 100)] },
        expect: { sizeQty: 120 * SCALE, costMicros: $(112.8), feesMicros: $(1.94), pnlMicros: $(5.26) } },
      { pairId: 'demo-p1', fromMs: 60 * MIN, toMs: 65 * MIN, on: { yesBid: [lv(0.5, 60), lv(0.4, 100)], noBid: [lv(0.30, 100)] },
        expect: { sizeQty: 60 * SCALE, costMicros: $(54), feesMicros: $(1.626), pnlMicros: $(4.374) } },
      { pairId: 'demo-p2', fromMs: 120 * MIN, toMs: 125 * MIN, on: { yesBid: [lv(0.34, 150)], noBid: [lv(0.20, 100)] },
        expect: { sizeQty: 150 * SCALE, costMicros: $(144), feesMicros: $(2.36), pnlMicros: $(3.64) } },
      { pairId: 'demo-p1', fromMs: 150 * MIN, toMs: 152 * MIN, on: { yesBid: [lv(0.49, 40), lv(0.4, 100)], noBid: [lv(0.30, 100)] },
        expect: { sizeQty: 40 * SCALE, costMicros: $(36.4), feesMicros: $(1.084), pnlMicros: $(2.516) } },
    ],
    pendingWindows: [{ fromMs: 20 * MIN, toMs: 30 * MIN }, { fromMs: 160 * MIN, toMs: 170 * MIN }],
    outage: { venue: 'kalshi', fromMs: 90 * MIN, toMs: 100 * MIN },
  };
}

export const PENDING_PAIR = 'sample-pending';
/** The pending lookalike's Poly book (YES ask .40×100) and its Kalshi books: NO ask .50 in its windows (a 10¢ spread), .62 outside. */
const PENDING_POLY: PolySimLadders = { yesBid: [lv(0.38, 100)], yesAsk: [lv(0.40, 100)], noBid: [lv(0.55, 100)], noAsk: [lv(0.65, 100)] };
const PENDING_ON: KalshiSimLadders = { yesBid: [lv(0.5, 100)], noBid: [lv(0.30, 100)] };
const PENDING_OFF: KalshiSimLadders = { yesBid: [lv(0.38, 100)], noBid: [lv(0.30, 100)] };

export interface SampleScenario {
  readonly scenario: Scenario;
  /** every pair recorded: the demo's four (approved), the pending lookalike, the rejected fillers */
  readonly pairs: Pair[];
  readonly polyMarkets: PolyMarketSpec[];
  readonly kalshiMarkets: KalshiMarketSpec[];
  readonly timeline: SampleTimeline;
}

/** The demo scenario plus the sample's own pairs (pending lookalike, rejected fillers). */
export function buildSampleScenario(): SampleScenario {
  const scenario = buildScenario({ seed: SAMPLE_SEED, baseTimeMs: SAMPLE_DAY_MS, fillerMarkets: FILLER_PAIRS });
  const rng = mulberry32(SAMPLE_SEED + 1000);
  const p3 = scenario.pairs.find((p) => p.pairId === 'demo-p3')!;
  const polyP3 = scenario.polyMarkets.find((m) => m.conditionId === p3.legs[0].marketId)!;
  const kalshiP3 = scenario.kalshiMarkets.find((m) => m.ticker === p3.legs[1].marketId)!;
  const digits = (n: number) => Array.from({ length: n }, () => String(Math.floor(rng() * 10))).join('');
  const title = 'Will US unemployment for November 2026 be above 4.5%?';
  const pendingPoly: PolyMarketSpec = {
    ...polyP3, conditionId: '0x' + Array.from({ length: 64 }, () => Math.floor(rng() * 16).toString(16)).join(''), gammaId: '900990', slug: PENDING_PAIR,
    question: title, eventTitle: title, eventId: '800990', yesTokenId: '7' + digits(76), noTokenId: '8' + digits(76), book: PENDING_POLY, frozen: true,
  };
  const pendingKalshi: KalshiMarketSpec = { ...kalshiP3, ticker: 'KXARB-26DEC-PENDING', eventTicker: 'KXARB-26DEC-E99', title, book: PENDING_OFF, frozen: true };
  const polyMarkets = [...scenario.polyMarkets, pendingPoly];
  // the planted pairs' Kalshi legs open "off": their arbitrages exist only in the episodes
  const offBook = (ticker: string): KalshiSimLadders | undefined => {
    const pair = scenario.pairs.find((p) => p.legs[1].marketId === ticker);
    return pair ? OFF[pair.pairId] : undefined;
  };
  const kalshiMarkets = [...scenario.kalshiMarkets.map((m) => {
    const off = offBook(m.ticker);
    return off ? { ...m, book: off } : m;
  }), pendingKalshi];
  const resolutionTs = p3.resolutionTs;
  const pairs: Pair[] = [
    ...scenario.pairs,
    {
      pairId: PENDING_PAIR, legs: [{ venue: 'polymarket', marketId: pendingPoly.conditionId }, { venue: 'kalshi', marketId: pendingKalshi.ticker }],
      yesMapsToNo: false, status: 'pending', confidence: 0.62, humanReviewed: false, resolutionTs,
      reasons: ['sample: matcher candidate (different months in the rules), awaiting review'], source: 'file',
    },
  ];
  // filler pairs: the scenario's unpaired random-walk markets, paired and rejected by a human
  const polyFill = scenario.polyMarkets.filter((m) => !scenario.pairs.some((p) => p.legs[0].marketId === m.conditionId));
  const kalshiFill = scenario.kalshiMarkets.filter((m) => m.ticker.startsWith('KXFILL-'));
  for (let i = 0; i < Math.min(polyFill.length, kalshiFill.length); i++) {
    pairs.push({
      pairId: `sample-fill-${i}`, legs: [{ venue: 'polymarket', marketId: polyFill[i]!.conditionId }, { venue: 'kalshi', marketId: kalshiFill[i]!.ticker }],
      yesMapsToNo: false, status: 'rejected', confidence: 0.3, humanReviewed: true, resolutionTs, reasons: ['sample: filler, different events'], source: 'file',
    });
  }
  return { scenario, pairs, polyMarkets, kalshiMarkets, timeline: sampleTimeline() };
}

/** A socket that keeps what the simulator sends (one connection of the Kalshi simulator). */
function capturingSocket(out: string[]): WebSocket {
  const ws = { OPEN: 1, readyState: 1, send: (data: string) => void out.push(data) };
  return ws as unknown as WebSocket;
}

const px = (v: number): string => formatScaled(v, 0);
const hashOf = (x: unknown): string => createHash('sha1').update(JSON.stringify(x)).digest('hex');

/**
 * The session's frames in receive order (see the module comment). Lazily generated; the same
 * build gives the same frames.
 */
export function* sampleFrames(s: SampleScenario = buildSampleScenario()): Generator<RawFrame> {
  let now = SAMPLE_START_MS;
  const rng: Rng = mulberry32(SAMPLE_SEED);
  const tl = s.timeline;
  const recorded = new Set(s.pairs.flatMap((p) => p.legs.map((l) => `${l.venue}:${l.marketId}`)));
  const pairById = new Map(s.pairs.map((p) => [p.pairId, p]));
  const kalshiOf = (pairId: string): string => pairById.get(pairId)!.legs[1].marketId;
  const polyOf = (pairId: string): string => pairById.get(pairId)!.legs[0].marketId;

  // ---------------------------------------------------------------- Polymarket (one connection)
  const polyMarkets = s.polyMarkets.filter((m) => recorded.has(`polymarket:${m.conditionId}`));
  const polyById = new Map(polyMarkets.map((m) => [m.conditionId, m]));
  const polyBooks = new Map(polyMarkets.map((m) => [m.conditionId, new MarketBook(m.book ?? generateLadders(rng))]));
  const polyConn = `polymarket-${SESSION}-1`;
  const poly = (data: string): RawFrame => ({ venue: 'polymarket', connId: polyConn, tsReceived: now, data });
  const bookMsg = (m: PolyMarketSpec, token: 'yes' | 'no'): Record<string, unknown> => {
    const tb = polyBooks.get(m.conditionId)!.token(token);
    const bids = [...tb.bids].sort((a, b) => a[0] - b[0]).map(([p, q]) => ({ price: px(p), size: px(q) }));
    const asks = [...tb.asks].sort((a, b) => b[0] - a[0]).map(([p, q]) => ({ price: px(p), size: px(q) }));
    return { event_type: 'book', asset_id: token === 'yes' ? m.yesTokenId : m.noTokenId, market: m.conditionId, bids, asks, timestamp: String(now), hash: hashOf([bids, asks]) };
  };
  const polyBooksFrame = (ms: readonly PolyMarketSpec[]): RawFrame => poly(JSON.stringify(ms.flatMap((m) => [bookMsg(m, 'yes'), bookMsg(m, 'no')])));
  const polySetBook = (cid: string, ladders: PolySimLadders): RawFrame => {
    polyBooks.set(cid, new MarketBook(ladders));
    return polyBooksFrame([polyById.get(cid)!]);
  };
  const polyChanges = (m: PolyMarketSpec, changes: readonly SimChange[]): RawFrame | undefined => {
    if (!changes.length) return undefined;
    const book = polyBooks.get(m.conditionId)!;
    const entries = changes.map((c) => {
      const assetId = c.token === 'yes' ? m.yesTokenId : m.noTokenId;
      const b = book.best(c.token);
      return { asset_id: assetId, price: px(c.price), size: px(c.size), side: c.side, hash: hashOf([assetId, c.price, c.size, now]), best_bid: px(b.bid ?? 0), best_ask: px(b.ask ?? 1_000_000) };
    });
    return poly(JSON.stringify({ market: m.conditionId, price_changes: entries, timestamp: String(now), event_type: 'price_change' }));
  };
  const polyWalkable = polyMarkets.filter((m) => !m.frozen && !m.closed);

  // ---------------------------------------------------------------- Kalshi (SimSessions)
  const kalshiMarkets = s.kalshiMarkets.filter((m) => recorded.has(`kalshi:${m.ticker}`));
  const st: KalshiSimState = {
    rng, seed: SAMPLE_SEED, now: () => now, baseTimeMs: SAMPLE_DAY_MS, markets: kalshiMarkets, series: s.scenario.kalshiSeries, events: [],
    byTicker: new Map(kalshiMarkets.map((m) => [m.ticker, m])), books: new Map(kalshiMarkets.map((m) => [m.ticker, initialBook(rng, m)])),
    trades: [], volume: new Map(), stats: newStats(), tradeNo: 0,
  };
  const sent: string[] = [];
  const sessions = new SimSessions(st);
  let kalshiConnNo = 0;
  let kalshiConn = '';
  let kalshiClient: Client | undefined;
  let commandId = 0;
  const kalshiTake = function* (): Generator<RawFrame> {
    for (const data of sent.splice(0)) yield { venue: 'kalshi', connId: kalshiConn, tsReceived: now, data };
  };
  const kalshiConnect = (): void => {
    kalshiConn = `kalshi-${SESSION}-${++kalshiConnNo}`;
    kalshiClient = sessions.open(capturingSocket(sent));
    // what the feed sends on every open (src/venues/kalshi/socket.ts)
    sessions.onCommand(kalshiClient, JSON.stringify({ id: ++commandId, cmd: 'subscribe', params: { channels: [...DEFAULT_CHANNELS], market_tickers: kalshiMarkets.map((m) => m.ticker), use_yes_price: false } }));
  };
  const kalshiSetBook = (ticker: string, ladders: KalshiSimLadders): void => {
    setLadders(st.books.get(ticker)!, ladders);
    for (const [c, sub] of sessions.allSubs('orderbook_delta', ticker)) sessions.sendSnapshot(c, sub, ticker);
  };
  const kalshiWalkable = kalshiMarkets.filter((m) => !m.frozen && m.status === 'active');
  let kalshiStepNo = 0;
  const kalshiStep = (): void => {
    // the simulator's step(): a delta, every 5th a ticker, every 7th a trade
    const m = pick(rng, kalshiWalkable);
    const d = walkDelta(rng, st.books.get(m.ticker)!);
    if (!d) return;
    sessions.publishDelta(m.ticker, d.side, d.price, d.delta);
    kalshiStepNo++;
    if (kalshiStepNo % 5 === 0) sessions.publishTicker(m.ticker);
    if (kalshiStepNo % 7 === 0) sessions.publishTrade(m.ticker);
  };

  // ---------------------------------------------------------------- the driver, on virtual time
  const end = SAMPLE_START_MS + SAMPLE_DURATION_MS;
  const at = (offset: number) => SAMPLE_START_MS + offset;
  const kalshiUp = (t: number) => t < at(tl.outage.fromMs) || t >= at(tl.outage.toMs);
  const plantedKalshi = (pairId: string, t: number): KalshiSimLadders => {
    if (pairId === PENDING_PAIR) return tl.pendingWindows.some((w) => t >= at(w.fromMs) && t < at(w.toMs)) ? PENDING_ON : PENDING_OFF;
    const ep = tl.episodes.find((e) => e.pairId === pairId && t >= at(e.fromMs) && t < at(e.toMs));
    if (ep) return ep.on;
    const off = OFF[pairId];
    if (off) return off;
    const spec = s.kalshiMarkets.find((m) => m.ticker === kalshiOf(pairId))!;
    return spec.book!;
  };
  const plantedIds = ['demo-p1', 'demo-p2', 'demo-p3', PENDING_PAIR];
  const kalshiShown = new Map<string, string>();
  const ll = s.scenario.leadLag;
  let mid = 500_000;
  const follows: { t: number; mid: number }[] = [];

  // open: subscriptions answered with every book (Polymarket: one frame with all books)
  yield poly(JSON.stringify(polyMarkets.flatMap((m) => [bookMsg(m, 'yes'), bookMsg(m, 'no')])));
  kalshiConnect();
  yield* kalshiTake();

  for (let t = SAMPLE_START_MS; t < end; t += SEC) {
    now = t;
    const sec = (t - SAMPLE_START_MS) / SEC;
    // Kalshi outage: the connection is gone (nothing recorded), then the feed reconnects
    if (!kalshiUp(t) && kalshiClient) {
      sessions.close(kalshiClient);
      kalshiClient = undefined;
    }
    if (kalshiUp(t) && !kalshiClient) {
      kalshiConnect();
      yield* kalshiTake();
    }
    const refresh = (t - SAMPLE_START_MS) % REFRESH_MS === 0;
    // planted pairs: Polymarket leg re-published; Kalshi leg switched at once when it changes, else re-published
    for (const id of plantedIds) {
      const cid = polyOf(id);
      if (refresh) yield polySetBook(cid, polyBooks.get(cid)!.ladders());
      const ladders = plantedKalshi(id, t);
      const key = JSON.stringify(ladders);
      const changed = kalshiShown.get(id) !== key;
      if (kalshiClient && (changed || refresh)) {
        kalshiSetBook(kalshiOf(id), ladders);
        kalshiShown.set(id, key);
        yield* kalshiTake();
      } else if (changed) setLadders(st.books.get(kalshiOf(id))!, ladders);
    }
    // lead-lag: leg A steps, leg B follows LEAD_LAG_DELAY_MS later (a follow due in the outage is lost)
    while (follows.length && follows[0]!.t <= t) {
      const f = follows.shift()!;
      if (!kalshiClient) continue;
      kalshiSetBook(ll.kalshiTicker, leadLagBooks(f.mid).kalshi);
      yield* kalshiTake();
    }
    if ((t - SAMPLE_START_MS) % LEAD_LAG_STEP_MS === 0) {
      mid = Math.min(850_000, Math.max(150_000, mid + randInt(rng, -5, 5) * 1_000));
      yield polySetBook(ll.polyId, leadLagBooks(mid).poly);
      follows.push({ t: t + LEAD_LAG_DELAY_MS, mid });
    }
    // fillers: the simulators' random walks
    for (let k = 0; k < FILLER_STEPS_PER_SEC; k++) {
      const m = polyWalkable.length ? pick(rng, polyWalkable) : undefined;
      if (m) {
        const tick = Math.round(Number(m.tickSize) * 1_000_000);
        const f = polyChanges(m, walkStep(polyBooks.get(m.conditionId)!, rng, tick));
        if (f) yield f;
      }
      if (kalshiWalkable.length) {
        // the walk goes on while the connection is down; nothing of it is received
        kalshiStep();
        if (kalshiClient) yield* kalshiTake();
        else sent.splice(0);
      }
    }
    // the feed's PING every 10 s, answered with PONG
    if (sec % 10 === 9) yield poly('PONG');
  }
}
