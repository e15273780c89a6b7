/**
 * Database connection. `openDb(config.db)` gives a `pg.Pool` on either the embedded TimescaleDB
 * (no DATABASE_URL: started here, see ./embedded.ts) or a PostgreSQL/TimescaleDB server
 * (DATABASE_URL), migrated by default.
 *
 * Type parsing on every pool made here: bigint (int8, our micro-dollars and quantities, also
 * count(*)) comes back as a JS number, checked to be a safe integer (an unsafe value fails the
 * query rather than losing precision); numeric (fee rates) stays a string, exact;
 * timestamptz is a Date.
 *
 * Embedded mode is ONE connection (PGlite is a single backend): the pool has max 1 and closes
 * its idle connection after `embeddedIdleMs`, so psql or Grafana can take a turn while the app
 * is idle. Queries from the app are serialised by the pool; keep transactions short.
 */
import pg from 'pg';
import type { Config } from '../../config.js';
import { ArbError, FatalError } from '../../errors.js';
import { log } from '../../log.js';
import { startEmbeddedDb, type EmbeddedDb } from './embedded.js';
import { hasTimescale, migrate } from './migrate.js';

export { startEmbeddedDb, type EmbeddedDb, type EmbeddedDbOptions } from './embedded.js';
export { migrate, migrationStatus, hasTimescale, loadMigrations, MIGRATIONS_DIR, type MigrationStatus, type MigrateOptions } from './migrate.js';

export interface Db {
  readonly pool: pg.Pool;
  /** Connection URL (the server-mode URL may hold a password: never log it, use {@link redactUrl}). */
  readonly url: string;
  readonly mode: 'embedded' | 'server';
  /** Whether the timescaledb extension is installed (after migration). */
  readonly timescale: boolean;
  /** Ends the pool, then stops the embedded server (flushing PGlite to disk). Idempotent. */
  close(): Promise<void>;
}

export interface OpenDbOptions {
  /** Apply pending migrations before returning (default true). */
  migrate?: boolean;
  /** Embedded mode: idle time after which the single connection is released (default 1000 ms). */
  embeddedIdleMs?: number;
}

const INT8_OID = 20;

function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`bigint ${text} is outside the safe integer range`);
  return n;
}

/** pg type parsers used by every pool of this module (int8 → safe number). */
export const pgTypes: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

/** The URL with its password replaced, for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparseable url>';
  }
}

/** A pool with our type parsers and an error listener (an idle client's error must not crash the process). */
export function createPool(config: pg.PoolConfig): pg.Pool {
  const pool = new pg.Pool({ ...config, types: pgTypes });
  pool.on('error', (err) => log.warn({ err }, 'db: idle client error (connection dropped; the pool will reconnect)'));
  return pool;
}

/** Opens the database described by `cfg` (from loadConfig().db), migrating it unless asked not to. */
export async function openDb(cfg: Config['db'], opts: OpenDbOptions = {}): Promise<Db> {
  let embedded: EmbeddedDb | undefined;
  let pool: pg.Pool;
  if (cfg.mode === 'embedded') {
    embedded = await startEmbeddedDb({ dataDir: cfg.dataDir, host: cfg.host, port: cfg.port });
    pool = createPool({ connectionString: embedded.url, max: 1, idleTimeoutMillis: opts.embeddedIdleMs ?? 1000 });
  } else {
    pool = createPool({ connectionString: cfg.url, max: cfg.poolMax });
  }
  const url = embedded?.url ?? (cfg.mode === 'server' ? cfg.url : '');

  let closed: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      try {
        await pool.end();
      } finally {
        await embedded?.stop();
      }
    })();
    return closed;
  };

  try {
    const timescale = opts.migrate === false ? await hasTimescale(pool) : (await migrate(pool)).timescale;
    log.info({ mode: cfg.mode, url: redactUrl(url), timescale }, 'database ready');
    return { pool, url, mode: cfg.mode, timescale, close };
  } catch (err) {
    await close().catch((e: unknown) => log.warn({ err: e }, 'db: close after a failed open also failed'));
    if (err instanceof ArbError) throw err;
    throw new FatalError(`cannot use the ${cfg.mode} database at ${redactUrl(url)}: ${(err as Error).message}`, { mode: cfg.mode }, { cause: err });
  }
}
