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
import { z } from 'zod';
import type { BookSnapshotEvent, Level } from '../../../schema/book.js';
import { MarketRecord } from '../../../schema/market.js';
import type { Config } from '../../config.js';
import { NonRetryableError, RetryableError } from '../../errors.js';
import { log } from '../../log.js';
import { createKalshiSigner, type KalshiAuthConfig, type KalshiSigner } from './auth.js';
import { truncateRaw } from './normalize.js';
import { zCents, zCountFp, zIntCount, zPriceDollars } from './wire.js';

export const KALSHI_DEFAULT_REST_URL = 'https://api.elections.kalshi.com/trade-api/v2';

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

// ------------------------------------------------------------------ wire schemas

const isoMs = z
  .string()
  .nullish()
  .transform((s) => {
    if (!s) return null;
    const t = Date.parse(s);
    return Number.isFinite(t) ? t : null;
  });
const optPrice = zPriceDollars.nullish().transform((v) => v ?? null);

const MarketWire = z.looseObject({
  ticker: z.string().min(1),
  event_ticker: z.string().min(1),
  market_type: z.string().optional(),
  title: z.string().default(''),
  subtitle: z.string().nullish(),
  yes_sub_title: z.string().nullish(),
  no_sub_title: z.string().nullish(),
  rules_primary: z.string().nullish(),
  rules_secondary: z.string().nullish(),
  open_time: isoMs,
  close_time: isoMs,
  expected_expiration_time: isoMs,
  latest_expiration_time: isoMs,
  status: z.string(),
  strike_type: z.string().nullish(),
  floor_strike: z.number().nullish(),
  cap_strike: z.number().nullish(),
  price_level_structure: z.string().nullish(),
  fractional_trading_enabled: z.boolean().nullish(),
  yes_bid_dollars: optPrice,
  yes_ask_dollars: optPrice,
  no_bid_dollars: optPrice,
  no_ask_dollars: optPrice,
  last_price_dollars: optPrice,
});
type MarketWire = z.output<typeof MarketWire>;

const EventWire = z.looseObject({
  event_ticker: z.string().min(1),
  series_ticker: z.string().min(1),
  title: z.string().default(''),
  sub_title: z.string().nullish(),
  mutually_exclusive: z.boolean().nullish(),
  markets: z.array(MarketWire).nullish(),
});

const SeriesWire = z.looseObject({
  ticker: z.string().min(1),
  title: z.string().default(''),
  category: z.string().nullish(),
  frequency: z.string().nullish(),
  fee_type: z.string().nullish(),
  fee_multiplier: z.number().nonnegative().nullish(),
  settlement_sources: z.array(z.looseObject({ name: z.string().nullish(), url: z.string().nullish() })).nullish(),
});

const cursor = z.string().nullish().transform((c) => c ?? '');
const MarketsResponse = z.object({ markets: z.array(MarketWire).nullish().transform((v) => v ?? []), cursor });
const MarketResponse = z.object({ market: MarketWire });
const EventsResponse = z.object({ events: z.array(EventWire).nullish().transform((v) => v ?? []), cursor });
const EventResponse = z.object({ event: EventWire, markets: z.array(MarketWire).nullish() });
const SeriesResponse = z.object({ series: SeriesWire });
const SeriesListResponse = z.object({ series: z.array(SeriesWire).nullish().transform((v) => v ?? []) });
const FeeChangesResponse = z.object({
  series_fee_change_arr: z
    .array(z.looseObject({ id: z.string(), series_ticker: z.string(), fee_type: z.string(), fee_multiplier: z.number().nonnegative(), scheduled_ts: isoMs }))
    .nullish()
    .transform((v) => v ?? []),
});
const levelsFp = z.array(z.tuple([zPriceDollars, zCountFp])).nullish();
const OrderbookResponse = z.object({
  orderbook_fp: z.object({ yes_dollars: levelsFp, no_dollars: levelsFp }).nullish(),
  /** legacy (v3.6.0) */
  orderbook: z
    .object({ yes: z.array(z.tuple([zCents, zIntCount])).nullish(), no: z.array(z.tuple([zCents, zIntCount])).nullish() })
    .nullish(),
});
const TradeWire = z.looseObject({
  trade_id: z.string(),
  ticker: z.string(),
  yes_price_dollars: zPriceDollars.optional(),
  no_price_dollars: zPriceDollars.optional(),
  count_fp: zCountFp.optional(),
  yes_price: zCents.optional(),
  count: zIntCount.optional(),
  taker_side: z.enum(['yes', 'no']).nullish(),
  taker_outcome_side: z.enum(['yes', 'no']).nullish(),
  created_time: isoMs,
});
const TradesResponse = z.object({ trades: z.array(TradeWire).nullish().transform((v) => v ?? []), cursor });

