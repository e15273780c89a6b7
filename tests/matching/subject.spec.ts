import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { basename } from 'node:path';
import { labelFiles, parseLabelText, type LabelledPair } from '../../src/matching/eval.js';
import { abbreviates, extractRound, extractSubject, indicatorsOf, namesAgree, subjectGuard, subjectKey, subjectOf, subjectTokens, type SubjectInput } from '../../src/matching/subject.js';

const LABELS = 'tests/fixtures/matching/labels';

/** A record as the guards see it: Polymarket question, or Kalshi "<event title> — <YES subtitle>". */
const rec = (title: string, o: Partial<SubjectInput> = {}): SubjectInput => ({ venue: 'polymarket', title, rulesText: '', outcomes: ['Yes', 'No'], ...o });
const kal = (title: string, o: Partial<SubjectInput> = {}): SubjectInput => rec(title, { venue: 'kalshi', ...o });
const outcomes = (a: SubjectInput, b: SubjectInput): Record<string, string> => Object.fromEntries(subjectGuard(a, b).map((g) => [g.guard, g.outcome]));

describe('extractSubject: open-ended, from the grammar', () => {
  const cases: [string, string | undefined, string?][] = [
    // Polymarket "Will X …?"
    ['Will Gavin Newsom win the 2028 Democratic presidential nomination?', 'gavin newsom', 'person'],
    ['Will Zohran Mamdani win the 2025 NYC mayoral election?', 'zohran mamdani', 'person'],
    ['Will the Kansas City Chiefs win Super Bowl 2026?', 'kansas city chiefs', 'team'],
    ['Will Arsenal win the 2025–26 English Premier League?', 'arsenal'],
    ['Will Jannik Sinner win Wimbledon 2026?', 'jannik sinner'],
    ['Will Bitcoin reach $150,000 by December 31, 2026?', 'bitcoin', 'asset'],
    ['Will BTC reach $150,000 by December 31, 2026?', 'bitcoin', 'asset'],
    ['Will $SOL be above $300 on June 30?', 'solana', 'asset'],
    ['Will the Democratic Party control the House after the 2026 Midterm elections?', 'democratic party'],
    ['Will Democrats win the House in 2026?', 'democratic party'],
    ['Will the GOP win the Senate in 2026?', 'republican party'],
    ['Will Trump nominate Kevin Hassett as the next Fed chair?', 'kevin hassett'],
    ['Will Apple Inc. be the largest company in the world on December 31?', 'apple', 'company'],
    ['Will President Donald Trump sign the bill by June 30?', 'donald trump'],
    ['Will Trump fire the Fed governor Lisa Cook?', 'lisa cook'],
    ['Will Prime Minister Keir Starmer resign in 2026?', 'keir starmer'],
    ['Will General Motors stock close above $50 on June 30?', 'general motors'],
    ['Will the Justice Department indict James Comey?', 'james comey'],
    ['Will the Justice Department open an inquiry in 2026?', 'justice department'],
    ['Will Congress pass a Strategic Bitcoin Reserve bill before 2028?', 'strategic bitcoin reserve'],
    ['February 2026 CPI MoM: above -0.1%?', 'cpi', 'quantity'],
    ['Bitcoin Up or Down - March 12, 5:10AM-5:25AM ET', 'bitcoin'],
    ['Russia x Ukraine ceasefire by end of 2027?', 'russia | ukraine'],
    ["Will Trump's approval rating be below 40.0% on March 31, 2026?", 'trump/approval', 'quantity'],
    ['Will the US unemployment rate be above 4.5% in December 2025?', 'united states/unemployment', 'quantity'],
    ['Will US annual inflation be above 2.8% in January 2026?', 'united states/cpi', 'quantity'],
    ['Will US GDP growth in Q4 2025 be greater than 2.0%?', 'united states/gdp', 'quantity'],
    ['Will US gas prices be above $3.00 on January 31, 2026?', 'united states/gas', 'quantity'],
    ['Will Freddie Mac IPO in 2026?', 'freddie mac/ipo', 'quantity'],
    ["Will Tesla's market cap be above $2 trillion on December 31, 2026?", 'tesla/market cap', 'quantity'],
    ['Will core CPI be above 3.0% in January 2026?', 'cpi', 'quantity'],
    ['Will Israel strike Iran by June 30, 2026?', 'israel', 'country'],
    ['Will the United States strike Iran by June 30, 2026?', 'united states', 'country'],
    ['Will the U.K. enter a recession in 2026?', 'united kingdom', 'country'],
    ['Will Côte d’Ivoire win AFCON?', "cote divoire", 'country'],
    ['Will Russia and Ukraine sign a ceasefire in 2026?', 'russia | ukraine'],
    // "<X> above …", "<X> to win"
    ['Bitcoin above $100,000 on March 2, 2026 at 5PM ET?', 'bitcoin'],
    ['Fed decreases interest rates by 25 bps after March 2026 meeting?', 'federal reserve/rate decision'],
    ['Lakers to win the 2026 NBA Finals?', 'lakers'],
    // Kalshi event titles with and without the YES subtitle
    ['Democratic nominee for President in 2028? — Pete Buttigieg', 'pete buttigieg', 'person'],
    ['Pro Football Champion? — Kansas City', 'kansas city'],
    ['Which party will win the U.S. House in 2026? — Democratic party', 'democratic party'],
    ['Who will Trump nominate as Fed Chair? — Kevin Hassett', 'kevin hassett'],
    ['How high will Bitcoin get in 2026? — $150,000 or above', 'bitcoin'],
    ['Bitcoin price on Mar 2, 2026 at 5pm EST? — $100,000 or above', 'bitcoin'],
    ['CPI year-over-year in Jan 2026? — Above 2.8%', 'cpi', 'quantity'],
    ['Unemployment rate in Dec 2025? — Above 4.5%', 'unemployment', 'quantity'],
    ['Trump approval rating on Mar 31, 2026?', 'trump/approval', 'quantity'],
    ['Fed decision in Mar 2026? — Cut 25bps', 'federal reserve/rate decision'],
    ['Which companies will IPO in 2026? — Stripe', 'stripe/ipo', 'quantity'],
    ['What will the unemployment rate be in December 2025?', 'unemployment'],
    // games
    ['Lakers vs. Celtics', 'celtics | lakers'],
    ['Los Angeles L at Boston Winner?', 'boston | los angeles l'],
    ["Australian Open Men's Final: Sinner vs. Alcaraz", 'alcaraz | sinner'],
    ['Sinner vs Alcaraz — Carlos Alcaraz', 'alcaraz | sinner'],
    // no subject the grammar can read
    ['Who will win the 2028 presidential election?', undefined],
    // an event with no named actor: the event is the subject
    ['Will there be a recession in 2026?', 'recession', 'other'],
    ['Will there be a US government shutdown before October 2, 2027?', 'us government shutdown', 'other'],
    ['Who will Trump nominate as Fed Chair?', undefined],
    ['', undefined],
  ];
  it.each(cases)('%s → %s', (title, key, kind) => {
    const s = extractSubject(title);
    expect(s?.key).toBe(key);
    if (kind) expect(s?.kind).toBe(kind);
  });

  it('normalises case, diacritics, honorifics, possessives and suffixes', () => {
    expect(extractSubject('Will Rubén Gallego win the 2028 Democratic nomination?')?.key).toBe('ruben gallego');
    expect(extractSubject('WILL GAVIN NEWSOM WIN THE 2028 DEMOCRATIC NOMINATION?')?.key).toBe('gavin newsom');
    expect(extractSubject('Will Sen. Ted Cruz win the 2028 Republican nomination?')?.key).toBe('ted cruz');
    expect(extractSubject('Will Robert F. Kennedy Jr. win the 2028 Democratic nomination?')?.key).toBe('robert f kennedy');
    expect(extractSubject("Will Nvidia Corp.'s market cap be above $5 trillion?")?.key).toBe('nvidia/market cap');
  });
});

