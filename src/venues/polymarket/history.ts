/**
 * Polymarket history for backfills (ORDERS.md §3, PROTOCOLS.md 2.2):
 * - CLOB `GET /prices-history?market=<token>&startTs&endTs&fidelity` → `{history:[{t, p}]}`: one
 *   price per bucket, no volume, no bid/ask;
 * - data API `GET /trades?market=<condition id>&start&end&limit&offset&takerOnly` → an array of
 *   trades (numbers, no trade id), newest first, offset paging with `limit`, `offset` ≤ 10,000.
 *
 * Polymarket publishes **no order-book history** (the undocumented `/orderbook-history` stopped
 * producing data around 2026-02-20): L2 must be recorded from the market WebSocket.
 *
 * Plain `fetch` with zod rather than `PolymarketRest.getPricesHistory` (clob-client): the backfill
 * needs an AbortSignal on every request and Retry-After honoured, which the client does not give,
 * and the data API is not covered by it. Each endpoint has its own token bucket at half the
 * documented Cloudflare limit (docs.polymarket.com/api-reference/rate-limits: `/prices-history`
 * 1,000 req/10 s, data API `/trades` 200 req/10 s); 429, 5xx and network failures are retried with
 * exponential backoff and full jitter, a Retry-After (seconds or HTTP date) taking precedence.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { HistoryTradeRow, PricePointRow } from '../../../schema/history.js';
import { parseScaled } from '../../../schema/money.js';
import { DecodeError, NonRetryableError, RetryableError } from '../../errors.js';
import { log } from '../../log.js';
import { realClock } from '../../matching/llm/tokenBucket.js';
import { TokenBucket } from './rest.js';

export const POLY_DATA_API_URL = 'https://data-api.polymarket.com';

/** `{history:[{t, p}]}`: `t` unix seconds, `p` a price in [0, 1] (a JSON number). */
export const PricesHistoryWire = z.object({
  history: z.array(z.object({ t: z.number().int().nonnegative(), p: z.number().min(0).max(1) })),
});

/** A decimal JSON number to an exact 1e-6 integer (rounded half-up at the 7th decimal). */
const toScaled = (n: number): number => parseScaled(n.toFixed(7), 'half-up');

export const DataApiTradeWire = z.looseObject({
  proxyWallet: z.string().optional(),
  side: z.enum(['BUY', 'SELL']),
  asset: z.string().min(1),
  conditionId: z.string().min(1),
  size: z.number().positive(),
  price: z.number().min(0).max(1),
  /** unix seconds */
  timestamp: z.number().int().nonnegative(),
  outcome: z.string().optional(),
  outcomeIndex: z.number().int().min(0).max(1),
  transactionHash: z.string().optional(),
  title: z.string().optional(),
  slug: z.string().optional(),
});
export type DataApiTrade = z.output<typeof DataApiTradeWire>;
export const DataApiTradesWire = z.array(z.unknown());

/** Price points of one token (`outcome` is which side of the market the token is). */
export function toPricePoints(res: z.output<typeof PricesHistoryWire>, m: { conditionId: string; tokenId: string; outcome: 'yes' | 'no'; fidelityS: number }): PricePointRow[] {
  return res.history.map((h) => ({ venue: 'polymarket', marketId: m.conditionId, assetId: m.tokenId, outcome: m.outcome, fidelityS: m.fidelityS, ts: h.t * 1000, priceMicros: toScaled(h.p) }));
}

/**
 * The stored row of a data-API trade. It has no id: the key is a sha256 of the fields that
 * identify it (transaction, asset, wallet, side, size, price, time).
 */
export function toHistoryTrade(t: DataApiTrade): HistoryTradeRow {
  const key = createHash('sha256').update([t.transactionHash ?? '', t.asset, t.proxyWallet ?? '', t.side, t.size, t.price, t.timestamp].join('|')).digest('hex').slice(0, 40);
  return {
    venue: 'polymarket', marketId: t.conditionId, tradeKey: key, assetId: t.asset, outcome: t.outcomeIndex === 0 ? 'yes' : 'no', ts: t.timestamp * 1000,
    priceMicros: toScaled(t.price), qty: toScaled(t.size), side: t.side === 'BUY' ? 'buy' : 'sell', takerOutcome: null, txHash: t.transactionHash ?? null,
  };
}

/** Parses a data-API page: valid trades as rows, the rest logged with their raw text and returned in `rejected`. */
export function parseTradesPage(raw: unknown): { rows: HistoryTradeRow[]; rejected: number; size: number } {
  const arr = DataApiTradesWire.safeParse(raw);
  if (!arr.success) throw new DecodeError('data API /trades: expected an array', { source: 'polymarket.data', raw: JSON.stringify(raw)?.slice(0, 512) });
  const rows: HistoryTradeRow[] = [];
  let rejected = 0;
  for (const item of arr.data) {
    const r = DataApiTradeWire.safeParse(item);
    if (r.success) rows.push(toHistoryTrade(r.data));
    else {
      rejected++;
      log.warn({ venue: 'polymarket', issues: r.error.issues.slice(0, 5), raw: JSON.stringify(item)?.slice(0, 512) }, 'data API trade rejected');
    }
  }
  return { rows, rejected, size: arr.data.length };
}

export interface PolymarketHistoryOptions {
  readonly clobUrl: string;
  /** data API base URL; default {@link POLY_DATA_API_URL} */
  readonly dataUrl?: string;
  /** requests/s to `/prices-history`; default 50 (half of 1,000/10 s) */
  readonly pricesPerSec?: number;
  /** requests/s to the data API `/trades`; default 10 (half of 200/10 s) */
  readonly tradesPerSec?: number;
  /** retries of 429 / 5xx / network failures; default 8 */
  readonly maxRetries?: number;
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly random?: () => number;
}

