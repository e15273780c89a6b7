/** What an operator asks for from chat (the Discord bot's /status) that the API does not: edges of the last hour. */
import type { Queryable } from './types.js';

/** Edges recorded in the last `seconds`: how many, and the best profit (null when none). */
export async function edgeStatsSince(db: Queryable, seconds: number): Promise<{ n: number; maxProfitMicros: number | null }> {
  const res = await db.query('SELECT count(*) AS n, max(profit_micros) AS max_profit FROM edges WHERE ts >= now() - make_interval(secs => $1)', [seconds]);
  const r = res.rows[0] as { n: number | string; max_profit: number | null } | undefined;
  return { n: Number(r?.n ?? 0), maxProfitMicros: r?.max_profit ?? null };
}
