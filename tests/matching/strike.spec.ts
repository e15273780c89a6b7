import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { thresholdsGuard, type GuardInput } from '../../src/matching/guards.js';
import {
  compareRegions,
  complementOf,
  decimalStep,
  PRICE_GRID,
  resolutionOf,
  kalshiStrike,
  polymarketStrike,
  referenceSourceOf,
  strikeFromThresholds,
  strikeGuard,
  strikeOf,
  structuredStrikeOf,
  governedThresholds,
  withRulesComparators,
  type Region,
  type StructuredStrike,
} from '../../src/matching/strike.js';
import { kalshiRecordFromWire } from '../../src/venues/kalshi/market.js';
import { polyRecordFromGamma } from '../../src/venues/polymarket/market.js';

const upDownGamma = JSON.parse(readFileSync(new URL('../fixtures/polymarket/rest_gamma_market_crypto_fees.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const withPriceToBeat = (p: number | undefined): Record<string, unknown> => ({
  ...upDownGamma,
  events: (upDownGamma.events as Record<string, unknown>[]).map((e) => ({ ...e, ...(p === undefined ? {} : { eventMetadata: { priceToBeat: p } }) })),
});

/** A Kalshi Trade API market (v3.13 field names), as in fixtures/kalshi/rest_markets.synthetic.json. */
const kalshiMarket = (o: Record<string, unknown> = {}): Record<string, unknown> => ({
  ticker: 'KXBTC15M-26MAR120525-25',
  event_ticker: 'KXBTC15M-26MAR120525',
  market_type: 'binary',
  title: 'BTC price up in next 15 mins?',
  yes_sub_title: 'Target Price: $104,874.71',
  no_sub_title: 'Target Price: $104,874.71',
  open_time: '2026-03-12T09:10:00Z',
  close_time: '2026-03-12T09:25:00Z',
  expected_expiration_time: '2026-03-12T09:25:00Z',
  latest_expiration_time: '2026-03-19T09:25:00Z',
  status: 'active',
  yes_bid_dollars: '0.5000',
  yes_ask_dollars: '0.5200',
  no_bid_dollars: '0.4800',
  no_ask_dollars: '0.5000',
  last_price_dollars: '0.5100',
  volume_fp: '1200.00',
  open_interest_fp: '800.00',
  notional_value_dollars: '1.0000',
  strike_type: 'greater_or_equal',
  floor_strike: 104874.71,
  price_level_structure: 'linear_cent',
  rules_primary: 'If the simple average of the sixty seconds of CF Benchmarks\' Bitcoin Real-Time Index (BRTI) before 5:25 AM ET is at least the Target Price, then the market resolves to Yes.',
  rules_secondary: 'The Target Price is the BRTI value at 5:10 AM ET.',
  ...o,
});

/** A record as the lead will wire it: the venue mapping's record plus its structured strike. */
const kalshiSide = (o: Record<string, unknown> = {}): GuardInput => {
  const raw = kalshiMarket(o);
  const strike = kalshiStrike(raw);
  return { ...kalshiRecordFromWire(raw), ...(strike ? { strike } : {}) } as GuardInput;
};
const polySide = (raw: Record<string, unknown>): GuardInput => {
  const strike = polymarketStrike(raw);
  return { ...polyRecordFromGamma(raw), ...(strike ? { strike } : {}) } as GuardInput;
};
const byName = (gs: ReturnType<typeof strikeGuard>) => Object.fromEntries(gs.map((g) => [g.guard, g.outcome]));

describe('structured strikes from venue payloads', () => {
  it('reads Kalshi strike_type / floor_strike / cap_strike / functional_strike', () => {
    expect(kalshiStrike(kalshiMarket())).toEqual({ kind: 'greater_or_equal', floor: 104874.71, field: 'strike_type+floor_strike' });
    expect(kalshiStrike(kalshiMarket({ strike_type: 'between', floor_strike: 95000, cap_strike: 95249.99 }))).toMatchObject({ kind: 'between', floor: 95000, cap: 95249.99 });
    expect(kalshiStrike(kalshiMarket({ strike_type: 'functional', floor_strike: null, functional_strike: 'x > 0.25' }))).toMatchObject({ kind: 'functional', functional: 'x > 0.25' });
    expect(kalshiStrike(kalshiMarket({ strike_type: null }))).toBeUndefined();
  });

  it('reads a Polymarket up/down price to beat from the event metadata, open until Gamma publishes it', () => {
    expect(polymarketStrike(withPriceToBeat(104874.71))).toEqual({ kind: 'greater_or_equal', floor: 104874.71, field: 'events[0].eventMetadata.priceToBeat' });
    expect(polymarketStrike(withPriceToBeat(undefined))).toMatchObject({ kind: 'price_to_beat' });
    expect(polymarketStrike({ ...upDownGamma, question: 'Will Bitcoin be above $100,000 on March 12?', outcomes: '["Yes", "No"]' })).toBeUndefined();
  });

  it('falls back to the strike facts the Kalshi lifecycle mapping keeps in feeInfo, then to the text of an up/down market', () => {
    // the record's own `strike` (set by the venue mapping) wins over feeInfo and the text
    const mapped = polyRecordFromGamma(withPriceToBeat(104874.71));
    expect(mapped.strike).toMatchObject({ kind: 'greater_or_equal', floor: 104874.71 });
    expect(structuredStrikeOf({ ...mapped, feeInfo: { strikeType: 'greater', floorStrike: 4487, capStrike: null } })).toMatchObject({ kind: 'greater_or_equal', floor: 104874.71 });
    // without it (an older record): feeInfo, then a "price to beat" in the text, then an open price to beat
    const { strike: _own, ...base } = polyRecordFromGamma(withPriceToBeat(undefined));
    expect(_own).toMatchObject({ kind: 'price_to_beat' });
    expect(structuredStrikeOf({ ...base, feeInfo: { strikeType: 'greater', floorStrike: 4487, capStrike: null } })).toMatchObject({ kind: 'greater', floor: 4487 });
    expect(structuredStrikeOf({ ...base, rulesText: `${base.rulesText}\nPrice to beat: $104,874.71` })).toMatchObject({ kind: 'greater_or_equal', floor: 104874.71 });
    expect(structuredStrikeOf(base)).toMatchObject({ kind: 'price_to_beat' });
  });
});

describe('strikeGuard: strike', () => {
  it('passes an up/down price to beat equal to the Kalshi strike, fails a different one', () => {
    expect(byName(strikeGuard(polySide(withPriceToBeat(104874.71)), kalshiSide(), 'YES_YES')).strike).toBe('pass');
    const g = strikeGuard(polySide(withPriceToBeat(104874.71)), kalshiSide({ floor_strike: 104912.08 }), 'YES_YES');
    expect(g[0]).toMatchObject({ guard: 'strike', outcome: 'fail' });
    expect(g[0]!.reason).toContain('104912.08');
  });

  it('holds an up/down market whose price to beat is not published against a Kalshi strike', () => {
    expect(strikeGuard(polySide(withPriceToBeat(undefined)), kalshiSide(), undefined)[0]).toMatchObject({ outcome: 'flag' });
    // the mapped record carries the published price to beat as its `strike`: compared, equal → pass
    expect(strikeGuard(polyRecordFromGamma(withPriceToBeat(104874.71)), kalshiSide(), undefined)[0]).toMatchObject({ outcome: 'pass' });
    // a record without the `strike` field: the title says up/down, the text has no price → held
    const { strike: _published, ...noStrike } = polyRecordFromGamma(withPriceToBeat(104874.71));
    expect(_published).toBeDefined();
    expect(strikeGuard(noStrike, kalshiSide(), undefined)[0]).toMatchObject({ outcome: 'flag' });
  });

  it('compares a structured strike with the other venue\'s text thresholds, with the YES↔NO complement', () => {
    const kalshi = kalshiSide({ title: 'Bitcoin price on Mar 12, 2026?', yes_sub_title: '$100,000 or above', strike_type: 'greater_or_equal', floor_strike: 100000, rules_primary: 'If the BRTI is $100,000 or above at 5 PM ET, the market resolves to Yes.' });
    const poly = (q: string): GuardInput => polyRecordFromGamma({ ...upDownGamma, question: q, outcomes: '["Yes", "No"]', description: 'Resolves per CF Benchmarks BRTI.', events: [] });
    expect(strikeGuard(poly('Bitcoin $100k or more on March 12?'), kalshi, 'YES_YES')[0]!.outcome).toBe('pass');
    expect(strikeGuard(poly('Bitcoin below $100k on March 12?'), kalshi, 'YES_NO')[0]!.outcome).toBe('pass');
    expect(strikeGuard(poly('Bitcoin below $100k on March 12?'), kalshi, 'YES_YES')[0]!.outcome).toBe('flag'); // complements: YES_NO suggested
    expect(strikeGuard(poly('Bitcoin below $100k on March 12?'), kalshi, undefined)[0]!.outcome).toBe('pass');
    expect(strikeGuard(poly('Bitcoin above $100k on March 12?'), kalshi, 'YES_YES')[0]!.outcome).toBe('flag'); // > vs >= at the same value
    expect(strikeGuard(poly('Bitcoin above $105k on March 12?'), kalshi, undefined)[0]!.outcome).toBe('fail');
  });

  it('fails a range against a one-sided strike and a sign flip; holds an exact value inside a band', () => {
    const fed = kalshiSide({ title: 'Fed funds upper bound after the Dec 2026 meeting?', yes_sub_title: 'Above 3.75%', strike_type: 'greater', floor_strike: 3.75, rules_primary: 'If the upper bound of the federal funds target range is above 3.75%, the market resolves to Yes.' });
    const poly = (q: string): GuardInput => polyRecordFromGamma({ ...upDownGamma, question: q, outcomes: '["Yes", "No"]', description: 'Per the Federal Reserve.', events: [] });
    expect(strikeGuard(poly('Fed target range 3.50-3.75% after December 2026?'), fed, undefined)[0]!.outcome).toBe('fail');
    const cpi = kalshiSide({ title: 'CPI MoM in Feb 2026?', yes_sub_title: '0.1%', strike_type: 'between', floor_strike: 0.05, cap_strike: 0.149, rules_primary: 'If CPI MoM is 0.1%, the market resolves to Yes.' });
    expect(strikeGuard(poly('February CPI MoM: Exactly -0.1%?'), cpi, undefined)[0]!.outcome).toBe('fail');
    expect(strikeGuard(poly('February CPI MoM: Exactly 0.1%?'), cpi, undefined)[0]!.outcome).toBe('flag');
  });

  it('passes when neither venue gives a structured strike (the thresholds guard compares text)', () => {
    const poly = polyRecordFromGamma({ ...upDownGamma, question: 'Will it snow in NYC on March 12?', outcomes: '["Yes", "No"]', events: [] });
    const kalshi = { ...kalshiRecordFromWire(kalshiMarket({ strike_type: null, floor_strike: null })), title: 'Snow in NYC on Mar 12?' };
    expect(strikeGuard(poly, kalshi, undefined)[0]!.outcome).toBe('pass');
  });

  it('holds a functional strike against a numeric one', () => {
    const k = kalshiSide({ strike_type: 'functional', floor_strike: null, functional_strike: 'BRTI(t1) >= BRTI(t0)' });
    expect(strikeGuard(polySide(withPriceToBeat(104874.71)), k, undefined)[0]!.outcome).toBe('flag');
  });
});

describe('region algebra (property)', () => {
  const region = fc.oneof(
    fc.record({ lo: fc.integer({ min: -1e6, max: 1e6 }), loIncl: fc.boolean(), hiIncl: fc.constant(false) }),
    fc.record({ hi: fc.integer({ min: -1e6, max: 1e6 }), hiIncl: fc.boolean(), loIncl: fc.constant(false) }),
  ) as fc.Arbitrary<Region>;

  it('a half-line equals itself, never its complement, and the complement of the complement is itself', () => {
    fc.assert(
      fc.property(region, (g) => {
        expect(compareRegions(g, g)).toBe('same');
        const c = complementOf(g)!;
        expect(compareRegions(g, c)).toBe('different');
        expect(compareRegions(complementOf(c)!, g)).toBe('same');
      }),
    );
  });

  it('">= x" YES is "< x" NO for any strike (guard level)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000_000 }), (cents) => {
        const v = cents / 100;
        const s = (kind: string, key: 'floor' | 'cap'): GuardInput =>
          ({ ...polyRecordFromGamma({ ...upDownGamma, question: 'Q', outcomes: '["Yes", "No"]', events: [] }), strike: { kind, [key]: v, field: 'test' } as StructuredStrike }) as GuardInput;
        expect(strikeGuard(s('greater_or_equal', 'floor'), s('less', 'cap'), 'YES_NO')[0]!.outcome).toBe('pass');
        // exact complements under the verdict's YES_YES: held with YES_NO suggested, never passed
        expect(strikeGuard(s('greater_or_equal', 'floor'), s('less', 'cap'), 'YES_YES')[0]).toMatchObject({ outcome: 'flag', reason: expect.stringMatching(/records imply YES_NO; the verdict said YES_YES/) });
      }),
      { numRuns: 50 },
    );
  });
});

