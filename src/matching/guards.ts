/**
 * Deterministic guards on a candidate pair. They run on the normalised records alone, and no LLM
 * verdict can override them: a `fail` rejects the pair, a `flag` holds it for a human, and only a
 * pair whose guards all `pass` can be auto-approved. Market text is data: it is sanitised and
 * measured here, never followed.
 */
import { subjectGuard } from './subject.js';
import { judgeRegions, strikeFromThresholds, strikeGuard, structuredStrikeOf, governedThresholds } from './strike.js';
import { outcomeMappingGuard } from './outcomeMapping.js';
import { coverageGuard } from './coverage.js';
import { decisionOutcomeGuard } from './decisionOutcome.js';
import type { MarketRecord } from '../../schema/market.js';
import { cityMentions, eventSpanOf, extractDateTerms, GAME_START_SOURCES, extractThresholds, incidentalNumbers, KNOWN_TEAMS, knownEntities, lastDayOf, spanGap, statedSpanOf, teamCities, type Comparator, type EventSpan, type ExtractedDate } from './extract.js';
import { leagueOf, teamCandidates, teamMentions, type League, type TeamMention, type TeamRelation } from './teams.js';
import { injectionMarkers, sanitizeWithFlags } from './sanitize.js';

/**
 * Guard names as stored in `market_pairs.guards.results` (read back only as text). Decisions stored
 * before issue 14 carry 'closeTime' and 'resolutionTime', which 'eventDate' replaced.
 */
export type GuardName =
  | 'outcomes' | 'polarity' | 'status' | 'eventDate' | 'titleDates' | 'thresholds' | 'units' | 'entities' | 'text'
  | 'subject' | 'round' | 'strike' | 'source' | 'mapping' | 'coverage' | 'decision';
export type GuardOutcome = 'pass' | 'fail' | 'flag';

export interface GuardResult {
  readonly guard: GuardName;
  readonly outcome: GuardOutcome;
  readonly reason: string;
}

export interface GuardConfig {
  /** largest |event date difference|, ms (default 3 days: venues put the same event hours to a day apart) */
  readonly eventWindowMs: number;
  /**
   * largest |event date difference| when a side's event date is a game's start, ms (default 12 h: the
   * other venue's expected expiration is a few hours after the start; the next game of a series is a day later)
   */
  readonly gameWindowMs: number;
  /** how far an event date may pass the other venue's settlement backstop before it fails, ms (default 1 day) */
  readonly backstopGraceMs: number;
}

export const DEFAULT_GUARD_CONFIG: GuardConfig = { eventWindowMs: 3 * 86_400_000, gameWindowMs: 12 * 3_600_000, backstopGraceMs: 86_400_000 };

/** How Polymarket YES relates to Kalshi: YES_YES (same outcome) or YES_NO (complement); undefined = not known yet. */
export type Mapping = 'YES_YES' | 'YES_NO' | undefined;

/**
 * What the guards read: the normalised record, plus the sanitiser's flags on the venue's raw text
 * (hidden characters are gone from the record, but that they were there is kept here).
 */
export type GuardInput = Pick<MarketRecord, 'venue' | 'marketId' | 'title' | 'rulesText' | 'rulesSecondary' | 'outcomes' | 'status' | 'closeTime' | 'expectedResolutionTime' | 'thresholds'> &
  Partial<Pick<MarketRecord, 'eventTime' | 'eventTimeSource' | 'backstopTime' | 'category' | 'entities' | 'resolutionSource' | 'feeInfo' | 'strike' | 'subjectText'>> & {
  readonly textFlags?: readonly string[];
};
type Rec = GuardInput;

const pass = (guard: GuardName, reason: string): GuardResult => ({ guard, outcome: 'pass', reason });
const fail = (guard: GuardName, reason: string): GuardResult => ({ guard, outcome: 'fail', reason });
const flag = (guard: GuardName, reason: string): GuardResult => ({ guard, outcome: 'flag', reason });

const hours = (ms: number): string => `${(ms / 3_600_000).toFixed(1)} h`;
const iso = (t: number): string => new Date(t).toISOString();

export function outcomesGuard(a: Rec, b: Rec): GuardResult {
  if (a.outcomes.length !== 2 || b.outcomes.length !== 2) return fail('outcomes', `not binary: ${a.outcomes.length} vs ${b.outcomes.length} outcomes`);
  return pass('outcomes', 'both binary');
}

const YES = /^\s*yes\s*$/i;
const NO = /^\s*no\s*$/i;
/** Which way round a market's labels say YES is: 'plain' (Yes/No), 'inverted' (No/Yes), or 'named' (anything else). */
const labels = (r: Rec): 'plain' | 'inverted' | 'named' =>
  YES.test(r.outcomes[0] ?? '') && NO.test(r.outcomes[1] ?? '') ? 'plain' : NO.test(r.outcomes[0] ?? '') && YES.test(r.outcomes[1] ?? '') ? 'inverted' : 'named';

/**
 * Outcome polarity from the venues' own labels: when one venue labels its YES side "No" (and NO
 * "Yes") while the other is plain, YES on one is probably NO on the other, unless the questions
 * themselves are worded the opposite way ("make" vs "miss"), which no deterministic check can
 * tell. So a mapping that disagrees with the labels is held for a human (flag), never approved
 * automatically, whatever the model's confidence.
 */
