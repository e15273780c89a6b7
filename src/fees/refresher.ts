/**
 * Fee refresher: loads fee schedules from the venues into the FeeBook, stores them with their
 * validity periods in `fee_schedules`, and keeps them current (periodic refresh plus Kalshi's
 * `event_fee_update` messages as they arrive). `friction` reads the FeeBook for the time of each book.
 */
import type { Observable, Subscription } from 'rxjs';
import type { Venue } from '../../schema/book.js';
import { log } from '../log.js';
import type { PolyMarketInfo } from '../venues/polymarket/rest.js';
import type { KalshiMarketInfo, KalshiSeriesInfo, KalshiFeeChange } from '../venues/kalshi/rest.js';
import type { FeeBook, FeeScheduleEntry } from './schedule.js';

export interface FeeSources {
  /** Polymarket markets to load (Gamma objects carry feesEnabled / feeSchedule) */
  polyMarkets(): Promise<readonly PolyMarketInfo[]>;
  /** Kalshi markets to load (their series and events are registered as refs) */
  kalshiMarkets(): Promise<readonly KalshiMarketInfo[]>;
  kalshiSeries(ticker: string): Promise<KalshiSeriesInfo>;
  kalshiFeeChanges?(ticker: string): Promise<readonly KalshiFeeChange[]>;
}

export interface Queryable {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

export interface RefreshStats {
  polyMarkets: number;
  kalshiMarkets: number;
  kalshiSeries: number;
  errors: number;
}

/** Loads every schedule once; `now` is the validFrom of what the venues say today. */
export async function refreshFees(feeBook: FeeBook, sources: FeeSources, now: number): Promise<RefreshStats> {
  const stats: RefreshStats = { polyMarkets: 0, kalshiMarkets: 0, kalshiSeries: 0, errors: 0 };
  for (const m of await sources.polyMarkets()) {
    const raw = (m.raw ?? {}) as Record<string, unknown>;
    if (feeBook.applyPolymarketMarket({ ...raw, conditionId: m.conditionId, category: m.category ?? raw.category ?? null }, 0)) stats.polyMarkets++;
    else stats.errors++;
  }
  const series = new Set<string>();
  for (const m of await sources.kalshiMarkets()) {
    feeBook.setMarketRef('kalshi', { marketId: m.ticker, seriesId: m.seriesTicker, eventId: m.eventTicker, ...(m.category ? { category: m.category } : {}) });
    if (m.seriesTicker) series.add(m.seriesTicker);
    stats.kalshiMarkets++;
  }
  for (const ticker of series) {
    try {
      const s = await sources.kalshiSeries(ticker);
      if (s.feeType && s.feeMultiplier !== null && feeBook.applyKalshiSeries({ ticker: s.ticker, fee_type: s.feeType, fee_multiplier: s.feeMultiplier }, 0)) stats.kalshiSeries++;
      else stats.errors++;
      for (const c of (await sources.kalshiFeeChanges?.(ticker)) ?? []) {
        if (c.scheduledTs !== null) feeBook.applyKalshiSeriesFeeChange({ id: c.id, series_ticker: c.seriesTicker, fee_type: c.feeType, fee_multiplier: c.feeMultiplier, scheduled_ts: c.scheduledTs });
      }
    } catch (err) {
      stats.errors++;
      log.warn({ err, series: ticker }, 'kalshi series fee refresh failed; the default schedule applies');
    }
  }
  log.info({ ...stats, at: now }, 'fee schedules refreshed');
  return stats;
}

/** Writes every FeeBook entry to `fee_schedules` (idempotent on venue, scope, scope_id, valid_from). */
export async function storeFeeSchedules(db: Queryable, entries: readonly FeeScheduleEntry[]): Promise<number> {
  let n = 0;
  for (const e of entries) {
    await db.query(
      `INSERT INTO fee_schedules (venue, scope, scope_id, fee_type, rate, exponent, taker_only, rebate_rate, multiplier, valid_from, valid_to, source, raw)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)
       ON CONFLICT (venue, scope, scope_id, valid_from) DO UPDATE SET fee_type = EXCLUDED.fee_type, rate = EXCLUDED.rate,
         exponent = EXCLUDED.exponent, taker_only = EXCLUDED.taker_only, rebate_rate = EXCLUDED.rebate_rate,
         multiplier = EXCLUDED.multiplier, valid_to = EXCLUDED.valid_to, source = EXCLUDED.source, raw = EXCLUDED.raw`,
      // the table has no 'default' scope and needs a fee type and rate: 'venue' and 'inherit'/0 stand in (raw keeps the entry exactly)
      [e.venue, e.scope === 'default' ? 'venue' : e.scope, e.scopeId, e.feeType ?? 'inherit', e.rate ?? '0', e.exponent ?? null, e.takerOnly ?? true, e.rebateRate ?? null, e.multiplier ?? null,
        new Date(e.validFrom), e.validTo === undefined ? null : new Date(e.validTo), e.source ?? null, JSON.stringify(e)],
    );
    n++;
  }
  return n;
}

/** Applies Kalshi `event_fee_update` messages as they arrive (valid from the receive time). */
export function followKalshiFeeUpdates(feeBook: FeeBook, updates$: Observable<{ msg: unknown; tsReceived: number }>, onChange?: (venue: Venue) => void): Subscription {
  return updates$.subscribe(({ msg, tsReceived }) => {
    if (feeBook.applyKalshiEventFeeUpdate(msg, tsReceived)) onChange?.('kalshi');
  });
}
