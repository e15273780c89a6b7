/**
 * Cheap, deterministic facts pulled from (sanitised) market text: numeric thresholds with their
 * unit and comparator ("above $100,000", "at least 4.25%", "90°F or higher", "25 bps"), dates
 * ("2026-03-01", "March 1, 2026", "Dec 31", "March 2026") and named entities (a known list with
 * aliases, plus capitalised phrases). Used by the candidate search and the guards; never by
 * anything that acts on what the text says.
 */
import type { MarketRecord } from '../../schema/market.js';
import { sanitizeText } from './sanitize.js';

export type Comparator = '>' | '>=' | '<' | '<=' | '=' | 'between';

export interface Threshold {
  readonly value: number;
  /** '$', '€', '£', '%', '°F', '°C', '°', 'bps', '¢', 'pts', or undefined for a bare number; the sign is kept (-0.1 for "−0.1%") */
  readonly unit?: string;
  readonly comparator?: Comparator;
  /** the text it came from (for reasons) */
  readonly raw?: string;
}

export interface ExtractedDate {
  /** 'YYYY-MM-DD', or 'YYYY-MM' when only a month is named, or '--MM-DD' when the year is missing */
  readonly key: string;
  readonly raw: string;
  /**
   * When the text makes the date a deadline: 'inclusive' ("by June 30", "on or before", "through",
   * "end of", "June 30, 11:59 PM ET") or 'exclusive' ("before July 1", "prior to", "00:00 on July 1").
   */
  readonly bound?: 'inclusive' | 'exclusive';
  /**
   * A deadline as the first day it no longer counts (an exclusive end), in the key's form: 'by June
   * 30, 2026' and 'before July 1, 2026' both give '2026-07-01'; 'by March 2026' gives '2026-04-01';
   * '--MM-DD' when the year is missing. Only set with `bound`.
   */
  readonly end?: string;
}

const MONTHS: Readonly<Record<string, number>> = {
  jan: 1, january: 1, feb: 2, february: 2, mar: 3, march: 3, apr: 4, april: 4, may: 5, jun: 6, june: 6,
  jul: 7, july: 7, aug: 8, august: 8, sep: 9, sept: 9, september: 9, oct: 10, october: 10, nov: 11, november: 11,
  dec: 12, december: 12,
};
const MONTH_RE = '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?';

const pad = (n: number): string => String(n).padStart(2, '0');
/** A real calendar day (year 2000, a leap year, when the text names none). */
const validDay = (m: number, d: number, y = 2000): boolean => m >= 1 && m <= 12 && d >= 1 && new Date(Date.UTC(y, m - 1, d)).getUTCDate() === d;