export function polarityGuard(a: Rec, b: Rec, mapping: Mapping): GuardResult {
  const la = labels(a), lb = labels(b);
  if (la === 'named' || lb === 'named') return pass('polarity', 'named outcomes: polarity left to the verdict and the other guards');
  if (la === lb) return pass('polarity', 'both venues label YES the same way');
  if (mapping === 'YES_NO') return pass('polarity', 'inverted labels agree with the YES↔NO mapping');
  return flag('polarity', `records imply YES_NO (one venue labels YES "No": ${a.outcomes.join('/')} vs ${b.outcomes.join('/')}); the verdict said ${mapping ?? 'nothing yet'}: a human must confirm`);
}

export function statusGuard(a: Rec, b: Rec): GuardResult {
  const tradable = (s: Rec['status']): boolean => s === 'open' || s === 'unopened';
  if (!tradable(a.status) || !tradable(b.status)) return fail('status', `not open: ${a.venue} ${a.status}, ${b.venue} ${b.status}`);
  return pass('status', 'both open');
}

const days = (ms: number): string => (ms >= 2 * 86_400_000 ? `${(ms / 86_400_000).toFixed(1)} days` : hours(ms));
const eventSource = (r: Rec): string => (r.eventTime !== undefined ? (r.eventTimeSource ?? 'eventTime') : 'expectedResolutionTime');

/** A span for reasons: an instant as its time, a day or period as its bounds and what it comes from. */
const showSpan = (s: EventSpan): string => (s.precision === 'instant' ? `${iso(s.from)} (${s.source})` : `${s.precision} ${iso(s.from)}..${iso(s.to)} (${s.source})`);

/**
 * The event dates must agree. Each side's event date is a span (src/matching/extract.ts
 * `eventSpanOf`): an instant (Kalshi's expected expiration, a strike date, a game start, Polymarket's
 * end date at a deadline or a release), a day the question names, or the month or year the question
 * names as its event's, bounded above by the venue's end date. Two spans agree when they overlap
 * once widened by `eventWindowMs` (`gameWindowMs` when a side's instant is a game's scheduled start:
 * the next game of a series is a day later); disjoint spans fail (the 2028 vs the 2032 nomination,
 * the March vs the June meeting, Jan 15 vs Jan 16). A period containing the other side's date passes
 * here: the subject and round guards decide whether it is the same event. The trading close never
 * enters: Kalshi often closes a year or two after the event. A settlement backstop is only a bound:
 * an event that cannot come before the other venue's backstop (plus `backstopGraceMs`) fails, since
 * that market settles first; an unknown event date is held for a human, whatever the backstops say.
 */
export function eventDateGuard(a: Rec, b: Rec, cfg: GuardConfig = DEFAULT_GUARD_CONFIG): GuardResult {
  const sa = eventSpanOf(a);
  const sb = eventSpanOf(b);
  for (const [x, sx, y] of [[a, sa, b], [b, sb, a]] as const) {
    if (sx !== undefined && y.backstopTime !== undefined && sx.from > y.backstopTime + cfg.backstopGraceMs) {
      return fail('eventDate', `${x.venue} event date ${showSpan(sx)} is after ${y.venue}'s settlement backstop ${iso(y.backstopTime)}`);
    }
  }
  if (sa === undefined || sb === undefined) {
    const unknown = [sa === undefined ? a.venue : '', sb === undefined ? b.venue : ''].filter(Boolean).join(' and ');
    if (sa === undefined && sb === undefined) {
      const [ta, tb] = [statedSpanOf(a), statedSpanOf(b)];
      if (ta && tb) return statedSpans(a, ta, b, tb, 'no event date on either venue');
      return flag('eventDate', `event date unknown on ${unknown}: a human must confirm the dates`);
    }
    const [known, s, other] = sa !== undefined ? [a, sa, b] : [b, sb!, a];
    // a bound pins the other side to a known instant or day, or to the venue's own end date of a period
    const pinned = s.precision === 'instant' || s.precision === 'day' || s.to === (known.eventTime ?? known.expectedResolutionTime);
    const bounded = pinned ? boundedBy(s.to, other, cfg) : undefined;
    if (bounded) return pass('eventDate', `event date unknown on ${other.venue}, but ${bounded} is within ${days(cfg.eventWindowMs)} of ${known.venue}'s event date ${showSpan(s)} and no year it names contradicts it`);
    // what the undated side does say: a year or a season in its ticker or its text, bounded by its close
    const stated = statedSpanOf(other);
    if (stated) return statedSpans(known, s, other, stated, `event date unknown on ${other.venue}`);
    return flag('eventDate', `event date unknown on ${unknown}: a human must confirm the dates`);
  }
  const d = spanGap(sa, sb);
  const game = (sa.precision === 'instant' && GAME_START_SOURCES.has(eventSource(a))) || (sb.precision === 'instant' && GAME_START_SOURCES.has(eventSource(b)));
  const window = game ? Math.min(cfg.gameWindowMs, cfg.eventWindowMs) : cfg.eventWindowMs;
  if (d > window) {
    return fail('eventDate', `event dates differ by ${days(d)} (${a.venue} ${showSpan(sa)} vs ${b.venue} ${showSpan(sb)}; window ${days(window)}${game ? ' for a game' : ''})`);
  }
  if (sa.precision === 'instant' && sb.precision === 'instant') return pass('eventDate', `event dates within ${hours(d)} (${eventSource(a)} vs ${eventSource(b)})`);
  return pass('eventDate', `event dates agree: ${a.venue} ${showSpan(sa)} and ${b.venue} ${showSpan(sb)} ${d === 0 ? 'overlap' : `are ${hours(d)} apart`}`);
}

