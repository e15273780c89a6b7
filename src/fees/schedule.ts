/**
 * Fee schedules with validity periods, and the in-memory {@link FeeBook} that answers "which fee
 * rule applied to this market at this time".
 *
 * An entry is scoped (`default` < `category` < `series` < `event` < `market`, least to most
 * specific) and valid on `[validFrom, validTo)`. Resolution overlays the entries valid at `ts`
 * from the least to the most specific scope; within one scope the entry with the latest
 * `validFrom` wins. A `null`/absent field INHERITS from the less specific scopes, which is exactly
 * what Kalshi's `event_fee_update` means by null ("override cleared") and lets a fee-enabled
 * Polymarket market without `feeSchedule` fall back to its category table.
 * Kalshi: event override > series > default. Polymarket: market > category > default.
 *
 * The book is filled from REST (series, fee_changes, Gamma markets) and WS (event_fee_update)
 * through the `apply*` methods, or from the DB `fee_schedules` table through {@link FeeBook.add}.
 */
import { z } from 'zod';
import { VenueId, type Venue } from '../../schema/venue.js';
import { log } from '../log.js';
import { KalshiEventFeeUpdate, KalshiFeeType, KalshiSeriesFee, KalshiSeriesFeeChange } from './kalshi.js';
import { GammaFeeSchedule, POLYMARKET_CATEGORY_FEES, POLYMARKET_EARLY_2026, polymarketCategory, type PolymarketCategory } from './polymarket.js';
import { FeeInputError, zRate } from './rational.js';

export const FeeScope = z.enum(['default', 'category', 'series', 'event', 'market']);
export type FeeScope = z.infer<typeof FeeScope>;
/** least to most specific */
export const SCOPE_ORDER: readonly FeeScope[] = ['default', 'category', 'series', 'event', 'market'];

/**
 * `none`: no fee. `polymarket`: current era (5 dp USDC, taker-only). `polymarket_early_2026`: 4 dp,
 * shares on BUY. Kalshi: `quadratic`, `quadratic_with_maker_fees`, `flat`.
 */
export const FeeType = z.enum(['none', 'polymarket', 'polymarket_early_2026', ...KalshiFeeType.options]);
export type FeeType = z.infer<typeof FeeType>;

const opt = <T extends z.ZodType>(t: T) => t.nullable().optional();

export const FeeScheduleEntry = z.object({
  venue: VenueId,
  scope: FeeScope,
  /** market id / series ticker / event ticker / category name; '*' for default */
  scopeId: z.string().min(1),
  feeType: opt(FeeType),
  /** Polymarket fee rate (exact decimal) */
  rate: opt(zRate),
  exponent: opt(z.number().int().min(0).max(4)),
  takerOnly: opt(z.boolean()),
  rebateRate: opt(zRate),
  /** Kalshi fee_multiplier (exact decimal) */
  multiplier: opt(zRate),
  flatTakerPerContractMicros: opt(z.number().int().nonnegative()),
  flatMakerPerContractMicros: opt(z.number().int().nonnegative()),
  /** unix ms, inclusive */
  validFrom: z.number().int(),
  /** unix ms, exclusive; absent = open-ended */
  validTo: z.number().int().optional(),
  /** where it came from ('gamma', 'ws:event_fee_update', 'builtin:category-table', …) */
  source: z.string().optional(),
});
export type FeeScheduleEntry = z.output<typeof FeeScheduleEntry>;
export type FeeScheduleEntryInput = z.input<typeof FeeScheduleEntry>;

/** A complete fee rule for one market at one time. */
export interface ResolvedFeeSchedule {
  readonly venue: Venue;
  readonly feeType: FeeType;
  readonly rate: string;
  readonly exponent: number;
  readonly takerOnly: boolean;
  readonly rebateRate: string;
  readonly multiplier: string;
  readonly flatTakerPerContractMicros?: number;
  readonly flatMakerPerContractMicros?: number;
  /** the entries that contributed, least specific first (audit trail) */
  readonly from: readonly { readonly scope: FeeScope; readonly scopeId: string; readonly validFrom: number; readonly source?: string }[];
}

/** `fetched`: the schedule is what a venue said when asked (see {@link FeeBook.fetchedAt}). */
export interface FetchOptions {
  readonly fetched?: boolean;
}

export interface MarketRef {
  readonly marketId: string;
  readonly eventId?: string;
  readonly seriesId?: string;
  readonly category?: string;
}

const FIELDS = ['feeType', 'rate', 'exponent', 'takerOnly', 'rebateRate', 'multiplier', 'flatTakerPerContractMicros', 'flatMakerPerContractMicros'] as const;

