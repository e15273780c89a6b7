/**
 * The decision-outcome guard: a central bank's rate decision (Fed/FOMC, ECB, BoE, BoJ, BoC, RBA,
 * SNB …) is listed on both venues as one market per outcome of the same meeting ("Hold", "Cut
 * 25bps", "Cut >25bps", "Hike 25bps"; Polymarket "No change", "25 bps decrease", "50+ bps
 * decrease", "25+ bps increase"). Two markets on the same meeting whose outcomes differ are never
 * the same market, whatever the judge says: every other guard sees the same bank, the same meeting
 * and often the same figure.
 *
 * Each side's outcome is read from what says what YES is: the question (Kalshi's event title plus
 * its YES subtitle, Polymarket's question), the YES label apart from it (Kalshi `yes_sub_title`,
 * Polymarket `groupItemTitle`) and, on Kalshi, the ticker's outcome suffix (KXFEDDECISION-26DEC-H0
 * hold, -C25 cut 25, -C26 cut more than 25, -H25 hike 25). Never the rules: they describe every
 * outcome of the meeting. The canonical outcome is a kind (hold, cut, hike, or any change) and a
 * size in basis points: exact, or a minimum ("50+", "more than 25").
 *
 * Market text is data: every field is cut to {@link MAX_FIELD} characters and every pattern is a
 * flat regular expression, so hostile text costs linear time.
 */
import type { GuardInput, GuardResult, Mapping } from './guards.js';
import { sanitizeText } from './sanitize.js';

/** Characters of one field read (a title or a YES label is far shorter). */
export const MAX_FIELD = 400;

export type DecisionKind = 'hold' | 'cut' | 'hike' | 'change';

/** One side's outcome of a rate decision. */
export interface DecisionOutcome {
  readonly kind: DecisionKind;
  /** basis points: the exact move, or the least move when `min` (undefined: size not said) */
  readonly bps?: number;
  /** `bps` is a minimum ("50+ bps", "more than 25bps") */
  readonly min?: boolean;
  /** where it was read */
  readonly from: string;
}

export type DecisionInput = Pick<GuardInput, 'venue' | 'title'> & Partial<Pick<GuardInput, 'marketId' | 'subjectText'>>;

/** What reading one side gave: an outcome, no rate decision at all, or a rate decision whose outcome is not known. */
export type DecisionReading =
  | { readonly kind: 'outcome'; readonly outcome: DecisionOutcome }
  | { readonly kind: 'none' }
  | { readonly kind: 'unknown'; readonly why: string };