/**
 * A span against the period an undated record states (src/matching/extract.ts `statedSpanOf`): the
 * period already covers the whole year or month: spans more than `STATED_SLACK_MS` apart fail (the
 * 2026 title vs the 2027 one), spans that only touch at an edge (a deadline's last day against the
 * next year) are held, and spans that truly overlap pass to the subject and round guards.
 */
function statedSpans(x: Rec, sx: EventSpan, y: Rec, sy: EventSpan, why: string): GuardResult {
  const d = spanGap(sx, sy);
  const shown = `the period ${y.venue} states, ${showSpan(sy)}`;
  if (d > STATED_SLACK_MS) return fail('eventDate', `${why}; ${shown}, is ${days(d)} from ${x.venue}'s ${showSpan(sx)}`);
  // only touching at an edge ("by Dec 31, 2026" against "in 2027"): which period the event is in is for a human
  if (sx.to <= sy.from + STATED_SLACK_MS || sx.from >= sy.to - STATED_SLACK_MS) return flag('eventDate', `${why}; ${shown}, only touches ${x.venue}'s ${showSpan(sx)}: a human must confirm the dates`);
  return pass('eventDate', `${why}, but ${shown}, overlaps ${x.venue}'s ${showSpan(sx)}`);
}
const STATED_SLACK_MS = 36 * 3_600_000;

/** Years (2000–2099) a text names. */
const yearsIn = (text: string): Set<number> => new Set([...text.slice(0, 4_000).matchAll(/(?<![\d$.,])(20\d\d)(?![\d%])/g)].map((m) => Number(m[1])));

/**
 * A record with no event date is still pinned to the other venue's event date `t` when its
 * earliest bound (trading close or settlement backstop) is within `eventWindowMs` of `t` — the
 * market cannot be about an event after that bound, and a bound that close to `t` leaves no room
 * for another occurrence of the event a year apart — and every year it names is `t`'s (or, for a
 * date-only end on Jan 1, the year before). Returns the bound's description, or undefined (a hold).
 */
function boundedBy(t: number, r: Rec, cfg: GuardConfig): string | undefined {
  const bounds = ([['close', r.closeTime], ['backstop', r.backstopTime]] as const).filter((x): x is readonly ['close' | 'backstop', number] => x[1] !== undefined);
  if (!bounds.length) return undefined;
  const [name, first] = bounds.reduce((x, y) => (y[1] < x[1] ? y : x));
  if (Math.abs(first - t) > cfg.eventWindowMs) return undefined;
  const ok = new Set([new Date(t).getUTCFullYear(), new Date(t - 86_400_000).getUTCFullYear()]);
  // a deadline's year is that of its last day: "before Jan 1, 2027" ends with 2026
  const text = `${r.title}\n${r.rulesText}`.slice(0, 4_000);
  const deadlines = extractDateTerms(text).filter((d) => d.bound && d.end && ok.has(Number(lastDayOf(d)?.slice(0, 4))));
  const years = [...yearsIn(deadlines.reduce((x, d) => x.split(d.raw).join(' '), text))];
  if (years.some((y) => !ok.has(y))) return undefined;
  return `its ${name} ${iso(first)}`;
}

type DateTerm = ExtractedDate;
const isDay = (k: string): boolean => /^\d{4}-\d\d-\d\d$/.test(k);
const isMonthDay = (k: string): boolean => k.startsWith('--');
/** Two keys of a day ('YYYY-MM-DD' or '--MM-DD') name the same day (the year only when both give it). */
const sameDay = (x: string, y: string): boolean => x === y || ((isMonthDay(x) || isMonthDay(y)) && x.slice(-5) === y.slice(-5));
/**
 * The days a date stands for when compared with a plain date: as written, and (a deadline) its last
 * day and the day it ends at: a state "on January 1" (as of the start of that day) is read at the
 * boundary of "by December 31" / "before January 1".
 */
const daysOf = (d: DateTerm): string[] => [d.key, ...(d.end ? [lastDayOf(d)!, d.end] : [])].filter((k) => isDay(k) || isMonthDay(k));

/**
 * Two dates agree: two deadlines when they end at the same instant ("by June 30" ≡ "before July 1" ≡
 * "June 30, 11:59 PM ET"), a deadline and a plain date when the plain day is the deadline's day as
 * written, its last day, or the day at whose start it ends ("by Dec 31, 2026" ~ "on Jan 1, 2027":
 * the same boundary instant), two plain dates when they are the same day.
 */
function datesAgree(x: DateTerm, y: DateTerm): boolean {
  if (x.end && y.end) return sameDay(x.end, y.end);
  if (x.end || y.end) {
    const [d, p] = x.end ? [x, y] : [y, x];
    return (isDay(p.key) || isMonthDay(p.key)) && daysOf(d).some((k) => sameDay(k, p.key));
  }
  return sameDay(x.key, y.key);
}
const covered = (xs: readonly DateTerm[], ys: readonly DateTerm[]): boolean => xs.every((x) => ys.some((y) => datesAgree(x, y)));
const showDates = (ds: readonly DateTerm[]): string => ds.map((d) => (d.end ? `${d.bound} ${d.key} (ends ${d.end})` : d.key)).join(', ');

