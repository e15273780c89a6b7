/**
 * Kalshi markets in arbstream's normal form: Trade API market (+ its event title) →
 * {@link MarketRecord} (discovery), and `market_lifecycle_v2` messages as `venue_markets` writes.
 */
import { kalshiStrike, withStrike } from '../../matching/strike.js';
import type pg from 'pg';
import { z } from 'zod';
import { MarketRecord } from '../../../schema/market.js';
import { log } from '../../log.js';
import { entryOf, ignored, loadOne, storeEntry, type ApplyResult, type DiscoveredMarket, type MarketSource } from '../../matching/discovery.js';
import { extractDates, extractEntities } from '../../matching/extract.js';
import { recordThresholds, textFlags, venueTime } from '../../matching/records.js';
import { sanitizeText } from '../../matching/sanitize.js';
import { toMarketRecord as kalshiAdapterRecord, type KalshiEventInfo, type KalshiMarketInfo, type KalshiRest } from './rest.js';
import { toEvent, toMarketInfo, toSeries } from './restMap.js';
import { EventWire, MarketWire, SeriesWire } from './restSchemas.js';
import type { MarketLifecycleMsg } from './wire.js';

const VENUE = 'kalshi';

/** What a market's record takes from its Kalshi event: the title, and the dates it names. */
export interface KalshiEventContext {
  readonly title?: string;
  /** event `sub_title`, e.g. "On Dec 10, 2025" */
  readonly subTitle?: string;
  /** event `strike_date`, unix ms */
  readonly strikeDate?: number;
  /** event `category` (the series category wins when known) */
  readonly category?: string;
}

const WireTime = z.union([z.string(), z.number()]).nullish();
/** The date fields of a Kalshi market as the venue sent them (ISO strings, or ms once decoded by restSchemas). */
const RawMarketDates = z.looseObject({ expected_expiration_time: WireTime, latest_expiration_time: WireTime, occurrence_datetime: WireTime });
const RawEventExtra = z.looseObject({ strike_date: WireTime, category: z.string().nullish() });

/** A Kalshi event (REST) → what its markets' records take from it. */
export function kalshiEventContext(e: Pick<KalshiEventInfo, 'title' | 'subTitle' | 'raw'>): KalshiEventContext {
  const x = RawEventExtra.safeParse(e.raw);
  const strikeDate = x.success ? venueTime(x.data.strike_date) : undefined;
  const category = x.success ? x.data.category ?? undefined : undefined;
  return {
    ...(e.title ? { title: e.title } : {}),
    ...(e.subTitle ? { subTitle: e.subTitle } : {}),
    ...(strikeDate !== undefined ? { strikeDate } : {}),
    ...(category ? { category } : {}),
  };
}

const TICKER_MONTHS: Readonly<Record<string, number>> = { JAN: 1, FEB: 2, MAR: 3, APR: 4, MAY: 5, JUN: 6, JUL: 7, AUG: 8, SEP: 9, OCT: 10, NOV: 11, DEC: 12 };

/**
 * The day an event ticker names after its series, unix ms (midnight UTC): `KXPUTINPRES-27JAN01` →
 * 2027-01-01, `KXBTCD-26JAN0212` (day, then the hour) → 2026-01-02, `KXNBAGAME-26JAN22LALBOS` →
 * 2026-01-22. A month alone (`KXFEDDECISION-26MAR`) or a year (`KXPRESNOMD-28`) is no day: undefined.
 */
export function tickerDay(ticker: string | undefined): number | undefined {
  const m = ticker ? /-(\d\d)(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)(\d\d)(?:\d\d)?(?=[A-Z]|-|$)/.exec(ticker.toUpperCase()) : null;
  if (!m) return undefined;
  const [y, mo, d] = [2000 + Number(m[1]), TICKER_MONTHS[m[2]!]!, Number(m[3])];
  const t = Date.UTC(y, mo - 1, d);
  return new Date(t).getUTCDate() === d ? t : undefined;
}

export interface KalshiDates {
  readonly eventTime?: number;
  readonly eventTimeSource?: string;
  readonly backstopTime?: number;
}

