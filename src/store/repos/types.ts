/**
 * What a repository function runs its SQL on: the pool, or a client inside the caller's
 * transaction (`BEGIN … COMMIT` on one `PoolClient`, e.g. a status change and its audit row).
 */
import type pg from 'pg';

export type Queryable = pg.Pool | pg.PoolClient;

/** `venue:marketId`, the key of maps by market (e.g. {@link pairsByMarkets}). */
export const marketKey = (m: { readonly venue: string; readonly marketId: string }): string => `${m.venue}:${m.marketId}`;

/** Anything with pg's `query` whose result the caller does not read (a pool, a client, or a Pick of either). */
export interface QueryRunner {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

/**
 * Runs `fn` in a transaction on one client of `pool`: BEGIN, COMMIT, or ROLLBACK on failure and
 * then `afterRollback` on the same client (outside the transaction; an embedded pool has only one
 * connection, so a second one must not be asked for), then the error is rethrown.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  fn: (db: pg.PoolClient) => Promise<T>,
  o: { readonly afterRollback?: (db: pg.PoolClient, err: unknown) => Promise<void> } = {},
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    await o.afterRollback?.(client, err);
    throw err;
  } finally {
    client.release();
  }
}