/** Approximate era boundaries (PROTOCOLS §5.2); pass your own to {@link polymarketCategoryEntries}. */
export const POLYMARKET_ERAS = {
  /** first taker fees (15-min crypto) */
  earlyFrom: Date.UTC(2026, 0, 1),
  /** NCAAB / Serie A markets created from this day */
  sportsEarlyFrom: Date.UTC(2026, 1, 18),
  /** per-category taker-only fees "from about Mar/Apr 2026": an approximation */
  currentFrom: Date.UTC(2026, 2, 30),
} as const;

/** Built-in category fallback entries for both Polymarket eras. */
export function polymarketCategoryEntries(eras: { earlyFrom: number; sportsEarlyFrom: number; currentFrom: number } = POLYMARKET_ERAS): FeeScheduleEntry[] {
  const out: FeeScheduleEntry[] = [{ venue: 'polymarket', scope: 'default', scopeId: '*', feeType: 'none', validFrom: 0, source: 'builtin:no-fee-default' }];
  for (const c of Object.keys(POLYMARKET_CATEGORY_FEES) as PolymarketCategory[]) {
    const t = POLYMARKET_CATEGORY_FEES[c];
    out.push({ venue: 'polymarket', scope: 'category', scopeId: c, feeType: 'none', validFrom: eras.earlyFrom, validTo: eras.currentFrom, source: 'builtin:early-2026' });
    out.push({
      venue: 'polymarket', scope: 'category', scopeId: c, feeType: t.rate === '0' ? 'none' : 'polymarket',
      rate: t.rate, exponent: 1, takerOnly: true, rebateRate: t.rebateRate, validFrom: eras.currentFrom, source: 'builtin:category-table',
    });
  }
  const early = (c: PolymarketCategory, p: { rate: string; exponent: number; rebateRate: string }, from: number): FeeScheduleEntry => ({
    venue: 'polymarket', scope: 'category', scopeId: c, feeType: 'polymarket_early_2026', rate: p.rate, exponent: p.exponent,
    takerOnly: true, rebateRate: p.rebateRate, validFrom: from, validTo: eras.currentFrom, source: 'builtin:early-2026',
  });
  out.push(early('Crypto', POLYMARKET_EARLY_2026.crypto, eras.earlyFrom));
  out.push(early('Sports', POLYMARKET_EARLY_2026.sports, eras.sportsEarlyFrom));
  return out;
}

/** Kalshi default: a standard quadratic series with multiplier 1 (used when the series is unknown). */
export const KALSHI_DEFAULT_ENTRY: FeeScheduleEntry = { venue: 'kalshi', scope: 'default', scopeId: '*', feeType: 'quadratic', multiplier: '1', validFrom: 0, source: 'builtin:kalshi-default' };

/** The Gamma market fields the fee book reads. */
export const GammaMarketFees = z.object({
  conditionId: z.string().min(1),
  feesEnabled: z.boolean().optional(),
  feeSchedule: GammaFeeSchedule.nullable().optional(),
  feeType: z.string().nullable().optional(),
  category: z.string().nullable().optional(),
});

export class FeeBook {
  private readonly entries = new Map<string, FeeScheduleEntry[]>();
  private readonly refs = new Map<string, MarketRef>();
  /** bumped by every change; cached resolutions of an older version are discarded */
  private version = 0;
  /** market → its resolved schedule and the time window [from, until) in which that stays true */
  private readonly resolved = new Map<string, { version: number; from: number; until: number; value: ResolvedFeeSchedule | undefined }>();

  /** A book with the built-in defaults (Kalshi quadratic ×1; Polymarket category tables by era). */
  static withDefaults(): FeeBook {
    const b = new FeeBook();
    b.add(KALSHI_DEFAULT_ENTRY);
    for (const e of polymarketCategoryEntries()) b.add(e);
    return b;
  }

  /** Adds (or replaces, same key and validFrom) one entry; throws FeeInputError when invalid. */
  add(input: FeeScheduleEntryInput): void {
    const parsed = FeeScheduleEntry.safeParse(input);
    if (!parsed.success) throw new FeeInputError(`invalid fee schedule entry: ${z.prettifyError(parsed.error)}`, { input: JSON.stringify(input) });
    const e = parsed.data;
    if (e.validTo !== undefined && e.validTo <= e.validFrom) throw new FeeInputError('validTo must be after validFrom', { input: JSON.stringify(input) });
    const scopeId = e.venue === 'polymarket' && e.scope === 'category' ? polymarketCategory(e.scopeId) : e.scopeId;
    const entry = { ...e, scopeId };
    const key = `${e.venue}|${e.scope}|${scopeId}`;
    const list = (this.entries.get(key) ?? []).filter((x) => x.validFrom !== entry.validFrom);
    list.push(entry);
    list.sort((a, b) => a.validFrom - b.validFrom);
    this.entries.set(key, list);
    this.version++;
  }

  /** Every entry (for persisting to `fee_schedules`). */
  all(): FeeScheduleEntry[] {
    return [...this.entries.values()].flat();
  }