const DATE_PATTERNS: readonly { re: RegExp; key: (m: RegExpExecArray) => string | undefined }[] = [
  // 2026-03-01 (optionally with a time)
  { re: /\b(20\d\d)-(\d\d)-(\d\d)(?:[T ][\d:.]+Z?)?\b/g, key: (m) => (validDay(+m[2]!, +m[3]!, +m[1]!) ? `${m[1]}-${m[2]}-${m[3]}` : undefined) },
  // March 1, 2026 / March 1st 2026 / Mar. 1 2026
  {
    re: new RegExp(`\\b${MONTH_RE}\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(20\\d\\d)\\b`, 'gi'),
    key: (m) => (validDay(MONTHS[m[1]!.toLowerCase()] ?? 0, +m[2]!, +m[3]!) ? `${m[3]}-${pad(MONTHS[m[1]!.toLowerCase()]!)}-${pad(+m[2]!)}` : undefined),
  },
  // 1 March 2026
  {
    re: new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH_RE},?\\s+(20\\d\\d)\\b`, 'gi'),
    key: (m) => (validDay(MONTHS[m[2]!.toLowerCase()] ?? 0, +m[1]!, +m[3]!) ? `${m[3]}-${pad(MONTHS[m[2]!.toLowerCase()]!)}-${pad(+m[1]!)}` : undefined),
  },
  // 3/1/2026 (US order)
  { re: /\b(\d{1,2})\/(\d{1,2})\/(20\d\d)\b/g, key: (m) => (validDay(+m[1]!, +m[2]!, +m[3]!) ? `${m[3]}-${pad(+m[1]!)}-${pad(+m[2]!)}` : undefined) },
  // March 2026 (a month)
  { re: new RegExp(`\\b${MONTH_RE},?\\s+(20\\d\\d)\\b`, 'gi'), key: (m) => `${m[2]}-${pad(MONTHS[m[1]!.toLowerCase()]!)}` },
  // Dec 31 (no year)
  {
    re: new RegExp(`\\b${MONTH_RE}\\s+(\\d{1,2})(?:st|nd|rd|th)?\\b(?!\\s*[,.]?\\s*20\\d\\d)(?!\\s*(?:%|bps|°))`, 'gi'),
    key: (m) => (validDay(MONTHS[m[1]!.toLowerCase()] ?? 0, +m[2]!) ? `--${pad(MONTHS[m[1]!.toLowerCase()]!)}-${pad(+m[2]!)}` : undefined),
  },
];

// a deadline's wording just before the date (longest first), and a time of day written next to it
const INCLUSIVE_LEAD = /(?:on or before|no later than|not later than|by the end of|at the end of|by end of|end of|through(?:out)?|thru|until|till|by)\s+(?:the\s+)?$/i;
const EXCLUSIVE_LEAD = /(?:before|prior to|ahead of|earlier than)\s+(?:the\s+)?$/i;
/** "11:59 PM ET", "11:59:59 p.m.", "23:59 UTC": the last minute of the day. */
const END_OF_DAY = /^(?:11:59(?::59)?\s*(?:p\.?\s?m\.?)|23:59(?::59)?)(?:\s*(?:ET|EST|EDT|UTC|GMT|PT|CT))?/i;
/** "12:00 AM ET", "00:00 UTC", "midnight": the start of the day. */
const START_OF_DAY = /^(?:12:00(?::00)?\s*(?:a\.?\s?m\.?)|00:00(?::00)?|midnight)(?:\s*(?:ET|EST|EDT|UTC|GMT|PT|CT))?/i;
/** A time written before the date ("by 11:59 PM ET on June 30"): the time, then "on"/"of". */
const TIME_BEFORE = /((?:11:59(?::59)?\s*(?:p\.?\s?m\.?)|23:59(?::59)?|12:00(?::00)?\s*(?:a\.?\s?m\.?)|00:00(?::00)?|midnight)(?:\s*(?:ET|EST|EDT|UTC|GMT|PT|CT))?)[,]?\s+(?:on|of)\s+$/i;

/** The day after a day or month key (a month's end is the first day of the next month). */
function nextKey(key: string, unit: 'day' | 'month'): string {
  if (key.startsWith('--')) {
    const [m, d] = key.slice(2).split('-').map(Number) as [number, number];
    // no year: a leap year only for Feb 29
    const t = new Date(Date.UTC(m === 2 && d === 29 ? 2000 : 2001, m - 1, d + 1));
    return `--${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
  }
  const [y, m, d] = key.split('-').map(Number) as [number, number, number?];
  const t = unit === 'month' ? new Date(Date.UTC(y, m, 1)) : new Date(Date.UTC(y, m - 1, (d ?? 1) + 1));
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

/** The deadline a date's surroundings make of it: its bound and exclusive end, or nothing (a plain date). */
function boundOf(text: string, at: number, end: number, key: string): Pick<ExtractedDate, 'bound' | 'end'> {
  const month = /^\d{4}-\d\d$/.test(key);
  const first = month ? `${key}-01` : key;
  const after = text.slice(end, end + 40).replace(/^\s*(?:,|at)?\s*/i, '');
  let before = text.slice(Math.max(0, at - 60), at);
  const timeBefore = TIME_BEFORE.exec(before);
  let time: 'end' | 'start' | undefined;
  if (timeBefore) {
    time = END_OF_DAY.test(timeBefore[1]!) ? 'end' : 'start';
    before = before.slice(0, timeBefore.index);
  } else if (!month && END_OF_DAY.test(after)) time = 'end';
  else if (!month && START_OF_DAY.test(after)) time = 'start';
  const inclusive = INCLUSIVE_LEAD.test(before);
  const exclusive = !inclusive && EXCLUSIVE_LEAD.test(before);
  // a time of day settles it: the last minute counts the day in, the first minute leaves it out
  if (time === 'end') return { bound: 'inclusive', end: nextKey(first, 'day') };
  if (time === 'start' && (inclusive || exclusive || /\b(?:and|to)\s+$/i.test(before))) return { bound: 'exclusive', end: first };
  if (inclusive) return { bound: 'inclusive', end: nextKey(month ? key : first, month ? 'month' : 'day') };
  if (exclusive) return { bound: 'exclusive', end: first };
  return {};
}

/** Dates named in the text, in order of appearance, with the spans they cover. */
function findDates(text: string): { dates: ExtractedDate[]; spans: [number, number][] } {
  const spans: [number, number][] = [];
  const found: { at: number; d: ExtractedDate }[] = [];
  const overlaps = (a: number, b: number): boolean => spans.some(([s, e]) => a < e && b > s);
  for (const p of DATE_PATTERNS) {
    p.re.lastIndex = 0;
    for (let m = p.re.exec(text); m; m = p.re.exec(text)) {
      const end = m.index + m[0].length;
      if (overlaps(m.index, end)) continue;
      const key = p.key(m);
      if (!key) continue;
      spans.push([m.index, end]);
      found.push({ at: m.index, d: { key, raw: m[0], ...boundOf(text, m.index, end, key) } });
    }
  }
  found.sort((a, b) => a.at - b.at);
  return { dates: found.map((f) => f.d), spans };
}

/** A clock time with its zone family: "5PM ET", "12pm EST", "4:00 p.m. EDT", "noon ET", "17:00 UTC". */
export interface TimeOfDay {
  /** minutes after midnight */
  readonly minutes: number;
  /** 'et' (ET/EST/EDT: the venues write EST all year), 'ct', 'mt', 'pt', 'utc', or undefined when no zone is written */
  readonly zone?: string;
  readonly raw: string;
}

const TIME_OF_DAY = /(?<![\d:])(?:(\d{1,2})(?::(\d\d))?\s?(a\.?\s?m\.?|p\.?\s?m\.?)|(\d{1,2}):(\d\d)(?=\s?(?:UTC|GMT|ET|EST|EDT)\b)|(noon|midnight))(?:\s?(ET|EST|EDT|CT|CST|CDT|MT|MST|MDT|PT|PST|PDT|UTC|GMT)\b)?/gi;
const ZONES: Readonly<Record<string, string>> = { et: 'et', est: 'et', edt: 'et', ct: 'ct', cst: 'ct', cdt: 'ct', mt: 'mt', mst: 'mt', mdt: 'mt', pt: 'pt', pst: 'pt', pdt: 'pt', utc: 'utc', gmt: 'utc' };

/** Clock times the text names, in order (at most 10; "11:59 PM ET" included: callers decide what a time means). */
export function timesOfDay(input: string): TimeOfDay[] {
  const text = sanitizeText(input.slice(0, 2_000));
  const out: TimeOfDay[] = [];
  TIME_OF_DAY.lastIndex = 0;
  for (let m = TIME_OF_DAY.exec(text); m && out.length < 10; m = TIME_OF_DAY.exec(text)) {
    let minutes: number;
    if (m[6]) minutes = m[6].toLowerCase() === 'noon' ? 720 : 0;
    else if (m[3]) {
      const h = Number(m[1]);
      const min = Number(m[2] ?? 0);
      if (h < 1 || h > 12 || min > 59) continue;
      minutes = ((h % 12) + (/^p/i.test(m[3]) ? 12 : 0)) * 60 + min;
    } else {
      const h = Number(m[4]);
      const min = Number(m[5]);
      if (h > 23 || min > 59) continue;
      minutes = h * 60 + min;
    }
    const zone = m[7] ? ZONES[m[7].toLowerCase()] : undefined;
    out.push({ minutes, ...(zone ? { zone } : {}), raw: m[0] });
  }
  return out;
}

/** Dates named in the text (deduplicated by key, in order). */
export function extractDates(input: string): ExtractedDate[] {
  const { dates } = findDates(sanitizeText(input));
  const seen = new Set<string>();
  return dates.filter((d) => (seen.has(d.key) ? false : (seen.add(d.key), true)));
}

/** Dates named in the text with their deadline wording (deduplicated by key and end, in order). */
export function extractDateTerms(input: string): ExtractedDate[] {
  const { dates } = findDates(sanitizeText(input));
  const seen = new Set<string>();
  return dates.filter((d) => {
    const k = `${d.key}|${d.end ?? ''}`;
    return seen.has(k) ? false : (seen.add(k), true);
  });
}

/** The last day a deadline still counts, in its end's form (undefined for a plain date). */
export function lastDayOf(d: ExtractedDate): string | undefined {
  if (!d.end) return undefined;
  if (d.end.startsWith('--')) {
    const [m, dd] = d.end.slice(2).split('-').map(Number) as [number, number];
    const t = new Date(Date.UTC(2001, m - 1, dd - 1));
    return `--${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
  }
  const [y, m, dd] = d.end.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, dd - 1));
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

/**
 * How precisely a record pins the date of its event. 'instant': a venue timestamp at the event
 * (Kalshi `expected_expiration_time`, a strike date, a game start, or Polymarket's `endDate` where
 * the question gives no looser period); 'day': a day the question names, the venue's end date lying
 * elsewhere; 'month' / 'year': the question names only a period ("after the March 2027 meeting",
 * "the 2028 Democratic nomination"), so the event lies somewhere in it, no later than the venue's end.
 */
export type EventPrecision = 'instant' | 'day' | 'month' | 'year';

/** Where a record's event may lie: [from, to] in unix ms (from === to for an instant). */
export interface EventSpan {
  readonly from: number;
  readonly to: number;
  readonly precision: EventPrecision;
  /** the venue field and, for a day or period, what the question names (for reasons) */
  readonly source: string;
}

/**
 * `eventTimeSource` values that only bound the event: Polymarket sets `endDate` at the event for a
 * deadline or a data release, but for a question about a period it is often a loose bound (the
 * nomination market ending on election day).
 */
const LOOSE_EVENT_SOURCES: ReadonlySet<string> = new Set(['endDate', 'endDateIso', 'event.endDate']);

const DAY_MS = 86_400_000;
/**
 * `eventTimeSource` values that are a game's scheduled start (or, for 'description.day' and 'slug',
 * its day as noon ET: {@link gameDayInstant}): Polymarket's `gameStartTime`, the start its
 * description writes, the slug's date; Kalshi's `occurrence_datetime`.
 */
export const GAME_START_SOURCES: ReadonlySet<string> = new Set(['gameStartTime', 'eventStartTime', 'event.startTime', 'occurrence_datetime', 'description', 'description.day', 'slug']);
/** How far a venue time may lie from the day the rules schedule the game for: a postponement window of 7 days, and a day. */
const GAME_LAG_MS = 8 * DAY_MS;
/** How long after a named period its event may still come (a month's data release; a season's final). */
const PERIOD_LAG_MS: Readonly<Record<'month' | 'year', number>> = { month: 45 * DAY_MS, year: 90 * DAY_MS };
/** Wording that makes a named period a deadline or a window the event must fall in ("in 2026", "before 2028", "by end of March 2026"). */
const PERIOD_DEADLINE_LEAD = /(?:\b(?:in|during|within|throughout|through|thru|until|till|by|before|prior to|ahead of|no later than|on or before)|end of|start of|beginning of)\s*$/i;
/** "the 2028", "Super Bowl 2027", "March 2027 meeting": a period named as the event's, not a deadline. */
const MONTH_YEAR_RE = new RegExp(`\\b${MONTH_RE},?\\s+(20\\d\\d)\\b`, 'gi');
const YEAR_RE = /(?<![\w$.,/-])(20\d\d)(?:\s*[-–/]\s*(20\d\d|\d\d))?(?![\w%]|[.,]\d)/g;
/** A quarter: "Q1 2026", "2026 Q1", "first quarter of 2026". */
const QUARTER_RE = /\bQ([1-4])\s*(20\d\d)\b|\b(20\d\d)\s*Q([1-4])\b|\b(first|second|third|fourth)\s+quarter\s+(?:of\s+)?(20\d\d)\b/gi;
const QUARTER_WORDS: Readonly<Record<string, number>> = { first: 1, second: 2, third: 3, fourth: 4 };

interface Period {
  readonly from: number;
  readonly to: number;
  readonly unit: 'month' | 'year';
  readonly deadline: boolean;
  readonly raw: string;
}

/** Months and years the text names outside a dated day, each with whether its wording makes it a deadline. */
function periodsIn(text: string, spans: readonly [number, number][]): Period[] {
  const out: Period[] = [];
  const taken: [number, number][] = [];
  const inside = (a: number, b: number): boolean => [...spans, ...taken].some(([s, e]) => a < e && b > s);
  const lead = (at: number): string => text.slice(Math.max(0, at - 30), at);
  MONTH_YEAR_RE.lastIndex = 0;
  for (let m = MONTH_YEAR_RE.exec(text); m; m = MONTH_YEAR_RE.exec(text)) {
    const month = MONTHS[m[1]!.toLowerCase().replace(/\.$/, '')];
    if (!month) continue;
    const y = Number(m[2]);
    taken.push([m.index, m.index + m[0].length]);
    out.push({ from: Date.UTC(y, month - 1, 1), to: Date.UTC(y, month, 1), unit: 'month', deadline: PERIOD_DEADLINE_LEAD.test(lead(m.index)), raw: m[0] });
  }
  QUARTER_RE.lastIndex = 0;
  for (let m = QUARTER_RE.exec(text); m; m = QUARTER_RE.exec(text)) {
    const q = Number(m[1] ?? m[4] ?? QUARTER_WORDS[(m[5] ?? '').toLowerCase()]);
    const y = Number(m[2] ?? m[3] ?? m[6]);
    taken.push([m.index, m.index + m[0].length]);
    // a quarter is compared as a short period, like a month
    out.push({ from: Date.UTC(y, (q - 1) * 3, 1), to: Date.UTC(y, q * 3, 1), unit: 'month', deadline: PERIOD_DEADLINE_LEAD.test(lead(m.index)), raw: m[0] });
  }
  YEAR_RE.lastIndex = 0;
  for (let m = YEAR_RE.exec(text); m; m = YEAR_RE.exec(text)) {
    if (inside(m.index, m.index + m[0].length)) continue;
    const y = Number(m[1]);
    // a season "2025-26" / "2025/2026" runs to the end of its second year
    const second = m[2] ? (m[2].length === 2 ? Math.floor(y / 100) * 100 + Number(m[2]) : Number(m[2])) : y;
    const last = second >= y && second <= y + 1 ? second : y;
    out.push({ from: Date.UTC(y, 0, 1), to: Date.UTC(last + 1, 0, 1), unit: 'year', deadline: PERIOD_DEADLINE_LEAD.test(lead(m.index)), raw: m[0] });
  }
  return out;
}

/** Wording that gives the date an event is scheduled for ("Super Bowl LXI, scheduled for February 14, 2027"). */
const SCHEDULED_LEAD = /\b(?:scheduled (?:for|on)|scheduled to (?:take place|be held|occur|be played) on|(?:to|will) be (?:held|played) on|(?:will )?takes? place on|is set for)\s+(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?/gi;

/** A game or a match named just before the scheduling words ("the NBA game, scheduled for", "game originally scheduled for"). */
const GAME_CONTEXT = /\b(?:game|match|matchup|fixture|bout|fight)\b[^.\n]{0,60}$/i;

/** The day (and, when written, the start) the text schedules its event for. */
export interface ScheduledDay {
  /** YYYY-MM-DD as the text writes it (a US venue's local day) */
  readonly day: string;
  /** the written start time, unix ms (ET unless another zone is written) */
  readonly at?: number;
  /** the text names a game or a match right before the scheduling words */
  readonly game: boolean;
}

/**
 * The days the text schedules its event for: "scheduled for December 25, 2026 at 5:00 PM ET",
 * "originally scheduled for Dec 25, 2026", "scheduled for December 25 at 5:00PM ET" (the year from
 * `near`, unix ms, the closest one; no year and no `near`: skipped). The one place both the venue
 * mappings and {@link eventSpanOf} read a scheduled day from.
 */
export function scheduledDaysOf(input: string, near?: number): ScheduledDay[] {
  const text = sanitizeText(input.slice(0, 4_000));
  const out = new Map<string, ScheduledDay>();
  SCHEDULED_LEAD.lastIndex = 0;
  for (let m = SCHEDULED_LEAD.exec(text); m; m = SCHEDULED_LEAD.exec(text)) {
    const start = m.index + m[0].length;
    const after = text.slice(start, start + 60);
    const d = findDates(after).dates[0];
    if (!d || !after.startsWith(d.raw)) continue;
    let day: string | undefined;
    if (/^\d{4}-\d\d-\d\d$/.test(d.key)) day = d.key;
    else if (/^--\d\d-\d\d$/.test(d.key) && near !== undefined) {
      const y = new Date(near).getUTCFullYear();
      day = [y - 1, y, y + 1].map((yy) => `${yy}${d.key.slice(1)}`).filter((k) => validDay(Number(k.slice(5, 7)), Number(k.slice(8, 10)), Number(k.slice(0, 4)))).sort((a, b) => Math.abs(dayStart(a) - near) - Math.abs(dayStart(b) - near))[0];
    }
    if (!day) continue;
    const rest = after.slice(d.raw.length);
    const lead = /^,?\s*(?:at\s+|@\s*|,\s*)?/i.exec(rest)![0];
    const time = timesOfDay(rest.slice(lead.length, lead.length + 20))[0];
    const at = time && rest.slice(lead.length).startsWith(time.raw) ? zonedTime(day, time) : undefined;
    const game = GAME_CONTEXT.test(text.slice(Math.max(0, m.index - 80), m.index + m[0].length));
    if (!out.has(day)) out.set(day, { day, ...(at !== undefined ? { at } : {}), game });
  }
  return [...out.values()];
}

/** Days (YYYY-MM-DD, the year written) the text says its event is scheduled for. */
function scheduledDays(text: string): string[] {
  return scheduledDaysOf(text).map((s) => s.day);
}

const NEW_YORK = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
/** New York's offset from UTC at `t`, ms (−5 h or −4 h). */
function newYorkOffset(t: number): number {
  const p = Object.fromEntries(NEW_YORK.formatToParts(t).map((x) => [x.type, x.value]));
  return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour) % 24, Number(p.minute)) - Math.floor(t / 60_000) * 60_000;
}
const ZONE_BEHIND_ET_MIN: Readonly<Record<string, number>> = { et: 0, ct: 60, mt: 120, pt: 180 };

/** A wall-clock time on a day as unix ms: ET (New York, DST-aware) unless the time names another US zone or UTC. */
export function zonedTime(day: string, t: Pick<TimeOfDay, 'minutes' | 'zone'>): number {
  const naive = dayStart(day) + t.minutes * 60_000;
  if (t.zone === 'utc') return naive;
  const local = naive + (ZONE_BEHIND_ET_MIN[t.zone ?? 'et'] ?? 0) * 60_000;
  return local - newYorkOffset(local - newYorkOffset(local));
}

/**
 * A game's day as one instant: noon ET of the day the venue writes. A game's start on that day lies
 * within 12 hours of it (the guard's game window), the day before's or after's does not; a record
 * that names only the day (a slug, a rules day) is put here.
 */
export const gameDayInstant = (day: string): number => zonedTime(day, { minutes: 720, zone: 'et' });

const dayStart = (key: string): number => {
  const [y, m, d] = key.split('-').map(Number) as [number, number, number];
  return Date.UTC(y, m - 1, d);
};

/**
 * Where a record's event may lie, from its event date and the question's own dates; undefined when
 * the venue gives no event date. A precise venue date (Kalshi's, a game start) is an instant. A
 * Polymarket `endDate` is an instant too unless the question says otherwise: a question naming one
 * day elsewhere is about that day; a question naming only a month or a year as its event's ("the 2028
 * nomination", "after the March 2027 meeting", not "in 2027" or "before 2028", which are deadlines the
 * end date sits at) spans that period, bounded above by the end date (or the period plus a release
 * lag when the end date is far later), unless the rules say the day it is scheduled for ("Super Bowl
 * LXI, scheduled for February 14, 2027"): then that day. An end date just after the period is a
 * release date: an instant.
 */
export function eventSpanOf(
  r: Pick<MarketRecord, 'venue' | 'title' | 'eventTime' | 'expectedResolutionTime'> & { readonly eventTimeSource?: string | undefined; readonly rulesText?: string | undefined },
): EventSpan | undefined {
  const t = r.eventTime ?? r.expectedResolutionTime;
  if (t === undefined) return undefined;
  const source = r.eventTime !== undefined ? (r.eventTimeSource ?? 'eventTime') : 'expectedResolutionTime';
  const instant: EventSpan = { from: t, to: t, precision: 'instant', source };
  // a game the rules schedule for a day: that day, as its noon ET, unless the venue's time is the start itself
  // (an expiration sits hours after the start, a Polymarket end date a week later: the postponement window)
  if (!GAME_START_SOURCES.has(source)) {
    const games = scheduledDaysOf(r.rulesText ?? '', t).filter((s) => s.game);
    const g = games.length === 1 ? gameDayInstant(games[0]!.day) : undefined;
    if (g !== undefined && Math.abs(t - g) <= GAME_LAG_MS) return { from: g, to: g, precision: 'day', source: `${source}; the rules schedule the game for ${games[0]!.day}` };
  }
  const loose = LOOSE_EVENT_SOURCES.has(source) || (source === 'expectedResolutionTime' && r.venue === 'polymarket');
  if (!loose) return instant;
  const text = sanitizeText(r.title);
  const { dates, spans } = findDates(text);
  // a named day: the event is that day (a deadline's last day)
  const days = [...new Set(dates.filter((d) => /^\d{4}-\d\d-\d\d$/.test(d.key)).map((d) => (d.end && /^\d{4}-\d\d-\d\d$/.test(d.end) ? lastDayOf(d)! : d.key)))];
  if (days.length) {
    if (days.length > 1) return instant;
    const s = dayStart(days[0]!);
    if (t >= s - DAY_MS && t <= s + 2 * DAY_MS) return instant;
    return { from: s, to: s + DAY_MS, precision: 'day', source: `${source}; the question names ${days[0]}` };
  }
  // a deadline (a bound day or month, a month-day without year) is where the end date sits
  if (dates.some((d) => d.end || d.key.startsWith('--'))) return instant;
  const periods = periodsIn(text, spans);
  if (!periods.length || periods.some((p) => p.deadline)) return instant;
  const unit: 'month' | 'year' = periods.some((p) => p.unit === 'year') ? 'year' : 'month';
  const from = Math.min(...periods.map((p) => p.from));
  const to = Math.max(...periods.map((p) => p.to));
  const named = periods.map((p) => p.raw).join(', ');
  if (t < from - DAY_MS) return instant;
  // the rules pin the period's event to a day: that day
  const scheduled = scheduledDays(sanitizeText((r.rulesText ?? '').slice(0, 4_000))).filter((k) => dayStart(k) >= from - DAY_MS && dayStart(k) < to + PERIOD_LAG_MS[unit]);
  if (scheduled.length === 1) {
    const d = dayStart(scheduled[0]!);
    if (t >= d - DAY_MS && t <= d + 2 * DAY_MS) return instant;
    return { from: d, to: d + DAY_MS, precision: 'day', source: `${source}; the rules schedule it for ${scheduled[0]}` };
  }
  if (t <= to + DAY_MS) return { from, to: t, precision: unit, source: `${source} as a bound; the question names ${named}` };
  if (t <= to + PERIOD_LAG_MS[unit]) return instant;
  return { from, to: to + PERIOD_LAG_MS[unit], precision: unit, source: `the question names ${named}; ${source} is later` };
}

const STATED_MONTHS: Readonly<Record<string, number>> = { JAN: 1, FEB: 2, MAR: 3, APR: 4, MAY: 5, JUN: 6, JUL: 7, AUG: 8, SEP: 9, OCT: 10, NOV: 11, DEC: 12 };

/** The event years a text names: a season "2026-27" as the year it ends, a bare year as itself; a year after a deadline word ("before 2027", "by 2027") is no event year. */
export function statedYears(text: string): { years: Set<number>; deadline: boolean } {
  const years = new Set<number>();
  let deadline = false;
  const rest = text.replace(/\b(20\d\d)\s*[-–—/]\s*(\d\d)(?!\d)/g, (m, a: string, b: string) => {
    const end = Number(a) + 1;
    if (end % 100 === Number(b)) years.add(end);
    return ' ';
  });
  for (const m of rest.matchAll(/(?<![\d$.,])(20\d\d)(?![\d%])/g)) {
    const before = rest.slice(Math.max(0, m.index - 40), m.index);
    // a year written after a deadline word, or as the end of a date ("Jan 1, 2027") is not the event's year
    if (/\b(?:before|by|until|till|through|thru|after|since|prior to|no later than|ends?|ending)\s+(?:the\s+)?(?:end\s+of\s+)?(?:[a-z]{3,9}\.?\s+(?:\d{1,2}(?:st|nd|rd|th)?,?\s+)?)?$/i.test(before)) {
      deadline = true;
      continue;
    }
    if (/\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s*$/i.test(before)) continue;
    years.add(Number(m[1]));
  }
  return { years, deadline };
}

/**
 * Where the event of a record with no event date may lie, from what it does say: a year or a month
 * in its event ticker (`KXNBA-27` → 2027, the 2026-27 season's end; `KXSENATEGA-26` → 2026,
 * `KXFEDDECISION-26MAR` → March 2026) when its text names that year too, else the one event year
 * its title and rules name (a season "2026-27" as 2027), bounded above by its trading close and
 * settlement backstop. Undefined when its text names no year (a ticker alone is not enough), names
 * several years, names a deadline instead ("before 2027": the event may lie anywhere before it), or
 * its ticker's year is not a year its text names, or the bound comes before the period starts.
 */
export function statedSpanOf(
  r: Pick<MarketRecord, 'venue' | 'title' | 'rulesText' | 'marketId'> & { readonly eventId?: string | undefined; readonly closeTime?: number | undefined; readonly backstopTime?: number | undefined },
): EventSpan | undefined {
  const text = sanitizeText(`${r.title}\n${(r.rulesText ?? '').slice(0, 2_000)}`);
  const { years, deadline } = statedYears(text);
  // a year only a ticker writes is not enough: the text must name the event's year too
  if (deadline || !years.size) return undefined;
  const ticker = r.venue === 'kalshi' ? (r.eventId ?? r.marketId.replace(/-[^-]*$/, '')).toUpperCase() : '';
  const tm = /-(\d\d)(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)?(?=-|$)/.exec(ticker);
  let from: number;
  let to: number;
  let unit: 'month' | 'year';
  let named: string;
  if (tm) {
    const y = 2000 + Number(tm[1]);
    if (!years.has(y)) return undefined;
    const mo = tm[2] ? STATED_MONTHS[tm[2]]! : undefined;
    if (mo !== undefined && years.size > 1) return undefined;
    [from, to, unit] = mo !== undefined ? [Date.UTC(y, mo - 1, 1), Date.UTC(y, mo, 1), 'month'] : [Date.UTC(y, 0, 1), Date.UTC(y + 1, 0, 1), 'year'];
    named = `the ticker ${ticker} names ${mo !== undefined ? `${tm[2]} ${y}` : y}`;
  } else {
    if (years.size > 1) return undefined;
    const y = [...years][0]!;
    [from, to, unit, named] = [Date.UTC(y, 0, 1), Date.UTC(y + 1, 0, 1), 'year', `the question names ${y}`];
  }
  const bounds = [r.closeTime, r.backstopTime].filter((x): x is number => x !== undefined);
  const bound = bounds.length ? Math.min(...bounds) : undefined;
  if (bound !== undefined && bound <= from) return undefined;
  return { from, to: bound !== undefined ? Math.min(to, bound) : to, precision: unit, source: `${named}${bound !== undefined && bound < to ? '; bounded by its close' : ''}` };
}

/** The gap between two spans, ms (0 when they overlap). */
export const spanGap = (a: EventSpan, b: EventSpan): number => Math.max(0, a.from - b.to, b.from - a.to);

// comparators: longest phrases first
const BEFORE: readonly [RegExp, Comparator][] = [
  [/(?:greater than or equal to|more than or equal to|higher than or equal to|above or equal to|equal to or (?:greater|more|higher) than|equal to or above|at or above|at least|no less than|not less than|not below|a minimum of|reach(?:es)?|hit|hits|≥|>=|=>)\s*$/i, '>='],
  [/(?:less than or equal to|lower than or equal to|below or equal to|equal to or (?:less|lower|fewer) than|equal to or below|at or below|at most|no more than|not more than|not above|a maximum of|≤|<=|=<)\s*$/i, '<='],
  [/(?:above|over|greater than|more than|higher than|exceeds?|exceeding|surpass(?:es)?|strictly higher than|top|tops|>)\s*$/i, '>'],
  [/(?:below|under|less than|lower than|fewer than|beneath|<)\s*$/i, '<'],
  [/(?:exactly|equal to|equals|=)\s*$/i, '='],
];
/** "or higher" after a number; "and below $3,300" is the other end of a range, not this number's comparator. */
const AFTER: readonly [RegExp, Comparator][] = [
  [/^\s*(?:or (?:more|higher|greater|above|over|better)|and (?:above|over|up|higher)|\+)(?!\s*(?:than\s*)?[-+]?(?:US)?[$€£]?\s?\d)/i, '>='],
  [/^\s*(?:or (?:less|lower|fewer|below|under)|and (?:below|under|lower))(?!\s*(?:than\s*)?[-+]?(?:US)?[$€£]?\s?\d)/i, '<='],
];

/**
 * A number: optional sign (only when it stands alone: "−0.1%", "(-0.5%)", not "3.50-3.75" or
 * "COVID-19"), optional currency before it, digits with thousands commas, decimals, a multiplier
 * and a unit after it.
 */
const NUM = new RegExp(
  [
    '([-+])?', // 1 sign before the currency ("-$5")
    '(\\$|US\\$|USD\\s?|€|£)?', // 2 currency
    '([-+])?', // 3 sign after the currency ("$-5")
    '(\\d{1,3}(?:,\\d{3})+|\\d+)', // 4 integer part
    '(\\.\\d+)?', // 5 decimals
    '(?:\\s?(k|K|thousand|M|mn|million|B|bn|billion|T|tn|trillion|m|b|t)\\b)?', // 6 multiplier
    '(?:\\s?(%|percentage points?|percent|per\\s?cent|pct|bps|bp|basis points?|°\\s?F|°\\s?C|°|degrees?(?:\\s+(?:fahrenheit|celsius|F|C))?|¢|cents?|pts|points|USD|US dollars|dollars?|EUR|euros?))?', // 7 unit (a bare ° is marked, not a unit)
  ].join(''),
  'g',
);

const MULT: Readonly<Record<string, number>> = {
  k: 1e3, thousand: 1e3, m: 1e6, mn: 1e6, million: 1e6, b: 1e9, bn: 1e9, billion: 1e9, t: 1e12, tn: 1e12, trillion: 1e12,
};
/** Multipliers that are also unit letters ("5m" minutes, "5t" tons): only after a currency sign. */
const AMBIGUOUS_MULT = new Set(['m', 'b', 't', 'T']);

function unitOf(currency: string | undefined, suffix: string | undefined): string | undefined {
  const c = currency?.trim();
  if (c === '€') return '€';
  if (c === '£') return '£';
  if (c) return '$';
  if (!suffix) return undefined;
  const s = suffix.toLowerCase().replace(/\s+/g, '');
  // a bare degree sign ("91° to 92°") names no scale: no unit, so it never contradicts °F or °C
  if (s === '°') return undefined;
  if (s === '%' || s.startsWith('percent') || s.startsWith('percent') || s === 'pct') return '%';
  if (s === 'bps' || s === 'bp' || s.startsWith('basispoint')) return 'bps';
  if (s.includes('°f') || s.includes('fahrenheit') || s === 'degreesf' || s === 'degreef') return '°F';
  if (s.includes('°c') || s.includes('celsius') || s === 'degreesc' || s === 'degreec') return '°C';
  if (s.startsWith('degree')) return '°';
  if (s === '¢' || s.startsWith('cent')) return '¢';
  if (s === 'pts' || s.startsWith('point')) return 'pts';
  if (s === 'usd' || s === 'usdollars' || s.startsWith('dollar')) return '$';
  if (s === 'eur' || s.startsWith('euro')) return '€';
  return undefined;
}

/** Characters after which a '-' or '+' is a sign ("at least -0.5%", "(−0.1%)"), not a hyphen or a range dash. */
const SIGN_CONTEXT = /(?:^|[\s([:=<>≥≤,])$/;
/** Minus signs that are not ASCII (NFKC keeps U+2212), folded so extraction sees "-". */
const MINUS = /[\u2212\u2012\u2010\u2011]/g;

interface Num {
  readonly at: number;
  readonly end: number;
  readonly t: Threshold;
  /** written with a bare degree sign ("91°"): a reading, though its scale is not named */
  readonly degree?: boolean;
}

/** Every number in the text with what it says: value, unit and comparator when present. */
function scanNumbers(text: string, inDate: (a: number, b: number) => boolean): Num[] {
  const nums: Num[] = [];
  NUM.lastIndex = 0;
  for (let m = NUM.exec(text); m; m = NUM.exec(text)) {
    if (m[0].trim() === '' || !m[4]) continue;
    const lead = m[0].length - m[0].trimStart().length;
    let start = m.index + lead;
    const end = m.index + m[0].trimEnd().length;
    const sign = m[1] ?? m[3];
    // a sign counts only when it stands alone; otherwise it is a hyphen or a range dash and the number starts after it
    let negative = false;
    if (sign) {
      if (SIGN_CONTEXT.test(text.slice(Math.max(0, start - 1), start))) negative = sign === '-';
      else if (m[1]) start += 1;
    }
    const numAt = m.index + m[0].indexOf(m[4], lead);
    if (inDate(numAt, end)) continue;
    // glued to letters or digits after it ("26MAR01", "5th", "20AM"): not a quantity
    if (/[A-Za-z0-9_]/.test(text[end] ?? ' ')) continue;
    // part of an identifier (ticker, hex id, "Q3", "H5N1", "COVID-19", "5:25"): skip; a dash after a
    // number is a range dash ("3.50-3.75%")
    const prev = text[start - 1] ?? ' ';
    const prev2 = text[start - 2] ?? ' ';
    if (!m[2] && (/[A-Za-z0-9_/.:]/.test(prev) || (/[-–—]/.test(prev) && !/[\d%\s]/.test(prev2)))) continue;
    const intPart = m[4].replace(/,/g, '');
    const multWord = m[6];
    const multOk = multWord !== undefined && (!AMBIGUOUS_MULT.has(multWord) || m[2] !== undefined);
    const mult = multOk ? (MULT[multWord.toLowerCase()] ?? 1) : 1;
    const magnitude = Number(intPart + (m[5] ?? ''));
    const value = (negative ? -1 : 1) * magnitude * mult;
    const unit = unitOf(m[2], m[7]);
    const before = text.slice(Math.max(0, start - 40), start);
    const after = text.slice(end, end + 20);
    let comparator: Comparator | undefined;
    for (const [re, c] of AFTER) if (!comparator && re.test(after)) comparator = c;
    for (const [re, c] of BEFORE) if (!comparator && re.test(before)) comparator = c;
    // a year ("2026", "in 2026 or later") is never a threshold; "2,050" written with a comma is a number
    const isYear = !unit && !multOk && /^20\d\d$/.test(m[4]) && !m[5];
    if (isYear) continue;
    // a multiplier the text did not use ("5 t") stays out of the raw text
    const raw = text.slice(start, multWord && !multOk ? numAt + m[4].length + (m[5]?.length ?? 0) : end).trim();
    const degree = m[7]?.trim() === '°';
    nums.push({ at: start, end, t: { value: value === 0 ? 0 : value, ...(unit ? { unit } : {}), ...(comparator ? { comparator } : {}), raw }, ...(degree ? { degree } : {}) });
  }
  return nums;
}

/** A sentence that says what control or a majority means ("Control means holding a majority of seats (218 or more)"). */
const DEFINES_CONTROL = /\b(?:majority|majorities|control|controls|controlling)\b/i;

/**
 * A sentence that carves an edge case out of the event rather than stating when the market resolves
 * ("A lapse of funding of under 24 hours … does not count", "Tweets of fewer than 5 words will not
 * be counted"). A positive condition ("to qualify, the outage must last at least 30 minutes") is
 * not one: it may be the very difference between two questions, so its number stays a threshold.
 */
const QUALIFIES =
  /\b(?:(?:does|do|did|will|would|shall|should|is|are|must)\s*(?:not|n't)\s+(?:count|qualify|be\s+(?:counted|considered|included|treated))|(?:are|is|be|will be)\s+(?:excluded|disregarded|ignored))/i;
/** A sentence stating the resolution itself ("resolves to Yes if …"): its numbers are the question's. */
const STATES_RESOLUTION = /\bresolves?\s+(?:to\s+)?["“']?(?:yes|no)\b|\b(?:then )?the market resolves\b/i;

/**
 * An example or a rounding step, not a condition: "(e.g. a 15 bps cut counts as a 25 bps
 * decrease)", "for example $1.5M", "rounded up to the nearest 25 bps". The marker must lead the
 * number within the same clause (no sentence end, semicolon or closing parenthesis between).
 */
const ILLUSTRATIVE = /(?:\be\.\s?g\.|\bfor (?:example|instance)\b|\brounded (?:up |down )?to the nearest\b|\bin (?:increments|steps) of\b)[^;)\n]*$/i;
function illustrative(text: string, n: Num): boolean {
  const lead = text.slice(Math.max(0, n.at - 80), n.at);
  const m = ILLUSTRATIVE.exec(lead);
  // no sentence end after the marker (an "e.g." period is the marker's own)
  return m !== null && !/[.!?]\s+[A-Z]/.test(m[0].replace(/^e\.\s?g\./i, ''));
}

/**
 * A bare count in a sentence about control or a majority defines what the question's words mean
 * ("a majority of seats (218 or more)"), and a bare count or duration in a sentence that says what
 * counts ("a lapse of under 24 hours … does not count") qualifies the event: neither is the
 * question's threshold. Money, percentages and other numbers with a unit always count.
 */
function definitional(text: string, n: Num): boolean {
  if (illustrative(text, n)) return true;
  if (n.t.unit) return false;
  let s = n.at;
  while (s > 0 && s > n.at - 300 && !/[.!?\n]/.test(text[s - 1]!) ) s--;
  let e = n.end;
  while (e < text.length && e < n.end + 300 && !/[!?\n]/.test(text[e]!) && !(text[e] === '.' && !/\d/.test(text[e + 1] ?? ''))) e++;
  const sentence = text.slice(s, e);
  if (QUALIFIES.test(sentence) && !STATES_RESOLUTION.test(sentence)) return true;
  if (!DEFINES_CONTROL.test(sentence)) return false;
  // written as a definition: in parentheses, or after "means" / "defined as" / "i.e." in that sentence
  const lead = text.slice(s, n.at);
  const open = lead.lastIndexOf('(');
  const inParens = open >= 0 && !lead.slice(open).includes(')') && /^[^()]{0,30}\)/.test(text.slice(n.end));
  return inParens || /\b(?:means|meaning|defined as|refers to|i\.e\.|that is)\b/i.test(lead);
}

/**
 * Numbers of the text that are not thresholds although they read like one: bare counts that define
 * a term ("a majority of seats (218 or more)") and years written with a comparator ("2026 or later").
 */
export function incidentalNumbers(input: string): number[] {
  const text = sanitizeText(input).replace(MINUS, '-');
  const { spans } = findDates(text);
  const inDate = (a: number, b: number): boolean => spans.some(([s, e]) => a < e && b > s);
  const out = scanNumbers(text, inDate).filter((n) => !n.t.unit && definitional(text, n)).map((n) => n.t.value);
  for (const m of text.matchAll(/(?<![\d,.$])(20\d\d)(?![\d,.]?\d)/g)) out.push(Number(m[1]));
  return [...new Set(out)];
}

const RANGE_LEAD = /(?:between|from|range of|in the range)\s*$/i;
const DASH_GAP = /^\s*(?:-|–|—)\s*$/;
const WORD_GAP = /^\s*(?:and|to|through|-|–|—)\s*$/i;

/**
 * Numeric thresholds: a number with a unit, or a number after/before a comparator phrase.
 * Negative values keep their sign ("Exactly -0.1%", "below −0.5%"); "k"/"M"/"bn" multiply; bps,
 * percent, currency and degrees are units. Years, day numbers inside dates and bare counts without
 * a comparator are not thresholds. A range ("between 3.5% and 3.75%", "3.50-3.75%", "$90,000 to
 * $95,000") gives two thresholds with comparator 'between', low bound first.
 */
export function extractThresholds(input: string): Threshold[] {
  const text = sanitizeText(input).replace(MINUS, '-');
  const { spans } = findDates(text);
  const inDate = (a: number, b: number): boolean => spans.some(([s, e]) => a < e && b > s);
  const nums = scanNumbers(text, inDate);
  const out: Threshold[] = [];
  for (let i = 0; i < nums.length; i++) {
    const a = nums[i]!;
    const b = nums[i + 1];
    if (b) {
      const gap = text.slice(a.end, b.at);
      const lead = text.slice(Math.max(0, a.at - 20), a.at);
      const led = RANGE_LEAD.test(lead);
      const unit = a.t.unit ?? b.t.unit;
      const degrees = Boolean(a.degree || b.degree);
      const sameUnit = (a.t.unit !== undefined && a.t.unit === b.t.unit) || (a.degree === true && b.degree === true);
      const isRange =
        (led && WORD_GAP.test(gap)) ||
        (DASH_GAP.test(gap) && (unit !== undefined || degrees)) ||
        (/^\s*to\s*$/i.test(gap) && sameUnit && !a.t.comparator);
      if (isRange && (a.t.unit === undefined || b.t.unit === undefined || a.t.unit === b.t.unit)) {
        const [lo, hi] = a.t.value <= b.t.value ? [a.t.value, b.t.value] : [b.t.value, a.t.value];
        const raw = `${a.t.raw}–${b.t.raw}`;
        out.push({ value: lo, ...(unit ? { unit } : {}), comparator: 'between', raw });
        out.push({ value: hi, ...(unit ? { unit } : {}), comparator: 'between', raw });
        i++;
        continue;
      }
    }
    if ((a.t.unit || a.t.comparator || a.degree) && !definitional(text, a)) out.push(a.t);
  }
  // deduplicate identical (value, unit, comparator)
  const seen = new Set<string>();
  return out.filter((t) => {
    const k = `${t.value}|${t.unit ?? ''}|${t.comparator ?? ''}`;
    return seen.has(k) ? false : (seen.add(k), true);
  });
}

/** A bare range of two numbers ("90-91", "90 to 91"), the whole of an outcome label. */
const BARE_RANGE = /^\s*(-?\d{1,9}(?:\.\d{1,6})?)\s?(?:-|–|—|to|through)\s?(-?\d{1,9}(?:\.\d{1,6})?)\s*$/i;

/**
 * The strike an outcome label names: a Polymarket bracket's `groupItemTitle` or a Kalshi YES
 * subtitle ("91-92°F", "90–91°", "$3,200-$3,300", "3.0% to 3.2%", "between 90 and 91", "≤89°F",
 * "93°F or higher", "<$3,000", "4.25-4.50%", "90-91", "120k+"). A range gives two 'between'
 * thresholds; a one-sided bound its comparator; a label that is one number alone ("91°F") is that
 * value ('='). Empty when the label names no number (a person, a team) or more than one strike.
 */
export function labelThresholds(label: string): Threshold[] {
  const text = sanitizeText(label.slice(0, 200)).replace(MINUS, '-').trim();
  if (!text || text.length > 60) return [];
  const bare = BARE_RANGE.exec(text);
  if (bare) {
    const [x, y] = [Number(bare[1]), Number(bare[2])];
    const [lo, hi] = x <= y ? [x, y] : [y, x];
    return [{ value: lo, comparator: 'between', raw: text }, { value: hi, comparator: 'between', raw: text }];
  }
  const ts = extractThresholds(text);
  const between = ts.filter((t) => t.comparator === 'between');
  if (between.length === 2 && ts.length === 2) return ts;
  if (ts.length !== 1) return [];
  const t = ts[0]!;
  if (t.comparator) return ts;
  // one number and nothing else but its unit: the bracket of that value
  const rest = text.replace(/[\d.,]+/g, '').replace(/[$€£%°¢]|\b(?:F|C|k|K|M|bn|B|bps|pts)\b/g, '').trim();
  return rest ? [] : [{ ...t, comparator: '=' }];
}

/** Known entities: canonical name → aliases (lowercase, matched on word boundaries). */
export const KNOWN_ENTITIES: Readonly<Record<string, readonly string[]>> = {
  Bitcoin: ['bitcoin', 'btc'],
  Ethereum: ['ethereum', 'eth', 'ether'],
  Solana: ['solana', 'sol'],
  XRP: ['xrp', 'ripple'],
  Dogecoin: ['dogecoin', 'doge'],
  'Federal Reserve': ['federal reserve', 'fed', 'fomc', 'federal open market committee', 'federal funds'],
  CPI: ['cpi', 'consumer price index', 'cpi-u'],
  GDP: ['gdp', 'gross domestic product'],
  Unemployment: ['unemployment', 'jobless rate', 'nonfarm payrolls', 'payrolls'],
  'S&P 500': ['s&p 500', 's&p500', 'spx', 'inx', 'sp500'],
  Nasdaq: ['nasdaq', 'nasdaq-100', 'ndx'],
  'Dow Jones': ['dow jones', 'djia', 'the dow'],
  NVIDIA: ['nvidia', 'nvda'],
  Tesla: ['tesla', 'tsla'],
  Apple: ['apple', 'aapl'],
  Trump: ['trump', 'donald trump'],
  'Kamala Harris': ['kamala harris', 'harris'],
  'JD Vance': ['jd vance', 'j.d. vance', 'vance'],
  'Gavin Newsom': ['gavin newsom', 'newsom'],
  'Marco Rubio': ['marco rubio', 'rubio'],
  'Josh Shapiro': ['josh shapiro', 'shapiro'],
  NBA: ['nba'], NFL: ['nfl'], MLB: ['mlb'], NHL: ['nhl'], 'Premier League': ['premier league', 'epl'],
  Lakers: ['lakers'], Celtics: ['celtics'], Warriors: ['warriors'], Knicks: ['knicks'], Nuggets: ['nuggets'], Bucks: ['bucks'],
  Heat: ['miami heat', 'heat'], Suns: ['suns'], Mavericks: ['mavericks', 'mavs'], Thunder: ['thunder'], Pacers: ['pacers'], Clippers: ['clippers'],
  'New York City': ['new york city', 'nyc'], 'Los Angeles': ['los angeles', 'la'], Chicago: ['chicago'], Miami: ['miami'],
  Binance: ['binance'], Coinbase: ['coinbase'], 'Bureau of Labor Statistics': ['bureau of labor statistics', 'bls'],
  Senate: ['senate'], House: ['house of representatives'], 'Supreme Court': ['supreme court', 'scotus'],
  // Kalshi names championships without the trademarks: "Pro Baseball Championship" is the World Series
  Oscars: ['oscars', 'academy awards'],
  'Super Bowl': ['super bowl', 'pro football championship', 'pro football champion', 'pro football champions'],
  'World Series': ['world series', 'pro baseball championship', 'pro baseball champion', 'pro baseball champions'],
  'NBA Finals': ['nba finals', 'nba championship', 'nba champion', 'pro basketball championship', 'pro basketball champion', 'pro basketball finals'],
  'Stanley Cup': ['stanley cup', 'pro hockey championship', 'pro hockey champion'],
  China: ['china', 'prc'], Russia: ['russia'], Ukraine: ['ukraine'], Israel: ['israel'], Iran: ['iran'],
  'United States': ['united states', 'u.s.', 'usa'],
};

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const aliasList = Object.entries(KNOWN_ENTITIES)
  .flatMap(([canon, aliases]) => aliases.map((a) => [a, canon] as const))
  .sort((a, b) => b[0].length - a[0].length);
const ALIAS_TO_CANON = new Map(aliasList);
const KNOWN_RE = new RegExp(`(?<![\\p{L}\\p{N}])(${aliasList.map(([a]) => escapeRe(a)).join('|')})(?![\\p{L}\\p{N}])`, 'giu');

/** Short aliases that are also ordinary words: only counted when written in capitals in the text. */
const CASE_SENSITIVE = new Set(['fed', 'eth', 'sol', 'la', 'heat', 'house', 'thunder', 'suns', 'harris', 'vance', 'doge', 'apple', 'ether']);

const STOP_CAPS = new Set([
  'will', 'the', 'a', 'an', 'this', 'that', 'if', 'yes', 'no', 'otherwise', 'market', 'markets', 'resolve', 'resolves', 'on', 'in', 'by', 'for',
  'of', 'at', 'and', 'or', 'to', 'be', 'is', 'are', 'what', 'who', 'which', 'when', 'how', 'does', 'do', 'did', 'has', 'have', 'before', 'after',
  'close', 'price', 'et', 'pm', 'am', 'utc', 'est', 'edt', 'note', 'please', 'revisions', 'filing', 'if', 'it', 'its', 'as', 'with',
  ...Object.keys(MONTHS),
  'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday',
]);

/**
 * Named entities: every known-list alias (canonical name), then capitalised phrases of one to
 * four words that are not sentence-initial stop words ("Gavin Newsom", "Binance").
 */
export function extractEntities(input: string): string[] {
  const text = sanitizeText(input);
  const out = new Set<string>();
  KNOWN_RE.lastIndex = 0;
  const covered: [number, number][] = [];
  for (let m = KNOWN_RE.exec(text); m; m = KNOWN_RE.exec(text)) {
    const alias = m[1]!.toLowerCase();
    if (CASE_SENSITIVE.has(alias) && !/^\p{Lu}/u.test(m[1]!)) continue;
    const canon = ALIAS_TO_CANON.get(alias);
    if (canon) {
      out.add(canon);
      covered.push([m.index, m.index + m[0].length]);
    }
  }
  const CAP = /(?<![\p{L}\p{N}])(\p{Lu}[\p{L}\p{N}'&.-]*(?:\s+(?:of\s+|the\s+|de\s+)?\p{Lu}[\p{L}\p{N}'&.-]*){0,3})/gu;
  for (let m = CAP.exec(text); m; m = CAP.exec(text)) {
    const start = m.index;
    const end = start + m[0].length;
    if (covered.some(([s, e]) => start < e && end > s)) continue;
    const words = m[1]!.split(/\s+/).filter((w) => !STOP_CAPS.has(w.toLowerCase().replace(/[.'’]+$/, '')));
    if (words.length === 0) continue;
    const phrase = words.join(' ').replace(/[.'’]+$/, '');
    if (phrase.length < 3 || /^\d/.test(phrase) || /^[A-Z]{1,2}$/.test(phrase)) continue;
    out.add(phrase);
  }
  return [...out];
}

/** Known entities that are a team's nickname (the full name puts a city before it: "Los Angeles Lakers"). */
export const KNOWN_TEAMS: ReadonlySet<string> = new Set(['Lakers', 'Celtics', 'Warriors', 'Knicks', 'Nuggets', 'Bucks', 'Heat', 'Suns', 'Mavericks', 'Thunder', 'Pacers', 'Clippers']);

/** Capitalised words that open a sentence or a clause, not a city ("Will", "If the"). */
const NOT_CITY = new Set([...STOP_CAPS, 'vs', 'v', 'at']);

/**
 * Full team names written in the text: each known team nickname with the capitalised words right
 * before it ("If the Los Angeles Lakers win" → Lakers: "Los Angeles"; "Boston Celtics" → Celtics: "Boston").
 */
export function teamCities(input: string): { team: string; city: string }[] {
  const text = sanitizeText(input);
  const out: { team: string; city: string }[] = [];
  const seen = new Set<string>();
  KNOWN_RE.lastIndex = 0;
  for (let m = KNOWN_RE.exec(text); m; m = KNOWN_RE.exec(text)) {
    const canon = ALIAS_TO_CANON.get(m[1]!.toLowerCase());
    if (!canon || !KNOWN_TEAMS.has(canon) || !/^\p{Lu}/u.test(m[1]!)) continue;
    // up to three capitalised words right before the nickname, on the same line
    const before = text.slice(Math.max(0, m.index - 60), m.index);
    const run = /((?:\p{Lu}[\p{L}.'-]*\s+){1,3})$/u.exec(before);
    if (!run) continue;
    const words = run[1]!.trim().split(/\s+/);
    while (words.length && NOT_CITY.has(words[0]!.toLowerCase().replace(/[.'’]+$/, ''))) words.shift();
    if (!words.length) continue;
    const city = words.join(' ');
    const k = `${canon}|${city}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push({ team: canon, city });
    }
  }
  return out;
}

