/**
 * Simulated Kalshi series, events and markets: generation (deterministic from the PRNG), the
 * series/events of explicit markets, and the venue's exact REST shapes (snake_case,
 * fixed-point `*_dollars` / `*_fp` strings).
 */
import { SCALE } from '../../../../schema/money.js';
import type { Level } from '../../../../schema/book.js';
import { randInt, type Rng } from '../../common/prng.js';
import { bestOf, type SimBook } from './book.js';
import { fp, iso, px } from './format.js';

export type KalshiFeeType = 'quadratic' | 'quadratic_with_maker_fees' | 'flat';

export interface KalshiSeriesSpec {
  readonly ticker: string;
  readonly title: string;
  readonly category: string;
  readonly frequency: string;
  readonly feeType: KalshiFeeType;
  readonly feeMultiplier: number;
  readonly settlementSources: readonly { name: string; url: string }[];
}

export interface KalshiEventSpec {
  readonly eventTicker: string;
  readonly seriesTicker: string;
  readonly title: string;
  readonly subTitle: string;
  readonly mutuallyExclusive: boolean;
}

/** Ladders of a simulated book: bids only, prices in micro-dollars (NO in NO-leg prices). */
export interface KalshiSimLadders {
  readonly yesBid: readonly Level[];
  readonly noBid: readonly Level[];
}

export interface KalshiMarketSpec {
  readonly ticker: string;
  readonly eventTicker: string;
  readonly seriesTicker: string;
  readonly title: string;
  readonly yesSubTitle: string;
  readonly noSubTitle: string;
  readonly rulesPrimary: string;
  readonly rulesSecondary: string;
  /** ISO-8601 */
  readonly openTime: string;
  readonly closeTime: string;
  readonly expectedExpirationTime: string;
  readonly status: 'initialized' | 'active' | 'closed' | 'determined' | 'finalized';
  readonly strikeType?: string;
  readonly floorStrike?: number;
  readonly capStrike?: number;
  readonly priceLevelStructure: string;
  readonly fractionalTradingEnabled: boolean;
  /** The random walk never touches a frozen book (planted books for tests). */
  readonly frozen?: boolean;
  /** Initial book; generated around a fair value when absent. */
  readonly book?: KalshiSimLadders;
}

export interface KalshiUniverse {
  readonly series: KalshiSeriesSpec[];
  readonly events: KalshiEventSpec[];
  readonly markets: KalshiMarketSpec[];
}

const SERIES_TEMPLATES = [
  { ticker: 'KXBTCD', title: 'Bitcoin price above', category: 'Crypto', unit: 'BTC/USD', base: 100_000, step: 2_500, feeType: 'quadratic' as const },
  { ticker: 'KXETHD', title: 'Ethereum price above', category: 'Crypto', unit: 'ETH/USD', base: 4_000, step: 100, feeType: 'quadratic' as const },
  { ticker: 'KXINXU', title: 'S&P 500 above', category: 'Financials', unit: 'S&P 500 index', base: 6_000, step: 25, feeType: 'quadratic_with_maker_fees' as const },
  { ticker: 'KXHIGHNY', title: 'Highest temperature in NYC above', category: 'Climate and Weather', unit: 'degrees F', base: 40, step: 2, feeType: 'quadratic' as const },
];

const dayCode = (ms: number): string => {
  const d = new Date(ms);
  const mon = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'][d.getUTCMonth()]!;
  return `${String(d.getUTCFullYear()).slice(2)}${mon}${String(d.getUTCDate()).padStart(2, '0')}`;
};

/** `count` daily strike markets cycling through the series templates, closing on successive days. */
export function generateUniverse(rng: Rng, count: number, baseTimeMs: number): KalshiUniverse {
  const series: KalshiSeriesSpec[] = [];
  const events: KalshiEventSpec[] = [];
  const markets: KalshiMarketSpec[] = [];
  for (let i = 0; i < count; i++) {
    const t = SERIES_TEMPLATES[i % SERIES_TEMPLATES.length]!;
    if (!series.some((s) => s.ticker === t.ticker)) {
      series.push({
        ticker: t.ticker, title: `${t.title} (daily)`, category: t.category, frequency: 'daily', feeType: t.feeType, feeMultiplier: 1,
        settlementSources: [{ name: t.category === 'Crypto' ? 'CF Benchmarks' : t.category === 'Financials' ? 'S&P Dow Jones Indices' : 'National Weather Service', url: 'https://example.invalid/source' }],
      });
    }
    const dayOffset = Math.floor(i / SERIES_TEMPLATES.length) + 1;
    const close = baseTimeMs + dayOffset * 86_400_000 + 17 * 3_600_000;
    const eventTicker = `${t.ticker}-${dayCode(close)}17`;
    if (!events.some((e) => e.eventTicker === eventTicker)) {
      events.push({ eventTicker, seriesTicker: t.ticker, title: `${t.title} on ${new Date(close).toUTCString().slice(0, 16)}?`, subTitle: `At 5pm ET`, mutuallyExclusive: false });
    }
    const strike = t.base + randInt(rng, -4, 4) * t.step - (t.step >= 100 ? 0.01 : 0);
    const ticker = `${eventTicker}-T${strike}`;
    markets.push({
      ticker, eventTicker, seriesTicker: t.ticker,
      title: `Will the ${t.unit} be above ${strike} at 5pm ET on ${new Date(close).toUTCString().slice(0, 16)}?`,
      yesSubTitle: `${strike} or above`, noSubTitle: `Below ${strike}`,
      rulesPrimary: `If the ${t.unit} is above ${strike} at 5:00 PM ET on ${new Date(close).toISOString().slice(0, 10)}, then the market resolves to Yes.`,
      rulesSecondary: `The value is taken from the source agency's published figure. If no figure is published by the expiration time, the market resolves per the settlement source rules.`,
      openTime: iso(close - 7 * 86_400_000), closeTime: iso(close), expectedExpirationTime: iso(close + 3_600_000),
      status: 'active', strikeType: 'greater', floorStrike: strike, priceLevelStructure: 'linear_cent', fractionalTradingEnabled: false,
    });
  }
  return { series, events, markets };
}

