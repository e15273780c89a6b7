/** `audit_log` SQL. The one caller is `src/control/audit.ts` (the one audit writer). */
import type { Queryable } from './types.js';

export interface AuditRow {
  /** who acted, as `<door>:<who>` (e.g. `api:otto`, `discord:bob(123)`, `cli:alice`) */
  readonly tokenName: string;
  readonly action: string;
  readonly args: unknown;
  readonly result: string;
}

export async function insertAudit(db: Queryable, r: AuditRow): Promise<void> {
  await db.query('INSERT INTO audit_log (token_name, action, args, result) VALUES ($1, $2, $3, $4)', [r.tokenName, r.action, JSON.stringify(r.args ?? null), r.result]);
}

/** The latest audit rows, newest first (operators' review, tests). */
export async function recentAudit(db: Queryable, opts: { action?: string; limit?: number } = {}): Promise<(AuditRow & { id: number; ts: Date })[]> {
  const res = await db.query(
    'SELECT id, ts, token_name, action, args, result FROM audit_log WHERE ($1::text IS NULL OR action = $1) ORDER BY id DESC LIMIT $2',
    [opts.action ?? null, opts.limit ?? 100],
  );
  return (res.rows as { id: number; ts: Date; token_name: string; action: string; args: unknown; result: string }[]).map((r) => ({
    id: r.id,
    ts: r.ts,
    tokenName: r.token_name,
    action: r.action,
    args: r.args,
    result: r.result,
  }));
}
