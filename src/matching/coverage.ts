/**
 * The coverage guard: auto-approval requires that everything SPECIFIC a question names is
 * accounted for on the other venue. Each side's question (title plus Kalshi's YES subtitle or
 * Polymarket's group item title) yields its specific terms, open-ended:
 *
 *   proper-noun phrases   "North Carolina", "Labour leader", "Champions League", "Silver Bulletin"
 *   acronyms              "NFC", "UCL", "UK", "GPT-6"
 *   predicate verbs       announce / release / confirm / nominate / sign / resign … (a closed set:
 *                         they change what must happen)
 *   named sources         "according to X", "on the X average" in the rules (when both sides name one)
 *
 * A term is accounted for when it, or an alias, abbreviation, expansion, demonym or team name of
 * it, appears anywhere in the OTHER side's full text (title, subtitle, rules, secondary rules),
 * compared accent-folded and plural-insensitive. An unaccounted term on either side holds the pair
 * for a human (`flag`), never `fail`: the other guards reject. Dates, numbers, units, directions and
 * venue boilerplate are not terms (other guards compare them).
 *
 * Market text is data: every field is cut to {@link MAX_FIELD} characters and every pattern is a
 * flat token test or an unnested regular expression, so hostile text costs linear time.
 */
import { readDecision } from './decisionOutcome.js';
import { KNOWN_ENTITIES } from './extract.js';
import type { GuardInput, GuardResult } from './guards.js';
import { sanitizeText } from './sanitize.js';
import { abbreviates, fold } from './subject.js';
import { teamCandidates, type Team } from './teams.js';

/** Characters of one text field read (titles are far shorter; rules rarely longer). */
export const MAX_FIELD = 4_000;
/** Terms reported in a reason, at most. */
const MAX_SHOWN = 8;

type Rec = Pick<GuardInput, 'venue' | 'title' | 'rulesText' | 'rulesSecondary'> & Partial<Pick<GuardInput, 'subjectText' | 'resolutionSource' | 'marketId'>>;

const set = (s: string): ReadonlySet<string> => new Set(s.split(/\s+/).filter(Boolean));

/** Capitalised words that are grammar, boilerplate, dates, directions or units, never a specific term. */
const NOT_TERMS = set(`
  fc cf sc
  will would does do did is are was were be been can could should shall may might must has have had
  the a an this that these those it its his her their there here what who whom whose which how when where why whether
  yes no market markets kalshi polymarket resolve resolves resolved resolution otherwise note please if then else
  in on at by for of to from with without into onto over under above below between through until till since during before after
  and or nor but not vs versus v x per via as than about around within
  jan january feb february mar march apr april may jun june jul july aug august sep sept september oct october nov november dec december
  monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun
  today tomorrow tonight week weekly month monthly year yearly annual annually daily day days date end start q1 q2 q3 q4 h1 h2 ytd eoy
  et est edt ct cst cdt pt pst pdt utc gmt am pm noon midnight
  higher lower more less fewer exactly least most up down hold holds cut cuts hike hikes increase decrease unchanged change changes tie draw
  other others none any anyone anybody neither both either all each every next last first second third
  winner winners moneyline spread odds game match midterm midterms general men mens jr sr mr mrs ms dr
  mom yoy qoq saar sa nsa
  yes no true false or more less`);

/** Words that join the words of one name ("Bank of England", "Lula da Silva", "Alternative für Deutschland"). */
const CONNECTORS = set('of the de da do dos das du des la le von van der den di del y & and für fur');

/** Abbreviations and names the venues write for the same thing (folded; each row one thing). */
const ALIAS_ROWS: readonly (readonly string[])[] = [
  ...Object.values(KNOWN_ENTITIES).map((xs) => [...xs]),
  ['united kingdom', 'uk', 'u.k.', 'britain', 'great britain', 'british'],
  ['united states', 'us', 'u.s.', 'usa', 'u.s.a.', 'america', 'american'],
  ['prime minister', 'pm', 'premier'],
  ['champions league', 'uefa champions league', 'ucl'],
  ['europa league', 'uel'],
  ['premier league', 'english premier league', 'epl'],
  ['republican', 'republicans', 'gop', 'rep'],
  ['democratic', 'democrat', 'democrats', 'dem', 'dems'],
  ['national football conference', 'nfc'],
  ['american football conference', 'afc'],
  ['federal reserve', 'fed', 'fomc', 'federal open market committee'],
  ['european central bank', 'ecb'],
  ['bank of england', 'boe'],
  ['bank of japan', 'boj'],
  ['formula one', 'formula 1', 'f1'],
  ['national weather service', 'nws'],
  ['securities and exchange commission', 'sec'],
  ['house', 'house of representatives'],
  ['realclearpolitics', 'realclearpolling', 'rcp', 'real clear politics'],
  ['new york city', 'nyc', 'new york'],
  ['washington dc', 'dc', 'd.c.', 'district of columbia'],
];

