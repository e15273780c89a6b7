/**
 * The subject of a question (who or what it is about) and, for elections and tournaments, the
 * round, read open-ended from the question's grammar rather than from a list of known names:
 *
 *   "Will <SUBJECT> win/be/reach …?"          Polymarket questions, Kalshi market titles
 *   "<SUBJECT> above $X on …?", "<SUBJECT> to win …"
 *   "<event title> — <yes_sub_title>"         Kalshi records (the YES subtitle names the subject)
 *   "<A> vs. <B>", "<A> at <B>"               head-to-head games (the subject is the pair)
 *   "Will <ACTOR> nominate <OBJECT> …?"       the object is the subject
 *   "<OWNER>'s <quantity>"                    "Trump's approval rating", "Freddie Mac IPO"
 *
 * Names are compared after normalisation (case, diacritics, punctuation, honorifics,
 * possessives, company suffixes) with general alias rules: a surname or a team nickname matches
 * the full name ("Trump" ~ "Donald Trump"), a city matches city + team ("Kansas City" ~ "Kansas
 * City Chiefs"), an initial matches a word ("Los Angeles D" ~ "Los Angeles Dodgers", "J.D. Vance"
 * ~ "James David Vance"), an acronym matches the initials ("NYC" ~ "New York City"), and a name
 * written short in the title is expanded by the longer form its own rules text uses ("Lakers" →
 * "Los Angeles Lakers"). Country names come from the runtime's ISO region names (Intl), not a
 * hand list; only a few closed-class vocabularies are spelled out (quantity nouns, party names,
 * crypto tickers, honorifics, and market/economic indicators: a Treasury tenor, an index, a
 * commodity grade, an FX pair, an economic print — see {@link indicatorsOf}).
 *
 * Market text is data: everything here reads at most {@link MAX_TEXT} characters of a field,
 * and every pattern is a flat token test or an unnested regular expression, so hostile text
 * costs linear time.
 */
import type { GuardInput, GuardResult } from './guards.js';
import { sanitizeText } from './sanitize.js';
import { leagueOf, teamRelation, type League } from './teams.js';

/** Characters of a title (or of rules text, for aliases) that extraction reads; titles are far shorter. */
export const MAX_TEXT = 1_000;
const MAX_RULES = 2_000;

export type SubjectKind = 'person' | 'team' | 'company' | 'country' | 'asset' | 'quantity' | 'other';

export interface Subject {
  readonly kind: SubjectKind;
  /** normalised key: `entity`, `metric`, `entity/metric`, or the sorted members joined by ` | ` */
  readonly key: string;
  /** the text it was read from, as written */
  readonly text: string;
  /** normalised name of who/what the question is about (the owner when a quantity is asked) */
  readonly entity?: string;
  /** normalised quantity ("cpi", "unemployment", "mortgage", "ipo", "approval") */
  readonly metric?: string;
  /** qualifiers of the quantity that change it ("core", "yoy", "mom", "30y") */
  readonly qualifiers?: readonly string[];
  /** the two sides of a head-to-head ("A vs B") or a joint subject ("A and B") */
  readonly members?: readonly Subject[];
  /** token lists the entity is known by: its normalised name, then longer forms from the rules */
  readonly names?: readonly (readonly string[])[];
  /** an event with no named actor ("Will there be a US government shutdown …"): its head noun ("shutdown") */
  readonly head?: string;
  /**
   * how the members are joined: 'game' (a head-to-head, "A vs B", "A at B": one side named alone is a
   * side of it) or 'and' (a joint actor, "A and B meet": the same set of members on both sides, no fewer)
   */
  readonly joint?: 'game' | 'and';
  /** the sports league the record is about, when its ticker, slug or text names one (team names resolve within it) */
  readonly league?: League;
  /** a person's name suffix as the question writes it ("jr", "sr", "ii", "iii", "iv"): "Donald Trump Jr." is not "Donald Trump" */
  readonly suffix?: string;
  /** name suffixes the record's own text (title, rules) writes after a name of the subject */
  readonly textSuffixes?: readonly string[];
}

export type Stage =
  | 'primary' | 'runoff' | 'round1' | 'round2' | 'nomination' | 'general'
  | 'final' | 'semifinal' | 'quarterfinal' | 'group' | 'overall' | `round-of-${number}`
  /** qualifying for a final or a title game ("make the CFP National Championship game"), not winning it */
  | 'reach-final';

/** The stage of an election or tournament a question is about. */
export interface Round {
  readonly stage: Stage;
  /** 'democratic', 'republican', … when the stage is a party's (primary, nomination) */
  readonly party?: string;
  /** 'president', 'vp', 'senate', 'house', 'governor', 'mayor', 'pm' when an election names it */
  readonly office?: string;
  /** the words it was read from */
  readonly text: string;
}

// ---------------------------------------------------------------------------------------------
// vocabularies (closed classes of grammar words, not lists of subjects)

const set = (s: string): ReadonlySet<string> => new Set(s.split(/\s+/).filter(Boolean));

const MONTHS = set('jan january feb february mar march apr april may jun june jul july aug august sep sept september oct october nov november dec december');
const WEEKDAYS = set('monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun');
/** Words that end a noun phrase even when written in capitals (title case): verbs, prepositions, wh-words. */
const VERBS = set(`win wins won be is are was become becomes reach reaches hit hits beat beats lose loses control controls remain remains stay
  get gets make makes have has announce announces sign signs say says close closes finish finishes end ends drop drops fall falls rise rises
  increase increases decrease decreases cut cuts raise raises hike hikes pass passes file files launch launches acquire acquires buy buys
  sell sells nominate nominates appoint appoints pick picks choose chooses name names select selects endorse endorses pardon pardons meet
  meets visit visits attend attends resign resigns run runs qualify qualifies advance advances score scores lead leads top tops exceed
  exceeds trade trades open opens default defaults invade invades strike strikes attack attacks declare declares recognize recognizes ban
  bans approve approves face faces receive receives release releases hold holds leave leaves go goes out-earn outperform sweep sweeps
  finish place places land lands confirm confirms fire fires veto vetoes capture captures take takes enter enters return returns`);
const PREPS = set('in on by at for before after during from to above below over under between than vs vs. v v. versus with without as or of via per into since until through');
const WH = set('who what which how when where whose');
const AUX = set('will would does do did is are can could should shall');
const DETERMINERS = set('the a an');
/** Verbs whose object, not their grammatical subject, is what a multi-outcome question varies. */
const OBJECT_VERBS = set(`nominate nominates appoint appoints pick picks choose chooses name names select selects endorse endorses pardon pardons acquire acquires
  buy buys hire hires fire fires remove removes oust ousts replace replaces impeach impeaches indict indicts arrest arrests sue sues pass passes`);
/** Capitalised words that are not names. */
const NOT_NAMES = set('will who what which how when where yes no up down winner winners game match odds spread total moneyline before after by et pm am utc est edt pst pdt if');
/** Outcome labels that say which way, not who (Kalshi YES subtitles such as "Above 2.8%", "Change"). */
const DIRECTIONS = set('yes no above below over under up down higher lower more less fewer between exactly change unchanged hold cut hike increase decrease tie draw other none any neither both');
/** Head nouns of quantities. */
const METRIC_WORDS = set(`price prices rate rates inflation cpi ppi pce gdp growth unemployment jobless payroll payrolls jobs approval rating ratings
  favorability yield yields index cap capitalization valuation revenue revenues earnings eps sales deliveries temperature temperatures ipo
  mortgage mortgages gas gasoline oil hashrate dominance claims deficit debt seats turnout stock shares interest consumer funds market volume
  supply production output level levels reading number figure range`);
/** Words that name no quantity of their own once another quantity word is present ("GDP growth" = "GDP"). */
const GENERIC_METRIC = set('price prices rate rates growth level levels rating ratings number figure reading stock shares index market consumer funds range');
const MODIFIERS: Readonly<Record<string, string | null>> = {
  annual: 'yoy', annualized: 'yoy', yearly: 'yoy', 'year-over-year': 'yoy', yoy: 'yoy', 'y/y': 'yoy',
  monthly: 'mom', 'month-over-month': 'mom', mom: 'mom', 'm/m': 'mom',
  quarterly: 'qoq', 'quarter-over-quarter': 'qoq', qoq: 'qoq',
  core: 'core', weekly: 'weekly', daily: 'daily', initial: 'initial', continuing: 'continuing',
  // the extreme of a day's reading ("highest temperature", "low temperature"): another quantity than the other extreme
  highest: 'high', high: 'high', maximum: 'high', lowest: 'low', low: 'low', minimum: 'low',
  headline: null, national: null, average: null, real: null, nominal: null, seasonally: null, adjusted: null, official: null,
};
const METRIC_ALIASES: Readonly<Record<string, string>> = {
  inflation: 'cpi', 'consumer price': 'cpi', 'consumer price index': 'cpi', jobless: 'unemployment', 'gross domestic product': 'gdp',
  gasoline: 'gas', interest: 'interest rate', mortgages: 'mortgage', 'market cap': 'market cap', capitalization: 'market cap', valuation: 'market cap',
};
const HONORIFICS = set('mr mrs ms miss dr sen senator gov governor rep representative president pres vice sir dame lord lady king queen prince princess pope judge secretary sec chancellor mayor gen col speaker leader former');
/** Titles written before a full name ("the Fed governor Lisa Cook", "Prime Minister Keir Starmer"): the name follows. */
const APPOSITIVES = new Set([...HONORIFICS, 'chair', 'chairman', 'chairwoman', 'ceo', 'founder', 'minister', 'premier', 'commissioner', 'nominee', 'candidate']);
const NAME_SUFFIXES = set('jr sr ii iii iv');
const COMPANY_SUFFIXES = set('inc incorporated corp corporation co company ltd limited llc plc sa ag nv se gmbh holdings group');
const PARTIES: Readonly<Record<string, string>> = {
  democrats: 'democratic party', democrat: 'democratic party', democratic: 'democratic party', 'democratic party': 'democratic party', dems: 'democratic party', dem: 'democratic party',
  republicans: 'republican party', republican: 'republican party', 'republican party': 'republican party', gop: 'republican party',
  labour: 'labour party', 'labour party': 'labour party', conservatives: 'conservative party', conservative: 'conservative party', 'conservative party': 'conservative party', tories: 'conservative party',
};
const CRYPTO: Readonly<Record<string, string>> = {
  bitcoin: 'bitcoin', btc: 'bitcoin', xbt: 'bitcoin', ethereum: 'ethereum', eth: 'ethereum', ether: 'ethereum', solana: 'solana', sol: 'solana',
  dogecoin: 'dogecoin', doge: 'dogecoin', xrp: 'xrp', ripple: 'xrp', cardano: 'cardano', ada: 'cardano', litecoin: 'litecoin', ltc: 'litecoin',
  bnb: 'bnb', avalanche: 'avalanche', avax: 'avalanche', chainlink: 'chainlink', link: 'chainlink', polkadot: 'polkadot', dot: 'polkadot',
  'bitcoin cash': 'bitcoin cash', bch: 'bitcoin cash', 'shiba inu': 'shiba inu', shib: 'shiba inu', tron: 'tron', trx: 'tron', stellar: 'stellar', xlm: 'stellar',
  hyperliquid: 'hyperliquid', hype: 'hyperliquid', toncoin: 'toncoin', ton: 'toncoin', sui: 'sui', pepe: 'pepe', monero: 'monero', xmr: 'monero',
};
/** The assets of {@link CRYPTO}: two of them are two subjects, whatever their spelling (ticker or name). */
const CRYPTO_ASSETS: ReadonlySet<string> = new Set(Object.values(CRYPTO));
/** Crypto names written out (any case) and tickers (only in capitals: "SOL", "LINK", "DOT", "TON" are words too), longest first. */
const CRYPTO_NAME_RE = /(?<![\p{L}\p{N}])(bitcoin cash|shiba inu|bitcoin|ethereum|ether|solana|dogecoin|ripple|cardano|litecoin|avalanche|chainlink|polkadot|toncoin|hyperliquid|stellar|monero|tron)(?![\p{L}\p{N}])/giu;
const CRYPTO_TICKER_RE = /(?<![\p{L}\p{N}])\$?(BTC|XBT|ETH|SOL|XRP|DOGE|ADA|LTC|BNB|AVAX|LINK|DOT|BCH|SHIB|TRX|XLM|HYPE|TON|SUI|PEPE|XMR)(?![\p{L}\p{N}])/gu;

