/**
 * Discovery: every open market of each venue, normalised to {@link MarketRecord} and upserted
 * into `venue_markets` with a rules hash. A changed rules hash is reported and the market's
 * approved pairs go back to pending (the matcher re-checks them). The venues' new-market and
 * lifecycle messages update the same table between discovery runs (their handlers live in
 * `src/venues/<venue>/market.ts` and use the helpers below).
 */
import type pg from 'pg';
import type { MarketRecord } from '../../schema/market.js';
import type { Venue } from '../../schema/venue.js';
import { log } from '../log.js';
import { discoveryStats, loadMarkets, upsertMarkets, type StoredMarket, type UpsertEntry, type UpsertResult } from './marketStore.js';
import type { TextFlag } from './sanitize.js';

export { discoveryStats, loadMarkets, markPairsForRecheck, rowToStored, upsertMarkets } from './marketStore.js';
export type { StoredMarket, UpsertEntry, UpsertResult } from './marketStore.js';

/** A venue market as discovery receives it (see `VenueRest.discover`). */
export interface DiscoveredMarket {
  readonly venue: Venue;
  /** the venue's market object as received (stored, and logged when the market is rejected) */
  readonly raw: unknown;
  /** sanitiser flags of its raw text */
  readonly textFlags: readonly TextFlag[];
  /** its normal form; throws when the market does not fit */
  record(): MarketRecord;
}

/** A discovered market as a `venue_markets` write; undefined (logged and counted) when it does not fit. */
export function entryOf(m: DiscoveredMarket): UpsertEntry | undefined {
  try {
    const record = m.record();
    const textFlags = [...m.textFlags];
    if (textFlags.some((f) => f !== 'non-latin-letters')) {
      discoveryStats.hostileText++;
      log.warn({ venue: record.venue, marketId: record.marketId, textFlags }, 'market text had hidden characters or homoglyphs');
    }
    return { record, raw: m.raw, textFlags };
  } catch (err) {
    discoveryStats.rejected++;
    log.warn({ err, venue: m.venue, raw: JSON.stringify(m.raw)?.slice(0, 512) }, 'market rejected');
    return undefined;
  }
}

/** Where discovery reads a venue's open markets: the venue module's REST side (`venues[id].rest(config)`). */
export interface MarketSource {
  /** `max`: stop paging after about this many markets; `details`: extra lookups for better text (e.g. event titles), default true */
  discover(o?: { readonly max?: number; readonly details?: boolean }): Promise<DiscoveredMarket[]>;
}

export interface DiscoveryOptions {
  readonly pool: pg.Pool;
  /** the venues to discover, each through its source */
  readonly sources: Partial<Record<Venue, MarketSource>>;
  /** extra lookups per market for better text (Kalshi: event titles, one request per event, cached per run); default true */
  readonly details?: boolean;
  /** stop paging after this many markets per venue (tests, smoke runs) */
  readonly maxPerVenue?: number;
}

export type DiscoveryResult = UpsertResult & {
  /** markets stored per venue */
  readonly counts: Partial<Record<Venue, number>>;
  readonly rejected: number;
};

/** Fetches all open markets of the given venues and upserts them. */
export async function discoverMarkets(o: DiscoveryOptions): Promise<DiscoveryResult> {
  const entries: UpsertEntry[] = [];
  const rejectedBefore = discoveryStats.rejected;
  const counts: Partial<Record<Venue, number>> = {};
  for (const [venue, source] of Object.entries(o.sources) as [Venue, MarketSource][]) {
    const markets = await source.discover({ ...(o.maxPerVenue ? { max: o.maxPerVenue } : {}), details: o.details ?? true });
    counts[venue] = 0;
    for (const m of o.maxPerVenue ? markets.slice(0, o.maxPerVenue) : markets) {
      const e = entryOf(m);
      if (e) {
        entries.push(e);
        counts[venue]++;
      }
    }
  }
  const res = await upsertMarkets(o.pool, entries);
  log.info({ ...counts, inserted: res.inserted, updated: res.updated, changed: res.changed.length }, 'discovery done');
  return { ...res, counts, rejected: discoveryStats.rejected - rejectedBefore };
}

// ------------------------------------------------------------------ venue messages

export interface ApplyResult {
  readonly applied: boolean;
  /** the market's rules hash changed (its pairs were set back to pending) */
  readonly changed: boolean;
  readonly reason?: string;
}

/** A venue message that changes nothing: logged and counted. */
export const ignored = (reason: string, ctx: Record<string, unknown>): ApplyResult => {
  discoveryStats.lifecycleIgnored++;
  log.warn(ctx, `lifecycle message ignored: ${reason}`);
  return { applied: false, changed: false, reason };
};

/** The stored market of a venue id, if any. */
export async function loadOne(pool: pg.Pool, venue: Venue, id: string): Promise<StoredMarket | undefined> {
  const [m] = await loadMarkets(pool, { venue, ids: [id] });
  return m;
}

/** Writes one market (a venue message's change) to `venue_markets`. */
export async function storeEntry(pool: pg.Pool, entry: UpsertEntry): Promise<ApplyResult> {
  const res = await upsertMarkets(pool, [entry]);
  discoveryStats.lifecycleApplied++;
  return { applied: true, changed: res.changed.length > 0 };
}

