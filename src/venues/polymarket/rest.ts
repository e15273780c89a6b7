/**
 * Polymarket REST: Gamma discovery (markets and events, offset paging) and CLOB market data
 * (books, price history, fee parameters). Every response is parsed with zod; a market that does
 * not parse is logged with its raw text, counted in `stats.rejected` and skipped, never thrown.
 *
 * CLOB calls go through `@polymarket/clob-client` (`getOrderBook`, `getOrderBooks`,
 * `getPricesHistory`) with `throwOnError`, its responses re-validated with our zod schemas
 * (its d.ts says getPricesHistory returns `MarketPrice[]`, the wire is `{history: [...]}`).
 * `/clob-markets/{id}` and Gamma are not covered by the client, so they use fetch.
 * All calls share one polite token bucket.
 */
import { ApiError, Chain, ClobClient, type BookParams } from '@polymarket/clob-client';
import { z } from 'zod';
import type { BookSnapshotEvent } from '../../../schema/book.js';
import { DecodeError, NonRetryableError, RetryableError } from '../../errors.js';
import { log } from '../../log.js';
import { decodeFrame, type PolyDecodeContext } from './normalize.js';
import { scaledOf, toMarketInfo, type PolyMarketInfo } from './restMap.js';
import { ClobBookSchema, ClobMarketParamsSchema, GammaEventSchema, PricesHistorySchema, type ClobFeeInfo, type PricePoint } from './restSchemas.js';

export { toMarketInfo } from './restMap.js';
export type { PolyFeeSchedule, PolyMarketInfo } from './restMap.js';
export { ClobBookSchema, ClobMarketParamsSchema, GammaEventSchema, GammaFeeScheduleSchema, GammaMarketSchema, PricesHistorySchema } from './restSchemas.js';
export type { ClobFeeInfo, GammaMarket, PricePoint } from './restSchemas.js';

// ---------------------------------------------------------------------------------------------
// rate limit

/** A token bucket: `ratePerSec` tokens per second, at most `burst` saved up. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    readonly ratePerSec: number,
    readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(ratePerSec > 0) || !(burst >= 1)) throw new RangeError('TokenBucket: ratePerSec > 0 and burst >= 1 required');
    this.tokens = burst;
    this.last = now();
  }
  /** Milliseconds to wait before a token is available (0 = take it now); takes the token. */
  reserve(): number {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.ratePerSec);
    this.last = t;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.ratePerSec) * 1000);
  }
  async take(): Promise<void> {
    const wait = this.reserve();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}

// ---------------------------------------------------------------------------------------------
// client

export interface PolymarketRestOptions {
  gammaUrl: string;
  clobUrl: string;
  /** polite limit shared by all calls; default 5 requests/s, burst 10 */
  rateLimit?: { ratePerSec: number; burst: number };
  timeoutMs?: number;
  /** retries of retryable failures (429, 5xx, network); default 2 */
  retries?: number;
}

export interface ListOptions {
  /** page size (Gamma `limit`); default 100 */
  pageSize?: number;
  /** stop after this many raw items */
  max?: number;
  /** extra query parameters, e.g. { closed: 'false', active: 'true', tag_id: '…' } */
  query?: Record<string, string | number | boolean | readonly string[]>;
}

export interface RestStats {
  requests: number;
  retries: number;
  rejected: number;
  pages: number;
}

export class PolymarketRest {
  readonly stats: RestStats = { requests: 0, retries: 0, rejected: 0, pages: 0 };
  private readonly bucket: TokenBucket;
  private readonly clob: ClobClient;
  private readonly gammaUrl: string;
  private readonly clobUrl: string;

  constructor(private readonly opts: PolymarketRestOptions) {
    this.gammaUrl = opts.gammaUrl.replace(/\/+$/, '');
    this.clobUrl = opts.clobUrl.replace(/\/+$/, '');
    this.bucket = new TokenBucket(opts.rateLimit?.ratePerSec ?? 5, opts.rateLimit?.burst ?? 10);
    // public market data only: no signer, no creds; throwOnError makes failures exceptions
    this.clob = new ClobClient(this.clobUrl, Chain.POLYGON, undefined, undefined, undefined, undefined, undefined, false, undefined, undefined, false, undefined, true);
  }

  /** Gamma `/markets`, all pages (offset paging), as normalized binary markets. */
  async listMarkets(o: ListOptions = {}): Promise<PolyMarketInfo[]> {
    const out: PolyMarketInfo[] = [];
    for await (const page of this.pages('/markets', o)) {
      for (const raw of page) {
        const info = this.tryInfo(raw);
        if (info) out.push(info);
      }
    }
    return out;
  }