/**
 * Where the text names a city, with the initial written after it when the venue tells two teams of
 * the city apart that way ("Los Angeles L" / "Los Angeles C"): one entry per mention, `initial`
 * undefined for the city alone.
 */
export function cityMentions(input: string, city: string): { initial?: string }[] {
  const text = sanitizeText(input);
  const re = new RegExp(`(?<![\\p{L}\\p{N}])${escapeRe(city)}(?:\\s+(\\p{Lu})(?![\\p{L}\\p{N}]))?(?![\\p{L}\\p{N}])`, 'gu');
  const out: { initial?: string }[] = [];
  for (let m = re.exec(text); m && out.length < 50; m = re.exec(text)) out.push(m[1] ? { initial: m[1] } : {});
  return out;
}

/** Canonical names of the known-list entities only (the guard compares these). */
export function knownEntities(input: string): string[] {
  const known = new Set(Object.keys(KNOWN_ENTITIES));
  return extractEntities(input).filter((e) => known.has(e));
}

/** Fills `thresholds` and `entities` of a record from its title (and rules when the title has none). */
export function withExtracted(r: MarketRecord): MarketRecord {
  const fromTitle = extractThresholds(r.title);
  const thresholds = (fromTitle.length ? fromTitle : extractThresholds(r.rulesText)).map(({ raw: _raw, ...t }) => t);
  const entities = extractEntities(`${r.title}\n${r.rulesText}`);
  return { ...r, thresholds: r.thresholds.length ? r.thresholds : thresholds, entities };
}