describe('reference sources', () => {
  const side = (rules: string, resolutionSource?: string): Parameters<typeof referenceSourceOf>[0] => ({ title: 'Bitcoin above $100,000?', rulesText: rules, rulesSecondary: '', ...(resolutionSource ? { resolutionSource } : {}) });

  it('names the source from the resolutionSource field, the rules or a URL', () => {
    expect(referenceSourceOf(side('', 'https://data.chain.link/streams/btc-usd'))).toMatchObject({ name: 'Chainlink', from: 'resolutionSource' });
    expect(referenceSourceOf(side('Resolves per the Binance BTC/USDT 1 minute candle for 12:00 ET.'))).toMatchObject({ name: 'Binance', instrument: 'BTC/USDT' });
    expect(referenceSourceOf(side('If the CME CF Bitcoin Real-Time Index (BRTI) is above $100,000 ...'))).toMatchObject({ name: 'CF Benchmarks' });
    expect(referenceSourceOf(side('The figure as reported by the Bureau of Labor Statistics for CPI-U.'))).toMatchObject({ name: 'BLS', instrument: 'CPI-U' });
    expect(referenceSourceOf(side('Results according to Decision Desk HQ will be used.'))).toMatchObject({ name: 'Decision Desk HQ' });
    expect(referenceSourceOf(side('Resolves Yes if it happens.'))).toBeUndefined();
  });

  it('holds different sources, passes the same or an unknown one', () => {
    const poly = polySide(withPriceToBeat(104874.71));
    expect(byName(strikeGuard(poly, kalshiSide(), 'YES_YES')).source).toBe('flag'); // Chainlink vs CF Benchmarks
    const binance = { ...poly, resolutionSource: 'https://www.binance.com/en/trade/BTC_USDT', rulesText: 'Resolves per the Binance BTC/USDT 1m candle.' };
    const coinbase = { ...kalshiSide(), rulesText: 'Resolves per the Coinbase BTC-USD spot price at 5:25 AM ET.', rulesSecondary: '' };
    expect(strikeGuard(binance, coinbase, undefined)[1]).toMatchObject({ guard: 'source', outcome: 'flag' });
    const brti = kalshiSide();
    const brtiToo = { ...poly, resolutionSource: '', rulesText: 'Resolves per the CF Benchmarks Bitcoin Real-Time Index (BRTI).' };
    expect(strikeGuard(brtiToo, brti, undefined)[1]!.outcome).toBe('pass');
    expect(strikeGuard({ ...poly, resolutionSource: '', rulesText: 'Resolves Up if the price rose.' }, brti, undefined)[1]!.outcome).toBe('pass');
  });

  it('holds the same source with a different index (CPI-U vs core CPI)', () => {
    const base = polyRecordFromGamma({ ...upDownGamma, question: 'CPI above 3% in March 2026?', outcomes: '["Yes", "No"]', events: [], resolutionSource: '' });
    const a = { ...base, rulesText: 'Per the Bureau of Labor Statistics CPI-U 12-month change.' };
    const b = { ...kalshiSide({ strike_type: null }), rulesText: 'Per the BLS core CPI (less food and energy) 12-month change.', rulesSecondary: '' };
    expect(strikeGuard(a, b, undefined)[1]).toMatchObject({ outcome: 'flag' });
  });
});