  /** Gamma `/events`, all pages, flattened to their markets (with the event title and tags). */
  async listEventMarkets(o: ListOptions = {}): Promise<PolyMarketInfo[]> {
    const out: PolyMarketInfo[] = [];
    for await (const page of this.pages('/events', o)) {
      for (const raw of page) {
        const ev = GammaEventSchema.safeParse(raw);
        if (!ev.success) {
          this.reject(raw, ev.error.issues, 'gamma event rejected');
          continue;
        }
        const tags = (ev.data.tags ?? []).map((t) => t.label ?? t.slug ?? '').filter(Boolean);
        for (const m of ev.data.markets ?? []) {
          const info = this.tryInfo(m, { title: ev.data.title, tags, category: ev.data.category });
          if (info) out.push(info);
        }
      }
    }
    return out;
  }

  /** One Gamma market by id. */
  async getMarket(gammaId: string): Promise<PolyMarketInfo> {
    return toMarketInfo(await this.fetchJson(`${this.gammaUrl}/markets/${encodeURIComponent(gammaId)}`));
  }

  /** CLOB `GET /book` → a snapshot BookEvent (YES or NO ladders by the context), or undefined for an untracked token. */
  async getBook(tokenId: string, ctx: PolyDecodeContext): Promise<BookSnapshotEvent | undefined> {
    const raw = await this.clobCall('getOrderBook', () => this.clob.getOrderBook(tokenId));
    return this.bookEvent(raw, ctx);
  }

  /** CLOB `POST /books` → snapshot events (untracked tokens skipped). */
  async getBooks(tokenIds: readonly string[], ctx: PolyDecodeContext): Promise<BookSnapshotEvent[]> {
    const raw: unknown = await this.clobCall('getOrderBooks', () => this.clob.getOrderBooks(tokenIds.map((t) => ({ token_id: t }) as BookParams))); // `side` is optional on the wire
    const arr = z.array(z.unknown()).safeParse(raw);
    if (!arr.success) throw new DecodeError('POST /books: expected an array', { source: 'polymarket.clob', raw: JSON.stringify(raw)?.slice(0, 512) });
    return arr.data.map((b) => this.bookEvent(b, ctx)).filter((e): e is BookSnapshotEvent => e !== undefined);
  }

  /** CLOB `GET /prices-history` for one token. Use `interval` or `startTs`/`endTs` (unix seconds). */
  async getPricesHistory(p: { tokenId: string; interval?: '1m' | '1h' | '6h' | '1d' | '1w' | 'max' | 'all'; startTs?: number; endTs?: number; fidelity?: number }): Promise<PricePoint[]> {
    const params: Record<string, string | number> = { market: p.tokenId };
    if (p.interval) params.interval = p.interval;
    if (p.startTs !== undefined) params.startTs = p.startTs;
    if (p.endTs !== undefined) params.endTs = p.endTs;
    if (p.fidelity !== undefined) params.fidelity = p.fidelity;
    // the client's d.ts is wrong about the shape: validate what actually came back
    const raw: unknown = await this.clobCall('getPricesHistory', () => this.clob.getPricesHistory(params as Parameters<ClobClient['getPricesHistory']>[0]));
    const r = PricesHistorySchema.safeParse(raw);
    if (!r.success) throw new DecodeError('prices-history rejected', { source: 'polymarket.clob', issues: r.error.issues, raw: JSON.stringify(raw)?.slice(0, 512) });
    return r.data.history.map((h) => ({ ts: h.t * 1000, price: Math.round(h.p * 1_000_000) }));
  }

  /** CLOB `GET /clob-markets/{condition_id}`: token ids, tick, fee parameters. */
  async getClobMarketFees(conditionId: string): Promise<ClobFeeInfo> {
    const raw = await this.fetchJson(`${this.clobUrl}/clob-markets/${encodeURIComponent(conditionId)}`);
    const r = ClobMarketParamsSchema.safeParse(raw);
    if (!r.success) throw new DecodeError('clob-markets rejected', { source: 'polymarket.clob', issues: r.error.issues });
    const d = r.data;
    return {
      conditionId,
      tokens: (d.t ?? []).map((t) => ({ tokenId: t.t, outcome: t.o })),
      tickSizeMicros: scaledOf(d.mts),
      makerBaseFeeBps: d.mbf,
      takerBaseFeeBps: d.tbf,
      ...(d.fd ? { fee: { rate: d.fd.r, ratePpm: scaledOf(d.fd.r) ?? 0, exponent: d.fd.e, takerOnly: d.fd.to } } : {}),
    };
  }

