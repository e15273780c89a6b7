import { readFileSync } from 'node:fs';
import type { MarketRecord } from '../../schema/market.js';
import { describe, expect, it } from 'vitest';
import { parseLabelText, type LabelledPair } from '../../src/matching/eval.js';
import { DEFAULT_GUARD_CONFIG, runGuards, type Mapping } from '../../src/matching/guards.js';
import { deriveMapping, outcomeMappingGuard, type MappingInput } from '../../src/matching/outcomeMapping.js';
import { decidePair } from '../../src/matching/matcher.js';
import type { Verdict } from '../../src/matching/verdict.js';

const LABELS = 'tests/fixtures/matching/labels';

function load(file: string): Map<string, LabelledPair> {
  const { pairs, problems } = parseLabelText(readFileSync(`${LABELS}/${file}`, 'utf8'), file);
  expect(problems).toEqual([]);
  return new Map(pairs.map((p) => [p.id, p]));
}
const inverted = load('inverted.jsonl');
const truePairs = load('true_pairs.jsonl');
const dates = load('dates.jsonl');
const subject = load('subject.jsonl');
const legs = (m: Map<string, LabelledPair>, id: string): [MarketRecord, MarketRecord] => {
  const p = m.get(id);
  if (!p) throw new Error(`no label ${id}`);
  return [p.legs[0].record, p.legs[1].record];
};

const poly = (title: string, o: Partial<MappingInput> = {}): MappingInput => ({ venue: 'polymarket', title, rulesText: '', outcomes: ['Yes', 'No'], ...o });
const kalshi = (title: string, o: Partial<MappingInput> = {}): MappingInput => ({ venue: 'kalshi', title, rulesText: '', outcomes: ['Yes', 'No'], ...o });
const outcome = (a: MappingInput, b: MappingInput, m: Mapping): string => outcomeMappingGuard(a, b, m).outcome;

/** A Polymarket head-to-head as Gamma writes it: nicknames as outcomes, full names in the description. */
const game = (o0: [string, string], o1: [string, string]): MappingInput =>
  poly(`${o0[0]} vs. ${o1[0]}`, {
    outcomes: [o0[0], o1[0]],
    rulesText: `In the upcoming game, scheduled for June 12, 2026 at 7:10 PM ET:\nIf the ${o0[1]} win, the market will resolve to "${o0[0]}".\nIf the ${o1[1]} win, the market will resolve to "${o1[0]}".\nIf the match is canceled, this market will resolve 50-50.`,
  });
/** A Kalshi game market whose YES is one side. */
const kalshiGame = (title: string, yes: string): MappingInput =>
  kalshi(`${title} — ${yes}`, { subjectText: yes, outcomes: [yes, yes], rulesText: `If ${yes} wins the ${title} professional game originally scheduled for Jun 12, 2026, then the market resolves to Yes.` });

