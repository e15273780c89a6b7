/**
 * The `venue_markets` table: upsert of market records with their rules hash (a changed hash sends
 * the market's approved pairs back to pending), and loading stored rows back into records.
 *
 * {@link MatcherStore} is everything the matcher reads and writes (markets, its decisions, the
 * re-check on a rules change, the LLM ledger and verdict cache): {@link PgMatcherStore} on
 * PostgreSQL (production) and `MemoryMatcherStore` (src/matching/memoryStore.ts: the eval, tests).
 */
import type pg from 'pg';
import { z } from 'zod';
import { MarketRecord } from '../../schema/market.js';
import { matcherDecisions, recheckPairs, recordMatcherDecision, type MatcherDecisionRow } from '../control/pairs.js';
import { PgLedger, type LlmLedger } from './cost.js';
import { log } from '../log.js';
import { selectVenueMarkets, upsertVenueMarkets } from '../store/repos/venueMarkets.js';
import { extractEntities } from './extract.js';
import { recordThresholds, rulesHash } from './records.js';

/** A market as stored: the record, the sanitiser's flags on its raw text, and its rules hash. */
export interface StoredMarket {
  readonly record: MarketRecord;
  readonly textFlags: readonly string[];
  readonly rulesHash: string;
}

export interface UpsertEntry {
  readonly record: MarketRecord;
  /** the venue's raw object (kept in `raw.source`) */
  readonly raw?: unknown;
  readonly textFlags?: readonly string[];
}

export interface UpsertResult {
  readonly inserted: number;
  readonly updated: number;
  /** existing markets whose rules hash changed */
  readonly changed: readonly { venue: MarketRecord['venue']; marketId: string }[];
}

/** Counters of discovery and lifecycle handling (process-wide). */
export const discoveryStats = { upserted: 0, rulesChanged: 0, rejected: 0, hostileText: 0, lifecycleApplied: 0, lifecycleIgnored: 0 };

const ts = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

/**
 * Upserts markets (batches of 500, one statement each) and reports which existing markets' rules
 * changed; their approved pairs are set back to pending for a re-check.
 */
export async function upsertMarkets(pool: pg.Pool, entries: readonly UpsertEntry[]): Promise<UpsertResult> {
  let inserted = 0;
  let updated = 0;
  const changed: { venue: MarketRecord['venue']; marketId: string }[] = [];
  for (let i = 0; i < entries.length; i += 500) {
    const rows = entries.slice(i, i + 500).map(({ record: r, raw, textFlags }) => ({
      venue: r.venue,
      market_id: r.marketId,
      event_id: r.eventId ?? null,
      title: r.title,
      rules_text: r.rulesText,
      rules_secondary: r.rulesSecondary,
      outcomes: r.outcomes,
      category: r.category ?? null,
      open_time: ts(r.openTime),
      close_time: ts(r.closeTime),
      expected_resolution_time: ts(r.expectedResolutionTime),
      resolution_source: r.resolutionSource ?? null,
      status: r.status,
      yes_token_id: r.yesTokenId ?? null,
      no_token_id: r.noTokenId ?? null,
      tick_size_micros: r.tickSizeMicros ?? null,
      fee_info: r.feeInfo,
      raw: {
        source: raw ?? null, textFlags: textFlags ?? [], seriesId: r.seriesId ?? null, thresholds: r.thresholds, entities: r.entities,
        eventTime: r.eventTime ?? null, eventTimeSource: r.eventTimeSource ?? null, backstopTime: r.backstopTime ?? null, strike: r.strike ?? null, subjectText: r.subjectText ?? null,
      },
      rules_hash: rulesHash(r),
    }));
    for (const row of await upsertVenueMarkets(pool, rows)) {
      if (row.inserted) inserted++;
      else updated++;
      if (!row.inserted && row.oldHash !== row.newHash) changed.push({ venue: row.venue, marketId: row.marketId });
    }
  }
  discoveryStats.upserted += inserted + updated;
  discoveryStats.rulesChanged += changed.length;
  if (changed.length) {
    await markPairsForRecheck(pool, changed);
    log.info({ changed: changed.length, sample: changed.slice(0, 5) }, 'market rules changed; pairs set back to pending');
  }
  return { inserted, updated, changed };
}

/** Approved pairs on markets whose rules changed go back to pending (through the control layer; file pairs are not in the table). */
export async function markPairsForRecheck(pool: pg.Pool, markets: readonly { venue: MarketRecord['venue']; marketId: string }[]): Promise<number> {
  return (await recheckPairs(pool, markets)).length;
}

const StoredRaw = z.looseObject({
  textFlags: z.array(z.string()).default([]),
  seriesId: z.string().nullish(),
  thresholds: MarketRecord.shape.thresholds.optional(),
  entities: z.array(z.string()).optional(),
  eventTime: z.number().int().nullish(),
  eventTimeSource: z.string().nullish(),
  backstopTime: z.number().int().nullish(),
  strike: MarketRecord.shape.strike.nullish(),
  subjectText: z.string().nullish(),
}).nullable();