  // -------------------------------------------------------------------------------------------

  private bookEvent(raw: unknown, ctx: PolyDecodeContext): BookSnapshotEvent | undefined {
    const r = ClobBookSchema.safeParse(raw);
    if (!r.success) throw new DecodeError('CLOB book rejected', { source: 'polymarket.clob', issues: r.error.issues, raw: JSON.stringify(raw)?.slice(0, 512) });
    // reuse the WS normalizer: a REST book is a `book` message received now
    const res = decodeFrame({ venue: 'polymarket', connId: 'rest', tsReceived: Date.now(), data: JSON.stringify({ ...(raw as object), event_type: 'book' }) }, ctx);
    const ev = res.events.find((e): e is BookSnapshotEvent => e.kind === 'snapshot');
    return ev;
  }

  private tryInfo(raw: unknown, event?: { title?: string; tags?: readonly string[]; category?: string }): PolyMarketInfo | undefined {
    try {
      return toMarketInfo(raw, event);
    } catch (err) {
      this.reject(raw, err instanceof DecodeError ? err.info.issues : undefined, (err as Error).message);
      return undefined;
    }
  }

  private reject(raw: unknown, issues: unknown, msg: string): void {
    this.stats.rejected++;
    log.warn({ venue: 'polymarket', issues, raw: JSON.stringify(raw)?.slice(0, 512) }, msg);
  }

  private async *pages(path: string, o: ListOptions): AsyncGenerator<unknown[]> {
    const limit = o.pageSize ?? 100;
    let offset = 0;
    let seen = 0;
    for (;;) {
      const u = new URL(this.gammaUrl + path);
      for (const [k, v] of Object.entries(o.query ?? {})) {
        if (Array.isArray(v)) for (const x of v) u.searchParams.append(k, String(x));
        else u.searchParams.set(k, String(v));
      }
      u.searchParams.set('limit', String(limit));
      u.searchParams.set('offset', String(offset));
      const raw = await this.fetchJson(u.toString());
      const page = z.array(z.unknown()).safeParse(raw);
      if (!page.success) throw new DecodeError(`gamma ${path}: expected an array`, { source: 'polymarket.gamma', raw: JSON.stringify(raw)?.slice(0, 512) });
      this.stats.pages++;
      const items = o.max !== undefined ? page.data.slice(0, o.max - seen) : page.data;
      seen += items.length;
      if (items.length) yield items;
      if (page.data.length < limit || (o.max !== undefined && seen >= o.max)) return;
      offset += page.data.length;
    }
  }

  private async withRetry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const retries = this.opts.retries ?? 2;
    for (let attempt = 0; ; attempt++) {
      await this.bucket.take();
      this.stats.requests++;
      try {
        return await fn();
      } catch (err) {
        if (!(err instanceof RetryableError) || attempt >= retries) throw err;
        this.stats.retries++;
        const wait = Math.min(2000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2);
        log.warn({ err, venue: 'polymarket', what, attempt }, 'REST call failed, retrying');
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  private fetchJson(url: string): Promise<unknown> {
    return this.withRetry(url, async () => {
      let res: Response;
      try {
        res = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(this.opts.timeoutMs ?? 15_000) });
      } catch (err) {
        throw new RetryableError(`GET ${url} failed`, { url }, { cause: err });
      }
      if (res.status === 429 || res.status >= 500) throw new RetryableError(`GET ${url}: HTTP ${res.status}`, { url, status: res.status });
      if (!res.ok) throw new NonRetryableError(`GET ${url}: HTTP ${res.status}`, { url, status: res.status });
      const text = await res.text();
      try {
        return JSON.parse(text) as unknown;
      } catch (err) {
        throw new DecodeError(`GET ${url}: not JSON`, { source: 'polymarket.rest', raw: text.slice(0, 512), cause: String(err) });
      }
    });
  }

  private clobCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return this.withRetry(what, async () => {
      try {
        return await fn();
      } catch (err) {
        const status = err instanceof ApiError ? err.status : undefined;
        if (status === undefined || status === 429 || status >= 500) throw new RetryableError(`CLOB ${what} failed`, { status }, { cause: err });
        throw new NonRetryableError(`CLOB ${what}: HTTP ${status}`, { status }, { cause: err });
      }
    });
  }
}