describe('namesAgree: general alias rules', () => {
  const t = (s: string): string[] => s.split(' ');
  it.each([
    ['trump', 'donald trump', true],
    ['kansas city', 'kansas city chiefs', true],
    ['los angeles d', 'los angeles dodgers', true],
    ['los angeles a', 'los angeles dodgers', false],
    ['new york y', 'new york mets', false],
    ['jd vance', 'james david vance', true],
    ['nyc', 'new york city', true],
    ['rfk', 'robert f kennedy', true],
    ['kevin hassett', 'kevin warsh', false],
    ['gavin newsom', 'pete buttigieg', false],
    ['boston', 'boston celtics', true],
    ['l', 'lakers', false],
  ])('%s ~ %s = %s', (a, b, want) => {
    expect(namesAgree(t(a), t(b))).toBe(want);
    expect(namesAgree(t(b), t(a))).toBe(want);
  });
});

describe('extractRound', () => {
  it.each([
    ['Will Gavin Newsom win the 2028 Democratic presidential nomination?', 'nomination', 'democratic', 'president'],
    ['Democratic nominee for President in 2028? — Gavin Newsom', 'nomination', 'democratic', 'president'],
    ['Will Marco Rubio win the 2028 Republican vice presidential nomination?', 'nomination', 'republican', 'vp'],
    ['Will Zohran Mamdani win the 2025 NYC Democratic mayoral primary?', 'primary', 'democratic', 'mayor'],
    ['Will Jordan Bardella win the first round of the 2027 French presidential election?', 'round1', undefined, 'president'],
    ['Brazil presidential election 2nd round winner? — Lula', 'round2', undefined, 'president'],
    ['Will Lula da Silva win the 2026 Brazilian presidential election runoff?', 'runoff', undefined, 'president'],
    ['Will JD Vance win the 2028 US Presidential Election?', 'general', undefined, 'president'],
    ['New York City Mayor election winner? — Zohran Mamdani', 'general', undefined, 'mayor'],
    ["Australian Open Men's Final: Sinner vs. Alcaraz", 'final', undefined, undefined],
    ['Will Real Madrid reach the Champions League semifinals?', 'semifinal', undefined, undefined],
    ['Will Argentina advance past the Round of 16?', 'round-of-16', undefined, undefined],
    ['Pro Football Champion? — Kansas City', 'overall', undefined, undefined],
  ])('%s → %s', (title, stage, party, office) => {
    const r = extractRound(title);
    expect(r?.stage).toBe(stage);
    expect(r?.party).toBe(party);
    expect(r?.office).toBe(office);
  });
  it('no stage in a question that is not about an election or tournament', () => {
    expect(extractRound('Will Bitcoin reach $150,000 by December 31, 2026?')).toBeUndefined();
    expect(extractRound('Will Trump nominate Kevin Hassett as the next Fed chair?')).toBeUndefined();
  });
});

