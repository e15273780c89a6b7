/**
 * Deterministic guards on a candidate pair. They run on the normalised records alone, and no LLM
 * verdict can override them: a `fail` rejects the pair, a `flag` holds it for a human, and only a
 * pair whose guards all `pass` can be auto-approved. Market text is data: it is sanitised and
 * measured here, never followed.
 */
import { subjectGuard } from './subject.js';
import { strikeGuard, structuredStrikeOf } from './strike.js';
import type { MarketRecord } from '../../schema/market.js';
import { extractDates, knownEntities, type Comparator } from './extract.js';
import { eventTimeOf } from './records.js';
import { injectionMarkers, sanitizeWithFlags } from './sanitize.js';

/**
 * Guard names as stored in `market_pairs.guards.results` (read back only as text). Decisions stored
 * before issue 14 carry 'closeTime' and 'resolutionTime', which 'eventDate' replaced.
 */
export type GuardName =
  | 'outcomes' | 'polarity' | 'status' | 'eventDate' | 'titleDates' | 'thresholds' | 'units' | 'entities' | 'text'
  | 'subject' | 'round' | 'strike' | 'source';
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

/** `eventTimeSource` values that are the scheduled start of a game (a precise time, not a day). */
const GAME_START_SOURCES: ReadonlySet<string> = new Set(['gameStartTime', 'eventStartTime', 'event.startTime', 'occurrence_datetime']);

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
  return flag('polarity', `one venue labels YES "No" (${a.outcomes.join('/')} vs ${b.outcomes.join('/')}) but the mapping is ${mapping ?? 'unknown'}: a human must confirm`);
}

export function statusGuard(a: Rec, b: Rec): GuardResult {
  const tradable = (s: Rec['status']): boolean => s === 'open' || s === 'unopened';
  if (!tradable(a.status) || !tradable(b.status)) return fail('status', `not open: ${a.venue} ${a.status}, ${b.venue} ${b.status}`);
  return pass('status', 'both open');
}

const days = (ms: number): string => (ms >= 2 * 86_400_000 ? `${(ms / 86_400_000).toFixed(1)} days` : hours(ms));
const eventSource = (r: Rec): string => (r.eventTime !== undefined ? (r.eventTimeSource ?? 'eventTime') : 'expectedResolutionTime');

/**
 * The event dates must agree: within `eventWindowMs`, or `gameWindowMs` when a side's date is a
 * game's scheduled start (the next game of a series is a day later). The trading close never enters: Kalshi often
 * closes a year or two after the event. A settlement backstop is only a bound: an event date later
 * than the other venue's backstop (plus `backstopGraceMs`) fails, since that market settles before
 * the event; an unknown event date is held for a human, whatever the backstops say.
 */
export function eventDateGuard(a: Rec, b: Rec, cfg: GuardConfig = DEFAULT_GUARD_CONFIG): GuardResult {
  const ta = eventTimeOf(a);
  const tb = eventTimeOf(b);
  for (const [x, tx, y] of [[a, ta, b], [b, tb, a]] as const) {
    if (tx !== undefined && y.backstopTime !== undefined && tx > y.backstopTime + cfg.backstopGraceMs) {
      return fail('eventDate', `${x.venue} event date ${iso(tx)} (${eventSource(x)}) is after ${y.venue}'s settlement backstop ${iso(y.backstopTime)}`);
    }
  }
  if (ta === undefined || tb === undefined) {
    const unknown = [ta === undefined ? a.venue : '', tb === undefined ? b.venue : ''].filter(Boolean).join(' and ');
    return flag('eventDate', `event date unknown on ${unknown}: a human must confirm the dates`);
  }
  const d = Math.abs(ta - tb);
  const game = GAME_START_SOURCES.has(eventSource(a)) || GAME_START_SOURCES.has(eventSource(b));
  const window = game ? Math.min(cfg.gameWindowMs, cfg.eventWindowMs) : cfg.eventWindowMs;
  if (d > window) {
    return fail('eventDate', `event dates differ by ${days(d)} (${a.venue} ${iso(ta)} from ${eventSource(a)} vs ${b.venue} ${iso(tb)} from ${eventSource(b)}; window ${days(window)}${game ? ' for a game' : ''})`);
  }
  return pass('eventDate', `event dates within ${hours(d)} (${eventSource(a)} vs ${eventSource(b)})`);
}

