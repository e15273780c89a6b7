/**
 * Which way round two binary markets are (YES_YES: leg A's YES is leg B's YES; YES_NO: leg A's
 * YES is leg B's NO), derived from the records alone where their text allows, and the 'mapping'
 * guard that holds the verdict's mapping to it. The model cannot override a derived mapping: a
 * contradiction is a 'flag' naming the records' mapping (a human confirms it; never auto-approved); where nothing can be derived the guard has no opinion ('pass', "not
 * derivable"); where the evidence points both ways it is a 'flag'.
 *
 * Two kinds of evidence:
 *
 *   named outcomes   A head-to-head ("Yankees vs. Red Sox", outcomes "Yankees" / "Red Sox"; YES is
 *                    the first outcome, Polymarket's first token) against a market whose YES is one
 *                    side (Kalshi yes_sub_title "Boston", or its rules "If Boston wins …, then the
 *                    market resolves to Yes"). Nicknames are tied to full names by the record's own
 *                    "If the Boston Red Sox win, … resolve to "Red Sox"" sentences, and names are
 *                    compared with the subject module's alias rules (city ~ city + team, "New York
 *                    Y" ~ "New York Yankees", surname ~ full name).
 *   polarity         The same binary event asked with opposite sense: "make no change to interest
 *                    rates" / "hold" against "change"; "no cut" against "cut"; and, generically,
 *                    "Will there be no X?" against "Will there be X?". Only a closed set of
 *                    rate-decision verbs yields YES_YES as well; "hold" against "cut" is not a
 *                    complement (a hike is possible) and yields nothing. Tenure: leaving an office
 *                    ("out as President", "resign", "step down") against holding the same office
 *                    ("still President", "be President of Russia on Jan 1") is YES_NO; ambiguous
 *                    titles (both senses, a plain negation, another office) yield nothing.
 *
 * Market text is data: every field is read to a fixed length, and every pattern is an unnested
 * regular expression with bounded repetition, so hostile text costs linear time.
 */
import { leagueOf, teamRelation, type League } from './teams.js';
import type { GuardInput, GuardResult, Mapping } from './guards.js';
import { fold, isNameLabel, namesAgree } from './subject.js';

/** What the derivation reads of a record. */
export type MappingInput = Pick<GuardInput, 'venue' | 'title' | 'rulesText' | 'outcomes'> & { readonly subjectText?: string; readonly marketId?: string };

export type DerivedMapping = Exclude<Mapping, undefined>;

/** The derivation: a mapping with the evidence for it, evidence both ways ('conflict'), or none. */
export type Derivation =
  | { readonly kind: 'derived'; readonly mapping: DerivedMapping; readonly basis: 'outcomes' | 'polarity'; readonly why: string }
  | { readonly kind: 'conflict'; readonly why: string }
  | { readonly kind: 'none'; readonly why: string };

const MAX_TITLE = 1_000;
const MAX_RULES = 4_000;

const YES_NO = /^\s*(?:yes|no)\s*$/i;
const DROP = new Set(['the']);

/** A name as normalised tokens ("the Boston Red Sox" → boston red sox). */
const words = (s: string): string[] => fold(s.slice(0, 200)).split(/\s+/).filter((w) => w && !DROP.has(w));

/** One named side of a market: its label and every name it is known by. */
interface Named {
  readonly label: string;
  readonly names: readonly (readonly string[])[];
  /** a longer name than the label was found in the record's own rules */
  readonly full: boolean;
}

const agrees = (x: Named, y: Named): boolean => x.names.some((n) => y.names.some((m) => namesAgree(n, m)));

/**
 * "If the Boston Red Sox win, the market will resolve to "Red Sox"": a full name → an outcome label.
 * The name runs up to the verb (no sentence punctuation or quotes inside); the label is quoted.
 */
