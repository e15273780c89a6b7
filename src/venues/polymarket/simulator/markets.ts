/**
 * Simulated Polymarket markets: generation (deterministic from the PRNG) and the venue's exact
 * REST shapes (Gamma market/event camelCase with JSON-encoded string fields, CLOB snake_case).
 */
import { formatScaled } from '../../../../schema/money.js';
import type { Level } from '../../../../schema/book.js';
import { pick, randInt, type Rng } from '../../common/prng.js';

export interface PolySimFeeSchedule {
  readonly rate: number;
  readonly exponent: number;
  readonly takerOnly: boolean;
  readonly rebateRate: number;
}

/** Ladders of a simulated market, prices in micro-dollars (NO ladders in NO-token prices). */
export interface PolySimLadders {
  readonly yesBid: readonly Level[];
  readonly yesAsk: readonly Level[];
  readonly noBid: readonly Level[];
  readonly noAsk: readonly Level[];
}

export interface PolyMarketSpec {
  readonly conditionId: string;
  readonly gammaId: string;
  readonly question: string;
  /** resolution rules text */
  readonly description: string;
  readonly slug: string;
  readonly yesTokenId: string;
  readonly noTokenId: string;
  readonly outcomes: readonly [string, string];
  /** ISO 8601 */
  readonly startDate: string;
  readonly endDate: string;
  readonly closed: boolean;
  readonly active: boolean;
  readonly negRisk: boolean;
  /** decimal string, e.g. "0.01" */
  readonly tickSize: string;
  readonly orderMinSize: number;
  readonly feesEnabled: boolean;
  readonly feeType: string | null;
  readonly feeSchedule?: PolySimFeeSchedule;
  readonly resolutionSource: string;
  readonly category: string;
  readonly tags: readonly string[];
  readonly eventId: string;
  readonly eventTitle: string;
  /** The random walk never touches a frozen book (planted books for tests). */
  readonly frozen?: boolean;
  /** Initial book; generated when absent. */
  readonly book?: PolySimLadders;
}

const hex = (rng: Rng, n: number): string => Array.from({ length: n }, () => Math.floor(rng() * 16).toString(16)).join('');
const digits = (rng: Rng, n: number): string => String(randInt(rng, 1, 9)) + Array.from({ length: n - 1 }, () => String(Math.floor(rng() * 10))).join('');

