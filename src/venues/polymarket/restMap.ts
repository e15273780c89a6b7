/** The normalized Polymarket market record and the Gamma market → record mapper. */
import { parseScaled } from '../../../schema/money.js';
import { DecodeError } from '../../errors.js';
import { GammaMarketSchema } from './restSchemas.js';

export interface PolyFeeSchedule {
  /** as published (a coefficient, not money) */
  readonly rate: number;
  /** the same rate in parts per million, exact */
  readonly ratePpm: number;
  readonly exponent: number;
  readonly takerOnly: boolean;
  readonly rebateRate: number;
}

/** The normalized market record the matcher, fees and feeds use. */
export interface PolyMarketInfo {
  readonly conditionId: string;
  readonly gammaId: string;
  readonly question: string;
  /** the resolution rules text */
  readonly description: string;
  readonly slug: string;
  readonly yesTokenId: string;
  readonly noTokenId: string;
  /** outcome labels, index 0 = our "yes" (e.g. ["Yes","No"], ["Up","Down"]) */
  readonly outcomes: readonly [string, string];
  /** ISO 8601 as sent */
  readonly startDate?: string;
  readonly endDate?: string;
  /** endDate as unix ms */
  readonly endTs?: number;
  readonly closed: boolean;
  readonly active: boolean;
  readonly negRisk: boolean;
  /** current tick in micro-dollars: informational, never used as price precision (#4896) */
  readonly tickSizeMicros?: number;
  /** minimum order size, millionths of a share */
  readonly orderMinSize?: number;
  readonly feesEnabled: boolean;
  readonly feeType?: string;
  /** absent on some fee-enabled markets (e.g. crypto_fees): the fee code must then look it up */
  readonly feeSchedule?: PolyFeeSchedule;
  readonly resolutionSource?: string;
  readonly category?: string;
  readonly tags: readonly string[];
  readonly eventTitle?: string;
  readonly raw: unknown;
}

/** A decimal number → micro-units (half-up); undefined when absent or not representable. */
export const scaledOf = (n: number | null | undefined): number | undefined => {
  if (n === null || n === undefined) return undefined;
  try {
    return parseScaled(String(n), 'half-up');
  } catch {
    return undefined;
  }
};

/** Gamma market → {@link PolyMarketInfo}; throws DecodeError when it is not a usable binary CLOB market. */
export function toMarketInfo(raw: unknown, event?: { title?: string; tags?: readonly string[]; category?: string }): PolyMarketInfo {
  const r = GammaMarketSchema.safeParse(raw);
  if (!r.success) throw new DecodeError('gamma market rejected', { source: 'polymarket.gamma', issues: r.error.issues });
  const m = r.data;
  if (m.clobTokenIds.length !== 2 || m.outcomes.length !== 2) {
    throw new DecodeError(`gamma market ${m.id} is not binary (${m.clobTokenIds.length} tokens, ${m.outcomes.length} outcomes)`, { source: 'polymarket.gamma' });
  }
  const fs = m.feeSchedule ?? undefined;
  const endTs = m.endDate ? Date.parse(m.endDate) : NaN;
  const tags = [...(m.tags ?? []).map((t) => t.label ?? t.slug ?? ''), ...(event?.tags ?? [])].filter(Boolean);
  const eventTitle = event?.title ?? m.events?.[0]?.title ?? undefined;
  return {
    conditionId: m.conditionId,
    gammaId: m.id,
    question: m.question,
    description: m.description,
    slug: m.slug,
    yesTokenId: m.clobTokenIds[0]!,
    noTokenId: m.clobTokenIds[1]!,
    outcomes: [m.outcomes[0]!, m.outcomes[1]!],
    startDate: m.startDate,
    endDate: m.endDate,
    ...(Number.isFinite(endTs) ? { endTs } : {}),
    closed: m.closed ?? false,
    active: m.active ?? false,
    negRisk: m.negRisk ?? false,
    tickSizeMicros: scaledOf(m.orderPriceMinTickSize),
    orderMinSize: scaledOf(m.orderMinSize),
    feesEnabled: m.feesEnabled ?? false,
    feeType: m.feeType,
    ...(fs ? { feeSchedule: { rate: fs.rate, ratePpm: scaledOf(fs.rate) ?? 0, exponent: fs.exponent, takerOnly: fs.takerOnly, rebateRate: fs.rebateRate } } : {}),
    resolutionSource: m.resolutionSource,
    category: m.category ?? event?.category,
    tags: [...new Set(tags)],
    ...(eventTitle ? { eventTitle } : {}),
    raw,
  };
}
