/**
 * Discovery: every open market of both venues, normalised to {@link MarketRecord} and upserted
 * into `venue_markets` with a rules hash. A changed rules hash is reported and the market's
 * approved pairs go back to pending (the matcher re-checks them). The venues' new-market and
 * lifecycle messages update the same table between discovery runs.
 */
import type pg from 'pg';
import { z } from 'zod';
import { MarketRecord } from '../../schema/market.js';
import { log } from '../log.js';
import type { KalshiRest, KalshiMarketInfo } from '../venues/kalshi/rest.js';
import type { MarketLifecycleMsg } from '../venues/kalshi/wire.js';
import type { PolymarketRest, PolyMarketInfo } from '../venues/polymarket/rest.js';
import type { PolyMarketResolvedSchema, PolyNewMarketSchema } from '../venues/polymarket/wire.js';
import { extractEntities } from './extract.js';
import { kalshiMarketRecord, polyMarketRecord, rawTextFlags, recordThresholds, rulesHash } from './records.js';
import { sanitizeText, sanitizeWithFlags } from './sanitize.js';

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

const UPSERT_SQL = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(
    venue text, market_id text, event_id text, title text, rules_text text, rules_secondary text, outcomes jsonb,
    category text, open_time timestamptz, close_time timestamptz, expected_resolution_time timestamptz,
    resolution_source text, status text, yes_token_id text, no_token_id text, tick_size_micros bigint,
    fee_info jsonb, raw jsonb, rules_hash text)
), prev AS (
  SELECT m.venue, m.market_id, m.rules_hash FROM venue_markets m JOIN input i ON i.venue = m.venue AND i.market_id = m.market_id
), up AS (
  INSERT INTO venue_markets (venue, market_id, event_id, title, rules_text, rules_secondary, outcomes, category, open_time,
    close_time, expected_resolution_time, resolution_source, status, yes_token_id, no_token_id, tick_size_micros, fee_info, raw, rules_hash)
  SELECT venue, market_id, event_id, title, rules_text, rules_secondary, outcomes, category, open_time,
    close_time, expected_resolution_time, resolution_source, status, yes_token_id, no_token_id, tick_size_micros, fee_info, raw, rules_hash
  FROM input
  ON CONFLICT (venue, market_id) DO UPDATE SET
    event_id = EXCLUDED.event_id, title = EXCLUDED.title, rules_text = EXCLUDED.rules_text, rules_secondary = EXCLUDED.rules_secondary,
    outcomes = EXCLUDED.outcomes, category = EXCLUDED.category, open_time = EXCLUDED.open_time, close_time = EXCLUDED.close_time,
    expected_resolution_time = EXCLUDED.expected_resolution_time, resolution_source = EXCLUDED.resolution_source,
    status = EXCLUDED.status, yes_token_id = EXCLUDED.yes_token_id, no_token_id = EXCLUDED.no_token_id,
    tick_size_micros = EXCLUDED.tick_size_micros, fee_info = EXCLUDED.fee_info, raw = EXCLUDED.raw, rules_hash = EXCLUDED.rules_hash,
    updated_at = now()
  RETURNING venue, market_id, rules_hash, (xmax = 0) AS inserted
)
SELECT up.venue, up.market_id, up.inserted, prev.rules_hash AS old_hash, up.rules_hash AS new_hash
FROM up LEFT JOIN prev ON prev.venue = up.venue AND prev.market_id = up.market_id`;

const UpsertRow = z.object({ venue: z.enum(['polymarket', 'kalshi']), market_id: z.string(), inserted: z.boolean(), old_hash: z.string().nullable(), new_hash: z.string().nullable() });

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
      raw: { source: raw ?? null, textFlags: textFlags ?? [], seriesId: r.seriesId ?? null, thresholds: r.thresholds, entities: r.entities },
      rules_hash: rulesHash(r),
    }));
    const res = await pool.query(UPSERT_SQL, [JSON.stringify(rows)]);
    for (const raw of res.rows) {
      const row = UpsertRow.parse(raw);
      if (row.inserted) inserted++;
      else updated++;
      if (!row.inserted && row.old_hash !== row.new_hash) changed.push({ venue: row.venue, marketId: row.market_id });
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

/** Approved matcher pairs on markets whose rules changed go back to pending (file pairs are not in the table). */
export async function markPairsForRecheck(pool: pg.Pool, markets: readonly { venue: MarketRecord['venue']; marketId: string }[]): Promise<number> {
  const poly = markets.filter((m) => m.venue === 'polymarket').map((m) => m.marketId);
  const kalshi = markets.filter((m) => m.venue === 'kalshi').map((m) => m.marketId);
  const res = await pool.query(
    `UPDATE market_pairs SET status = 'pending', decided_by = 'discovery', updated_at = now(),
       reasons = reasons || '["market rules changed: re-check"]'::jsonb
     WHERE status = 'approved' AND (poly_market_id = ANY($1::text[]) OR kalshi_market_id = ANY($2::text[]))`,
    [poly, kalshi],
  );
  return res.rowCount ?? 0;
}

const StoredRaw = z.looseObject({
  textFlags: z.array(z.string()).default([]),
  seriesId: z.string().nullish(),
  thresholds: MarketRecord.shape.thresholds.optional(),
  entities: z.array(z.string()).optional(),
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

/** Markets from `venue_markets` (rows that no longer parse are logged, counted and skipped). */
export async function loadMarkets(pool: pg.Pool, filter: { venue?: MarketRecord['venue']; statuses?: readonly MarketRecord['status'][]; ids?: readonly string[] } = {}): Promise<StoredMarket[]> {
  const res = await pool.query(
    `SELECT * FROM venue_markets
     WHERE ($1::text IS NULL OR venue = $1) AND ($2::text[] IS NULL OR status = ANY($2)) AND ($3::text[] IS NULL OR market_id = ANY($3))
     ORDER BY venue, market_id`,
    [filter.venue ?? null, filter.statuses ?? null, filter.ids ?? null],
  );
  const out: StoredMarket[] = [];
  for (const row of res.rows as Record<string, unknown>[]) {
    try {
      out.push(rowToStored(row));
    } catch (err) {
      discoveryStats.rejected++;
      log.warn({ err, venue: row.venue, marketId: row.market_id }, 'stored market rejected');
    }
  }
  return out;
}

function entryOf(info: PolyMarketInfo | KalshiMarketInfo, event?: { title?: string }): UpsertEntry | undefined {
  try {
    const record = 'conditionId' in info ? polyMarketRecord(info) : kalshiMarketRecord(info, event);
    const textFlags = rawTextFlags(info);
    if (textFlags.some((f) => f !== 'non-latin-letters')) {
      discoveryStats.hostileText++;
      log.warn({ venue: record.venue, marketId: record.marketId, textFlags }, 'market text had hidden characters or homoglyphs');
    }
    return { record, raw: info.raw, textFlags };
  } catch (err) {
    discoveryStats.rejected++;
    log.warn({ err, venue: 'conditionId' in info ? 'polymarket' : 'kalshi', raw: JSON.stringify(info.raw)?.slice(0, 512) }, 'market rejected');
    return undefined;
  }
}

export interface DiscoveryOptions {
  readonly pool: pg.Pool;
  readonly poly?: Pick<PolymarketRest, 'listMarkets'>;
  readonly kalshi?: Pick<KalshiRest, 'listMarkets' | 'getEvent'>;
  /** look up Kalshi event titles (one request per event, cached per run); default true */
  readonly kalshiEventTitles?: boolean;
  /** stop paging after this many markets per venue (tests, smoke runs) */
  readonly maxPerVenue?: number;
}

export interface DiscoveryResult extends UpsertResult {
  readonly polymarket: number;
  readonly kalshi: number;
  readonly rejected: number;
}

/** Fetches all open markets of the configured venues and upserts them. */
export async function discoverMarkets(o: DiscoveryOptions): Promise<DiscoveryResult> {
  const entries: UpsertEntry[] = [];
  const rejectedBefore = discoveryStats.rejected;
  let nPoly = 0;
  let nKalshi = 0;
  if (o.poly) {
    const markets = await o.poly.listMarkets({ query: { closed: 'false', active: 'true' }, ...(o.maxPerVenue ? { max: o.maxPerVenue } : {}) });
    for (const m of markets) {
      const e = entryOf(m);
      if (e) {
        entries.push(e);
        nPoly++;
      }
    }
  }
  if (o.kalshi) {
    const markets = await o.kalshi.listMarkets({ status: 'open' }, o.maxPerVenue ? Math.max(1, Math.ceil(o.maxPerVenue / 100)) : Infinity);
    const titles = new Map<string, Promise<string | undefined>>();
    const eventTitle = (t: string): Promise<string | undefined> => {
      let p = titles.get(t);
      if (!p) {
        p = o.kalshi!.getEvent(t).then(
          (r) => r.event.title || undefined,
          (err: unknown) => {
            log.warn({ err, venue: 'kalshi', eventTicker: t }, 'event title lookup failed; using the market title');
            return undefined;
          },
        );
        titles.set(t, p);
      }
      return p;
    };
    for (const m of o.maxPerVenue ? markets.slice(0, o.maxPerVenue) : markets) {
      const title = o.kalshiEventTitles === false ? undefined : await eventTitle(m.eventTicker);
      const e = entryOf(m, title ? { title } : undefined);
      if (e) {
        entries.push(e);
        nKalshi++;
      }
    }
  }
  const res = await upsertMarkets(o.pool, entries);
  log.info({ polymarket: nPoly, kalshi: nKalshi, inserted: res.inserted, updated: res.updated, changed: res.changed.length }, 'discovery done');
  return { ...res, polymarket: nPoly, kalshi: nKalshi, rejected: discoveryStats.rejected - rejectedBefore };
}

// ------------------------------------------------------------------ venue messages

export type PolyNewMarketMsg = z.output<typeof PolyNewMarketSchema>;
export type PolyMarketResolvedMsg = z.output<typeof PolyMarketResolvedSchema>;

export interface ApplyResult {
  readonly applied: boolean;
  /** the market's rules hash changed (its pairs were set back to pending) */
  readonly changed: boolean;
  readonly reason?: string;
}

const ignored = (reason: string, ctx: Record<string, unknown>): ApplyResult => {
  discoveryStats.lifecycleIgnored++;
  log.warn(ctx, `lifecycle message ignored: ${reason}`);
  return { applied: false, changed: false, reason };
};

async function loadOne(pool: pg.Pool, venue: MarketRecord['venue'], id: string): Promise<StoredMarket | undefined> {
  const [m] = await loadMarkets(pool, { venue, ids: [id] });
  return m;
}

async function store(pool: pg.Pool, entry: UpsertEntry): Promise<ApplyResult> {
  const res = await upsertMarkets(pool, [entry]);
  discoveryStats.lifecycleApplied++;
  return { applied: true, changed: res.changed.length > 0 };
}

/**
 * Polymarket market-channel `new_market` (inserts the market when unknown; REST data already
 * stored wins) and `market_resolved` (status → resolved).
 */
export async function applyPolymarketWsMarket(pool: pg.Pool, msg: PolyNewMarketMsg | PolyMarketResolvedMsg): Promise<ApplyResult> {
  const existing = await loadOne(pool, 'polymarket', msg.market);
  if (msg.event_type === 'market_resolved') {
    if (!existing) return ignored('unknown market', { venue: 'polymarket', marketId: msg.market, event: msg.event_type });
    return store(pool, { record: { ...existing.record, status: 'resolved' }, raw: msg, textFlags: existing.textFlags });
  }
  if (existing) return { applied: false, changed: false, reason: 'already known' };
  if (msg.assets_ids.length !== 2) return ignored('not binary', { venue: 'polymarket', marketId: msg.market });
  const question = msg.question ?? msg.event_message?.title ?? '';
  const description = msg.description ?? msg.event_message?.description ?? '';
  const title = sanitizeText(question);
  const rules = sanitizeText(description);
  const outcomes = (msg.outcomes ?? ['Yes', 'No']).map(sanitizeText);
  const flags = new Set<string>();
  for (const f of [question, description, ...(msg.outcomes ?? [])]) for (const fl of sanitizeWithFlags(f).flags) flags.add(fl);
  const record = MarketRecord.parse({
    venue: 'polymarket',
    marketId: msg.market,
    ...(msg.event_message?.id ? { eventId: msg.event_message.id } : {}),
    title,
    rulesText: rules,
    outcomes,
    ...(msg.tags?.[0] ? { category: sanitizeText(msg.tags[0]) } : {}),
    status: 'open',
    yesTokenId: msg.assets_ids[0],
    noTokenId: msg.assets_ids[1],
    thresholds: recordThresholds(title, rules),
    entities: extractEntities(`${title}\n${rules}`),
  });
  return store(pool, { record, raw: msg, textFlags: [...flags].sort() });
}

/**
 * Kalshi `market_lifecycle_v2`: created (insert from the metadata), activated/deactivated
 * (open/paused), close_date_updated, determined/settled (resolved), metadata_updated and
 * price_level_structure_updated (fields replaced). A change to the rules hash sends the
 * market's approved pairs back to pending.
 */
export async function applyKalshiLifecycle(pool: pg.Pool, frame: MarketLifecycleMsg): Promise<ApplyResult> {
  const m = frame.msg;
  const md = m.additional_metadata;
  const existing = await loadOne(pool, 'kalshi', m.market_ticker);
  const sec = (s: number | undefined): number | undefined => (s === undefined ? undefined : s * 1000);
  if (!existing) {
    if (m.event_type !== 'created' || !md) return ignored('unknown market', { venue: 'kalshi', marketId: m.market_ticker, event: m.event_type });
    const info: KalshiMarketInfo = {
      ticker: m.market_ticker,
      eventTicker: md.event_ticker ?? m.market_ticker.split('-').slice(0, -1).join('-'),
      seriesTicker: (md.event_ticker ?? m.market_ticker).split('-')[0]!,
      title: md.title ?? md.name ?? '',
      yesSubTitle: md.yes_sub_title ?? '',
      noSubTitle: md.no_sub_title ?? '',
      rulesPrimary: md.rules_primary ?? '',
      rulesSecondary: md.rules_secondary ?? '',
      openTime: sec(m.open_ts) ?? null,
      closeTime: sec(m.close_ts) ?? null,
      expectedExpirationTime: sec(md.expected_expiration_ts) ?? null,
      status: 'initialized',
      strikeType: md.strike_type ?? m.strike_type ?? null,
      floorStrike: md.floor_strike ?? m.floor_strike ?? null,
      capStrike: md.cap_strike ?? m.cap_strike ?? null,
      priceLevelStructure: m.price_level_structure ?? null,
      fractionalTradingEnabled: false,
      category: null,
      settlementSources: [],
      feeType: null,
      feeMultiplier: null,
      raw: m,
    };
    const now = Date.now();
    // "created" markets open at open_ts
    const status = info.openTime !== null && info.openTime <= now ? 'active' : 'initialized';
    const entry = entryOf({ ...info, status });
    if (!entry) return ignored('metadata rejected', { venue: 'kalshi', marketId: m.market_ticker });
    return store(pool, entry);
  }
  let r: MarketRecord = existing.record;
  switch (m.event_type) {
    case 'created':
    case 'activated':
      r = { ...r, status: 'open' };
      break;
    case 'deactivated':
      r = { ...r, status: m.is_deactivated === false ? 'open' : 'paused' };
      break;
    case 'close_date_updated':
      if (m.close_ts === undefined) return ignored('close_date_updated without close_ts', { venue: 'kalshi', marketId: m.market_ticker });
      r = { ...r, closeTime: m.close_ts * 1000 };
      break;
    case 'determined':
    case 'settled':
      r = { ...r, status: 'resolved' };
      break;
    case 'price_level_structure_updated': {
      const tick = m.price_level_structure === 'deci_cent' ? 1_000 : m.price_level_structure === 'linear_cent' ? 10_000 : undefined;
      r = { ...r, ...(tick ? { tickSizeMicros: tick } : {}) };
      break;
    }
    case 'metadata_updated': {
      const title = md?.title !== undefined ? sanitizeText(md.title) : r.title;
      const rules = md?.rules_primary !== undefined ? sanitizeText(md.rules_primary) : r.rulesText;
      const strikeType = md?.strike_type ?? m.strike_type;
      const floor = md?.floor_strike ?? m.floor_strike;
      const cap = md?.cap_strike ?? m.cap_strike;
      let thresholds = recordThresholds(title, rules);
      if (strikeType === 'between' && floor !== undefined && cap !== undefined) {
        thresholds = [{ value: floor, comparator: 'between' }, { value: cap, comparator: 'between' }];
      } else if ((strikeType === 'greater' || strikeType === 'greater_or_equal') && floor !== undefined) {
        thresholds = [{ value: floor, comparator: strikeType === 'greater' ? '>' : '>=' }];
      } else if ((strikeType === 'less' || strikeType === 'less_or_equal') && cap !== undefined) {
        thresholds = [{ value: cap, comparator: strikeType === 'less' ? '<' : '<=' }];
      }
      r = {
        ...r,
        title,
        rulesText: rules,
        ...(md?.rules_secondary !== undefined ? { rulesSecondary: sanitizeText(md.rules_secondary) } : {}),
        ...(md?.expected_expiration_ts !== undefined ? { expectedResolutionTime: md.expected_expiration_ts * 1000 } : {}),
        thresholds,
        feeInfo: { ...r.feeInfo, strikeType: strikeType ?? null, floorStrike: floor ?? null, capStrike: cap ?? null },
        entities: extractEntities(`${title}\n${rules}`),
      };
      break;
    }
    default:
      return ignored(`event type ${m.event_type}`, { venue: 'kalshi', marketId: m.market_ticker });
  }
  return store(pool, { record: r, raw: m, textFlags: existing.textFlags });
}
