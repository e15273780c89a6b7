import { describe, expect, it } from 'vitest';
import { leagueOf, LEAGUES, teamCandidates, teamMentions, teamRelation, TEAMS, teamsByAbbr } from '../../src/matching/teams.js';

const keys = (ts: readonly { key: string }[]): string[] => ts.map((t) => t.key).sort();

describe('team table', () => {
  it('has every team of the four US leagues once, with unique keys', () => {
    const per = (l: string): number => TEAMS.filter((t) => t.league === l).length;
    expect([per('nba'), per('nfl'), per('mlb'), per('nhl')]).toEqual([30, 32, 30, 32]);
    expect(new Set(TEAMS.map((t) => t.key)).size).toBe(TEAMS.length);
    for (const l of LEAGUES) expect(per(l)).toBeGreaterThan(0);
  });

  it('resolves a nickname, a city, a full name and "City Initial" to the same team', () => {
    for (const name of ['Lakers', 'Los Angeles Lakers', 'Los Angeles L', 'LA Lakers']) expect(keys(teamCandidates(name, 'nba'))).toEqual(['nba:LAL']);
    expect(keys(teamCandidates('Boston', 'nba'))).toEqual(['nba:BOS']);
    expect(keys(teamCandidates('Chicago WS'))).toEqual(['mlb:CWS']);
    expect(keys(teamCandidates('New York Y'))).toEqual(['mlb:NYY']);
    expect(keys(teamCandidates('76ers'))).toEqual(['nba:PHI']);
    expect(keys(teamCandidates('Sixers'))).toEqual(['nba:PHI']);
    // nothing for a word that is not a team
    expect(teamCandidates('Recession')).toEqual([]);
    // a generic club word alone ("United", "City") names no team
    expect(teamCandidates('United')).toEqual([]);
  });

  it('a bare city names every team of the city, narrowed by the league', () => {
    expect(keys(teamCandidates('New York', 'nfl'))).toEqual(['nfl:NYG', 'nfl:NYJ']);
    expect(keys(teamCandidates('New York', 'nba'))).toEqual(['nba:NYK']);
    expect(keys(teamCandidates('Los Angeles', 'mlb'))).toEqual(['mlb:LAA', 'mlb:LAD']);
  });

  it('abbreviations from slugs and tickers', () => {
    expect(keys(teamsByAbbr('LAL'))).toEqual(['nba:LAL']);
    expect(keys(teamsByAbbr('nyk'))).toEqual(['nba:NYK']);
    expect(keys(teamsByAbbr('NYY', 'mlb'))).toEqual(['mlb:NYY']);
    expect(keys(teamsByAbbr('MIA', 'nba'))).toEqual(['nba:MIA']);
  });
});

describe('teamRelation', () => {
  const cases: [string, string, string | undefined, string | undefined][] = [
    ['Knicks', 'New York', undefined, 'same'],
    ['Heat', 'Miami', undefined, 'same'],
    ['Celtics', 'Boston', undefined, 'same'],
    ['Chicago C', 'Cubs', undefined, 'same'],
    ['Chicago WS', 'White Sox', undefined, 'same'],
    ['Yankees', 'New York Y', undefined, 'same'],
    ['Philadelphia', 'Eagles', 'nfl', 'same'],
    // two teams of one city stay apart
    ['Lakers', 'Los Angeles C', undefined, 'different'],
    ['Lakers', 'Clippers', undefined, 'different'],
    ['New York Giants', 'New York J', undefined, 'different'],
    ['Yankees', 'Mets', undefined, 'different'],
    ['Mets', 'New York Y', undefined, 'different'],
    ['Cubs', 'Chicago WS', undefined, 'different'],
    // a bare city two teams of the league share is not settled
    ['Los Angeles', 'Lakers', undefined, 'ambiguous'],
    ['New York', 'Jets', undefined, 'ambiguous'],
    ['Los Angeles', 'Los Angeles Lakers', 'nba', 'ambiguous'],
    // the league settles a city; another league's team is another team
    ['Boston', 'Celtics', 'nba', 'same'],
    ['Boston', 'Red Sox', 'nba', 'different'],
    // the same name twice with no league is not a team question; a name that is no team neither
    ['New York', 'New York', undefined, undefined],
    ['Gavin Newsom', 'Lakers', undefined, undefined],
  ];
  it.each(cases)('%s ~ %s (%s) → %s', (x, y, league, want) => {
    expect(teamRelation(x, y, league as never)).toBe(want);
    expect(teamRelation(y, x, league as never)).toBe(want);
  });
});

describe('teamMentions and leagueOf', () => {
  it('reads the teams a title names, longest name first', () => {
    expect(teamMentions('Los Angeles L at Golden State Winner?', 'nba').map((m) => [m.text, keys(m.teams)])).toEqual([
      ['Los Angeles L', ['nba:LAL']],
      ['Golden State', ['nba:GSW']],
    ]);
    expect(teamMentions('Will the Philadelphia Eagles win Super Bowl 2027?').map((m) => m.text)).toEqual(['Philadelphia Eagles']);
    expect(teamMentions('Cubs vs. White Sox').map((m) => m.text)).toEqual(['Cubs', 'White Sox']);
    expect(teamMentions('Will there be a US government shutdown by January 31?')).toEqual([]);
    // abbreviations only within a known league
    expect(teamMentions('LAL @ BOS', 'nba').map((m) => keys(m.teams))).toEqual([['nba:LAL'], ['nba:BOS']]);
    expect(teamMentions('Will US CPI beat GDP?', undefined)).toEqual([]);
  });

  it('the league from a ticker, a slug or the words', () => {
    expect(leagueOf('', 'KXNBAGAME-26JAN22LALBOS-LAL')).toBe('nba');
    expect(leagueOf('', 'nhl-nyr-nyi-2026-02-10')).toBe('nhl');
    expect(leagueOf('If New York wins the New York at Miami Professional Basketball game')).toBe('nba');
    expect(leagueOf('Will the Chiefs win Super Bowl LXI?')).toBe('nfl');
    expect(leagueOf('Pro Baseball Champion?')).toBe('mlb');
    // none, or more than one: unknown
    expect(leagueOf('Will there be a recession in 2026?')).toBeUndefined();
    expect(leagueOf('NBA or NFL: which league has more viewers?')).toBeUndefined();
    // a Polymarket condition id (hex) never reads as a league
    expect(leagueOf('', '0xab13510be3571f79a219edab74cfff08964afc854cba814c64ec3f482d5695eb')).toBeUndefined();
  });
});
