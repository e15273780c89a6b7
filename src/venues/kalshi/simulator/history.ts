/**
 * History endpoints of the Kalshi simulator: `GET /markets/trades` (cursor paging, newest first)
 * and `GET /series/{s}/markets/{t}/candlesticks` (1, 60 or 1440 minutes), in the live wire shapes
 * (PROTOCOLS.md 4, ORDERS.md §3).
 *
 * Deterministic from the seed and the ticker: the YES price at a minute is value noise (hourly
 * knots from a hash, linearly joined, plus a per-minute jitter) on whole cents; 0–2 trades a
 * minute at that price; candles are the OHLC of the bid (price − 1¢), the ask (price + 1¢) and the
 * trades of their period (null when none traded). Generated trades lie before the simulator's
 * `baseTimeMs`; the live walk's trades (after it) are served too. The venue is "down"
 * {@link HISTORY_OUTAGE} every UTC day: no trades, and no candle whose whole period falls in it
 * (the gap a backfill must report).
 */
import { SCALE } from '../../../../schema/money.js';
import { fnv, HISTORY_OUTAGE, inOutage, noiseYes, uniformAt as u } from '../../common/simHistory.js';
import { fp, iso, px } from './format.js';
import type { KalshiMarketSpec } from './markets.js';
import type { KalshiSimState } from './state.js';

export { HISTORY_OUTAGE, inOutage };

const keyOf = (seed: number, ticker: string): number => fnv(`${seed}:${ticker}`);

/** YES price at a minute (unix minute), micro-dollars on whole cents in [2¢, 98¢]. */
export function kalshiYesMicros(seed: number, ticker: string, minute: number): number {
  return Math.round(noiseYes(keyOf(seed, ticker), minute) * 100) * 10_000;
}

export interface KalshiHistTrade {
  readonly trade_id: string;
  readonly ticker: string;
  /** micro-dollars */
  readonly yes: number;
  /** millionths */
  readonly count: number;
  readonly taker: 'yes' | 'no';
  /** unix ms */
  readonly ts: number;
}