/** Demonyms a prefix test misses ("French" ~ "France"). */
const DEMONYMS: readonly (readonly string[])[] = [
  ['france', 'french'], ['china', 'chinese'], ['spain', 'spanish'], ['netherlands', 'dutch', 'holland'], ['switzerland', 'swiss'],
  ['turkey', 'turkish', 'turkiye'], ['greece', 'greek'], ['ireland', 'irish'], ['poland', 'polish'], ['sweden', 'swedish'],
  ['denmark', 'danish'], ['finland', 'finnish'], ['norway', 'norwegian'], ['portugal', 'portuguese'], ['thailand', 'thai'],
  ['philippines', 'filipino', 'philippine'], ['scotland', 'scottish', 'scots'], ['wales', 'welsh'], ['england', 'english'],
  ['peru', 'peruvian'], ['iraq', 'iraqi'], ['iran', 'iranian'], ['israel', 'israeli'], ['pakistan', 'pakistani'],
  ['new zealand', 'kiwi'], ['czechia', 'czech republic', 'czech'], ['south korea', 'korea', 'korean'], ['japan', 'japanese'],
  ['germany', 'german', 'deutschland'], ['ukraine', 'ukrainian'], ['russia', 'russian'], ['canada', 'canadian'], ['mexico', 'mexican'],
  ['brazil', 'brazilian'], ['argentina', 'argentine', 'argentinian'], ['italy', 'italian'], ['india', 'indian'],
];

/** US states and their postal codes. */
const STATES = `AL alabama;AK alaska;AZ arizona;AR arkansas;CA california;CO colorado;CT connecticut;DE delaware;FL florida;GA georgia;HI hawaii;
ID idaho;IL illinois;IN indiana;IA iowa;KS kansas;KY kentucky;LA louisiana;ME maine;MD maryland;MA massachusetts;MI michigan;MN minnesota;
MS mississippi;MO missouri;MT montana;NE nebraska;NV nevada;NH new hampshire;NJ new jersey;NM new mexico;NY new york;NC north carolina;
ND north dakota;OH ohio;OK oklahoma;OR oregon;PA pennsylvania;RI rhode island;SC south carolina;SD south dakota;TN tennessee;TX texas;
UT utah;VT vermont;VA virginia;WA washington;WV west virginia;WI wisconsin;WY wyoming`
  .split(';')
  .map((r) => r.trim().split(/\s+/))
  .map(([code, ...name]) => [name.join(' '), code!.toLowerCase()]);

/** Predicate verbs that change what must happen: group → the forms that count as naming it. */
const PREDICATES: readonly (readonly [string, RegExp])[] = [
  ['announce', /\bannounc(?:e|es|ed|ing|ement|ements)\b/],
  ['confirm', /\bconfirm(?:s|ed|ing|ation|ations)?\b/],
  ['nominate', /\bnominat(?:e|es|ed|ing|ion|ions)\b|\bnominee\b/],
  ['propose', /\bpropos(?:e|es|ed|ing|al|als)\b/],
  ['file', /\bfil(?:e|es|ed|ing|ings)\b/],
  ['sign', /\bsign(?:s|ed|ing|ature|s into law)?\b|\benact(?:s|ed|ment)?\b/],
  ['pass', /\bpass(?:es|ed|ing|age)?\b/],
  ['release', /\breleas(?:e|es|ed|ing)\b|\blaunch(?:es|ed|ing)?\b/],
  ['launch', /\blaunch(?:es|ed|ing)?\b|\breleas(?:e|es|ed|ing)\b/],
  ['leave', /\bleav(?:e|es|ing)\b|\bleft\b|\bresign(?:s|ed|ing|ation)?\b|\bstep(?:s|ped)? down\b|\bdepart(?:s|ed|ure)?\b|\bout\b|\bno longer\b|\bceases?\b/],
  ['resign', /\bresign(?:s|ed|ing|ation)?\b|\bstep(?:s|ped)? down\b|\bleav(?:e|es|ing)\b|\bleft\b|\bout\b|\bno longer\b|\bceases?\b/],
  ['indict', /\bindict(?:s|ed|ment|ments)?\b|\bcharged\b/],
  ['convict', /\bconvict(?:s|ed|ion|ions)?\b|\bguilty\b/],
  ['arrest', /\barrest(?:s|ed)?\b/],
  ['impeach', /\bimpeach(?:es|ed|ment)?\b/],
  ['veto', /\bveto(?:es|ed)?\b/],
  ['approve', /\bapprov(?:e|es|ed|al)\b/],
  ['ban', /\bban(?:s|ned)?\b/],
  ['acquire', /\bacquir(?:e|es|ed|ing)\b|\bacquisition\b|\bbuy(?:s)?\b|\bbought\b/],
  ['invade', /\binvad(?:e|es|ed)\b|\binvasion\b/],
  ['endorse', /\bendors(?:e|es|ed|ement)\b/],
  ['pardon', /\bpardon(?:s|ed)?\b/],
  ['fire', /\bfir(?:e|es|ed)\b|\bremov(?:e|es|ed|al)\b|\bdismiss(?:es|ed|al)?\b|\bousted\b/],
];
/** How a question writes each predicate (only the verb forms: "announcement" in a title is a noun). */
const PREDICATE_IN_QUESTION: readonly (readonly [string, RegExp])[] = [
  ['announce', /\bannounc(?:e|es|ed|ing)\b/], ['confirm', /\bconfirm(?:s|ed|ing)?\b/], ['nominate', /\bnominat(?:e|es|ed|ing)\b/],
  ['propose', /\bpropos(?:e|es|ed|ing)\b/], ['file', /\bfil(?:e|es|ed)\b(?! under)/], ['sign', /\bsign(?:s|ed|ing)?\b/],
  ['pass', /\bpass(?:es|ed)?\b/], ['release', /\breleas(?:e|es|ed)\b/], ['launch', /\blaunch(?:es|ed)?\b/], ['leave', /\bleav(?:e|es)\b|\bleft\b/],
  ['resign', /\bresign(?:s|ed)?\b/], ['indict', /\bindict(?:s|ed)?\b/], ['convict', /\bconvict(?:s|ed)?\b/], ['arrest', /\barrest(?:s|ed)?\b/],
  ['impeach', /\bimpeach(?:es|ed)?\b/], ['veto', /\bveto(?:es|ed)?\b/], ['approve', /\bapprov(?:e|es|ed)\b/], ['ban', /\bban(?:s|ned)?\b/],
  ['acquire', /\bacquir(?:e|es|ed)\b/], ['invade', /\binvad(?:e|es|ed)\b/], ['endorse', /\bendors(?:e|es|ed)\b/], ['pardon', /\bpardon(?:s|ed)?\b/],
  ['fire', /\bfire[sd]?\b/],
];

