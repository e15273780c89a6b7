/**
 * Polymarket markets in arbstream's normal form: Gamma market → {@link MarketRecord} (discovery),
 * and the market channel's `new_market` / `market_resolved` messages as `venue_markets` writes.
 */
import type pg from 'pg';
import { z } from 'zod';
import { MarketRecord } from '../../../schema/market.js';
import { ignored, loadOne, storeEntry, type ApplyResult, type DiscoveredMarket, type MarketSource } from '../../matching/discovery.js';
import { extractEntities } from '../../matching/extract.js';
import { recordThresholds, textFlags } from '../../matching/records.js';
import { sanitizeText } from '../../matching/sanitize.js';
import type { PolymarketRest, PolyMarketInfo } from './rest.js';
import type { PolyMarketResolvedSchema, PolyNewMarketSchema } from './wire.js';

const VENUE = 'polymarket';

export type PolyNewMarketMsg = z.output<typeof PolyNewMarketSchema>;
export type PolyMarketResolvedMsg = z.output<typeof PolyMarketResolvedSchema>;

function polyStatus(i: PolyMarketInfo): MarketRecord['status'] {
  if (i.closed) return 'closed';
  return i.active ? 'open' : 'paused';
}

const RawEvents = z.looseObject({ events: z.array(z.looseObject({ id: z.union([z.string(), z.number()]).optional(), slug: z.string().nullish() })).nullish() });
const polyEventId = (raw: unknown): string | undefined => {
  const r = RawEvents.safeParse(raw);
  const e = r.success ? r.data.events?.[0] : undefined;
  return e?.id !== undefined ? String(e.id) : (e?.slug ?? undefined);
};

/** Polymarket (Gamma) market → MarketRecord. The description is the rules text. */
export function polyMarketRecord(i: PolyMarketInfo): MarketRecord {
  const title = sanitizeText(i.question);
  const rules = sanitizeText(i.description);
  return MarketRecord.parse({
    venue: VENUE,
    marketId: i.conditionId,
    ...(polyEventId(i.raw) ? { eventId: polyEventId(i.raw) } : {}),
    title,
    rulesText: rules,
    rulesSecondary: '',
    outcomes: [...i.outcomes].map(sanitizeText),
    ...(i.startDate && Number.isFinite(Date.parse(i.startDate)) ? { openTime: Date.parse(i.startDate) } : {}),
    ...(i.endTs !== undefined ? { closeTime: i.endTs, expectedResolutionTime: i.endTs } : {}),
    ...(i.resolutionSource ? { resolutionSource: sanitizeText(i.resolutionSource) } : {}),
    ...(i.category ?? i.tags[0] ? { category: sanitizeText(i.category ?? i.tags[0]!) } : {}),
    status: polyStatus(i),
    yesTokenId: i.yesTokenId,
    noTokenId: i.noTokenId,
    ...(i.tickSizeMicros ? { tickSizeMicros: i.tickSizeMicros } : {}),
    feeInfo: { feesEnabled: i.feesEnabled, feeType: i.feeType ?? null, feeSchedule: i.feeSchedule ?? null, negRisk: i.negRisk, tags: i.tags },
    thresholds: recordThresholds(title, rules),
    entities: extractEntities(`${title}\n${rules}`),
  });
}

/** Sanitiser flags on the market's raw text (question, description, outcomes). */
export const polyTextFlags = (i: PolyMarketInfo) => textFlags([i.question, i.description, ...i.outcomes]);

/** A Gamma market as discovery takes it. */
export const discovered = (m: PolyMarketInfo): DiscoveredMarket => ({ venue: VENUE, raw: m.raw, textFlags: polyTextFlags(m), record: () => polyMarketRecord(m) });

/** Discovery over Gamma: the open, active markets (`max` caps paging). */
export function polymarketDiscovery(rest: Pick<PolymarketRest, 'listMarkets'>): MarketSource {
  return {
    async discover(o = {}) {
      const markets = await rest.listMarkets({ query: { closed: 'false', active: 'true' }, ...(o.max ? { max: o.max } : {}) });
      return markets.map(discovered);
    },
  };
}

/**
 * Polymarket market-channel `new_market` (inserts the market when unknown; REST data already
 * stored wins) and `market_resolved` (status → resolved).
 */
export async function applyPolymarketWsMarket(pool: pg.Pool, msg: PolyNewMarketMsg | PolyMarketResolvedMsg): Promise<ApplyResult> {
  const existing = await loadOne(pool, VENUE, msg.market);
  if (msg.event_type === 'market_resolved') {
    if (!existing) return ignored('unknown market', { venue: VENUE, marketId: msg.market, event: msg.event_type });
    return storeEntry(pool, { record: { ...existing.record, status: 'resolved' }, raw: msg, textFlags: existing.textFlags });
  }
  if (existing) return { applied: false, changed: false, reason: 'already known' };
  if (msg.assets_ids.length !== 2) return ignored('not binary', { venue: VENUE, marketId: msg.market });
  const question = msg.question ?? msg.event_message?.title ?? '';
  const description = msg.description ?? msg.event_message?.description ?? '';
  const title = sanitizeText(question);
  const rules = sanitizeText(description);
  const outcomes = (msg.outcomes ?? ['Yes', 'No']).map(sanitizeText);
  const record = MarketRecord.parse({
    venue: VENUE,
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
  return storeEntry(pool, { record, raw: msg, textFlags: textFlags([question, description, ...(msg.outcomes ?? [])]) });
}