  /** Registers where a market sits (event, series, category) so lookups by id alone work. */
  setMarketRef(venue: Venue, ref: MarketRef): void {
    this.refs.set(`${venue}|${ref.marketId}`, ref);
    this.version++;
  }

  marketRef(venue: Venue, marketId: string): MarketRef {
    return this.refs.get(`${venue}|${marketId}`) ?? { marketId };
  }

  /**
   * The fee rule of a market at `tsMs`, or undefined when nothing (not even a default) applies.
   * Lookups by market id are cached per market for the window in which no entry starts or ends
   * (the hot path: every sized candidate asks for every price level).
   */
  feeScheduleAt(venue: Venue, marketRef: string | MarketRef, tsMs: number): ResolvedFeeSchedule | undefined {
    if (typeof marketRef !== 'string') return this.resolve(venue, { ...this.marketRef(venue, marketRef.marketId), ...marketRef }, tsMs).value;
    const key = `${venue}|${marketRef}`;
    const hit = this.resolved.get(key);
    if (hit && hit.version === this.version && hit.from <= tsMs && tsMs < hit.until) return hit.value;
    const r = this.resolve(venue, this.marketRef(venue, marketRef), tsMs);
    this.resolved.set(key, { version: this.version, ...r });
    return r.value;
  }

  private resolve(venue: Venue, ref: MarketRef, tsMs: number): { value: ResolvedFeeSchedule | undefined; from: number; until: number } {
    const ids: Record<FeeScope, string | undefined> = {
      default: '*',
      category: ref.category === undefined ? undefined : venue === 'polymarket' ? polymarketCategory(ref.category) : ref.category,
      series: ref.seriesId,
      event: ref.eventId,
      market: ref.marketId,
    };
    const acc: Partial<Record<(typeof FIELDS)[number], unknown>> = {};
    const from: { scope: FeeScope; scopeId: string; validFrom: number; source?: string }[] = [];
    // the window around tsMs in which no relevant entry starts or ends
    let lo = -Infinity;
    let hi = Infinity;
    for (const scope of SCOPE_ORDER) {
      const id = ids[scope];
      if (id === undefined) continue;
      for (const x of this.entries.get(`${venue}|${scope}|${id}`) ?? []) {
        for (const b of x.validTo === undefined ? [x.validFrom] : [x.validFrom, x.validTo]) {
          if (b <= tsMs) lo = Math.max(lo, b);
          else hi = Math.min(hi, b);
        }
      }
      const e = this.validAt(`${venue}|${scope}|${id}`, tsMs);
      if (!e) continue;
      from.push({ scope, scopeId: id, validFrom: e.validFrom, ...(e.source ? { source: e.source } : {}) });
      for (const f of FIELDS) if (e[f] !== null && e[f] !== undefined) acc[f] = e[f];
    }
    if (acc.feeType === undefined) return { value: undefined, from: lo, until: hi };
    const value: ResolvedFeeSchedule = {
      venue,
      feeType: acc.feeType as FeeType,
      rate: (acc.rate as string | undefined) ?? '0',
      exponent: (acc.exponent as number | undefined) ?? 1,
      takerOnly: (acc.takerOnly as boolean | undefined) ?? true,
      rebateRate: (acc.rebateRate as string | undefined) ?? '0',
      multiplier: (acc.multiplier as string | undefined) ?? '1',
      ...(acc.flatTakerPerContractMicros !== undefined ? { flatTakerPerContractMicros: acc.flatTakerPerContractMicros as number } : {}),
      ...(acc.flatMakerPerContractMicros !== undefined ? { flatMakerPerContractMicros: acc.flatMakerPerContractMicros as number } : {}),
      from,
    };
    return { value, from: lo, until: hi };
  }