describe('subjectGuard', () => {
  const cases: [string, SubjectInput, SubjectInput, string, string][] = [
    // same race, different candidate
    ['other candidate', rec('Will Gavin Newsom win the 2028 Democratic presidential nomination?'), kal('Democratic nominee for President in 2028? — Pete Buttigieg'), 'fail', 'pass'],
    ['same candidate', rec('Will Gavin Newsom win the 2028 Democratic presidential nomination?'), kal('Democratic nominee for President in 2028? — Gavin Newsom'), 'pass', 'pass'],
    ['surname vs full name', rec('Will Vance win the 2028 Republican presidential nomination?'), kal('Republican nominee for President in 2028? — J.D. Vance'), 'pass', 'pass'],
    ['other official, same actor', rec('Will Trump fire Jerome Powell before 2027?'), kal('Will Trump fire the Fed governor Lisa Cook?'), 'fail', 'pass'],
    ['same official, title written once', rec('Will Trump fire Fed Chair Jerome Powell before 2027?'), kal('Will Trump fire Jerome Powell? — Before Jan 1, 2027'), 'pass', 'pass'],
    ['same first name, other nominee', rec('Will Trump nominate Kevin Hassett as the next Fed chair?'), kal('Who will Trump nominate as Fed Chair? — Kevin Warsh'), 'fail', 'pass'],
    // teams
    ['other team', rec('Will the Kansas City Chiefs win Super Bowl 2026?'), kal('Pro Football Champion? — Philadelphia'), 'fail', 'pass'],
    ['city vs full team name', rec('Will the Kansas City Chiefs win Super Bowl 2026?'), kal('Pro Football Champion? — Kansas City'), 'pass', 'pass'],
    ['same city, other initial', rec('Will the Los Angeles Dodgers win the 2026 World Series?'), kal('Pro Baseball Champion? — Los Angeles A'), 'fail', 'pass'],
    ['Lakers vs Celtics', rec('Lakers vs. Celtics'), kal('Lakers vs Celtics'), 'pass', 'pass'],
    ['Lakers vs Celtics against another game', rec('Lakers vs. Celtics'), kal('Lakers vs Warriors'), 'fail', 'pass'],
    ['nicknames vs cities without rules: the team table ties them', rec('Lakers vs. Celtics'), kal('Los Angeles L at Boston Winner?'), 'pass', 'pass'],
    [
      'nicknames expanded by the rules',
      rec('Lakers vs. Celtics', { outcomes: ['Lakers', 'Celtics'], rulesText: 'If the Los Angeles Lakers win, the market will resolve to "Lakers". If the Boston Celtics win, the market will resolve to "Celtics".' }),
      kal('Los Angeles L at Boston Winner?'),
      'pass',
      'pass',
    ],
    // companies and quantities
    ['company IPO vs its mortgage rate', rec('Will Freddie Mac IPO in 2026?'), kal('Freddie Mac 30-year mortgage rate on Dec 31, 2026? — Above 6.50%'), 'fail', 'pass'],
    ['deliveries as a verb and as a noun', rec('Will Tesla deliver at least 500k vehicles in Q1 2026?'), kal('Tesla deliveries in Q1 2026? — 500,000 or more'), 'pass', 'pass'],
    ['a quantity on one side only, not named on the other: a hold', rec('Will Tesla be above $400 on June 30?'), kal('Tesla deliveries in Q1 2026? — 500,000 or more'), 'flag', 'pass'],
    ['hyphenated pair vs "x" pair', rec('Russia x Ukraine ceasefire by end of 2027?'), kal('Russia-Ukraine ceasefire? — Before 2028'), 'pass', 'pass'],
    ['market cap vs deliveries', rec("Will Tesla's market cap be above $2 trillion on December 31, 2026?"), kal('Tesla deliveries in Q4 2026? — Above 2 million'), 'fail', 'pass'],
    ['core vs headline CPI', rec('Will core CPI be above 3.0% in January 2026?'), kal('CPI year-over-year in Jan 2026? — Above 3.0%'), 'fail', 'pass'],
    ['yoy vs mom CPI', rec('Will monthly CPI be above 0.3% in January 2026?'), kal('CPI year-over-year in Jan 2026? — Above 0.3%'), 'fail', 'pass'],
    ['inflation = CPI', rec('Will US annual inflation be above 2.8% in January 2026?'), kal('CPI year-over-year in Jan 2026? — Above 2.8%'), 'pass', 'pass'],
    ['US unemployment = unemployment rate', rec('Will the US unemployment rate be above 4.5% in December 2025?'), kal('Unemployment rate in Dec 2025? — Above 4.5%'), 'pass', 'pass'],
    ['asset ticker vs name', rec('Will BTC reach $150,000 by December 31, 2026?'), kal('How high will Bitcoin get in 2026? — $150,000 or above'), 'pass', 'pass'],
    ['other asset', rec('Will Ethereum reach $5,000 by December 31, 2026?'), kal('How high will Bitcoin get in 2026? — $5,000 or above'), 'fail', 'pass'],
    ['stock ticker vs company: a hold', rec('Will AAPL close above $250 on June 30?'), kal('Apple stock price on Jun 30, 2026? — Above $250'), 'flag', 'pass'],
    // countries
    ['country A vs B', rec('Will Israel strike Iran by June 30, 2026?'), kal('Will the US strike Iran before Jul 1, 2026?'), 'fail', 'pass'],
    ['country alias', rec('Will the United States strike Iran by June 30, 2026?'), kal('Will the US strike Iran before Jul 1, 2026?'), 'pass', 'pass'],
    ['GDP of another country', rec('Will UK GDP growth in Q1 2026 be above 0.5%?'), kal('US GDP growth in Q1 2026? — Above 0.5%'), 'fail', 'pass'],
    ['party', rec('Will the Republican Party control the House after the 2026 Midterm elections?'), kal('Which party will win the U.S. House in 2026? — Democratic party'), 'fail', 'pass'],
    // a symmetric verb joins actor and object: "A meets B" is "B meets A"
    ['actor vs object of a symmetric verb', rec('Will Trump meet Putin in 2026?'), kal('Will Putin meet Trump in 2026?'), 'pass', 'pass'],
    // unknown
    ['event with a country on one side only, no other country named: the same event', rec('Will there be a recession in 2026?'), kal('US recession in 2026?'), 'pass', 'pass'],
    [
      'event with a country on one side only, the other side\'s rules name another',
      rec('Canada recession in 2026?'),
      kal('Recession in 2026?', { rulesText: 'If there are two consecutive quarters of negative real GDP growth in the United States, then the market resolves to Yes.' }),
      'fail',
      'pass',
    ],
    // events with no named actor ("Will there be …")
    ['same event, headline form', rec('Will there be a US government shutdown before October 2, 2027?'), kal('Government shutdown before Oct 2, 2027?'), 'pass', 'pass'],
    ['same event, verb written apart', rec('Will there be a US government shutdown in 2027?'), kal('Will the US government shut down in 2027?'), 'pass', 'pass'],
    ['same event head, other country', rec('Will there be a US government shutdown in 2027?'), kal('Will Canada have a government shutdown in 2027?'), 'fail', 'pass'],
    ['other event', rec('Will there be a US government shutdown in 2027?'), rec('Will there be a US recession in 2027?'), 'fail', 'pass'],
    ['event not named on the other side: a hold', rec('Will there be a US government shutdown in 2027?'), kal('Will Trump resign in 2027?'), 'flag', 'pass'],
    // rounds
    ['first round vs overall winner', rec('Will Jordan Bardella win the first round of the 2027 French presidential election?'), kal('French presidential election winner? — Jordan Bardella'), 'pass', 'fail'],
    ['primary vs general', rec('Will Zohran Mamdani win the 2025 NYC Democratic mayoral primary?'), kal('New York City Mayor election winner? — Zohran Mamdani'), 'pass', 'fail'],
    ['nomination vs presidency', rec('Will Gavin Newsom win the 2028 US Presidential Election?'), kal('Democratic nominee for President in 2028? — Gavin Newsom'), 'pass', 'fail'],
    ['party nomination', rec('Will Robert F. Kennedy Jr. win the 2028 Republican presidential nomination?'), kal('Democratic nominee for President in 2028? — Robert F. Kennedy Jr.'), 'pass', 'fail'],
    ['vp vs president', rec('Will Marco Rubio win the 2028 Republican vice presidential nomination?'), kal('Republican nominee for President in 2028? — Marco Rubio'), 'pass', 'fail'],
    ['runoff vs first round', rec('Will Lula da Silva win the 2026 Brazilian presidential election runoff?'), kal('Brazil presidential election first round winner? — Luiz Inácio Lula da Silva'), 'pass', 'fail'],
    ['primary vs nomination: a hold', rec('Will Zohran Mamdani win the 2025 NYC Democratic mayoral primary?'), kal('Democratic nominee for NYC Mayor? — Zohran Mamdani'), 'pass', 'flag'],
    ['stage on one side', rec('Will Carlos Alcaraz win the Wimbledon final?'), kal('Wimbledon Men\'s Singles winner? — Carlos Alcaraz'), 'pass', 'flag'],
    ['same game, final named once', rec("Australian Open Men's Final: Sinner vs. Alcaraz"), kal('Sinner vs Alcaraz — Carlos Alcaraz'), 'pass', 'pass'],
    ['same stage phrased differently', rec('Will Jordan Bardella win the first round of the 2027 French presidential election?'), kal('French presidential election 1st round winner? — Jordan Bardella'), 'pass', 'pass'],
  ];
  it.each(cases)('%s', (_name, a, b, subject, round) => {
    expect(outcomes(a, b)).toEqual({ subject, round });
    expect(outcomes(b, a)).toEqual({ subject, round });
  });

  it('uses the venue subject label (subjectText) over the title when the record carries it', () => {
    const a = rec('Will Gavin Newsom win the 2028 Democratic presidential nomination?');
    const b = kal('Democratic nominee for President in 2028?', { subjectText: 'Pete Buttigieg' });
    expect(outcomes(a, b).subject).toBe('fail');
    expect(outcomes(a, { ...b, subjectText: 'Gavin Newsom' }).subject).toBe('pass');
    // a threshold label is not a subject
    expect(subjectOf(kal('How high will Bitcoin get in 2026?', { subjectText: '$150,000 or above' }))?.key).toBe('bitcoin');
    // the YES side of a game is not the subject: the game is (the same team in another game stays another subject)
    expect(subjectOf(kal('Los Angeles L at Golden State Winner?', { subjectText: 'Los Angeles L' }))?.key).toBe('golden state | los angeles l');
    // the team table resolves the nicknames and the cities: the Celtics are not in the Lakers' game at Golden State
    expect(outcomes(rec('Lakers vs. Celtics'), kal('Los Angeles L at Golden State Winner?', { subjectText: 'Los Angeles L' })).subject).toBe('fail');
  });

  it('reasons name both sides', () => {
    const [s] = subjectGuard(rec('Will Gavin Newsom win the 2028 Democratic presidential nomination?'), kal('Democratic nominee for President in 2028? — Pete Buttigieg'));
    expect(s!.reason).toContain('Gavin Newsom');
    expect(s!.reason).toContain('Pete Buttigieg');
  });

  it('subjectKey and subjectTokens for blocking', () => {
    expect(subjectKey(rec('Will the Kansas City Chiefs win Super Bowl 2026?'))).toBe('kansas city chiefs');
    expect(subjectKey(rec('Will there be a recession in 2026?'))).toBe('recession');
    expect(subjectKey(rec('Will there be 2026?'))).toBeUndefined();
    expect(subjectTokens(kal('Pro Football Champion? — Kansas City'))).toEqual(['city', 'kansas']);
    expect(subjectTokens(rec('Lakers vs. Celtics', { rulesText: 'If the Los Angeles Lakers win …' }))).toEqual(['angeles', 'celtics', 'lakers', 'los']);
  });
});