const ms = (d: unknown): number | undefined => (d instanceof Date ? d.getTime() : undefined);

/** One `venue_markets` row → StoredMarket; throws (zod) on a row that does not fit. */
export function rowToStored(row: Record<string, unknown>): StoredMarket {
  const extra = StoredRaw.parse(row.raw ?? null);
  const strOpt = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const record = MarketRecord.parse({
    venue: row.venue,
    marketId: row.market_id,
    eventId: strOpt(row.event_id),
    seriesId: extra?.seriesId ?? undefined,
    title: row.title,
    rulesText: row.rules_text ?? '',
    rulesSecondary: row.rules_secondary ?? '',
    outcomes: row.outcomes ?? undefined,
    openTime: ms(row.open_time),
    closeTime: ms(row.close_time),
    expectedResolutionTime: ms(row.expected_resolution_time),
    eventTime: extra?.eventTime ?? undefined,
    eventTimeSource: extra?.eventTimeSource ?? undefined,
    backstopTime: extra?.backstopTime ?? undefined,
    strike: extra?.strike ?? undefined,
    subjectText: extra?.subjectText ?? undefined,
    resolutionSource: strOpt(row.resolution_source),
    category: strOpt(row.category),
    status: row.status,
    yesTokenId: strOpt(row.yes_token_id),
    noTokenId: strOpt(row.no_token_id),
    tickSizeMicros: typeof row.tick_size_micros === 'number' ? row.tick_size_micros : undefined,
    feeInfo: row.fee_info ?? {},
    thresholds: extra?.thresholds ?? recordThresholds(String(row.title), String(row.rules_text ?? '')),
    entities: extra?.entities ?? extractEntities(`${String(row.title)}\n${String(row.rules_text ?? '')}`),
  });
  return { record, textFlags: extra?.textFlags ?? [], rulesHash: typeof row.rules_hash === 'string' ? row.rules_hash : rulesHash(record) };
}

export interface MarketFilter {
  readonly venue?: MarketRecord['venue'];
  readonly statuses?: readonly MarketRecord['status'][];
  readonly ids?: readonly string[];
}

/** A decision already stored for two legs: who made it and on which rules hashes (JSON of `{poly, kalshi}`). */
export interface StoredDecision {
  readonly decidedBy: string | null;
  readonly hashes: string;
}

/**
 * What the matcher needs from storage. Semantics every implementation keeps (the PostgreSQL ones
 * are the reference: src/store/repos/pairWrites.ts):
 * - `upsertMarkets` reports existing markets whose rules hash changed and sends their approved
 *   pairs back to pending (`markPairsForRecheck`, decided by 'discovery');
 * - `recordMatcherDecision` never overwrites a human decision made on the same rules hashes;
 * - `matcherDecisions` is keyed by `legsKey` (src/store/repos/pairWrites.ts).
 */
export interface MatcherStore {
  loadMarkets(filter?: MarketFilter): Promise<StoredMarket[]>;
  upsertMarkets(entries: readonly UpsertEntry[]): Promise<UpsertResult>;
  markPairsForRecheck(markets: readonly { venue: MarketRecord['venue']; marketId: string }[]): Promise<number>;
  matcherDecisions(): Promise<Map<string, StoredDecision>>;
  /** returns whether the decision was written */
  recordMatcherDecision(d: MatcherDecisionRow): Promise<boolean>;
  /** LLM calls, spend and the verdict cache (the judge built for this store uses it) */
  readonly ledger: LlmLedger;
}

/** The matcher's store on PostgreSQL: `venue_markets`, `market_pairs`, `llm_calls`, `llm_verdicts`. */
export class PgMatcherStore implements MatcherStore {
  readonly ledger: LlmLedger;
  constructor(readonly pool: pg.Pool) {
    this.ledger = new PgLedger(pool);
  }
  loadMarkets(filter: MarketFilter = {}): Promise<StoredMarket[]> {
    return loadMarkets(this.pool, filter);
  }
  upsertMarkets(entries: readonly UpsertEntry[]): Promise<UpsertResult> {
    return upsertMarkets(this.pool, entries);
  }
  markPairsForRecheck(markets: readonly { venue: MarketRecord['venue']; marketId: string }[]): Promise<number> {
    return markPairsForRecheck(this.pool, markets);
  }
  matcherDecisions(): Promise<Map<string, StoredDecision>> {
    return matcherDecisions(this.pool);
  }
  recordMatcherDecision(d: MatcherDecisionRow): Promise<boolean> {
    return recordMatcherDecision(this.pool, d);
  }
}

/** Markets from `venue_markets` (rows that no longer parse are logged, counted and skipped). */
export async function loadMarkets(pool: pg.Pool, filter: MarketFilter = {}): Promise<StoredMarket[]> {
  const out: StoredMarket[] = [];
  for (const row of await selectVenueMarkets(pool, filter)) {
    try {
      out.push(rowToStored(row));
    } catch (err) {
      discoveryStats.rejected++;
      log.warn({ err, venue: row.venue, marketId: row.market_id }, 'stored market rejected');
    }
  }
  return out;
}