/**
 * Dates named in the titles must agree (a day, a month-day without year, or a month). A deadline
 * is compared as the instant it ends, so "by June 30" (inclusive) and "before July 1" (exclusive)
 * agree while "by June 30" and "by July 1" do not.
 */
export function titleDatesGuard(a: Rec, b: Rec): GuardResult {
  const r = titleDatesOnly(a, b);
  if (r.outcome !== 'pass') return r;
  // the titles agree: each market's own rules must not contradict its title (a title naming a day its
  // resolution text never names, while that text names other days: the market resolves on something else)
  const ruleDays = (x: Rec): DateTerm[] => extractDateTerms(`${x.rulesText}\n${x.rulesSecondary}`).filter((d) => isDay(d.key));
  for (const x of [a, b]) {
    const titleDays = extractDateTerms(x.title).filter((d) => isDay(d.key));
    const rules = ruleDays(x);
    if (titleDays.length && rules.length && !titleDays.some((d) => rules.some((o) => datesAgree(d, o)))) {
      return flag('titleDates', `the ${x.venue} market's rules name other days than its title: ${showDates(titleDays)} vs ${showDates(rules.slice(0, 4))}`);
    }
  }
  return r;
}

function titleDatesOnly(a: Rec, b: Rec): GuardResult {
  const da = extractDateTerms(a.title);
  const db = extractDateTerms(b.title);
  const months = (ds: readonly DateTerm[]): string[] =>
    ds.flatMap((d) => [d.key, ...(d.end ? [lastDayOf(d)!] : [])]).map((k) => k.slice(0, 7)).filter((k) => /^\d{4}-\d\d$/.test(k));
  if (da.length && db.length) {
    const [ea, eb] = [da.filter((d) => d.end), db.filter((d) => d.end)];
    if (ea.length && eb.length) {
      if (!covered(ea, eb) || !covered(eb, ea)) return fail('titleDates', `deadlines differ: ${showDates(ea)} vs ${showDates(eb)}`);
      const [pa, pb] = [da.filter((d) => !d.end), db.filter((d) => !d.end)];
      if (!pa.length || !pb.length) return pass('titleDates', `same deadline ${showDates(ea)} ~ ${showDates(eb)}`);
    }
    // days with a year (a month deadline counts: it ends on a day)
    const full = (ds: readonly DateTerm[]): DateTerm[] => ds.filter((d) => isDay(d.key) || isDay(d.end ?? ''));
    const [fa, fb] = [full(da), full(db)];
    if (fa.length && fb.length) {
      return covered(fa, fb) && covered(fb, fa) ? pass('titleDates', `same dates ${showDates(fa)}`) : fail('titleDates', `dates differ: ${showDates(fa)} vs ${showDates(fb)}`);
    }
    const [ma, mb] = [da.filter((d) => isDay(d.key) || isMonthDay(d.key)), db.filter((d) => isDay(d.key) || isMonthDay(d.key))];
    if (ma.length && mb.length) return covered(ma, mb) && covered(mb, ma) ? pass('titleDates', `same days ${showDates(ma)}`) : fail('titleDates', `days differ: ${showDates(ma)} vs ${showDates(mb)}`);
    const [ya, yb] = [months(da), months(db)];
    if (ya.length && yb.length && !ya.some((m) => yb.includes(m))) return fail('titleDates', `months differ: ${ya.join(', ')} vs ${yb.join(', ')}`);
    return pass('titleDates', 'dates compatible');
  }
  // one title names a day: the other side's rules must not name only other days
  const [named, other] = da.length ? [da, b] : [db, a];
  const namedDays = named.filter((d) => isDay(d.key));
  if (!namedDays.length) return pass('titleDates', 'no dates in titles');
  const otherDays = extractDateTerms(`${other.rulesText}\n${other.rulesSecondary}`).filter((d) => isDay(d.key));
  if (otherDays.length && !namedDays.some((d) => otherDays.some((o) => datesAgree(d, o)))) {
    return flag('titleDates', `title date ${showDates(namedDays)} not among the other market's rule dates ${showDates(otherDays.slice(0, 4))}`);
  }
  return pass('titleDates', 'date named on one side only');
}

type T = MarketRecord['thresholds'][number];

/** bps → %, ¢ → $ so "25 bps" and "0.25%" compare equal. */
function normalise(t: T): T {
  if (t.unit === 'bps') return { ...t, value: t.value / 100, unit: '%' };
  if (t.unit === '¢') return { ...t, value: t.value / 100, unit: '$' };
  return t;
}

const eq = (x: number, y: number): boolean => Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));
const sorted = (ts: readonly T[]): T[] => ts.map(normalise).sort((x, y) => x.value - y.value);

const direction = (c: Comparator | undefined): 'up' | 'down' | 'between' | 'eq' | undefined =>
  c === '>' || c === '>=' ? 'up' : c === '<' || c === '<=' ? 'down' : c === 'between' ? 'between' : c === '=' ? 'eq' : undefined;
const complement: Record<Comparator, Comparator> = { '>': '<=', '>=': '<', '<': '>=', '<=': '>', '=': '=', between: 'between' };