describe('labelled pairs (tests/fixtures/matching/labels)', () => {
  const load = (f: string): LabelledPair[] => {
    const { pairs, problems } = parseLabelText(readFileSync(`${LABELS}/${f}`, 'utf8'), f);
    expect(problems).toEqual([]);
    return pairs;
  };
  const run = (p: LabelledPair): Record<string, string> => outcomes(p.legs[0].record, p.legs[1].record);

  it('subject.jsonl and round.jsonl have the classes and sizes asked for', () => {
    const s = load('subject.jsonl');
    const r = load('round.jsonl');
    expect(s.length).toBeGreaterThanOrEqual(15);
    expect(r.length).toBeGreaterThanOrEqual(8);
    expect(new Set(s.map((p) => p.class))).toEqual(new Set(['subject']));
    expect(new Set(r.map((p) => p.class))).toEqual(new Set(['round']));
    expect(s.some((p) => p.label === 'equivalent')).toBe(true);
    expect(r.some((p) => p.label === 'equivalent')).toBe(true);
  });

  it.each([...load('subject.jsonl'), ...load('round.jsonl')].map((p) => [p.id, p] as const))('%s', (_id, p) => {
    const g = run(p);
    if (p.label === 'different') {
      // a lookalike of its class is rejected by that class's guard
      expect(g[p.class]).toBe('fail');
    } else {
      expect(g).toEqual({ subject: 'pass', round: 'pass' });
    }
  });

  it('no true or inverted pair of any label file is rejected by subject or round', () => {
    const pairs = labelFiles(LABELS).flatMap((f) => load(basename(f))).filter((p) => p.label !== 'different');
    expect(pairs.length).toBeGreaterThan(30);
    const rejected = pairs.filter((p) => Object.values(run(p)).includes('fail')).map((p) => p.id);
    expect(rejected).toEqual([]);
  });
});

describe('properties', () => {
  const name = fc.constantFrom('Gavin Newsom', 'Pete Buttigieg', 'J.D. Vance', 'Vance', 'Kansas City', 'Kansas City Chiefs', 'Los Angeles D', 'Los Angeles Dodgers', 'Lakers', 'Boston', 'Bitcoin', 'BTC', 'the US', 'Israel', 'Freddie Mac', 'Rubén Gallego', 'NYC', 'New York City');
  const question = fc.oneof(
    fc.tuple(name, fc.constantFrom('win the 2028 Democratic presidential nomination', 'win the 2028 presidential election', 'win the first round', 'reach $100,000 by June 30', 'IPO in 2026', 'win the Democratic primary'))
      .map(([n, v]) => `Will ${n} ${v}?`),
    fc.tuple(fc.constantFrom('Democratic nominee for President in 2028?', 'Pro Football Champion?', 'Presidential Election winner?', 'Which companies will IPO in 2026?'), name).map(([e, n]) => `${e} — ${n}`),
    fc.tuple(name, name).map(([x, y]) => `${x} vs. ${y}`),
    fc.tuple(name, fc.constantFrom("'s approval rating", ' unemployment rate', ' 30-year mortgage rate', ' market cap', ' GDP growth')).map(([n, m]) => `Will ${n}${m} be above 4% in 2026?`),
    fc.string({ maxLength: 120 }),
  );
  const record = fc.tuple(question, fc.constantFrom<'polymarket' | 'kalshi'>('polymarket', 'kalshi'), fc.string({ maxLength: 60 })).map(([title, venue, rulesText]) => rec(title, { venue, rulesText }));

  it('the guard is symmetric', () => {
    fc.assert(
      fc.property(record, record, (a, b) => {
        const ab = subjectGuard(a, b).map((g) => [g.guard, g.outcome]);
        const ba = subjectGuard(b, a).map((g) => [g.guard, g.outcome]);
        expect(ab).toEqual(ba);
      }),
      { numRuns: 400 },
    );
  });

  it('a subject always agrees with itself (and an unknown one is a hold, never a rejection)', () => {
    fc.assert(
      fc.property(record, (r) => {
        const g = outcomes(r, { ...r, venue: 'kalshi' });
        expect(g.round).toBe('pass');
        expect(g.subject).toBe(subjectOf(r) ? 'pass' : 'flag');
      }),
      { numRuns: 400 },
    );
  });
});

