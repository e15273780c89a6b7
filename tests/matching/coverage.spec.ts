import { describe, expect, it } from 'vitest';
import { coverageGuard } from '../../src/matching/coverage.js';

type Side = { title: string; rules: string; sub?: string };
const poly = (s: Side) => ({ venue: 'polymarket' as const, title: s.title, rulesText: s.rules, rulesSecondary: '', ...(s.sub ? { subjectText: s.sub } : {}) });
const kalshi = (s: Side) => ({ venue: 'kalshi' as const, title: s.sub ? `${s.title} — ${s.sub}` : s.title, rulesText: s.rules, rulesSecondary: '', ...(s.sub ? { subjectText: s.sub } : {}) });
const outcome = (a: Side, b: Side) => coverageGuard(poly(a), kalshi(b));

const GA = { title: 'Will the Democrats win the Georgia Senate race in 2026?', rules: 'This market will resolve to "Yes" if the Democratic Party candidate wins the 2026 U.S. Senate election in Georgia.' };
const NC = { title: 'North Carolina Senate winner?', sub: 'Democratic party', rules: 'If the Democratic party wins the 2026 U.S. Senate election in North Carolina, then the market resolves to Yes.' };
const GA_K = { title: 'Georgia Senate winner?', sub: 'Democratic party', rules: 'If the Democratic party wins the 2026 U.S. Senate election in Georgia, then the market resolves to Yes.' };

