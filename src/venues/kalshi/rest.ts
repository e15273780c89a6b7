/**
 * Kalshi Trade API v2 REST client (market data): markets, events, series (fee_type,
 * fee_multiplier), series fee changes, orderbook (→ snapshot BookEvent), trades, candlesticks.
 *
 * Built on `fetch` + zod rather than the official `kalshi-typescript` SDK (3.30.0) because the
 * SDK adds a request interceptor to the *global* axios instance every time an API class is
 * constructed (a leak that also signs other axios users' requests), signs with its own
 * `Date.now()`, has no series fee-changes call, and returns unvalidated data; we need zod at the
 * boundary anyway. Requests are signed (same scheme as the SDK, see auth.ts) when credentials are
 * configured; a token bucket keeps to Kalshi's read limit (basic tier ≈ 20/s, configurable); 429
 * and 5xx are retried with exponential backoff and full jitter (Retry-After honoured).
 */
import type { z } from 'zod';
import type { BookSnapshotEvent } from '../../../schema/book.js';
import type { Config } from '../../config.js';
import { NonRetryableError, RetryableError, VenueAuthError } from '../../errors.js';
import { limitedLog, log } from '../../log.js';
import { createKalshiSigner, type KalshiAuthConfig, type KalshiSigner } from './auth.js';
import { truncateRaw } from './normalize.js';
import { bids, toEvent, toMarketInfo, toSeries, type KalshiCandle, type KalshiEventInfo, type KalshiFeeChange, type KalshiMarketInfo, type KalshiSeriesInfo, type KalshiTrade } from './restMap.js';
import {
  CandlesResponse, EventResponse, EventsResponse, FeeChangesResponse, MarketResponse, MarketsResponse, OrderbookResponse,
  SeriesListResponse, SeriesResponse, TradesResponse, type MarketWire,
} from './restSchemas.js';

export { kalshiStatus, toMarketRecord } from './restMap.js';
export type { KalshiCandle, KalshiEventInfo, KalshiFeeChange, KalshiMarketInfo, KalshiSeriesInfo, KalshiTrade, Ohlc } from './restMap.js';

export const KALSHI_DEFAULT_REST_URL = 'https://api.elections.kalshi.com/trade-api/v2';

// ------------------------------------------------------------------ rate limit

// ------------------------------------------------------------------ rate limit

/** Token bucket: `ratePerSec` tokens per second, at most `burst` saved. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    readonly ratePerSec: number,
    readonly burst: number = ratePerSec,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    if (!(ratePerSec > 0) || !(burst >= 1)) throw new RangeError('ratePerSec must be > 0 and burst >= 1');
    this.tokens = burst;
    this.last = now();
  }

  /** Resolves when a token is available (and takes it). */
  async take(): Promise<void> {
    for (;;) {
      const t = this.now();
      this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.ratePerSec) / 1000);
      this.last = t;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.sleep(Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSec));
    }
  }
}

export type MarketStatusFilter = 'unopened' | 'open' | 'paused' | 'closed' | 'settled';

export interface MarketsQuery {
  readonly status?: MarketStatusFilter | readonly MarketStatusFilter[];
  readonly eventTicker?: string;
  readonly seriesTicker?: string;
  readonly tickers?: readonly string[];
  /** multivariate combo markets: `exclude` (default here) or `only` */
  readonly mveFilter?: 'only' | 'exclude' | 'none';
  /** page size, ≤ 1000 */
  readonly limit?: number;
  readonly cursor?: string;
}

