/**
 * `risk_state` SQL: the operator-controlled rows (`kill_switch`, `risk_limits`), read raw; the
 * meaning (validation, defaults, fail-safe) is in `src/control/riskState.ts`.
 */
import type { Queryable } from './types.js';

export type RiskStateKey = 'kill_switch' | 'risk_limits';

export interface RiskStateRow {
  readonly key: RiskStateKey;
  readonly value: unknown;
  readonly updatedAt: Date;
}

export async function readRiskState(db: Queryable, keys: readonly RiskStateKey[] = ['kill_switch', 'risk_limits']): Promise<RiskStateRow[]> {
  const res = await db.query('SELECT key, value, updated_at FROM risk_state WHERE key = ANY($1::text[])', [[...keys]]);
  return (res.rows as { key: RiskStateKey; value: unknown; updated_at: Date }[]).map((r) => ({ key: r.key, value: r.value, updatedAt: r.updated_at }));
}

/** Upserts one row (updated_at = now()). */
export async function writeRiskState(db: Queryable, key: RiskStateKey, value: unknown): Promise<void> {
  await db.query(
    `INSERT INTO risk_state (key, value, updated_at) VALUES ($1, $2, now())
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`,
    [key, JSON.stringify(value)],
  );
}

/** Serialises read-modify-write of one key inside the caller's transaction. */
export async function lockRiskStateKey(db: Queryable, key: RiskStateKey): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key]);
}
