/**
 * Polymarket markets in arbstream's normal form: Gamma market → {@link MarketRecord} (discovery),
 * and the market channel's `new_market` / `market_resolved` messages as `venue_markets` writes.
 */
import { polymarketStrike, withStrike } from '../../matching/strike.js';
import type pg from 'pg';
import { z } from 'zod';
import { MarketRecord } from '../../../schema/market.js';
import { ignored, loadOne, storeEntry, type ApplyResult, type DiscoveredMarket, type MarketSource } from '../../matching/discovery.js';
import { extractEntities, gameDayInstant, scheduledDaysOf } from '../../matching/extract.js';
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
  slug: z.string().nullish(),
  events: z.array(z.looseObject({ endDate: RawTime, eventDate: RawTime, startTime: RawTime, slug: z.string().nullish(), gameId: z.union([z.string(), z.number()]).nullish() })).nullish(),
});

export interface PolyDates {
  readonly eventTime?: number;
  readonly eventTimeSource?: string;
  /** trading close: `closedTime` once closed, else `endDate` */
  readonly closeTime?: number;
}

/** A game slug's date: `nba-lal-bos-2026-12-25`, `epl-ars-che-2026-12-12-ars` (an outcome after the date). */
const SLUG_DAY = /-(20\d\d-\d\d-\d\d)(?:-[a-z0-9]{1,12})?$/;
const slugDay = (slug: string | undefined): string | undefined => {
  const m = slug ? SLUG_DAY.exec(slug) : null;
  return m && Number.isFinite(Date.parse(`${m[1]}T00:00:00Z`)) && new Date(`${m[1]}T00:00:00Z`).toISOString().startsWith(m[1]!) ? m[1] : undefined;
};

/**
 * The event date and trading close of a Gamma market. `endDate` sits at the event (the deadline,
 * the data release, the end of a crypto window). A game's `endDate` does not: it is up to 7 days
 * after the game (the postponement window), so a game's event date is, in order, the Gamma
 * `gameStartTime` (also `eventStartTime`, the event's `startTime`), the start its description
 * schedules ("In the upcoming NBA game, scheduled for December 25, 2026 at 5:00 PM ET": source
 * 'description'; the day alone: 'description.day', as noon ET), the slug's date (`nba-lal-bos-2026-12-25`:
 * 'slug', noon ET), the event's `eventDate`, then the end date. A market is a game when Gamma marks
 * it (`sportsMarketType`, `gameId`, a sports fee type) or its description schedules a game; a
 * non-sports market may carry a stray `gameStartTime` (the ceasefire fixture): it is ignored.
 */
/** The New York calendar day of an instant, YYYY-MM-DD (the day US venues name a game by). */
const etDay = (t: number): string => new Date(t).toLocaleDateString('en-CA', { timeZone: 'America/New_York' });

export function polyDates(i: Pick<PolyMarketInfo, 'endTs' | 'feeType' | 'raw'> & Partial<Pick<PolyMarketInfo, 'description' | 'slug'>>): PolyDates {
  const r = RawDates.safeParse(i.raw);
  const raw = r.success ? r.data : {};
  const ev = raw.events?.[0];
  const end = i.endTs ?? venueTime(raw.endDate);
  const near = venueTime(raw.gameStartTime) ?? end ?? venueTime(raw.endDateIso) ?? venueTime(ev?.endDate);
  const scheduled = scheduledDaysOf(i.description ?? '', near).filter((s) => s.game);
  const game = scheduled.length === 1 ? scheduled[0] : undefined;
  const sports = Boolean(raw.sportsMarketType) || raw.gameId != null || ev?.gameId != null || /sports/i.test(raw.feeType ?? i.feeType ?? '') || game !== undefined;
  const slug = sports ? (slugDay(i.slug ?? raw.slug ?? undefined) ?? slugDay(ev?.slug ?? undefined)) : undefined;
  const chain: [string, number | undefined][] = [
    ...(sports
      ? ([
          ['gameStartTime', venueTime(raw.gameStartTime)],
          ['eventStartTime', venueTime(raw.eventStartTime)],
          ['event.startTime', venueTime(ev?.startTime)],
          // a start time whose New York day is not the day written beside it (a UTC time just after
          // midnight written under the ET game day) disagrees with itself: the written day wins
          ['description', game?.at !== undefined && etDay(game.at) === game.day ? game.at : undefined],
          ['description.day', game ? gameDayInstant(game.day) : undefined],
          ['slug', slug ? gameDayInstant(slug) : undefined],
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
    ...(i.eventTitle ? { eventTitle: sanitizeText(i.eventTitle) } : {}),
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

