import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { coverageGuard } from '../../src/matching/coverage.js';
import { loadLabels } from '../../src/matching/eval.js';
import { statedSpanOf, statedYears } from '../../src/matching/extract.js';
import { eventDateGuard, runGuards } from '../../src/matching/guards.js';
import { strikeGuard } from '../../src/matching/strike.js';
import { extractRound, subjectGuard } from '../../src/matching/subject.js';

const LABELS = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/matching/labels');
const pairs = new Map(loadLabels(join(LABELS, 'round7.jsonl')).map((p) => [p.id, p.legs.map((l) => l.record)] as const));
const legs = (id: string) => {
  const p = pairs.get(id);
  if (!p) throw new Error(`no pair ${id}`);
  return p as [NonNullable<(typeof p)[0]>, NonNullable<(typeof p)[1]>];
};
const guard = (id: string, name: string) => runGuards(...legs(id)).find((g) => g.guard === name)!;
const y = (n: number) => Date.UTC(n, 0, 1);

describe('issue 14 round 7: an undated Kalshi future states its year', () => {
  it('statedYears: a season is the year it ends; a deadline year is no event year', () => {
    expect([...statedYears('If Oklahoma City wins the 2026-27 Pro Basketball Finals').years]).toEqual([2027]);
    expect([...statedYears('2026–27 NBA MVP').years]).toEqual([2027]);
    expect(statedYears('Will Stripe IPO before 2027?').deadline).toBe(true);
    expect([...statedYears('before Jan 1, 2027').years]).toEqual([]);
  });

  it('statedSpanOf: ticker year bounded by the close; several years, a deadline or a contradiction: nothing', () => {
    const base = { venue: 'kalshi' as const, title: '2027 Pro Basketball Champion — Oklahoma City', rulesText: 'If Oklahoma City wins the 2026-27 Pro Basketball Finals, then the market resolves to Yes.', marketId: 'KXNBA-27-OKC', eventId: 'KXNBA-27' };
    const close = Date.UTC(2027, 6, 1, 14);
    expect(statedSpanOf({ ...base, closeTime: close })).toMatchObject({ from: y(2027), to: close, precision: 'year' });
    // the ticker's year is not the year its text names
    expect(statedSpanOf({ ...base, marketId: 'KXNBA-26-OKC', eventId: 'KXNBA-26' })).toBeUndefined();
    // a bound before the period starts: the number is no year
    expect(statedSpanOf({ ...base, closeTime: Date.UTC(2026, 5, 1) })).toBeUndefined();
    expect(statedSpanOf({ venue: 'kalshi', title: 'Stripe IPO — Before Jan 1, 2027', rulesText: 'If Stripe IPOs before 2027, then the market resolves to Yes.', marketId: 'KXIPOSTRIPE-X' })).toBeUndefined();
    expect(statedSpanOf({ venue: 'kalshi', title: 'Fed decision in Mar 2026?', rulesText: '', marketId: 'KXFEDDECISION-26MAR-H0', eventId: 'KXFEDDECISION-26MAR' })).toMatchObject({ from: Date.UTC(2026, 2, 1), to: Date.UTC(2026, 3, 1), precision: 'month' });
  });

  it('eventDateGuard: the stated season overlapping the other side passes; another season fails', () => {
    expect(guard('r7-true-nhl-2027-cup-future', 'eventDate').outcome).toBe('pass');
    expect(guard('r7-true-ny-governor-dem-2026', 'eventDate').outcome).toBe('pass');
    const g = guard('r7-dates-nhl-2026-vs-2027-cup', 'eventDate');
    expect(g.outcome).toBe('fail');
    expect(g.reason).toMatch(/KXNHL-27 names 2027/);
  });

  it('eventDateGuard: an undated record that states nothing is still held', () => {
    const [a, b] = legs('r7-true-nhl-2027-cup-future');
    const bare = { ...b, title: 'Pro Hockey Champion — Colorado', rulesText: 'If Colorado wins the Pro Hockey Championship, then the market resolves to Yes.', marketId: 'KXNHL-COL', eventId: 'KXNHL' };
    expect(eventDateGuard(a, bare).outcome).toBe('flag');
  });
});