/** Retry-After as ms (delta seconds or an HTTP date), undefined when absent or unreadable. */
export function retryAfterMs(v: string | null, now: number = Date.now()): number | undefined {
  if (v === null || v.trim() === '') return undefined;
  const s = Number(v);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const d = Date.parse(v);
  return Number.isFinite(d) ? Math.max(0, d - now) : undefined;
}

export class PolymarketHistory {
  /** requests sent, 429s seen, retries made */
  readonly stats = { requests: 0, throttled: 0, retries: 0 };
  private readonly clobUrl: string;
  private readonly dataUrl: string;
  private readonly pricesBucket: TokenBucket;
  private readonly tradesBucket: TokenBucket;
  private readonly fetchFn: typeof fetch;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly opts: PolymarketHistoryOptions) {
    this.clobUrl = opts.clobUrl.replace(/\/+$/, '');
    this.dataUrl = (opts.dataUrl ?? POLY_DATA_API_URL).replace(/\/+$/, '');
    this.pricesBucket = new TokenBucket(opts.pricesPerSec ?? 50, Math.max(1, opts.pricesPerSec ?? 50));
    this.tradesBucket = new TokenBucket(opts.tradesPerSec ?? 10, Math.max(1, opts.tradesPerSec ?? 10));
    this.fetchFn = opts.fetch ?? fetch;
    this.sleep = opts.sleep ?? realClock.sleep;
    this.random = opts.random ?? Math.random;
  }

  /** One token's price points with t in [startS, endS] at `fidelityMin`-minute buckets. */
  async pricesHistory(p: { conditionId: string; tokenId: string; outcome: 'yes' | 'no'; startS: number; endS: number; fidelityMin: number }, signal?: AbortSignal): Promise<PricePointRow[]> {
    const qs = new URLSearchParams({ market: p.tokenId, startTs: String(p.startS), endTs: String(p.endS), fidelity: String(p.fidelityMin) });
    const raw = await this.getJson(this.pricesBucket, `${this.clobUrl}/prices-history?${qs}`, signal);
    const r = PricesHistoryWire.safeParse(raw);
    if (!r.success) throw new DecodeError('prices-history rejected', { source: 'polymarket.clob', issues: r.error.issues.slice(0, 5), raw: JSON.stringify(raw)?.slice(0, 512) });
    return toPricePoints(r.data, { conditionId: p.conditionId, tokenId: p.tokenId, outcome: p.outcome, fidelityS: p.fidelityMin * 60 });
  }

  /** One page of a market's trades in [startS, endS], newest first (`takerOnly=true`, the default: each match once, from the taker's side). */
  async tradesPage(q: { conditionId: string; startS: number; endS: number; limit: number; offset: number }, signal?: AbortSignal): Promise<{ rows: HistoryTradeRow[]; rejected: number; size: number }> {
    const qs = new URLSearchParams({ market: q.conditionId, start: String(q.startS), end: String(q.endS), limit: String(q.limit), offset: String(q.offset), takerOnly: 'true' });
    return parseTradesPage(await this.getJson(this.tradesBucket, `${this.dataUrl}/trades?${qs}`, signal));
  }

  private async getJson(bucket: TokenBucket, url: string, signal?: AbortSignal): Promise<unknown> {
    const maxRetries = this.opts.maxRetries ?? 8;
    const path = new URL(url).pathname;
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      await bucket.take();
      this.stats.requests++;
      let res: Response;
      try {
        const timeout = AbortSignal.timeout(this.opts.timeoutMs ?? 15_000);
        res = await this.fetchFn(url, { headers: { accept: 'application/json' }, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
      } catch (err) {
        signal?.throwIfAborted();
        if (attempt >= maxRetries) throw new RetryableError(`Polymarket GET ${path} failed`, { path, attempts: attempt + 1 }, { cause: err });
        await this.backoff(attempt, undefined, path, (err as Error).message, signal);
        continue;
      }
      if (res.status === 429 || res.status >= 500) {
        if (res.status === 429) this.stats.throttled++;
        const ra = retryAfterMs(res.headers.get('retry-after'));
        await res.body?.cancel();
        if (attempt >= maxRetries) throw new RetryableError(`Polymarket GET ${path}: HTTP ${res.status} after ${attempt + 1} attempts`, { path, status: res.status });
        await this.backoff(attempt, ra, path, `HTTP ${res.status}`, signal);
        continue;
      }
      const text = await res.text();
      if (!res.ok) throw new NonRetryableError(`Polymarket GET ${path}: HTTP ${res.status}`, { path, status: res.status, body: text.slice(0, 512) });
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new DecodeError(`Polymarket GET ${path}: not JSON`, { source: 'polymarket.history', raw: text.slice(0, 512) });
      }
    }
  }

  private async backoff(attempt: number, retryAfter: number | undefined, path: string, reason: string, signal?: AbortSignal): Promise<void> {
    this.stats.retries++;
    const max = this.opts.backoffMaxMs ?? 30_000;
    const delay = retryAfter !== undefined ? Math.min(max, retryAfter) : Math.floor(this.random() * Math.min(max, (this.opts.backoffBaseMs ?? 250) * 2 ** attempt));
    log.info({ venue: 'polymarket', path, attempt, delay, reason }, 'history request retry');
    await this.sleep(delay, signal);
  }
}
