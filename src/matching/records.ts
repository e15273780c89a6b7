/**
 * Venue market info → the shared {@link MarketRecord}, with text sanitised and thresholds and
 * entities extracted. Also the rules hash: a change of it means a pair must be re-checked.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { MarketRecord } from '../../schema/market.js';
import type { PolyMarketInfo } from '../venues/polymarket/rest.js';
import { toMarketRecord as kalshiAdapterRecord, type KalshiMarketInfo } from '../venues/kalshi/rest.js';
import { extractEntities, extractThresholds, type Threshold } from './extract.js';
import { sanitizeText, sanitizeWithFlags, type TextFlag } from './sanitize.js';

const stripRaw = (ts: readonly Threshold[]): MarketRecord['thresholds'] =>
  ts.map((t) => ({ value: t.value, ...(t.unit ? { unit: t.unit } : {}), ...(t.comparator ? { comparator: t.comparator } : {}) }));

/** Thresholds from the title, else from the rules (the first sentence of them usually holds the strike). */
export function recordThresholds(title: string, rules: string): MarketRecord['thresholds'] {
  const t = extractThresholds(title);
  return stripRaw(t.length ? t : extractThresholds(rules.slice(0, 600)));
}

function polyStatus(i: PolyMarketInfo): MarketRecord['status'] {
  if (i.closed) return 'closed';
  return i.active ? 'open' : 'paused';
}

const RawEvents = z.looseObject({ events: z.array(z.looseObject({ id: z.union([z.string(), z.number()]).optional(), slug: z.string().nullish() })).nullish() });
const polyEventId = (raw: unknown): string | undefined => {
  const r = RawEvents.safeParse(raw);
  const e = r.success ? r.data.events?.[0] : undefined;
  return e?.id !== undefined ? String(e.id) : (e?.slug ?? undefined);
};

/** Polymarket (Gamma) market → MarketRecord. The description is the rules text. */
export function polyMarketRecord(i: PolyMarketInfo): MarketRecord {
  const title = sanitizeText(i.question);
  const rules = sanitizeText(i.description);
  return MarketRecord.parse({
    venue: 'polymarket',
    marketId: i.conditionId,
    ...(polyEventId(i.raw) ? { eventId: polyEventId(i.raw) } : {}),
    title,
    rulesText: rules,
    rulesSecondary: '',
    outcomes: [...i.outcomes].map(sanitizeText),
    ...(i.startDate && Number.isFinite(Date.parse(i.startDate)) ? { openTime: Date.parse(i.startDate) } : {}),
    ...(i.endTs !== undefined ? { closeTime: i.endTs, expectedResolutionTime: i.endTs } : {}),
    ...(i.resolutionSource ? { resolutionSource: sanitizeText(i.resolutionSource) } : {}),
    ...(i.category ?? i.tags[0] ? { category: sanitizeText(i.category ?? i.tags[0]!) } : {}),
    status: polyStatus(i),
    yesTokenId: i.yesTokenId,
    noTokenId: i.noTokenId,
    ...(i.tickSizeMicros ? { tickSizeMicros: i.tickSizeMicros } : {}),
    feeInfo: { feesEnabled: i.feesEnabled, feeType: i.feeType ?? null, feeSchedule: i.feeSchedule ?? null, negRisk: i.negRisk, tags: i.tags },
    thresholds: recordThresholds(title, rules),
    entities: extractEntities(`${title}\n${rules}`),
  });
}

/**
 * Kalshi market → MarketRecord: the venue adapter's record (status, tick, strike thresholds, fee
 * facts), with text sanitised, the title made of the event title (when given, else the market
 * title) plus the YES subtitle when it adds something, and the strike thresholds given the unit
 * the text names.
 */
export function kalshiMarketRecord(i: KalshiMarketInfo, event?: { title?: string }): MarketRecord {
  const rec = kalshiAdapterRecord(i);
  const base = sanitizeText(event?.title || i.title);
  const sub = sanitizeText(i.yesSubTitle);
  const title = sub && !base.toLowerCase().includes(sub.toLowerCase()) ? `${base} — ${sub}` : base;
  const rules = sanitizeText(i.rulesPrimary);
  const fromText = recordThresholds(title, rules);
  // the strike fields are the venue's own structured threshold: their values and comparators win;
  // the unit comes from the text when the text names the same number
  const thresholds = rec.thresholds.length
    ? rec.thresholds.map((s) => {
        const t = fromText.find((x) => x.value === s.value);
        return { value: s.value, ...(t?.unit ? { unit: t.unit } : {}), ...(s.comparator ? { comparator: s.comparator } : {}) };
      })
    : fromText;
  return MarketRecord.parse({
    ...rec,
    title,
    rulesText: rules,
    rulesSecondary: sanitizeText(i.rulesSecondary),
    outcomes: rec.outcomes.map(sanitizeText),
    ...(rec.resolutionSource ? { resolutionSource: sanitizeText(rec.resolutionSource) } : {}),
    thresholds,
    entities: extractEntities(`${title}\n${rules}`),
  });
}

/** Either venue's market info → MarketRecord. */
export function toMarketRecord(i: PolyMarketInfo | KalshiMarketInfo, event?: { title?: string }): MarketRecord {
  return 'conditionId' in i ? polyMarketRecord(i) : kalshiMarketRecord(i, event);
}

/**
 * Hash of everything that decides how a market settles: title, rules, secondary rules, outcomes,
 * close and expected resolution times, resolution source, thresholds (strikes). A change means its pairs must be re-checked.
 */
export function rulesHash(r: Pick<MarketRecord, 'title' | 'rulesText' | 'rulesSecondary' | 'outcomes' | 'closeTime' | 'expectedResolutionTime' | 'resolutionSource' | 'thresholds'>): string {
  const canon = JSON.stringify([r.title, r.rulesText, r.rulesSecondary, r.outcomes, r.closeTime ?? null, r.expectedResolutionTime ?? null, r.resolutionSource ?? null, r.thresholds]);
  return createHash('sha256').update(canon).digest('hex');
}

/** Sanitiser flags on the venue's raw text fields (before sanitising): hidden characters, homoglyphs. */
export function rawTextFlags(i: PolyMarketInfo | KalshiMarketInfo): TextFlag[] {
  const fields = 'conditionId' in i ? [i.question, i.description, ...i.outcomes] : [i.title, i.yesSubTitle, i.noSubTitle, i.rulesPrimary, i.rulesSecondary];
  const out = new Set<TextFlag>();
  for (const f of fields) for (const fl of sanitizeWithFlags(f).flags) out.add(fl);
  return [...out].sort();
}