describe('deriveMapping: the labelled inverted pairs', () => {
  const cases: [string, string][] = [
    ['inv-mlb-nyy-bos-redsox', 'Boston'],
    ['inv-nhl-tor-mtl-canadiens', 'Montreal'],
    ['inv-tennis-sinner-alcaraz', 'Carlos Alcaraz'],
    ['inv-nba-lal-bos-celtics', 'Boston'],
  ];
  it.each(cases)('%s: the Kalshi YES (%s) is the Polymarket NO → YES_NO', (id, yes) => {
    const [a, b] = legs(inverted, id);
    const d = deriveMapping(a, b);
    expect(d).toMatchObject({ kind: 'derived', mapping: 'YES_NO', basis: 'outcomes' });
    expect(d.why).toContain(yes);
    expect(outcome(a, b, 'YES_NO')).toBe('pass');
    // a contradiction is held for a human with the records' mapping named, never passed
    expect(outcome(a, b, 'YES_YES')).toBe('flag');
    expect(outcomeMappingGuard(a, b, 'YES_YES').reason).toMatch(/^records imply YES_NO; the verdict said YES_YES/);
    // before the verdict there is nothing to contradict
    expect(outcome(a, b, undefined)).toBe('pass');
  });

  it('inv-fed-jan-hold-vs-change: "no change" against "Change" → YES_NO (polarity)', () => {
    const [a, b] = legs(inverted, 'inv-fed-jan-hold-vs-change');
    expect(deriveMapping(a, b)).toMatchObject({ kind: 'derived', mapping: 'YES_NO', basis: 'polarity' });
    expect(outcome(a, b, 'YES_NO')).toBe('pass');
    expect(outcome(a, b, 'YES_YES')).toBe('flag');
  });

  it('the same markets with legs swapped still derive YES_NO (the mapping is symmetric)', () => {
    for (const id of ['inv-mlb-nyy-bos-redsox', 'inv-tennis-sinner-alcaraz', 'inv-fed-jan-hold-vs-change']) {
      const [a, b] = legs(inverted, id);
      expect(deriveMapping(b, a)).toMatchObject({ kind: 'derived', mapping: 'YES_NO' });
    }
  });

  it('runGuards carries the mapping guard and holds the wrong mapping for a human', () => {
    const [a, b] = legs(inverted, 'inv-mlb-nyy-bos-redsox');
    const wrong = runGuards(a, b, DEFAULT_GUARD_CONFIG, 'YES_YES').find((g) => g.guard === 'mapping');
    const right = runGuards(a, b, DEFAULT_GUARD_CONFIG, 'YES_NO').find((g) => g.guard === 'mapping');
    expect(wrong).toMatchObject({ outcome: 'flag', reason: expect.stringMatching(/records imply YES_NO; the verdict said YES_YES/) });
    expect(right?.outcome).toBe('pass');
  });
});

describe('deriveMapping: the labelled equivalent twins', () => {
  it.each([
    [truePairs, 'true-nba-lal-bos-lakers'],
    [dates, 'm2-dates-mlb-0409'],
    [truePairs, 'true-fed-mar-2026-cut25'],
  ] as const)('%#: YES_YES, and YES_NO is held naming YES_YES', (set, id) => {
    const [a, b] = legs(set, id);
    expect(deriveMapping(a, b)).toMatchObject({ kind: 'derived', mapping: 'YES_YES' });
    expect(outcome(a, b, 'YES_YES')).toBe('pass');
    expect(outcomeMappingGuard(a, b, 'YES_NO')).toMatchObject({ outcome: 'flag', reason: expect.stringMatching(/^records imply YES_YES; the verdict said YES_NO/) });
  });

  it('Yes/No questions with no named sides and no polarity words: not derivable, either mapping passes', () => {
    for (const id of ['true-btc-daily-100k', 'true-nyc-mayor-2025-mamdani', 'true-house-2026-dem', 'true-cpi-jan-2026-above-2_8']) {
      const [a, b] = legs(truePairs, id);
      expect(deriveMapping(a, b).kind).toBe('none');
      for (const m of ['YES_YES', 'YES_NO', undefined] as const) {
        const g = outcomeMappingGuard(a, b, m);
        expect(g.outcome).toBe('pass');
        expect(g.reason).toMatch(/^not derivable/);
      }
    }
  });

  it('a different game whose YES team is one of the outcomes still gets a mapping (the subject guard rejects it)', () => {
    const [a, b] = legs(subject, 'subj-nba-lakers-celtics-vs-lakers-warriors');
    expect(deriveMapping(a, b)).toMatchObject({ kind: 'derived', mapping: 'YES_YES' });
  });
});

