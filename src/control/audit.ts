/**
 * The one writer of `audit_log`. Every operator decision (pair status, kill switch, limits) is
 * recorded here with the door it came through and who acted, as `<door>:<who>` in
 * `audit_log.token_name` (the same string as `market_pairs.decided_by` and the kill switch's `by`):
 * `cli:alice`, `api:<token name>`, `discord:<username>(<user id>)`, `file:pairs file`.
 *
 * {@link audited} runs a change and its audit row in one transaction; a failed change is
 * rolled back and still audited (`error: <code>`). Doors audit their own refusals (missing role,
 * wrong channel) with {@link recordAudit}.
 */
import type pg from 'pg';
import { NonRetryableError } from '../errors.js';
import { log } from '../log.js';
import { insertAudit } from '../store/repos/audit.js';
import { inTransaction, type Queryable } from '../store/repos/types.js';

/** Where a decision came in. */
export const DOORS = ['cli', 'api', 'discord', 'file'] as const;
export type Door = (typeof DOORS)[number];

export interface Actor {
  readonly door: Door;
  /** the door's name for the person: OS user, API token name, Discord `username(id)`, … */
  readonly who: string;
}

/** `<door>:<who>`, as stored in decided_by, audit_log.token_name and the kill switch's `by`. */
export const actorName = (a: Actor): string => `${a.door}:${a.who}`;

export type ControlErrorCode = 'NOT_FOUND' | 'BAD_USER_INPUT';

/** A decision the control layer refuses (unknown pair, invalid limits): the door shows `code`. */
export class ControlError extends NonRetryableError {
  constructor(
    message: string,
    readonly code: ControlErrorCode,
    info: Record<string, unknown> = {},
  ) {
    super(message, info);
  }
}

/** The code an audit row records for a failed change: the ControlError code, a GraphQL error code, or `internal`. */
export function errorCode(err: unknown): string {
  if (err instanceof ControlError) return err.code;
  const ext = (err as { extensions?: { code?: unknown } } | null)?.extensions;
  return typeof ext?.code === 'string' ? ext.code : 'internal';
}

export interface AuditEntry {
  readonly actor: Actor;
  /** what was asked: `approvePair`, `rejectPair`, `setPairPending`, `setKillSwitch`, `setRiskLimits`, `syncFilePairs` */
  readonly action: string;
  readonly args: Readonly<Record<string, unknown>>;
}

/** Writes one audit row (`ok`, `forbidden`, `denied: …`, `error: <code>`). */
export async function recordAudit(db: Queryable, e: AuditEntry & { readonly result: string }): Promise<void> {
  await insertAudit(db, { tokenName: actorName(e.actor), action: e.action, args: e.args, result: e.result });
}

/**
 * Runs `change` in a transaction and writes its audit row (`ok`) in the same transaction. On
 * failure: rollback, then an audit row `error: <code>` after the rollback (best effort,
 * logged when it fails too), and the error is rethrown.
 */
export async function audited<T>(pool: pg.Pool, e: AuditEntry, change: (db: pg.PoolClient) => Promise<T>): Promise<T> {
  const out = await inTransaction(
    pool,
    async (db) => {
      const r = await change(db);
      await recordAudit(db, { ...e, result: 'ok' });
      return r;
    },
    {
      afterRollback: (db, err) =>
        recordAudit(db, { ...e, result: `error: ${errorCode(err)}` }).catch((auditErr: unknown) => log.error({ err: auditErr, action: e.action }, 'control: cannot write audit row')),
    },
  );
  log.info({ by: actorName(e.actor), action: e.action, args: e.args }, 'control: decision recorded');
  return out;
}