/**
 * A question that names the completed event itself (shares trading, a product out, a thing
 * happening) rather than a step towards it: against a predicate (file, announce, confirm,
 * nominate, propose …) in the other QUESTION it is another question, whatever the other side's
 * rules mention in passing ("a filing alone does not count").
 */
const COMPLETED_EVENT =
  /\b(?:ipo|ipos|go(?:es)? public|goes? live|public listing|direct listing|(?:begins?|starts?) (?:public )?trading|trades? publicly|happens?|occurs?|takes? place|takes? effect|launch(?:es|ed)?|releas(?:e|es|ed)|debuts?|ships?|becomes? law|in effect|comes? out)\b/;

/** Predicates that are the event itself in a central bank's rate decision ("ECB announces no change …" ~ "ECB decision: Hold"). */
const RATE_DECISION_PREDICATES = new Set(['announce']);

/** A prize or award: being awarded it, its recipient or laureate, is winning it. */
const PRIZE = /\b(?:prize|prizes|award|awards|medal|trophy|nobel|oscars?|academy awards?|emmys?|grammys?|tonys?|golden globes?|pulitzer|booker|ballon d ?or|heisman|person of the year)\b/;
const PRIZE_WIN = /\b(?:award|awarded|awards|recipient|recipients|receive|receives|received|laureate|laureates|named|honou?red)\b/;

/**
 * Achievement and result types: what must happen for YES in a contest, a closed set (winning is not
 * taking pole, finishing on the podium or in the top 10, qualifying, being nominated, winning the
 * most votes or a majority …). Each: the group, how a question names it, and the forms that account
 * for it in the other side's full text. "Top N" carries its N ("top 10" is not "top 5").
 */
const ACHIEVEMENTS: readonly (readonly [string, RegExp, RegExp])[] = [
  ['win', /\b(?:win|wins|won|winner|winners|winning|champion|champions|victory)\b/, /\b(?:win|wins|won|winner|winners|winning|champion|champions|championship|victor|victory|victorious|title|nominee|elected|control|controls)\b/],
  ['pole position', /\bpole(?: position)?\b/, /\bpole\b/],
  ['podium', /\bpodium\b/, /\bpodium\b|\btop (?:3|three)\b/],
  ['fastest lap', /\bfastest lap\b/, /\bfastest lap\b/],
  ['qualify', /\bqualif(?:y|ies|ied)\b|\bqualification\b/, /\bqualif(?:y|ies|ied|ying|ication)\b/],
  ['advance', /\badvanc(?:e|es)\b/, /\badvanc(?:e|es|ed|ing|ement)\b/],
  ['reach the final', /\b(?:reach|reaches|make|makes) the (?:final|finals|semifinals?|semi finals?|quarterfinals?)\b/, /\b(?:reach|reaches|reached|make|makes|made|advance to|qualify for) the (?:final|finals|semifinals?|semi finals?|quarterfinals?)\b|\bfinalists?\b/],
  ['make the playoffs', /\b(?:make|makes|reach|reaches|qualify for) the (?:[a-z]+ ){0,2}playoffs?\b|\bplayoff (?:berth|spot)\b/, /\bplayoffs?\b|\bpostseason\b/],
  ['make the cut', /\b(?:make|makes|miss|misses) the cut\b/, /\bthe cut\b/],
  ['nominated', /\bnominated\b|\bnomination for best\b/, /\bnominat(?:ed|ion|ions)\b|\bnominees?\b/],
  ['finalist', /\bfinalists?\b/, /\bfinalists?\b|\b(?:reach|reaches|make|makes) the finals?\b/],
  ['mvp', /\bmvp\b|\bmost valuable player\b/, /\bmvp\b|\bmost valuable player\b/],
  ['most votes', /\bmost votes\b|\bfinish(?:es)? first\b|\bplurality\b|\bmost seats\b/, /\bmost votes\b|\bfinish(?:es|ed)? first\b|\bplurality\b|\bmost seats\b|\bhighest (?:number|share) of votes\b/],
  ['majority', /\bmajority\b/, /\bmajority\b|\bcontrol(?:s|led)? (?:of )?the (?:house|senate|chamber|assembly)\b/],
  ['lead at halftime', /\b(?:lead|leads|leading|ahead) at (?:half ?time|the half)\b|\bhalf ?time\b/, /\bhalf ?time\b|\bat the half\b/],
  ['first to score', /\bfirst to score\b|\bscores? first\b|\bfirst (?:goal|touchdown|basket|run)\b/, /\bfirst to score\b|\bscores? first\b|\bfirst (?:goal|touchdown|basket|run)\b/],
];
/**
 * Measure qualifiers: words that change the quantity a question measures (a closed set). Each group
 * lists its variants, each with the forms that name it; a variant a question names must be carried
 * by the other side's question or rules, and the other side's question must not name another variant
 * of the group instead (the domestic vs the worldwide opening, the opening weekend vs the total gross,
 * the regular season vs the playoffs, the popular vote vs the electoral votes, seasonally adjusted
 * vs not, nominal vs real). Read on normalised text; a group with a context applies only when the
 * question names it (a box-office "international" is not the one in "Miami International Airport").
 */