describe('deriveMapping: named outcomes', () => {
  const yankees = game(['Yankees', 'New York Yankees'], ['Red Sox', 'Boston Red Sox']);

  it('city, city + initial, and full-name YES labels', () => {
    expect(deriveMapping(yankees, kalshiGame('New York Y vs Boston', 'New York Y'))).toMatchObject({ mapping: 'YES_YES' });
    expect(deriveMapping(yankees, kalshiGame('New York Y vs Boston', 'Boston'))).toMatchObject({ mapping: 'YES_NO' });
    expect(deriveMapping(yankees, kalshiGame('New York Y vs Boston', 'Boston Red Sox'))).toMatchObject({ mapping: 'YES_NO' });
    const sinner = game(['Sinner', 'Jannik Sinner'], ['Alcaraz', 'Carlos Alcaraz']);
    expect(deriveMapping(sinner, kalshiGame('Sinner vs Alcaraz', 'Jannik Sinner'))).toMatchObject({ mapping: 'YES_YES' });
    expect(deriveMapping(sinner, kalshiGame('Sinner vs Alcaraz', 'Alcaraz'))).toMatchObject({ mapping: 'YES_NO' });
  });

  it('the Kalshi YES name from its rules when it has no subject label', () => {
    const k = kalshi('New York Y vs Boston Winner?', { rulesText: 'If Boston wins the New York Y vs Boston professional baseball game originally scheduled for Jun 12, 2026, then the market resolves to Yes.' });
    expect(deriveMapping(yankees, k)).toMatchObject({ kind: 'derived', mapping: 'YES_NO' });
  });

  it('two same-city teams: the initial decides; the city alone is ambiguous (flag)', () => {
    const la = game(['Lakers', 'Los Angeles Lakers'], ['Clippers', 'Los Angeles Clippers']);
    expect(deriveMapping(la, kalshiGame('Los Angeles L vs Los Angeles C', 'Los Angeles C'))).toMatchObject({ mapping: 'YES_NO' });
    expect(deriveMapping(la, kalshiGame('Los Angeles L vs Los Angeles C', 'Los Angeles L'))).toMatchObject({ mapping: 'YES_YES' });
    const amb = kalshiGame('Los Angeles vs Los Angeles', 'Los Angeles');
    expect(deriveMapping(la, amb).kind).toBe('conflict');
    expect(outcome(la, amb, 'YES_YES')).toBe('flag');
  });

  it('a YES side that is neither outcome (full names known) is held for a human', () => {
    const k = kalshiGame('Golden State at Boston', 'Golden State');
    const g = outcomeMappingGuard(yankees, k, 'YES_YES');
    expect(g.outcome).toBe('flag');
    expect(g.reason).toMatch(/matches neither/);
  });

  it('nicknames without the full-name sentences: the team resolver ties them to the city ("Boston" is the Red Sox)', () => {
    const bare = poly('Yankees vs. Red Sox', { outcomes: ['Yankees', 'Red Sox'], rulesText: 'Resolves to the winner of the game.' });
    const k = kalshiGame('New York Y vs Boston', 'Boston');
    expect(deriveMapping(bare, k)).toMatchObject({ kind: 'derived', mapping: 'YES_NO' });
    expect(outcome(bare, k, 'YES_YES')).toBe('flag');
    expect(outcome(bare, k, 'YES_NO')).toBe('pass');
  });

  it('names neither the resolver nor the descriptions can tie: no opinion', () => {
    const bare = poly('Falcons Club vs. Ravens Club', { outcomes: ['Falcons Club', 'Ravens Club'], rulesText: 'Resolves to the winner of the exhibition match.' });
    const k = kalshiGame('Northtown vs Southport', 'Southport');
    expect(deriveMapping(bare, k).kind).toBe('none');
    expect(outcome(bare, k, 'YES_YES')).toBe('pass');
  });

  it('both venues two-sided: same order YES_YES, opposite order YES_NO', () => {
    const same = kalshi('New York Y vs Boston', { outcomes: ['New York Y', 'Boston'] });
    const flipped = kalshi('New York Y vs Boston', { outcomes: ['Boston', 'New York Y'] });
    expect(deriveMapping(yankees, same)).toMatchObject({ mapping: 'YES_YES' });
    expect(deriveMapping(yankees, flipped)).toMatchObject({ mapping: 'YES_NO' });
  });

  it('Yes/No, direction and threshold outcomes are not named sides', () => {
    const k = kalshiGame('New York Y vs Boston', 'Boston');
    for (const outcomes of [['Yes', 'No'], ['Up', 'Down'], ['Over', 'Under'], ['40.0% or above', 'Below 40.0%']]) {
      expect(deriveMapping(poly('Yankees vs. Red Sox', { outcomes }), k).kind).toBe('none');
    }
  });
});

