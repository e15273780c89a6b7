/** Builders of venue market infos for matching tests (the shapes the REST clients return). */
import type { KalshiMarketInfo } from '../../src/venues/kalshi/rest.js';
import type { PolyMarketInfo } from '../../src/venues/polymarket/rest.js';

export const CLOSE = Date.UTC(2026, 2, 1, 17);
export const POLY_ID = '0x' + 'ab'.repeat(32);

export function polyInfo(o: Partial<PolyMarketInfo> = {}): PolyMarketInfo {
  const endDate = new Date(o.endTs ?? CLOSE).toISOString();
  return {
    conditionId: POLY_ID,
    gammaId: '1',
    question: 'Will Bitcoin be above $100,000 on March 1, 2026?',
    // the same reference as the Kalshi twin (CF Benchmarks BRTI): a different source would be a hold (source guard)
    description: 'This market will resolve to "Yes" if the CF Benchmarks Bitcoin Real-Time Index (BRTI) at 12:00 PM ET on March 1, 2026 is above $100,000. Otherwise, this market will resolve to "No".',
    slug: 'btc-100k-mar-1',
    yesTokenId: '111',
    noTokenId: '222',
    outcomes: ['Yes', 'No'],
    endDate,
    endTs: CLOSE,
    closed: false,
    active: true,
    negRisk: false,
    feesEnabled: false,
    category: 'Crypto',
    tags: ['Crypto'],
    raw: {},
    ...o,
  };
}

export function kalshiInfo(o: Partial<KalshiMarketInfo> = {}): KalshiMarketInfo {
  return {
    ticker: 'KXBTCD-26MAR01-T100000',
    eventTicker: 'KXBTCD-26MAR01',
    seriesTicker: 'KXBTCD',
    title: 'Bitcoin price on Mar 1, 2026',
    yesSubTitle: 'Above $100,000',
    noSubTitle: '$100,000 or below',
    rulesPrimary: 'If the CF Benchmarks BTC Real-Time Index is above $100,000 at 12:00 PM ET on Mar 1, 2026, then the market resolves to Yes.',
    rulesSecondary: '',
    openTime: CLOSE - 30 * 86_400_000,
    closeTime: CLOSE,
    expectedExpirationTime: CLOSE + 3_600_000,
    status: 'active',
    strikeType: 'greater',
    floorStrike: 100000,
    capStrike: null,
    priceLevelStructure: 'linear_cent',
    fractionalTradingEnabled: false,
    category: 'Crypto',
    settlementSources: [{ name: 'CF Benchmarks', url: 'https://www.cfbenchmarks.com' }],
    feeType: 'quadratic',
    feeMultiplier: 1,
    raw: {},
    ...o,
  };
}
