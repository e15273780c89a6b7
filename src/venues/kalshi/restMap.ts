/**
 * Normalized Kalshi REST records (series, markets, events, fee changes, trades, candles) and the
 * mappers from the wire shapes (restSchemas.ts) to them and to the shared market record.
 */
import type { z } from 'zod';
import type { Level } from '../../../schema/book.js';
import { MarketRecord } from '../../../schema/market.js';
import { log } from '../../log.js';
import type { EventWire, MarketWire, SeriesWire } from './restSchemas.js';

export interface KalshiSeriesInfo {
  readonly ticker: string;
  readonly title: string;
  readonly category: string | null;
  readonly frequency: string | null;
  /** `quadratic` | `quadratic_with_maker_fees` | `flat` (others passed through) */
  readonly feeType: string | null;
  readonly feeMultiplier: number | null;
  readonly settlementSources: readonly { name: string; url: string }[];
  readonly raw: Readonly<Record<string, unknown>>;
}

/** A Kalshi market with what the matcher and the fee model need. Times are unix ms (null when absent). */
export interface KalshiMarketInfo {
  readonly ticker: string;
  readonly eventTicker: string;
  readonly seriesTicker: string;
  readonly title: string;
  readonly yesSubTitle: string;
  readonly noSubTitle: string;
  readonly rulesPrimary: string;
  readonly rulesSecondary: string;
  readonly openTime: number | null;
  readonly closeTime: number | null;
  readonly expectedExpirationTime: number | null;
  /** market status vocabulary: initialized, inactive, active, closed, determined, disputed, amended, finalized */
  readonly status: string;
  readonly strikeType: string | null;
  readonly floorStrike: number | null;
  readonly capStrike: number | null;
  readonly priceLevelStructure: string | null;
  readonly fractionalTradingEnabled: boolean;
  readonly category: string | null;
  readonly settlementSources: readonly { name: string; url: string }[];
  readonly feeType: string | null;
  readonly feeMultiplier: number | null;
  readonly raw: Readonly<Record<string, unknown>>;
}

export interface KalshiEventInfo {
  readonly eventTicker: string;
  readonly seriesTicker: string;
  readonly title: string;
  readonly subTitle: string;
  readonly mutuallyExclusive: boolean;
  readonly raw: Readonly<Record<string, unknown>>;
}

export interface KalshiFeeChange {
  readonly id: string;
  readonly seriesTicker: string;
  readonly feeType: string;
  readonly feeMultiplier: number;
  /** unix ms */
  readonly scheduledTs: number | null;
}

export interface KalshiTrade {
  readonly tradeId: string;
  readonly ticker: string;
  /** YES price, micro-dollars */
  readonly yesPrice: number;
  /** contracts, millionths */
  readonly count: number;
  readonly takerSide: 'yes' | 'no' | null;
  /** unix ms */
  readonly createdTime: number | null;
}

export interface Ohlc {
  readonly open: number | null;
  readonly low: number | null;
  readonly high: number | null;
  readonly close: number | null;
}

export interface KalshiCandle {
  /** unix ms of the period end */
  readonly endPeriodTs: number;
  readonly yesBid: Ohlc | null;
  readonly yesAsk: Ohlc | null;
  /** null when there were no trades in the period */
  readonly price: Ohlc | null;
  readonly volume: number | null;
  readonly openInterest: number | null;
}

/** Kalshi market status (market vocabulary) → the shared record's status. Unknown values count as closed (never traded). */
export function kalshiStatus(status: string): MarketRecord['status'] {
  switch (status) {
    case 'initialized':
    case 'unopened':
      return 'unopened';
    case 'active':
    case 'open':
      return 'open';
    case 'inactive':
    case 'paused':
      return 'paused';
    case 'closed':
      return 'closed';
    case 'determined':
    case 'disputed':
    case 'amended':
    case 'finalized':
    case 'settled':
      return 'resolved';
    default:
      log.warn({ venue: 'kalshi', status }, 'unknown market status; treated as closed');
      return 'closed';
  }
}

const TICK: Readonly<Record<string, number>> = { linear_cent: 10_000, deci_cent: 1_000 };

