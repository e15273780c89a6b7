/**
 * A resolver for the names of professional sports teams (NBA, NFL, MLB, NHL, and the main MLS and
 * Premier League clubs), as the venues write them:
 *
 *   nickname            "Lakers", "Red Sox", "76ers" / "Sixers"
 *   city or region      "Boston", "Golden State", "New England"
 *   full name           "Los Angeles Lakers", "Boston Red Sox"
 *   Kalshi City Initial "Los Angeles L" / "Los Angeles C", "New York Y" / "New York M", "Chicago WS"
 *   abbreviation        Polymarket slugs ("nba-nyk-mia-2026-03-02"), Kalshi tickers ("KXNBAGAME-26JAN22LALBOS-LAL")
 *
 * A name resolves to every team it may denote; a league (read from the text: "NBA", "Pro
 * Basketball", a KXNBA… ticker) narrows it. Two names denote the same team when both resolve to
 * that one team; two teams of one city (Lakers/Clippers, Jets/Giants, Yankees/Mets, Cubs/White Sox)
 * stay apart, and a bare city shared by two teams of the league is ambiguous. This is a resolver
 * for team names only: every other subject is read open-ended (subject.ts).
 */

export type League = 'nba' | 'nfl' | 'mlb' | 'nhl' | 'mls' | 'epl';
export const LEAGUES: readonly League[] = ['nba', 'nfl', 'mlb', 'nhl', 'mls', 'epl'];

export interface Team {
  /** `league:ABBR`, unique */
  readonly key: string;
  readonly league: League;
  /** folded city or region ("los angeles", "golden state") */
  readonly city: string;
  /** folded nickname ("lakers", "red sox") */
  readonly nickname: string;
  /** other folded nicknames ("sixers", "niners") */
  readonly nicknames: readonly string[];
  /** upper-case abbreviations, the first the usual one */
  readonly abbrs: readonly string[];
  /** other folded city forms ("la", "ny", "philly") */
  readonly cities: readonly string[];
}