export interface KalshiRestOptions {
  readonly baseUrl?: string;
  readonly auth?: KalshiAuthConfig;
  /** Reads per second (token bucket). Default 20 (basic tier). */
  readonly ratePerSec?: number;
  readonly burst?: number;
  /** Retries of 429 / 5xx / network errors. Default 5. */
  readonly maxRetries?: number;
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

/** REST options from the app config (base URL and credentials). */
export function kalshiRestOptions(cfg: Pick<Config, 'venues'>): KalshiRestOptions {
  const { kalshi } = cfg.venues;
  return { baseUrl: kalshi.restUrl, ...(kalshi.auth ? { auth: kalshi.auth } : {}) };
}

export class KalshiRest {
  private readonly baseUrl: string;
  private readonly basePath: string;
  private readonly signer: KalshiSigner | undefined;
  private readonly bucket: TokenBucket;
  private readonly fetchFn: typeof fetch;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly maxRetries: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly timeoutMs: number;
  private readonly eventCache = new Map<string, Promise<KalshiEventInfo | undefined>>();
  private readonly seriesCache = new Map<string, Promise<KalshiSeriesInfo | undefined>>();
  /** requests sent, 429s seen, retries made */
  readonly stats = { requests: 0, throttled: 0, retries: 0 };

  constructor(opts: KalshiRestOptions = {}) {
    this.baseUrl = (opts.baseUrl ?? KALSHI_DEFAULT_REST_URL).replace(/\/+$/, '');
    this.basePath = new URL(this.baseUrl).pathname.replace(/\/+$/, '');
    this.now = opts.now ?? Date.now;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.random = opts.random ?? Math.random;
    this.signer = opts.auth ? createKalshiSigner(opts.auth, this.now) : undefined;
    this.bucket = new TokenBucket(opts.ratePerSec ?? 20, opts.burst ?? opts.ratePerSec ?? 20, this.now, this.sleep);
    this.fetchFn = opts.fetch ?? fetch;
    this.maxRetries = opts.maxRetries ?? 5;
    this.backoffBaseMs = opts.backoffBaseMs ?? 250;
    this.backoffMaxMs = opts.backoffMaxMs ?? 10_000;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
  }

