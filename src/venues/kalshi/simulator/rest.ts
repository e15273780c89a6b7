/**
 * REST `/trade-api/v2` of the Kalshi simulator: markets (cursor paging, status/event/series/tickers
 * filters), market trades, orderbook, events, series, series fee_changes and candlesticks; 429s on
 * demand (`failRest`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SCALE } from '../../../../schema/money.js';
import { mulberry32, randInt } from '../../common/prng.js';
import type { AuthCheck } from './auth.js';
import { levelsAsc } from './book.js';
import { fp, iso, px } from './format.js';
import { kalshiHistoryRoute } from './history.js';
import { eventJson, marketJson, seriesJson, type KalshiEventSpec, type KalshiMarketSpec } from './markets.js';
import { bookOf, type KalshiSimState } from './state.js';

export const REST_PREFIX = '/trade-api/v2';

export interface SimRest {
  /** Answers one request (synchronously). */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** The next `n` requests get HTTP 429. */
  failRest(n: number): void;
}

const cursorOf = (offset: number): string => Buffer.from(`o:${offset}`).toString('base64url');
const offsetOf = (cursor: string | null): number => {
  if (!cursor) return 0;
  const m = /^o:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  return m ? Number(m[1]) : -1;
};

/** One page of `items` by the `limit`/`cursor` query; null for an invalid cursor. */
function page<T>(items: readonly T[], q: URLSearchParams, max: number): { items: T[]; cursor: string } | null {
  const limit = Math.min(Math.max(Number(q.get('limit') ?? 100) || 100, 1), max);
  const off = offsetOf(q.get('cursor'));
  if (off < 0) return null;
  const slice = items.slice(off, off + limit);
  return { items: slice, cursor: off + limit < items.length ? cursorOf(off + limit) : '' };
}

const statusFilter: Record<string, KalshiMarketSpec['status'][]> = { unopened: ['initialized'], open: ['active'], paused: [], closed: ['closed'], settled: ['determined', 'finalized'] };

export function simRest(st: KalshiSimState, checkAuth: AuthCheck): SimRest {
  const { markets, events, series, byTicker, stats, trades } = st;
  let fail429 = 0;
  const market = (m: KalshiMarketSpec) => marketJson(m, bookOf(st, m.ticker));
  const event = (e: KalshiEventSpec, nested: boolean) => eventJson(e, nested ? markets.filter((m) => m.eventTicker === e.eventTicker).map(market) : undefined);

  function candles(ticker: string, start: number, end: number, periodS: number) {
    const out: unknown[] = [];
    const crng = mulberry32([...ticker].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) >>> 0, st.seed));
    let mid = bookOf(st, ticker).fair;
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

  function handle(req: IncomingMessage, res: ServerResponse): void {
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
    if (kalshiHistoryRoute(st, parts, q, json)) return; // trades and candlesticks: ./history.ts
    if (parts[0] === 'markets' && parts.length === 1) {
      let list = markets;
      const sts = q.get('status');
      if (sts) list = list.filter((m) => sts.split(',').some((s) => (statusFilter[s] ?? []).includes(m.status)));
      const ev = q.get('event_ticker');
      if (ev) list = list.filter((m) => m.eventTicker === ev);
      const se = q.get('series_ticker');
      if (se) list = list.filter((m) => m.seriesTicker === se);
      const tk = q.get('tickers');
      if (tk) list = list.filter((m) => tk.split(',').includes(m.ticker));
      const p = page(list, q, 1000);
      return p ? json(200, { markets: p.items.map(market), cursor: p.cursor }) : badCursor();
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
      if (parts.length === 2) return json(200, { market: market(m) });
      if (parts[2] === 'orderbook' && parts.length === 3) {
        const b = bookOf(st, m.ticker);
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
      return json(200, { events: p.items.map((e) => event(e, nested)), cursor: p.cursor });
    }
    if (parts[0] === 'events' && parts.length === 2) {
      const e = events.find((x) => x.eventTicker === parts[1]);
      if (!e) return json(404, { error: { code: 'not_found', message: 'event not found' } });
      return json(200, { event: event(e, false), markets: markets.filter((m) => m.eventTicker === e.eventTicker).map(market) });
    }
    if (parts[0] === 'series' && parts.length === 1) {
      const cat = q.get('category');
      return json(200, { series: series.filter((s) => !cat || s.category === cat).map(seriesJson) });
    }
    if (parts[0] === 'series' && parts[1] === 'fee_changes' && parts.length === 2) {
      const sticker = q.get('series_ticker');
      const list = series.filter((s) => !sticker || s.ticker === sticker);
      return json(200, {
        series_fee_change_arr: list.map((s, i) => ({ id: `fc-${i + 1}`, series_ticker: s.ticker, fee_type: s.feeType, fee_multiplier: s.feeMultiplier, scheduled_ts: iso(st.baseTimeMs + 30 * 86_400_000) })),
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

  return {
    handle,
    failRest(n) {
      fail429 += n;
    },
  };
}