/**
 * The event date and the settlement backstop of a Kalshi market. `close_time` is only the trading
 * close (often a backstop a year or two after the event), so the event date is, in order:
 * `expected_expiration_time`, `occurrence_datetime` (newer payloads), the event's `strike_date`,
 * a day named in the event's `sub_title`, the day written in the event ticker
 * (`KXPUTINPRES-27JAN01`, `KXHIGHNY-26JAN16`); else unknown. `latest_expiration_time` is the backstop.
 */
export function kalshiDates(
  i: Pick<KalshiMarketInfo, 'expectedExpirationTime' | 'raw'> & Partial<Pick<KalshiMarketInfo, 'eventTicker' | 'ticker'>>,
  event?: KalshiEventContext,
): KalshiDates {
  const r = RawMarketDates.safeParse(i.raw);
  const raw = r.success ? r.data : {};
  const backstop = venueTime(raw.latest_expiration_time);
  let expected = venueTime(raw.expected_expiration_time);
  // the REST mapping falls back to latest_expiration_time when expected_expiration_time is absent:
  // that value is the backstop, not the event
  if (expected === undefined && raw.expected_expiration_time == null && i.expectedExpirationTime !== null && i.expectedExpirationTime !== backstop) {
    expected = i.expectedExpirationTime;
  }
  const subTitleDay = event?.subTitle ? extractDates(event.subTitle).find((d) => /^\d{4}-\d\d-\d\d$/.test(d.key))?.key : undefined;
  const candidates: [string, number | undefined][] = [
    ['expected_expiration_time', expected],
    ['occurrence_datetime', venueTime(raw.occurrence_datetime)],
    ['event.strike_date', event?.strikeDate],
    ['event.sub_title', subTitleDay ? venueTime(subTitleDay) : undefined],
    ['ticker', tickerDay(i.eventTicker ?? i.ticker)],
  ];
  const found = candidates.find(([, t]) => t !== undefined);
  return {
    ...(found ? { eventTime: found[1]!, eventTimeSource: found[0] } : {}),
    ...(backstop !== undefined ? { backstopTime: backstop } : {}),
  };
}

/**
 * Kalshi market → MarketRecord: the venue adapter's record (status, tick, strike thresholds, fee
 * facts), with text sanitised, the title made of the event title (when given, else the market
 * title) plus the YES subtitle when it adds something, and the strike thresholds given the unit
 * the text names.
 */
export function kalshiMarketRecord(i: KalshiMarketInfo, event?: KalshiEventContext): MarketRecord {
  const { expectedResolutionTime: _legacy, ...rec } = kalshiAdapterRecord(i);
  const dates = kalshiDates(i, event);
  const base = sanitizeText(event?.title || i.title);
  const sub = sanitizeText(i.yesSubTitle);
  const title = sub && !base.toLowerCase().includes(sub.toLowerCase()) ? `${base} — ${sub}` : base;
  const rules = sanitizeText(i.rulesPrimary);
  const fromText = recordThresholds(title, rules);
  // the strike fields are the venue's own structured threshold: their values and comparators win;
  // the unit comes from the text when the text names the same number
  const thresholds = rec.thresholds.length
    ? rec.thresholds.map((s) => {
        const t = fromText.find((x) => x.value === s.value);
        return { value: s.value, ...(t?.unit ? { unit: t.unit } : {}), ...(s.comparator ? { comparator: s.comparator } : {}) };
      })
    : fromText;
  return MarketRecord.parse({
    ...rec,
    ...dates,
    ...(dates.eventTime !== undefined ? { expectedResolutionTime: dates.eventTime } : {}),
    ...(!rec.category && event?.category ? { category: event.category } : {}),
    title,
    rulesText: rules,
    rulesSecondary: sanitizeText(i.rulesSecondary),
    outcomes: rec.outcomes.map(sanitizeText),
    ...(rec.resolutionSource ? { resolutionSource: sanitizeText(rec.resolutionSource) } : {}),
    ...withStrike(kalshiStrike(i.raw)),
    ...(sub && !/^(yes|no)$/i.test(sub) ? { subjectText: sub } : {}),
    thresholds,
    entities: extractEntities(`${title}\n${rules}`),
  });
}