/**
 * The thresholds of the question: the record's own, less a bare number its title does not name and
 * its text uses only to define a term ("a majority of seats (218 or more)") or as a year, which a
 * record stored by an older extraction may still carry.
 */
function questionThresholds(r: Rec): readonly T[] {
  if (!r.thresholds.length) return r.thresholds;
  const inTitle = extractThresholds(r.title);
  const incidental = incidentalNumbers(`${r.title}\n${r.rulesText}`);
  return r.thresholds.filter((t) => inTitle.some((x) => eq(x.value, t.value)) || !(t.unit === undefined && incidental.some((v) => eq(v, t.value))));
}

/**
 * Same numeric thresholds, same comparator direction (or the complement when Polymarket YES is
 * Kalshi NO). One threshold a side is compared on the resolution of the figure (`judgeRegions`:
 * "≥ 4.5%" is "> 4.4%" on a one-decimal rate; a step only inferred from the decimals is held). A
 * strict/non-strict difference at the same value (">" vs "≥") is flagged; the exact complement under
 * the other mapping than the verdict's is flagged with the records' mapping named, never passed.
 */
export function thresholdsGuard(a: Rec, b: Rec, mapping: Mapping = undefined): GuardResult {
  // a venue's structured strike is compared exactly (comparator, YES↔NO complement) by the strike guard
  if (structuredStrikeOf(a) || structuredStrikeOf(b)) return pass('thresholds', 'compared by the strike guard (structured strike)');
  // the strictness each side's resolution text states for its value governs the title's loose wording
  const [ga, gb] = [governedThresholds(questionThresholds(a), a.rulesText), governedThresholds(questionThresholds(b), b.rulesText)];
  const conflicts = [...ga.conflicts.map((c) => `${a.venue}: ${c}`), ...gb.conflicts.map((c) => `${b.venue}: ${c}`)];
  if (conflicts.length) return flag('thresholds', `title and rules disagree on strictness (${conflicts.join('; ')}): a human must confirm`);
  const ta = sorted(ga.thresholds);
  const tb = sorted(gb.thresholds);
  if (!ta.length && !tb.length) return pass('thresholds', 'no thresholds');
  if (!ta.length || !tb.length) return flag('thresholds', `threshold on ${ta.length ? a.venue : b.venue} only`);
  // one threshold a side, each with a comparator: compared as YES regions on the figure's resolution
  // ("4.5% or higher" is "above 4.4%" on a rate published to 0.1), with the YES↔NO complement
  const single = (ts: readonly T[]): T | undefined => (ts.length === 1 && ts[0]!.comparator && ts[0]!.comparator !== 'between' ? ts[0] : undefined);
  const [sa, sb] = [single(ta), single(tb)];
  if (sa && sb) {
    const [xa, xb] = [strikeFromThresholds([sa]), strikeFromThresholds([sb])];
    if (xa.kind === 'numeric' && xb.kind === 'numeric') return judgeRegions('thresholds', a, b, xa, xb, mapping);
  }
  const show = (ts: T[]): string => ts.map((t) => `${t.comparator ?? ''}${t.value}${t.unit ?? ''}`).join(', ');
  if (ta.length !== tb.length || !ta.every((t, i) => eq(t.value, tb[i]!.value))) {
    return fail('thresholds', `thresholds differ: ${show(ta)} vs ${show(tb)}`);
  }
  const notes: string[] = [];
  for (let i = 0; i < ta.length; i++) {
    const ca = ta[i]!.comparator;
    const cb = tb[i]!.comparator;
    if (!ca || !cb) {
      if (ca !== cb) notes.push(`comparator missing on ${ca ? b.venue : a.venue} at ${ta[i]!.value}`);
      continue;
    }
    const wantSame = mapping !== 'YES_NO';
    const wantComp = mapping !== 'YES_YES';
    if ((wantSame && ca === cb) || (wantComp && complement[ca] === cb)) continue;
    const sameDir = direction(ca) === direction(cb);
    const compDir = direction(complement[ca]) === direction(cb);
    if ((wantSame && sameDir) || (wantComp && compDir)) {
      notes.push(`comparator strictness differs at ${ta[i]!.value}: ${ca} vs ${cb}`);
      continue;
    }
    // the exact complement under the other mapping: the same question inverted, held with the records' mapping named
    if (mapping && (mapping === 'YES_YES' ? complement[ca] === cb : ca === cb)) {
      const implied = mapping === 'YES_YES' ? 'YES_NO' : 'YES_YES';
      notes.push(`comparators at ${ta[i]!.value} are ${ca} vs ${cb} (records imply ${implied}; the verdict said ${mapping})`);
      continue;
    }
    return fail('thresholds', `comparator direction differs at ${ta[i]!.value}: ${ca} vs ${cb}${mapping ? ` (${mapping})` : ''}`);
  }
  if (notes.length) return flag('thresholds', notes.join('; '));
  return pass('thresholds', `same thresholds ${show(ta)}`);
}

/** Units of matching thresholds must agree (after bps→%, ¢→$). */
export function unitsGuard(a: Rec, b: Rec): GuardResult {
  const ta = sorted(a.thresholds);
  const tb = sorted(b.thresholds);
  for (let i = 0; i < Math.min(ta.length, tb.length); i++) {
    const ua = ta[i]!.unit;
    const ub = tb[i]!.unit;
    if (ua && ub && ua !== ub) return fail('units', `units differ: ${ua} vs ${ub}`);
  }
  return pass('units', 'units agree');
}

