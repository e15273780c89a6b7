/** `fee_schedules` SQL: the FeeBook's entries with their validity periods. */
import type { FeeScheduleEntry } from '../../fees/schedule.js';
import type { QueryRunner } from './types.js';

/** Writes every entry (idempotent on venue, scope, scope_id, valid_from). Returns how many were written. */
export async function upsertFeeSchedules(db: QueryRunner, entries: readonly FeeScheduleEntry[]): Promise<number> {
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