/** OHLC in either the live (`open_dollars`) or historical (`open`) naming; nullable when no trades. */
const ohlc = z
  .looseObject({
    open_dollars: zPriceDollars.nullish(), low_dollars: zPriceDollars.nullish(), high_dollars: zPriceDollars.nullish(), close_dollars: zPriceDollars.nullish(),
    open: zPriceDollars.nullish(), low: zPriceDollars.nullish(), high: zPriceDollars.nullish(), close: zPriceDollars.nullish(),
  })
  .nullish()
  .transform((o) => {
    if (!o) return null;
    const pick = (a: number | null | undefined, b: number | null | undefined) => a ?? b ?? null;
    const out = { open: pick(o.open_dollars, o.open), low: pick(o.low_dollars, o.low), high: pick(o.high_dollars, o.high), close: pick(o.close_dollars, o.close) };
    return out.open === null && out.close === null ? null : out;
  });
const CandleWire = z.looseObject({
  end_period_ts: z.number().int().nonnegative(),
  yes_bid: ohlc,
  yes_ask: ohlc,
  price: ohlc,
  volume_fp: zCountFp.optional(),
  open_interest_fp: zCountFp.optional(),
  volume: z.union([zCountFp, zIntCount]).optional(),
  open_interest: z.union([zCountFp, zIntCount]).optional(),
});
const CandlesResponse = z.object({ ticker: z.string().optional(), candlesticks: z.array(CandleWire).nullish().transform((v) => v ?? []) });

// ------------------------------------------------------------------ normalized records

export interface KalshiSeriesInfo {
  readonly ticker: string;
  readonly title: string;
  readonly category: string | null;
  readonly frequency: string | null;
  /** `quadratic` | `quadratic_with_maker_fees` | `flat` (others passed through) */
  readonly feeType: string | null;
  readonly feeMultiplier: number | null;
  readonly settlementSources: readonly { name: string; url: string }[];
  readonly raw: Readonly<Record<string, unknown>>;
}

/** A Kalshi market with what the matcher and the fee model need. Times are unix ms (null when absent). */
export interface KalshiMarketInfo {
  readonly ticker: string;
  readonly eventTicker: string;
  readonly seriesTicker: string;
  readonly title: string;
  readonly yesSubTitle: string;
  readonly noSubTitle: string;
  readonly rulesPrimary: string;
  readonly rulesSecondary: string;
  readonly openTime: number | null;
  readonly closeTime: number | null;
  readonly expectedExpirationTime: number | null;
  /** market status vocabulary: initialized, inactive, active, closed, determined, disputed, amended, finalized */
  readonly status: string;
  readonly strikeType: string | null;
  readonly floorStrike: number | null;
  readonly capStrike: number | null;
  readonly priceLevelStructure: string | null;
  readonly fractionalTradingEnabled: boolean;
  readonly category: string | null;
  readonly settlementSources: readonly { name: string; url: string }[];
  readonly feeType: string | null;
  readonly feeMultiplier: number | null;
  readonly raw: Readonly<Record<string, unknown>>;
}

export interface KalshiEventInfo {
  readonly eventTicker: string;
  readonly seriesTicker: string;
  readonly title: string;
  readonly subTitle: string;
  readonly mutuallyExclusive: boolean;
  readonly raw: Readonly<Record<string, unknown>>;
}

export interface KalshiFeeChange {
  readonly id: string;
  readonly seriesTicker: string;
  readonly feeType: string;
  readonly feeMultiplier: number;
  /** unix ms */
  readonly scheduledTs: number | null;
}

export interface KalshiTrade {
  readonly tradeId: string;
  readonly ticker: string;
  /** YES price, micro-dollars */
  readonly yesPrice: number;
  /** contracts, millionths */
  readonly count: number;
  readonly takerSide: 'yes' | 'no' | null;
  /** unix ms */
  readonly createdTime: number | null;
}

export interface Ohlc {
  readonly open: number | null;
  readonly low: number | null;
  readonly high: number | null;
  readonly close: number | null;
}