  private validAt(key: string, ts: number): FeeScheduleEntry | undefined {
    const list = this.entries.get(key);
    if (!list) return undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const e = list[i]!;
      if (e.validFrom <= ts && (e.validTo === undefined || ts < e.validTo)) return e;
    }
    return undefined;
  }

  /** WS `event_fee_update` body: overrides from `tsMs` on; nulls clear (inherit the series). */
  applyKalshiEventFeeUpdate(msg: unknown, tsMs: number): boolean {
    const p = KalshiEventFeeUpdate.safeParse(msg);
    if (!p.success) return this.reject('kalshi', msg, p.error);
    const m = p.data;
    this.add({
      venue: 'kalshi', scope: 'event', scopeId: m.event_ticker, feeType: m.fee_type_override,
      multiplier: m.fee_multiplier_override === null ? null : String(m.fee_multiplier_override), validFrom: tsMs, source: 'ws:event_fee_update',
    });
    return true;
  }

  /** REST `GET /series/{ticker}` fee fields, valid from `validFrom` (see {@link FeeBook.fetchedAt}). */
  applyKalshiSeries(series: unknown, validFrom: number, o: FetchOptions = {}): boolean {
    const p = KalshiSeriesFee.safeParse(series);
    if (!p.success) return this.reject('kalshi', series, p.error);
    this.put({ venue: 'kalshi', scope: 'series', scopeId: p.data.ticker, feeType: p.data.fee_type, multiplier: String(p.data.fee_multiplier), validFrom, source: 'rest:series' }, o);
    return true;
  }

  /** One row of REST `GET /series/fee_changes` (valid from its scheduled_ts). */
  applyKalshiSeriesFeeChange(change: unknown): boolean {
    const p = KalshiSeriesFeeChange.safeParse(change);
    if (!p.success) return this.reject('kalshi', change, p.error);
    const c = p.data;
    this.add({ venue: 'kalshi', scope: 'series', scopeId: c.series_ticker, feeType: c.fee_type, multiplier: String(c.fee_multiplier), validFrom: c.scheduled_ts, source: 'rest:series_fee_changes' });
    return true;
  }

  /**
   * A Gamma market: `feesEnabled:false` → no fee; `feeSchedule` → that schedule; fee-enabled without
   * schedule → inherit the category table (category from `category`, else from `feeType`
   * `crypto_*`/`sports_*`, else 'Other').
   */
  applyPolymarketMarket(market: unknown, validFrom: number, o: FetchOptions = {}): boolean {
    const p = GammaMarketFees.safeParse(market);
    if (!p.success) return this.reject('polymarket', market, p.error);
    const m = p.data;
    const fromType = m.feeType?.startsWith('crypto') ? 'Crypto' : m.feeType?.startsWith('sports') ? 'Sports' : undefined;
    const category = m.category ?? fromType ?? (m.feesEnabled ? 'Other' : undefined);
    this.setMarketRef('polymarket', { ...this.marketRef('polymarket', m.conditionId), marketId: m.conditionId, ...(category ? { category } : {}) });
    const base = { venue: 'polymarket' as const, scope: 'market' as const, scopeId: m.conditionId, validFrom, source: 'rest:gamma' };
    if (!m.feesEnabled) this.put({ ...base, feeType: 'none' }, o);
    else if (m.feeSchedule) this.put({ ...base, feeType: m.feeSchedule.rate === '0' ? 'none' : 'polymarket', ...m.feeSchedule }, o);
    else this.put({ ...base, feeType: null }, o);
    return true;
  }

  /**
   * A view of this book for one refresh fetched at `ts`: what the venues say their schedules are
   * NOW (`applyKalshiSeries`, `applyPolymarketMarket`, which venue modules call with validFrom 0)
   * is stored valid from `ts`, not from time 0, so a replay of an earlier session still sees the
   * schedules valid then; a schedule equal to the one already valid is not stored again (it stays
   * valid from when it was first seen). Announced changes (`applyKalshiSeriesFeeChange`, at their
   * scheduled time) and pushed updates (at their receive time) keep their own times. Everything
   * else reads and writes this book.
   */
  fetchedAt(ts: number): FeeBook {
    const stamped: Partial<FeeBook> = {
      applyKalshiSeries: (series, validFrom) => this.applyKalshiSeries(series, Math.max(validFrom, ts), { fetched: true }),
      applyPolymarketMarket: (market, validFrom) => this.applyPolymarketMarket(market, Math.max(validFrom, ts), { fetched: true }),
    };
    return new Proxy(this, {
      get: (target, key) => {
        if (key in stamped) return stamped[key as keyof FeeBook];
        const v: unknown = Reflect.get(target, key, target);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  }

  /** add(), or for a fetched schedule: add only when it differs from the entry valid at its time. */
  private put(input: FeeScheduleEntryInput, o: FetchOptions): void {
    if (o.fetched && this.unchanged(input)) return;
    this.add(input);
  }

  /** true when the open-ended entry valid at the input's validFrom in its scope has the same fee fields */
  private unchanged(input: FeeScheduleEntryInput): boolean {
    const p = FeeScheduleEntry.safeParse(input);
    if (!p.success) return false;
    const e = p.data;
    const scopeId = e.venue === 'polymarket' && e.scope === 'category' ? polymarketCategory(e.scopeId) : e.scopeId;
    const current = this.validAt(`${e.venue}|${e.scope}|${scopeId}`, e.validFrom);
    return current !== undefined && current.validTo === undefined && FIELDS.every((f) => (current[f] ?? null) === (e[f] ?? null));
  }

  private reject(venue: Venue, raw: unknown, err: z.ZodError): false {
    this.rejected++;
    log.warn({ err: new FeeInputError(z.prettifyError(err), { input: 'fee update' }), venue, raw }, 'fee update rejected');
    return false;
  }

  /** fee messages rejected by validation */
  rejected = 0;
}