const TEMPLATES: readonly ((rng: Rng, end: Date) => { q: string; rules: string; source: string; category: string; tags: string[] })[] = [
  (rng, end) => {
    const coin = pick(rng, ['Bitcoin', 'Ethereum', 'Solana']);
    const k = coin === 'Bitcoin' ? randInt(rng, 80, 160) * 1000 : coin === 'Ethereum' ? randInt(rng, 20, 60) * 100 : randInt(rng, 10, 40) * 10;
    const d = end.toISOString().slice(0, 10);
    return {
      q: `Will ${coin} be above $${k.toLocaleString('en-US')} on ${d}?`,
      rules: `This market will resolve to "Yes" if the ${coin} (${coin.slice(0, 3).toUpperCase()}/USD) price on the Binance 1-minute candle for 12:00 ET on ${d} has a final "Close" price strictly higher than $${k.toLocaleString('en-US')}. Otherwise, this market will resolve to "No".\n\nThe resolution source for this market is Binance, specifically the ${coin.slice(0, 3).toUpperCase()}/USDT "Close" prices. Please note that this market is about the price according to Binance and not according to other sources or spot markets.`,
      source: 'https://www.binance.com',
      category: 'Crypto',
      tags: ['Crypto', coin],
    };
  },
  (rng, end) => {
    const bps = pick(rng, [25, 50]);
    const dir = pick(rng, ['decrease', 'increase']);
    const month = end.toLocaleString('en-US', { month: 'long', timeZone: 'UTC' });
    return {
      q: `Fed ${dir}s interest rates by ${bps} bps after ${month} ${end.getUTCFullYear()} meeting?`,
      rules: `The FED interest rates are defined in this market by the upper bound of the target federal funds range. The decisions on the target federal fund range are made by the Federal Open Market Committee (FOMC) meetings.\n\nThis market will resolve to "Yes" if the target federal funds rate is ${dir}d by exactly ${bps} basis points at the ${month} ${end.getUTCFullYear()} meeting. Otherwise, this market will resolve to "No".\n\nThe resolution source for this market is the FOMC's statement after its meeting scheduled for ${month} ${end.getUTCFullYear()}.`,
      source: 'https://www.federalreserve.gov/monetarypolicy/fomccalendars.htm',
      category: 'Economy',
      tags: ['Economy', 'Fed Rates'],
    };
  },
  (rng, end) => {
    const team = pick(rng, ['Lakers', 'Celtics', 'Warriors', 'Knicks', 'Nuggets', 'Bucks']);
    const opp = pick(rng, ['Heat', 'Suns', 'Mavericks', 'Thunder', 'Pacers', 'Clippers']);
    const d = end.toISOString().slice(0, 10);
    return {
      q: `Will the ${team} beat the ${opp} on ${d}?`,
      rules: `This market refers to the NBA game between the ${team} and the ${opp} scheduled for ${d}.\n\nIf the ${team} win, this market will resolve to "Yes". If the ${opp} win, it will resolve to "No". If the game is postponed, this market will remain open until the game has been completed. If the game is canceled entirely, with no make-up game, this market will resolve 50-50.`,
      source: 'https://www.nba.com',
      category: 'Sports',
      tags: ['Sports', 'NBA'],
    };
  },
  (rng, end) => {
    const pct = (randInt(rng, 20, 45) / 10).toFixed(1);
    const month = end.toLocaleString('en-US', { month: 'long', timeZone: 'UTC' });
    return {
      q: `Will US CPI inflation be above ${pct}% in ${month} ${end.getUTCFullYear()}?`,
      rules: `This market will resolve to "Yes" if the year-over-year change in the Consumer Price Index for All Urban Consumers (CPI-U), not seasonally adjusted, for ${month} ${end.getUTCFullYear()} as first published by the US Bureau of Labor Statistics is greater than ${pct}%. Otherwise, this market will resolve to "No". Revisions after the first release are not considered.`,
      source: 'https://www.bls.gov/cpi/',
      category: 'Economy',
      tags: ['Economy', 'Inflation'],
    };
  },
  (rng, end) => {
    const who = pick(rng, ['Gavin Newsom', 'JD Vance', 'Kamala Harris', 'Marco Rubio', 'Josh Shapiro']);
    return {
      q: `Will ${who} announce a presidential run before ${end.toISOString().slice(0, 10)}?`,
      rules: `This market will resolve to "Yes" if ${who} publicly and officially announces a campaign for the 2028 US presidential election by ${end.toISOString().slice(0, 10)}, 11:59 PM ET. Filing paperwork with the FEC alone does not count; a public announcement by the candidate is required. Otherwise, this market will resolve to "No".\n\nThe resolution source will be a consensus of credible reporting.`,
      source: '',
      category: 'Politics',
      tags: ['Politics', 'Elections'],
    };
  },
];

export function generateMarkets(rng: Rng, count: number, baseTimeMs: number): PolyMarketSpec[] {
  const out: PolyMarketSpec[] = [];
  for (let i = 0; i < count; i++) {
    const end = new Date(baseTimeMs + randInt(rng, 2, 200) * 86_400_000);
    const t = pick(rng, TEMPLATES)(rng, end);
    const conditionId = '0x' + hex(rng, 64);
    const feeKind = i % 7 === 6 ? 'crypto' : i % 3 === 1 ? 'schedule' : 'free';
    const spec: PolyMarketSpec = {
      conditionId,
      gammaId: String(500_000 + i),
      question: t.q,
      description: t.rules,
      slug: t.q.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') + `-${i}`,
      yesTokenId: digits(rng, 77),
      noTokenId: digits(rng, 77),
      outcomes: ['Yes', 'No'],
      startDate: new Date(baseTimeMs - randInt(rng, 1, 60) * 86_400_000).toISOString(),
      endDate: end.toISOString(),
      closed: false,
      active: true,
      negRisk: false,
      tickSize: '0.01',
      orderMinSize: 5,
      feesEnabled: feeKind !== 'free',
      feeType: feeKind === 'crypto' ? 'crypto_fees' : feeKind === 'schedule' ? 'sports_fees_v2' : null,
      ...(feeKind === 'schedule' ? { feeSchedule: { rate: 0.04, exponent: 1, takerOnly: true, rebateRate: 0.25 } } : {}),
      resolutionSource: t.source,
      category: t.category,
      tags: t.tags,
      eventId: String(90_000 + i),
      eventTitle: t.q,
    };
    out.push(spec);
  }
  return out;
}