  /** GET `path` (relative to the base URL) with query, validated by `schema`. */
  async get<T extends z.ZodType>(path: string, query: Record<string, string | number | boolean | undefined>, schema: T): Promise<z.output<T>> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') qs.set(k, String(v));
    const url = `${this.baseUrl}${path}${qs.size ? `?${qs}` : ''}`;
    for (let attempt = 0; ; attempt++) {
      await this.bucket.take();
      this.stats.requests++;
      const headers: Record<string, string> = { accept: 'application/json', ...(this.signer ? this.signer.headers('GET', this.basePath + path) : {}) };
      let res: Response;
      try {
        res = await this.fetchFn(url, { headers, signal: AbortSignal.timeout(this.timeoutMs) });
      } catch (err) {
        if (attempt >= this.maxRetries) throw new RetryableError(`Kalshi GET ${path} failed`, { path, attempts: attempt + 1 }, { cause: err });
        await this.backoff(attempt, undefined, path, (err as Error).message);
        continue;
      }
      if (res.status === 429 || res.status >= 500) {
        if (res.status === 429) this.stats.throttled++;
        const retryAfter = Number(res.headers.get('retry-after'));
        await res.body?.cancel();
        if (attempt >= this.maxRetries) throw new RetryableError(`Kalshi GET ${path}: HTTP ${res.status} after ${attempt + 1} attempts`, { path, status: res.status });
        await this.backoff(attempt, Number.isFinite(retryAfter) && res.headers.has('retry-after') ? retryAfter * 1000 : undefined, path, `HTTP ${res.status}`);
        continue;
      }
      const text = await res.text();
      if (res.status === 401 || res.status === 403) {
        const err = new VenueAuthError('kalshi', res.status, { path, body: truncateRaw(text) });
        limitedLog.log('error', 'kalshi rest auth failed', { err, venue: 'kalshi', path, status: res.status }, err.message);
        throw err;
      }
      if (!res.ok) throw new NonRetryableError(`Kalshi GET ${path}: HTTP ${res.status}`, { path, status: res.status, body: truncateRaw(text) });
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new NonRetryableError(`Kalshi GET ${path}: response is not JSON`, { path, body: truncateRaw(text) });
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`);
        log.warn({ venue: 'kalshi', path, issues, raw: truncateRaw(text) }, 'REST response rejected');
        throw new NonRetryableError(`Kalshi GET ${path}: unexpected response (${issues.join('; ')})`, { path, issues });
      }
      return parsed.data;
    }
  }

  private async backoff(attempt: number, retryAfterMs: number | undefined, path: string, reason: string): Promise<void> {
    this.stats.retries++;
    const cap = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** attempt);
    const delay = retryAfterMs !== undefined ? Math.min(this.backoffMaxMs, retryAfterMs) : Math.floor(this.random() * cap);
    log.info({ venue: 'kalshi', path, attempt, delay, reason }, 'REST retry');
    await this.sleep(delay);
  }

  // -------------------------------------------------------------- markets

  /** One page of markets, each joined with its event's series (category, fees, settlement sources). */
  async getMarkets(q: MarketsQuery = {}): Promise<{ markets: KalshiMarketInfo[]; cursor: string }> {
    const res = await this.get('/markets', {
      limit: q.limit ?? 1000,
      cursor: q.cursor,
      status: Array.isArray(q.status) ? q.status.join(',') : (q.status as string | undefined),
      event_ticker: q.eventTicker,
      series_ticker: q.seriesTicker,
      tickers: q.tickers?.join(','),
      mve_filter: q.mveFilter === 'none' ? undefined : (q.mveFilter ?? 'exclude'),
    }, MarketsResponse);
    return { markets: await this.enrich(res.markets), cursor: res.cursor };
  }

  /** Every market matching the query, following the cursor (at most `maxPages` pages). */
  async *iterMarkets(q: MarketsQuery = {}, maxPages = Infinity): AsyncGenerator<KalshiMarketInfo> {
    let cursorValue = q.cursor;
    for (let page = 0; page < maxPages; page++) {
      const res = await this.getMarkets({ ...q, cursor: cursorValue });
      yield* res.markets;
      if (!res.cursor) return;
      cursorValue = res.cursor;
    }
  }

  async listMarkets(q: MarketsQuery = {}, maxPages = Infinity): Promise<KalshiMarketInfo[]> {
    const out: KalshiMarketInfo[] = [];
    for await (const m of this.iterMarkets(q, maxPages)) out.push(m);
    return out;
  }

  async getMarket(ticker: string): Promise<KalshiMarketInfo> {
    const res = await this.get(`/markets/${encodeURIComponent(ticker)}`, {}, MarketResponse);
    return (await this.enrich([res.market]))[0]!;
  }

  /** Joins markets with their event (series ticker) and series (category, fees, settlement sources); cached. */
  private async enrich(markets: readonly MarketWire[]): Promise<KalshiMarketInfo[]> {
    const out: KalshiMarketInfo[] = [];
    for (const m of markets) {
      const ev = await this.cachedEvent(m.event_ticker);
      const s = ev ? await this.cachedSeries(ev.seriesTicker) : undefined;
      out.push(toMarketInfo(m, ev, s));
    }
    return out;
  }

  private cachedEvent(t: string): Promise<KalshiEventInfo | undefined> {
    let p = this.eventCache.get(t);
    if (!p) {
      p = this.getEvent(t).then((r) => r.event).catch((err: unknown) => {
        log.warn({ err, venue: 'kalshi', eventTicker: t }, 'event lookup failed');
        this.eventCache.delete(t);
        return undefined;
      });
      this.eventCache.set(t, p);
    }
    return p;
  }

  private cachedSeries(t: string): Promise<KalshiSeriesInfo | undefined> {
    let p = this.seriesCache.get(t);
    if (!p) {
      p = this.getSeries(t).catch((err: unknown) => {
        log.warn({ err, venue: 'kalshi', seriesTicker: t }, 'series lookup failed');
        this.seriesCache.delete(t);
        return undefined;
      });
      this.seriesCache.set(t, p);
    }
    return p;
  }

  // -------------------------------------------------------------- events and series

  async getEvents(q: { seriesTicker?: string; status?: MarketStatusFilter; limit?: number; cursor?: string } = {}): Promise<{ events: KalshiEventInfo[]; cursor: string }> {
    const res = await this.get('/events', { series_ticker: q.seriesTicker, status: q.status, limit: q.limit ?? 200, cursor: q.cursor }, EventsResponse);
    return { events: res.events.map(toEvent), cursor: res.cursor };
  }

  async getEvent(eventTicker: string): Promise<{ event: KalshiEventInfo; marketTickers: string[] }> {
    const res = await this.get(`/events/${encodeURIComponent(eventTicker)}`, {}, EventResponse);
    return { event: toEvent(res.event), marketTickers: (res.markets ?? res.event.markets ?? []).map((m) => m.ticker) };
  }

  async getSeries(seriesTicker: string): Promise<KalshiSeriesInfo> {
    const res = await this.get(`/series/${encodeURIComponent(seriesTicker)}`, {}, SeriesResponse);
    return toSeries(res.series);
  }

  async listSeries(category?: string): Promise<KalshiSeriesInfo[]> {
    const res = await this.get('/series', { category }, SeriesListResponse);
    return res.series.map(toSeries);
  }

  async getSeriesFeeChanges(seriesTicker?: string, showHistorical = false): Promise<KalshiFeeChange[]> {
    const res = await this.get('/series/fee_changes', { series_ticker: seriesTicker, show_historical: showHistorical || undefined }, FeeChangesResponse);
    return res.series_fee_change_arr.map((c) => ({ id: c.id, seriesTicker: c.series_ticker, feeType: c.fee_type, feeMultiplier: c.fee_multiplier, scheduledTs: c.scheduled_ts }));
  }

  // -------------------------------------------------------------- book and history

  /** The order book as a snapshot BookEvent (bids only, implied asks). `depth` 0 = all. */
  async getOrderbook(ticker: string, depth = 0): Promise<BookSnapshotEvent> {
    const res = await this.get(`/markets/${encodeURIComponent(ticker)}/orderbook`, { depth: depth || undefined }, OrderbookResponse);
    const ts = this.now();
    const yes = res.orderbook_fp ? res.orderbook_fp.yes_dollars : res.orderbook?.yes;
    const no = res.orderbook_fp ? res.orderbook_fp.no_dollars : res.orderbook?.no;
    return { kind: 'snapshot', venue: 'kalshi', marketId: ticker, tsVenue: ts, tsReceived: ts, impliedAsks: true, ladders: { yesBid: bids(yes), noBid: bids(no) } };
  }

  async getTrades(q: { ticker?: string; minTs?: number; maxTs?: number; limit?: number; cursor?: string } = {}): Promise<{ trades: KalshiTrade[]; cursor: string }> {
    const res = await this.get('/markets/trades', { ticker: q.ticker, min_ts: q.minTs, max_ts: q.maxTs, limit: q.limit ?? 1000, cursor: q.cursor }, TradesResponse);
    const trades: KalshiTrade[] = [];
    for (const t of res.trades) {
      const yesPrice = t.yes_price_dollars ?? t.yes_price ?? (t.no_price_dollars === undefined ? undefined : 1_000_000 - t.no_price_dollars);
      const count = t.count_fp ?? t.count;
      if (yesPrice === undefined || count === undefined) {
        log.warn({ venue: 'kalshi', tradeId: t.trade_id }, 'trade without price or count skipped');
        continue;
      }
      trades.push({ tradeId: t.trade_id, ticker: t.ticker, yesPrice, count, takerSide: t.taker_outcome_side ?? t.taker_side ?? null, createdTime: t.created_time });
    }
    return { trades, cursor: res.cursor };
  }

  /** `period` in minutes: 1, 60 or 1440; times in unix seconds as the API takes them. */
  async getCandlesticks(seriesTicker: string, ticker: string, startTs: number, endTs: number, period: 1 | 60 | 1440): Promise<KalshiCandle[]> {
    const res = await this.get(
      `/series/${encodeURIComponent(seriesTicker)}/markets/${encodeURIComponent(ticker)}/candlesticks`,
      { start_ts: startTs, end_ts: endTs, period_interval: period },
      CandlesResponse,
    );
    return res.candlesticks.map((c) => ({
      endPeriodTs: c.end_period_ts * 1000,
      yesBid: c.yes_bid,
      yesAsk: c.yes_ask,
      price: c.price,
      volume: c.volume_fp ?? c.volume ?? null,
      openInterest: c.open_interest_fp ?? c.open_interest ?? null,
    }));
  }
}