// league | city[/alt city…] | nickname[/alt nickname…] | ABBR[/ALT…]
const TABLE: Readonly<Record<League, string>> = {
  nba: `
    Atlanta|Hawks|ATL; Boston|Celtics|BOS; Brooklyn|Nets|BKN/BRK/BK; Charlotte|Hornets|CHA/CHO; Chicago|Bulls|CHI;
    Cleveland|Cavaliers/Cavs|CLE; Dallas|Mavericks/Mavs|DAL; Denver|Nuggets|DEN; Detroit|Pistons|DET;
    Golden State/San Francisco|Warriors|GSW/GS; Houston|Rockets|HOU; Indiana|Pacers|IND; Los Angeles/LA|Clippers|LAC;
    Los Angeles/LA|Lakers|LAL; Memphis|Grizzlies|MEM; Miami|Heat|MIA; Milwaukee|Bucks|MIL; Minnesota|Timberwolves/Wolves|MIN;
    New Orleans|Pelicans|NOP/NO; New York/NY|Knicks|NYK/NY; Oklahoma City/OKC|Thunder|OKC; Orlando|Magic|ORL;
    Philadelphia/Philly|76ers/Sixers|PHI; Phoenix|Suns|PHX/PHO; Portland|Trail Blazers/Blazers|POR; Sacramento|Kings|SAC;
    San Antonio|Spurs|SAS/SA; Toronto|Raptors|TOR; Utah|Jazz|UTA/UTAH; Washington|Wizards|WAS/WSH`,
  nfl: `
    Arizona|Cardinals|ARI; Atlanta|Falcons|ATL; Baltimore|Ravens|BAL; Buffalo|Bills|BUF; Carolina|Panthers|CAR;
    Chicago|Bears|CHI; Cincinnati|Bengals|CIN; Cleveland|Browns|CLE; Dallas|Cowboys|DAL; Denver|Broncos|DEN;
    Detroit|Lions|DET; Green Bay|Packers|GB/GNB; Houston|Texans|HOU; Indianapolis|Colts|IND; Jacksonville|Jaguars/Jags|JAX/JAC;
    Kansas City|Chiefs|KC/KAN; Las Vegas|Raiders|LV/LVR; Los Angeles/LA|Chargers|LAC; Los Angeles/LA|Rams|LAR/LA;
    Miami|Dolphins|MIA; Minnesota|Vikings|MIN; New England|Patriots/Pats|NE/NWE; New Orleans|Saints|NO/NOR;
    New York/NY|Giants|NYG; New York/NY|Jets|NYJ; Philadelphia/Philly|Eagles|PHI; Pittsburgh|Steelers|PIT;
    San Francisco|49ers/Niners|SF/SFO; Seattle|Seahawks|SEA; Tampa Bay|Buccaneers/Bucs|TB/TAM; Tennessee|Titans|TEN;
    Washington|Commanders|WAS/WSH`,
  mlb: `
    Arizona|Diamondbacks/D-backs/Dbacks|ARI/AZ; Atlanta|Braves|ATL; Baltimore|Orioles|BAL; Boston|Red Sox|BOS;
    Chicago|Cubs|CHC; Chicago|White Sox|CWS/CHW; Cincinnati|Reds|CIN; Cleveland|Guardians|CLE; Colorado|Rockies|COL;
    Detroit|Tigers|DET; Houston|Astros|HOU; Kansas City|Royals|KC/KCR; Los Angeles/LA/Anaheim|Angels|LAA/ANA;
    Los Angeles/LA|Dodgers|LAD; Miami|Marlins|MIA; Milwaukee|Brewers|MIL; Minnesota|Twins|MIN; New York/NY|Mets|NYM;
    New York/NY|Yankees|NYY; Oakland/Sacramento/Las Vegas|Athletics/A's|ATH/OAK; Philadelphia/Philly|Phillies|PHI;
    Pittsburgh|Pirates|PIT; San Diego|Padres|SD/SDP; San Francisco|Giants|SF/SFG; Seattle|Mariners|SEA;
    St. Louis/Saint Louis|Cardinals|STL; Tampa Bay|Rays|TB/TBR; Texas|Rangers|TEX; Toronto|Blue Jays|TOR;
    Washington|Nationals|WSH/WAS`,
  nhl: `
    Anaheim|Ducks|ANA; Boston|Bruins|BOS; Buffalo|Sabres|BUF; Calgary|Flames|CGY; Carolina|Hurricanes/Canes|CAR;
    Chicago|Blackhawks|CHI; Colorado|Avalanche|COL; Columbus|Blue Jackets|CBJ; Dallas|Stars|DAL; Detroit|Red Wings|DET;
    Edmonton|Oilers|EDM; Florida|Panthers|FLA; Los Angeles/LA|Kings|LAK/LA; Minnesota|Wild|MIN; Montreal|Canadiens/Habs|MTL;
    Nashville|Predators/Preds|NSH; New Jersey|Devils|NJD/NJ; New York/NY|Islanders|NYI; New York/NY|Rangers|NYR;
    Ottawa|Senators|OTT; Philadelphia/Philly|Flyers|PHI; Pittsburgh|Penguins|PIT; San Jose|Sharks|SJS/SJ; Seattle|Kraken|SEA;
    St. Louis/Saint Louis|Blues|STL; Tampa Bay|Lightning|TBL/TB; Toronto|Maple Leafs|TOR; Utah|Mammoth/Hockey Club|UTA;
    Vancouver|Canucks|VAN; Vegas/Las Vegas|Golden Knights|VGK/VEG; Washington|Capitals|WSH/WAS; Winnipeg|Jets|WPG`,
  mls: `
    Atlanta|United|ATL; Austin|FC|ATX; Charlotte|FC|CLT; Chicago|Fire|CHI; Cincinnati|FC|CIN; Colorado|Rapids|COL;
    Columbus|Crew|CLB; Dallas|FC|DAL; D.C./DC|United|DC; Houston|Dynamo|HOU; Kansas City|Sporting|SKC;
    Los Angeles/LA|Galaxy|LA/LAG; Los Angeles/LA|LAFC|LAFC; Miami|Inter Miami|MIA; Minnesota|United|MIN; Montreal|CF|MTL;
    Nashville|SC|NSH; New England|Revolution|NE; New York/NY|Red Bulls|NY/RBNY; New York/NY|City FC|NYC;
    Orlando|City|ORL; Philadelphia|Union|PHI; Portland|Timbers|POR; Salt Lake|Real|RSL; San Diego|FC|SD; San Jose|Earthquakes|SJ;
    Seattle|Sounders|SEA; St. Louis|City|STL; Toronto|FC|TOR; Vancouver|Whitecaps|VAN`,
  epl: `
    Arsenal|Arsenal|ARS; Aston Villa|Villa|AVL; Bournemouth|Cherries|BOU; Brentford|Brentford|BRE; Brighton|Seagulls|BHA;
    Burnley|Clarets|BUR; Chelsea|Chelsea|CHE; Crystal Palace|Palace|CRY; Everton|Toffees|EVE; Fulham|Fulham|FUL;
    Leeds|Leeds United|LEE; Liverpool|Liverpool|LIV; Manchester|City|MCI/MNC; Manchester|United|MUN/MNU;
    Newcastle|Newcastle United|NEW; Nottingham|Forest|NFO; Sunderland|Sunderland|SUN; Tottenham|Spurs/Hotspur|TOT;
    West Ham|Hammers|WHU; Wolverhampton|Wolves|WOL`,
};