/** Known entities that are a championship: two different ones are two different questions. */
const COMPETITIONS: ReadonlySet<string> = new Set(['Super Bowl', 'World Series', 'NBA Finals', 'Stanley Cup']);

/** What a record says, for the entity checks: title, rules and secondary rules. */
const fullText = (r: Rec): string => `${r.title}\n${r.rulesText}\n${r.rulesSecondary}`;

/**
 * A team nickname against a record that may name the team by its city (Kalshi: "Boston", "Los
 * Angeles L"): the city comes from a full name either record writes ("the Los Angeles Lakers").
 * 'same' when the record names that city alone or with the nickname's initial; 'other' when it
 * names the city only with other initials ("Los Angeles C": the Clippers); 'unknown' otherwise.
 */
function teamByCity(team: string, text: string, cities: ReadonlyMap<string, ReadonlySet<string>>): 'same' | 'other' | 'unknown' {
  let other = false;
  for (const city of cities.get(team) ?? []) {
    const ms = cityMentions(text, city);
    if (ms.some((m) => m.initial === undefined || m.initial.toUpperCase() === team[0]!.toUpperCase())) return 'same';
    if (ms.length) other = true;
  }
  return other ? 'other' : 'unknown';
}

/** The league a record is about, from its ticker or slug and its text ("NBA", "Pro Basketball"). */
const recordLeague = (r: Rec): League | undefined => leagueOf(fullText(r), r.marketId);

/** How a team mention of one title relates to the other title's mentions: the best relation found. */
function bestRelation(m: TeamMention, others: readonly TeamMention[]): TeamRelation {
  let best: TeamRelation = 'different';
  for (const o of others) {
    const shared = m.teams.filter((t) => o.teams.includes(t));
    const r: TeamRelation = !shared.length ? 'different' : m.teams.length === 1 && o.teams.length === 1 ? 'same' : 'ambiguous';
    if (r === 'same') return 'same';
    if (r === 'ambiguous') best = 'ambiguous';
  }
  return best;
}

/** Leagues whose games can end in a draw: a team's win is then not the other team's loss. */
const DRAW_LEAGUES: ReadonlySet<League> = new Set<League>(['epl', 'mls']);
/** A question (or its YES label) about the draw of a game. */
const DRAW = /\b(?:draw|draws|drawn|tie|ties|tied)\b/i;
const sharesTeam = (x: TeamMention, ys: readonly TeamMention[]): boolean => ys.some((y) => y.teams.some((t) => x.teams.includes(t)));

/**
 * A question about one team (its title names one team: "Will Arsenal FC win on 2026-12-26?") against
 * a game whose title names both and whose YES label names one (Kalshi "Arsenal vs Brentford" / YES
 * "Arsenal"). The same YES team, the opponent named by the single side's own rules or event text
 * ("the game between Arsenal FC and Brentford FC"): pass. Another YES team: fail in a league with
 * draws (a draw makes both NO, so they are not even complements), else a hold (the same game inverted,
 * which the mapping guard names). A draw on one side against a team on the other: fail. undefined
 * when the shape does not apply (the general team accounting decides).
 */
function yesTeamResult(a: Rec, b: Rec, ma: readonly TeamMention[], mb: readonly TeamMention[], league: League): GuardResult | undefined {
  const drawA = DRAW.test(`${a.title}\n${a.subjectText ?? ''}`);
  const drawB = DRAW.test(`${b.title}\n${b.subjectText ?? ''}`);
  if (drawA !== drawB) return fail('entities', `${drawA ? a.venue : b.venue} asks about a draw, ${drawA ? b.venue : a.venue} about a team (${league})`);
  if (drawA) return undefined;
  const shape = ma.length === 1 && mb.length === 2 ? ([a, ma, b, mb] as const) : mb.length === 1 && ma.length === 2 ? ([b, mb, a, ma] as const) : undefined;
  if (!shape) return undefined;
  const [one, oneMs, game, gameMs] = shape;
  const yesMs = game.subjectText ? teamMentions(game.subjectText, league).filter((m) => sharesTeam(m, gameMs)) : [];
  if (yesMs.length !== 1) return undefined;
  const yesTeam = yesMs[0]!;
  if (!sharesTeam(yesTeam, oneMs)) {
    const why = `YES is "${oneMs[0]!.text}" on ${one.venue} but "${yesTeam.text}" on ${game.venue} (${league})`;
    return DRAW_LEAGUES.has(league) ? fail('entities', `different team: ${why}; a draw makes both NO`) : flag('entities', `${why}: the same game only inverted, a human must confirm`);
  }
  // the opponent the game names: the single side's own text (rules, event title) must name it
  const opponents = gameMs.filter((m) => !sharesTeam(m, [yesTeam]));
  const own = teamMentions(`${eventTitleOf(one)}\n${one.rulesText}\n${one.rulesSecondary}`.slice(0, 2_000), league);
  const missing = opponents.filter((m) => !sharesTeam(m, own));
  if (missing.length) return flag('entities', `named on one side only (${league}): ${missing.map((m) => m.text).join(', ')}`);
  return pass('entities', `same YES team (${league}): "${oneMs[0]!.text}" ~ "${yesTeam.text}", opponent ${opponents.map((m) => m.text).join(', ')} named by ${one.venue}'s own text`);
}