const MEASURE_GROUPS: readonly { readonly group: string; readonly context?: RegExp; readonly variants: readonly (readonly [string, RegExp])[] }[] = [
  {
    group: 'market scope',
    context: /\b(?:box office|gross|grosses|grossing|opening|debut|ticket sales|revenue|sales|release)\b/,
    variants: [
      ['domestic', /\b(?:domestic|domestically|north america|north american|us and canada|us canada)\b/],
      ['worldwide', /\b(?:worldwide|world wide|global|globally)\b/],
      ['international', /\b(?:international|overseas|foreign)\b/],
    ],
  },
  {
    group: 'gross period',
    context: /\b(?:box office|gross|grosses|grossing|opening|debut|ticket sales)\b/,
    variants: [
      ['opening weekend', /\b(?:opening|debut|debuts|opens)\b/],
      ['total gross', /\b(?:total|cumulative|lifetime|all time|full run)\b/],
    ],
  },
  {
    group: 'season phase',
    variants: [
      ['regular season', /\bregular season\b/],
      ['playoffs', /\b(?:playoffs?|postseason|post season)\b/],
    ],
  },
  {
    group: 'vote count',
    variants: [
      ['popular vote', /\bpopular vote\b/],
      ['electoral votes', /\belectoral (?:votes?|college)\b/],
    ],
  },
  {
    group: 'seasonal adjustment',
    variants: [
      ['seasonally adjusted', /(?<!\bnot |\bnon |\bnon)\bseasonally adjusted\b/],
      ['not seasonally adjusted', /\b(?:not seasonally adjusted|non seasonally adjusted|unadjusted)\b|\bnsa\b/],
    ],
  },
  {
    group: 'price basis',
    variants: [
      ['nominal', /\bnominal\b/],
      ['real', /\breal (?:gdp|terms|growth|wages?|income|rates?|yields?)\b|\binflation adjusted\b/],
    ],
  },
];

/** The measure qualifiers a question names that the other side does not carry or names otherwise. */
function measureConflicts(question: string, otherQuestion: string, otherText: string): string[] {
  const q = norm(question);
  const oq = norm(otherQuestion);
  const out: string[] = [];
  for (const g of MEASURE_GROUPS) {
    if (g.context && !g.context.test(q)) continue;
    for (const [name, re] of g.variants) {
      if (!re.test(q)) continue;
      const carried = re.test(otherText);
      const opposite = g.variants.filter(([n, r]) => n !== name && r.test(oq) && !re.test(oq)).map(([n]) => n);
      if (opposite.length) out.push(`${name} vs ${opposite.join('/')} (measure)`);
      else if (!carried) out.push(`${name} (measure)`);
    }
  }
  return out;
}

/** "Top 10", "top-5", "top ten": its N. */
const TOP_N = /\btop (\d{1,3}|three|five|ten|twenty)\b/g;
const NUMBER_WORDS: Readonly<Record<string, string>> = { three: '3', five: '5', ten: '10', twenty: '20' };

/** The achievement types a question names ("pole position", "top 10", "win" …). */
function achievementTypes(question: string): string[] {
  const q = norm(question);
  const out = ACHIEVEMENTS.filter(([, re]) => re.test(q)).map(([k]) => k);
  for (const m of q.matchAll(TOP_N)) out.push(`top ${NUMBER_WORDS[m[1]!] ?? m[1]}`);
  return [...new Set(out)];
}

/** Whether the other side's full text (normalised) accounts for one achievement type. */
function achievementAccounted(t: string, otherText: string, prize = false): boolean {
  // a prize is won by being awarded it: its recipient, its laureate, who is named to it
  if (t === 'win' && prize && PRIZE_WIN.test(otherText)) return true;
  const top = /^top (\d+)$/.exec(t);
  if (top) return [...otherText.matchAll(TOP_N)].some((m) => (NUMBER_WORDS[m[1]!] ?? m[1]) === top[1]) || (top[1] === '3' && /\bpodium\b/.test(otherText));
  const re = ACHIEVEMENTS.find(([k]) => k === t)?.[2];
  return !re || re.test(otherText);
}

/**
 * A named aggregator of the figure in the rules: the capitalised name before a lower-case
 * "average", "tracker", "poll" or "index" ("according to the Silver Bulletin presidential approval
 * tracker", "on the RealClearPolitics (RealClearPolling) average").
 */
const SOURCE_CUE =
  /\b(?:according to|per|as (?:reported|published|shown|calculated) (?:by|on)|reported by|published by|on)\s+(?:the\s+)?((?:\p{Lu}[\p{L}\p{N}&.'-]*)(?:\s+\p{Lu}[\p{L}\p{N}&.'-]*){0,4})(?:\s*\([^()]{1,60}\))?(?:\s+[\p{Ll}-]+){0,3}?\s+(?:average|tracker|poll|polls|polling|aggregate|aggregator|forecast|model)\b/gu;

/** Things a name implies that the other venue may leave unsaid (one way only: "Super Bowl" implies the NFL, not the reverse). */
const IMPLIES: readonly (readonly [string, readonly string[]])[] = [
  ['super bowl', ['nfl']], ['pro football', ['nfl']], ['world series', ['mlb']], ['pro baseball', ['mlb']], ['nba finals', ['nba']],
  ['pro basketball', ['nba']], ['stanley cup', ['nhl']], ['pro hockey', ['nhl']], ['world cup', ['fifa']], ['champions league', ['uefa']],
  ['europa league', ['uefa']], ['premier league', ['english', 'epl']], ['formula one', ['fia']], ['f1', ['fia']],
];

