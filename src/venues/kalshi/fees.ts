/**
 * Kalshi fee messages → the FeeBook: the series' fee fields (REST `GET /series/{ticker}`), announced
 * changes (`GET /series/fee_changes`), event overrides pushed as WS `event_fee_update`, and the
 * built-in default. The fee formulas (by fee type) are in src/fees/kalshi.ts.
 */
import { z } from 'zod';
import { log } from '../../log.js';
import { KalshiFeeType } from '../../fees/kalshi.js';
import type { FeeBook, FeeScheduleEntry } from '../../fees/schedule.js';
import type { FeeRefreshStats, MarketMeta, VenueFees } from '../venue.js';
import type { KalshiRest } from './rest.js';

const VENUE = 'kalshi';

/** WS `event_fee_update` message body (nulls = override cleared). */
export const KalshiEventFeeUpdate = z.object({
  event_ticker: z.string().min(1),
  fee_type_override: KalshiFeeType.nullable(),
  fee_multiplier_override: z.number().nonnegative().nullable(),
});
export type KalshiEventFeeUpdate = z.infer<typeof KalshiEventFeeUpdate>;

/** The fee fields of REST `GET /series/{ticker}`. */
export const KalshiSeriesFee = z.object({
  ticker: z.string().min(1),
  fee_type: KalshiFeeType,
  fee_multiplier: z.number().nonnegative(),
});
export type KalshiSeriesFee = z.infer<typeof KalshiSeriesFee>;

/**
 * One row of REST `GET /series/fee_changes`. `scheduled_ts` is accepted as RFC3339 text or a unix
 * number (seconds when < 1e12, else ms) because the sources do not pin its type.
 */
export const KalshiSeriesFeeChange = z.object({
  id: z.union([z.string(), z.number()]).optional(),
  series_ticker: z.string().min(1),
  fee_type: KalshiFeeType,
  fee_multiplier: z.number().nonnegative(),
  scheduled_ts: z.union([z.string(), z.number()]).transform((v, ctx) => {
    const ms = typeof v === 'number' ? (v < 1e12 ? v * 1000 : v) : Date.parse(v);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: `bad scheduled_ts: ${String(v)}` });
      return z.NEVER;
    }
    return ms;
  }),
});
export type KalshiSeriesFeeChange = z.infer<typeof KalshiSeriesFeeChange>;

/** Kalshi default: a standard quadratic series with multiplier 1 (used when the series is unknown). */
export const KALSHI_DEFAULT_ENTRY: FeeScheduleEntry = { venue: VENUE, scope: 'default', scopeId: '*', feeType: 'quadratic', multiplier: '1', validFrom: 0, source: 'builtin:kalshi-default' };

/** WS `event_fee_update` body: overrides from `tsMs` on; nulls clear (inherit the series). */
export function applyKalshiEventFeeUpdate(fb: FeeBook, msg: unknown, tsMs: number): boolean {
  const p = KalshiEventFeeUpdate.safeParse(msg);
  if (!p.success) return fb.reject(VENUE, msg, p.error);
  const m = p.data;
  fb.add({
    venue: VENUE, scope: 'event', scopeId: m.event_ticker, feeType: m.fee_type_override,
    multiplier: m.fee_multiplier_override === null ? null : String(m.fee_multiplier_override), validFrom: tsMs, source: 'ws:event_fee_update',
  });
  return true;
}

/** REST `GET /series/{ticker}` fee fields, valid from `validFrom` (see FeeBook.fetchedAt). */
export function applyKalshiSeries(fb: FeeBook, series: unknown, validFrom: number): boolean {
  const p = KalshiSeriesFee.safeParse(series);
  if (!p.success) return fb.reject(VENUE, series, p.error);
  fb.putCurrent({ venue: VENUE, scope: 'series', scopeId: p.data.ticker, feeType: p.data.fee_type, multiplier: String(p.data.fee_multiplier), validFrom, source: 'rest:series' });
  return true;
}

/** One row of REST `GET /series/fee_changes` (valid from its scheduled_ts). */
export function applyKalshiSeriesFeeChange(fb: FeeBook, change: unknown): boolean {
  const p = KalshiSeriesFeeChange.safeParse(change);
  if (!p.success) return fb.reject(VENUE, change, p.error);
  const c = p.data;
  fb.add({ venue: VENUE, scope: 'series', scopeId: c.series_ticker, feeType: c.fee_type, multiplier: String(c.fee_multiplier), validFrom: c.scheduled_ts, source: 'rest:series_fee_changes' });
  return true;
}

/** Registers the markets' series/event refs, loads their series' fee schedules (and scheduled changes). */
export async function refreshKalshiFees(feeBook: FeeBook, markets: readonly MarketMeta[], rest: Pick<KalshiRest, 'getSeries' | 'getSeriesFeeChanges'>, scheduled: boolean): Promise<FeeRefreshStats> {
  const stats: FeeRefreshStats = { markets: 0, scopes: 0, errors: 0 };
  const series = new Set<string>();
  for (const m of markets) {
    feeBook.setMarketRef(VENUE, m.ref);
    if (m.ref.seriesId) series.add(m.ref.seriesId);
    stats.markets++;
  }
  for (const ticker of series) {
    try {
      const s = await rest.getSeries(ticker);
      if (s.feeType && s.feeMultiplier !== null && applyKalshiSeries(feeBook, { ticker: s.ticker, fee_type: s.feeType, fee_multiplier: s.feeMultiplier }, 0)) stats.scopes++;
      else stats.errors++;
      for (const c of scheduled ? await rest.getSeriesFeeChanges(ticker) : []) {
        if (c.scheduledTs !== null) applyKalshiSeriesFeeChange(feeBook, { id: c.id, series_ticker: c.seriesTicker, fee_type: c.feeType, fee_multiplier: c.feeMultiplier, scheduled_ts: c.scheduledTs });
      }
    } catch (err) {
      stats.errors++;
      log.warn({ err, series: ticker }, 'kalshi series fee refresh failed; the default schedule applies');
    }
  }
  return stats;
}

/** Kalshi's part of the venue seam's fees (VenueModule.fees). */
export const kalshiFees: VenueFees = { defaults: () => [KALSHI_DEFAULT_ENTRY] };