/**
 * The one crypto asset a text names (a name in any case, a ticker in capitals, "BTC/USDT" included),
 * as an asset subject; undefined when it names none or more than one. The fallback when the grammar
 * finds no subject ("Will the price of ETH be between …", "Dip to $80k: BTC?").
 */
function cryptoSubject(text: string): Subject | undefined {
  const found = new Map<string, string>();
  for (const re of [CRYPTO_NAME_RE, CRYPTO_TICKER_RE]) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m && found.size < 3; m = re.exec(text)) {
      const key = CRYPTO[m[1]!.toLowerCase()];
      if (key && !found.has(key)) found.set(key, m[1]!);
    }
  }
  if (found.size !== 1) return undefined;
  const [key, written] = [...found][0]!;
  const alias = fold(written);
  return { kind: 'asset', key, text: written, entity: key, names: alias === key ? [key.split(' ')] : [[alias], key.split(' ')] };
}
const INSTITUTIONS: Readonly<Record<string, string>> = { fed: 'federal reserve', 'federal reserve': 'federal reserve', fomc: 'federal reserve', 'the fed': 'federal reserve', ecb: 'european central bank', boe: 'bank of england', boj: 'bank of japan' };

/** Lower case, diacritics and punctuation gone (letters, digits, &, $ and inner hyphens/slashes kept). */
export function fold(s: string): string {
  return s.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().replace(/[’`´]/g, "'").replace(/[^\p{L}\p{N}&$\-/' ]+/gu, '').replace(/'/g, '').replace(/^-+|-+$/g, '');
}

/** Country names (English, folded) → one key, from the runtime's ISO 3166 region names plus common short forms. */
const COUNTRIES: ReadonlyMap<string, string> = (() => {
  const m = new Map<string, string>();
  const add = (name: string, key: string): void => void m.set(fold(name).replace(/\s+/g, ' '), key);
  try {
    const dn = new Intl.DisplayNames(['en'], { type: 'region' });
    const A = 'A'.charCodeAt(0);
    for (let i = 0; i < 26; i++) {
      for (let j = 0; j < 26; j++) {
        const code = String.fromCharCode(A + i, A + j);
        const name = dn.of(code);
        if (name && name !== code) add(name, fold(name));
      }
    }
  } catch {
    // a runtime without region names: the short forms below still work
  }
  for (const [alias, name] of [
    ['us', 'United States'], ['usa', 'United States'], ['u.s.', 'United States'], ['u.s.a.', 'United States'], ['america', 'United States'],
    ['united states of america', 'United States'], ['uk', 'United Kingdom'], ['u.k.', 'United Kingdom'], ['britain', 'United Kingdom'],
    ['great britain', 'United Kingdom'], ['uae', 'United Arab Emirates'], ['prc', 'China'], ['south korea', 'South Korea'], ['north korea', 'North Korea'],
    ['russian federation', 'Russia'], ['czech republic', 'Czechia'], ['holland', 'Netherlands'], ['the netherlands', 'Netherlands'],
  ] as const) add(alias, fold(name));
  return m;
})();

// ---------------------------------------------------------------------------------------------
// tokens

interface Tok {
  /** as written, outer punctuation trimmed */
  readonly w: string;
  /** folded */
  readonly lc: string;
  /** starts with an upper-case letter or is a $ticker */
  readonly cap: boolean;
  /** punctuation that ends a phrase (: ? ; ! ,) follows it */
  readonly stop: boolean;
  /** written as a possessive ("Trump's") */
  readonly poss: boolean;
  /** a dash or bar standing alone */
  readonly bar: boolean;
}

const isLetter = (c: string): boolean => /\p{L}/u.test(c);
/** A name that opens with digits ("49ers", "76ers", "3M"): a name word, not a number. */
const DIGIT_NAME = /^\d{1,3}(?:ers|\p{Lu}[\p{L}]*)$/u;
const isUpper = (c: string): boolean => /\p{Lu}/u.test(c);

function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  for (const m of text.matchAll(/\S+/g)) {
    let w = m[0];
    if (/^[—–\-|/]+$/.test(w)) {
      out.push({ w, lc: '', cap: false, stop: true, poss: false, bar: true });
      continue;
    }
    // trim outer punctuation by hand (a regex anchored at the end would rescan long runs)
    let s = 0;
    let e = w.length;
    while (s < e && !/[\p{L}\p{N}$]/u.test(w[s]!)) s++;
    let stop = false;
    while (e > s && !/[\p{L}\p{N}.]/u.test(w[e - 1]!)) {
      if (':?;!,'.includes(w[e - 1]!)) stop = true;
      e--;
    }
    w = w.slice(s, e);
    // a lone trailing period ends a phrase unless the word is an abbreviation ("U.S.", "Inc.", "Jr.", "vs.")
    if (w.endsWith('.') && !/\.\S*\./.test(w) && w.length > 4 && !isUpper(w[0] ?? '')) stop = true;
    if (!w) continue;
    let poss = false;
    if (/['’]s$/i.test(w)) {
      poss = true;
      w = w.slice(0, -2);
    } else if (/s['’]$/.test(w)) {
      poss = true;
      w = w.slice(0, -1);
    }
    const lc = fold(w.replace(/\.$/, '')).replace(/\./g, '');
    const first = w[0] ?? '';
    // "d'Ivoire", "l'Aquila": an elided particle before a capital is part of the name
    const cap = isUpper(first) || (first === '$' && isLetter(w[1] ?? '')) || /^\p{Ll}['’]\p{Lu}/u.test(w) || DIGIT_NAME.test(w);
    out.push({ w, lc, cap, stop, poss, bar: false });
  }
  return out;
}

const isYear = (t: Tok): boolean => /^(19|20)\d\d$/.test(t.lc);
const isMetricWord = (t: Tok): boolean => METRIC_WORDS.has(t.lc) || t.lc in MODIFIERS || /^\d+-(?:year|month|day|week)$/.test(t.lc);
/** A word that can be part of a name: capitalised, not a verb/preposition/month/wh-word. */
const nameWord = (t: Tok): boolean =>
  t.cap && !t.bar && !VERBS.has(t.lc) && !PREPS.has(t.lc) && !WH.has(t.lc) && !AUX.has(t.lc) && !MONTHS.has(t.lc) && !WEEKDAYS.has(t.lc) && !NOT_NAMES.has(t.lc) && !isYear(t);

/**
 * The noun phrase starting at `i`: an optional determiner, then name words, quantity words,
 * modifiers, a connector between name words ("Bank of England"), and a short number after a
 * name ("S&P 500"). Stops at a verb, a preposition, a lower-case word or phrase punctuation.
 */
function nounPhrase(toks: readonly Tok[], i: number, max = 8): { words: Tok[]; end: number } {
  let j = i;
  while (j < toks.length && DETERMINERS.has(toks[j]!.lc) && !toks[j]!.stop) j++;
  // "the June 2026 unemployment rate", "the 2026 midterms": a date before the noun is not part of it
  while (j < toks.length - 1 && !toks[j]!.stop && (isYear(toks[j]!) || (MONTHS.has(toks[j]!.lc) && isYear(toks[j + 1]!)))) j++;
  let words: Tok[] = [];
  for (; j < toks.length && words.length < max; j++) {
    const t = toks[j]!;
    const prev = words[words.length - 1];
    const next = toks[j + 1];
    const after = toks[j + 2];
    if (APPOSITIVES.has(t.lc) && !t.stop && next && after && nameWord(next) && nameWord(after) && !APPOSITIVES.has(next.lc) && !next.stop) {
      words = [];
      continue;
    }
    const ok =
      nameWord(t) ||
      isMetricWord(t) ||
      (prev !== undefined && !prev.stop && !prev.poss && /^(of|de|del|da|la|van|von|der|&)$/.test(t.lc) && next !== undefined && nameWord(next)) ||
      (prev !== undefined && prev.cap && /^\d{1,4}$/.test(t.lc) && !isYear(t));
    if (!ok) break;
    words.push(t);
    if (t.stop) {
      j++;
      break;
    }
  }
  return { words, end: j };
}

// ---------------------------------------------------------------------------------------------
// names

/** Name words → normalised tokens: honorifics, "the", suffixes (Jr., Inc.) gone; a person's suffix kept apart. */
function nameTokens(words: readonly Tok[]): { tokens: string[]; company: boolean; suffix?: string } {
  let tokens = words.map((w) => w.lc).filter(Boolean);
  while (tokens.length > 1 && (HONORIFICS.has(tokens[0]!) || DETERMINERS.has(tokens[0]!))) tokens = tokens.slice(1);
  let company = false;
  let suffix: string | undefined;
  while (tokens.length > 1 && (NAME_SUFFIXES.has(tokens[tokens.length - 1]!) || COMPANY_SUFFIXES.has(tokens[tokens.length - 1]!))) {
    const last = tokens[tokens.length - 1]!;
    if (COMPANY_SUFFIXES.has(last)) company = true;
    else suffix ??= last;
    tokens = tokens.slice(0, -1);
  }
  return { tokens: tokens.map((t) => t.replace(/^\$/, '')), company, ...(suffix && !company ? { suffix } : {}) };
}

/** A name's canonical key and kind where a closed vocabulary knows it (party, country, crypto, central bank). */
function canonicalName(tokens: readonly string[]): { key: string; kind?: SubjectKind } {
  const joined = tokens.join(' ');
  const bare = joined.replace(/-/g, ' ');
  if (PARTIES[joined]) return { key: PARTIES[joined], kind: 'other' };
  if (INSTITUTIONS[joined]) return { key: INSTITUTIONS[joined], kind: 'other' };
  if (CRYPTO[joined]) return { key: CRYPTO[joined], kind: 'asset' };
  // "Cardano (ADA)", "Ethereum ETH": a name and its own ticker
  if (tokens.length === 2 && CRYPTO[tokens[0]!] && CRYPTO[tokens[0]!] === CRYPTO[tokens[1]!]) return { key: CRYPTO[tokens[0]!]!, kind: 'asset' };
  const c = COUNTRIES.get(joined) ?? COUNTRIES.get(bare) ?? (tokens.length > 1 && tokens.every((t) => t.length === 1) ? COUNTRIES.get(tokens.join('')) : undefined);
  if (c) return { key: c, kind: 'country' };
  return { key: joined };
}

/**
 * A name word's spelling with the usual transliteration variants merged: a doubled letter single,
 * a final -yy/-iy/-ij/-yi as -y ("Zelenskyy", "Zelenskiy" → "zelensky"), "kh" as "h". Diacritics
 * are already gone (fold: "Erdoğan" → "erdogan").
 */
const translit = (w: string): string => w.replace(/(?:yy|iy|ij|yi|ii)$/, 'y').replace(/kh/g, 'h').replace(/(.)\1+/g, '$1');

/** Edit distance of two short strings, stopping once it passes `max`. */
function editDistance(x: string, y: string, max: number): number {
  if (Math.abs(x.length - y.length) > max) return max + 1;
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= y.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
      best = Math.min(best, cur[j]!);
    }
    if (best > max) return max + 1;
    prev = cur;
  }
  return prev[y.length]!;
}

/**
 * Two name words are one spelling of the same name: equal; equal after the transliteration rules
 * (words of 5+ letters); or, for long words (8+ letters, the same first letter), one edit apart
 * ("Netanyahu" / "Netanyahou"). Short words never match loosely: "Cruz" is not "Cruise".
 */
export function sameNameWord(x: string, y: string): boolean {
  if (x === y) return true;
  if (x.length < 5 || y.length < 5 || x.length > 30 || y.length > 30 || /\d/.test(x) || /\d/.test(y)) return false;
  const tx = translit(x);
  const ty = translit(y);
  if (tx === ty) return true;
  return tx.length >= 8 && ty.length >= 8 && tx[0] === ty[0] && editDistance(tx, ty, 1) <= 1;
}

const tokMatch = (x: string, y: string): boolean => sameNameWord(x, y) || (x.length === 1 && y.startsWith(x)) || (y.length === 1 && x.startsWith(y));
const fullWords = (xs: readonly string[]): number => xs.filter((x) => x.length > 1).length;

function alignedAt(s: readonly string[], l: readonly string[], at: number): boolean {
  let exact = 0;
  for (let k = 0; k < s.length; k++) {
    if (!tokMatch(s[k]!, l[at + k]!)) return false;
    if (s[k]!.length > 1 && l[at + k]!.length > 1) exact++;
  }
  return exact > 0;
}

/**
 * A name's abbreviated words spelled out by their place in the name: a last "St." is "State"
 * ("Ohio St." ~ "Ohio State", a school), a first "St." is "Saint" ("St. Louis"), a first "Mt." /
 * "Ft." is "Mount" / "Fort". A one-word name is left as written. Returns the input when nothing changes.
 */
const ABBR_FIRST: Readonly<Record<string, string>> = { st: 'saint', mt: 'mount', ft: 'fort' };
const ABBR_LAST: Readonly<Record<string, string>> = { st: 'state', univ: 'university' };
function expandAbbreviations(xs: readonly string[]): readonly string[] {
  if (xs.length < 2) return xs;
  const FIRST = ABBR_FIRST;
  const LAST = ABBR_LAST;
  const first = FIRST[xs[0]!];
  const last = LAST[xs[xs.length - 1]!];
  if (!first && !last) return xs;
  return xs.map((t, k) => (k === 0 && first ? first : k === xs.length - 1 && last ? last : t));
}

/** Two folded words are a name word and its usual abbreviation ("st" / "state", "st" / "saint", "mt" / "mount"), either way. */
export function abbreviates(x: string, y: string): boolean {
  const one = (a: string, b: string): boolean => ABBR_FIRST[a] === b || ABBR_LAST[a] === b;
  return one(x, y) || one(y, x);
}

/** Short leading tokens written as initials ("jd vance") spelled out ("j d vance"). */
const spellInitials = (xs: readonly string[]): string[] =>
  xs.flatMap((x, i) => (i < xs.length - 1 && xs.length > 1 && /^[a-z]{2,3}$/.test(x) && !/[aeiou]/.test(x) ? [...x] : [x]));

/**
 * Two names (normalised token lists) denote the same entity under the general alias rules:
 * equal; an acronym of the other's initials; the shorter aligned with the start (city ~ city +
 * team) or the end (surname ~ full name) of the longer; a single letter standing for a word.
 */
export function namesAgree(x: readonly string[], y: readonly string[]): boolean {
  if (!x.length || !y.length) return false;
  if (x.join(' ') === y.join(' ')) return true;
  const ex = expandAbbreviations(x);
  const ey = expandAbbreviations(y);
  if (ex !== x || ey !== y) return namesAgree(ex, ey);
  if (x.length === y.length && x.every((t, k) => sameNameWord(t, y[k]!))) return true;
  const acronym = (a: readonly string[], b: readonly string[]): boolean => a.length === 1 && b.length > 1 && a[0]!.length === b.length && b.map((t) => t[0]).join('') === a[0];
  if (acronym(x, y) || acronym(y, x)) return true;
  const tryAlign = (a: readonly string[], b: readonly string[]): boolean => {
    const [s, l] = a.length <= b.length ? [a, b] : [b, a];
    if (!fullWords(s)) return false;
    if (s.length === l.length) return alignedAt(s, l, 0);
    // "Michigan" is not "Michigan State": a trailing "State" names another school, not a team of the place
    const school = l[l.length - 1] === 'state' && s[s.length - 1] !== 'state';
    return (!school && alignedAt(s, l, 0)) || alignedAt(s, l, l.length - s.length);
  };
  if (tryAlign(x, y)) return true;
  const xi = spellInitials(x);
  const yi = spellInitials(y);
  return (xi.length !== x.length || yi.length !== y.length) && tryAlign(xi, yi);
}

// ---------------------------------------------------------------------------------------------
// quantities

const singular = (w: string): string =>
  w.length > 4 && w.endsWith('ies') ? `${w.slice(0, -3)}y` : w.length > 3 && w.endsWith('s') && !w.endsWith('ss') && w !== 'gas' && w !== 'sales' && w !== 'earnings' && w !== 'claims' ? w.slice(0, -1) : w;

function metricOf(words: readonly Tok[]): { metric?: string; qualifiers: string[] } {
  const qualifiers = new Set<string>();
  const heads: string[] = [];
  for (const t of words) {
    const mod = MODIFIERS[t.lc];
    const span = /^(\d+)-(year|month|day|week)$/.exec(t.lc);
    if (span) qualifiers.add(`${span[1]}${span[2]![0]}`);
    else if (mod !== undefined) {
      if (mod) qualifiers.add(mod);
    } else heads.push(t.lc);
  }
  const specific = heads.filter((h) => !GENERIC_METRIC.has(h));
  const joinedAll = heads.join(' ');
  const specificJoined = specific.map(singular).join(' ');
  const rest = METRIC_ALIASES[joinedAll] ?? METRIC_ALIASES[specificJoined] ?? specificJoined;
  if (!METRIC_ALIASES[joinedAll] && heads.length && !specific.length) {
    // only generic words ("price", "rate"): the entity's default quantity
    return { qualifiers: [...qualifiers].sort() };
  }
  return { ...(rest ? { metric: rest } : {}), qualifiers: [...qualifiers].sort() };
}

// ---------------------------------------------------------------------------------------------
// subjects

const ELECTION_CONTEXT = /\b(?:election|elections|elected|presidential|president|presidency|senate|senator|governor|gubernatorial|mayor|mayoral|congress|congressional|parliament|prime minister|chancellor|nominee|nomination|primary|caucus|candidate|democratic|republican|gop|party|ballot|vote)\b/i;
const SPORTS_CONTEXT = /\b(?:game|match|vs\.?|versus|championship|champion|cup|league|series|bowl|playoffs?|finals?|tournament|open|grand prix|season|nba|nfl|mlb|nhl|mls|epl|ufc|atp|wta|fifa|uefa|team|pro (?:football|basketball|baseball|hockey))\b/i;

function kindFor(tokens: readonly string[], canonicalKind: SubjectKind | undefined, company: boolean, words: readonly Tok[], context: string): SubjectKind {
  if (canonicalKind) return canonicalKind;
  if (company) return 'company';
  if (words.some((w) => w.w.startsWith('$'))) return 'asset';
  if (ELECTION_CONTEXT.test(context) && tokens.length >= 2 && tokens.length <= 4) return 'person';
  if (SPORTS_CONTEXT.test(context)) return tokens.length <= 3 ? 'team' : 'other';
  return 'other';
}

/** A subject from the words of a noun phrase (name words, then quantity words). */
function fromWords(words: readonly Tok[], context: string): Subject | undefined {
  if (!words.length) return undefined;
  // the owner is the name words before the first quantity word; "US" is a name word
  const firstMetric = words.findIndex((t) => isMetricWord(t) && !(t.cap && !METRIC_WORDS.has(t.lc) && !(t.lc in MODIFIERS)));
  // "the price of Ethereum", "the approval rating of Donald Trump": the owner follows "of"
  const of = firstMetric === 0 ? words.findIndex((t, k) => k > 0 && t.lc === 'of') : -1;
  const owner = of > 0 ? words.slice(of + 1) : [];
  const ownedAfter = owner.length > 0 && owner.every((t) => nameWord(t) && !isMetricWord(t));
  const nameWs = ownedAfter ? owner : firstMetric < 0 ? words : words.slice(0, firstMetric);
  const metricWs = ownedAfter ? words.slice(0, of).filter((t) => isMetricWord(t)) : firstMetric < 0 ? [] : words.slice(firstMetric).filter((t) => isMetricWord(t));
  const { tokens, company, suffix } = nameTokens(nameWs);
  const { metric, qualifiers } = metricOf(metricWs);
  const text = words.map((w) => w.w + (w.poss ? "'s" : '')).join(' ');
  if (!tokens.length && !metric) return undefined;
  if (!tokens.length) return { kind: 'quantity', key: metric!, text, metric: metric!, ...(qualifiers.length ? { qualifiers } : {}) };
  const canon = canonicalName(tokens);
  const kind = metric ? 'quantity' : kindFor(tokens, canon.kind, company, nameWs, context);
  const key = metric ? `${canon.key}/${metric}` : canon.key;
  return {
    kind, key, text, entity: canon.key,
    ...(metric ? { metric } : {}),
    ...(qualifiers.length ? { qualifiers } : {}),
    ...(suffix ? { suffix } : {}),
    names: canon.key === tokens.join(' ') ? [tokens] : [tokens, canon.key.split(' ')],
  };
}

/** Text that names who or what (a Kalshi YES subtitle, a Polymarket group item title), not a threshold or a direction. */
export function isNameLabel(s: string | undefined): s is string {
  if (!s) return false;
  const t = s.trim();
  if (!t || t.length > 80 || /[\d$%€£¢<>≥≤=+]/.test(t.split(/\s+/).filter((w) => !DIGIT_NAME.test(w)).join(' '))) return false;
  if (!isUpper(t.match(/\p{L}/u)?.[0] ?? '')) return false;
  const words = fold(t).split(/\s+/).filter(Boolean);
  if (!words.length) return false;
  return !words.every((w) => DIRECTIONS.has(w) || PREPS.has(w) || DETERMINERS.has(w));
}

/**
 * A label that is an amount the title writes as money or a count ("200M" under "… box office above
 * $200M?", "1.5B"): a threshold, not a name. A digit name the title does not write so ("3M") stays a name.
 */
function amountIn(label: string, title: string): boolean {
  const m = /^\$?(\d{1,4}(?:\.\d{1,3})?)\s?(k|m|mm|b|bn|t)$/i.exec(label.trim());
  if (!m) return false;
  if (label.trim().startsWith('$')) return true;
  const esc = `${m[1]!.replace('.', '\\.')}\\s?${m[2]!}`;
  return new RegExp(`\\$\\s?${esc}\\b|\\b${esc}\\s*(?:dollars|usd|views|followers|subscribers|units)\\b`, 'i').test(title);
}

/**
 * A name label under a question that asks a quantity of it ("Which companies will IPO in 2026? —
 * Stripe"): the label names the owner, the question the quantity.
 */
function withBaseMetric(s: Subject, base: string): Subject {
  if (s.metric || s.members || !s.entity) return s;
  const words = tokenize(base).filter((t) => METRIC_WORDS.has(t.lc) && !GENERIC_METRIC.has(t.lc));
  const { metric, qualifiers } = metricOf(words);
  if (!metric) return s;
  return { ...s, kind: 'quantity', key: `${s.entity}/${metric}`, metric, ...(qualifiers.length ? { qualifiers } : {}) };
}

/** A name label as a whole (every word kept: "Democratic party", "Los Angeles L"). */
function fromLabel(label: string, context: string): Subject | undefined {
  const toks = tokenize(label.slice(0, 200)).filter((t) => !t.bar);
  const parts: Tok[][] = [[]];
  let how: 'game' | 'and' = 'and';
  for (const t of toks) {
    if (t.lc === 'and' || t.lc === '&' || t.lc === 'vs' || t.lc === 'v' || t.lc === 'versus') {
      if (t.lc !== 'and' && t.lc !== '&') how = 'game';
      parts.push([]);
    } else parts[parts.length - 1]!.push(t);
  }
  // "Draw (Arsenal FC vs. Brentford FC)": an outcome word before the game names which way, not whom
  const first = parts[0]!;
  while (parts.length > 1 && first.length > 1 && DIRECTIONS.has(first[0]!.lc)) first.shift();
  const subs = parts.map((p) => fromWordsAll(p, context)).filter((x): x is Subject => x !== undefined);
  if (subs.length > 1) return joint(subs, label, how);
  return subs[0];
}

/** Every word of a label is part of the name, even lower-case ones, unless it is a quantity word. */
function fromWordsAll(words: readonly Tok[], context: string): Subject | undefined {
  if (!words.length) return undefined;
  if (words.some(isMetricWord)) return fromWords(words, context);
  const { tokens, company, suffix } = nameTokens(words);
  if (!tokens.length) return undefined;
  const canon = canonicalName(tokens);
  return {
    kind: kindFor(tokens, canon.kind, company, words, context), key: canon.key, text: words.map((w) => w.w).join(' '), entity: canon.key,
    ...(suffix ? { suffix } : {}),
    names: canon.key === tokens.join(' ') ? [tokens] : [tokens, canon.key.split(' ')],
  };
}

function joint(members: readonly Subject[], text: string, how: 'game' | 'and'): Subject {
  const kinds = new Set(members.map((m) => m.kind));
  return { kind: kinds.size === 1 ? members[0]!.kind : 'other', key: members.map((m) => m.key).sort().join(' | '), text, members, joint: how };
}

const MATCHUP_SEP = set('vs vs. v v. versus @ at x');

/** "A vs. B" / "A at B" anywhere in the title (each side a run of name words). */
function matchup(toks: readonly Tok[], context: string): Subject | undefined {
  for (let i = 1; i < toks.length - 1; i++) {
    const sep = toks[i]!;
    if (!MATCHUP_SEP.has(sep.lc) && sep.w !== '@') continue;
    if (toks[i - 1]!.stop) continue;
    let s = i - 1;
    while (s - 1 >= 0 && nameWord(toks[s - 1]!) && !toks[s - 1]!.stop && i - s < 5) s--;
    if (!nameWord(toks[s]!) && !/^[a-z]$/i.test(toks[s]!.w)) continue;
    const left = toks.slice(s, i).filter((t) => nameWord(t) || /^[A-Z]$/.test(t.w));
    // "at" is also a preposition: the left side must open the title or a clause
    if (sep.lc === 'at' && s > 0 && !toks[s - 1]!.stop) continue;
    const right: Tok[] = [];
    for (let j = i + 1; j < toks.length && right.length < 5; j++) {
      const t = toks[j]!;
      if (!(nameWord(t) || (/^[A-Z]$/.test(t.w) && right.length > 0))) break;
      right.push(t);
      if (t.stop) break;
    }
    if (!left.length || !right.length) continue;
    const a = fromWordsAll(left, context);
    const b = fromWordsAll(right, context);
    if (a && b) return joint([a, b], `${left.map((t) => t.w).join(' ')} ${sep.w} ${right.map((t) => t.w).join(' ')}`, 'game');
  }
  return undefined;
}

/**
 * A name label (a Kalshi YES subtitle, a Polymarket group item title) read against its question:
 * the YES side of a game ("Sinner vs Alcaraz" / "Carlos Alcaraz", "Los Angeles L at Golden State
 * Winner?" / "Los Angeles L") is not the subject — the game is, so the same team in another game
 * stays another subject; otherwise the label, with the quantity the question asks of it.
 */
function labelSubject(label: string, question: string): Subject | undefined {
  const s = fromLabel(label, question);
  if (!s) return undefined;
  const game = matchup(tokenize(question), question);
  if (game?.members?.some((m) => compareSingle(m, s).is === 'agree')) return game;
  return withBaseMetric(s, question);
}

/**
 * The subject of a question, read from its grammar. A Kalshi record title "<event> — <YES
 * subtitle>" takes the subtitle when it names someone or something. undefined when the question
 * names no subject the grammar can find (a hold for a human, never a pass).
 */
export function extractSubject(input: string): Subject | undefined {
  const text = sanitizeText(input.slice(0, MAX_TEXT * 2)).slice(0, MAX_TEXT);
  const dash = text.lastIndexOf(' — ');
  const base = dash >= 0 ? text.slice(0, dash) : text;
  const label = dash >= 0 ? text.slice(dash + 3) : undefined;
  // a rate decision's outcome label ("Hold", "Maintains rate", "Cut 25bps") says which decision, not whose
  const decision = rateDecision(base);
  if (decision) return decision;
  if (isNameLabel(label)) {
    const s = labelSubject(label, base);
    if (s) return s;
  }
  return withIndicator(base, fromQuestion(base)) ?? cryptoSubject(base);
}

/**
 * The noun phrase of an existential question ("there be a US government shutdown"): every word up
 * to a preposition, verb, number or phrase punctuation, lower-case words included; the last word
 * is the head ("shutdown").
 */
function eventSubject(toks: readonly Tok[], i: number): Subject | undefined {
  let j = i;
  while (j < toks.length && DETERMINERS.has(toks[j]!.lc)) j++;
  const words: Tok[] = [];
  for (; j < toks.length && words.length < 6; j++) {
    const t = toks[j]!;
    const number = /^\d/.test(t.lc) && !(/^\d{1,3}$/.test(t.lc) && words[words.length - 1]?.cap === true); // "Category 5 hurricane" keeps its number
    if (t.bar || PREPS.has(t.lc) || VERBS.has(t.lc) || AUX.has(t.lc) || WH.has(t.lc) || MONTHS.has(t.lc) || number || !t.lc) break;
    words.push(t);
    if (t.stop) break;
  }
  const { tokens } = nameTokens(words);
  if (!tokens.length) return undefined;
  const key = tokens.join(' ');
  return { kind: 'other', key, text: words.map((w) => w.w).join(' '), entity: key, names: [tokens], head: singular(tokens[tokens.length - 1]!) };
}

/** Verbs whose subject and object act together: "A meets B" is "A and B meet". */
const SYMMETRIC_VERBS = set('meet meets talk talks speak speaks debate debates marry marries reconcile reconciles');
/** Lower-case words after a name that are not a noun of the event: particles, adverbs, negation, superlatives ("Nvidia largest company"). */
const PARTICLES = set(`out off up down away back still not never ever again also first next last just yet already officially publicly formally even only
  largest biggest richest highest lowest best worst most least top new own official`);

/** A lower-case word that continues a headline's noun phrase ("US government shutdown"): a noun, not a verb, particle or function word. */
const eventNoun = (t: Tok): boolean =>
  !t.cap && !t.bar && /^\p{Ll}[\p{L}-]{2,}$/u.test(t.w) && !VERBS.has(t.lc) && !PREPS.has(t.lc) && !AUX.has(t.lc) && !WH.has(t.lc) &&
  !DETERMINERS.has(t.lc) && !PARTICLES.has(t.lc) && t.lc !== 'and' && t.lc !== 'or' && t.lc !== 'there' && !/ly$/.test(t.lc);

/** Tokens that name a period, not a place ("Q1", "H2", "FY2026"). */
const PERIOD_TOKEN = /^(?:q[1-4]|h[12]|fy\d{0,4}|ytd)$/;

/**
 * A quantity read with no owner ("the highest temperature", "Inflation") followed by "in/of/for
 * <name>": the name is the owner ("temperature in NYC" is NYC's temperature). A month, a year or a
 * quarter after "in" is a date, not an owner.
 */
function withPlace(s: Subject | undefined, toks: readonly Tok[], end: number, text: string): Subject | undefined {
  if (!s?.metric || s.entity || s.members) return undefined;
  const prep = toks[end];
  if (!prep || !/^(?:in|of|for)$/.test(prep.lc) || toks[end - 1]?.stop) return undefined;
  const np = nounPhrase(toks, end + 1, 4);
  const names = np.words.filter((t) => nameWord(t) && !PERIOD_TOKEN.test(t.lc));
  if (!names.length || names.length !== np.words.length) return undefined;
  const owner = fromWords(names, text);
  if (!owner?.entity || owner.metric) return undefined;
  return { ...s, kind: 'quantity', key: `${owner.entity}/${s.metric}`, entity: owner.entity, names: owner.names ?? [owner.entity.split(' ')], text: `${s.text} ${prep.w} ${owner.text}` };
}

/** Central banks, as a question names them (folded) → the bank. */
const CENTRAL_BANKS: readonly [RegExp, string][] = [
  [/\b(?:fed|fomc|federal reserve|federal open market committee)\b/i, 'federal reserve'],
  [/\b(?:ecb|european central bank)\b/i, 'european central bank'],
  [/\b(?:boe|bank of england)\b/i, 'bank of england'],
  [/\b(?:boj|bank of japan)\b/i, 'bank of japan'],
  [/\b(?:boc|bank of canada)\b/i, 'bank of canada'],
  [/\b(?:rba|reserve bank of australia)\b/i, 'reserve bank of australia'],
];
const RATE_WORDS = /\b(?:rates?|decision|decisions|upper bound|lower bound|target range|cuts?|hikes?|hold|holds|pause|pauses|bps|basis points?|raises?|lowers?|increases?|decreases?|no change|unchanged|maintains?|meeting)\b/i;
const NOT_RATE = /\b(?:chair|chairman|chairwoman|governor|governors|president|nominat\w*|appoint\w*|fire[sd]?|resign\w*|confirm\w*|remove[sd]?|independence|audit|balance sheet|mortgage|inflation|cpi)\b/i;

/**
 * A central bank's rate decision ("Fed decision in March?", "Fed rate cut in June?", "No change in
 * Fed interest rates after April meeting?", "25 bps decrease"): the subject is the bank's decision
 * at a meeting; which decision (hold, cut, hike, its size) is the outcome, left to the threshold and
 * polarity guards. undefined when the question is about the bank's people or another quantity.
 */
function rateDecision(text: string): Subject | undefined {
  if (!RATE_WORDS.test(text) || NOT_RATE.test(text)) return undefined;
  const banks = CENTRAL_BANKS.filter(([re]) => re.test(text)).map(([, b]) => b);
  if (banks.length !== 1) return undefined;
  const bank = banks[0]!;
  return { kind: 'quantity', key: `${bank}/rate decision`, text: `${bank} rate decision`, entity: bank, metric: 'rate decision', names: [bank.split(' ')] };
}

// ---------------------------------------------------------------------------------------------
// market and economic indicators

/**
 * A market or economic indicator a question is about, as one canonical quantity whatever the venue's
 * wording ("10-year Treasury yield" ~ "10Y yield" ~ "TNX"; "Nonfarm payrolls" ~ "jobs added"). The
 * instrument that changes the figure is part of the metric (a tenor: 2y vs 10y; an index: S&P 500 vs
 * Nasdaq); variants one venue may leave unsaid are qualifiers (WTI/Brent, initial/continuing claims,
 * Nasdaq-100/Composite, manufacturing/services), and core vs headline is the `core` qualifier.
 * Every pattern is a flat regular expression over at most {@link MAX_TEXT} characters.
 */
interface IndicatorRule {
  readonly metric: string | ((m: RegExpExecArray) => string | undefined);
  readonly re: RegExp;
  /** variants read from the whole text when the rule matched */
  readonly variants?: readonly (readonly [RegExp, string])[];
  /** text that makes the match another quantity */
  readonly unless?: RegExp;
}

const TENOR_WORDS: Readonly<Record<string, string>> = { one: '1', two: '2', three: '3', five: '5', seven: '7', ten: '10', twenty: '20', thirty: '30' };
const tenorOf = (n: string | undefined, unit: string | undefined): string | undefined => {
  if (!n) return undefined;
  const k = TENOR_WORDS[n.toLowerCase()] ?? n;
  if (!/^\d{1,2}$/.test(k)) return undefined;
  const u = (unit ?? 'y').toLowerCase();
  return `${Number(k)}${u.startsWith('m') ? 'm' : u.startsWith('w') ? 'w' : 'y'}`;
};
const TENOR = String.raw`(\d{1,2}|one|two|three|five|seven|ten|twenty|thirty)\s?-?\s?(y|yr|yrs|year|years|m|mo|month|months|w|wk|week|weeks)\b`;
const TREASURY_TICKERS: Readonly<Record<string, string>> = { tnx: '10y', tyx: '30y', fvx: '5y', irx: '3m' };
const FX_CODES = set('usd eur jpy gbp chf cad aud nzd cny cnh mxn inr krw brl');
const FX_WORDS: Readonly<Record<string, string>> = { dollar: 'usd', euro: 'eur', yen: 'jpy', pound: 'gbp', sterling: 'gbp', yuan: 'cny', renminbi: 'cny', franc: 'chf', peso: 'mxn', rupee: 'inr' };

const INDICATORS: readonly IndicatorRule[] = [
  // rates: mortgage before Treasury (a "30-year mortgage rate" is not a 30-year Treasury); the usual quote is the 30-year fixed
  { metric: (m) => `mortgage rate ${tenorOf(m[1], m[2]) ?? '30y'}`, re: new RegExp(String.raw`(?:\b${TENOR}[^.?\n]{0,12})?\bmortgage(?:s)?\b`, 'i') },
  {
    metric: (m) => {
      const t = tenorOf(m[1], m[2]) ?? tenorOf(m[3], m[4]) ?? (m[5] ? TREASURY_TICKERS[m[5].toLowerCase()] : undefined) ?? tenorOf(m[6], m[7] ?? 'y');
      return t ? `treasury yield ${t}` : undefined;
    },
    re: new RegExp(
      String.raw`\b${TENOR}\s?(?:u\.?s\.?\s)?(?:treasury|t-?note|t-?bond|note|bond|govt?|government)?\s?(?:yield|rate)s?\b` +
        String.raw`|\btreasur(?:y|ies)\b[^.?\n]{0,12}?\b${TENOR}` +
        String.raw`|\^?\b(TNX|TYX|FVX|IRX)\b|\bUS(\d{1,2})(Y)\b`,
      'i',
    ),
  },
  // stock indices
  { metric: 'sp500', re: /\bS&P\s?500\b|\bS&P\b(?!\s?(?:global|dow|\d))|\bSPX\b|\bINX\b|\bSP500\b|\bstandard (?:&|and) poor'?s 500\b/i },
  {
    metric: 'nasdaq', re: /\bnasdaq\b|\bNDX\b|\bNQ100\b/i,
    variants: [[/\bnasdaq[- ]?100\b|\bNDX\b|\bNQ100\b/i, 'ndx'], [/\bnasdaq composite\b|\bCOMPQ?\b/i, 'composite']],
  },
  { metric: 'djia', re: /\bdow jones\b|\bDJIA\b|\bthe dow\b|\bDow\b(?!\s?(?:chemical|inc))/i, unless: /\bdow jones (?:transportation|utility|utilities)\b/i },
  { metric: 'russell 2000', re: /\brussell\s?2000\b|\bRUT\b/i },
  { metric: 'vix', re: /\bVIX\b|\bvolatility index\b/i },
  // commodities: natural gas before gasoline, oil grades as variants
  { metric: 'natural gas', re: /\bnatural gas\b|\bhenry hub\b|\bnat ?gas\b/i },
  { metric: 'gas', re: /\bgas(?:oline)? prices?\b|\bprices? (?:of|for) (?:a gallon of )?gas(?:oline)?\b|\bgasoline\b|\bgas (?:average|national average)\b|\bregular gas\b/i },
  {
    metric: 'crude oil', re: /\bWTI\b|\bwest texas\b|\bbrent\b|\bcrude\b|\boil (?:price|prices|futures)\b|\bprice of oil\b|\boil\b(?=[^.?\n]{0,20}(?:\$|barrel|above|below|close|settle|reach|hit))/i,
    variants: [[/\bWTI\b|\bwest texas\b/i, 'wti'], [/\bbrent\b/i, 'brent']],
  },
  { metric: 'gold', re: /\bgold\b(?!\s?(?:medals?|cards?|gloves?|cup|boot|ball|coast|rush))|\bXAU\b/i, unless: /\bgolden\b|\bolympic/i },
  { metric: 'silver', re: /\bsilver\b(?!\s?(?:medals?))|\bXAG\b/i, unless: /\bolympic/i },
  // FX: a pair of ISO codes (written in capitals) or of currency words, in the order written (USD/JPY is not JPY/USD)
  {
    metric: (m) => (FX_CODES.has(m[1]!.toLowerCase()) && FX_CODES.has(m[2]!.toLowerCase()) && m[1] !== m[2] ? `fx ${m[1]!.toLowerCase()}/${m[2]!.toLowerCase()}` : undefined),
    re: /\b(USD|EUR|JPY|GBP|CHF|CAD|AUD|NZD|CNY|CNH|MXN|INR|KRW|BRL)\s?[/-]?\s?(USD|EUR|JPY|GBP|CHF|CAD|AUD|NZD|CNY|CNH|MXN|INR|KRW|BRL)\b/,
  },
  {
    metric: (m) => {
      const a = FX_WORDS[m[1]!.toLowerCase()];
      const b = FX_WORDS[m[2]!.toLowerCase()];
      return a && b && a !== b ? `fx ${a}/${b}` : undefined;
    },
    re: /\b(dollar|euro|yen|pound|sterling|yuan|renminbi|franc|peso|rupee)\s?(?:\/|-|to|vs\.?|versus|against)\s?(?:the\s)?(dollar|euro|yen|pound|sterling|yuan|renminbi|franc|peso|rupee)\b/i,
  },
  // economic prints, most specific first
  { metric: 'pce', re: /\bPCE\b|\bpersonal consumption expenditures?\b/i },
  { metric: 'ppi', re: /\bPPI\b|\bproducer price(?:s| index)?\b/i },
  { metric: 'cpi', re: /\bC?CPI(?:-U)?\b|\bconsumer price(?:s| index)?\b|\binflation\b/i },
  { metric: 'adp payrolls', re: /\bADP\b/i },
  {
    metric: 'jobless claims', re: /\b(?:jobless|unemployment) claims\b|\b(?:initial|continuing|continued|weekly) claims\b/i,
    variants: [[/\binitial\b/i, 'initial'], [/\bcontinu(?:ing|ed)\b/i, 'continuing']],
  },
  // job openings (JOLTS) are another figure than jobs added
  { metric: 'job openings', re: /\bjob openings\b|\bJOLTS\b|\bjob vacanc(?:y|ies)\b/i },
  // jobs added, nonfarm payrolls, NFP, the employment change of the jobs report: one figure whatever the wording
  {
    metric: 'payrolls',
    re: /\bnon-?farm\b|\bNFP\b|\bpayrolls?\b|\bjobs? (?:reports?|added|numbers?|data|count|growth|gains?|creation|created)\b|\bemployment (?:change|situation|growth|gains?)\b|\b(?:add|create|gain)(?:s|ed|d)?\b[^.?\n]{0,25}\bjobs\b|\bjobs\b[^.?\n]{0,25}\b(?:add|create|gain)(?:s|ed|d)?\b/i,
    unless: /\bjob openings\b|\bJOLTS\b/i,
  },
  { metric: 'unemployment u6', re: /\bU-?6\b/i },
  { metric: 'unemployment', re: /\bunemployment(?: rate)?\b|\bjobless rate\b|\bU-?3\b/i },
  { metric: 'gdpnow', re: /\bGDPNow\b/i },
  { metric: 'gdp', re: /\bGDP\b|\bgross domestic product\b|\beconomic growth\b/i },
  { metric: 'retail sales', re: /\bretail sales\b/i, variants: [[/\bex[- ]autos?\b|\bcontrol group\b/i, 'core']] },
  {
    metric: 'pmi', re: /\bISM\b|\bPMI\b|\bpurchasing managers'? index\b/i,
    variants: [[/\bnon-?manufacturing\b|\bservices\b/i, 'services'], [/\b(?<!non-?)manufacturing\b/i, 'manufacturing']],
  },
];

/** Qualifiers of a print the text writes (core, YoY, MoM, QoQ), read as words. */
const PRINT_QUALIFIERS: readonly (readonly [RegExp, string])[] = [
  [/\bcore\b|\bex(?:cluding)?[- ]food and energy\b|\bless food and energy\b/i, 'core'],
  [/\by(?:ear)?[- /]?o(?:ver)?[- /]?y(?:ear)?\b|\bannual(?:ly|ized)?\b|\b12[- ]months?\b|\byearly\b/i, 'yoy'],
  [/\bm(?:onth)?[- /]?o(?:ver)?[- /]?m(?:onth)?\b|\bmonthly\b/i, 'mom'],
  [/\bq(?:uarter)?[- /]?o(?:ver)?[- /]?q(?:uarter)?\b|\bquarterly\b/i, 'qoq'],
];
const PRINTS: ReadonlySet<string> = new Set(['cpi', 'pce', 'ppi', 'retail sales']);

/** The indicators a question names (each with the text it was read from), in the order of the rules. */
export function indicatorsOf(input: string): { subject: Subject; matched: string }[] {
  const text = sanitizeText(input.slice(0, MAX_TEXT * 2)).slice(0, MAX_TEXT);
  const out: { subject: Subject; matched: string }[] = [];
  const seen = new Set<string>();
  for (const rule of INDICATORS) {
    const m = rule.re.exec(text);
    if (!m || (rule.unless && rule.unless.test(text))) continue;
    const metric = typeof rule.metric === 'string' ? rule.metric : rule.metric(m);
    if (!metric || seen.has(metric)) continue;
    seen.add(metric);
    const qualifiers = new Set<string>();
    for (const [re, q] of rule.variants ?? []) if (re.test(text)) qualifiers.add(q);
    if (PRINTS.has(metric)) for (const [re, q] of PRINT_QUALIFIERS) if (re.test(text)) qualifiers.add(q);
    const qs = [...qualifiers].sort();
    out.push({ subject: { kind: 'quantity', key: metric, text: m[0].trim(), metric, ...(qs.length ? { qualifiers: qs } : {}) }, matched: m[0] });
  }
  return out;
}

/**
 * The indicator is the subject when the grammar found none, or found the indicator itself (its
 * words overlap the indicator's, or it read a bare quantity), keeping a country the grammar read as
 * the owner ("US CPI"). A question about something else that names an indicator ("Will Tesla be added
 * to the S&P 500?") keeps the grammar's subject.
 */
function withIndicator(text: string, g: Subject | undefined): Subject | undefined {
  if (g?.members) return g;
  const found = indicatorsOf(text);
  if (!found.length) return g;
  if (!g) return found[0]!.subject;
  const theirs = fold(g.text).split(/[\s/-]+/).filter((w) => w.length > 1 && !DETERMINERS.has(w));
  const squash = (x: string): string => fold(x).replace(/[\s/-]+/g, '');
  const overlapping = found.find((f) => {
    const mine = new Set(fold(f.matched).split(/[\s/-]+/).filter((w) => w.length > 1));
    const [x, y] = [squash(g.text), squash(f.matched)];
    return theirs.some((w) => mine.has(w) || mine.has(singular(w))) || (x.length > 1 && y.length > 1 && (x.includes(y) || y.includes(x)));
  });
  const country = g.entity ? COUNTRIES.get(g.entity) : undefined;
  // a bare quantity ("the rate"), or a country alone ("How many jobs will the US add"): the indicator is what is asked
  const bare = (g.metric && !g.head && (!g.entity || country)) || (g.kind === 'country' && !g.metric);
  const pick = overlapping ?? (bare ? found[0] : undefined);
  if (!pick) return g;
  const s = pick.subject;
  if (country) return { ...s, key: `${country}/${s.metric!}`, entity: country, names: [country.split(' ')] };
  return s;
}

function fromQuestion(text: string): Subject | undefined {
  const decision = rateDecision(text);
  if (decision) return decision;
  const toks = tokenize(text);
  if (!toks.length) return undefined;
  const m = matchup(toks, text);
  if (m) return m;
  let i = 0;
  let wh = false;
  const lead = WH.has(toks[0]!.lc) || AUX.has(toks[0]!.lc);
  if (WH.has(toks[0]!.lc)) {
    // "How high will Bitcoin get", "What will the unemployment rate be"
    wh = true;
    const aux = toks.findIndex((t, k) => k > 0 && k < 5 && AUX.has(t.lc));
    if (aux < 0) return undefined;
    i = aux + 1;
  } else if (AUX.has(toks[0]!.lc)) {
    i = 1;
    // "Will there be a US government shutdown before …?": the event is the subject
    if (toks[1]?.lc === 'there' && toks[2] && /^(?:be|is|are|was|were)$/.test(toks[2].lc)) return eventSubject(toks, 3);
  }
  else {
    // "February 2026 CPI MoM: …": a leading date is not the subject
    while (i < toks.length - 1 && (MONTHS.has(toks[i]!.lc) || /^\d{1,4}(?:st|nd|rd|th)?$/.test(toks[i]!.lc)) && !toks[i]!.stop) i++;
  }
  const np = nounPhrase(toks, i);
  // "A and B sign …": a joint subject
  const conj = toks[np.end];
  if (np.words.length && conj && (conj.lc === 'and' || conj.lc === '&') && !np.words[np.words.length - 1]!.stop) {
    const np2 = nounPhrase(toks, np.end + 1);
    const a = fromWords(np.words, text);
    const b = fromWords(np2.words, text);
    if (a && b) return joint([a, b], `${a.text} and ${b.text}`, 'and');
  }
  const verb = toks[np.end];
  // "Will Putin meet (with) Zelensky …": a symmetric verb joins its subject and object as one joint subject
  if (verb && SYMMETRIC_VERBS.has(verb.lc) && np.words.length && !np.words[np.words.length - 1]!.stop) {
    const k = toks[np.end + 1]?.lc === 'with' ? np.end + 2 : np.end + 1;
    const obj = nounPhrase(toks, k);
    const a = fromWords(np.words, text);
    const b = obj.words.some(nameWord) ? fromWords(obj.words, text) : undefined;
    if (a && b && !a.metric && !b.metric) return joint([a, b], `${a.text} ${verb.w} ${b.text}`, 'and');
  }
  // a headline with no verb ("US government shutdown by …", "Canada recession in 2026?"): the whole noun phrase is the event
  if (!lead && np.words.length && !np.words[np.words.length - 1]!.stop && !np.words.some(isMetricWord) && verb && eventNoun(verb)) {
    const ev = eventSubject(toks, i);
    if (ev) return ev;
  }
  // a quantity with no owner, then its place ("the highest temperature in NYC", "Inflation in the UK"): the place owns it
  const owned = withPlace(fromWords(np.words, text), toks, np.end, text);
  if (owned) return owned;
  if (verb && OBJECT_VERBS.has(verb.lc)) {
    const obj = nounPhrase(toks, np.end + 1);
    const o = obj.words.length && obj.words.some(nameWord) ? fromWords(obj.words, text) : undefined;
    if (o) return o;
    if (wh) return undefined; // "Who will Trump nominate …?": the subject is what is asked
  }
  return fromWords(np.words, text);
}

// ---------------------------------------------------------------------------------------------
// rounds

const PARTY_RE = /\b(democratic|democrats?|dem|republican|republicans|gop|labour|conservative|liberal|green)\b/i;
const partyOf = (t: string): string | undefined => {
  const m = PARTY_RE.exec(t);
  return m ? (PARTIES[m[1]!.toLowerCase()] ?? m[1]!.toLowerCase()).replace(/ party$/, '') : undefined;
};
const officeOf = (t: string): string | undefined => {
  if (/\b(?:vice[- ]president(?:ial)?|vp)\b/i.test(t)) return 'vp';
  if (/\bpresiden(?:t|tial|cy)\b/i.test(t)) return 'president';
  if (/\bsenat(?:e|or|orial)\b/i.test(t)) return 'senate';
  if (/\b(?:governor|gubernatorial)\b/i.test(t)) return 'governor';
  if (/\bmayor(?:al)?\b/i.test(t)) return 'mayor';
  if (/\bprime minister\b/i.test(t)) return 'pm';
  if (/\b(?:house|congress(?:ional)?)\b/i.test(t)) return 'house';
  return undefined;
};

/** Stages an election or tournament question can be about, most specific first. */
const STAGES: readonly [RegExp, Stage | 'round-of', 'election' | 'any'][] = [
  [/\b(?:make|makes|reach|reaches|qualif(?:y|ies) (?:to play in|for)|advance(?:s)? to|play in|appear in)\s+(?:the\s+)?(?:[\w.'&-]+\s+){0,6}?(?:championship game|title game|finals?|super bowl|world series|stanley cup final)\b/i, 'reach-final', 'any'],
  [/\brun-?offs?\b/i, 'runoff', 'any'],
  [/\b(?:first|1st)[- ]round\b|\bround (?:1|one)\b/i, 'round1', 'any'],
  [/\b(?:second|2nd)[- ]round\b|\bround (?:2|two)\b/i, 'round2', 'any'],
  [/\bround of (\d{1,3})\b/i, 'round-of', 'any'],
  [/\bprimar(?:y|ies)\b|\bcaucus(?:es)?\b/i, 'primary', 'election'],
  [/\bnomination\b|\bnominee\b/i, 'nomination', 'election'],
  [/\bsemi-?finals?\b/i, 'semifinal', 'any'],
  [/\bquarter-?finals?\b/i, 'quarterfinal', 'any'],
  [/\bgroup stage\b/i, 'group', 'any'],
  [/\bfinal\b/i, 'final', 'any'],
];
const GENERAL = /\b(?:general election|elections?|presidency|elected|mayoral|gubernatorial|race)\b|\bwin the (?:white house|presidency)\b/i;
const OVERALL = /\b(?:overall|winner|champions?|championship|title)\b/i;
const STRONG_ELECTION: ReadonlySet<Stage> = new Set(['primary', 'runoff', 'round1', 'round2', 'nomination']);

/** The election or tournament stage a question is about; undefined when it names none. */
export function extractRound(input: string): Round | undefined {
  const text = sanitizeText(input.slice(0, MAX_TEXT * 2)).slice(0, MAX_TEXT);
  const election = ELECTION_CONTEXT.test(text);
  const party = election ? partyOf(text) : undefined;
  const office = election ? officeOf(text) : undefined;
  const extra = { ...(party ? { party } : {}), ...(office ? { office } : {}) };
  for (const [re, stage, ctx] of STAGES) {
    const m = re.exec(text);
    if (!m || (ctx === 'election' && !election)) continue;
    const st: Stage = stage === 'round-of' ? `round-of-${Number(m[1])}` : stage;
    return { stage: st, ...(STRONG_ELECTION.has(st) ? extra : office ? { office } : {}), text: m[0] };
  }
  const g = election ? GENERAL.exec(text) : null;
  if (g) return { stage: 'general', ...(office ? { office } : {}), text: g[0] };
  const o = OVERALL.exec(text);
  if (o) return { stage: 'overall', text: o[0] };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// records and the guard

/** What the subject guard reads of a record; `subjectText` is the venue's own label of the subject when the record carries it. */
export type SubjectInput = Pick<GuardInput, 'venue' | 'title' | 'rulesText' | 'outcomes'> & { readonly subjectText?: string; readonly marketId?: string };

const YES_NO = /^\s*(?:yes|no)\s*$/i;

/** Runs of name words of a text as name tokens, each with the person's suffix written after it ("Donald Trump Jr." → donald trump + jr). */
function nameRuns(text: string): { tokens: string[]; suffix?: string }[] {
  const runs: { tokens: string[]; suffix?: string }[] = [];
  const toks = tokenize(sanitizeText(text.slice(0, MAX_RULES * 2)).slice(0, MAX_RULES));
  for (let i = 0; i < toks.length; i++) {
    if (!nameWord(toks[i]!)) continue;
    const run: Tok[] = [];
    while (i < toks.length && run.length < 6 && (nameWord(toks[i]!) || (/^[A-Z]$/.test(toks[i]!.w) && run.length > 0))) {
      run.push(toks[i]!);
      if (toks[i]!.stop || toks[i]!.poss) break;
      i++;
    }
    // "Donald Trump, Jr.": a suffix after a comma
    const next = toks[i + 1];
    if (run.length && run[run.length - 1]!.stop && next && NAME_SUFFIXES.has(next.lc)) run.push(next);
    const { tokens, suffix } = nameTokens(run);
    if (tokens.length) runs.push({ tokens, ...(suffix ? { suffix } : {}) });
  }
  return runs;
}

/** The name suffixes a text writes after one of the subject's names ("If Donald Trump Jr. is the nominee …"). */
function suffixesIn(s: Subject, text: string): string[] {
  if (s.members || !s.names?.length) return [];
  const out = new Set<string>();
  for (const r of nameRuns(text)) if (r.suffix && s.names.some((n) => namesAgree(n, r.tokens))) out.add(r.suffix);
  return [...out];
}

/** Longer forms of a name that the record's own rules text uses ("Lakers" → "Los Angeles Lakers"). */
function withAliases(s: Subject, rules: string): Subject {
  if (s.members) return { ...s, members: s.members.map((m) => withAliases(m, rules)) };
  if (!s.names?.length) return s;
  const runs = nameRuns(rules).map((r) => r.tokens).filter((t) => t.length > 1);
  const names = [...s.names];
  const seen = new Set(names.map((n) => n.join(' ')));
  for (const r of runs) {
    if (names.length >= 6) break;
    if (seen.has(r.join(' '))) continue;
    if (s.names.some((n) => r.length > n.length && namesAgree(n, r))) {
      names.push(r);
      seen.add(r.join(' '));
    }
  }
  return { ...s, names };
}

/**
 * A record's subject: the venue's subject label when present (`subjectText`), else a Kalshi
 * title's YES subtitle, else the question's grammar; a head-to-head from the title or from two
 * named outcomes ("Lakers" / "Celtics"); names expanded by the record's own rules text.
 */
export function subjectOf(r: SubjectInput): Subject | undefined {
  const title = r.title.slice(0, MAX_TEXT);
  let s: Subject | undefined = rateDecision(sanitizeText(title.slice(0, MAX_TEXT)).split(' — ')[0]!);
  if (!s && isNameLabel(r.subjectText) && !amountIn(r.subjectText, title)) {
    // a game's YES side (Kalshi yes_sub_title "Los Angeles L" under "Los Angeles L at Golden State Winner?"): the game
    const q = sanitizeText(title.slice(0, MAX_TEXT * 2)).slice(0, MAX_TEXT);
    const dash = q.lastIndexOf(' — ');
    s = labelSubject(r.subjectText, dash >= 0 ? q.slice(0, dash) : q);
  }
  s ??= extractSubject(title);
  // two different named outcomes ("Lakers" / "Celtics") are the sides of a game; Kalshi repeats its YES subtitle in both
  const named = r.outcomes.length === 2 && fold(r.outcomes[0]!) !== fold(r.outcomes[1]!) && r.outcomes.every((o) => !YES_NO.test(o) && isNameLabel(o));
  if (named && !s?.members) {
    const ms = r.outcomes.map((o) => fromLabel(o, title)).filter((x): x is Subject => x !== undefined);
    if (ms.length === 2) s = joint(ms, r.outcomes.join(' vs '), 'game');
  }
  if (!s) return undefined;
  s = withReading(s, title);
  const league = leagueOf(`${title}\n${r.rulesText.slice(0, MAX_RULES)}`, r.marketId);
  const textSuffixes = suffixesIn(s, `${title}\n${r.subjectText ?? ''}\n${r.rulesText.slice(0, MAX_RULES)}`);
  return { ...withAliases(s, r.rulesText), ...(league ? { league } : {}), ...(textSuffixes.length ? { textSuffixes } : {}) };
}

const DEGREES = /\d\s?°\s?[FC]?\b|\d\s?°|\b\d+\s?degrees?\b/i;
const HIGH_WORDS = /\b(?:high|highest|max(?:imum)?|hottest|warmest)\b/i;
const LOW_WORDS = /\b(?:low|lowest|min(?:imum)?|coldest|coolest)\b/i;
const REACHES = /\b(?:hit|hits|reach|reaches|top|tops|exceed|exceeds)\b|\bor (?:higher|above|more)\b/i;

/**
 * A place whose title asks a temperature in degrees ("Will Austin hit 90°F or higher on July 4?") is
 * the place's temperature: the day's high when the title names it or asks whether the reading
 * reaches a value (the day reaches 90°F only if its high does), the low when it names the low.
 * Any other reading (a fall below a value) stays unread: it may be the high or the low.
 */
function withReading(s: Subject, title: string): Subject {
  if (s.metric || s.members || !s.entity || s.kind === 'person' || s.kind === 'asset' || !DEGREES.test(title)) return s;
  const high = HIGH_WORDS.test(title);
  const low = LOW_WORDS.test(title);
  const extreme = high && !low ? 'high' : low && !high ? 'low' : !high && !low && REACHES.test(title) ? 'high' : undefined;
  if (!extreme) return s;
  return { ...s, kind: 'quantity', key: `${s.entity}/temperature`, metric: 'temperature', qualifiers: [extreme] };
}

/** The normalised subject key of a record, for blocking (undefined when unknown). */
export function subjectKey(r: SubjectInput): string | undefined {
  return subjectOf(r)?.key;
}

/** Words of a record's subject worth indexing for blocking (surnames, nicknames, cities, quantities). */
export function subjectTokens(r: SubjectInput): string[] {
  const s = subjectOf(r);
  if (!s) return [];
  const out = new Set<string>();
  const walk = (x: Subject): void => {
    for (const n of x.names ?? []) for (const t of n) if (t.length > 2) out.add(t);
    if (x.metric) out.add(x.metric);
    for (const m of x.members ?? []) walk(m);
  };
  walk(s);
  return [...out].sort();
}

/** `names`: the disagreement is between names alone (the grammar may have read the actor on one side, the object on the other). */
type Agreement = { readonly is: 'agree' | 'differ' | 'unsure'; readonly why: string; readonly names?: boolean; readonly metric?: string };
const agree = (why: string): Agreement => ({ is: 'agree', why });
const differ = (why: string, names = false): Agreement => ({ is: 'differ', why, ...(names ? { names } : {}) });
const unsure = (why: string): Agreement => ({ is: 'unsure', why });

const namesOf = (s: Subject): readonly (readonly string[])[] => s.names ?? (s.entity ? [s.entity.split(' ')] : []);
const entitiesAgree = (a: Subject, b: Subject): boolean => namesOf(a).some((x) => namesOf(b).some((y) => namesAgree(x, y)));
const isAcronym = (s: Subject): boolean => namesOf(s).length === 1 && namesOf(s)[0]!.length === 1 && /^[A-Z]{2,5}$/.test(s.text.replace(/^\$/, ''));

function qualifiersAgree(a: Subject, b: Subject): boolean {
  const qa = new Set(a.qualifiers ?? []);
  const qb = new Set(b.qualifiers ?? []);
  if (qa.has('core') !== qb.has('core')) return false;
  // the day's high against its low; one side naming no extreme says nothing
  const ea = ['high', 'low'].filter((x) => qa.has(x));
  const eb = ['high', 'low'].filter((x) => qb.has(x));
  if (ea.length && eb.length && !ea.some((x) => eb.includes(x))) return false;
  const period = (q: Set<string>): string[] => [...q].filter((x) => x !== 'core' && x !== 'high' && x !== 'low');
  const pa = period(qa);
  const pb = period(qb);
  return !pa.length || !pb.length || pa.some((x) => pb.includes(x));
}

/**
 * Two names as teams (teams.ts): 'same', 'different', 'ambiguous' (a bare city two teams of the
 * league share), or undefined when either names no team. Quantities and people are not teams.
 */
function teamsOf(a: Subject, b: Subject, league: League | undefined): 'same' | 'different' | 'ambiguous' | undefined {
  if (a.metric || b.metric || a.kind === 'person' || b.kind === 'person' || a.kind === 'country' || b.kind === 'country') return undefined;
  let best: 'same' | 'different' | 'ambiguous' | undefined;
  for (const x of namesOf(a)) {
    for (const y of namesOf(b)) {
      const r = teamRelation(x.join(' '), y.join(' '), league);
      if (r === 'same') return 'same';
      if (r === 'ambiguous' || (r === 'different' && best === undefined)) best = r === 'ambiguous' ? 'ambiguous' : best ?? 'different';
    }
  }
  return best;
}

/** Two single (not head-to-head) subjects; `league` from either record resolves team names. */
function compareSingle(a: Subject, b: Subject, league: League | undefined = a.league ?? b.league): Agreement {
  const team = teamsOf(a, b, league);
  if (team === 'same') return agree(`same team: "${a.text}" ~ "${b.text}"`);
  if (team === 'different') return differ(`different team: "${a.text}" vs "${b.text}"`);
  if (team === 'ambiguous') return unsure(`"${a.text}" vs "${b.text}": may be different teams of one city`);
  if (a.metric && b.metric) {
    if (a.metric !== b.metric) return differ(`quantity differs: ${a.metric} vs ${b.metric}`);
    if (!qualifiersAgree(a, b)) return differ(`quantity differs: ${a.key}[${(a.qualifiers ?? []).join(',')}] vs ${b.key}[${(b.qualifiers ?? []).join(',')}]`);
  }
  if (a.entity && b.entity) {
    const suffixes = suffixResult(a, b);
    if (suffixes) return suffixes;
    if (!entitiesAgree(a, b)) {
      if (CRYPTO_ASSETS.has(a.entity) && CRYPTO_ASSETS.has(b.entity)) return differ(`different assets: "${a.text}" vs "${b.text}"`);
      if (isAcronym(a) || isAcronym(b)) return unsure(`"${a.text}" and "${b.text}" may be a ticker and a name`);
      return differ(`subject differs: "${a.text}" vs "${b.text}"`, !a.metric && !b.metric);
    }
  }
  if (!!a.metric !== !!b.metric) {
    const [m, o] = a.metric ? [a, b] : [b, a];
    // an asset's quantity is its price; a quantity with no owner against an owner with no quantity says nothing
    if (o.kind !== 'asset' || !m.entity) return { ...unsure(`quantity "${m.metric}" named on one side only ("${m.text}" vs "${o.text}")`), ...(m.entity && o.entity ? { metric: m.metric! } : {}) };
  }
  if (!a.entity !== !b.entity && !(a.metric && b.metric)) return unsure(`"${a.text}" vs "${b.text}" not comparable`);
  return agree(`same subject: "${a.text}" ~ "${b.text}"`);
}

/**
 * Name suffixes tell people apart: "Donald Trump Jr." is not "Donald Trump", nor "… Sr.", nor
 * "Ken Griffey III". A suffix on one side only, or different suffixes, of names that otherwise
 * agree is a different person, unless the other side's own text writes that name with the same
 * suffix (its rules say "Donald Trump Jr." under a label "Donald Trump"). undefined when the
 * suffixes agree (or the names do not, which the caller settles).
 */
function suffixResult(a: Subject, b: Subject): Agreement | undefined {
  const sa = a.suffix ?? '';
  const sb = b.suffix ?? '';
  if (sa === sb || a.kind === 'company' || b.kind === 'company' || !entitiesAgree(a, b)) return undefined;
  if (!sb && b.textSuffixes?.includes(sa)) return undefined;
  if (!sa && a.textSuffixes?.includes(sb)) return undefined;
  return differ(`different person: "${a.text}" vs "${b.text}" (name suffix ${sa || 'none'} vs ${sb || 'none'})`);
}

/** Every name of the subject (or of a side) is one word: a nickname or a city alone. */
const thin = (s: Subject): boolean => (s.members ? s.members.some(thin) : namesOf(s).every((n) => n.length === 1));

/** "Russia-Ukraine" against a joint subject: the hyphen joins two names. */
function splitHyphen(s: Subject, how: 'game' | 'and' = 'game'): Subject {
  const n = namesOf(s)[0];
  if (s.members || s.metric || !n || n.length !== 1 || !n[0]!.includes('-')) return s;
  const parts = n[0]!.split('-').filter(Boolean);
  if (parts.length !== 2) return s;
  return joint(parts.map((p) => { const c = canonicalName([p]); return { kind: c.kind ?? 'other', key: c.key, text: p, entity: c.key, names: c.key === p ? [[p]] : [[p], c.key.split(' ')] }; }), s.text, how);
}

/**
 * Two joint subjects as sets ("Putin and Zelenskyy" ~ "Zelensky and Putin"): each member matched
 * to its own member on the other side; a member more or less is another subject.
 */
function sameSet(a: Subject, b: Subject, single: (p: Subject, q: Subject) => Agreement): Agreement {
  const xs = a.members!;
  const ys = b.members!;
  if (xs.length !== ys.length) return differ(`members differ: "${a.text}" (${xs.length}) vs "${b.text}" (${ys.length})`);
  const used = new Set<number>();
  let unsureOne = false;
  for (const m of xs) {
    const results = ys.map((n, k) => (used.has(k) ? undefined : single(m, n)));
    const k = results.findIndex((r) => r?.is === 'agree');
    if (k >= 0) {
      used.add(k);
      continue;
    }
    if (results.some((r) => r?.is === 'unsure')) unsureOne = true;
    else return differ(`members differ: "${m.text}" of "${a.text}" is not in "${b.text}"`);
  }
  return unsureOne ? unsure(`members of "${a.text}" vs "${b.text}" not all comparable`) : agree(`same members: "${a.text}" ~ "${b.text}"`);
}

function compare(x: Subject, y: Subject): Agreement {
  const league = x.league ?? y.league;
  const single = (p: Subject, q: Subject): Agreement => compareSingle(p, q, league);
  const a = y.members ? splitHyphen(x, y.joint) : x;
  const b = x.members ? splitHyphen(y, x.joint) : y;
  if (a.members && b.members) {
    // a joint actor ("A and B meet") on either side: the same set of members
    if (a.joint === 'and' || b.joint === 'and') return sameSet(a, b, single);
    const [x1, x2] = a.members;
    const [y1, y2] = b.members;
    if (a.members.length !== 2 || b.members.length !== 2) return a.key === b.key ? agree('same members') : unsure(`"${a.text}" vs "${b.text}"`);
    const ok = (p: Subject, q: Subject): boolean => single(p, q).is === 'agree';
    if ((ok(x1!, y1!) && ok(x2!, y2!)) || (ok(x1!, y2!) && ok(x2!, y1!))) return agree(`same sides: "${a.text}" ~ "${b.text}"`);
    const any = [ok(x1!, y1!), ok(x1!, y2!), ok(x2!, y1!), ok(x2!, y2!)].some(Boolean);
    // one side the same and the other not: another game of the same team
    if (any) return differ(`one side differs: "${a.text}" vs "${b.text}"`);
    // nothing matches: a nickname against a city ("Celtics" / "Boston") cannot be told apart from another game
    return thin(a) || thin(b) ? unsure(`sides not comparable: "${a.text}" vs "${b.text}"`) : differ(`sides differ: "${a.text}" vs "${b.text}"`);
  }
  if (a.members || b.members) {
    const [pair, one] = a.members ? [a, b] : [b, a];
    const hit = pair.members!.map((m) => single(m, one));
    // a joint actor is not one of its members: "Putin out" is not "Putin and Zelensky meet"
    if (pair.joint === 'and') return differ(`"${one.text}" vs the joint subject "${pair.text}"${hit.some((h) => h.is === 'agree') ? ' (one member only)' : ''}`);
    if (hit.some((h) => h.is === 'agree')) return agree(`"${one.text}" is a side of "${pair.text}"`);
    if (hit.some((h) => h.is === 'unsure') || thin(pair) || thin(one)) return unsure(`"${one.text}" vs "${pair.text}"`);
    return differ(`"${one.text}" is not a side of "${pair.text}"`, true);
  }
  return single(a, b);
}

/** The subject (or one of its sides) is named in the other record's title. */
function mentioned(s: Subject, title: string): boolean {
  const other = tokenize(title.slice(0, MAX_TEXT));
  const runs: string[][] = [];
  for (let i = 0; i < other.length; i++) {
    if (!nameWord(other[i]!)) continue;
    const run: Tok[] = [];
    while (i < other.length && nameWord(other[i]!) && run.length < 5) {
      run.push(other[i]!);
      if (other[i]!.stop || other[i]!.poss) break;
      i++;
    }
    runs.push(nameTokens(run).tokens);
  }
  const names = s.members ? s.members.flatMap(namesOf) : namesOf(s);
  return names.length > 0 && names.some((n) => runs.some((r) => namesAgree(n, r)));
}

const pass = (guard: 'subject' | 'round', reason: string): GuardResult => ({ guard, outcome: 'pass', reason });
const fail = (guard: 'subject' | 'round', reason: string): GuardResult => ({ guard, outcome: 'fail', reason });
const flag = (guard: 'subject' | 'round', reason: string): GuardResult => ({ guard, outcome: 'flag', reason });

/** The country a US venue's event is in when its text names none. */
const DEFAULT_COUNTRY = COUNTRIES.get('us');

/** A token's country key, when it names one ("us" → "united states"). */
const countryOf = (t: string): string | undefined => COUNTRIES.get(t) ?? COUNTRIES.get(t.replace(/-/g, ' '));

/**
 * Countries a text names in capitals ("the United States", "U.S.", "Canada"), as keys: runs of one
 * to three capitalised words looked up whole. Reads at most {@link MAX_RULES} characters.
 */
function countriesIn(text: string): Set<string> {
  const toks = tokenize(sanitizeText(text.slice(0, MAX_RULES * 2)).slice(0, MAX_RULES));
  const out = new Set<string>();
  for (let i = 0; i < toks.length; i++) {
    if (!toks[i]!.cap) continue;
    // a one-word country inside a longer capitalised name is not one ("New Jersey", "Michael Jordan")
    const inName = i > 0 && toks[i - 1]!.cap && !toks[i - 1]!.stop;
    for (let n = 3; n >= (inName ? 2 : 1); n--) {
      const span = toks.slice(i, i + n);
      if (span.length < n || span.some((t, k) => !t.cap && !(k > 0 && t.lc === 'of'))) continue;
      const c = COUNTRIES.get(span.map((t) => t.lc).join(' ')) ?? (n === 1 ? COUNTRIES.get(span[0]!.w.toLowerCase().replace(/\.$/, '')) : undefined);
      if (c) {
        out.add(c);
        i += n - 1;
        break;
      }
    }
  }
  return out;
}

/**
 * An event subject ("US government shutdown", from "Will there be …") against the other record: the
 * same event when the other title writes the head noun (spaces ignored: "shut down") and every word
 * of the other's subject is a word of the event (countries compared as countries); a country the
 * other names against another country in the event is another event. Anything else is a hold.
 */
function eventResult(ev: Subject, other: SubjectInput, so: Subject | undefined, self?: SubjectInput): GuardResult {
  const words = namesOf(ev)[0] ?? [];
  const countries = new Set(words.map(countryOf).filter((c): c is string => c !== undefined));
  if (so?.head) {
    if (so.head !== ev.head) return fail('subject', `event differs: "${ev.text}" vs "${so.text}"`);
    const theirs = namesOf(so)[0] ?? [];
    const theirCountries = new Set(theirs.map(countryOf).filter((c): c is string => c !== undefined));
    // a country on both sides and none shared: another country's event ("Canada recession" / "US recession")
    if (countries.size && theirCountries.size && ![...countries].some((c) => theirCountries.has(c))) return fail('subject', `event differs: "${ev.text}" vs "${so.text}" (another country)`);
    // a country written on one side only ("US government shutdown" / "Government shutdown"): the other's own text must not name another
    if (countries.size !== theirCountries.size && (!countries.size || !theirCountries.size)) {
      const [withC, cs, without] = countries.size ? [ev, countries, so] : [so, theirCountries, ev];
      const rulesOf = without === ev ? self : other;
      const named = rulesOf ? countriesIn(`${rulesOf.title}\n${rulesOf.rulesText}`) : new Set<string>();
      if (named.size && ![...cs].some((c) => named.has(c))) return fail('subject', `event differs: "${withC.text}" vs "${without.text}" (its rules name ${[...named].join(', ')})`);
      const rest = (ws: readonly string[]): string[] => ws.filter((t) => countryOf(t) === undefined);
      if (namesAgree(rest(words), rest(theirs))) return pass('subject', `same event: "${ev.text}" ~ "${so.text}" (the country on one side only${named.size ? ', named by the other\'s rules' : ''})`);
    }
    return namesAgree(words, theirs) ? pass('subject', `same event: "${ev.text}" ~ "${so.text}"`) : flag('subject', `"${ev.text}" vs "${so.text}": a human must confirm`);
  }
  const squashed = fold(other.title.slice(0, MAX_TEXT)).replace(/[\s-]+/g, '');
  if (!ev.head || !squashed.includes(ev.head.slice(0, Math.max(4, ev.head.length - 1)))) return flag('subject', `event "${ev.text}" not named in the other title: a human must confirm`);
  if (so?.members) {
    // "Russia-Ukraine ceasefire" against "Russia x Ukraine …" naming the ceasefire too: every member is a word of the event, and no other name is
    const parts = words.flatMap((w) => w.split('-')).filter(Boolean);
    const memberIn = (m: Subject): boolean => namesOf(m).some((n) => n.every((t) => parts.includes(t)) || (COUNTRIES.get(n.join(' ')) !== undefined && parts.some((p) => countryOf(p) === COUNTRIES.get(n.join(' ')))));
    const covered = new Set(so.members.flatMap((m) => namesOf(m).flat()));
    const extra = parts.filter((p) => p !== ev.head && singular(p) !== ev.head && !covered.has(p) && countryOf(p) !== undefined);
    if (so.members.every(memberIn) && !extra.length) return pass('subject', `same event: "${ev.text}" ~ "${so.text}" (${ev.head})`);
    return flag('subject', `event "${ev.text}" vs "${so.text}": a human must confirm`);
  }
  if (!so || so.members || so.metric) return flag('subject', `event "${ev.text}" vs ${so ? `"${so.text}"` : 'no subject'}: a human must confirm`);
  const theirs = namesOf(so).flat();
  for (const t of theirs) {
    const c = countryOf(t) ?? (COUNTRIES.get(so.key) ? so.key : undefined);
    if (c && countries.size && !countries.has(c)) return fail('subject', `event differs: "${ev.text}" vs "${so.text}" (another country)`);
  }
  // the event names a country and the other does not in its subject: its own text must not name only other countries
  if (countries.size && !theirs.some((t) => countryOf(t) !== undefined)) {
    const named = countriesIn(`${other.title}\n${other.rulesText}`);
    if (named.size && ![...countries].some((c) => named.has(c))) return fail('subject', `event differs: "${ev.text}" vs "${so.text}" (its rules name ${[...named].join(', ')})`);
  }
  // a country alone on the other side ("Will the US government shut down …" read as "US") against an event naming no
  // country: the same event when the country is the event's own (its text names it), or the default United States
  // and the event's text names no other country
  const soCountry = countryOf(theirs.join(' ')) ?? COUNTRIES.get(so.key);
  if (soCountry && !countries.size && (so.kind === 'country' || countryOf(theirs.join(' ')) !== undefined)) {
    const named = self ? countriesIn(`${self.title}\n${self.rulesText}`) : new Set<string>();
    if (named.size && !named.has(soCountry)) return fail('subject', `event differs: "${ev.text}" vs "${so.text}" (the event's text names ${[...named].join(', ')})`);
    if (named.has(soCountry) || soCountry === DEFAULT_COUNTRY) {
      return pass('subject', `same event: "${ev.text}" in ${soCountry}, the country "${so.text}" names (${named.size ? "the event's text names it" : 'the default country'})`);
    }
  }
  const inEvent = (t: string): boolean => words.includes(t) || singular(t) === ev.head || (countryOf(t) !== undefined && countries.has(countryOf(t)!));
  if ((namesOf(so)[0] ?? []).every(inEvent)) return pass('subject', `same event: "${ev.text}" ~ "${so.text}"`);
  return flag('subject', `event "${ev.text}" vs "${so.text}": a human must confirm`);
}

function subjectResult(a: SubjectInput, b: SubjectInput, sa: Subject | undefined, sb: Subject | undefined): GuardResult {
  if (sa?.head) return eventResult(sa, b, sb, a);
  if (sb?.head) return eventResult(sb, a, sa, b);
  if (!sa || !sb) {
    const unknown = [sa ? '' : a.venue, sb ? '' : b.venue].filter(Boolean).join(' and ');
    return flag('subject', `subject unknown on ${unknown}: a human must confirm who or what the questions are about`);
  }
  const c = compare(sa, sb);
  if (c.is === 'agree') return pass('subject', c.why);
  if (c.is === 'unsure') {
    // the same owner, its quantity named as a noun on one side and written elsewhere in the other title
    // ("Tesla deliveries" / "Will Tesla deliver …", "largest company by market cap — NVIDIA")
    if (c.metric) {
      const stem = c.metric.slice(0, Math.max(3, Math.min(7, c.metric.length - 1)));
      const other = sa.metric ? b : a;
      if (fold(other.title.slice(0, MAX_TEXT)).includes(stem)) return pass('subject', `${c.why}; the other title names it too`);
    }
    return flag('subject', c.why);
  }
  // the grammar may have taken the actor on one side and the object on the other ("Will Trump
  // nominate X" / "Will X be nominated by Trump"): both named in both titles is a hold, not a rejection
  if (c.names && mentioned(sa, b.title) && mentioned(sb, a.title)) return flag('subject', `${c.why}, but each title names the other's subject`);
  return fail('subject', c.why);
}

const showRound = (r: Round): string => [r.party, r.office, r.stage].filter(Boolean).join(' ');

function roundResult(a: SubjectInput, b: SubjectInput, games: boolean): GuardResult {
  const ra = extractRound(a.title);
  const rb = extractRound(b.title);
  if (!ra && !rb) return pass('round', 'no election or tournament stage named');
  const weak = (r: Round | undefined): boolean => !r || r.stage === 'general' || r.stage === 'overall';
  if (ra && rb) {
    if (ra.party && rb.party && ra.party !== rb.party) return fail('round', `party differs: ${showRound(ra)} vs ${showRound(rb)}`);
    if (ra.office && rb.office && ra.office !== rb.office) {
      return fail('round', `office differs: ${showRound(ra)} vs ${showRound(rb)}`);
    }
  }
  if (weak(ra) && weak(rb)) return pass('round', `final result on both (${ra ? showRound(ra) : 'unqualified'} vs ${rb ? showRound(rb) : 'unqualified'})`);
  if (ra && rb && ra.stage === rb.stage) return pass('round', `same stage: ${showRound(ra)}`);
  const [strong, other] = weak(ra) ? [rb!, ra] : [ra!, rb];
  // the same two sides on both venues: a tournament stage names the game they already identify
  if (!other && games && !STRONG_ELECTION.has(strong.stage)) return pass('round', `stage "${strong.text}" on one side only, but both are the same game`);
  if (!other) return flag('round', `stage "${strong.text}" named on one side only`);
  if (other.stage === 'general' || other.stage === 'overall') {
    // an election stage against the final result is another question; a tournament final against "win the title" may not be
    return STRONG_ELECTION.has(strong.stage)
      ? fail('round', `${showRound(strong)} vs ${showRound(other)}`)
      : flag('round', `${showRound(strong)} vs ${showRound(other)}: a human must confirm`);
  }
  const pn = new Set([ra!.stage, rb!.stage]);
  if (pn.has('primary') && pn.has('nomination')) return flag('round', `primary vs nomination (${showRound(ra!)} vs ${showRound(rb!)}): usually the same contest, a human must confirm`);
  return fail('round', `stage differs: ${showRound(ra!)} vs ${showRound(rb!)}`);
}

/**
 * Subject and round of a pair. 'subject': both known and different → fail (the model cannot
 * override it); both known and the same → pass; either unknown, or a comparison the alias rules
 * cannot settle → flag. 'round': different stages (or parties, or offices) → fail; a stage on one
 * side only → flag; an election stage (primary, nomination, runoff, a numbered round) against the
 * final result → fail; the same stage, or the final result on both sides → pass.
 */
export function subjectGuard(a: SubjectInput, b: SubjectInput): GuardResult[] {
  const sa = subjectOf(a);
  const sb = subjectOf(b);
  const s = subjectResult(a, b, sa, sb);
  const games = s.outcome === 'pass' && sa?.members !== undefined && sb?.members !== undefined;
  return [s, roundResult(a, b, games)];
}
