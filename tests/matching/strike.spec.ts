import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GuardInput } from '../../src/matching/guards.js';
import {
  compareRegions,
  complementOf,
  kalshiStrike,
  polymarketStrike,
  referenceSourceOf,
  strikeGuard,
  structuredStrikeOf,
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
    expect(strikeGuard(poly('Bitcoin below $100k on March 12?'), kalshi, 'YES_YES')[0]!.outcome).toBe('fail');
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
        expect(strikeGuard(s('greater_or_equal', 'floor'), s('less', 'cap'), 'YES_YES')[0]!.outcome).toBe('fail');
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
  const lines = ['threshold', 'source'].flatMap((f) =>
    readFileSync(new URL(`../fixtures/matching/labels/${f}.jsonl`, import.meta.url), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { id: string; label: 'equivalent' | 'inverted' | 'different'; a: Parameters<typeof LabelSide>[0]; b: Parameters<typeof LabelSide>[0] }),
  );

  it('has the lines the issue asks for', () => {
    expect(lines.filter((l) => l.id.startsWith('thr-')).length).toBeGreaterThanOrEqual(15);
    expect(lines.filter((l) => l.id.startsWith('src-')).length).toBeGreaterThanOrEqual(6);
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
