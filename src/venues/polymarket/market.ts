/**
 * Polymarket markets in arbstream's normal form: Gamma market → {@link MarketRecord} (discovery),
 * and the market channel's `new_market` / `market_resolved` messages as `venue_markets` writes.
 */
import { polymarketStrike, withStrike } from '../../matching/strike.js';
import type pg from 'pg';
import { z } from 'zod';
import { MarketRecord } from '../../../schema/market.js';
import { ignored, loadOne, storeEntry, type ApplyResult, type DiscoveredMarket, type MarketSource } from '../../matching/discovery.js';
import { extractEntities } from '../../matching/extract.js';
import { recordThresholds, textFlags, venueTime } from '../../matching/records.js';
import { sanitizeText } from '../../matching/sanitize.js';
import { toMarketInfo, type PolymarketRest, type PolyMarketInfo } from './rest.js';
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

const RawTime = z.union([z.string(), z.number()]).nullish();
/** The date fields of a Gamma market and its first event, as Gamma sends them. */
const RawDates = z.looseObject({
  endDate: RawTime,
  endDateIso: RawTime,
  closedTime: RawTime,
  gameStartTime: RawTime,
  eventStartTime: RawTime,
  sportsMarketType: z.string().nullish(),
  gameId: z.union([z.string(), z.number()]).nullish(),
  feeType: z.string().nullish(),
  events: z.array(z.looseObject({ endDate: RawTime, eventDate: RawTime, startTime: RawTime, gameId: z.union([z.string(), z.number()]).nullish() })).nullish(),
});

export interface PolyDates {
  readonly eventTime?: number;
  readonly eventTimeSource?: string;
  /** trading close: `closedTime` once closed, else `endDate` */
  readonly closeTime?: number;
}

/**
 * The event date and trading close of a Gamma market. `endDate` sits at the event (the deadline,
 * the data release, the end of a crypto window); a sports game's is its start (`gameStartTime`,
 * `eventStartTime`, the event's `startTime`/`eventDate`), since a game's `endDate` can lag it. A
 * non-sports market may carry a stray `gameStartTime` (the ceasefire fixture): it is ignored.
 */
export function polyDates(i: Pick<PolyMarketInfo, 'endTs' | 'feeType' | 'raw'>): PolyDates {
  const r = RawDates.safeParse(i.raw);
  const raw = r.success ? r.data : {};
  const ev = raw.events?.[0];
  const sports = Boolean(raw.sportsMarketType) || raw.gameId != null || ev?.gameId != null || /sports/i.test(raw.feeType ?? i.feeType ?? '');
  const end = i.endTs ?? venueTime(raw.endDate);
  const chain: [string, number | undefined][] = [
    ...(sports
      ? ([
          ['gameStartTime', venueTime(raw.gameStartTime)],
          ['eventStartTime', venueTime(raw.eventStartTime)],
          ['event.startTime', venueTime(ev?.startTime)],
          ['event.eventDate', venueTime(ev?.eventDate)],
        ] as [string, number | undefined][])
      : []),
    ['endDate', end],
    ['endDateIso', venueTime(raw.endDateIso)],
    ['event.endDate', venueTime(ev?.endDate)],
  ];
  const found = chain.find(([, t]) => t !== undefined);
  const close = venueTime(raw.closedTime) ?? end;
  return {
    ...(found ? { eventTime: found[1]!, eventTimeSource: found[0] } : {}),
    ...(close !== undefined ? { closeTime: close } : {}),
  };
}

/** Gamma `groupItemTitle`: the subject of one market of a multi-outcome event ("Gavin Newsom"), as `subjectText`. */
const GroupItem = z.looseObject({ groupItemTitle: z.string().nullish() });
const groupItemTitle = (raw: unknown): { subjectText?: string } => {
  const t = GroupItem.safeParse(raw);
  const text = t.success && t.data.groupItemTitle ? sanitizeText(t.data.groupItemTitle) : '';
  return text ? { subjectText: text } : {};
};

/** Polymarket (Gamma) market → MarketRecord. The description is the rules text. */
export function polyMarketRecord(i: PolyMarketInfo): MarketRecord {
  const title = sanitizeText(i.question);
  const rules = sanitizeText(i.description);
  const dates = polyDates(i);
  return MarketRecord.parse({
    venue: VENUE,
    marketId: i.conditionId,
    ...(polyEventId(i.raw) ? { eventId: polyEventId(i.raw) } : {}),
    title,
    rulesText: rules,
    rulesSecondary: '',
    outcomes: [...i.outcomes].map(sanitizeText),
    ...(i.startDate && Number.isFinite(Date.parse(i.startDate)) ? { openTime: Date.parse(i.startDate) } : {}),
    ...dates,
    ...(dates.eventTime !== undefined ? { expectedResolutionTime: dates.eventTime } : {}),
    ...(i.resolutionSource ? { resolutionSource: sanitizeText(i.resolutionSource) } : {}),
    ...withStrike(polymarketStrike(i.raw)),
    ...groupItemTitle(i.raw),
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

/** A Gamma market as the API sends it (raw JSON) → MarketRecord, through the same mapping as discovery. Throws DecodeError when unusable. */
export const polyRecordFromGamma = (raw: unknown, event?: Parameters<typeof toMarketInfo>[1]): MarketRecord => polyMarketRecord(toMarketInfo(raw, event));

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