/** Lower case, diacritics gone, punctuation but inner hyphens and apostrophes dropped, spaces single. */
export function foldName(s: string): string {
  return s.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().replace(/[’`´']/g, '').replace(/[^\p{L}\p{N}\- ]+/gu, ' ').replace(/\s+/g, ' ').trim();
}

export const TEAMS: readonly Team[] = (() => {
  const out: Team[] = [];
  for (const league of LEAGUES) {
    for (const row of TABLE[league].split(';')) {
      const [cityPart, nickPart, abbrPart] = row.trim().split('|').map((x) => x.trim());
      if (!cityPart || !nickPart || !abbrPart) continue;
      const cities = cityPart.split('/').map(foldName);
      const nicks = nickPart.split('/').map(foldName);
      const abbrs = abbrPart.split('/');
      out.push({ key: `${league}:${abbrs[0]}`, league, city: cities[0]!, nickname: nicks[0]!, nicknames: nicks.slice(1), abbrs, cities: cities.slice(1) });
    }
  }
  return out;
})();

/**
 * Nicknames that are too generic to name a team on their own ("FC", "City", "United" of the MLS
 * and Premier League rows): only the city, or city + nickname, names those clubs.
 */
const GENERIC_NICKS: ReadonlySet<string> = new Set(['fc', 'sc', 'cf', 'city', 'united', 'real', 'sporting', 'union', 'hockey club', 'city fc']);

const nicksOf = (t: Team): readonly string[] => [t.nickname, ...t.nicknames];
const citiesOf = (t: Team): readonly string[] => [t.city, ...t.cities];
/** Initials a venue may write after a shared city: the nickname's first letter, or its words' initials ("WS"). */
const initialsOf = (t: Team): string[] => {
  const out = new Set<string>();
  for (const n of nicksOf(t)) {
    const words = n.split(/[\s-]+/).filter(Boolean);
    if (!words.length) continue;
    out.add(words[0]![0]!);
    if (words.length > 1) out.add(words.map((w) => w[0]).join(''));
  }
  return [...out];
};

/** folded form → teams, for nicknames, cities, full names and "City Initial". */
const BY_NAME: ReadonlyMap<string, readonly Team[]> = (() => {
  const m = new Map<string, Team[]>();
  const add = (k: string, t: Team): void => {
    const l = m.get(k) ?? [];
    if (!l.includes(t)) l.push(t);
    m.set(k, l);
  };
  for (const t of TEAMS) {
    for (const c of citiesOf(t)) {
      add(c, t);
      for (const n of nicksOf(t)) add(n === c ? c : `${c} ${n}`, t);
      for (const i of initialsOf(t)) add(`${c} ${i}`, t);
    }
    for (const n of nicksOf(t)) if (!GENERIC_NICKS.has(n)) add(n, t);
  }
  return m;
})();

/** abbreviation (upper case) → teams */
const BY_ABBR: ReadonlyMap<string, readonly Team[]> = (() => {
  const m = new Map<string, Team[]>();
  for (const t of TEAMS) for (const a of t.abbrs) m.set(a, [...(m.get(a) ?? []), t]);
  return m;
})();

/** The teams a name may denote (empty when it names none), within `league` when given. */
export function teamCandidates(name: string, league?: League): readonly Team[] {
  const k = foldName(name).replace(/^the /, '');
  const all = BY_NAME.get(k) ?? BY_NAME.get(k.replace(/-/g, ' ')) ?? [];
  return league ? all.filter((t) => t.league === league) : all;
}

/** The teams an abbreviation may denote ("LAL", "nyk"), within `league` when given. */
export function teamsByAbbr(abbr: string, league?: League): readonly Team[] {
  const all = BY_ABBR.get(abbr.toUpperCase()) ?? [];
  return league ? all.filter((t) => t.league === league) : all;
}

const LEAGUE_WORDS: readonly [RegExp, League][] = [
  [/\b(?:nba|pro(?:fessional)? basketball|basketball)\b/i, 'nba'],
  [/\b(?:nfl|pro(?:fessional)? football|super bowl|afc|nfc)\b/i, 'nfl'],
  [/\b(?:mlb|pro(?:fessional)? baseball|baseball|world series)\b/i, 'mlb'],
  [/\b(?:nhl|pro(?:fessional)? hockey|hockey|stanley cup)\b/i, 'nhl'],
  [/\b(?:mls|major league soccer)\b/i, 'mls'],
  [/\b(?:epl|premier league)\b/i, 'epl'],
];
/** Kalshi series tickers (KXNBAGAME, KXMLBGAME, …) and Polymarket slugs (nba-lal-bos-…). */
const LEAGUE_IDS = /(?:^|[^a-z])(?:kx)?(nba|nfl|mlb|nhl|mls|epl)/i;

/**
 * The league a text names, when exactly one: words ("NBA", "Pro Basketball", "Stanley Cup") or a
 * ticker or slug prefix. undefined when it names none or several.
 */
export function leagueOf(text: string, id?: string): League | undefined {
  if (id) {
    const m = LEAGUE_IDS.exec(id.slice(0, 200));
    if (m) return m[1]!.toLowerCase() as League;
  }
  const t = text.slice(0, 4_000);
  const found = new Set<League>();
  for (const [re, l] of LEAGUE_WORDS) if (re.test(t)) found.add(l);
  // "football" alone is the NFL in US venues' sports text only when nothing else is named
  return found.size === 1 ? [...found][0] : undefined;
}

/** The leagues a set of candidate teams lies in. */
const leaguesOf = (ts: readonly Team[]): Set<League> => new Set(ts.map((t) => t.league));

export type TeamRelation = 'same' | 'different' | 'ambiguous';

/**
 * Whether two names denote the same team. `league` narrows both (from the records' text); without
 * it, a name that lies in one league only (a nickname: "Knicks") sets it for the other ("New York"
 * → the Knicks). undefined when either name denotes no team, or when both are written alike and no
 * league is known (two records naming "New York" in an election are not about teams).
 */
export function teamRelation(x: string, y: string, league?: League): TeamRelation | undefined {
  const cx0 = teamCandidates(x);
  const cy0 = teamCandidates(y);
  if (!cx0.length || !cy0.length) return undefined;
  let l = league;
  if (!l) {
    const lx = leaguesOf(cx0);
    const ly = leaguesOf(cy0);
    if (lx.size === 1 && ly.has([...lx][0]!)) l = [...lx][0];
    else if (ly.size === 1 && lx.has([...ly][0]!)) l = [...ly][0];
  }
  if (!l && foldName(x) === foldName(y)) return undefined;
  const cx = l ? cx0.filter((t) => t.league === l) : cx0;
  const cy = l ? cy0.filter((t) => t.league === l) : cy0;
  if (!cx.length || !cy.length) return l && (cx.length || cy.length) ? 'different' : undefined;
  const shared = cx.filter((t) => cy.includes(t));
  if (!shared.length) return 'different';
  if (cx.length === 1 && cy.length === 1) return 'same';
  return 'ambiguous';
}

/** A team named in a text, with every team the words may denote. */
export interface TeamMention {
  readonly text: string;
  readonly teams: readonly Team[];
}

const CAP_WORD = /^(?:\p{Lu}[\p{L}\p{N}'’.-]*|\d{2}ers|[A-Z]{1,3})$/u;

/**
 * Teams a title names: the longest run of words (up to four) that resolves to a team, written with
 * capitals ("Los Angeles L", "Red Sox", "Heat"), within `league` when given, and, when the league is
 * known, an upper-case abbreviation ("LAL @ BOS"). A run whose teams lie outside the league is dropped.
 */
export function teamMentions(title: string, league?: League): TeamMention[] {
  const words = title.slice(0, 1_000).split(/\s+/).map((w) => w.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '')).filter(Boolean);
  const out: TeamMention[] = [];
  for (let i = 0; i < words.length; ) {
    let hit: TeamMention | undefined;
    let len = 0;
    for (let n = Math.min(4, words.length - i); n >= 1; n--) {
      const span = words.slice(i, i + n);
      if (!CAP_WORD.test(span[0]!)) break;
      if (!span.every((w, k) => CAP_WORD.test(w) || (k > 0 && /^(?:of|st)$/i.test(w)))) continue;
      const text = span.join(' ');
      // an abbreviation ("LAL", "NYK") only within a known league: "US", "CPI", "GDP" are not teams
      const teams = teamCandidates(text, league).length || n > 1 || !league || !/^[A-Z]{2,4}$/.test(text) ? teamCandidates(text, league) : teamsByAbbr(text, league);
      if (teams.length) {
        hit = { text, teams };
        len = n;
        break;
      }
    }
    if (hit) {
      out.push(hit);
      i += len;
    } else i++;
  }
  return out;
}