describe('labelled set (threshold.jsonl, source.jsonl) through the venue mappings plus the structured strike', () => {
  const LabelSide = (s: { venue: string; market: Record<string, unknown>; event?: unknown; series?: unknown }): GuardInput => {
    if (s.venue === 'polymarket') return polySide(s.market);
    const strike = kalshiStrike(s.market);
    return { ...kalshiRecordFromWire(s.market, s.event, s.series), ...(strike ? { strike } : {}) } as GuardInput;
  };
  const lines = ['threshold', 'source', 'round2_strikes'].flatMap((f) =>
    readFileSync(new URL(`../fixtures/matching/labels/${f}.jsonl`, import.meta.url), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { id: string; label: 'equivalent' | 'inverted' | 'different'; a: Parameters<typeof LabelSide>[0]; b: Parameters<typeof LabelSide>[0] }),
  );

  it('has the lines the issue asks for', () => {
    expect(lines.filter((l) => l.id.startsWith('thr-')).length).toBeGreaterThanOrEqual(15);
    expect(lines.filter((l) => l.id.startsWith('src-')).length).toBeGreaterThanOrEqual(6);
    // round 2: strikes on the published resolution (true variants and neighbouring lookalikes)
    const r2 = lines.filter((l) => l.id.startsWith('r2s-'));
    expect(r2.length).toBeGreaterThanOrEqual(8);
    expect(r2.filter((l) => l.label === 'different').length).toBeGreaterThanOrEqual(4);
    expect(r2.filter((l) => l.label !== 'different').length).toBeGreaterThanOrEqual(4);
  });

  it.each(lines.filter((l) => l.id.startsWith('r2s-')).map((l) => [l.id, l] as const))('%s: the wrong mapping is never a pass', (_id, l) => {
    const [a, b] = l.a.venue === 'polymarket' ? [LabelSide(l.a), LabelSide(l.b)] : [LabelSide(l.b), LabelSide(l.a)];
    const wrong = l.label === 'inverted' ? 'YES_YES' : 'YES_NO';
    const g = strikeGuard(a, b, wrong)[0]!;
    expect(g.outcome, g.reason).not.toBe('pass');
    if (l.label !== 'different') expect(g).toMatchObject({ outcome: 'flag', reason: expect.stringMatching(new RegExp(`records imply ${l.label === 'inverted' ? 'YES_NO' : 'YES_YES'}`)) });
  });

  it.each(lines.map((l) => [l.id, l] as const))('%s', (_id, l) => {
    const [a, b] = l.a.venue === 'polymarket' ? [LabelSide(l.a), LabelSide(l.b)] : [LabelSide(l.b), LabelSide(l.a)];
    const mapping = l.label === 'inverted' ? 'YES_NO' : 'YES_YES';
    const gs = strikeGuard(a, b, mapping);
    if (l.label === 'different') expect(gs.some((g) => g.outcome !== 'pass'), JSON.stringify(gs)).toBe(true);
    else expect(gs.every((g) => g.outcome === 'pass'), JSON.stringify(gs)).toBe(true);
  });
});