export interface KalshiCandle {
  /** unix ms of the period end */
  readonly endPeriodTs: number;
  readonly yesBid: Ohlc | null;
  readonly yesAsk: Ohlc | null;
  /** null when there were no trades in the period */
  readonly price: Ohlc | null;
  readonly volume: number | null;
  readonly openInterest: number | null;
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

/** Kalshi market status (market vocabulary) → the shared record's status. Unknown values count as closed (never traded). */
export function kalshiStatus(status: string): MarketRecord['status'] {
  switch (status) {
    case 'initialized':
    case 'unopened':
      return 'unopened';
    case 'active':
    case 'open':
      return 'open';
    case 'inactive':
    case 'paused':
      return 'paused';
    case 'closed':
      return 'closed';
    case 'determined':
    case 'disputed':
    case 'amended':
    case 'finalized':
    case 'settled':
      return 'resolved';
    default:
      log.warn({ venue: 'kalshi', status }, 'unknown market status; treated as closed');
      return 'closed';
  }
}

const TICK: Readonly<Record<string, number>> = { linear_cent: 10_000, deci_cent: 1_000 };

/** Structured strike → thresholds for the matcher (`greater` 4487 → `> 4487`, `between` → both bounds). */
function strikeThresholds(m: KalshiMarketInfo): MarketRecord['thresholds'] {
  const f = m.floorStrike;
  const c = m.capStrike;
  switch (m.strikeType) {
    case 'greater':
      return f === null ? [] : [{ value: f, comparator: '>' }];
    case 'greater_or_equal':
      return f === null ? [] : [{ value: f, comparator: '>=' }];
    case 'less':
      return c === null ? [] : [{ value: c, comparator: '<' }];
    case 'less_or_equal':
      return c === null ? [] : [{ value: c, comparator: '<=' }];
    case 'between':
      return f === null || c === null ? [] : [{ value: f, comparator: 'between' }, { value: c, comparator: 'between' }];
    default:
      return [];
  }
}

/** The shared market record (schema/market.ts) of a Kalshi market, validated. */
export function toMarketRecord(m: KalshiMarketInfo): MarketRecord {
  return MarketRecord.parse({
    venue: 'kalshi',
    marketId: m.ticker,
    eventId: m.eventTicker,
    seriesId: m.seriesTicker,
    title: m.title,
    rulesText: m.rulesPrimary,
    rulesSecondary: m.rulesSecondary,
    outcomes: [m.yesSubTitle || 'Yes', m.noSubTitle || 'No'],
    ...(m.openTime === null ? {} : { openTime: m.openTime }),
    ...(m.closeTime === null ? {} : { closeTime: m.closeTime }),
    ...(m.expectedExpirationTime === null ? {} : { expectedResolutionTime: m.expectedExpirationTime }),
    ...(m.settlementSources.length ? { resolutionSource: m.settlementSources.map((s) => s.name || s.url).join('; ') } : {}),
    ...(m.category ? { category: m.category } : {}),
    status: kalshiStatus(m.status),
    ...(m.priceLevelStructure && TICK[m.priceLevelStructure] ? { tickSizeMicros: TICK[m.priceLevelStructure] } : {}),
    feeInfo: { feeType: m.feeType, feeMultiplier: m.feeMultiplier, priceLevelStructure: m.priceLevelStructure },
    thresholds: strikeThresholds(m),
  });
}

const toMarketInfo = (m: MarketWire, ev: { seriesTicker: string } | undefined, s: KalshiSeriesInfo | undefined): KalshiMarketInfo => ({
  ticker: m.ticker,
  eventTicker: m.event_ticker,
  seriesTicker: ev?.seriesTicker ?? s?.ticker ?? m.event_ticker.split('-')[0]!,
  title: m.title,
  yesSubTitle: m.yes_sub_title ?? '',
  noSubTitle: m.no_sub_title ?? '',
  rulesPrimary: m.rules_primary ?? '',
  rulesSecondary: m.rules_secondary ?? '',
  openTime: m.open_time,
  closeTime: m.close_time,
  expectedExpirationTime: m.expected_expiration_time ?? m.latest_expiration_time,
  status: m.status,
  strikeType: m.strike_type ?? null,
  floorStrike: m.floor_strike ?? null,
  capStrike: m.cap_strike ?? null,
  priceLevelStructure: m.price_level_structure ?? null,
  fractionalTradingEnabled: m.fractional_trading_enabled ?? false,
  category: s?.category ?? null,
  settlementSources: s?.settlementSources ?? [],
  feeType: s?.feeType ?? null,
  feeMultiplier: s?.feeMultiplier ?? null,
  raw: m,
});

const toSeries = (s: z.output<typeof SeriesWire>): KalshiSeriesInfo => ({
  ticker: s.ticker,
  title: s.title,
  category: s.category ?? null,
  frequency: s.frequency ?? null,
  feeType: s.fee_type ?? null,
  feeMultiplier: s.fee_multiplier ?? null,
  settlementSources: (s.settlement_sources ?? []).map((x) => ({ name: x.name ?? '', url: x.url ?? '' })),
  raw: s,
});

const toEvent = (e: z.output<typeof EventWire>): KalshiEventInfo => ({
  eventTicker: e.event_ticker,
  seriesTicker: e.series_ticker,
  title: e.title,
  subTitle: e.sub_title ?? '',
  mutuallyExclusive: e.mutually_exclusive ?? false,
  raw: e,
});

/** Kalshi bids ascending → Level[] best first; zero levels dropped. */
const bids = (l: readonly (readonly [number, number])[] | null | undefined): Level[] =>
  (l ?? []).filter(([, q]) => q > 0).map(([price, qty]) => ({ price, qty })).sort((a, b) => b.price - a.price);

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