/** Central banks as a question names them (folded). */
const BANK = /\b(?:fed|fomc|federal reserve|federal open market committee|ecb|european central bank|boe|bank of england|boj|bank of japan|boc|bank of canada|rba|reserve bank of australia|rbnz|reserve bank of new zealand|snb|swiss national bank|riksbank|norges bank|pboc|people'?s bank of china|rbi|reserve bank of india|banxico|bank of mexico|central bank)\b/;
/** A decision on the policy rate (not the bank's people, its balance sheet or another quantity). */
const RATE = /\b(?:rates?|decision|decisions|decides?|upper bound|lower bound|target range|cuts?|hikes?|holds?|pause[sd]?|bps|bp|basis points?|raises?|lowers?|increases?|decreases?|no change|unchanged|maintains?|meeting)\b/;
const NOT_RATE = /\b(?:chair|chairman|chairwoman|governor|governors|president|nominat\w*|appoint\w*|fire[sd]?|resign\w*|confirm\w*|remove[sd]?|independence|audit|balance sheet|mortgage|inflation|cpi|dissent\w*|statement mentions?|say|says|mention\w*)\b/;

/** Kalshi series whose ticker suffix is the decision's outcome (H0 hold, C25 cut 25, H25 hike 25 …). */
const DECISION_SERIES = /^KX?[A-Z]*(?:DECISION|RATE|CUT|HIKE)[A-Z]*$/;

/** Banks that move in steps of 25 bps: "more than 25" is "50 or more" there. */
const QUARTER_STEP_BANKS = /\b(?:fed|fomc|federal reserve|federal open market committee|ecb|european central bank|boe|bank of england|boc|bank of canada|rba|reserve bank of australia)\b/;

const HOLD = /\b(?:no change|no changes|not change|not move|unchanged|hold|holds|held|holding|maintains?|maintained|pause[sd]?|pausing|steady|on hold|keeps? rates?|leaves? rates?|no move)\b|\b0 ?bps?\b/;
const CUT = /\b(?:cut|cuts|cutting|decrease|decreases|decreased|lower|lowers|lowered|reduce|reduces|reduced|reduction|ease|eases|eased|easing)\b/;
const HIKE = /\b(?:hike|hikes|hiked|hiking|raise|raises|raised|increase|increases|increased|tighten|tightens|tightened)\b/;
const CHANGE = /\b(?:change|changes|changed|move|moves|moved)\b/;
/** A negated move ("no cut", "not raise", "won't hike"): the opposite sense, the mapping guard's business. */
const NEGATED = /\b(?:no|not|never|wont|doesnt|without)\s+(?:\w+\s+)?(?:cut|cuts|decrease|lower|reduce|hike|hikes|raise|increase|tighten|ease)\b/;
/** A size: "25 bps", "25bp", "50+ bps", "more than 25 bps", ">25bps", "at least 50 basis points", "0.25%" after "by". */
const SIZE = /(more than|over|greater than|>|at least|≥|>=)?\s*(\d{1,3})\s*(\+)?\s*(?:bps|bp|basis points?)\b\s*(\+|or more|or greater|or higher)?/;
const PCT_SIZE = /\bby\s+(more than|over|at least)?\s*(\d?\.\d{1,2})\s*(?:%|percentage points?|pp)\s*(or more)?/;

const cut = (s: string | undefined): string => sanitizeText((s ?? '').slice(0, MAX_FIELD * 2)).slice(0, MAX_FIELD);
/** Lower case, diacritics and apostrophes gone; the signs of a size ("+", ">", "%", ".") kept. */
const fold = (s: string): string => s.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().replace(/['’`´]/g, '').replace(/\s+/g, ' ').trim();

/** The outcome one text names (a title, a YES label), or undefined when it names none or more than one. */
export function outcomeOfText(text: string, quarterStep = true): Omit<DecisionOutcome, 'from'> | 'negated' | undefined {
  const t = fold(cut(text));
  if (!t) return undefined;
  const hold = HOLD.test(t);
  // a hold word removed, what is left names a move or not ("no change" is not a change)
  const rest = t.replace(new RegExp(HOLD.source, 'g'), ' ');
  const isCut = CUT.test(rest);
  const isHike = HIKE.test(rest);
  const isChange = CHANGE.test(rest);
  if (NEGATED.test(t) && !hold) return 'negated';
  const kinds = [hold && 'hold', isCut && 'cut', isHike && 'hike'].filter(Boolean) as DecisionKind[];
  if (kinds.length > 1) return undefined; // "cut or hold?": the question names every outcome
  if (!kinds.length) return isChange ? { kind: 'change' } : undefined;
  const kind = kinds[0]!;
  if (kind === 'hold') return { kind };
  const size = sizeOf(rest, quarterStep);
  return size ? { kind, ...size } : { kind };
}

/** The size of a move a text names, in basis points (a minimum when written "+", "or more", "more than"). */
function sizeOf(t: string, quarterStep: boolean): { bps: number; min?: boolean } | undefined {
  const m = SIZE.exec(t);
  if (m) {
    const n = Number(m[2]);
    const strict = m[1] === 'more than' || m[1] === 'over' || m[1] === 'greater than' || m[1] === '>';
    const min = Boolean(m[1] || m[3] || m[4]);
    return min ? { bps: atLeast(n, strict, quarterStep), min: true } : { bps: n };
  }
  const p = PCT_SIZE.exec(t);
  if (p) {
    const n = Math.round(Number(p[2]) * 100);
    if (n <= 0 || n > 300) return undefined;
    const strict = p[1] === 'more than' || p[1] === 'over';
    return p[1] || p[3] ? { bps: atLeast(n, strict, quarterStep), min: true } : { bps: n };
  }
  return undefined;
}

/** The least move of "n or more" / "more than n" (on a bank that moves in 25 bps steps, "more than 25" is "50 or more"). */
const atLeast = (n: number, strict: boolean, quarterStep: boolean): number => {
  const least = strict ? n + 1 : n;
  return quarterStep ? Math.ceil(least / 25) * 25 : least;
};

/** The outcome a Kalshi ticker's suffix names (H0 hold, C25 cut 25, C26 cut more than 25, H25 hike 25), on a decision series only. */
export function outcomeOfTicker(ticker: string | undefined, quarterStep = true): Omit<DecisionOutcome, 'from'> | undefined {
  if (!ticker) return undefined;
  const parts = ticker.slice(0, 80).toUpperCase().split('-');
  if (parts.length < 3 || !DECISION_SERIES.test(parts[0]!)) return undefined;
  const m = /^([HC])(\d{1,3})$/.exec(parts[parts.length - 1]!);
  if (!m) return undefined;
  const n = Number(m[2]);
  if (n === 0) return m[1] === 'H' ? { kind: 'hold' } : undefined;
  const kind: DecisionKind = m[1] === 'C' ? 'cut' : 'hike';
  // Kalshi writes "more than 25bps" as 26: one past the step
  if (n % 25 === 1) return { kind, bps: atLeast(n - 1, true, quarterStep), min: true };
  return { kind, bps: n };
}

/** Whether a record is about a central bank's rate decision (read from the question and its YES label). */
function isRateDecision(r: DecisionInput): boolean {
  const q = fold(`${cut(r.title)} ${cut(r.subjectText)}`);
  const series = (r.marketId ?? '').slice(0, 80).toUpperCase().split('-')[0] ?? '';
  if (r.venue === 'kalshi' && DECISION_SERIES.test(series) && /FED|FOMC|ECB|BOE|BOJ|BOC|RBA|SNB|RBNZ|CENTRALBANK/.test(series)) return true;
  return BANK.test(q) && RATE.test(q) && !NOT_RATE.test(q);
}

const same = (x: Omit<DecisionOutcome, 'from'>, y: Omit<DecisionOutcome, 'from'>): boolean => x.kind === y.kind && x.bps === y.bps && Boolean(x.min) === Boolean(y.min);

/** One record's reading: the YES label and the question (Kalshi's title carries its YES subtitle), then the ticker. */
export function readDecision(r: DecisionInput): DecisionReading {
  if (!isRateDecision(r)) return { kind: 'none' };
  const quarterStep = QUARTER_STEP_BANKS.test(fold(cut(r.title))) || /^KX?(?:FED|FOMC|ECB|BOE|BOC|RBA)/.test((r.marketId ?? '').toUpperCase());
  const sources: [string, Omit<DecisionOutcome, 'from'> | 'negated' | undefined][] = [
    [r.venue === 'kalshi' ? 'yes_sub_title' : 'groupItemTitle', r.subjectText ? outcomeOfText(r.subjectText, quarterStep) : undefined],
    ['title', outcomeOfText(r.title, quarterStep)],
    ['ticker', r.venue === 'kalshi' ? outcomeOfTicker(r.marketId, quarterStep) : undefined],
  ];
  if (sources.some(([, o]) => o === 'negated')) return { kind: 'unknown', why: `${r.venue} negates a move` };
  const found = sources.filter((s): s is [string, Omit<DecisionOutcome, 'from'>] => s[1] !== undefined && s[1] !== 'negated');
  if (!found.length) return { kind: 'unknown', why: `${r.venue} names no outcome` };
  // the most specific reading (a size said) wins; the others must not contradict it
  const best = found.find(([, o]) => o.bps !== undefined) ?? found[0]!;
  for (const [from, o] of found) {
    const agrees = o.kind === best[1].kind && (o.bps === undefined || same(o, best[1]));
    if (!agrees) return { kind: 'unknown', why: `${r.venue} ${from} says ${show(o)} but its ${best[0]} says ${show(best[1])}` };
  }
  return { kind: 'outcome', outcome: { ...best[1], from: best[0] } };
}

export function show(o: Omit<DecisionOutcome, 'from'>): string {
  if (o.kind === 'hold' || o.kind === 'change') return o.kind === 'hold' ? 'hold' : 'any change';
  return o.bps === undefined ? o.kind : `${o.kind} ${o.bps}${o.min ? '+' : ''} bps`;
}

const result = (outcome: GuardResult['outcome'], reason: string): GuardResult => ({ guard: 'decision', outcome, reason });

/**
 * A central bank's decision at one meeting: both sides' outcomes known and different fail (another
 * outcome of the same meeting is never the same market); the same outcome passes; hold against any
 * change is the exact complement, which passes under YES_NO and is held under any other mapping
 * (the records imply YES_NO). An outcome unknown on a side (no outcome named, a negated move, a
 * record that contradicts itself) passes with its reason: the mapping, strike and threshold guards
 * judge it. A size said on one side only passes on the kind: the threshold guard compares sizes.
 */
export function decisionOutcomeGuard(a: DecisionInput, b: DecisionInput, mapping: Mapping = undefined): GuardResult {
  const ra = readDecision(a);
  const rb = readDecision(b);
  if (ra.kind === 'none' && rb.kind === 'none') return result('pass', 'not a rate decision');
  if (ra.kind !== 'outcome' || rb.kind !== 'outcome') {
    const why = [ra, rb].map((r, i) => (r.kind === 'unknown' ? r.why : r.kind === 'none' ? `${[a, b][i]!.venue} is not a rate decision` : '')).filter(Boolean).join('; ');
    return result('pass', `decision outcome not known on both sides (${why}): left to the other guards`);
  }
  const [x, y] = [ra.outcome, rb.outcome];
  const both = `${a.venue} ${show(x)} (${x.from}) vs ${b.venue} ${show(y)} (${y.from})`;
  const kinds = new Set([x.kind, y.kind]);
  if (kinds.size === 2 && kinds.has('hold') && kinds.has('change')) {
    if (mapping === 'YES_NO') return result('pass', `exact complements under YES_NO: ${both}`);
    return result('flag', `records imply YES_NO (hold vs any change are complements: ${both}); the verdict said ${mapping ?? 'nothing yet'}`);
  }
  if (x.kind !== y.kind) return result('fail', `different outcomes of the decision: ${both}`);
  if (x.kind === 'hold' || x.kind === 'change') return result('pass', `same decision outcome: ${both}`);
  if (x.bps === undefined || y.bps === undefined) return result('pass', `same decision (${x.kind}); size said on ${x.bps === undefined && y.bps === undefined ? 'neither side' : 'one side only'}: ${both}`);
  if (!same(x, y)) return result('fail', `different sizes of the decision: ${both}`);
  return result('pass', `same decision outcome: ${both}`);
}