describe('coverageGuard', () => {
  it('state: Georgia vs North Carolina is a hold; the same state passes (also by postal code)', () => {
    const g = outcome(GA, NC);
    expect(g).toMatchObject({ guard: 'coverage', outcome: 'flag' });
    expect(g.reason).toMatch(/Georgia/);
    expect(g.reason).toMatch(/North|Carolina/);
    expect(outcome(GA, GA_K).outcome).toBe('pass');
    expect(outcome({ ...GA, title: 'Will the Democrats win the GA Senate race in 2026?' }, GA_K).outcome).toBe('pass');
    expect(outcome({ ...GA, title: 'Will the Democrats win the NC Senate race in 2026?' }, GA_K).outcome).toBe('flag');
  });

  it('office: "out as Prime Minister" vs "out as Labour leader" is a hold; PM ~ Prime Minister, Japanese ~ Japan', () => {
    const pm = { title: 'Starmer out as UK Prime Minister by June 30, 2026?', rules: 'Resolves "Yes" if Keir Starmer ceases to be Prime Minister of the United Kingdom by June 30, 2026.' };
    const leader = { title: 'Starmer out as Labour leader?', sub: 'Before Jul 1, 2026', rules: 'If Keir Starmer announces his resignation as Leader of the Labour Party before Jul 1, 2026, then the market resolves to Yes.' };
    const pmK = { title: 'Starmer out as PM?', sub: 'Before Jul 1, 2026', rules: 'If Keir Starmer is no longer Prime Minister of the UK before Jul 1, 2026, then the market resolves to Yes.' };
    const g = outcome(pm, leader);
    expect(g.outcome).toBe('flag');
    expect(g.reason).toMatch(/Prime Minister/);
    expect(g.reason).toMatch(/Labour/);
    expect(outcome(pm, pmK).outcome).toBe('pass');
    const jp = { title: 'Takaichi out as Japanese Prime Minister by June 30, 2027?', rules: 'Resolves "Yes" if Sanae Takaichi ceases to hold the office of Prime Minister of Japan.' };
    expect(outcome(jp, { title: 'Takaichi out as PM?', sub: 'Before Jul 1, 2027', rules: 'If Sanae Takaichi is no longer Prime Minister of Japan before Jul 1, 2027, then the market resolves to Yes.' }).outcome).toBe('pass');
  });

  it('source: approval per Silver Bulletin vs RealClearPolitics is a hold; the same aggregator passes', () => {
    const silver = { title: 'Trump approval rating on December 31, 2026 above 42%?', rules: "Resolves Yes if Donald Trump's approval rating, according to the Silver Bulletin presidential approval tracker, is above 42.0%." };
    const rcp = { title: 'Trump approval rating on Dec 31?', sub: 'Above 42.0%', rules: "If Donald Trump's approval rating on the RealClearPolitics (RealClearPolling) average is above 42.0% for Dec 31, 2026, then the market resolves to Yes." };
    const g = outcome(silver, rcp);
    expect(g.outcome).toBe('flag');
    expect(g.reason).toMatch(/Silver Bulletin.*source/);
    expect(outcome({ ...silver, rules: "Resolves Yes if Donald Trump's approval rating, according to the RealClearPolitics polling average, is above 42.0%." }, rcp).outcome).toBe('pass');
  });

  it('round: Super Bowl vs NFC Championship is a hold; Super Bowl ~ Pro Football Championship and a team by its city pass', () => {
    const sb = { title: 'Will the Philadelphia Eagles win Super Bowl 2027?', sub: 'Philadelphia Eagles', rules: 'Resolves "Yes" if the Philadelphia Eagles win Super Bowl LXI, scheduled for February 14, 2027.' };
    const nfc = { title: 'NFC Champion?', sub: 'Philadelphia', rules: 'If Philadelphia wins the NFC Championship Game for the 2026-27 NFL season, then the market resolves to Yes.' };
    const pro = { title: 'Pro Football Champion?', sub: 'Philadelphia', rules: 'If Philadelphia wins the 2027 Pro Football Championship game, then the market resolves to Yes.' };
    const g = outcome(sb, nfc);
    expect(g.outcome).toBe('flag');
    expect(g.reason).toMatch(/Super Bowl/);
    expect(g.reason).toMatch(/NFC/);
    expect(outcome(sb, pro).outcome).toBe('pass');
    // the NFC spelled out on the other side accounts for the acronym
    expect(outcome({ ...sb, title: 'Will the Philadelphia Eagles win the National Football Conference title?' }, nfc).outcome).toBe('pass');
  });

  it('competition: Champions League vs Premier League is a hold; UCL ~ UEFA Champions League passes', () => {
    const ucl = { title: 'Will Arsenal win the 2026–27 Champions League?', sub: 'Arsenal', rules: 'Resolves "Yes" if Arsenal wins the 2026–27 UEFA Champions League.' };
    const epl = { title: 'English Premier League winner?', sub: 'Arsenal', rules: 'If Arsenal wins the 2026-27 English Premier League, then the market resolves to Yes.' };
    const g = outcome(ucl, epl);
    expect(g.outcome).toBe('flag');
    expect(g.reason).toMatch(/Champions League/);
    expect(g.reason).toMatch(/Premier League/);
    expect(outcome(ucl, { title: 'UCL winner?', sub: 'Arsenal', rules: 'If Arsenal wins the 2026-27 UCL, then the market resolves to Yes.' }).outcome).toBe('pass');
  });

  it('predicate: "released" vs "announced" is a hold, whichever side names which', () => {
    const rel = { title: 'GPT-6 released by June 30, 2027?', rules: 'Resolves "Yes" if OpenAI releases GPT-6 to the general public. Announcements do not count.' };
    const ann = { title: 'GPT-6 announced?', sub: 'Before Jul 1, 2027', rules: 'If OpenAI officially announces a model named GPT-6 before Jul 1, 2027, then the market resolves to Yes. It does not need to be publicly available.' };
    const g = outcome(rel, ann);
    expect(g.outcome).toBe('flag');
    expect(g.reason).toMatch(/release \(predicate\)/);
    expect(coverageGuard(poly({ ...ann, sub: undefined }), kalshi({ ...rel, title: 'GPT-6 released?', sub: 'Before Jul 1, 2027' })).outcome).toBe('flag');
    expect(outcome(rel, { title: 'GPT-6 released?', sub: 'Before Jul 1, 2027', rules: 'If OpenAI releases GPT-6 to the public before Jul 1, 2027, then the market resolves to Yes.' }).outcome).toBe('pass');
  });

  it('a model number is part of the name: GPT-6 vs GPT-5 is a hold', () => {
    const six = { title: 'GPT-6 released by June 30, 2027?', rules: 'Resolves "Yes" if OpenAI releases GPT-6.' };
    expect(outcome(six, { title: 'GPT-5 released?', rules: 'If OpenAI releases GPT-5, then the market resolves to Yes.' }).outcome).toBe('flag');
  });

  it('aliases, initials and defaults pass: RFK Jr. ~ Robert F. Kennedy Jr., US left unsaid, Lula ~ Luiz Inácio Lula da Silva', () => {
    expect(outcome({ title: 'Will RFK Jr. win the 2028 Democratic presidential nomination?', rules: 'Resolves Yes if RFK Jr. wins the nomination of the Democratic Party.' },
      { title: 'Democratic nominee for President in 2028?', sub: 'Robert F. Kennedy Jr.', rules: 'If Robert F. Kennedy Jr. is the Democratic nominee for President in the 2028 election cycle, then the market resolves to Yes.' }).outcome).toBe('pass');
    expect(outcome({ title: 'US government shutdown by January 31?', rules: 'Resolves Yes if the federal government shuts down.' }, { title: 'Government shutdown?', sub: 'Before Feb 1, 2026', rules: 'If the federal government shuts down before Feb 1, then the market resolves to Yes.' }).outcome).toBe('pass');
    expect(outcome({ title: 'Will Lula win the 2026 Brazilian presidential election?', rules: 'Resolves Yes if Luiz Inácio Lula da Silva wins.' }, { title: 'Brazil presidential election winner?', sub: 'Lula', rules: 'If Luiz Inácio Lula da Silva wins the 2026 Brazilian presidential election, then the market resolves to Yes.' }).outcome).toBe('pass');
  });

  it('never fails, and stays fast on hostile text', () => {
    const junk = `${'Aa '.repeat(50_000)}${'Ξ'.repeat(50_000)} ${'((('.repeat(10_000)}`;
    const t0 = performance.now();
    const g = coverageGuard(poly({ title: junk, rules: junk }), kalshi({ title: junk, rules: junk, sub: junk }));
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(['pass', 'flag']).toContain(g.outcome);
    expect(outcome(GA, NC).outcome).not.toBe('fail');
  });
});