const RESOLVES_TO_LABEL = /\bIf\s+(?:the\s+)?([^\n.,;:"“”]{2,80}?)\s+(?:wins?|won|beats?|defeats?|advances?)\b[^\n"“”]{0,160}?\bresolve[sd]?\s+to\s+["“]([^"”\n]{1,80})["”]/gi;
/** "If Boston wins the … game …, then the market resolves to Yes" (Kalshi rules): YES's name. */
const IF_WINS_YES = /\bIf\s+(?:the\s+)?([^\n.,;:"“”]{2,80}?)\s+(?:wins?|beats?|defeats?|advances?)\b[^\n"“”]{0,240}?\bresolves?\s+to\s+["“]?Yes\b/i;
/** 'This market will resolve to "Yes" if the Boston Red Sox win …' (Polymarket rules): YES's name. */
const YES_IF_WINS = /\bresolve[sd]?\s+to\s+["“]?Yes["”]?\s+if\s+(?:the\s+)?([^\n.,;:"“”]{2,80}?)\s+(?:wins?|beats?|defeats?|advances?)\b/i;

/** Two different named outcomes ("Yankees" / "Red Sox"), the first being YES, with the full names the rules give them. */
function namedOutcomes(r: MappingInput): readonly [Named, Named] | undefined {
  if (r.outcomes.length !== 2) return undefined;
  const [o0, o1] = r.outcomes as [string, string];
  if (YES_NO.test(o0) || YES_NO.test(o1) || !isNameLabel(o0) || !isNameLabel(o1)) return undefined;
  if (fold(o0) === fold(o1)) return undefined;
  const aliases: [string[][], string[][]] = [[], []];
  const rules = r.rulesText.slice(0, MAX_RULES);
  for (const m of rules.matchAll(RESOLVES_TO_LABEL)) {
    const label = fold(m[2]!);
    const name = words(m[1]!);
    if (!name.length) continue;
    if (label === fold(o0)) aliases[0].push(name);
    else if (label === fold(o1)) aliases[1].push(name);
  }
  const side = (label: string, extra: string[][]): Named => {
    const own = words(label);
    return { label, names: [own, ...extra], full: extra.some((n) => n.join(' ') !== own.join(' ')) };
  };
  return [side(o0, aliases[0]), side(o1, aliases[1])];
}

/** The one name a market's YES stands for: the venue's subject label, else its rules' "If X wins …, … resolves to Yes". */
function yesName(r: MappingInput): Named | undefined {
  const rules = r.rulesText.slice(0, MAX_RULES);
  const fromRules = (IF_WINS_YES.exec(rules) ?? YES_IF_WINS.exec(rules))?.[1];
  const ruleName = fromRules ? words(fromRules) : [];
  if (isNameLabel(r.subjectText) && !YES_NO.test(r.subjectText)) {
    const own = words(r.subjectText);
    if (!own.length) return undefined;
    // the rules' name is an alias only when it is the same name ("Carlos Alcaraz" for "Alcaraz")
    const extra = ruleName.length && namesAgree(own, ruleName) ? [ruleName] : [];
    return { label: r.subjectText, names: [own, ...extra], full: extra.length > 0 };
  }
  if (!ruleName.length || !fromRules) return undefined;
  return { label: fromRules.trim(), names: [ruleName], full: false };
}

const show = (r: MappingInput): string => r.venue;

/** A single YES name (`y`, on `yr`) against a head-to-head's outcomes (`two`, on `tr`): which outcome is it? */
/**
 * Whether a YES label and an outcome label name the same team, through the team resolver
 * (src/matching/teams.ts): "Denver" is the Broncos in an NFL game, "Los Angeles L" the Lakers. The
 * league comes from the records (ticker, slug, words); undefined when either names no team.
 */
function sameTeam(y: Named, o: Named, league: League | undefined): boolean | undefined {
  let rel = teamRelation(y.label, o.label, league);
  for (const n of o.names) if (rel === undefined || rel === 'ambiguous') rel = teamRelation(y.label, n.join(' '), league) ?? rel;
  return rel === undefined || rel === 'ambiguous' ? undefined : rel === 'same';
}

function yesAgainstOutcomes(y: Named, yr: MappingInput, two: readonly [Named, Named], tr: MappingInput): Derivation {
  let m0 = agrees(y, two[0]);
  let m1 = agrees(y, two[1]);
  if (!m0 && !m1) {
    const league = leagueOf(`${yr.title}\n${tr.title}\n${tr.rulesText.slice(0, 2_000)}`, `${yr.marketId ?? ''} ${tr.marketId ?? ''}`);
    const t0 = sameTeam(y, two[0], league);
    const t1 = sameTeam(y, two[1], league);
    if (t0 !== undefined && t1 !== undefined) [m0, m1] = [t0, t1];
  }
  const who = `${show(yr)} YES "${y.label}"`;
  if (m0 && m1) return { kind: 'conflict', why: `${who} matches both ${show(tr)} outcomes ("${two[0].label}", "${two[1].label}"): a human must say which side it is` };
  if (m0) return { kind: 'derived', mapping: 'YES_YES', basis: 'outcomes', why: `${who} is ${show(tr)}'s first outcome "${two[0].label}" (its YES)` };
  if (m1) return { kind: 'derived', mapping: 'YES_NO', basis: 'outcomes', why: `${who} is ${show(tr)}'s second outcome "${two[1].label}" (its NO)` };
  // the outcomes' full names are known and neither is the YES side: not the same contest, or a third result
  if (two[0].full && two[1].full) {
    return { kind: 'conflict', why: `${who} matches neither ${show(tr)} outcome ("${two[0].label}", "${two[1].label}")` };
  }
  return { kind: 'none', why: `${who} not found among ${show(tr)}'s outcomes ("${two[0].label}", "${two[1].label}") and their full names are unknown` };
}

function fromOutcomes(a: MappingInput, b: MappingInput): Derivation | undefined {
  const na = namedOutcomes(a);
  const nb = namedOutcomes(b);
  if (na && nb) {
    const straight = agrees(na[0], nb[0]) || agrees(na[1], nb[1]);
    const crossed = agrees(na[0], nb[1]) || agrees(na[1], nb[0]);
    const pair = (n: readonly [Named, Named]): string => `"${n[0].label}"/"${n[1].label}"`;
    if (straight && crossed) return { kind: 'conflict', why: `outcomes ${pair(na)} and ${pair(nb)} match both ways round` };
    if (straight) return { kind: 'derived', mapping: 'YES_YES', basis: 'outcomes', why: `outcomes ${pair(na)} and ${pair(nb)} are in the same order` };
    if (crossed) return { kind: 'derived', mapping: 'YES_NO', basis: 'outcomes', why: `outcomes ${pair(na)} and ${pair(nb)} are in the opposite order` };
    return { kind: 'none', why: `outcomes ${pair(na)} and ${pair(nb)} do not match by name` };
  }
  if (na) {
    const y = yesName(b);
    if (y) return yesAgainstOutcomes(y, b, na, a);
  }
  if (nb) {
    const y = yesName(a);
    if (y) return yesAgainstOutcomes(y, a, nb, b);
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// polarity

type Sense = 'affirmative' | 'negated';
interface Family {
  readonly name: string;
  /** negated forms (tested first, then cut out before the affirmative test) */
  readonly neg: RegExp;
  readonly aff: RegExp;
}

const NEGATOR = String.raw`(?:no|not|never|wont|dont|doesnt|didnt)`;
/**
 * Rate decisions: a closed set of verbs whose negations are their complements. "hold" is the
 * complement of "change" only (not of "cut": a hike is possible), so each verb is its own family.
 */
const FAMILIES: readonly Family[] = [
  {
    name: 'change',
    neg: new RegExp(String.raw`\b${NEGATOR}\s+(?:make\s+)?(?:a\s+|any\s+)?(?:rate\s+)?changes?\b|\bunchanged\b|\b(?:hold|holds|held|pause|pauses|paused|steady)\b|\b(?:remain|remains|stay|stays)\s+(?:the\s+same|at|steady|unchanged)\b`, 'g'),
    aff: /\b(?:change|changes|changed)\b/,
  },
  {
    name: 'cut',
    neg: new RegExp(String.raw`\b${NEGATOR}\s+(?:rate\s+)?(?:cut|cuts|lower|lowers|decrease|decreases|reduce|reduces)\b`, 'g'),
    aff: /\b(?:cut|cuts|lower|lowers|decrease|decreases|reduce|reduces)\b/,
  },
  {
    name: 'hike',
    neg: new RegExp(String.raw`\b${NEGATOR}\s+(?:rate\s+)?(?:hike|hikes|raise|raises|increase|increases)\b`, 'g'),
    aff: /\b(?:hike|hikes|raise|raises|increase|increases)\b/,
  },
];
/** The rate families apply only to questions about a policy rate. */
const RATE_CONTEXT = /\b(?:fed|fomc|federal reserve|ecb|boe|boj|rba|boc|snb|central bank|bank of|interest rates?|policy rate|funds rate)\b/;

/** The text that says what YES is: the venue's YES label when it names a direction, else the question's YES subtitle, else the question. */
function senseTexts(r: MappingInput): string[] {
  const title = fold(r.title.slice(0, MAX_TITLE).replace(/\s+—\s+/g, ' | '));
  const bar = title.lastIndexOf(' | ');
  const out: string[] = [];
  if (r.subjectText && !YES_NO.test(r.subjectText)) out.push(fold(r.subjectText.slice(0, 200)));
  if (bar >= 0) out.push(title.slice(bar + 3));
  out.push(bar >= 0 ? title.slice(0, bar) : title);
  return out;
}

/** The one rate-family sense a record's YES has (the most specific text that names one), or undefined when none or mixed. */
function familySense(r: MappingInput): { family: string; sense: Sense; text: string } | undefined {
  if (!RATE_CONTEXT.test(fold(`${r.title.slice(0, MAX_TITLE)} ${r.subjectText ?? ''}`))) return undefined;
  for (const text of senseTexts(r)) {
    const hits: { family: string; sense: Sense }[] = [];
    let rest = text;
    for (const f of FAMILIES) {
      const stripped = rest.replace(f.neg, ' ');
      if (stripped !== rest) hits.push({ family: f.name, sense: 'negated' });
      rest = stripped;
    }
    for (const f of FAMILIES) if (f.aff.test(rest)) hits.push({ family: f.name, sense: 'affirmative' });
    if (hits.length === 1) return { ...hits[0]!, text };
    if (hits.length > 1) return undefined; // mixed ("cut or hold"): no sense
  }
  return undefined;
}

/** Words after a negator that are comparisons or quantities, not the event ("no later than", "not more than"). */
const NOT_EVENTS = new Set(['later', 'earlier', 'more', 'less', 'fewer', 'than', 'before', 'after', 'longer', 'sooner', 'higher', 'lower', 'greater', 'above', 'below', 'over', 'under', 'one', 'matter', 'other']);
const SKIP_AFTER_NEGATOR = new Set(['be', 'been', 'a', 'an', 'the', 'any', 'get', 'to', 'make']);
const NEGATORS = new Set(['no', 'not', 'never', 'wont', 'dont', 'doesnt', 'didnt', 'isnt', 'arent', 'cannot', 'cant']);
const stem = (w: string): string => w.replace(/(?:ing|ed|es|s)$/, '');

/** The question's words, and the events it negates ("Will there be no recession?" → recession). */
function negations(r: MappingInput): { words: string[]; negated: string[]; negators: number } {
  const ws = senseTexts(r).slice(-1)[0]!.split(/\s+/).filter(Boolean);
  const negated: string[] = [];
  let negators = 0;
  for (let i = 0; i < ws.length; i++) {
    if (!NEGATORS.has(ws[i]!)) continue;
    negators++;
    let j = i + 1;
    while (j < ws.length && SKIP_AFTER_NEGATOR.has(ws[j]!)) j++;
    const w = ws[j];
    if (w && w.length > 2 && !NOT_EVENTS.has(w) && !NEGATORS.has(w)) negated.push(stem(w));
  }
  return { words: ws, negated, negators };
}

function fromPolarity(a: MappingInput, b: MappingInput): Derivation | undefined {
  const fa = familySense(a);
  const fb = familySense(b);
  if (fa && fb && fa.family === fb.family) {
    const desc = (r: MappingInput, f: { family: string; sense: Sense; text: string }): string =>
      `${r.venue} YES "${f.text}" ${f.sense === 'negated' ? 'negates' : 'asserts'} "${f.family}"`;
    const why = `${desc(a, fa)}, ${desc(b, fb)}`;
    return fa.sense === fb.sense
      ? { kind: 'derived', mapping: 'YES_YES', basis: 'polarity', why: `same sense: ${why}` }
      : { kind: 'derived', mapping: 'YES_NO', basis: 'polarity', why: `opposite sense: ${why}` };
  }
  // generic: one question negates an event the other asks plainly, and the other negates nothing
  const na = negations(a);
  const nb = negations(b);
  const [neg, plain, negRec, plainRec] = na.negators && !nb.negators ? [na, nb, a, b] : nb.negators && !na.negators ? [nb, na, b, a] : [undefined, undefined, a, b];
  if (!neg || !plain || !neg.negated.length) return undefined;
  // "not be President" against "out as President": the plain side is itself a departure, so the two may agree; no opinion
  if (tenureOf(plainRec)?.sense === 'leaves') return undefined;
  const plainStems = new Set(plain.words.map(stem));
  const shared = neg.negated.filter((w) => plainStems.has(w));
  if (!shared.length) return undefined;
  return { kind: 'derived', mapping: 'YES_NO', basis: 'polarity', why: `opposite sense: ${negRec.venue} negates "${shared[0]}", which ${plainRec.venue} asks plainly` };
}

// ---------------------------------------------------------------------------------------------
// tenure: leaving an office against holding it

/** Offices a person holds (folded text). */
const OFFICE = String.raw`(?:president|vice president|prime minister|pm|chancellor|premier|ceo|chief executive|chair|chairman|chairwoman|governor|mayor|speaker|pope|king|queen|monarch|supreme leader|leader|secretary general|secretary|head coach|coach|manager|minister|director|taoiseach)`;
/** YES is the holder leaving: "out as President", "leave office", "resign", "step down", "no longer be", "cease to be". */
const LEAVES = new RegExp(String.raw`\bout\s+(?:as|of\s+office)\b|\b(?:leaves?|left|leaving)\s+(?:office|(?:his|her|the|their)\s+(?:post|office|role|position|job))\b|\bremoved\s+(?:from\s+office|as)\b|\b(?:resigns?|resigned|resignation)\b|\b(?:steps?|stepped|stepping)\s+down\b|\bousted\b|\bno\s+longer(?:\s+be)?\b|\bceases?\s+to\s+be\b`);
/** "Starmer out by …?", "Will Starmer be out in 2026?": a bare "out" right before a deadline word. */
const OUT_BY = /^(?:will\s+)?[^?]{1,80}?\bout(?:\s+(?:by|in|before|this)\b|\s*\?|$)/;
/** Up to two words naming whose office it is ("Fed Chair", "Apple CEO", "UK Prime Minister"), but not a way of getting it ("elected", "next"). */
const QUALIFIER = String.raw`(?:(?!(?:elected|reelected|re-elected|named|nominated|appointed|next|confirmed|sworn|chosen|selected|voted|running|candidate|former|acting|interim)\b)[a-z0-9&'-]+\s+){0,2}`;
/** YES is the holder still in office: "still President", "remain Prime Minister", "be President of Russia on …", "remain in office". */
const STAYS = new RegExp(String.raw`\b(?:remains?|stays?|still|continues?\s+(?:to\s+be|as)|be|is)\s+(?:the\s+)?${QUALIFIER}(${OFFICE})\b|\b(?:remains?|stays?|still)\s+in\s+(?:office|power)\b`);
/** A plain negation makes the sense the generic rule's business (or ambiguous): only "no longer" is a departure word. */
const PLAIN_NEGATOR = /\b(?:not|never|wont|dont|doesnt|didnt|isnt|cannot|cant)\b|\bno\b(?!\s+longer\b)/;

interface Tenure {
  readonly sense: 'leaves' | 'stays';
  /** the office named where the holder stays (undefined: "in office") */
  readonly office?: string;
  readonly text: string;
}

/** Whether a record's question is about the holder leaving or staying, when its title says one and only one. */
function tenureOf(r: MappingInput): Tenure | undefined {
  const text = fold(r.title.slice(0, MAX_TITLE).replace(/\s+—\s+/g, ' | '));
  if (PLAIN_NEGATOR.test(text)) return undefined;
  const leaves = LEAVES.test(text) || OUT_BY.test(text.split(' | ')[0]!);
  const stays = STAYS.exec(text.replace(new RegExp(LEAVES.source, 'g'), ' ~ ')); // "be out as President" is not "be President"
  if (leaves && stays) return undefined; // both senses: ambiguous
  if (stays) return { sense: 'stays', ...(stays[1] ? { office: stays[1] } : {}), text };
  if (leaves) return { sense: 'leaves', text };
  return undefined;
}

/** The office must be the same: the staying side's office named by the leaving side's title or rules. */
const namesOffice = (r: MappingInput, office: string | undefined): boolean =>
  office === undefined || new RegExp(String.raw`\b${office}\b`).test(fold(`${r.title.slice(0, MAX_TITLE)} ${r.rulesText.slice(0, MAX_RULES)}`));

/**
 * "Putin out as President by Dec 31" against "Putin still President on Jan 1": leaving an office is
 * the complement of holding it (YES_NO); both staying, the same sense (YES_YES). Conservative: the
 * titles must each say one sense, without a plain negation, and the leaving side must name the
 * office the staying side names; otherwise no opinion (the subject and date guards compare the rest).
 */
function fromTenure(a: MappingInput, b: MappingInput): Derivation | undefined {
  const ta = tenureOf(a);
  const tb = tenureOf(b);
  if (!ta || !tb) return undefined;
  if (ta.sense === 'leaves' && tb.sense === 'leaves') return undefined; // same sense, but the office is not compared: no opinion
  const desc = (r: MappingInput, t: Tenure): string => `${r.venue} YES "${t.text}" ${t.sense === 'leaves' ? 'leaves office' : `stays in office${t.office ? ` (${t.office})` : ''}`}`;
  if (ta.sense === 'stays' && tb.sense === 'stays') {
    if (ta.office && tb.office && ta.office !== tb.office) return undefined;
    return { kind: 'derived', mapping: 'YES_YES', basis: 'polarity', why: `same sense: ${desc(a, ta)}, ${desc(b, tb)}` };
  }
  const [leaver, stays] = ta.sense === 'leaves' ? [a, tb] : [b, ta];
  if (!namesOffice(leaver, stays.office)) return undefined;
  return { kind: 'derived', mapping: 'YES_NO', basis: 'polarity', why: `opposite sense: ${desc(a, ta)}, ${desc(b, tb)}` };
}

// ---------------------------------------------------------------------------------------------

/** The mapping the records themselves imply (leg A's YES against leg B's YES). */
export function deriveMapping(a: MappingInput, b: MappingInput): Derivation {
  const found = [fromOutcomes(a, b), fromPolarity(a, b), fromTenure(a, b)].filter((d): d is Derivation => d !== undefined);
  const conflict = found.find((d) => d.kind === 'conflict');
  if (conflict) return conflict;
  const derived = found.filter((d): d is Extract<Derivation, { kind: 'derived' }> => d.kind === 'derived');
  if (derived.length && derived.some((d) => d.mapping !== derived[0]!.mapping)) {
    return { kind: 'conflict', why: `the records point both ways: ${derived.map((d) => `${d.mapping} (${d.why})`).join('; ')}` };
  }
  if (derived.length) return derived[0]!;
  const none = found.find((d) => d.kind === 'none');
  return none ?? { kind: 'none', why: 'neither named outcomes nor an opposite-sense question' };
}

/**
 * The verdict's mapping must be the one the records imply. A contradiction is held for a human
 * ('flag', never a pass, so no confidence approves it) with the mapping the records imply named in
 * the reason: the pair is very likely the same question inverted. Evidence both ways is held too;
 * no evidence is no opinion.
 */
export function outcomeMappingGuard(a: MappingInput, b: MappingInput, mapping: Mapping): GuardResult {
  const d = deriveMapping(a, b);
  if (d.kind === 'conflict') return { guard: 'mapping', outcome: 'flag', reason: d.why };
  if (d.kind === 'none') return { guard: 'mapping', outcome: 'pass', reason: `not derivable: ${d.why}` };
  if (mapping === undefined) return { guard: 'mapping', outcome: 'pass', reason: `records imply ${d.mapping} (${d.why}); no verdict mapping yet` };
  if (mapping === d.mapping) return { guard: 'mapping', outcome: 'pass', reason: `${mapping} agrees with the records: ${d.why}` };
  // very likely the same question inverted: a human decides, with the records' mapping suggested; never approved as it stands
  return { guard: 'mapping', outcome: 'flag', reason: `records imply ${d.mapping}; the verdict said ${mapping} (${d.why}): a human must confirm the mapping` };
}