/** Kalshi's generic names of the major leagues and the league each stands for. */
const GENERIC_LEAGUES: readonly (readonly [string, readonly string[]])[] = [
  ['pro basketball', ['nba']], ['pro football', ['nfl']], ['pro baseball', ['mlb']], ['pro hockey', ['nhl']],
];

/** Country words a US venue leaves unsaid: the United States is the default. */
const DEFAULT_PLACE = set('us usa america american united states');

/** Fold for comparison: accents, case, punctuation; hyphens and slashes become spaces. */
const norm = (s: string): string => fold(s).replace(/[-/]+/g, ' ').replace(/\s+/g, ' ').trim();
const singular = (w: string): string => (w.length > 4 && w.endsWith('ies') ? `${w.slice(0, -3)}y` : w.length > 3 && /(?:ses|xes|ches|shes)$/.test(w) ? w.slice(0, -2) : w.length > 3 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w);

/** alias (normalised) → row ids */
const ALIAS_INDEX: ReadonlyMap<string, readonly number[]> = (() => {
  const m = new Map<string, number[]>();
  const rows = [...ALIAS_ROWS, ...DEMONYMS, ...STATES];
  rows.forEach((row, i) => {
    for (const a of row) {
      const k = norm(a);
      if (k) m.set(k, [...(m.get(k) ?? []), i]);
    }
  });
  return m;
})();
const ALL_ROWS: readonly (readonly string[])[] = [...ALIAS_ROWS, ...DEMONYMS, ...STATES];
/** Postal codes of states, upper case (a term only when written in capitals). */
const POSTAL = new Set(STATES.map(([, c]) => c!.toUpperCase()));

/** What one side offers to account for the other's terms. */
interface Side {
  readonly venue: string;
  /** normalised full text, padded with spaces, plus the aliases of everything it names */
  readonly text: string;
  readonly words: ReadonlySet<string>;
  /** capital-letter tokens as written ("NFC", "UK", "AfD") */
  readonly acronyms: ReadonlySet<string>;
  /** initials of its capitalised runs ("United Kingdom" → "UK", "National Football Conference" → "NFC") */
  readonly initials: ReadonlySet<string>;
  readonly teams: ReadonlySet<Team>;
  readonly raw: string;
}

const cut = (s: string | undefined): string => sanitizeText((s ?? '').slice(0, MAX_FIELD * 2)).slice(0, MAX_FIELD);
const questionOf = (r: Rec): string => [cut(r.title), cut(r.subjectText)].filter(Boolean).join(' — ');
/** The title of the event the market belongs to, when the record carries it (Polymarket: "Arsenal vs. Chelsea" over "Will Arsenal win …?"). */
const eventTitleOf = (r: Rec): string => {
  const t = 'eventTitle' in r ? r.eventTitle : undefined;
  return typeof t === 'string' ? cut(t) : '';
};
const fullOf = (r: Rec): string => [questionOf(r), cut(r.rulesText), cut(r.rulesSecondary), cut(r.resolutionSource), eventTitleOf(r)].filter(Boolean).join('\n');

interface Tok {
  readonly w: string;
  /** first word of a sentence, clause or field */
  readonly initial: boolean;
}