describe('coverageGuard: achievement types', () => {
  const winK = { title: 'Monaco Grand Prix winner?', sub: 'Max Verstappen', rules: 'If Max Verstappen wins the 2026 Formula 1 Monaco Grand Prix, then the market resolves to Yes. The winner is per the FIA classification at the time of the podium.' };
  const winP = { title: 'Will Max Verstappen win the 2026 Monaco Grand Prix?', sub: 'Max Verstappen', rules: 'This market will resolve to "Yes" if Max Verstappen wins the 2026 Formula 1 Monaco Grand Prix. Otherwise "No".' };
  const poleK = { title: 'Monaco Grand Prix pole position?', sub: 'Max Verstappen', rules: 'If Max Verstappen starts the 2026 Formula 1 Monaco Grand Prix from pole position per the FIA starting grid, then the market resolves to Yes.' };
  const poleP = { title: 'Will Max Verstappen take pole position at the 2026 Monaco Grand Prix?', sub: 'Max Verstappen', rules: 'Resolves "Yes" if Max Verstappen starts on pole position at the 2026 Formula 1 Monaco Grand Prix, as determined by qualifying results published by the FIA.' };

  it('race win vs pole position is a hold, either way round; the same achievement passes', () => {
    const g = outcome(winP, poleK);
    expect(g.outcome).toBe('flag');
    expect(g.reason).toMatch(/pole position \(achievement\)/);
    const h = outcome(poleP, winK);
    expect(h.outcome).toBe('flag');
    expect(h.reason).toMatch(/pole position \(achievement\)/);
    expect(h.reason).toMatch(/win \(achievement\)/);
    expect(outcome(winP, winK).outcome).toBe('pass');
    expect(outcome(poleP, poleK).outcome).toBe('pass');
  });

  it('a podium the winner rules mention in passing does not account for a podium finish question', () => {
    const podium = { title: 'Will Max Verstappen finish on the podium at the 2026 Monaco Grand Prix?', sub: 'Max Verstappen', rules: 'Resolves "Yes" if Max Verstappen is classified in the top 3 of the 2026 Formula 1 Monaco Grand Prix.' };
    const g = outcome(podium, winK);
    expect(g.outcome).toBe('flag');
    expect(g.reason).toMatch(/win \(achievement\)/);
  });

  it('win vs top 10 is a hold, top 10 vs top 5 is a hold, top 10 on both sides passes', () => {
    const win = { title: 'Will Scottie Scheffler win the 2027 Masters?', sub: 'Scottie Scheffler', rules: 'Resolves "Yes" if Scottie Scheffler wins the 2027 Masters Tournament.' };
    const top10K = { title: 'Masters top 10?', sub: 'Scottie Scheffler', rules: 'If Scottie Scheffler finishes in the top 10 (ties included) at the 2027 Masters, then the market resolves to Yes.' };
    const top10P = { title: 'Will Scottie Scheffler finish top 10 at the 2027 Masters?', sub: 'Scottie Scheffler', rules: 'Resolves "Yes" if Scottie Scheffler finishes in the top 10, ties included, at the 2027 Masters.' };
    const top5K = { ...top10K, title: 'Masters top 5?', rules: top10K.rules.replace('top 10', 'top 5') };
    expect(outcome(win, top10K)).toMatchObject({ outcome: 'flag', reason: expect.stringMatching(/top 10 \(achievement\)/) as string });
    expect(outcome(top10P, top5K)).toMatchObject({ outcome: 'flag', reason: expect.stringMatching(/top 10 \(achievement\)/) as string });
    expect(outcome(top10P, top10K).outcome).toBe('pass');
  });

  it('most seats vs an absolute majority is a hold; win vs control of a chamber is the same question', () => {
    const most = { title: 'Will AfD win the most seats in the 2026 Saxony-Anhalt state election?', sub: 'AfD', rules: 'Resolves "Yes" if AfD wins the most seats in the 2026 Saxony-Anhalt state election.' };
    const maj = { title: 'Absolute majority in Saxony-Anhalt?', sub: 'AfD', rules: 'If AfD wins an absolute majority of seats in the 2026 Saxony-Anhalt state election, then the market resolves to Yes.' };
    expect(outcome(most, maj)).toMatchObject({ outcome: 'flag', reason: expect.stringMatching(/majority \(achievement\)/) as string });
    const control = { title: 'Will the Republicans control the Senate after the 2026 Midterm elections?', sub: 'Republican', rules: 'This market will resolve to "Yes" if the Republican Party controls the US Senate after the 2026 midterm elections.' };
    const winS = { title: 'Which party will win the Senate?', sub: 'Republican party', rules: 'If the Republican party wins the Senate in 2026, then the market resolves to Yes.' };
    expect(outcome(control, winS).outcome).toBe('pass');
    const majP = { title: 'Will Republicans win a majority in the House in 2026?', rules: 'Resolves "Yes" if the Republican Party wins a majority of seats in the US House of Representatives in the 2026 elections.' };
    const controlK = { title: 'Which party will win the House?', sub: 'Republican party', rules: 'If the Republican party wins control of the House in 2026, then the market resolves to Yes.' };
    expect(outcome(majP, controlK).outcome).toBe('pass');
  });

  it('make the playoffs vs win the championship is a hold; both making the playoffs passes', () => {
    const playoffs = { title: 'Will the New York Giants make the NFL Playoffs?', rules: 'Resolves "Yes" if the New York Giants qualify for the 2026-27 NFL playoffs.' };
    const champ = { title: 'Pro Football Champion?', sub: 'New York G', rules: 'If the New York Giants win the 2027 Pro Football Championship (NFL), then the market resolves to Yes.' };
    const playoffsK = { title: 'Will New York G make the playoffs?', sub: 'New York G', rules: 'If the New York Giants make the 2026-27 NFL playoffs, then the market resolves to Yes.' };
    expect(outcome(playoffs, champ)).toMatchObject({ outcome: 'flag', reason: expect.stringMatching(/make the playoffs \(achievement\)/) as string });
    expect(outcome(playoffs, playoffsK).outcome).toBe('pass');
  });

  it('a full name against the surname alone passes; a place or competition sharing its last word does not', () => {
    const poly1 = { title: 'Will Jannik Sinner win the 2026 Australian Open?', rules: 'Resolves "Yes" if Jannik Sinner wins the 2026 Australian Open men\'s singles title.' };
    const k1 = { title: "Australian Open men's winner?", sub: 'Sinner', rules: 'If Sinner wins the 2026 Australian Open Men\'s Singles, then the market resolves to Yes.' };
    expect(outcome(k1, poly1).outcome).toBe('pass');
    const nc = { title: 'Will the Democrats win the North Carolina Senate race in 2026?', rules: 'Resolves "Yes" if the Democratic candidate wins the 2026 U.S. Senate election in North Carolina.' };
    const sc = { title: 'South Carolina Senate winner?', sub: 'Democratic party', rules: 'If the Democratic party wins the 2026 U.S. Senate election in South Carolina, then the market resolves to Yes.' };
    expect(outcome(nc, sc).outcome).toBe('flag');
  });
});

