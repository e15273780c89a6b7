/**
 * What a repository function runs its SQL on: the pool, or a client inside the caller's
 * transaction (`BEGIN … COMMIT` on one `PoolClient`, e.g. a status change and its audit row).
 */
import type pg from 'pg';

export type Queryable = pg.Pool | pg.PoolClient;

/** `venue:marketId`, the key of maps by market (e.g. {@link pairsByMarkets}). */
export const marketKey = (m: { readonly venue: string; readonly marketId: string }): string => `${m.venue}:${m.marketId}`;