/** Words as written with outer punctuation trimmed, marking the first word of each clause. */
function tokens(text: string): Tok[] {
  const out: Tok[] = [];
  let initial = true;
  for (const raw of text.split(/\s+/)) {
    if (!raw) continue;
    if (/^[—–|:;?!]+$/.test(raw) || raw === '-') {
      initial = true;
      continue;
    }
    const w = raw.replace(/^[^\p{L}\p{N}$]+|[^\p{L}\p{N}]+$/gu, '').replace(/['’]s$/u, '');
    const ends = /[?!:;—–|]$|[^A-Z.]\.$|["”)]$/u.test(raw) || /\.$/.test(raw) && !/^(?:\p{Lu}\.)+$/u.test(raw);
    if (w) out.push({ w, initial: initial || /^[("“]/.test(raw) });
    initial = ends;
  }
  return out;
}

const isCap = (w: string): boolean => /^\p{Lu}/u.test(w) || /^\p{Ll}+\p{Lu}/u.test(w);
const isAcronym = (w: string): boolean => /^(?:\p{Lu}\.){2,}$|^[\p{Lu}\p{N}&-]*\p{Lu}[\p{Lu}\p{N}&-]*$/u.test(w) && /\p{Lu}.*\p{Lu}|\p{Lu}.*\p{N}|\p{N}.*\p{Lu}/u.test(w) || /^\p{Lu}\p{Ll}+\p{Lu}/u.test(w) || /^\p{Ll}+\p{Lu}/u.test(w);
/** Numbers, years, ordinals, money, seasons, roman numerals after a name ("Super Bowl LXI"). */
const isNumberish = (w: string): boolean => /^[$€£]?[\d.,%°–-]+(?:st|nd|rd|th|k|m|bn|b|f|c|s)?$/i.test(w) || /^(?:19|20)\d\d(?:[–-]\d\d)?$/.test(w);
const isRoman = (w: string): boolean => /^(?=[XVIL]{2,}$)L?X{0,3}(?:IX|IV|V?I{0,3})$/.test(w) && !POSTAL.has(w);

/** Words of a text the text itself writes with a capital in mid-sentence (its proper nouns). */
function midCapitals(toks: readonly Tok[]): Set<string> {
  const out = new Set<string>();
  for (const t of toks) if (!t.initial && isCap(t.w)) out.add(norm(t.w));
  return out;
}

/** A specific term of a question: a run of capitalised words, or a predicate. */
interface Term {
  readonly text: string;
  readonly words: readonly string[];
  /** a team name (resolved by the team table) */
  readonly team?: boolean;
}

/** The proper-noun phrases of a question (runs of capitalised words, boilerplate dropped). */
function nameTerms(question: string, own: ReadonlySet<string>): Term[] {
  const toks = tokens(question);
  const out: Term[] = [];
  let run: Tok[] = [];
  const flush = (): void => {
    // connectors at the ends are not part of the name
    while (run.length && CONNECTORS.has(run[run.length - 1]!.w.toLowerCase())) run.pop();
    if (run.length) {
      const words = run.map((t) => t.w);
      // a lone clause-initial word is sentence case unless it is a name the record writes mid-sentence, an acronym or a place
      const lone = run.length === 1 && run[0]!.initial && !isAcronym(run[0]!.w) && !own.has(norm(run[0]!.w)) && !ALIAS_INDEX.has(norm(run[0]!.w));
      if (!lone) out.push(...splitTeams(words));
    }
    run = [];
  };
  for (const t of toks) {
    const lc = norm(t.w);
    const skip = !lc || isNumberish(t.w) || isRoman(t.w) || (NOT_TERMS.has(lc) && !(POSTAL.has(t.w) && t.w.length === 2 && !t.initial)) || (t.w.length === 1 && !(run.length && /^\p{Lu}$/u.test(t.w)));
    if (t.initial && run.length) flush(); // a clause boundary (':', ';', '?', a dash) ends a name
    if (!skip && (isCap(t.w) || /\d/.test(t.w) && /\p{L}/u.test(t.w) && isCap(t.w))) run.push(t);
    else if (run.length && CONNECTORS.has(t.w.toLowerCase()) && !t.initial) run.push(t);
    else flush();
  }
  flush();
  return out.slice(0, 40);
}

/**
 * A run of capitalised words cut into team names (the longest span of up to four words the team
 * table resolves: "Boston", "New York K", "Los Angeles Lakers") and the words between them.
 */
function splitTeams(words: readonly string[]): Term[] {
  const out: Term[] = [];
  let rest: string[] = [];
  const flushRest = (): void => {
    while (rest.length && CONNECTORS.has(rest[0]!.toLowerCase())) rest.shift();
    while (rest.length && CONNECTORS.has(rest[rest.length - 1]!.toLowerCase())) rest.pop();
    if (rest.length) out.push({ text: rest.join(' '), words: rest });
    rest = [];
  };
  for (let i = 0; i < words.length; ) {
    let n = Math.min(4, words.length - i);
    for (; n >= 1; n--) if (teamCandidates(words.slice(i, i + n).join(' ')).length) break;
    if (n >= 1) {
      flushRest();
      const span = words.slice(i, i + n);
      out.push({ text: span.join(' '), words: span, team: true });
      i += n;
    } else rest.push(words[i++]!);
  }
  flushRest();
  return out;
}

/** The predicates a question names. */
function predicateTerms(question: string): string[] {
  const q = norm(question);
  return PREDICATE_IN_QUESTION.filter(([, re]) => re.test(q)).map(([k]) => k);
}

/** Whether a record is a central bank's rate decision (decisionOutcome.ts reads it from the question and ticker). */
const isRateDecision = (r: Rec): boolean =>
  readDecision({ venue: r.venue, title: cut(r.title), ...(r.subjectText ? { subjectText: cut(r.subjectText) } : {}), ...(r.marketId ? { marketId: r.marketId } : {}) }).kind !== 'none';

/**
 * The predicates of one question that the other QUESTION does not name while itself asking another
 * predicate or the completed event ("Will SpaceX file for an IPO?" against "Will SpaceX IPO?"):
 * the questions ask different things whatever either side's rules mention. A predicate against a
 * question that names neither (a bare "2026 Nobel Peace Prize — Donald Trump") is left to the
 * full-text accounting.
 */
function predicateConflicts(q: string, otherQ: string, skip: ReadonlySet<string>): string[] {
  const oq = norm(otherQ);
  const otherPreds = predicateTerms(otherQ).filter((p) => !skip.has(p));
  const completed = COMPLETED_EVENT.test(oq);
  const out: string[] = [];
  for (const p of predicateTerms(q)) {
    if (skip.has(p)) continue;
    const re = PREDICATES.find(([k]) => k === p)?.[1];
    if (!re || re.test(oq)) continue;
    const asks = otherPreds.filter((o) => o !== p);
    if (asks.length || completed) out.push(`${p} (predicate) where the other question asks ${asks.length ? asks.join('/') : 'the completed event'}`);
  }
  return out;
}

/** Sources the rules name for the figure ("according to the Silver Bulletin …", "on the RealClearPolitics average"). */
function sourceTerms(r: Rec): string[] {
  const text = `${cut(r.rulesText)}\n${cut(r.rulesSecondary)}`;
  const out = new Set<string>();
  SOURCE_CUE.lastIndex = 0;
  for (let m = SOURCE_CUE.exec(text); m && out.size < 6; m = SOURCE_CUE.exec(text)) {
    const name = m[1]!.split(/\s+/).filter((w) => !NOT_TERMS.has(norm(w))).join(' ');
    if (name.length >= 3) out.add(name);
  }
  return [...out];
}

/** Initials of the capitalised runs of a text ("United Kingdom" → UK; connectors skipped). */
function runInitials(toks: readonly Tok[]): Set<string> {
  const out = new Set<string>();
  let run: string[] = [];
  const flush = (): void => {
    for (let i = 0; i < run.length; i++) {
      for (let j = i + 2; j <= Math.min(run.length, i + 6); j++) out.add(run.slice(i, j).map((w) => w[0]!.toUpperCase()).join(''));
    }
    run = [];
  };
  for (const t of toks) {
    if (isCap(t.w) && /^\p{L}/u.test(t.w)) run.push(t.w);
    else if (run.length && CONNECTORS.has(t.w.toLowerCase())) continue;
    else flush();
  }
  flush();
  return out;
}

/** The teams a text may name (every run of up to four capitalised words that resolves to one). */
function teamsIn(toks: readonly Tok[]): Set<Team> {
  const out = new Set<Team>();
  for (let i = 0; i < toks.length; i++) {
    if (!isCap(toks[i]!.w)) continue;
    for (let n = 4; n >= 1; n--) {
      const span = toks.slice(i, i + n);
      if (span.length < n || !span.every((t) => isCap(t.w) || /^\d{2}ers$/.test(t.w))) continue;
      const ts = teamCandidates(span.map((t) => t.w).join(' '));
      if (ts.length) {
        for (const t of ts) out.add(t);
        break;
      }
    }
  }
  return out;
}

function sideOf(r: Rec): Side {
  const raw = fullOf(r);
  const toks = tokens(raw);
  let text = ` ${norm(raw)} `;
  // everything the text names also stands for its aliases (the same row)
  const extra: string[] = [];
  const caps = ` ${raw.replace(/\./g, '').replace(/[^\p{L}\p{N}&]+/gu, ' ')} `;
  for (const [alias, rows] of ALIAS_INDEX) {
    // a short alias ("UK", "PM", "GA") counts only in capitals: "us", "pm" and "ga" are words
    const named = alias.length <= 3 ? caps.includes(` ${alias.replace(/[ .]/g, '').toUpperCase()} `) : text.includes(` ${alias} `);
    if (named) for (const i of rows) extra.push(...ALL_ROWS[i]!.map(norm));
  }
  for (const [k, vs] of IMPLIES) if (text.includes(` ${k} `)) extra.push(...vs);
  text = `${text}${extra.join(' ')} `;
  return {
    venue: r.venue,
    text,
    words: new Set(text.split(' ').filter(Boolean).map(singular)),
    acronyms: new Set(toks.map((t) => t.w.replace(/\./g, '')).filter((w) => /\p{Lu}.*\p{Lu}/u.test(w))),
    initials: runInitials(toks),
    teams: teamsIn(toks),
    raw,
  };
}

/** Two words alike: equal, singular-equal, or a name and its derived form ("Japan"/"Japanese", "Champion"/"Championship"). */
function wordAccounted(w: string, side: Side): boolean {
  const x = singular(w);
  if (side.words.has(x)) return true;
  // a short form of the same word ("St." for State or Saint, "Mt.", "Ft.", "Univ.")
  for (const y of side.words) if (abbreviates(x, y)) return true;
  if (x.length < 5) return false;
  for (const y of side.words) {
    if (y.length < 5 || y[0] !== x[0]) continue;
    let k = 0;
    while (k < x.length && k < y.length && x[k] === y[k]) k++;
    const short = Math.min(x.length, y.length);
    if (k >= 5 && k >= short - 1 && Math.max(x.length, y.length) - k <= 4) return true;
  }
  return false;
}

/** Whether the other side accounts for one proper-noun phrase of a question. */
function termAccounted(t: Term, side: Side): boolean {
  const phrase = norm(t.text);
  if (!phrase) return true;
  if (side.text.includes(` ${phrase} `)) return true;
  // a team: the other side names one of the teams it may be
  if (DEFAULT_PLACE.has(phrase)) return true;
  // Kalshi's generic league name ("Pro Basketball MVP") against the league the other side names ("NBA MVP")
  for (const [g, leagues] of GENERIC_LEAGUES) {
    if (!` ${phrase} `.includes(` ${g} `) || !leagues.some((l) => side.text.includes(` ${l} `))) continue;
    const gw = new Set(g.split(' '));
    const words = t.words.filter((w) => !gw.has(norm(w)));
    return !words.length || termAccounted({ ...t, text: words.join(' '), words }, side);
  }
  const teams = teamCandidates(t.text);
  if (teams.length && teams.some((x) => side.teams.has(x))) return true;
  if (t.team) return false;
  // an acronym and its expansion, either way
  const bare = t.text.replace(/\./g, '');
  if (t.words.length === 1 && /^\p{Lu}[\p{Lu}\p{Ll}]*\p{Lu}$/u.test(bare) && bare.length <= 6 && (side.acronyms.has(bare) || side.initials.has(bare.toUpperCase()))) return true;
  const caps = t.words.filter((w) => !CONNECTORS.has(w.toLowerCase()));
  if (caps.length >= 2 && side.acronyms.has(caps.map((w) => w[0]!.toUpperCase()).join(''))) return true;
  // a person's full name (2–3 capitalised words) against the surname alone: "Jannik Sinner" ~ "Sinner"
  // (who the person is, and whether two people are the same, is the subject guard's business)
  if (surnameAlone(caps, side.raw)) return true;
  // every word of it, each on its own (aliases and derived forms included)
  return t.words.every((w) => {
    if (CONNECTORS.has(w.toLowerCase()) || w.length === 1) return true;
    const n = norm(w);
    if (DEFAULT_PLACE.has(n)) return true;
    const bw = w.replace(/\./g, '');
    if (/^\p{Lu}[\p{Lu}\p{Ll}]*\p{Lu}$/u.test(bw) && bw.length <= 6 && (side.acronyms.has(bw) || side.initials.has(bw.toUpperCase()))) return true;
    if (/\d/.test(n)) return side.text.includes(` ${n} `) || side.text.includes(` ${n.replace(/ /g, '')} `);
    return n.split(' ').every((p) => wordAccounted(p, side));
  });
}

/** last words of proper-noun phrases that name institutions, contests and places, never a person's surname */
const NOT_A_SURNAME = set(`
  senate house congress parliament assembly council committee court party league cup championship champion
  series bowl open prix final finals conference division state states city county republic union kingdom
  minister president governor mayor chair chairman secretary speaker bank reserve index price rate award awards
  trophy games olympics election primary race tournament masters classic derby stakes grand island islands
  north south east west central united national federal royal university college school company inc corp
`);

/**
 * A person's full name (2–3 capitalised words) named on the other side by the surname alone:
 * "Jannik Sinner" ~ "Sinner vs Alcaraz — Sinner". An occurrence counts only when no other
 * capitalised word stands right before it ("South Carolina" does not account for "North
 * Carolina", "Champions League" not for "Premier League"); sentence words such as "Will" do not
 * count as names. Who the person is stays the subject guard's business.
 */
function surnameAlone(caps: readonly string[], otherRaw: string): boolean {
  const surname = caps.at(-1);
  if (caps.length < 2 || caps.length > 3 || !surname || surname.length < 4 || !caps.every((w) => /^\p{Lu}\p{Ll}/u.test(w))) return false;
  if (NOT_A_SURNAME.has(surname.toLowerCase())) return false;
  // a place, organisation or office the alias tables know is not a person ("North Carolina", "Premier League")
  for (let i = 0; i < caps.length; i++) for (let j = i + 1; j <= caps.length; j++) if (ALIAS_INDEX.has(norm(caps.slice(i, j).join(' ')))) return false;
  const given = new Set(caps.slice(0, -1));
  const word = new RegExp(`(?<![\\p{L}])${surname.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}])`, 'gu');
  for (const m of otherRaw.matchAll(word)) {
    // the word right before it, when only spaces stand between
    const before = /(\p{L}+)(\s+)$/u.exec(otherRaw.slice(Math.max(0, m.index - 40), m.index))?.[1];
    if (!before || !/^\p{Lu}/u.test(before) || given.has(before) || NOT_TERMS.has(before.toLowerCase())) return true;
  }
  return false;
}

/** A named source is accounted for when the other side writes it (or its alias) anywhere. */
const sourceAccounted = (s: string, side: Side): boolean => termAccounted({ text: s, words: s.split(/\s+/) }, side);

/** The terms of `x` the other side does not account for. */
function unaccounted(x: Rec, other: Side, otherRec: Rec): string[] {
  const q = questionOf(x);
  const otherQ = questionOf(otherRec);
  const own = midCapitals(tokens(fullOf(x)));
  const missing: string[] = [];
  for (const t of nameTerms(q, own)) if (!termAccounted(t, other)) missing.push(`"${t.text}"`);
  const otherNorm = other.text;
  // in a central bank's rate decision on both sides the announcement is the event
  const skip: ReadonlySet<string> = isRateDecision(x) && isRateDecision(otherRec) ? RATE_DECISION_PREDICATES : new Set();
  // predicates are compared in the questions first: a word in the other side's rules does not make another question the same
  const conflicts = predicateConflicts(q, otherQ, skip);
  missing.push(...conflicts);
  for (const p of predicateTerms(q)) {
    if (skip.has(p) || conflicts.some((c) => c.startsWith(`${p} `))) continue;
    const re = PREDICATES.find(([k]) => k === p)?.[1];
    if (re && !re.test(otherNorm)) missing.push(`${p} (predicate)`);
  }
  const prize = PRIZE.test(norm(q)) || PRIZE.test(norm(otherQ));
  for (const t of achievementTypes(q)) if (!achievementAccounted(t, otherNorm, prize)) missing.push(`${t} (achievement)`);
  // measures are read on the plain text: an alias row ("US" ~ "America") must not carry a scope
  missing.push(...measureConflicts(q, otherQ, norm(fullOf(otherRec))));
  // named sources count when both sides name one: a source only one side names is the source guard's
  const mine = sourceTerms(x);
  if (mine.length && sourceTerms(otherRec).length && !mine.some((s) => sourceAccounted(s, other))) missing.push(...mine.map((s) => `"${s}" (source)`));
  return [...new Set(missing)];
}

const result = (outcome: 'pass' | 'flag', reason: string): GuardResult => ({ guard: 'coverage', outcome, reason });

/**
 * Everything specific each question names (proper nouns, acronyms, places, offices, competitions,
 * predicates, named sources) must be accounted for in the other side's full text; any term that is
 * not holds the pair for a human (`flag`). Never `fail`.
 */
export function coverageGuard(a: Rec, b: Rec): GuardResult {
  const sa = sideOf(a);
  const sb = sideOf(b);
  const ma = unaccounted(a, sb, b);
  const mb = unaccounted(b, sa, a);
  if (!ma.length && !mb.length) return result('pass', 'every specific term of each question is accounted for on the other side');
  const show = (venue: string, other: string, ms: readonly string[]): string =>
    `${venue} names ${ms.slice(0, MAX_SHOWN).join(', ')}${ms.length > MAX_SHOWN ? ` (+${ms.length - MAX_SHOWN} more)` : ''} that ${other} does not`;
  const parts = [ma.length ? show(a.venue, b.venue, ma) : '', mb.length ? show(b.venue, a.venue, mb) : ''].filter(Boolean);
  return result('flag', `${parts.join('; ')}: a human must confirm the questions are the same`);
}