describe('issue 14 round 2: subjects with no person, country modifiers, joint sets, teams', () => {
  it('a central bank rate decision is the subject, whatever decision the question names', () => {
    const fed = 'federal reserve/rate decision';
    for (const q of [
      'No change in Fed interest rates after April 2026 meeting?',
      'Fed rate cut in June?',
      'Will the Fed hike rates in 2026?',
      'Fed decision in Apr 2026? — Hold',
      'Fed decision in Apr 2026? — Maintains rate',
      'Will the FOMC lower the federal funds rate by 50+ bps at its September 2026 meeting?',
      'Fed upper bound 4.00% or higher after the June 2026 meeting?',
    ]) expect(extractSubject(q)?.key, q).toBe(fed);
    expect(extractSubject('ECB decision in Apr 2026? — Cut 25bps')?.key).toBe('european central bank/rate decision');
    // the bank's people are not its decision
    expect(extractSubject('Will Trump nominate Kevin Hassett as the next Fed chair?')?.key).toBe('kevin hassett');
    // Polymarket's outcome label ("No change") is not a subject: the decision is
    expect(subjectOf(rec('No change in Fed interest rates after April 2026 meeting?', { subjectText: 'No change' }))?.key).toBe(fed);
    expect(outcomes(rec('No change in Fed interest rates after April 2026 meeting?'), kal('Fed decision in Apr 2026? — Hold')).subject).toBe('pass');
    expect(outcomes(rec('ECB decreases rates by 25 bps after April 2026 meeting?'), kal('Fed decision in Apr 2026? — Cut 25bps')).subject).toBe('fail');
  });

  it('a headline event: a country on one side only is the same event, another country on each side is not', () => {
    expect(extractSubject('US government shutdown by January 31, 2027?')).toMatchObject({ head: 'shutdown' });
    expect(outcomes(rec('US government shutdown by January 31, 2027?'), kal('Government shutdown before Feb 1, 2027?', { rulesText: 'If the federal government shuts down before Feb 1, 2027, then the market resolves to Yes.' })).subject).toBe('pass');
    expect(outcomes(rec('Will there be a US government shutdown in 2027?'), kal('Government shutdown in 2027?')).subject).toBe('pass');
    expect(outcomes(rec('Germany recession in 2026?'), kal('US recession in 2026?')).subject).toBe('fail');
    // a name followed by a particle is not an event ("Starmer out")
    expect(extractSubject('Starmer out by December 31, 2026?')?.key).toBe('starmer');
    // the quantity's place owns it ("temperature in NYC"); the day's high is not its low
    expect(extractSubject('Will the highest temperature in NYC be between 40-41°F on January 15?')).toMatchObject({ key: 'nyc/temperature', qualifiers: ['high'] });
    expect(outcomes(rec('Will the lowest temperature in Chicago be between 32-33°F on January 20?'), kal('Highest temperature in Chicago on Jan 20, 2026? — 32° to 33°')).subject).toBe('fail');
    expect(outcomes(rec('Will the highest temperature in Miami be 80°F or higher on February 3?'), kal('Highest temperature in Los Angeles on Feb 3, 2026? — 80° or above')).subject).toBe('fail');
    expect(outcomes(rec('Will the highest temperature in NYC be 90°F or higher on July 8?'), kal('Highest temperature in NYC on Jul 8, 2026? — 90° or above')).subject).toBe('pass');
    // a date or quarter after "in" is not a place
    expect(extractSubject('GDP growth in Q1 2026? — Above 2.0%')?.entity).toBeUndefined();
    expect(extractSubject('Will the June 2026 unemployment rate be 4.0% or higher?')?.key).toBe('unemployment');
  });

  it('joint subjects compare as sets of persons, names aliased across transliterations', () => {
    expect(outcomes(rec('Will Putin and Zelenskyy meet in 2026?'), kal('Zelensky and Putin meet? — Before Jan 1, 2027')).subject).toBe('pass');
    expect(outcomes(rec('Will Erdogan and Netanyahu meet in 2026?'), kal('Netanyahu and Erdoğan meet? — Before Jan 1, 2027')).subject).toBe('pass');
    expect(outcomes(rec('Will Zelenskiy meet Putin in 2026?'), kal('Zelensky and Putin meet? — Before Jan 1, 2027')).subject).toBe('pass');
    // one member is not the joint subject; another member is another subject
    expect(outcomes(rec('Putin out as President of Russia by December 31, 2026?'), kal('Zelensky and Putin meet? — Before Jan 1, 2027')).subject).toBe('fail');
    expect(outcomes(rec('Will Putin and Trump meet in 2026?'), kal('Zelensky and Putin meet? — Before Jan 1, 2027')).subject).toBe('fail');
    expect(outcomes(rec('Will Putin, Trump and Zelensky meet in 2026?'), kal('Zelensky and Putin meet? — Before Jan 1, 2027')).subject).not.toBe('pass');
  });

  it('name words: transliteration variants and one edit on long surnames, never on short ones', () => {
    expect(namesAgree(['zelenskyy'], ['volodymyr', 'zelensky'])).toBe(true);
    expect(namesAgree(['zelenskiy'], ['zelensky'])).toBe(true);
    expect(namesAgree(['khamenei'], ['ali', 'hamenei'])).toBe(true);
    expect(namesAgree(['netanyahu'], ['netanyahou'])).toBe(true);
    expect(namesAgree(['carlson'], ['carlsen'])).toBe(false);
    expect(namesAgree(['cruz'], ['cruise'])).toBe(false);
    expect(namesAgree(['adams'], ['adamo'])).toBe(false);
    expect(namesAgree(['mamdani'], ['mamdami'])).toBe(false);
  });

  it('teams: nickname, city and City Initial resolve to one team; same-city teams and bare shared cities do not pass', () => {
    const heatKnicks = rec('Heat vs. Knicks', { outcomes: ['Heat', 'Knicks'], rulesText: 'In the upcoming NBA game: if the Miami Heat win …' });
    expect(outcomes(heatKnicks, kal('New York at Miami Winner?', { subjectText: 'New York' })).subject).toBe('pass');
    expect(outcomes(rec('Mets vs. Marlins'), kal('New York Y at Miami Winner?', { subjectText: 'New York Y' })).subject).toBe('fail');
    expect(outcomes(rec('Will the Chicago Cubs win the 2026 World Series?'), kal('Pro Baseball Champion? — Chicago WS')).subject).toBe('fail');
    expect(outcomes(rec('Will the Chicago Cubs win the 2026 World Series?'), kal('Pro Baseball Champion? — Chicago C')).subject).toBe('pass');
    expect(outcomes(rec('Will the New York Giants make the NFL Playoffs?'), kal('Pro Football playoff qualifiers — New York J')).subject).toBe('fail');
    expect(outcomes(rec('Will the Los Angeles Lakers win the 2026 NBA Finals?'), kal('Pro Basketball Champion? — Los Angeles')).subject).toBe('flag');
    expect(outcomes(rec('49ers vs. Seahawks', { outcomes: ['49ers', 'Seahawks'] }), kal('San Francisco at Seattle Winner?', { subjectText: 'San Francisco' })).subject).toBe('pass');
  });
});