describe('issue 14 round 7: measure qualifiers', () => {
  const poly = (title: string, rules: string) => ({ venue: 'polymarket' as const, title, rulesText: rules, rulesSecondary: '' });
  const kalshi = (title: string, rules: string) => ({ venue: 'kalshi' as const, title, rulesText: rules, rulesSecondary: '' });
  it('domestic vs international, popular vote vs electoral votes: held', () => {
    expect(guard('r7-other-boxoffice-domestic-vs-international-total', 'coverage')).toMatchObject({ outcome: 'flag' });
    expect(guard('r7-other-boxoffice-domestic-vs-international-total', 'coverage').reason).toMatch(/domestic.*\(measure\)/);
    expect(guard('r7-other-popular-vote-vs-presidency', 'coverage').reason).toMatch(/popular vote \(measure\)/);
  });
  it('a qualifier only one question names, carried by the other side\'s rules: passes; not carried: held', () => {
    const a = poly('Avengers opening weekend box office above $250M?', 'Resolves Yes if it earns more than $250 million at the worldwide box office in its opening weekend.');
    expect(coverageGuard(a, kalshi('Avengers worldwide opening weekend — Above $250M', 'If Avengers earns more than $250,000,000 worldwide in its opening weekend, then Yes.')).outcome).toBe('pass');
    const d = poly('Avengers opening weekend box office above $250M?', 'Resolves Yes if it earns more than $250 million at the domestic box office in its opening weekend.');
    expect(coverageGuard(d, kalshi('Avengers worldwide opening weekend — Above $250M', 'If Avengers earns more than $250,000,000 worldwide in its opening weekend, then Yes.')).outcome).toBe('flag');
    expect(coverageGuard(poly('Payrolls (seasonally adjusted) above 150k?', 'Seasonally adjusted.'), kalshi('Payrolls not seasonally adjusted — Above 150k', 'Not seasonally adjusted figure.')).outcome).toBe('flag');
    expect(coverageGuard(poly('Will Jokic lead the league in regular season points?', 'Regular season only.'), kalshi('Jokic playoffs points leader?', 'Points in the playoffs.')).outcome).toBe('flag');
  });
});

describe('issue 14 round 7: a ladder label is the strike of the question\'s comparator', () => {
  it('"What price will Ethereum hit?" + "$5,000" is >= 5000', () => {
    expect(strikeGuard(...legs('r7-true-eth-ladder-reach-5000'), 'YES_YES')[0]).toMatchObject({ outcome: 'pass' });
  });
  it('"dip to" + "$5,000" is <= 5000, not the how-high rung: never a pass', () => {
    expect(strikeGuard(...legs('r7-threshold-eth-ladder-dip-vs-high'), 'YES_YES')[0]!.outcome).not.toBe('pass');
  });
  it('a clock time in the rules is the time the figure is read at', () => {
    const [a, b] = legs('r7-true-eth-ladder-reach-5000');
    const at5 = { ...a, title: 'Will the price of Ethereum be $5,000 or more at 5 PM ET on December 31, 2026?', subjectText: '$5,000' };
    const noon = { ...b, title: 'Ethereum price on Dec 31, 2026? — $5,000 or above', rulesText: 'If the average before 12 PM EST is $5,000 or above at 12 PM EST on Dec 31, 2026, then Yes.' };
    const g = strikeGuard(at5, noon, 'YES_YES')[0]!;
    expect(g.outcome).toBe('flag');
    expect(g.reason).toMatch(/times of day/);
  });
});

describe('issue 14 round 7: subjects and rounds', () => {
  it('a country-only subject against an event naming no country: the default US passes', () => {
    expect(guard('r7-true-us-recession-2026-country-subject', 'subject').outcome).toBe('pass');
  });
  it('another country against an event whose text names its country: not a pass', () => {
    const [, b] = legs('r7-true-us-recession-2026-country-subject');
    const uk = { venue: 'polymarket' as const, title: 'Will the UK enter a recession by December 31, 2026?', rulesText: 'Resolves Yes if the ONS reports a UK recession.', outcomes: ['Yes', 'No'] };
    const results = subjectGuard(uk, b);
    expect(results.find((g) => g.guard === 'subject')!.outcome).not.toBe('pass');
  });
  it('"make the championship game" is its own stage, not winning it', () => {
    expect(extractRound('Will Ohio State make the CFP National Championship game?')?.stage).toBe('reach-final');
    expect(extractRound('Will the Chiefs reach the Super Bowl?')?.stage).toBe('reach-final');
    expect(extractRound('College Football Champion? — Ohio St.')?.stage).toBe('overall');
  });
});