/** Adds (in place) a default series and event for every market whose series/event is missing. */
export function completeUniverse(u: KalshiUniverse): void {
  for (const m of u.markets) {
    if (!u.series.some((s) => s.ticker === m.seriesTicker)) {
      u.series.push({ ticker: m.seriesTicker, title: m.seriesTicker, category: 'Other', frequency: 'custom', feeType: 'quadratic', feeMultiplier: 1, settlementSources: [] });
    }
    if (!u.events.some((e) => e.eventTicker === m.eventTicker)) {
      u.events.push({ eventTicker: m.eventTicker, seriesTicker: m.seriesTicker, title: m.title, subTitle: '', mutuallyExclusive: false });
    }
  }
}

/** A stable UUID-shaped market id derived from the ticker (FNV-1a). */
export const marketId = (ticker: string): string => {
  let h = 0x811c9dc5;
  for (const ch of ticker) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  const hex = h.toString(16).padStart(8, '0');
  return `${hex}-${hex.slice(0, 4)}-4${hex.slice(1, 4)}-8${hex.slice(2, 5)}-${hex}${hex.slice(0, 4)}`;
};

export const seriesJson = (s: KalshiSeriesSpec) => ({
  ticker: s.ticker, frequency: s.frequency, title: s.title, category: s.category, tags: [], settlement_sources: s.settlementSources,
  contract_url: 'https://example.invalid/contract.pdf', contract_terms_url: 'https://example.invalid/terms.pdf',
  fee_type: s.feeType, fee_multiplier: s.feeMultiplier, additional_prohibitions: [],
});

export const marketJson = (m: KalshiMarketSpec, b: SimBook) => {
  const yb = bestOf(b.yes);
  const nb = bestOf(b.no);
  return {
    ticker: m.ticker, event_ticker: m.eventTicker, market_type: 'binary', title: m.title, subtitle: '',
    yes_sub_title: m.yesSubTitle, no_sub_title: m.noSubTitle, rules_primary: m.rulesPrimary, rules_secondary: m.rulesSecondary,
    open_time: m.openTime, close_time: m.closeTime, expected_expiration_time: m.expectedExpirationTime, latest_expiration_time: m.expectedExpirationTime,
    created_time: m.openTime, updated_time: m.openTime, settlement_timer_seconds: 300, status: m.status,
    yes_bid_dollars: px(yb?.[0] ?? 0), yes_ask_dollars: px(nb ? SCALE - nb[0] : SCALE), no_bid_dollars: px(nb?.[0] ?? 0), no_ask_dollars: px(yb ? SCALE - yb[0] : SCALE),
    yes_bid_size_fp: fp(yb?.[1] ?? 0), yes_ask_size_fp: fp(nb?.[1] ?? 0), last_price_dollars: px(b.fair),
    volume_fp: '0.00', volume_24h_fp: '0.00', open_interest_fp: '0.00', notional_value_dollars: '1.0000', result: '',
    can_close_early: true, fractional_trading_enabled: m.fractionalTradingEnabled,
    ...(m.strikeType ? { strike_type: m.strikeType } : {}), ...(m.floorStrike === undefined ? {} : { floor_strike: m.floorStrike }), ...(m.capStrike === undefined ? {} : { cap_strike: m.capStrike }),
    price_level_structure: m.priceLevelStructure, price_ranges: priceRangesOf(m.priceLevelStructure),
  };
};

/** The documented price level structures (PROTOCOLS.md, fixed_point_migration 2026-04-02); unknown ones read as linear_cent. */
export function priceRangesOf(structure: string): { start: string; end: string; step: string }[] {
  switch (structure) {
    case 'deci_cent':
      return [{ start: '0.0000', end: '1.0000', step: '0.0010' }];
    case 'tapered_deci_cent':
      return [{ start: '0.0000', end: '0.1000', step: '0.0010' }, { start: '0.1000', end: '0.9000', step: '0.0100' }, { start: '0.9000', end: '1.0000', step: '0.0010' }];
    default:
      return [{ start: '0.0000', end: '1.0000', step: '0.0100' }];
  }
}

/** Whether a YES price (micro-dollars) is a valid order price under the market's structure (in (0, 1), on its band's step). */
export function onPriceGrid(structure: string, price: number): boolean {
  if (price <= 0 || price >= 1_000_000) return false;
  return priceRangesOf(structure).some((r) => {
    const [start, end, step] = [r.start, r.end, r.step].map((x) => Math.round(Number(x) * 1_000_000)) as [number, number, number];
    return price >= start && price <= end && price % step === 0;
  });
}

/** An event; `nestedMarkets` (its markets' REST shapes) are included when given. */
export const eventJson = (e: KalshiEventSpec, nestedMarkets?: readonly unknown[]) => ({
  event_ticker: e.eventTicker, series_ticker: e.seriesTicker, title: e.title, sub_title: e.subTitle, mutually_exclusive: e.mutuallyExclusive,
  strike_period: 'daily', ...(nestedMarkets ? { markets: nestedMarkets } : {}),
});
