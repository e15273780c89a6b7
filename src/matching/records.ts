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
 * close and expected resolution times, resolution source, thresholds (strikes). A change means its pairs must be re-checked.
 */
export function rulesHash(r: Pick<MarketRecord, 'title' | 'rulesText' | 'rulesSecondary' | 'outcomes' | 'closeTime' | 'expectedResolutionTime' | 'resolutionSource' | 'thresholds'>): string {
  const canon = JSON.stringify([r.title, r.rulesText, r.rulesSecondary, r.outcomes, r.closeTime ?? null, r.expectedResolutionTime ?? null, r.resolutionSource ?? null, r.thresholds]);
  return createHash('sha256').update(canon).digest('hex');
}

/** Sanitiser flags on a venue's raw text fields (before sanitising): hidden characters, homoglyphs. */
export function textFlags(fields: readonly string[]): TextFlag[] {
  const out = new Set<TextFlag>();
  for (const f of fields) for (const fl of sanitizeWithFlags(f).flags) out.add(fl);
  return [...out].sort();
}
