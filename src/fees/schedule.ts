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
 * The book is filled by the venues' fee parsers (`src/venues/<venue>/fees.ts`: REST series, fee
 * changes, Gamma markets, WS event_fee_update) through {@link FeeBook.add} / {@link FeeBook.putCurrent},
 * or from the DB `fee_schedules` table through {@link FeeBook.add}. Venue specifics (defaults,
 * category keys) come from the registry (`VenueModule.fees`).
 */
import { z } from 'zod';
import { VenueId, type Venue } from '../../schema/venue.js';
import { log } from '../log.js';
import { venueList, venues } from '../venues/registry.js';
import { KalshiFeeType } from './kalshi.js';
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

/** A category label as the venue's category fee table keys it (`VenueModule.fees.categoryKey`; as is when the venue has none). */
const categoryKey = (venue: Venue, label: string): string => venues[venue].fees.categoryKey?.(label) ?? label;

const FIELDS = ['feeType', 'rate', 'exponent', 'takerOnly', 'rebateRate', 'multiplier', 'flatTakerPerContractMicros', 'flatMakerPerContractMicros'] as const;

export class FeeBook {
  private readonly entries = new Map<string, FeeScheduleEntry[]>();
  private readonly refs = new Map<string, MarketRef>();
  /** bumped by every change; cached resolutions of an older version are discarded */
  private version = 0;
  /** market → its resolved schedule and the time window [from, until) in which that stays true */
  private readonly resolved = new Map<string, { version: number; from: number; until: number; value: ResolvedFeeSchedule | undefined }>();

  /** A book with every registered venue's built-in defaults (`VenueModule.fees.defaults`). */
  static withDefaults(): FeeBook {
    const b = new FeeBook();
    for (const v of venueList) for (const e of v.fees.defaults()) b.add(e);
    return b;
  }

  /** Adds (or replaces, same key and validFrom) one entry; throws FeeInputError when invalid. */
  add(input: FeeScheduleEntryInput): void {
    const parsed = FeeScheduleEntry.safeParse(input);
    if (!parsed.success) throw new FeeInputError(`invalid fee schedule entry: ${z.prettifyError(parsed.error)}`, { input: JSON.stringify(input) });
    const e = parsed.data;
    if (e.validTo !== undefined && e.validTo <= e.validFrom) throw new FeeInputError('validTo must be after validFrom', { input: JSON.stringify(input) });
    const scopeId = e.scope === 'category' ? categoryKey(e.venue, e.scopeId) : e.scopeId;
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
      category: ref.category === undefined ? undefined : categoryKey(venue, ref.category),
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

  /**
   * A view of this book for one refresh fetched at `ts`: what the venues say their schedules are
   * NOW ({@link FeeBook.putCurrent}, which the venues' fee parsers call with validFrom 0)
   * is stored valid from `ts`, not from time 0, so a replay of an earlier session still sees the
   * schedules valid then; a schedule equal to the one already valid is not stored again (it stays
   * valid from when it was first seen). Announced changes (added with {@link FeeBook.add} at their
   * scheduled time) and pushed updates (at their receive time) keep their own times. Everything
   * else reads and writes this book.
   */
  fetchedAt(ts: number): FeeBook {
    const stamped: Partial<FeeBook> = {
      putCurrent: (input) => this.put({ ...input, validFrom: Math.max(input.validFrom, ts) }, { fetched: true }),
    };
    return new Proxy(this, {
      get: (target, key) => {
        if (key in stamped) return stamped[key as keyof FeeBook];
        const v: unknown = Reflect.get(target, key, target);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  }

  /**
   * A schedule a venue reports as current (e.g. a Kalshi series, a Gamma market): add() here; in a
   * {@link FeeBook.fetchedAt} view stamped with the fetch time and stored only when it changed.
   */
  putCurrent(input: FeeScheduleEntryInput): void {
    this.put(input, {});
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
    const scopeId = e.scope === 'category' ? categoryKey(e.venue, e.scopeId) : e.scopeId;
    const current = this.validAt(`${e.venue}|${e.scope}|${scopeId}`, e.validFrom);
    return current !== undefined && current.validTo === undefined && FIELDS.every((f) => (current[f] ?? null) === (e[f] ?? null));
  }

  /** A venue fee message its parser rejected: logged with the raw value and counted in {@link FeeBook.rejected}. */
  reject(venue: Venue, raw: unknown, err: z.ZodError): false {
    this.rejected++;
    log.warn({ err: new FeeInputError(z.prettifyError(err), { input: 'fee update' }), venue, raw }, 'fee update rejected');
    return false;
  }

  /** fee messages rejected by validation */
  rejected = 0;
}