const uuidOf = (key: number, minute: number, i: number): string => {
  const h = (salt: number): string => Math.floor(u(key, minute, 100 + i * 8 + salt) * 0x1_0000_0000).toString(16).padStart(8, '0');
  const s = h(0) + h(1) + h(2) + h(3);
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-a${s.slice(17, 20)}-${s.slice(20, 32)}`;
};

/** Generated trades of one market in one minute (none in the outage). */
function minuteTrades(seed: number, ticker: string, minute: number): KalshiHistTrade[] {
  if (inOutage(minute * 60)) return [];
  const key = keyOf(seed, ticker);
  const n = Math.floor(u(key, minute, 3) * 3);
  const yes = kalshiYesMicros(seed, ticker, minute);
  const out: KalshiHistTrade[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      trade_id: uuidOf(key, minute, i), ticker, yes, count: (1 + Math.floor(u(key, minute, 40 + i) * 200)) * SCALE,
      taker: u(key, minute, 30 + i) < 0.5 ? 'yes' : 'no', ts: (minute * 60 + Math.floor(u(key, minute, 10 + i) * 60)) * 1000,
    });
  }
  return out;
}

/** Generated trades of one market with ts in [startMs, endMs] and before `untilMs`, oldest first. */
export function kalshiHistTrades(seed: number, ticker: string, startMs: number, endMs: number, untilMs: number): KalshiHistTrade[] {
  const out: KalshiHistTrade[] = [];
  const last = Math.min(endMs, untilMs - 1);
  for (let minute = Math.floor(startMs / 60_000); minute * 60_000 <= last; minute++) {
    for (const t of minuteTrades(seed, ticker, minute)) if (t.ts >= startMs && t.ts <= last) out.push(t);
  }
  return out.sort((a, b) => a.ts - b.ts || a.trade_id.localeCompare(b.trade_id));
}

/** Candles whose end lies in [startS, endS] (period `periodS`), as the venue sends them. */
export function kalshiCandles(seed: number, ticker: string, startS: number, endS: number, periodS: number, untilMs: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const key = keyOf(seed, ticker);
  for (let end = Math.ceil(startS / periodS) * periodS; end <= endS && out.length < 5000; end += periodS) {
    const mins: number[] = [];
    for (let m = (end - periodS) / 60; m < end / 60; m++) if (!inOutage(m * 60)) mins.push(m);
    if (mins.length === 0) continue;
    const path = mins.map((m) => kalshiYesMicros(seed, ticker, m));
    const trades = mins.flatMap((m) => minuteTrades(seed, ticker, m)).filter((t) => t.ts < untilMs);
    const ohlc = (v: readonly number[], d: number) => ({ open_dollars: px(v[0]! + d), low_dollars: px(Math.min(...v) + d), high_dollars: px(Math.max(...v) + d), close_dollars: px(v.at(-1)! + d) });
    const tp = trades.map((t) => t.yes);
    const vol = trades.reduce((s, t) => s + t.count, 0);
    const mean = vol > 0 ? Math.round(trades.reduce((s, t) => s + (t.yes / 100) * (t.count / SCALE), 0) / (vol / SCALE)) * 100 : null;
    const prev = kalshiYesMicros(seed, ticker, (end - periodS) / 60 - 1);
    out.push({
      end_period_ts: end,
      yes_bid: ohlc(path, -10_000),
      yes_ask: ohlc(path, 10_000),
      price: tp.length
        ? { ...ohlc(tp, 0), mean_dollars: px(mean!), previous_dollars: px(prev), min_dollars: px(Math.min(...tp)), max_dollars: px(Math.max(...tp)) }
        : { open_dollars: null, low_dollars: null, high_dollars: null, close_dollars: null, mean_dollars: null, previous_dollars: px(prev), min_dollars: null, max_dollars: null },
      volume_fp: fp(vol),
      open_interest_fp: fp((1000 + Math.floor(u(key, Math.floor(end / 86_400), 50) * 5000)) * SCALE),
    });
  }
  return out;
}

const cursorOf = (offset: number): string => Buffer.from(`h:${offset}`).toString('base64url');
const offsetOf = (cursor: string | null): number => {
  if (!cursor) return 0;
  const m = /^h:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  return m ? Number(m[1]) : -1;
};

const MAX_WINDOW_MS = 31 * 86_400_000;
type Send = (code: number, body: unknown) => void;

/**
 * Answers `GET /markets/trades` and `GET /series/{s}/markets/{t}/candlesticks` (path `parts` below
 * the API prefix); false for any other path.
 */
export function kalshiHistoryRoute(st: KalshiSimState, parts: readonly string[], q: URLSearchParams, send: Send): boolean {
  const bad = (message: string): true => (send(400, { error: { code: 'invalid_parameters', message } }), true);
  if (parts[0] === 'markets' && parts[1] === 'trades' && parts.length === 2) {
    const tk = q.get('ticker');
    const nowMs = st.now();
    const maxMs = Number(q.get('max_ts') ?? Math.floor(nowMs / 1000)) * 1000;
    const minMs = Number(q.get('min_ts') ?? Math.floor(maxMs / 1000) - 86_400) * 1000;
    if (!Number.isFinite(minMs) || !Number.isFinite(maxMs) || maxMs < minMs) return bad('invalid min_ts/max_ts');
    const limit = Math.min(Math.max(Number(q.get('limit') ?? 100) || 100, 1), 1000);
    const off = offsetOf(q.get('cursor'));
    if (off < 0) return bad('invalid cursor');
    const ms: readonly KalshiMarketSpec[] = tk ? [st.byTicker.get(tk)].filter((m): m is KalshiMarketSpec => m !== undefined) : st.markets;
    // generated history only over a bounded window (the live trades are always served)
    const genFrom = Math.max(minMs, maxMs - MAX_WINDOW_MS);
    const gen = ms.flatMap((m) => kalshiHistTrades(st.seed, m.ticker, genFrom, maxMs, st.baseTimeMs));
    const live = st.trades.filter((t) => (!tk || t.ticker === tk) && t.ts >= minMs && t.ts <= maxMs);
    const all = [...gen, ...live].sort((a, b) => b.ts - a.ts || a.trade_id.localeCompare(b.trade_id));
    const page = all.slice(off, off + limit);
    send(200, {
      trades: page.map((t) => ({
        trade_id: t.trade_id, ticker: t.ticker, count_fp: fp(t.count), yes_price_dollars: px(t.yes), no_price_dollars: px(SCALE - t.yes),
        taker_side: t.taker, taker_outcome_side: t.taker, taker_book_side: t.taker === 'yes' ? 'bid' : 'ask', created_time: iso(t.ts),
      })),
      cursor: off + limit < all.length ? cursorOf(off + limit) : '',
    });
    return true;
  }
  if (parts[0] === 'series' && parts[2] === 'markets' && parts[4] === 'candlesticks' && parts.length === 5) {
    const m = st.byTicker.get(parts[3]!);
    if (!m || m.seriesTicker !== parts[1]) return send(404, { error: { code: 'not_found', message: 'market not found' } }), true;
    const start = Number(q.get('start_ts'));
    const end = Number(q.get('end_ts'));
    const period = Number(q.get('period_interval'));
    if (!Number.isInteger(start) || !Number.isInteger(end) || ![1, 60, 1440].includes(period) || end < start) {
      return bad('start_ts, end_ts and period_interval (1, 60, 1440) required');
    }
    if ((end - start) / (period * 60) > 5000) return bad('too many candlesticks requested (max 5000)');
    send(200, { ticker: m.ticker, candlesticks: kalshiCandles(st.seed, m.ticker, start, end, period * 60, st.baseTimeMs) });
    return true;
  }
  return false;
}
