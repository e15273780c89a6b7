/**
 * Database helpers for integration tests (`*.int.spec.ts`).
 *
 *   const db = await pgTestPool({ migrate: true });   // isolated schema on the machine's PostgreSQL
 *   ... db.pool.query('INSERT INTO edges ...') ...    // unqualified names land in db.schema
 *   await db.drop();                                  // ends the pool, drops the schema
 *
 *   const e = await embeddedTestDb({ migrate: true }); // embedded TimescaleDB on a temp dir, free port
 *   ... e.pool (max 1: PGlite is one connection) ...
 *   await e.stop();                                   // ends the pool, stops the server, deletes the dir
 *
 * PostgreSQL URL: TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test.
 * When PostgreSQL is unreachable, pgTestPool throws (always: the test fails, with the reason).
 * To skip instead when not in CI (with the reason in the suite's title), use `pgGate()` from ./gates.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPool, migrate, startEmbeddedDb } from '../../src/store/db/index.js';

export const TEST_PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const isCI = process.env.CI === 'true' || process.env.CI === '1';

/** Whether the test PostgreSQL answers (2 s timeout). */
export async function pgReachable(url: string = TEST_PG_URL): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

export interface PgTestDb {
  pool: pg.Pool;
  /** The fresh schema this pool's search_path points at (then public, for extensions). */
  schema: string;
  /** Ends the pool and drops the schema with everything in it. Idempotent. */
  drop(): Promise<void>;
}

/**
 * A pool on the machine's PostgreSQL whose search_path is a fresh schema `t_<random>`, so tests
 * never see each other's tables. `migrate: true` applies the project's migrations into it.
 * Throws with a clear message when PostgreSQL is unreachable.
 */
export async function pgTestPool(opts: { migrate?: boolean; max?: number } = {}): Promise<PgTestDb> {
  const schema = `t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
  } catch (err) {
    await admin.end().catch(() => undefined);
    throw new Error(
      `PostgreSQL for integration tests is unreachable at ${TEST_PG_URL} (${(err as Error).message}); ` +
        'start it or set TEST_DATABASE_URL' + (isCI ? ' (CI=true: a missing service is a failure)' : ''),
      { cause: err },
    );
  }
  try {
    await admin.query(`CREATE SCHEMA ${pg.escapeIdentifier(schema)}`);
  } finally {
    await admin.end();
  }
  const pool = createPool({
    connectionString: TEST_PG_URL,
    max: opts.max ?? 5,
    options: `-c search_path=${schema},public`,
  });
  let dropped: Promise<void> | null = null;
  const drop = (): Promise<void> => {
    dropped ??= (async () => {
      await pool.end();
      const c = new pg.Client({ connectionString: TEST_PG_URL });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
      } finally {
        await c.end();
      }
    })();
    return dropped;
  };
  try {
    if (opts.migrate) await migrate(pool);
  } catch (err) {
    await drop();
    throw err;
  }
  return { pool, schema, drop };
}

export interface EmbeddedTestDb {
  pool: pg.Pool;
  url: string;
  dataDir: string;
  /** Ends the pool and stops the server; deletes the data dir unless `keepDir` was set. Idempotent. */
  stop(): Promise<void>;
}

/**
 * An embedded TimescaleDB (PGlite) on a temp dir (or `dataDir`) and a free port, with a pool of
 * max 1 (the embedded server is one connection). Starting takes a few seconds.
 */
export async function embeddedTestDb(opts: { migrate?: boolean; dataDir?: string; keepDir?: boolean } = {}): Promise<EmbeddedTestDb> {
  const dataDir = opts.dataDir ?? join(mkdtempSync(join(tmpdir(), 'arbstream-db-')), 'data');
  const removeDir = !opts.keepDir && !opts.dataDir;
  const server = await startEmbeddedDb({ dataDir, host: '127.0.0.1', port: 0 });
  const pool = createPool({ connectionString: server.url, max: 1, idleTimeoutMillis: 1000 });
  let stopped: Promise<void> | null = null;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      try {
        await pool.end();
      } finally {
        await server.stop();
        if (removeDir) rmSync(join(dataDir, '..'), { recursive: true, force: true });
      }
    })();
    return stopped;
  };
  try {
    if (opts.migrate) await migrate(pool);
  } catch (err) {
    await stop();
    throw err;
  }
  return { pool, url: server.url, dataDir, stop };
}
