/**
 * Polymarket fee facts → the FeeBook: a Gamma market's `feesEnabled` / `feeSchedule` / category,
 * and the built-in category tables of both fee eras. The fee formulas (by fee type) and the
 * published tables are in src/fees/polymarket.ts.
 */
import { z } from 'zod';
import type { Venue } from '../../../schema/venue.js';
import { GammaFeeSchedule, POLYMARKET_CATEGORY_FEES, POLYMARKET_EARLY_2026, polymarketCategory, type PolymarketCategory } from '../../fees/polymarket.js';
import type { FeeBook, FeeScheduleEntry } from '../../fees/schedule.js';
import type { FeeRefreshStats, MarketMeta, VenueFees } from '../venue.js';

const VENUE: Venue = 'polymarket';

/** Approximate era boundaries (PROTOCOLS §5.2); pass your own to {@link polymarketCategoryEntries}. */
export const POLYMARKET_ERAS = {
  /** first taker fees (15-min crypto) */
  earlyFrom: Date.UTC(2026, 0, 1),
  /** NCAAB / Serie A markets created from this day */
  sportsEarlyFrom: Date.UTC(2026, 1, 18),
  /** per-category taker-only fees "from about Mar/Apr 2026": an approximation */
  currentFrom: Date.UTC(2026, 2, 30),
} as const;

/** Built-in category fallback entries for both Polymarket eras. */
export function polymarketCategoryEntries(eras: { earlyFrom: number; sportsEarlyFrom: number; currentFrom: number } = POLYMARKET_ERAS): FeeScheduleEntry[] {
  const out: FeeScheduleEntry[] = [{ venue: VENUE, scope: 'default', scopeId: '*', feeType: 'none', validFrom: 0, source: 'builtin:no-fee-default' }];
  for (const c of Object.keys(POLYMARKET_CATEGORY_FEES) as PolymarketCategory[]) {
    const t = POLYMARKET_CATEGORY_FEES[c];
    out.push({ venue: VENUE, scope: 'category', scopeId: c, feeType: 'none', validFrom: eras.earlyFrom, validTo: eras.currentFrom, source: 'builtin:early-2026' });
    out.push({
      venue: VENUE, scope: 'category', scopeId: c, feeType: t.rate === '0' ? 'none' : 'polymarket',
      rate: t.rate, exponent: 1, takerOnly: true, rebateRate: t.rebateRate, validFrom: eras.currentFrom, source: 'builtin:category-table',
    });
  }
  const early = (c: PolymarketCategory, p: { rate: string; exponent: number; rebateRate: string }, from: number): FeeScheduleEntry => ({
    venue: VENUE, scope: 'category', scopeId: c, feeType: 'polymarket_early_2026', rate: p.rate, exponent: p.exponent,
    takerOnly: true, rebateRate: p.rebateRate, validFrom: from, validTo: eras.currentFrom, source: 'builtin:early-2026',
  });
  out.push(early('Crypto', POLYMARKET_EARLY_2026.crypto, eras.earlyFrom));
  out.push(early('Sports', POLYMARKET_EARLY_2026.sports, eras.sportsEarlyFrom));
  return out;
}

/** The Gamma market fields the fee book reads. */
export const GammaMarketFees = z.object({
  conditionId: z.string().min(1),
  feesEnabled: z.boolean().optional(),
  feeSchedule: GammaFeeSchedule.nullable().optional(),
  feeType: z.string().nullable().optional(),
  category: z.string().nullable().optional(),
});


/**
 * A Gamma market: `feesEnabled:false` → no fee; `feeSchedule` → that schedule; fee-enabled without
 * schedule → inherit the category table (category from `category`, else from `feeType`
 * `crypto_*`/`sports_*`, else 'Other'). Valid from `validFrom` (see FeeBook.fetchedAt).
 */
export function applyPolymarketMarket(fb: FeeBook, market: unknown, validFrom: number): boolean {
  const p = GammaMarketFees.safeParse(market);
  if (!p.success) return fb.reject(VENUE, market, p.error);
  const m = p.data;
  const fromType = m.feeType?.startsWith('crypto') ? 'Crypto' : m.feeType?.startsWith('sports') ? 'Sports' : undefined;
  const category = m.category ?? fromType ?? (m.feesEnabled ? 'Other' : undefined);
  fb.setMarketRef(VENUE, { ...fb.marketRef(VENUE, m.conditionId), marketId: m.conditionId, ...(category ? { category } : {}) });
  const base = { venue: VENUE, scope: 'market' as const, scopeId: m.conditionId, validFrom, source: 'rest:gamma' };
  if (!m.feesEnabled) fb.putCurrent({ ...base, feeType: 'none' });
  else if (m.feeSchedule) fb.putCurrent({ ...base, feeType: m.feeSchedule.rate === '0' ? 'none' : 'polymarket', ...m.feeSchedule });
  else fb.putCurrent({ ...base, feeType: null });
  return true;
}

/** Gamma market objects carry the fee facts (feesEnabled / feeSchedule / category). */
export async function refreshPolymarketFees(feeBook: FeeBook, markets: readonly MarketMeta[]): Promise<FeeRefreshStats> {
  const stats: FeeRefreshStats = { markets: 0, scopes: 0, errors: 0 };
  for (const m of markets) {
    const raw = (m.raw ?? {}) as Record<string, unknown>;
    if (applyPolymarketMarket(feeBook, { ...raw, conditionId: m.marketId, category: m.ref.category ?? raw.category ?? null }, 0)) stats.markets++;
    else stats.errors++;
  }
  return stats;
}

/** Polymarket's part of the venue seam's fees (VenueModule.fees): category tables keyed case-insensitively. */
export const polymarketFees: VenueFees = { defaults: () => polymarketCategoryEntries(), categoryKey: polymarketCategory };