/** Structured strike → thresholds for the matcher (`greater` 4487 → `> 4487`, `between` → both bounds). */
function strikeThresholds(m: KalshiMarketInfo): MarketRecord['thresholds'] {
  const f = m.floorStrike;
  const c = m.capStrike;
  switch (m.strikeType) {
    case 'greater':
      return f === null ? [] : [{ value: f, comparator: '>' }];
    case 'greater_or_equal':
      return f === null ? [] : [{ value: f, comparator: '>=' }];
    case 'less':
      return c === null ? [] : [{ value: c, comparator: '<' }];
    case 'less_or_equal':
      return c === null ? [] : [{ value: c, comparator: '<=' }];
    case 'between':
      return f === null || c === null ? [] : [{ value: f, comparator: 'between' }, { value: c, comparator: 'between' }];
    default:
      return [];
  }
}

/** The shared market record (schema/market.ts) of a Kalshi market, validated. */
export function toMarketRecord(m: KalshiMarketInfo): MarketRecord {
  return MarketRecord.parse({
    venue: 'kalshi',
    marketId: m.ticker,
    eventId: m.eventTicker,
    seriesId: m.seriesTicker,
    title: m.title,
    rulesText: m.rulesPrimary,
    rulesSecondary: m.rulesSecondary,
    outcomes: [m.yesSubTitle || 'Yes', m.noSubTitle || 'No'],
    ...(m.openTime === null ? {} : { openTime: m.openTime }),
    ...(m.closeTime === null ? {} : { closeTime: m.closeTime }),
    ...(m.expectedExpirationTime === null ? {} : { expectedResolutionTime: m.expectedExpirationTime }),
    ...(m.settlementSources.length ? { resolutionSource: m.settlementSources.map((s) => s.name || s.url).join('; ') } : {}),
    ...(m.category ? { category: m.category } : {}),
    status: kalshiStatus(m.status),
    ...(m.priceLevelStructure && TICK[m.priceLevelStructure] ? { tickSizeMicros: TICK[m.priceLevelStructure] } : {}),
    feeInfo: { feeType: m.feeType, feeMultiplier: m.feeMultiplier, priceLevelStructure: m.priceLevelStructure },
    thresholds: strikeThresholds(m),
  });
}

export const toMarketInfo = (m: MarketWire, ev: { seriesTicker: string } | undefined, s: KalshiSeriesInfo | undefined): KalshiMarketInfo => ({
  ticker: m.ticker,
  eventTicker: m.event_ticker,
  seriesTicker: ev?.seriesTicker ?? s?.ticker ?? m.event_ticker.split('-')[0]!,
  title: m.title,
  yesSubTitle: m.yes_sub_title ?? '',
  noSubTitle: m.no_sub_title ?? '',
  rulesPrimary: m.rules_primary ?? '',
  rulesSecondary: m.rules_secondary ?? '',
  openTime: m.open_time,
  closeTime: m.close_time,
  expectedExpirationTime: m.expected_expiration_time ?? m.latest_expiration_time,
  status: m.status,
  strikeType: m.strike_type ?? null,
  floorStrike: m.floor_strike ?? null,
  capStrike: m.cap_strike ?? null,
  priceLevelStructure: m.price_level_structure ?? null,
  fractionalTradingEnabled: m.fractional_trading_enabled ?? false,
  category: s?.category ?? null,
  settlementSources: s?.settlementSources ?? [],
  feeType: s?.feeType ?? null,
  feeMultiplier: s?.feeMultiplier ?? null,
  raw: m,
});

export const toSeries = (s: z.output<typeof SeriesWire>): KalshiSeriesInfo => ({
  ticker: s.ticker,
  title: s.title,
  category: s.category ?? null,
  frequency: s.frequency ?? null,
  feeType: s.fee_type ?? null,
  feeMultiplier: s.fee_multiplier ?? null,
  settlementSources: (s.settlement_sources ?? []).map((x) => ({ name: x.name ?? '', url: x.url ?? '' })),
  raw: s,
});

export const toEvent = (e: z.output<typeof EventWire>): KalshiEventInfo => ({
  eventTicker: e.event_ticker,
  seriesTicker: e.series_ticker,
  title: e.title,
  subTitle: e.sub_title ?? '',
  mutuallyExclusive: e.mutually_exclusive ?? false,
  raw: e,
});

/** Kalshi bids ascending → Level[] best first; zero levels dropped. */
export const bids = (l: readonly (readonly [number, number])[] | null | undefined): Level[] =>
  (l ?? []).filter(([, q]) => q > 0).map(([price, qty]) => ({ price, qty })).sort((a, b) => b.price - a.price);
