/**
 * Discovery: every open market of both venues, normalised to {@link MarketRecord} and upserted
 * into `venue_markets` with a rules hash. A changed rules hash is reported and the market's
 * approved pairs go back to pending (the matcher re-checks them). The venues' new-market and
 * lifecycle messages update the same table between discovery runs.
 */
import type pg from 'pg';
import type { z } from 'zod';
import { MarketRecord } from '../../schema/market.js';
import { log } from '../log.js';
import type { KalshiRest, KalshiMarketInfo } from '../venues/kalshi/rest.js';
import type { MarketLifecycleMsg } from '../venues/kalshi/wire.js';
import type { PolymarketRest, PolyMarketInfo } from '../venues/polymarket/rest.js';
import type { PolyMarketResolvedSchema, PolyNewMarketSchema } from '../venues/polymarket/wire.js';
import { discoveryStats, loadMarkets, upsertMarkets, type StoredMarket, type UpsertEntry, type UpsertResult } from './marketStore.js';
import { extractEntities } from './extract.js';
import { kalshiMarketRecord, polyMarketRecord, rawTextFlags, recordThresholds } from './records.js';
import { sanitizeText, sanitizeWithFlags } from './sanitize.js';

export { discoveryStats, loadMarkets, markPairsForRecheck, rowToStored, upsertMarkets } from './marketStore.js';
export type { StoredMarket, UpsertEntry, UpsertResult } from './marketStore.js';

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