describe('deriveMapping: polarity', () => {
  const fed = (q: string): MappingInput => poly(q);
  const kFed = (yes: string): MappingInput => kalshi(`Fed decision in Jan 2026? — ${yes}`, { subjectText: yes });

  it('hold / unchanged / no change against change → YES_NO; against hold → YES_YES', () => {
    expect(deriveMapping(fed('Will the Fed hold rates steady in January 2026?'), kFed('Change'))).toMatchObject({ mapping: 'YES_NO' });
    expect(deriveMapping(fed('Will the Fed leave interest rates unchanged in January 2026?'), kFed('Change'))).toMatchObject({ mapping: 'YES_NO' });
    expect(deriveMapping(fed('Will the Fed make no change to interest rates in January 2026?'), kFed('Hold'))).toMatchObject({ mapping: 'YES_YES' });
    expect(deriveMapping(fed('Will the Fed change interest rates in January 2026?'), kFed('No change'))).toMatchObject({ mapping: 'YES_NO' });
  });

  it('not cut against cut → YES_NO; cut against cut → YES_YES', () => {
    expect(deriveMapping(fed('Will the Fed not cut rates in January 2026?'), kFed('Cut 25bps'))).toMatchObject({ mapping: 'YES_NO' });
    expect(deriveMapping(fed('Fed decreases interest rates by 25 bps after January 2026 meeting?'), kFed('Cut 25bps'))).toMatchObject({ mapping: 'YES_YES' });
  });

  it('hold against cut is no complement (a hike is possible): nothing derived', () => {
    const d = deriveMapping(fed('Will the Fed hold rates in January 2026?'), kFed('Cut 25bps'));
    expect(d.kind).toBe('none');
    expect(outcome(fed('Will the Fed hold rates in January 2026?'), kFed('Cut 25bps'), 'YES_NO')).toBe('pass');
  });

  it('mixed senses on one side ("cut or hold") derive nothing', () => {
    expect(deriveMapping(fed('Will the Fed cut or hold rates in January 2026?'), kFed('Change')).kind).toBe('none');
  });

  it('generic negation of the event the other side asks plainly → YES_NO', () => {
    const a = poly('Will there be no recession in the US in 2026?');
    const b = kalshi('Will there be a recession in the US in 2026?');
    expect(deriveMapping(a, b)).toMatchObject({ kind: 'derived', mapping: 'YES_NO', basis: 'polarity' });
    expect(outcome(a, b, 'YES_YES')).toBe('flag');
  });

  it('comparison words after a negator are not a negated event', () => {
    const a = poly('Will SpaceX IPO no later than December 31, 2027?');
    const b = kalshi('Will SpaceX IPO before 2028?');
    expect(deriveMapping(a, b).kind).toBe('none');
    expect(deriveMapping(poly('Will Tesla deliver not more than 400k vehicles?'), kalshi('Will Tesla deliver more than 400k vehicles?')).kind).toBe('none');
  });

  it('rate verbs outside a policy-rate question derive nothing', () => {
    // "hold" would negate "change" in a rate decision; here the questions are about other things
    expect(deriveMapping(poly('Will Apple hold its developer event in June 2026?'), kalshi('Will Apple change its CEO in 2026? — Change', { subjectText: 'Change' })).kind).toBe('none');
    expect(deriveMapping(poly('Will Apple hold its developer event in June 2026?'), kalshi('Will the Fed change rates in June 2026? — Change', { subjectText: 'Change' })).kind).toBe('none');
  });

  it('named outcomes and polarity disagreeing are held for a human', () => {
    // a contrived record: the head-to-head says YES_YES, a "not" in the other question says YES_NO
    const a = game(['Yankees', 'New York Yankees'], ['Red Sox', 'Boston Red Sox']);
    const b = kalshi('Will New York Y not lose to Boston?', { subjectText: 'New York Y', outcomes: ['New York Y', 'New York Y'] });
    const a2 = { ...a, title: 'Will the Yankees lose to the Red Sox?' };
    expect(deriveMapping(a2, b).kind).toBe('conflict');
  });
});