/** Sanitiser flags on the market's raw text (title, subtitles, rules). */
export const kalshiTextFlags = (i: KalshiMarketInfo) => textFlags([i.title, i.yesSubTitle, i.noSubTitle, i.rulesPrimary, i.rulesSecondary]);

/**
 * A Kalshi market and (optionally) its event and series as the REST API sends them (raw JSON) →
 * MarketRecord, through the same mapping as discovery. Throws (zod) on a payload that does not fit.
 */
export function kalshiRecordFromWire(market: unknown, event?: unknown, series?: unknown): MarketRecord {
  const m = MarketWire.parse(market);
  const e = event === undefined ? undefined : toEvent(EventWire.parse(event));
  const s = series === undefined ? undefined : toSeries(SeriesWire.parse(series));
  return kalshiMarketRecord(toMarketInfo(m, e, s), e ? kalshiEventContext(e) : undefined);
}

/** A Kalshi market (with its event's title and dates when known) as discovery takes it. */
export const discovered = (m: KalshiMarketInfo, event?: KalshiEventContext): DiscoveredMarket => ({
  venue: VENUE,
  raw: m.raw,
  textFlags: kalshiTextFlags(m),
  record: () => kalshiMarketRecord(m, event),
});

/**
 * Discovery over the Trade API: the open markets (`max` caps paging); with `details` (default)
 * each market's title is made of its event's title and its event date may come from the event's
 * `strike_date`/`sub_title` (one request per event, cached per run).
 */
export function kalshiDiscovery(rest: Pick<KalshiRest, 'listMarkets' | 'getEvent'>): MarketSource {
  return {
    async discover(o = {}) {
      const markets = await rest.listMarkets({ status: 'open' }, o.max ? Math.max(1, Math.ceil(o.max / 100)) : Infinity);
      const events = new Map<string, Promise<KalshiEventContext | undefined>>();
      const eventOf = (t: string): Promise<KalshiEventContext | undefined> => {
        let p = events.get(t);
        if (!p) {
          p = rest.getEvent(t).then(
            (r) => kalshiEventContext(r.event),
            (err: unknown) => {
              log.warn({ err, venue: VENUE, eventTicker: t }, 'event lookup failed; using the market title and dates alone');
              return undefined;
            },
          );
          events.set(t, p);
        }
        return p;
      };
      const out: DiscoveredMarket[] = [];
      for (const m of o.max ? markets.slice(0, o.max) : markets) {
        const event = o.details === false ? undefined : await eventOf(m.eventTicker);
        out.push(discovered(m, event));
      }
      return out;
    },
  };
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
  const existing = await loadOne(pool, VENUE, m.market_ticker);
  const sec = (s: number | undefined): number | undefined => (s === undefined ? undefined : s * 1000);
  if (!existing) {
    if (m.event_type !== 'created' || !md) return ignored('unknown market', { venue: VENUE, marketId: m.market_ticker, event: m.event_type });
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
    const entry = entryOf(discovered({ ...info, status }));
    if (!entry) return ignored('metadata rejected', { venue: VENUE, marketId: m.market_ticker });
    return storeEntry(pool, entry);
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
      if (m.close_ts === undefined) return ignored('close_date_updated without close_ts', { venue: VENUE, marketId: m.market_ticker });
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
        ...(md?.expected_expiration_ts !== undefined
          ? { eventTime: md.expected_expiration_ts * 1000, eventTimeSource: 'expected_expiration_time', expectedResolutionTime: md.expected_expiration_ts * 1000 }
          : {}),
        thresholds,
        feeInfo: { ...r.feeInfo, strikeType: strikeType ?? null, floorStrike: floor ?? null, capStrike: cap ?? null },
        entities: extractEntities(`${title}\n${rules}`),
      };
      break;
    }
    default:
      return ignored(`event type ${m.event_type}`, { venue: VENUE, marketId: m.market_ticker });
  }
  return storeEntry(pool, { record: r, raw: m, textFlags: existing.textFlags });
}