describe('issue 14 round 3: market and economic indicators', () => {
  /** Wordings of one indicator across venues (Polymarket question, Kalshi "event — YES subtitle"): every pair must pass. */
  const same: readonly (readonly string[])[] = [
    ['Will the 10-year Treasury yield close above 4.5% on Friday?', '10Y Treasury yield on Jan 9, 2026? — Above 4.50%', 'TNX above 45 on Jan 9?', 'US 10-year note yield at end of 2026?', 'Will the ten-year yield be above 4.5%?'],
    ['2-year Treasury yield above 3.5% on March 31?', '2Y yield on Mar 31, 2026? — Above 3.5%'],
    ['Will the 30-year fixed mortgage rate be above 6.5%?', 'Average mortgage rate this week? — Above 6.5%', '30Y mortgage rate on Jun 25, 2026? — Above 6.5%'],
    ['Will the S&P 500 close above 6,000 on Dec 31?', 'S&P 500 on Dec 31, 2026? — Above 6,000', 'SPX above 6000 at year end?'],
    ['Nasdaq-100 above 21,000 on Dec 31?', 'Nasdaq 100 close on Dec 31, 2026? — Above 21,000', 'NDX above 21000?', 'Will the Nasdaq close above 21,000?'],
    ['Will the Dow Jones close above 45,000?', 'Dow on Dec 31, 2026? — Above 45,000', 'DJIA above 45000?'],
    ['VIX above 30 on Dec 31?', 'Will the volatility index close above 30?'],
    ['Will WTI crude oil settle above $80?', 'WTI oil price on Jun 30, 2026? — Above $80', 'Will crude oil close above $80 on June 30?'],
    ['Will gold close above $3,000 on Dec 31?', 'Gold price on Dec 31, 2026? — Above $3,000', 'XAU above 3000?'],
    ['Will US gas prices be above $3.50 on June 1?', 'Average gas price on Jun 1, 2026? — Above $3.50', 'National average price of gasoline above $3.50?'],
    ['EUR/USD above 1.10 on Dec 31?', 'EURUSD on Dec 31, 2026? — Above 1.10', 'Euro to dollar exchange rate above 1.10?'],
    ['USD/JPY above 150 on Dec 31?', 'Dollar to yen above 150?'],
    ['Core CPI YoY for May above 3%?', 'Core CPI year-over-year in May 2026? — Above 3.0%', 'Will core inflation (annual) be above 3% in May?'],
    ['Will nonfarm payrolls be above 200k in December?', 'Jobs added in Dec 2026? — Above 200,000', 'NFP above 200k?', 'How many jobs will the US add in December?'],
    ['Initial jobless claims above 250k this week?', 'Initial claims for the week ending Jan 9, 2026? — Above 250,000'],
    ['Will the unemployment rate be 4.5% or higher in December?', 'Unemployment rate in Dec 2026? — Above 4.4%', 'U-3 above 4.4%?'],
    ['Will Q4 GDP growth be above 2%?', 'GDP in Q4 2026? — Above 2.0%'],
    ['Retail sales MoM above 0.5% in May?', 'Retail sales month-over-month in May 2026? — Above 0.5%'],
    ['ISM Manufacturing PMI above 50 in June?', 'ISM manufacturing index in Jun 2026? — Above 50'],
    ['Core PCE YoY above 2.8% in April?', 'Core PCE inflation in Apr 2026? — Above 2.8%'],
  ];
  it.each(same.flatMap((g) => g.slice(1).map((w) => [g[0]!, w] as const)))('"%s" ~ "%s"', (a, b) => {
    const [s] = subjectGuard(rec(a), kal(b));
    expect(s, s!.reason).toMatchObject({ outcome: 'pass' });
    expect(subjectOf(rec(a))?.metric).toBe(subjectOf(kal(b))?.metric);
  });

  /** Lookalikes: another tenor, index, grade, print or pair at the same wording: every pair must fail. */
  const different: readonly (readonly [string, string])[] = [
    ['Will the 2-year Treasury yield be above 4%?', '10Y Treasury yield on Dec 31, 2026? — Above 4.00%'],
    ['TYX above 45?', '10Y Treasury yield on Dec 31, 2026? — Above 4.5%'],
    ['Will the 15-year mortgage rate be above 6%?', '30Y mortgage rate on Jun 25, 2026? — Above 6%'],
    ['30-year mortgage rate above 6.5%?', '30Y Treasury yield on Jun 25, 2026? — Above 6.5%'],
    ['Will the S&P 500 close above 6,000?', 'Nasdaq-100 on Dec 31, 2026? — Above 6,000'],
    ['Will the Dow close above 45,000?', 'S&P 500 on Dec 31, 2026? — Above 45,000'],
    ['Nasdaq Composite above 20,000?', 'Nasdaq-100 on Dec 31, 2026? — Above 20,000'],
    ['Will Brent crude settle above $80?', 'WTI oil price on Jun 30, 2026? — Above $80'],
    ['Natural gas above $4 on Dec 31?', 'Average gas price on Dec 31, 2026? — Above $4'],
    ['Gold above $3,000?', 'Silver price on Dec 31, 2026? — Above $3,000'],
    ['EUR/USD above 1.10?', 'GBP/USD on Dec 31, 2026? — Above 1.10'],
    ['USD/JPY above 150?', 'JPY/USD on Dec 31? — Above 150'],
    ['Core CPI YoY for May above 3%?', 'CPI year-over-year in May 2026? — Above 3.0%'],
    ['Core PCE YoY above 2.8%?', 'CPI year-over-year in Apr 2026? — Above 2.8%'],
    ['CPI YoY above 3% in May?', 'CPI month-over-month in May 2026? — Above 3%'],
    ['Initial jobless claims above 250k?', 'Continuing claims for the week ending Jan 9, 2026? — Above 250,000'],
    ['ADP private payrolls above 150k?', 'Nonfarm payrolls in Dec 2026? — Above 150,000'],
    ['Will nonfarm payrolls be above 4.5?', 'Unemployment rate in Dec 2026? — Above 4.5%'],
    ['ISM Services PMI above 50?', 'ISM manufacturing index in Jun 2026? — Above 50'],
    ['Will GDPNow be above 2%?', 'GDP in Q4 2026? — Above 2.0%'],
  ];
  it.each(different)('"%s" ≠ "%s"', (a, b) => {
    const [s] = subjectGuard(rec(a), kal(b));
    expect(s, s!.reason).toMatchObject({ outcome: 'fail' });
  });

  it('a question about something else that names an indicator keeps its own subject', () => {
    expect(extractSubject('Will Tesla be added to the S&P 500 in 2026?')?.key).toBe('tesla');
    expect(extractSubject('Will Trump say "inflation" during the address?')?.key).not.toBe('cpi');
    expect(extractSubject('Will the Golden State Warriors win the 2026 NBA Finals?')?.metric).toBeUndefined();
    expect(extractSubject('Will the US win the most gold medals at the 2028 Olympics?')?.metric).toBeUndefined();
    const [s] = subjectGuard(rec('Will Tesla be added to the S&P 500 in 2026?'), kal('S&P 500 on Dec 31, 2026? — Above 6,000'));
    expect(s!.outcome).not.toBe('pass');
  });

  it('an indicator owned by a country keeps the country ("US CPI"); the same print unowned still agrees', () => {
    expect(extractSubject('Will US CPI be above 3% in May?')).toMatchObject({ entity: 'united states', metric: 'cpi' });
    expect(subjectGuard(rec('Will US CPI YoY be above 3% in May?'), kal('CPI year-over-year in May 2026? — Above 3.0%'))[0]!.outcome).toBe('pass');
  });

  it('indicatorsOf: the canonical metric with its variants and print qualifiers', () => {
    const one = (t: string) => indicatorsOf(t)[0]?.subject;
    expect(one('10Y Treasury yield on Dec 31')).toMatchObject({ key: 'treasury yield 10y' });
    expect(one('US2Y yield above 4%')).toMatchObject({ key: 'treasury yield 2y' });
    expect(one('Brent oil above $80')).toMatchObject({ key: 'crude oil', qualifiers: ['brent'] });
    expect(one('Core CPI MoM in May')).toMatchObject({ key: 'cpi', qualifiers: ['core', 'mom'] });
    expect(one('Continuing jobless claims')).toMatchObject({ key: 'jobless claims', qualifiers: ['continuing'] });
    expect(one('the the the end')).toBeUndefined();
    expect(indicatorsOf('ABC/DEF above 10')).toEqual([]);
  });
});