describe('outcomeMappingGuard: hostile text', () => {
  it('long rules and titles cost linear time', () => {
    const junk = 'If the A win, the market will resolve to '.repeat(5_000);
    const a = poly('x '.repeat(50_000), { outcomes: ['Aa', 'Bb'], rulesText: junk });
    const b = kalshi('no '.repeat(50_000), { subjectText: 'Aa', rulesText: 'If B '.repeat(20_000) });
    const t = performance.now();
    outcomeMappingGuard(a, b, 'YES_YES');
    expect(performance.now() - t).toBeLessThan(500);
  });
});

describe('deriveMapping: tenure (leaving an office against holding it)', () => {
  it('"out as President by Dec 31" against "still President on Jan 1" → YES_NO', () => {
    const a = poly('Will Maduro be out as President of Venezuela by December 31, 2026?', { rulesText: 'This market will resolve to "Yes" if Nicolás Maduro ceases to be President of Venezuela for any reason by December 31, 2026.' });
    const b = kalshi('Maduro still President? — On Jan 1, 2027', { subjectText: 'On Jan 1, 2027', outcomes: ['On Jan 1, 2027', 'On Jan 1, 2027'] });
    expect(deriveMapping(a, b)).toMatchObject({ kind: 'derived', mapping: 'YES_NO', basis: 'polarity' });
    expect(deriveMapping(b, a)).toMatchObject({ kind: 'derived', mapping: 'YES_NO' });
    expect(outcome(a, b, 'YES_NO')).toBe('pass');
    expect(outcomeMappingGuard(a, b, 'YES_YES')).toMatchObject({ outcome: 'flag', reason: expect.stringMatching(/^records imply YES_NO; the verdict said YES_YES/) });
  });

  it('resign / step down / no longer against remain / be the same office → YES_NO', () => {
    expect(deriveMapping(poly('Will Erdogan resign as President of Turkey in 2026?'), kalshi('Will Erdogan remain President of Turkey through 2026?'))).toMatchObject({ kind: 'derived', mapping: 'YES_NO' });
    expect(deriveMapping(poly('Will Powell step down as Fed Chair before May 2026?'), kalshi('Will Powell be Fed Chair on May 1, 2026?'))).toMatchObject({ kind: 'derived', mapping: 'YES_NO' });
    expect(deriveMapping(poly('Will Tim Cook no longer be CEO of Apple by 2027?'), kalshi('Will Tim Cook be CEO of Apple on Jan 1, 2027?'))).toMatchObject({ kind: 'derived', mapping: 'YES_NO' });
    // both holding the office: the same sense
    expect(deriveMapping(poly('Will Starmer remain Prime Minister through 2026?'), kalshi('Starmer still Prime Minister? — On Jan 1, 2027'))).toMatchObject({ kind: 'derived', mapping: 'YES_YES' });
  });

  it('conservative: another office, both senses in one title, a plain negation, no office → no opinion', () => {
    // leaving one office against holding another
    expect(deriveMapping(poly('Will Netanyahu step down as Prime Minister in 2026?'), kalshi('Will Netanyahu be President of Israel on Jan 1, 2027?')).kind).toBe('none');
    // both senses on one side
    expect(deriveMapping(poly('Will Starmer resign or remain Prime Minister in 2026?'), kalshi('Will Starmer be Prime Minister on Jan 1, 2027?')).kind).toBe('none');
    // "not be President" against "out as President": the same sense in other words, not a complement
    expect(deriveMapping(poly('Will Putin not be President of Russia on Jan 1, 2027?'), kalshi('Putin out as President of Russia in 2026?')).kind).toBe('none');
    // "out" that is not an office ("knocked out")
    expect(deriveMapping(poly('Will Alcaraz be knocked out in round 1 of Wimbledon?'), kalshi('Will Alcaraz be the champion of Wimbledon?')).kind).toBe('none');
    // both leaving: the office is not compared here, no opinion
    expect(deriveMapping(poly('Starmer out by December 31, 2026?'), kalshi('Starmer out? — Before Jan 1, 2027')).kind).toBe('none');
  });
});