describe('issue 14 round 5: predicates compared in the questions, rate decisions, prizes, event titles', () => {
  it('filing for an IPO against the IPO itself is a hold, even when the other side\'s rules mention filing', () => {
    const files = { title: 'Will SpaceX publicly file for an IPO by March 31, 2027?', rules: 'Resolves "Yes" if SpaceX publicly files a registration statement (Form S-1) with the SEC, or publicly confirms a confidential filing, by March 31, 2027.' };
    const ipo = { title: 'SpaceX IPO before Apr 2027?', sub: 'Before Apr 1, 2027', rules: 'If SpaceX begins public trading on a major U.S. exchange before Apr 1, 2027, then the market resolves to Yes. A filing alone does not count.' };
    expect(outcome(files, ipo)).toMatchObject({ outcome: 'flag', reason: expect.stringContaining('file (predicate) where the other question asks the completed event') });
    // the same filing question on both sides passes
    expect(outcome(files, { title: 'Will SpaceX file for an IPO before Apr 1, 2027?', rules: 'If SpaceX publicly files an S-1 for an IPO before Apr 1, 2027, then the market resolves to Yes.' }).outcome).toBe('pass');
  });

  it('announcing a product against releasing it is a hold; a verb-less question is left to the full text', () => {
    const announce = { title: 'Will Apple announce a foldable iPhone in 2026?', rules: 'Resolves "Yes" if Apple officially announces a foldable iPhone by December 31, 2026. It need not be released.' };
    expect(outcome(announce, { title: 'Will Apple release a foldable iPhone before 2027?', rules: 'If Apple releases a foldable iPhone before Jan 1, 2027, Yes. An announcement alone does not count.' }).outcome).toBe('flag');
    expect(outcome(announce, { title: 'Foldable iPhone in 2026?', rules: 'If Apple announces a foldable iPhone before Jan 1, 2027, Yes.' }).outcome).toBe('pass');
  });

  it('a central bank\'s rate decision: "announces no change" is the decision itself', () => {
    const ecb = { title: 'ECB announces no change in rates after December 2026 meeting?', sub: 'No change', rules: 'Resolves "Yes" if the European Central Bank leaves the deposit facility rate unchanged at its meeting on December 17, 2026.' };
    const hold = { title: 'ECB rate decision Dec 2026', sub: 'Hold', rules: 'If the European Central Bank leaves the deposit facility rate unchanged at its meeting on Dec 17, 2026, then the market resolves to Yes.' };
    expect(outcome(ecb, hold).outcome).toBe('pass');
    // not a rate decision: announcing still counts
    expect(outcome({ title: 'Will the ECB announce a new digital euro pilot in 2026?', rules: 'Resolves "Yes" if the ECB announces a pilot.' }, { title: 'Digital euro pilot launched in 2026?', rules: 'If the ECB launches a digital euro pilot in 2026, Yes.' }).outcome).toBe('flag');
  });

  it('a prize: its recipient or laureate is its winner; a nomination is not', () => {
    const win = { title: 'Will Donald Trump win the Nobel Peace Prize in 2026?', sub: 'Donald Trump', rules: 'Resolves "Yes" if Donald Trump is announced as a laureate of the 2026 Nobel Peace Prize.' };
    expect(outcome(win, { title: '2026 Nobel Peace Prize', sub: 'Donald Trump', rules: 'If Donald Trump is awarded the 2026 Nobel Peace Prize, then the market resolves to Yes.' }).outcome).toBe('pass');
    expect(outcome(win, { title: '2026 Nobel Peace Prize recipient?', sub: 'Donald Trump', rules: 'If Donald Trump is the recipient of the 2026 Nobel Peace Prize, then the market resolves to Yes.' }).outcome).toBe('pass');
    expect(outcome(win, { title: '2026 Nobel Peace Prize nominations', sub: 'Donald Trump', rules: 'If Donald Trump is nominated for the 2026 Nobel Peace Prize, then the market resolves to Yes.' }).outcome).toBe('flag');
  });

  it('the opponent of a single-team leg counts when the side\'s event title names it', () => {
    const p = { venue: 'polymarket' as const, title: 'Will Arsenal win on 2026-12-12?', subjectText: 'Arsenal', rulesText: 'This market will resolve to "Yes" if Arsenal wins the game.', rulesSecondary: '' };
    const k = kalshi({ title: 'Arsenal vs Chelsea', sub: 'Arsenal', rules: 'If Arsenal wins the Arsenal vs Chelsea professional soccer game, then the market resolves to Yes.' });
    expect(coverageGuard(p, k).outcome).toBe('flag');
    // records carry the event title once the Polymarket mapping writes it (an optional field the guards read defensively)
    const withEvent = (eventTitle: string) => ({ ...p, eventTitle });
    expect(coverageGuard(withEvent('Arsenal vs. Chelsea'), k).outcome).toBe('pass');
    expect(coverageGuard(withEvent('Arsenal vs. Tottenham'), k).outcome).toBe('flag');
  });
});