describe('hostile text', () => {
  const big = 100_000;
  const adversarial = [
    'Will ' + 'A '.repeat(big / 2) + 'win?',
    'Will ' + 'Aa'.repeat(big / 2),
    '$'.repeat(big),
    'x vs '.repeat(big / 5),
    'Lakers at '.repeat(big / 10),
    "Trump's ".repeat(big / 8),
    '— '.repeat(big / 2) + 'Gavin Newsom',
    'J.'.repeat(big / 2),
    'a'.repeat(big) + '!',
    '!'.repeat(big) + 'a',
    ' '.repeat(big) + 'x',
    'primary '.repeat(big / 8) + 'nominee',
    '\u202E'.repeat(big / 2) + 'Will Newsom win?',
    '10-year '.repeat(big / 8) + 'yield',
    'treasury 1 '.repeat(big / 11) + 'mortgage',
    'USD/'.repeat(big / 4) + 'JPY',
  ];
  it.each(adversarial.map((s, i) => [i, s] as const))('returns on a 100 kB adversarial string (#%i)', (_i, s) => {
    const r = rec(s, { rulesText: s, outcomes: [s, 'No'] });
    const g = subjectGuard(r, kal(s, { rulesText: s, subjectText: s }));
    expect(g.map((x) => x.guard)).toEqual(['subject', 'round']);
    extractSubject(s);
    extractRound(s);
  });
});

describe('issue 14 round 4: crypto assets in every wording, payrolls in every wording', () => {
  it.each([
    ['Will the price of Ethereum be between $3,200 and $3,300 on January 8, 5PM ET?', 'ethereum'],
    ['Ethereum price on January 8, 5PM ET?', 'ethereum'],
    ['ETH above $3,000 on January 8?', 'ethereum'],
    ['Will ETH dip to $2,500 in January?', 'ethereum'],
    ['What price will Ethereum hit in January?', 'ethereum'],
    ['Will Bitcoin reach $120,000 by December 31, 2026?', 'bitcoin'],
    ['Will BTC hit $100k in 2026?', 'bitcoin'],
    ['Will the price of BTC be above $98,000 on Dec 18?', 'bitcoin'],
    ['Bitcoin price range on Jan 8, 2027 at 5pm EST? — $90,000 to 90,999.99', 'bitcoin'],
    ['Will the price of Solana be above $180?', 'solana'],
    ['XRP above $2.40 on January 8, 5PM ET?', 'xrp'],
    ['Will Dogecoin reach $1 in 2026?', 'dogecoin'],
    ['BNB above $700 on January 8?', 'bnb'],
    ['Cardano (ADA) above $1 on January 8?', 'cardano'],
  ])('"%s" is about %s', (q, key) => {
    expect(extractSubject(q)).toMatchObject({ key, kind: 'asset' });
  });

  it('a ticker and the name are one asset; two assets differ, whatever the spelling', () => {
    expect(outcomes(rec('Will the price of ETH be between $3,200 and $3,300 on January 8?'), kal('Ethereum price range on Jan 8, 2027 at 5pm EST? — $3,200 to 3,299.99')).subject).toBe('pass');
    expect(outcomes(rec('Will the price of Solana be between $180 and $190 on January 8?'), kal('Ethereum price range on Jan 8, 2027 at 5pm EST? — $180 to 189.99')).subject).toBe('fail');
    expect(outcomes(rec('BNB above $700 on January 8?'), kal('Bitcoin price on Jan 8, 2027 at 5pm EST? — $700 or above')).subject).toBe('fail');
    expect(outcomes(rec('XRP above $2.40 on January 8?'), kal('Ripple price on Jan 8, 2027? — $2.40 or above')).subject).toBe('pass');
  });

  it('a text naming two assets, or none, gets no crypto subject by default', () => {
    expect(extractSubject('Will Trump say "Bitcoin" this week?')?.key).toBe('trump');
    expect(extractSubject('Will Tesla cut 10,000 jobs in 2026?')?.key).toBe('tesla');
  });

  it('jobs added, nonfarm payrolls, the jobs numbers and the employment change are one quantity; job openings are another', () => {
    for (const q of ['Will the US add more than 100k jobs in January?', 'Will the US economy add more than 100k jobs in January?', 'Jobs numbers in Jan 2027? — Above 100,000', 'Nonfarm payrolls in January 2027?', 'US employment change in January above 150k?', 'How many jobs will the US add in January?']) {
      expect(extractSubject(q)?.metric).toBe('payrolls');
    }
    expect(extractSubject('Will job openings exceed 7 million in January?')?.metric).toBe('job openings');
    expect(outcomes(rec('Will the US add more than 100k jobs in January?'), kal('Jobs numbers in Jan 2027? — Above 100,000')).subject).toBe('pass');
    expect(outcomes(rec('Will job openings exceed 7 million in January?'), kal('Jobs numbers in Jan 2027? — Above 100,000')).subject).toBe('fail');
  });

  it('a draw label names the game, not a team called "Draw Arsenal"', () => {
    const s = subjectOf(rec('Will Arsenal FC vs. Brentford FC end in a draw?', { subjectText: 'Draw (Arsenal FC vs. Brentford FC)' }));
    expect(s?.members?.map((m) => m.key).sort()).toEqual(['arsenal fc', 'brentford fc']);
  });
});