describe('a contradicting mapping is held for a human, never approved (decidePair)', () => {
  const verdict = (outcomeMapping: 'YES_YES' | 'YES_NO'): Verdict => ({
    sameEvent: true, sameRules: true, outcomeMapping, confidence: 0.99,
    comparisons: { resolutionSource: { same: true, note: '' }, deadline: { same: true, note: '' }, threshold: { same: true, note: '' }, cancellation: { same: true, note: '' } },
    reasons: ['same'],
  });
  it('the labelled inverted pairs under a confident YES_YES verdict: pending with the records\' YES_NO named', () => {
    for (const id of ['inv-mlb-nyy-bos-redsox', 'inv-fed-jan-hold-vs-change', 'inv-approval-below-40']) {
      const [a, b] = legs(inverted, id);
      const guards = runGuards(a, b, DEFAULT_GUARD_CONFIG, 'YES_YES');
      const d = decidePair({ verdict: verdict('YES_YES'), guards, autoApproveConfidence: 0.9 });
      expect(d.status, id).toBe('pending');
      expect(d.reasons.join('\n'), id).toMatch(/records imply YES_NO; the verdict said YES_YES/);
      const right = decidePair({ verdict: verdict('YES_NO'), guards: runGuards(a, b, DEFAULT_GUARD_CONFIG, 'YES_NO'), autoApproveConfidence: 0.9 });
      expect(right.status, id).not.toBe('pending'); // the right mapping is decided by the other guards
    }
  });
});

describe('team resolver: a Kalshi city against nickname outcomes (heldout5 class)', () => {
  // the description names the teams only as nicknames in its "If … win" lines
  const afc = poly('AFC Championship: Patriots vs. Broncos', {
    outcomes: ['Patriots', 'Broncos'],
    rulesText: 'This market refers to the AFC Championship game between the New England Patriots and the Denver Broncos.\nIf the Patriots win, the market will resolve to "Patriots".\nIf the Broncos win, the market will resolve to "Broncos".',
  });
  const den = kalshi('New England at Denver Winner?', { marketId: 'KXNFLGAME-26JAN25NEDEN-DEN', subjectText: 'Denver', rulesText: 'If Denver wins the New England at Denver professional football game originally scheduled for Jan 25, 2026, then the market resolves to Yes.' });
  it('"Denver" in an NFL game is the Broncos: the second outcome, so YES_NO; a YES_YES verdict is held', () => {
    expect(deriveMapping(afc, den)).toMatchObject({ kind: 'derived', mapping: 'YES_NO' });
    expect(outcome(afc, den, 'YES_YES')).toBe('flag');
    expect(outcome(afc, den, 'YES_NO')).toBe('pass');
  });
  it('"New England" is the first outcome: YES_YES', () => {
    expect(deriveMapping(afc, { ...den, marketId: 'KXNFLGAME-26JAN25NEDEN-NE', subjectText: 'New England' })).toMatchObject({ kind: 'derived', mapping: 'YES_YES' });
  });
});

describe('tenure: winning an office is not holding it', () => {
  it('"be elected President" against "out as President" implies no mapping (the qualifier words are excluded)', () => {
    const elected = poly('Will JD Vance be elected President in 2028?');
    const out = kalshi('JD Vance out as President before 2029?', { rulesText: 'If JD Vance ceases to be President before Jan 1, 2029, then the market resolves to Yes.' });
    expect(deriveMapping(elected, out).kind).not.toBe('derived');
    const holds = poly('Will JD Vance still be President on Jan 1, 2029?');
    expect(deriveMapping(holds, out)).toMatchObject({ kind: 'derived', mapping: 'YES_NO' });
  });
});