/**
 * The title of the event a market belongs to, when the record carries it (Polymarket's event
 * title: "Arsenal vs. Chelsea" over the leg "Will Arsenal win on 2026-12-12?"); '' otherwise.
 * Read defensively: the field is optional on records built before it existed.
 */
function eventTitleOf(r: Rec): string {
  const t = 'eventTitle' in r ? r.eventTitle : undefined;
  return typeof t === 'string' ? t.slice(0, 400) : '';
}

/**
 * Teams named in both titles, resolved by the team table (nickname, city, "City Initial", full
 * name): the same teams on both sides pass; a team on the side naming fewer (or as many) that the
 * other does not name fails (another team of the same city, another game of the same team); a team
 * named on the fuller side only, or a bare city two teams of the league share, is a hold.
 * undefined when a title names no team (the known-entity checks decide).
 */
function teamsResult(a: Rec, b: Rec): { result?: GuardResult; league?: League } | undefined {
  const la = recordLeague(a);
  const lb = recordLeague(b);
  const ma0 = teamMentions(a.title, la ?? lb);
  const mb0 = teamMentions(b.title, lb ?? la);
  if (!ma0.length || !mb0.length) return undefined;
  if (la && lb && la !== lb) return { result: fail('entities', `leagues differ: ${la} vs ${lb} (${ma0.map((m) => m.text).join(', ')} vs ${mb0.map((m) => m.text).join(', ')})`) };
  // no league named: a mention that lies in one league only (a nickname) sets it
  let league = la ?? lb;
  if (!league) {
    const single = [...ma0, ...mb0].map((m) => new Set(m.teams.map((t) => t.league))).filter((s) => s.size === 1).map((s) => [...s][0]!);
    if (single.length && single.every((l) => l === single[0])) league = single[0];
  }
  if (!league) return undefined;
  const inLeague = (ms: readonly TeamMention[], r: Rec): TeamMention[] => {
    // a bare city two teams share, settled by the record's own rules naming exactly one of them ("If the Los Angeles Lakers win")
    const own = teamMentions(`${r.rulesText}\n${r.rulesSecondary}`.slice(0, 2_000), league).filter((m) => m.teams.length === 1).map((m) => m.teams[0]!);
    return ms
      .map((m) => {
        const teams = m.teams.filter((t) => t.league === league);
        const named = teams.filter((t) => own.includes(t));
        return { ...m, teams: teams.length > 1 && named.length === 1 ? named : teams };
      })
      .filter((m) => m.teams.length > 0);
  };
  const ma = inLeague(ma0, a);
  const mb = inLeague(mb0, b);
  if (!ma.length || !mb.length) return { league };
  const ra = ma.map((m) => bestRelation(m, mb));
  const rb = mb.map((m) => bestRelation(m, ma));
  const show = (ms: readonly TeamMention[]): string => ms.map((m) => m.text).join(', ');
  // one team's win ("Will Arsenal win?") against a game whose YES names a team (Kalshi "Arsenal vs Brentford" / "Arsenal"); a draw against a win
  const yes = yesTeamResult(a, b, ma, mb, league);
  if (yes) return { league, result: yes };
  if (ra.every((r) => r === 'same') && rb.every((r) => r === 'same')) return { league, result: pass('entities', `same teams (${league}): ${show(ma)} ~ ${show(mb)}`) };
  // the side naming fewer teams (or as many) must have every one of them on the other side
  const sides: [TeamMention[], TeamRelation[], TeamMention[]][] = ma.length <= mb.length ? [[ma, ra, mb]] : [];
  if (mb.length <= ma.length) sides.push([mb, rb, ma]);
  for (const [ms, rs, others] of sides) {
    const i = rs.indexOf('different');
    if (i >= 0) return { league, result: fail('entities', `different team (${league}): "${ms[i]!.text}" is not among ${show(others)}`) };
  }
  const unclear = [...ma.filter((_, i) => ra[i] !== 'same'), ...mb.filter((_, i) => rb[i] !== 'same')];
  const ambiguous = [...ra, ...rb].includes('ambiguous');
  return { league, result: flag('entities', ambiguous ? `team not settled (${league}): ${show(unclear)} may be more than one team` : `named on one side only (${league}): ${show(unclear)}`) };
}

/**
 * Known entities (assets, people, teams, institutions, competitions) named in the titles must not
 * contradict. Teams are resolved by the team table first (teams.ts); the other entities after. A team named by its nickname on one venue and by its city (plus an initial) on the
 * other is the same team when a full name written by either record ties the two ("Lakers" ~ "Los
 * Angeles L" given "Los Angeles Lakers"); the same city under another initial is another team.
 */
