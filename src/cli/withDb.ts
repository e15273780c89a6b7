/**
 * The database for one CLI command: config loaded, database opened (the embedded TimescaleDB or
 * DATABASE_URL), closed afterwards, and closed cleanly on SIGINT/SIGTERM (the embedded engine
 * flushes its data directory on close).
 */
import { loadConfig, type Config } from '../config.js';
import { openDb, type Db, type OpenDbOptions } from '../store/db/index.js';

export async function withDb<T>(fn: (db: Db, cfg: Config) => Promise<T>, opts: OpenDbOptions = {}): Promise<T> {
  const cfg = loadConfig();
  const db = await openDb(cfg.db, opts);
  const onSignal = (): void => {
    void db.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await fn(db, cfg);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await db.close();
  }
}

/**
 * A commander action run with the database (see {@link withDb}): the command's arguments follow
 * `db` and `cfg`, e.g. `.action(dbAction(async (db, cfg, name: string) => …))`.
 */
export function dbAction<A extends unknown[]>(fn: (db: Db, cfg: Config, ...args: A) => Promise<void>, opts: OpenDbOptions = {}): (...args: A) => Promise<void> {
  return (...args) => withDb((db, cfg) => fn(db, cfg, ...args), opts);
}
