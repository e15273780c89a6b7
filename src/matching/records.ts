/**
 * What every venue's market mapping (src/venues/<venue>/market.ts) shares: thresholds from the
 * text, sanitiser flags of the raw text, and the rules hash (a change of it means a pair must be re-checked).
 */
import { createHash } from 'node:crypto';
import type { MarketRecord } from '../../schema/market.js';
import { extractThresholds, type Threshold } from './extract.js';
import { sanitizeWithFlags, type TextFlag } from './sanitize.js';

const stripRaw = (ts: readonly Threshold[]): MarketRecord['thresholds'] =>
  ts.map((t) => ({ value: t.value, ...(t.unit ? { unit: t.unit } : {}), ...(t.comparator ? { comparator: t.comparator } : {}) }));

/** Thresholds from the title, else from the rules (the first sentence of them usually holds the strike). */
export function recordThresholds(title: string, rules: string): MarketRecord['thresholds'] {
  const t = extractThresholds(title);
  return stripRaw(t.length ? t : extractThresholds(rules.slice(0, 600)));
}

/**
 * Hash of everything that decides how a market settles: title, rules, secondary rules, outcomes,
 * close and expected resolution times, resolution source, thresholds (strikes), and the event date
 * and settlement backstop. A change means its pairs must be re-checked. The event date and
 * backstop enter only when set, so a record stored before they existed keeps its hash.
 */
export function rulesHash(
  r: Pick<MarketRecord, 'title' | 'rulesText' | 'rulesSecondary' | 'outcomes' | 'closeTime' | 'expectedResolutionTime' | 'resolutionSource' | 'thresholds' | 'eventTime' | 'backstopTime'> & Partial<Pick<MarketRecord, 'strike'>>,
): string {
  const parts: unknown[] = [r.title, r.rulesText, r.rulesSecondary, r.outcomes, r.closeTime ?? null, r.expectedResolutionTime ?? null, r.resolutionSource ?? null, r.thresholds];
  if (r.eventTime !== undefined || r.backstopTime !== undefined) parts.push({ eventTime: r.eventTime ?? null, backstopTime: r.backstopTime ?? null });
  // a strike change is a rules change (absent: the hash of records stored before strikes existed is unchanged)
  if (r.strike !== undefined) parts.push({ strike: r.strike });
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/**
 * The event date to compare across venues: `eventTime`, else the legacy `expectedResolutionTime`
 * (rows stored before `eventTime` existed, and records built elsewhere). Never the trading close
 * or the backstop.
 */
export const eventTimeOf = (r: Pick<MarketRecord, 'eventTime' | 'expectedResolutionTime'>): number | undefined => r.eventTime ?? r.expectedResolutionTime;

/**
 * A venue timestamp → unix ms: ISO 8601, Polymarket's `"2026-05-09 02:07:01+00"` (space, short
 * offset), a date alone (`"2026-04-05"` → midnight UTC), or a number (ms). undefined when absent or unparseable.
 */
export function venueTime(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string' || !v.trim()) return undefined;
  let s = v.trim();
  const m = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d(?::\d\d(?:\.\d+)?)?)\s*(Z|[+-]\d\d(?::?\d\d)?)?$/.exec(s);
  if (m) {
    const off = m[3] === undefined ? 'Z' : m[3] === 'Z' ? 'Z' : /^[+-]\d\d$/.test(m[3]) ? `${m[3]}:00` : m[3].length === 5 ? `${m[3].slice(0, 3)}:${m[3].slice(3)}` : m[3];
    s = `${m[1]}T${m[2]}${off}`;
  } else if (/^\d{4}-\d\d-\d\d$/.test(s)) s = `${s}T00:00:00Z`;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : undefined;
}

/** Sanitiser flags on a venue's raw text fields (before sanitising): hidden characters, homoglyphs. */
export function textFlags(fields: readonly string[]): TextFlag[] {
  const out = new Set<TextFlag>();
  for (const f of fields) for (const fl of sanitizeWithFlags(f).flags) out.add(fl);
  return [...out].sort();
}