export function entitiesGuard(a: Rec, b: Rec): GuardResult {
  const teams = teamsResult(a, b);
  if (teams?.result && teams.result.outcome !== 'pass') return teams.result;
  // entities the team table resolved (nicknames, team cities) are settled: the others are compared below
  const notTeam = (e: string): boolean => !teams?.result || !teamCandidates(e, teams.league).length;
  const ta = knownEntities(a.title).filter(notTeam);
  const tb = knownEntities(b.title).filter(notTeam);
  if (teams?.result && (!ta.length || !tb.length)) return teams.result;
  if (!ta.length || !tb.length) return pass('entities', 'no known entity on one side');
  const cities = new Map<string, Set<string>>();
  for (const { team, city } of teamCities(`${fullText(a)}\n${fullText(b)}`)) {
    if (!cities.has(team)) cities.set(team, new Set());
    cities.get(team)!.add(city);
  }
  // a team on one side whose city the other title writes only with another team's initial
  for (const [teams, other] of [[ta, b], [tb, a]] as const) {
    for (const t of teams.filter((e) => KNOWN_TEAMS.has(e))) {
      if (!knownEntities(other.title).includes(t) && teamByCity(t, other.title, cities) === 'other') {
        return fail('entities', `different team: ${t} vs ${[...(cities.get(t) ?? [])].join('/')} under another initial in "${other.title}"`);
      }
    }
  }
  // two different championships (a Kalshi synonym counts as its competition)
  const [ca, cb] = [ta.filter((e) => COMPETITIONS.has(e)), tb.filter((e) => COMPETITIONS.has(e))];
  if (ca.length && cb.length && !ca.some((e) => cb.includes(e))) return fail('entities', `competitions differ: ${ca.join(', ')} vs ${cb.join(', ')}`);
  const sameTeam = (t: string, text: string): boolean => KNOWN_TEAMS.has(t) && teamByCity(t, text, cities) === 'same';
  const shared = ta.some((e) => tb.includes(e)) || ta.some((e) => sameTeam(e, b.title)) || tb.some((e) => sameTeam(e, a.title));
  if (!shared) return fail('entities', `entities differ: ${ta.join(', ')} vs ${tb.join(', ')}`);
  const fa = new Set(knownEntities(fullText(a)));
  const fb = new Set(knownEntities(fullText(b)));
  const named = (e: string, f: ReadonlySet<string>, other: Rec): boolean => f.has(e) || sameTeam(e, fullText(other));
  const missing = [...ta.filter((e) => !named(e, fb, b)), ...tb.filter((e) => !named(e, fa, a))];
  if (missing.length) return flag('entities', `named on one side only: ${missing.join(', ')}`);
  return pass('entities', `same entities ${ta.join(', ')}`);
}

/** A money/number token with letters that look like digits ("$1OO,OOO", "1O0%", "$5l"). */
const CONFUSABLE_NUMBER = /(?:[$€£]\s?[\dOoIlS][\dOoIlS,.]*[OoIlS][\dOoIlS,.]*)|(?:\d[\d,.]*[OoIl][\dOoIl,.]*\s?(?:%|bps|°|k\b|m\b))|(?<![A-Za-z])\d+[,.]?[OoIl]+(?:[,.]?\d|\b)/;

/** Hidden characters, homoglyphs or text that addresses the reader: held for a human. */
export function textGuard(a: Rec, b: Rec): GuardResult {
  const problems: string[] = [];
  for (const r of [a, b]) {
    const raw = (r.textFlags ?? []).filter((f) => f !== 'non-latin-letters');
    if (raw.length) problems.push(`${r.venue} text has ${raw.join('/')}`);
    for (const field of [r.title, r.rulesText, r.rulesSecondary, ...r.outcomes]) {
      const { text, flags } = sanitizeWithFlags(field);
      const bad = flags.filter((f) => f !== 'non-latin-letters');
      if (bad.length) problems.push(`${r.venue} text has ${bad.join('/')}`);
      const confusable = CONFUSABLE_NUMBER.exec(text);
      if (confusable) problems.push(`${r.venue} text has a number written with letter look-alikes ("${confusable[0]}")`);
      const inj = injectionMarkers(text);
      if (inj.length) problems.push(`${r.venue} text addresses the reader ("${inj[0]}")`);
    }
  }
  if (problems.length) return flag('text', [...new Set(problems)].join('; '));
  return pass('text', 'plain text');
}

/**
 * Every guard, in a fixed order, on leg A's and leg B's records. `mapping` is the verdict's outcome
 * mapping once known.
 */
export function runGuards(a: Rec, b: Rec, cfg: GuardConfig = DEFAULT_GUARD_CONFIG, mapping: Mapping = undefined): GuardResult[] {
  return [
    outcomesGuard(a, b),
    polarityGuard(a, b, mapping),
    statusGuard(a, b),
    eventDateGuard(a, b, cfg),
    titleDatesGuard(a, b),
    thresholdsGuard(a, b, mapping),
    unitsGuard(a, b),
    entitiesGuard(a, b),
    textGuard(a, b),
    ...subjectGuard(a, b), // 'subject' and 'round': open-ended subjects and election rounds must agree
    ...strikeGuard(a, b, mapping), // 'strike' and 'source': structured strikes / price to beat, reference sources
    outcomeMappingGuard(a, b, mapping), // 'mapping': the verdict's YES_YES/YES_NO must be the one named outcomes or polarity imply
    coverageGuard(a, b), // 'coverage': every specific term of each question must be accounted for on the other side
    decisionOutcomeGuard(a, b, mapping), // 'decision': a central bank's rate decision must name the same outcome (hold, cut/hike and size) on both sides
  ];
}

export const guardsPass = (gs: readonly GuardResult[]): boolean => gs.every((g) => g.outcome === 'pass');
export const guardsFail = (gs: readonly GuardResult[]): boolean => gs.some((g) => g.outcome === 'fail');