const px = (v: number): string => formatScaled(v, 0);
const best = (levels: readonly Level[], bids: boolean): number | undefined =>
  levels.length ? levels.reduce((a, l) => (bids ? Math.max(a, l.price) : Math.min(a, l.price)), bids ? 0 : 1_000_000) : undefined;

/** Gamma `/markets` item, in the venue's shape (JSON-encoded string arrays, mixed types). */
export function gammaMarket(m: PolyMarketSpec, book: PolySimLadders): Record<string, unknown> {
  const bb = best(book.yesBid, true);
  const ba = best(book.yesAsk, false);
  const mid = bb !== undefined && ba !== undefined ? Math.round((bb + ba) / 2) : 500_000;
  return {
    id: m.gammaId,
    question: m.question,
    conditionId: m.conditionId,
    slug: m.slug,
    resolutionSource: m.resolutionSource,
    endDate: m.endDate,
    startDate: m.startDate,
    description: m.description,
    outcomes: JSON.stringify(m.outcomes),
    outcomePrices: JSON.stringify([px(mid), px(1_000_000 - mid)]),
    volume: '12345.67',
    active: m.active,
    closed: m.closed,
    archived: false,
    questionID: '0x' + m.conditionId.slice(2).split('').reverse().join(''),
    enableOrderBook: true,
    orderPriceMinTickSize: Number(m.tickSize),
    orderMinSize: m.orderMinSize,
    volumeNum: 12345.67,
    endDateIso: m.endDate.slice(0, 10),
    startDateIso: m.startDate.slice(0, 10),
    clobTokenIds: JSON.stringify([m.yesTokenId, m.noTokenId]),
    acceptingOrders: !m.closed,
    negRisk: m.negRisk,
    category: m.category,
    events: [{ id: m.eventId, ticker: m.slug, slug: m.slug, title: m.eventTitle }],
    spread: bb !== undefined && ba !== undefined ? (ba - bb) / 1_000_000 : 1,
    lastTradePrice: mid / 1_000_000,
    bestBid: (bb ?? 0) / 1_000_000,
    bestAsk: (ba ?? 1_000_000) / 1_000_000,
    feesEnabled: m.feesEnabled,
    feeType: m.feeType,
    ...(m.feeSchedule ? { feeSchedule: m.feeSchedule } : {}),
    makerBaseFee: m.feesEnabled ? 1000 : 0,
    takerBaseFee: m.feesEnabled ? 1000 : 0,
  };
}

/** Gamma `/events` item: one event per simulated market. */
export function gammaEvent(m: PolyMarketSpec, book: PolySimLadders): Record<string, unknown> {
  return {
    id: m.eventId,
    ticker: m.slug,
    slug: m.slug,
    title: m.eventTitle,
    description: m.description,
    startDate: m.startDate,
    endDate: m.endDate,
    active: m.active,
    closed: m.closed,
    archived: false,
    negRisk: m.negRisk,
    tags: m.tags.map((label, i) => ({ id: String(1000 + i), label, slug: label.toLowerCase().replace(/\s+/g, '-') })),
    markets: [gammaMarket(m, book)],
  };
}

/** CLOB `/clob-markets/{condition_id}` compact parameters. */
export function clobMarketParams(m: PolyMarketSpec): Record<string, unknown> {
  return {
    t: [
      { t: m.yesTokenId, o: m.outcomes[0] },
      { t: m.noTokenId, o: m.outcomes[1] },
    ],
    mts: Number(m.tickSize),
    mos: m.orderMinSize,
    // neg-risk flag: the V2 SDK signs neg-risk orders for the neg-risk exchange
    nr: m.negRisk,
    mbf: m.feesEnabled ? 1000 : 0,
    tbf: m.feesEnabled ? 1000 : 0,
    ...(m.feeSchedule ? { fd: { r: m.feeSchedule.rate, e: m.feeSchedule.exponent, to: m.feeSchedule.takerOnly } } : {}),
    gst: null,
    rfqe: false,
  };
}
