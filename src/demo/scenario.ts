/**
 * The demo/e2e scenario: markets for both venue simulators with planted arbitrages of known size
 * and edge, a lookalike spread that fees eat, a pair whose YES maps to the other venue's NO, a
 * lead-lag pair (Kalshi follows Polymarket by a known delay) and random-walk filler markets.
 *
 * Everything the demo shows comes from the pipeline running against these simulators; the
 * figures below are the hand-worked expectations the end-to-end test checks the pipeline against.
 */
import type { Level } from '../../schema/book.js';
import { writeFileSync } from 'node:fs';
import type { EdgeDirection } from '../../schema/edge.js';
import type { Pair } from '../../schema/pair.js';
import { SCALE } from '../../schema/money.js';
import { mulberry32, randInt, type Rng } from '../venues/common/prng.js';
import { generateMarkets, type PolyMarketSpec, type PolySimLadders } from '../venues/polymarket/simulator.js';
import type { KalshiMarketSpec, KalshiSeriesSpec, KalshiSimLadders } from '../venues/kalshi/simulator.js';

const DAY = 86_400_000;
const $ = (dollars: number): number => Math.round(dollars * SCALE);
const lv = (price: number, contracts: number): Level => ({ price: $(price), qty: contracts * SCALE });

/** What the pipeline must find for a planted pair (hand-worked in the comments of PLANTED). */
export interface PlantedExpectation {
  readonly pairId: string;
  /** leg A = the Polymarket market, leg B = the Kalshi market */
  readonly direction: EdgeDirection | 'none';
  readonly sizeQty: number;
  /** cost of both legs, micro-dollars */
  readonly costMicros: number;
  /** fees of both legs, micro-dollars */
  readonly feesMicros: number;
  /** capital locked = cost + fees (capital cost = ceil(capital × APR × (resolution − book time) / year)) */
  readonly note: string;
}

interface PlantedPair {
  readonly id: string;
  readonly title: string;
  readonly poly: { fees: 'schedule' | 'free'; book: PolySimLadders };
  readonly kalshi: KalshiSimLadders;
  readonly yesMapsToNo: boolean;
  readonly expect: PlantedExpectation;
}

/**
 * P1  aYes (Poly YES + Kalshi NO), depth-limited. Poly YES asks .40×100 .42×50 .47×200 (fee schedule rate 0.04, exp 1);
 *     Kalshi NO asks (= 1 − YES bids .48×80 .47×100 .44×100) .52×80 .53×100 .56×100 (quadratic ×1).
 *     Marginal edge: [0,80) 1−.40−.52−.0096−.017472 > 0; [80,100) 1−.40−.53−.0096−.017437 > 0;
 *     [100,150) 1−.42−.53−.009744−.017437 = .022819 > 0; [150,…) 1−.47−.53 − fees < 0 → size 150.
 *     Cost 100×.40 + 50×.42 + 80×.52 + 70×.53 = 61 + 78.70 = 139.70.
 *     Poly fee 100×.04×.4×.6 + 50×.04×.42×.58 = .96 + .4872 = 1.4472 (exact at 5 dp).
 *     Kalshi fee per order: trade fees ceil₀.₀₀₀₁(.07×80×.52×.48 = 1.39776) = 1.3978 and
 *     ceil₀.₀₀₀₁(.07×70×.53×.47 = 1.22059) = 1.2206; balance changes 42.9978 → 43.00 and 38.3206 →
 *     38.33 give rounding fees .0022 + .0094 = .0116 ≥ .01 → one cent refunded: 1.3978 + 1.2206 +
 *     .0116 − .01 = 2.62. Fees 4.0672.
 * P2  aNo on a YES↔NO pair (Poly YES ≡ Kalshi NO): buy Poly NO .30×200 (fee-free) + Kalshi NO
 *     (the complement of Poly NO ≡ Kalshi YES) at 1 − YES bid .36×120 = .64×120 → size 120.
 *     Cost 36 + 76.80 = 112.80. Kalshi fee .07×120×.64×.36 = 1.93536 → 1.9354; balance 78.7354 →
 *     78.74, rounding .0046 (< 1¢, no refund) → 1.94. Fees 1.94.
 * P3  lookalike: Poly YES .48 + Kalshi NO .50 = .98 (2¢ gross) but fees .04×.48×.52 + .07×.5×.5 =
 *     .027484 per contract eat it → no edge in either direction.
 * Capital cost in the size search and sizing to the limits (issue 12) leave P1 and P2 as above:
 *     P1's last segment [100,150) still earns .022819 − ceil(.977181 × .05 × 30/365 ≈ .004016) ≈ .0188
 *     > 0 a contract, so the size stays 150 (and 150 pays more than the level ends 80 and 100); P1
 *     locks 139.70 + 4.0672 and P2 112.80 + 1.94 of capital, inside the $1,000 pair limit, at net
 *     edges of about 3.8¢ and 4.0¢ a contract, above the 1¢ minimum: nothing is trimmed.
 */