describe('strikeGuard: non-numeric strikes', () => {
  it('passes a custom strike (a team) against a market with no number, holds a price to beat still unpublished', () => {
    const sports = kalshiSide({ strike_type: 'custom', floor_strike: null, custom_strike: { Team: 'Los Angeles L' }, title: 'Los Angeles L at Boston Winner?' });
    const poly = polyRecordFromGamma({ ...upDownGamma, question: 'Lakers vs. Celtics', outcomes: '["Lakers", "Celtics"]', description: 'Resolves to the winner.', events: [] });
    expect(strikeGuard(poly, sports, undefined)[0]!.outcome).toBe('pass');
    const noStrike = { ...kalshiRecordFromWire(kalshiMarket({ strike_type: null, floor_strike: null })), title: 'BTC up in the next 15 minutes?' };
    expect(strikeGuard(polySide(withPriceToBeat(undefined)), noStrike, undefined)[0]!.outcome).toBe('flag');
  });
});

describe('strikes on the resolution of the published figure', () => {
  /** A Polymarket Yes/No question with its rules, its thresholds read from the text by the venue mapping. */
  const pq = (question: string, description = 'This market will resolve to "Yes" per the official release. Otherwise, this market will resolve to "No".'): GuardInput =>
    polyRecordFromGamma({ ...upDownGamma, question, outcomes: '["Yes", "No"]', description, events: [] });
  /** A Kalshi market with a structured strike. */
  const ks = (title: string, strike: Record<string, unknown>, rules = 'If the figure is above the strike, then the market resolves to Yes.'): GuardInput =>
    kalshiSide({ title, yes_sub_title: '', floor_strike: null, cap_strike: null, rules_primary: rules, rules_secondary: '', ...strike });
  const strikeOf = (a: GuardInput, b: GuardInput, m: 'YES_YES' | 'YES_NO' | undefined) => strikeGuard(a, b, m)[0]!;

  it('"4.5% or higher" is "above 4.4%" on the BLS unemployment rate (one decimal); "above 4.5%" is the neighbouring strike', () => {
    const poly = pq('Will the unemployment rate be 4.5% or higher in March 2026?');
    const above = (v: number): GuardInput => ks(`Unemployment rate in March 2026 above ${v}%?`, { strike_type: 'greater', floor_strike: v });
    expect(strikeOf(poly, above(4.4), 'YES_YES')).toMatchObject({ outcome: 'pass', reason: expect.stringMatching(/resolution 0\.1 \(the unemployment rate/) });
    expect(strikeOf(poly, above(4.4), undefined).outcome).toBe('pass');
    // the lookalike: "≥ 4.5" against "> 4.5" (= "≥ 4.6") is another question, never a pass
    expect(strikeOf(poly, above(4.5), 'YES_YES')).toMatchObject({ outcome: 'fail', reason: expect.stringMatching(/neighbouring strikes/) });
    expect(strikeOf(poly, above(4.3), 'YES_YES').outcome).toBe('fail');
    // inverted: "4.5% or higher" YES is "above 4.4%" NO only under YES_YES, so YES_NO is held naming YES_YES
    expect(strikeOf(poly, above(4.4), 'YES_NO')).toMatchObject({ outcome: 'flag', reason: expect.stringMatching(/records imply YES_YES; the verdict said YES_NO/) });
  });

  it('an unknown quantity: equal only on a step inferred from the decimals is held, never passed', () => {
    const poly = pq('Will the Widget Index be 4.5 or higher in March 2026?');
    const k = ks('Widget Index in March 2026 above 4.4?', { strike_type: 'greater', floor_strike: 4.4 });
    expect(strikeOf(poly, k, 'YES_YES')).toMatchObject({ outcome: 'flag', reason: expect.stringMatching(/inferred from the decimals/) });
    expect(strikeOf(poly, ks('Widget Index in March 2026 above 4.2?', { strike_type: 'greater', floor_strike: 4.2 }), 'YES_YES').outcome).toBe('fail');
  });

  it('"4.3% or lower" against "above 4.3%" under YES_YES: held with YES_NO named (the same question inverted)', () => {
    const poly = pq('Will the unemployment rate be 4.3% or lower in April 2026?');
    const k = ks('Unemployment rate in April 2026 above 4.3%?', { strike_type: 'greater', floor_strike: 4.3 });
    expect(strikeOf(poly, k, 'YES_NO').outcome).toBe('pass');
    expect(strikeOf(poly, k, undefined).outcome).toBe('pass');
    expect(strikeOf(poly, k, 'YES_YES')).toMatchObject({ outcome: 'flag', reason: expect.stringMatching(/records imply YES_NO; the verdict said YES_YES/) });
    // "4.2% or lower" is "below 4.3%": also the complement of "above 4.2%" on the one-decimal grid
    expect(strikeOf(pq('Will the unemployment rate be 4.2% or lower in April 2026?'), ks('Unemployment rate in April 2026 above 4.2%?', { strike_type: 'greater', floor_strike: 4.2 }), 'YES_NO').outcome).toBe('pass');
    expect(strikeOf(pq('Will the unemployment rate be 4.2% or lower in April 2026?'), k, 'YES_NO').outcome).toBe('fail');
  });

  it('temperatures are whole degrees (NWS climate report): "> 45°" is "46° or higher", not "45° or higher"', () => {
    const k = ks('Highest temperature in NYC on Jan 16, 2026?', { strike_type: 'greater', floor_strike: 45 }, 'If the highest temperature recorded in Central Park for Jan 16, 2026 as reported by the National Weather Service is greater than 45°, then the market resolves to Yes.');
    expect(strikeOf(pq('Will the highest temperature in NYC be 46°F or higher on January 16?'), k, 'YES_YES').outcome).toBe('pass');
    expect(strikeOf(pq('Will the highest temperature in NYC be 45°F or higher on January 16?'), k, 'YES_YES').outcome).toBe('fail');
  });

  it('the Fed target range moves in 25 bp steps; the effective rate does not', () => {
    const k = ks('Fed funds upper bound after the Mar 2026 meeting?', { strike_type: 'greater', floor_strike: 4.25 });
    expect(strikeOf(pq('Will the Fed funds upper bound be 4.50% or higher after the March 2026 meeting?'), k, 'YES_YES').outcome).toBe('pass');
    const effr = ks('Effective fed funds rate after the Mar 2026 meeting?', { strike_type: 'greater', floor_strike: 4.25 });
    expect(strikeOf(pq('Will the effective Fed funds rate be 4.50% or higher after the March 2026 meeting?'), effr, 'YES_YES').outcome).toBe('fail');
  });

  it('prices: "≥ $150,000" is Kalshi\'s "> 149999.99"; "> $100,000" against "> 99999.99" is a cent apart, held', () => {
    const k = (v: number): GuardInput => ks('Bitcoin price on Jun 30, 2026 at 5pm EDT?', { strike_type: 'greater', floor_strike: v });
    expect(strikeOf(pq('Will Bitcoin be $150,000 or above on June 30, 2026?'), k(149999.99), 'YES_YES').outcome).toBe('pass');
    expect(strikeOf(pq('Will the price of Bitcoin be above $100,000 on January 2?'), k(99999.99), 'YES_YES')).toMatchObject({ outcome: 'flag', reason: expect.stringMatching(/one tick \(0\.01\) apart on a price.*on the grid: polymarket >=100000\.01, kalshi >=100000/) });
    expect(strikeOf(pq('Will the price of Bitcoin be above $100,000 on January 2?'), k(99999.98), 'YES_YES').outcome).toBe('fail');
  });

  it('resolutionOf: a known quantity only when every strike sits on its grid; otherwise the decimals, inferred', () => {
    const rec = (title: string): GuardInput => pq(title);
    expect(resolutionOf(rec('Unemployment rate above 4.4%?'), rec('U-3 in March'), [{ lo: 4.4, loIncl: false, hiIncl: false }])).toMatchObject({ step: 0.1, known: true });
    expect(resolutionOf(rec('Unemployment rate above 4.45%?'), rec('U-3 in March'), [{ lo: 4.45, loIncl: false, hiIncl: false }])).toMatchObject({ step: 0.01, known: false });
    expect(resolutionOf(rec('Initial jobless claims above 220,000?'), rec('Unemployment claims'), [{ lo: 220000, loIncl: false, hiIncl: false }])).toMatchObject({ known: false });
    expect(resolutionOf(rec('Tesla deliveries in Q1?'), rec('Tesla deliveries'), [{ lo: 499999.99, loIncl: false, hiIncl: false }])).toMatchObject({ step: 0.01, known: false });
    expect(resolutionOf(rec('CPI index level above 320?'), rec('CPI level'), [{ lo: 320.1, loIncl: false, hiIncl: false }])).toMatchObject({ known: false }); // no % change
  });

  it('compareRegions: on a known grid "> x" is "≥ x + step"; on an inferred one it is only "inferred"', () => {
    fc.assert(
      fc.property(fc.integer({ min: -500, max: 500 }), fc.constantFrom(0.1, 0.25, 1), (n, step) => {
        const x = Math.round(n * step * 1e6) / 1e6;
        const known = { step, known: true, price: false, what: 'test' };
        const above: Region = { lo: x, loIncl: false, hiIncl: false };
        const atLeastNext: Region = { lo: Math.round((x + step) * 1e6) / 1e6, loIncl: true, hiIncl: false };
        expect(compareRegions(above, atLeastNext, known)).toBe('same');
        expect(compareRegions(above, { lo: x, loIncl: true, hiIncl: false }, known)).toBe('adjacent');
        expect(compareRegions(above, atLeastNext, { ...known, known: false })).toBe('inferred');
        // complements stay complements on the grid: "> x" YES is "≤ x" NO
        expect(compareRegions(complementOf(above)!, { hi: x, hiIncl: true, loIncl: false }, known)).toBe('same');
      }),
      { numRuns: 100 },
    );
    expect(compareRegions({ lo: 149999.99, loIncl: false, hiIncl: false }, { lo: 150000, loIncl: true, hiIncl: false }, PRICE_GRID)).toBe('same');
  });

  it('thresholdsGuard (text on both sides) compares on the same resolution and holds an inverted contradiction', () => {
    const k = (title: string): GuardInput => ({ ...kalshiRecordFromWire(kalshiMarket({ strike_type: null, floor_strike: null, title, yes_sub_title: '', no_sub_title: '', rules_primary: 'Per the BLS release.', rules_secondary: '' })), title } as GuardInput);
    const poly = pq('Will the unemployment rate be 4.5% or higher in March 2026?');
    expect(thresholdsGuard(poly, k('Will the unemployment rate be above 4.4% in March 2026?'), 'YES_YES').outcome).toBe('pass');
    expect(thresholdsGuard(poly, k('Will the unemployment rate be above 4.5% in March 2026?'), 'YES_YES').outcome).toBe('fail');
    const below = k('Will the unemployment rate be below 4.5% in March 2026?');
    expect(thresholdsGuard(poly, below, 'YES_NO').outcome).toBe('pass');
    expect(thresholdsGuard(poly, below, 'YES_YES')).toMatchObject({ outcome: 'flag', reason: expect.stringMatching(/records imply YES_NO; the verdict said YES_YES/) });
  });
});

describe('issue 14 round 3: Polymarket brackets against Kalshi between/less/greater strikes', () => {
  const poly = (question: string, groupItemTitle: string, description: string): GuardInput =>
    polyRecordFromGamma({ ...upDownGamma, question, groupItemTitle, negRisk: true, outcomes: '["Yes", "No"]', events: [], resolutionSource: '', description }) as GuardInput;
  const highPoly = (bracket: string): GuardInput =>
    poly('Highest temperature in Denver on July 4?', bracket, `This market will resolve to the temperature range that contains the highest temperature recorded at Denver International Airport on 4 Jul '26, per the National Weather Service. Resolves "Yes" for the ${bracket} bracket.`);
  const highKalshi = (suffix: string, yes: string, strike: Record<string, unknown>): GuardInput =>
    kalshiSide({
      ticker: `KXHIGHDEN-26JUL04-${suffix}`, event_ticker: 'KXHIGHDEN-26JUL04', title: 'Highest temperature in Denver on Jul 4, 2026?', yes_sub_title: yes, no_sub_title: yes,
      rules_primary: `If the highest temperature recorded at Denver International Airport for Jul 4, 2026 as reported by the National Weather Service's Climatological Report (Daily) is ${yes}, then the market resolves to Yes.`,
      rules_secondary: '', strike_type: null, floor_strike: null, cap_strike: null, ...strike,
    });
  const b91 = highKalshi('B91.5', '91° to 92°', { strike_type: 'between', floor_strike: 91, cap_strike: 92 });
  const t92 = highKalshi('T92', '93° or above', { strike_type: 'greater', floor_strike: 92 });
  const t90 = highKalshi('T90', '89° or below', { strike_type: 'less', cap_strike: 90 });
  const strike = (a: GuardInput, b: GuardInput, m: 'YES_YES' | 'YES_NO' | undefined = 'YES_YES') => strikeGuard(a, b, m)[0]!;

  it('the group item title is the strike: "91-92°F" is Kalshi between 91 and 92 (whole degrees)', () => {
    expect(strikeOf(highPoly('91-92°F')).strike).toMatchObject({ kind: 'numeric', region: { lo: 91, hi: 92 }, unit: '°F', from: 'outcome label' });
    expect(strike(highPoly('91-92°F'), b91)).toMatchObject({ outcome: 'pass' });
    expect(strike(highPoly('91–92°'), b91)).toMatchObject({ outcome: 'pass' });
    expect(strike(highPoly('between 91 and 92'), b91)).toMatchObject({ outcome: 'pass' });
  });

  it('a neighbouring bracket, or a one-sided bracket against a band, fails', () => {
    expect(strike(highPoly('89-90°F'), b91)).toMatchObject({ outcome: 'fail' });
    expect(strike(highPoly('92-93°F'), b91)).toMatchObject({ outcome: 'fail' });
    expect(strike(highPoly('93°F or higher'), b91)).toMatchObject({ outcome: 'fail' });
  });

  it('the open-ended ends: "93°F or higher" is greater 92, "≤89°F" is less 90 on whole degrees; one degree off fails', () => {
    expect(strike(highPoly('93°F or higher'), t92)).toMatchObject({ outcome: 'pass' });
    expect(strike(highPoly('≤89°F'), t90)).toMatchObject({ outcome: 'pass' });
    expect(strike(highPoly('89°F or below'), t90)).toMatchObject({ outcome: 'pass' });
    expect(strike(highPoly('92°F or higher'), t92)).toMatchObject({ outcome: 'fail' });
    expect(strike(highPoly('≤90°F'), t90)).toMatchObject({ outcome: 'fail' });
    // the complement: "≥ 93" YES is "≤ 92" NO
    expect(strike(highPoly('93°F or higher'), highKalshi('T93', '92° or below', { strike_type: 'less', cap_strike: 93 }), 'YES_NO')).toMatchObject({ outcome: 'pass' });
  });

  it('price brackets: "$3,200-$3,300" is Kalshi [3200, 3299.99]; the next bracket fails', () => {
    const eth = (bracket: string) => poly('Ethereum price on June 30 at 5pm ET?', bracket, `Resolves "Yes" if the CF Benchmarks Ether Real-Time Index at 5:00 PM ET on June 30, 2026 is in the ${bracket} bracket.`);
    const k = (floor: number, cap: number) => kalshiSide({ title: 'Ethereum price on Jun 30, 2026 at 5pm EDT?', yes_sub_title: `$${floor} to ${cap}`, strike_type: 'between', floor_strike: floor, cap_strike: cap });
    expect(strike(eth('$3,200-$3,300'), k(3200, 3299.99))).toMatchObject({ outcome: 'pass' });
    expect(strike(eth('$3,200-$3,300'), k(3300, 3399.99))).toMatchObject({ outcome: 'fail' });
    // the same 5pm print (the default payload's rules read the BRTI at 5:25 AM: another time of day, a hold)
    expect(strike(eth('<$3,000'), kalshiSide({ title: 'Ethereum price on Jun 30, 2026 at 5pm EDT?', strike_type: 'less', cap_strike: 3000, floor_strike: null }))).toMatchObject({ outcome: 'pass' });
    expect(strike(eth('<$3,000'), kalshiSide({ strike_type: 'less', cap_strike: 3000, floor_strike: null }))).toMatchObject({ outcome: 'flag' });
  });

  it('a rate bracket "4.25-4.50%" is Kalshi between 4.25 and 4.50', () => {
    const p = poly('Fed upper bound after the June meeting?', '4.25-4.50%', 'Resolves to the bracket containing the upper bound of the federal funds target range.');
    expect(strike(p, kalshiSide({ title: 'Fed funds upper bound after Jun 2026?', strike_type: 'between', floor_strike: 4.25, cap_strike: 4.5 }))).toMatchObject({ outcome: 'pass' });
  });

  it('a name label is no strike: the text thresholds are used', () => {
    const p = poly('Will Bitcoin be above $100,000 on March 1, 2026?', 'Gavin Newsom', 'Resolves Yes if BTC is above $100,000.');
    expect(strikeOf(p).strike).toMatchObject({ kind: 'numeric', region: { lo: 100000, loIncl: false }, from: 'text thresholds' });
  });

  it('rules restating the bracket\'s members ("91-92°F bracket if the high is 91°F or 92°F") are the bracket', () => {
    const between = [{ value: 91, unit: '°F', comparator: 'between' as const }, { value: 92, unit: '°F', comparator: 'between' as const }];
    expect(strikeFromThresholds([...between, { value: 91, unit: '°F' }, { value: 92, unit: '°F' }])).toMatchObject({ kind: 'numeric', region: { lo: 91, hi: 92 } });
    // a value outside the range is another threshold: still open
    expect(strikeFromThresholds([...between, { value: 95, unit: '°F' }])).toMatchObject({ kind: 'open' });
    // a comparator beside the range: open
    expect(strikeFromThresholds([...between, { value: 91, unit: '°F', comparator: '>=' }])).toMatchObject({ kind: 'open' });
  });

  it('the Treasury as publisher is one source however named; a Treasury security in the text is not a source', () => {
    const side = (rules: string): Parameters<typeof referenceSourceOf>[0] => ({ title: '10-year yield above 4%?', rulesText: rules, rulesSecondary: '' });
    expect(referenceSourceOf(side('the 10-year par yield, as published by the U.S. Department of the Treasury'))).toMatchObject({ name: 'U.S. Treasury' });
    expect(referenceSourceOf(side('If the 10-year Treasury par yield reported by the U.S. Treasury for Dec 31, 2026 is below 4%'))).toMatchObject({ name: 'U.S. Treasury' });
    expect(referenceSourceOf(side('The 10-year U.S. Treasury yield according to CNBC.'))).toMatchObject({ name: 'CNBC' });
  });
});

describe('issue 14 round 4: the resolution text states the comparator, the title is a fallback', () => {
  const crypto = (question: string, description: string, groupItemTitle = ''): GuardInput =>
    polyRecordFromGamma({ ...upDownGamma, question, groupItemTitle, negRisk: true, outcomes: '["Yes", "No"]', events: [], resolutionSource: '', description }) as GuardInput;
  const rules = (cmp: string): string => `This market will resolve to "Yes" if the CF Benchmarks Solana Real Time Index at 5:00 PM ET on January 8, 2027 is ${cmp}. Otherwise, this market will resolve to "No".`;
  const kal = (strike: Record<string, unknown>, yes: string): GuardInput =>
    kalshiSide({ ticker: 'KXSOL-27JAN0817-T180', event_ticker: 'KXSOL-27JAN0817', title: 'Solana price on Jan 8, 2027 at 5pm EST?', yes_sub_title: yes, no_sub_title: yes, floor_strike: null, cap_strike: null, rules_primary: `If the CF Benchmarks Solana Real-Time Index before 5 PM EST on Jan 8, 2027 is ${yes}, then the market resolves to Yes.`, rules_secondary: '', ...strike });
  const ge180 = kal({ strike_type: 'greater', floor_strike: 179.99 }, '$180 or above');
  const lt180 = kal({ strike_type: 'less', cap_strike: 180 }, '$179.99 or below');
  const strike = (a: GuardInput, b: GuardInput, m: 'YES_YES' | 'YES_NO') => strikeGuard(a, b, m)[0]!;

  it('"above $180" in the title, "$180.00 or higher" in the rules: ≥ 180, the same strike as Kalshi greater 179.99', () => {
    const p = crypto('Solana above $180 on January 8, 5PM ET?', rules('$180.00 or higher'), '180');
    expect(strikeOf(p).strike).toMatchObject({ kind: 'numeric', region: { lo: 180, loIncl: true } });
    expect(strike(p, ge180, 'YES_YES')).toMatchObject({ outcome: 'pass' });
  });

  it('the complement with the rules\' comparator: passes under YES_NO, a hold naming YES_NO under YES_YES, never a fail', () => {
    const p = crypto('Solana above $180 on January 8, 5PM ET?', rules('$180.00 or higher'), '180');
    expect(strike(p, lt180, 'YES_NO')).toMatchObject({ outcome: 'pass' });
    const yy = strike(p, lt180, 'YES_YES');
    expect(yy.outcome).toBe('flag');
    expect(yy.reason).toMatch(/records imply YES_NO/);
  });

  it('rules that say strictly greater keep the strict reading: one cent from Kalshi ≥ $180 is held, not passed', () => {
    const p = crypto('Solana above $180 on January 8, 5PM ET?', rules('strictly greater than $180.00'), '180');
    expect(strike(p, ge180, 'YES_YES').outcome).toBe('flag');
  });

  it('the same strike read at another time of day ("5PM ET" vs "12pm EST") is held', () => {
    const p = crypto('Solana above $180 on January 8, 5PM ET?', rules('$180.00 or higher'), '180');
    const noon = { ...ge180, title: 'Solana price on Jan 8, 2027 at 12pm EST? — $180 or above' };
    expect(strike(p, noon, 'YES_YES')).toMatchObject({ outcome: 'flag', reason: expect.stringMatching(/different times of day/) });
    expect(strike(p, { ...ge180, title: 'Solana price on Jan 8, 2027 at 5pm EST? — $180 or above' }, 'YES_YES').outcome).toBe('pass');
  });

  it('an explicit "at least" in the title against "above" in the rules is a contradiction: held against either Kalshi strictness', () => {
    const p = crypto('Will Solana be at least $180 on January 8, 5PM ET?', rules('above $180.00'), '');
    expect(governedThresholds([{ value: 180, unit: '$', comparator: '>=' }], rules('above $180.00')).conflicts).toHaveLength(1);
    expect(strike(p, ge180, 'YES_YES')).toMatchObject({ outcome: 'flag', reason: expect.stringMatching(/title and rules disagree/) });
    expect(strike(p, kal({ strike_type: 'greater', floor_strike: 180 }, 'Above $180'), 'YES_YES').outcome).toBe('flag');
  });

  it('a neighbouring strike still fails whatever the rules say', () => {
    const p = crypto('Solana above $180 on January 8, 5PM ET?', rules('$180.00 or higher'), '180');
    expect(strike(p, kal({ strike_type: 'greater', floor_strike: 189.99 }, '$190 or above'), 'YES_YES').outcome).toBe('fail');
  });

  it('only the same value and direction count; a NO sentence or both strictnesses leave the title', () => {
    const t = [{ value: 98_000, unit: '$', comparator: '>' as const }];
    expect(withRulesComparators(t, 'Yes if $98,000.00 or higher.')[0]!.comparator).toBe('>=');
    expect(withRulesComparators(t, 'Yes if $99,000.00 or higher.')[0]!.comparator).toBe('>');
    expect(withRulesComparators(t, 'Resolves No if the price is below $98,000.')[0]!.comparator).toBe('>');
    expect(withRulesComparators(t, 'above $98,000, that is $98,000 or more')[0]!.comparator).toBe('>');
    expect(withRulesComparators([{ value: 25, unit: 'bps', comparator: '>' as const }], 'a cut of 0.25% or more')[0]!.comparator).toBe('>=');
  });

  it('thresholds guard (text on both sides): the rules\' "or more" makes "more than 100k" agree with "100,000 or more"', () => {
    const a = { venue: 'polymarket', marketId: 'p', title: 'Will the US add more than 100k jobs in January?', rulesText: 'Resolves Yes if nonfarm payrolls rise by 100,000 or more.', rulesSecondary: '', outcomes: ['Yes', 'No'], status: 'open', thresholds: [{ value: 100_000, comparator: '>' }] } as GuardInput;
    const b = { ...a, venue: 'kalshi', marketId: 'k', title: 'Jobs numbers in Jan 2027: 100,000 or more?', rulesText: 'If payrolls increased by 100,000 or more, Yes.', thresholds: [{ value: 100_000, comparator: '>=' }] } as GuardInput;
    expect(thresholdsGuard(a, b, 'YES_YES').outcome).toBe('pass');
  });
});

describe('issue 14 round 5: exact decimal grids, crypto ticks, named sources that are subjects', () => {
  const crypto = (question: string, description: string, groupItemTitle = ''): GuardInput =>
    polyRecordFromGamma({ ...upDownGamma, question, groupItemTitle, negRisk: true, outcomes: '["Yes", "No"]', events: [], resolutionSource: '', description }) as GuardInput;
  const xrpRules = (cmp: string): string => `This market will resolve to "Yes" if the CF Benchmarks XRP-Dollar Real-Time Index at 12:00 PM ET on December 31, 2026 is ${cmp}. Otherwise, this market will resolve to "No".`;
  const kal = (coin: string, strike: Record<string, unknown>, yes: string): GuardInput =>
    kalshiSide({ ticker: `KX${coin}D-26DEC3112-T1`, event_ticker: `KX${coin}D-26DEC3112`, title: `${coin} price on Dec 31, 2026 at 12pm EST?`, yes_sub_title: yes, no_sub_title: yes, floor_strike: null, cap_strike: null, rules_primary: `If the ${coin} price is above ${yes.replace(' or above', '')} on Dec 31, 2026 at 12pm EST, then the market resolves to Yes.`, rules_secondary: `The price is the simple average of the CF Benchmarks ${coin}-Dollar Real-Time Index (${coin}USD_RTI) over the 60 seconds before 12pm EST.`, ...strike });
  const strike = (a: GuardInput, b: GuardInput, m: 'YES_YES' | 'YES_NO' | undefined) => strikeGuard(a, b, m)[0]!;

  it('decimalStep is the written decimal, not 10 ** -d in floating point', () => {
    expect(10 ** -4).not.toBe(0.0001);
    expect(decimalStep(4)).toBe(0.0001);
    expect(decimalStep(5)).toBe(0.00001);
    expect(String(decimalStep(2))).toBe('0.01');
    expect(decimalStep(0)).toBe(1);
  });

  it('XRP "$2.50 or higher" is Kalshi greater 2.4999 on the asset\'s 0.0001 tick: the same strike', () => {
    const p = crypto('Will XRP be above $2.50 on December 31?', xrpRules('$2.50 or higher'), '2.50');
    const g = strike(p, kal('XRP', { strike_type: 'greater', floor_strike: 2.4999 }, '$2.4999 or above'), 'YES_YES');
    expect(g).toMatchObject({ outcome: 'pass', reason: expect.stringMatching(/resolution 0\.0001 \(a price quoted to the asset's tick/) });
    expect(g.reason).not.toMatch(/0\.0000999/);
  });

  it('strictly "above $2.50" against greater 2.4999 (≥ 2.50) is the strictness hold, never a fail or a pass', () => {
    const p = crypto('Will the price of XRP be above $2.50 on December 31?', xrpRules('higher than the price specified in the title'), '2.50');
    expect(strike(p, kal('XRP', { strike_type: 'greater', floor_strike: 2.4999 }, '$2.4999 or above'), 'YES_YES')).toMatchObject({
      outcome: 'flag',
      reason: expect.stringMatching(/one tick \(0\.0001\) apart on a price.*on the grid: polymarket >=2\.5001, kalshi >=2\.5\b/),
    });
  });

  it('DOGE on a 0.00001 tick: equal, inverted, and neighbouring strikes', () => {
    const rules = (cmp: string): string => xrpRules(cmp).replace('XRP', 'Dogecoin');
    const ge = crypto('Will Dogecoin be $0.20 or higher on December 31?', rules('$0.20 or higher'), '0.20');
    const k = (v: number): GuardInput => kal('DOGE', { strike_type: 'greater', floor_strike: v }, `$${v} or above`);
    expect(strike(ge, k(0.19999), 'YES_YES').outcome).toBe('pass');
    // a neighbouring strike one cent away, or a tick on the other side, is another question
    expect(strike(ge, k(0.20999), 'YES_YES').outcome).toBe('fail');
    expect(strike(ge, k(0.19998), 'YES_YES').outcome).toBe('fail');
    // "below $0.15" is the complement of greater 0.14999 (≥ 0.15): passes under YES_NO, held naming YES_NO under YES_YES
    const below = crypto('Will Dogecoin be below $0.15 on December 31?', rules('below $0.15'), '<0.15');
    expect(strike(below, k(0.14999), 'YES_NO').outcome).toBe('pass');
    expect(strike(below, k(0.14999), 'YES_YES')).toMatchObject({ outcome: 'flag', reason: expect.stringMatching(/records imply YES_NO/) });
  });

  it('odd decimals that are not one tick from a round number stay an inferred step (held, never passed)', () => {
    const rec = (title: string): GuardInput => crypto(title, '');
    expect(resolutionOf(rec('XRP above $2.4999?'), rec('XRP price'), [{ lo: 2.4999, loIncl: false, hiIncl: false }])).toMatchObject({ step: 0.0001, known: true, price: true });
    expect(resolutionOf(rec('XRP above $2.4737?'), rec('XRP price'), [{ lo: 2.4737, loIncl: false, hiIncl: false }])).toMatchObject({ step: 0.0001, known: false });
    // not a price: the tick rule does not apply
    expect(resolutionOf(rec('Widget index above 2.4999?'), rec('Widget index'), [{ lo: 2.4999, loIncl: false, hiIncl: false }])).toMatchObject({ known: false });
  });

  it('a person or the question\'s subject is never the named source; RealClearPolitics ~ RCP ~ RealClearPolling', () => {
    const src = (title: string, rulesText: string, resolutionSource = ''): string | undefined => referenceSourceOf({ title, rulesText, rulesSecondary: '', resolutionSource })?.name;
    const rcp = 'This market will resolve according to Donald Trump\'s approval rating as shown on the RealClearPolitics polling average (https://www.realclearpolling.com/polls/approval/donald-trump/approval-rating).';
    expect(src('Will Trump\'s approval rating be between 42.0% and 42.4% on December 31?', rcp)).toBe('RealClearPolitics');
    expect(src('Trump approval rating on Dec 31, 2026?', 'If Donald Trump\'s approval rating per the RCP average is 42.0% to 42.4%, Yes.')).toBe('RealClearPolitics');
    expect(src('Trump approval?', 'As shown on RealClearPolling for that day.')).toBe('RealClearPolitics');
    // with no source named at all, a person is not made one
    expect(src('Will Trump\'s approval be above 45%?', 'Resolves according to Donald Trump\'s approval rating on the stated date.')).toBeUndefined();
    expect(src('Will Elon Musk tweet 100 times?', 'Counted according to Elon Musk on his X account.')).toBeUndefined();
    // organisations, acronyms and one-word brands named after "according to" / "per the" still count
    expect(src('Box office opening?', 'According to Box Office Mojo data.')).toBe('Box Office Mojo');
    expect(src('Approval?', 'Per the YouGov Poll of that week.')).toBe('YouGov Poll');
    expect(src('Song at #1?', 'According to Spotify on the Top 50 chart.')).toBe('Spotify');
    expect(src('Spotify top song?', 'According to Spotify on the Top 50 USA chart.')).toBe('Spotify');
    expect(src('Will Tesla deliver 500k cars?', 'Resolves according to Tesla\'s quarterly report.')).toBeUndefined();
    expect(src('Fed decision?', 'Per Kalshi rules, the market settles on the official figure.')).toBeUndefined();
  });

  it('RealClearPolitics against Silver Bulletin is a source hold; the reason says it is by design', () => {
    const side = (venue: string, rulesText: string): GuardInput => ({ ...crypto('Trump approval on Dec 31?', rulesText), venue }) as GuardInput;
    const g = strikeGuard(side('polymarket', 'Per the Silver Bulletin approval average.'), side('kalshi', 'According to RealClearPolitics.'), 'YES_YES')[1]!;
    expect(g).toMatchObject({ guard: 'source', outcome: 'flag', reason: expect.stringMatching(/Silver Bulletin.*RealClearPolitics.*held by design/) });
  });
});