describe('issue 14 round 5: name suffixes tell people apart (labels/round5_subjects.jsonl)', () => {
  const subject = (a: SubjectInput, b: SubjectInput) => subjectGuard(a, b).find((g) => g.guard === 'subject')!;

  it('a suffix on one side only is another person', () => {
    const jr = rec('Will Donald Trump Jr. win the 2028 Republican presidential nomination?', { subjectText: 'Donald Trump Jr.' });
    const sr = kal('Republican nominee for President in 2028? — Donald Trump', { subjectText: 'Donald Trump', rulesText: 'If Donald Trump is the nominee of the Republican Party for President in 2028, then the market resolves to Yes.' });
    expect(subject(jr, sr)).toMatchObject({ outcome: 'fail', reason: expect.stringContaining('name suffix') });
    expect(subject(sr, jr).outcome).toBe('fail');
  });

  it('different suffixes are different people; a numeral suffix counts as one', () => {
    expect(subject(rec('Will Robert Casey Jr. win?'), kal('Pennsylvania Senate winner 2028? — Robert Casey Sr.', { subjectText: 'Robert Casey Sr.' })).outcome).toBe('fail');
    expect(subject(rec('Will Joseph Kennedy III win the 2028 Democratic presidential nomination?'), kal('Democratic nominee for President in 2028? — Joseph Kennedy', { subjectText: 'Joseph Kennedy' })).outcome).toBe('fail');
  });

  it('the same suffix on both sides, or the other side\'s own rules writing it, is the same person', () => {
    expect(subject(rec('Will Ken Paxton Jr. win the 2028 Texas governor race?'), kal('Texas governor winner 2028? — Ken Paxton Jr.', { subjectText: 'Ken Paxton Jr.' })).outcome).toBe('pass');
    const k = kal('Texas governor winner 2028? — Ken Paxton', { subjectText: 'Ken Paxton', rulesText: 'If Ken Paxton Jr. wins the 2028 Texas gubernatorial election, then the market resolves to Yes.' });
    expect(subject(rec('Will Ken Paxton Jr. win the 2028 Texas governor race?'), k).outcome).toBe('pass');
    // a rules text that writes another suffix does not help
    expect(subject(rec('Will Ken Paxton Jr. win the 2028 Texas governor race?'), { ...k, rulesText: 'If Ken Paxton Sr. wins …' }).outcome).toBe('fail');
  });

  it('the labelled Jr/Sr pairs', () => {
    const { pairs, problems } = parseLabelText(readFileSync(`${LABELS}/round5_subjects.jsonl`, 'utf8'), 'round5_subjects.jsonl');
    expect(problems).toEqual([]);
    const got = (id: string) => {
      const p = pairs.find((x) => x.id === id)!;
      return subject(p.legs[0]!.record, p.legs[1]!.record).outcome;
    };
    expect(got('r5-subj-bobby-jr-vs-sr-senate')).toBe('fail');
    expect(got('r5-subj-kennedy-jr-vs-kennedy-nominee')).toBe('fail');
    expect(got('r5-true-jr-label-rules')).toBe('pass');
  });
});

describe('issue 14 classes', () => {
  it('an abbreviated name word by its place: "Ohio St." is "Ohio State", "St. Louis" is "Saint Louis"', () => {
    expect(namesAgree(['ohio', 'st'], ['ohio', 'state'])).toBe(true);
    expect(namesAgree(['st', 'louis'], ['saint', 'louis'])).toBe(true);
    expect(namesAgree(['michigan', 'st'], ['ohio', 'state'])).toBe(false);
    // a school named "<place> State" is not the place's school
    expect(namesAgree(['michigan', 'st'], ['michigan'])).toBe(false);
    expect(namesAgree(['michigan', 'state'], ['michigan'])).toBe(false);
    const g = outcomes(rec('Michigan vs. Ohio State', { outcomes: ['Michigan', 'Ohio State'] }), kal('Michigan at Ohio St. Winner? — Ohio St.', { subjectText: 'Ohio St.', outcomes: ['Ohio St.', 'Ohio St.'] }));
    expect(g.subject).toBe('pass');
    const other = outcomes(rec('Michigan vs. Ohio State', { outcomes: ['Michigan', 'Ohio State'] }), kal('Michigan St. at Ohio St. Winner? — Ohio St.', { subjectText: 'Ohio St.', outcomes: ['Ohio St.', 'Ohio St.'] }));
    expect(other.subject).toBe('fail');
  });
  it('a money amount label ("200M") is a threshold, not the subject; a digit name ("3M") stays a name', () => {
    const k = kal('Avengers: Doomsday opening weekend domestic gross? — Above $200M', { subjectText: 'Above $200M' });
    const p = rec('Avengers: Doomsday opening weekend box office above $200M?', { subjectText: '200M' });
    expect(subjectOf(p)?.entity).toMatch(/avengers/);
    expect(outcomes(p, k).subject).not.toBe('fail');
    expect(subjectOf(rec('Will 3M close above $100 on June 30?', { subjectText: '3M' }))?.entity).toBe('3m');
    // another film at the same amount is still another subject
    expect(outcomes(rec('Spider-Man: Brand New Day opening weekend box office above $200M?', { subjectText: '200M' }), k).subject).toBe('fail');
  });
  it('a place asked in degrees is its temperature: reaching a value is the high, the low named is the low', () => {
    const high = kal('Highest temperature in Austin on Jul 4, 2026? — 89° or below', { subjectText: '89° or below' });
    const low = kal('Lowest temperature in Austin on Jul 4, 2026? — 69° or below', { subjectText: '69° or below' });
    const hit = rec('Will Austin hit 90°F or higher on July 4?');
    expect(outcomes(hit, high).subject).toBe('pass');
    expect(outcomes(hit, low).subject).toBe('fail');
    expect(outcomes(rec('Will Dallas hit 90°F or higher on July 4?'), high).subject).toBe('fail');
    // a fall below a value may be the high or the low: not read
    expect(outcomes(rec('Will Austin drop below 40°F on January 5?'), high).subject).not.toBe('pass');
    expect(outcomes(rec("Will Austin's low be 70°F or above on July 4?"), low).subject).toBe('pass');
  });
});

describe('abbreviates', () => {
  it('a word and its usual abbreviation, either way; nothing else', () => {
    expect(abbreviates('st', 'state')).toBe(true);
    expect(abbreviates('saint', 'st')).toBe(true);
    expect(abbreviates('mt', 'mount')).toBe(true);
    expect(abbreviates('st', 'street')).toBe(false);
    expect(abbreviates('state', 'saint')).toBe(false);
  });
});