const PLANTED: readonly PlantedPair[] = [
  {
    id: 'demo-p1', title: 'Will the Fed cut rates at the December 2026 FOMC meeting?', yesMapsToNo: false,
    poly: { fees: 'schedule', book: { yesBid: [lv(0.38, 100)], yesAsk: [lv(0.40, 100), lv(0.42, 50), lv(0.47, 200)], noBid: [lv(0.55, 100)], noAsk: [lv(0.65, 100)] } },
    kalshi: { yesBid: [lv(0.48, 80), lv(0.47, 100), lv(0.44, 100)], noBid: [lv(0.30, 100)] },
    expect: { pairId: 'demo-p1', direction: 'aYes', sizeQty: 150 * SCALE, costMicros: $(139.70), feesMicros: $(4.0672), note: 'depth-limited at 150' },
  },
  {
    id: 'demo-p2', title: 'Will the Lakers miss the 2027 NBA playoffs?', yesMapsToNo: true,
    poly: { fees: 'free', book: { yesBid: [lv(0.69, 100)], yesAsk: [lv(0.74, 100)], noBid: [lv(0.28, 100)], noAsk: [lv(0.30, 200)] } },
    kalshi: { yesBid: [lv(0.36, 120)], noBid: [lv(0.20, 100)] },
    expect: { pairId: 'demo-p2', direction: 'aNo', sizeQty: 120 * SCALE, costMicros: $(112.80), feesMicros: $(1.94), note: 'YES↔NO mapping, Kalshi depth 120' },
  },
  {
    id: 'demo-p3', title: 'Will US CPI YoY for November 2026 be above 3.0%?', yesMapsToNo: false,
    poly: { fees: 'schedule', book: { yesBid: [lv(0.46, 100)], yesAsk: [lv(0.48, 100)], noBid: [lv(0.50, 100)], noAsk: [lv(0.56, 100)] } },
    kalshi: { yesBid: [lv(0.50, 100)], noBid: [lv(0.45, 100)] },
    expect: { pairId: 'demo-p3', direction: 'none', sizeQty: 0, costMicros: 0, feesMicros: 0, note: 'lookalike: 2¢ spread, fees 2.75¢' },
  },
];

export const LEAD_LAG_PAIR = 'demo-leadlag';
export const LEAD_LAG_DELAY_MS = 2000;

export interface Scenario {
  readonly polyMarkets: PolyMarketSpec[];
  readonly kalshiMarkets: KalshiMarketSpec[];
  readonly kalshiSeries: KalshiSeriesSpec[];
  readonly pairs: Pair[];
  readonly planted: readonly PlantedExpectation[];
  /** the books the demo keeps re-publishing (planted markets are frozen: no random walk) */
  readonly plantedBooks: { readonly poly: ReadonlyMap<string, PolySimLadders>; readonly kalshi: ReadonlyMap<string, KalshiSimLadders> };
  readonly leadLag: { readonly pairId: string; readonly polyId: string; readonly kalshiTicker: string };
}

const hex64 = (rng: Rng): string => '0x' + Array.from({ length: 64 }, () => Math.floor(rng() * 16).toString(16)).join('');
const tokenId = (rng: Rng): string => String(randInt(rng, 1, 9)) + Array.from({ length: 76 }, () => String(Math.floor(rng() * 10))).join('');

