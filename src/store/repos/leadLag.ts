/** `lead_lag` reads: the latest estimate of a pair, one per window. */
import type { LeadLagStat } from '../../../schema/leadLag.js';
import type { Queryable } from './types.js';

export async function latestLeadLag(db: Queryable, pairId: string): Promise<LeadLagStat[]> {
  const res = await db.query('SELECT DISTINCT ON (window_ms) pair_id, window_ms, lag_ms, coefficient, samples, ts FROM lead_lag WHERE pair_id = $1 ORDER BY window_ms, ts DESC', [pairId]);
  return (res.rows as Record<string, unknown>[]).map((r) => ({
    pairId: String(r.pair_id),
    windowMs: Number(r.window_ms),
    lagMs: Number(r.lag_ms),
    coefficient: Number(r.coefficient),
    samples: Number(r.samples),
    ts: (r.ts as Date).getTime(),
  }));
}