/** Dates named in the titles must agree (a day, a month-day without year, or a month). */
export function titleDatesGuard(a: Rec, b: Rec): GuardResult {
  const da = extractDates(a.title).map((d) => d.key);
  const db = extractDates(b.title).map((d) => d.key);
  const days = (ks: string[]): string[] => ks.filter((k) => /^\d{4}-\d\d-\d\d$/.test(k));
  const monthDays = (ks: string[]): string[] => ks.map((k) => (k.startsWith('--') ? k.slice(2) : /^\d{4}-\d\d-\d\d$/.test(k) ? k.slice(5) : '')).filter(Boolean);
  const months = (ks: string[]): string[] => ks.map((k) => k.slice(0, 7)).filter((k) => /^\d{4}-\d\d$/.test(k));
  const same = (x: string[], y: string[]): boolean => x.length === y.length && x.every((v) => y.includes(v));
  if (da.length && db.length) {
    const [fa, fb] = [days(da), days(db)];
    if (fa.length && fb.length) return same(fa, fb) ? pass('titleDates', `same dates ${fa.join(', ')}`) : fail('titleDates', `dates differ: ${fa.join(', ')} vs ${fb.join(', ')}`);
    const [ma, mb] = [monthDays(da), monthDays(db)];
    if (ma.length && mb.length) return same(ma, mb) ? pass('titleDates', `same days ${ma.join(', ')}`) : fail('titleDates', `days differ: ${ma.join(', ')} vs ${mb.join(', ')}`);
    const [ya, yb] = [months(da), months(db)];
    if (ya.length && yb.length && !ya.some((m) => yb.includes(m))) return fail('titleDates', `months differ: ${ya.join(', ')} vs ${yb.join(', ')}`);
    return pass('titleDates', 'dates compatible');
  }
  // one title names a day: the other side's rules must not name only other days
  const [named, other] = da.length ? [days(da), b] : [days(db), a];
  if (!named.length) return pass('titleDates', 'no dates in titles');
  const otherDays = days(extractDates(other.rulesText).map((d) => d.key));
  if (otherDays.length && !named.some((d) => otherDays.includes(d))) {
    return flag('titleDates', `title date ${named.join(', ')} not among the other market's rule dates ${otherDays.slice(0, 4).join(', ')}`);
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
 * Same numeric thresholds, same comparator direction (or the complement when Polymarket YES is
 * Kalshi NO). A strict/non-strict difference at the same value (">" vs "≥") is flagged.
 */
export function thresholdsGuard(a: Rec, b: Rec, mapping: Mapping = undefined): GuardResult {
  const ta = sorted(a.thresholds);
  const tb = sorted(b.thresholds);
  // a venue's structured strike is compared exactly (comparator, YES↔NO complement) by the strike guard
  if (structuredStrikeOf(a) || structuredStrikeOf(b)) return pass('thresholds', 'compared by the strike guard (structured strike)');
  if (!ta.length && !tb.length) return pass('thresholds', 'no thresholds');
  if (!ta.length || !tb.length) return flag('thresholds', `threshold on ${ta.length ? a.venue : b.venue} only`);
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

/** Known entities (assets, people, teams, institutions) named in the titles must not contradict. */
export function entitiesGuard(a: Rec, b: Rec): GuardResult {
  const ta = knownEntities(a.title);
  const tb = knownEntities(b.title);
  if (!ta.length || !tb.length) return pass('entities', 'no known entity on one side');
  if (!ta.some((e) => tb.includes(e))) return fail('entities', `entities differ: ${ta.join(', ')} vs ${tb.join(', ')}`);
  const fa = new Set(knownEntities(`${a.title}\n${a.rulesText}`));
  const fb = new Set(knownEntities(`${b.title}\n${b.rulesText}`));
  const missing = [...ta.filter((e) => !fb.has(e)), ...tb.filter((e) => !fa.has(e))];
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
  ];
}

export const guardsPass = (gs: readonly GuardResult[]): boolean => gs.every((g) => g.outcome === 'pass');
export const guardsFail = (gs: readonly GuardResult[]): boolean => gs.some((g) => g.outcome === 'fail');