export function buildScenario(opts: { seed?: number; baseTimeMs: number; fillerMarkets?: number }): Scenario {
  const rng = mulberry32(opts.seed ?? 7);
  const base = opts.baseTimeMs;
  const close = new Date(base + 30 * DAY).toISOString();
  const series: KalshiSeriesSpec = {
    ticker: 'KXARB', title: 'Arbstream demo series', category: 'Economics', frequency: 'custom', feeType: 'quadratic', feeMultiplier: 1,
    settlementSources: [{ name: 'Demo source', url: 'https://example.org/demo' }],
  };
  const polyMarkets: PolyMarketSpec[] = [];
  const kalshiMarkets: KalshiMarketSpec[] = [];
  const pairs: Pair[] = [];
  const polyBooks = new Map<string, PolySimLadders>();
  const kalshiBooks = new Map<string, KalshiSimLadders>();
  const addPair = (id: string, title: string, fees: 'schedule' | 'free', yesMapsToNo: boolean, polyBook: PolySimLadders | undefined, kalshiBook: KalshiSimLadders | undefined, frozen: boolean) => {
    const conditionId = hex64(rng);
    const ticker = `KXARB-26DEC-${id.replace(/^demo-/, '').toUpperCase()}`;
    const rules = `This market resolves to "Yes" if ${title.replace(/^Will /, '').replace(/\?$/, '')} by ${close.slice(0, 10)}. Otherwise it resolves to "No".`;
    polyMarkets.push({
      conditionId, gammaId: String(900_000 + polyMarkets.length), question: title, description: rules, slug: id,
      yesTokenId: tokenId(rng), noTokenId: tokenId(rng), outcomes: ['Yes', 'No'], startDate: new Date(base - 10 * DAY).toISOString(), endDate: close,
      closed: false, active: true, negRisk: false, tickSize: '0.01', orderMinSize: 5,
      feesEnabled: fees === 'schedule', feeType: fees === 'schedule' ? 'politics_fees' : null,
      ...(fees === 'schedule' ? { feeSchedule: { rate: 0.04, exponent: 1, takerOnly: true, rebateRate: 0.25 } } : {}),
      resolutionSource: 'Demo source', category: 'Economics', tags: ['demo'], eventId: String(800_000 + polyMarkets.length), eventTitle: title,
      frozen, ...(polyBook ? { book: polyBook } : {}),
    });
    kalshiMarkets.push({
      ticker, eventTicker: `KXARB-26DEC-E${kalshiMarkets.length}`, seriesTicker: series.ticker, title, yesSubTitle: yesMapsToNo ? 'No' : 'Yes', noSubTitle: yesMapsToNo ? 'Yes' : 'No',
      rulesPrimary: rules, rulesSecondary: 'Settlement uses the demo source.', openTime: new Date(base - 10 * DAY).toISOString(), closeTime: close,
      expectedExpirationTime: close, status: 'active', priceLevelStructure: 'linear_cent', fractionalTradingEnabled: false, frozen,
      ...(kalshiBook ? { book: kalshiBook } : {}),
    });
    if (polyBook) polyBooks.set(conditionId, polyBook);
    if (kalshiBook) kalshiBooks.set(ticker, kalshiBook);
    pairs.push({
      pairId: id, legs: [{ venue: 'polymarket', marketId: conditionId }, { venue: 'kalshi', marketId: ticker }], yesMapsToNo, status: 'approved', confidence: 1,
      humanReviewed: true, resolutionTs: Date.parse(close), reasons: ['demo scenario'], source: 'file',
    });
    return { conditionId, ticker };
  };
  for (const p of PLANTED) addPair(p.id, p.title, p.poly.fees, p.yesMapsToNo, p.poly.book, p.kalshi, true);
  const ll = addPair(LEAD_LAG_PAIR, 'Will Bitcoin close 2026 above $150,000?', 'free', false, leadLagBooks(500_000).poly, leadLagBooks(500_000).kalshi, true);
  // unpaired filler markets that random-walk on each venue
  const filler = opts.fillerMarkets ?? 10;
  polyMarkets.push(...generateMarkets(rng, filler, base));
  for (let i = 0; i < filler; i++) {
    const fair = randInt(rng, 15, 85) / 100;
    kalshiMarkets.push({
      ticker: `KXFILL-26-M${i}`, eventTicker: `KXFILL-26-E${i}`, seriesTicker: series.ticker, title: `Filler market ${i}`, yesSubTitle: 'Yes', noSubTitle: 'No',
      rulesPrimary: `Filler market ${i} resolves Yes if its demo event happens.`, rulesSecondary: '', openTime: new Date(base - DAY).toISOString(),
      closeTime: new Date(base + randInt(rng, 5, 90) * DAY).toISOString(), expectedExpirationTime: new Date(base + 91 * DAY).toISOString(),
      status: 'active', priceLevelStructure: 'linear_cent', fractionalTradingEnabled: false,
      book: { yesBid: [lv(fair - 0.01, randInt(rng, 10, 300))], noBid: [lv(1 - fair - 0.01, randInt(rng, 10, 300))] },
    });
  }
  return {
    polyMarkets, kalshiMarkets, kalshiSeries: [series], pairs, planted: PLANTED.map((p) => p.expect),
    plantedBooks: { poly: polyBooks, kalshi: kalshiBooks },
    leadLag: { pairId: LEAD_LAG_PAIR, polyId: ll.conditionId, kalshiTicker: ll.ticker },
  };
}

/**
 * Books of the lead-lag pair around a YES mid `m` (micro-dollars): 2¢ either side on both venues,
 * so YES ask + the other venue's NO ask = 1.04 + (mid difference): no arbitrage while the two mids
 * stay within 4¢ of each other (the driver moves at most 1¢ per second, Kalshi 2 s behind).
 */
export function leadLagBooks(m: number): { poly: PolySimLadders; kalshi: KalshiSimLadders } {
  const c2 = 20_000;
  const q = 50 * SCALE;
  return {
    poly: { yesBid: [{ price: m - c2, qty: q }], yesAsk: [{ price: m + c2, qty: q }], noBid: [{ price: SCALE - m - c2, qty: q }], noAsk: [{ price: SCALE - m + c2, qty: q }] },
    kalshi: { yesBid: [{ price: m - c2, qty: q }], noBid: [{ price: SCALE - m - c2, qty: q }] },
  };
}

/** Pairs file in the documented format (see README "Pairs file"). */
export function writePairsFile(file: string, scenario: Scenario): void {
  const pairs = scenario.pairs.map(({ resolutionTs, source: _source, humanReviewed: _reviewed, ...p }) => ({ ...p, resolution: resolutionTs }));
  writeFileSync(file, JSON.stringify({ pairs }, null, 2) + '\n');
}
