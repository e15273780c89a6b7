/**
 * Schema migrations: numbered SQL files `schema/migrations/NNNN_name.sql`, applied in order,
 * each in its own transaction, recorded in `schema_migrations` (version, name, checksum,
 * applied_at). The whole run holds a PostgreSQL advisory lock, so concurrent runs (two app
 * instances starting at once) apply each migration exactly once. A migration that was applied
 * and has since been edited is refused with a clear error: write a new migration instead.
 *
 * A file whose first line is `-- migrate:no-transaction` runs outside a transaction, one
 * statement at a time (TimescaleDB continuous aggregates need this); such a file must be
 * idempotent, since a failure halfway leaves it unrecorded and the next run starts it again.
 *
 * Migrations create objects in the connection's current schema (the first on its search_path),
 * so tests can migrate into a fresh schema. The timescaledb extension lives in schema public
 * once per database; while migrating, its schema is appended to the search_path.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { z } from 'zod';
import { FatalError } from '../../errors.js';
import { log } from '../../log.js';

/** Default location of the migration files (schema/migrations at the repository root). */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../schema/migrations/', import.meta.url));

/** First advisory-lock key ('arbs'); the second is hashtext(current_schema()). */
const LOCK_KEY = 0x61726273;
const FILE_RE = /^(\d{4})_([a-z0-9_]+)\.sql$/;
const NO_TX = /^--\s*migrate:no-transaction\s*$/;

export interface MigrationFile {
  readonly version: number;
  /** File name without `.sql`, e.g. `0002_core_tables`. */
  readonly name: string;
  readonly sql: string;
  /** sha256 of the file text (line endings normalised). */
  readonly checksum: string;
  readonly transaction: boolean;
}

export interface MigrateOptions {
  /** Directory of the migration files; default {@link MIGRATIONS_DIR}. */
  dir?: string;
}

export interface MigrationStatus {
  version: number;
  name: string;
  applied: boolean;
  appliedAt?: Date;
  /** false when the applied migration's checksum differs from the file (the file was edited). */
  checksumOk?: boolean;
}

const AppliedRow = z.object({
  version: z.coerce.number().int(),
  name: z.string(),
  checksum: z.string(),
  applied_at: z.date(),
});
type AppliedRow = z.infer<typeof AppliedRow>;

/** Reads and orders the migration files; duplicate versions and stray `.sql` names are errors. */
export function loadMigrations(dir: string = MIGRATIONS_DIR): MigrationFile[] {
  const out: MigrationFile[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.sql')) continue;
    const m = FILE_RE.exec(file);
    if (!m) throw new FatalError(`migration file name "${file}" does not match NNNN_name.sql (lowercase, digits, underscores)`, { dir, file });
    const sql = readFileSync(`${dir}/${file}`, 'utf8').replace(/\r\n/g, '\n');
    const version = Number(m[1]);
    if (out.some((x) => x.version === version)) throw new FatalError(`two migration files share version ${m[1]}`, { dir, file });
    out.push({
      version,
      name: file.slice(0, -4),
      sql,
      checksum: createHash('sha256').update(sql).digest('hex'),
      transaction: !NO_TX.test(sql.split('\n', 1)[0] ?? ''),
    });
  }
  return out.sort((a, b) => a.version - b.version);
}

/**
 * Splits SQL text into statements at top-level semicolons, respecting quotes, dollar quotes
 * and comments. Used for `-- migrate:no-transaction` files (one statement per round trip, as a
 * multi-statement query string would run in one implicit transaction).
 */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (c === '-' && sql[i + 1] === '-') {
      const e = sql.indexOf('\n', i);
      i = e < 0 ? n : e + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const e = sql.indexOf('*/', i + 2);
      i = e < 0 ? n : e + 2;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < n && !(sql[j] === c && sql[j + 1] !== c)) j += sql[j] === c ? 2 : 1;
      i = j + 1;
    } else if (c === '$') {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (m) {
        const e = sql.indexOf(m[0], i + m[0].length);
        i = e < 0 ? n : e + m[0].length;
      } else i++;
    } else if (c === ';') {
      out.push(sql.slice(start, i));
      i++;
      start = i;
    } else i++;
  }
  out.push(sql.slice(start));
  // drop pieces that are only whitespace and comments
  return out.map((s) => s.trim()).filter((s) => s.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, '').trim() !== '');
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version    integer     PRIMARY KEY,
  name       text        NOT NULL,
  checksum   text        NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

async function readApplied(q: pg.Pool | pg.PoolClient): Promise<AppliedRow[] | null> {
  const exists = await q.query<{ t: string | null }>(`SELECT to_regclass('schema_migrations')::text AS t`);
  if (!exists.rows[0]?.t) return null;
  const res = await q.query('SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version');
  return res.rows.map((r: unknown) => AppliedRow.parse(r));
}

/** Whether the timescaledb extension is installed in the connected database. */
export async function hasTimescale(q: pg.Pool | pg.PoolClient): Promise<boolean> {
  const r = await q.query(`SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'`);
  return r.rowCount === 1;
}

/** Appends the extension's schema to this session's search_path when it is not on it. */
async function includeExtensionSchema(client: pg.PoolClient): Promise<void> {
  const r = await client.query<{ s: string; on_path: boolean }>(
    `SELECT n.nspname AS s, n.nspname = ANY (current_schemas(false)) AS on_path
       FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'timescaledb'`,
  );
  const row = r.rows[0];
  if (row && !row.on_path) await client.query(`SELECT set_config('search_path', current_setting('search_path') || ', ' || quote_ident($1), false)`, [row.s]);
}

function describe(err: unknown): string {
  const e = err as { message?: string; detail?: string; hint?: string; where?: string; position?: string };
  return [e.message ?? String(err), e.detail && `detail: ${e.detail}`, e.hint && `hint: ${e.hint}`, e.where && `where: ${e.where}`]
    .filter(Boolean)
    .join('; ');
}

/**
 * Applies every pending migration in order. Safe to run twice and concurrently.
 * @returns the names of the migrations this call applied, and whether TimescaleDB is present.
 * @throws FatalError on a failed migration (rolled back, named, with the database's message)
 *   or when an applied migration's file has changed.
 */
export async function migrate(pool: pg.Pool, opts: MigrateOptions = {}): Promise<{ applied: string[]; timescale: boolean }> {
  const files = loadMigrations(opts.dir);
  const client = await pool.connect();
  let broken: Error | undefined;
  let locked = false;
  let originalPath: string | undefined;
  let schema: string | null | undefined;
  try {
    originalPath = (await client.query<{ p: string }>(`SELECT current_setting('search_path') AS p`)).rows[0]?.p;
    schema = (await client.query<{ s: string | null }>('SELECT current_schema() AS s')).rows[0]?.s;
    if (!schema) throw new FatalError('migrate: no current schema (the first schema on search_path does not exist); create it first', {});
    await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [LOCK_KEY, schema]);
    locked = true;
    await client.query(CREATE_TABLE);
    const applied = new Map((await readApplied(client))!.map((r) => [r.version, r]));

    for (const f of files) {
      const done = applied.get(f.version);
      if (done && done.checksum !== f.checksum) {
        throw new FatalError(
          `migration ${f.name} was applied on ${done.applied_at.toISOString()} but its file has changed since ` +
            `(checksum ${done.checksum.slice(0, 12)}… in the database, ${f.checksum.slice(0, 12)}… on disk). ` +
            'Never edit an applied migration: restore the file and add a new migration.',
          { version: f.version, name: f.name, schema },
        );
      }
    }
    for (const v of applied.keys()) {
      if (!files.some((f) => f.version === v)) log.warn({ version: v, schema }, 'migrate: the database has a migration this code does not know (newer code ran here?)');
    }

    const ran: string[] = [];
    for (const f of files) {
      if (applied.has(f.version)) continue;
      await includeExtensionSchema(client);
      const record = (): Promise<unknown> =>
        client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [f.version, f.name, f.checksum]);
      try {
        if (f.transaction) {
          await client.query('BEGIN');
          try {
            await client.query(f.sql);
            await record();
            await client.query('COMMIT');
          } catch (err) {
            await client.query('ROLLBACK').catch((e: Error) => (broken = e));
            throw err;
          }
        } else {
          for (const stmt of splitStatements(f.sql)) await client.query(stmt);
          await record();
        }
      } catch (err) {
        if (err instanceof FatalError) throw err;
        throw new FatalError(`migration ${f.name} failed and was rolled back: ${describe(err)}`, { version: f.version, name: f.name, schema }, { cause: err });
      }
      log.info({ migration: f.name, schema }, 'migration applied');
      ran.push(f.name);
    }
    return { applied: ran, timescale: await hasTimescale(client) };
  } catch (err) {
    if (!(err instanceof FatalError)) broken = err as Error;
    throw err;
  } finally {
    if (!broken) {
      try {
        if (locked) await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_KEY, schema]);
        if (originalPath !== undefined) await client.query(`SELECT set_config('search_path', $1, false)`, [originalPath]);
      } catch (e) {
        broken = e as Error;
      }
    }
    // a connection in an unknown state is destroyed rather than returned to the pool
    client.release(broken);
  }
}

/** Every known migration, with whether (and when) it was applied. Does not change the database. */
export async function migrationStatus(pool: pg.Pool, opts: MigrateOptions = {}): Promise<MigrationStatus[]> {
  const files = loadMigrations(opts.dir);
  const applied = new Map(((await readApplied(pool)) ?? []).map((r) => [r.version, r]));
  const out: MigrationStatus[] = files.map((f) => {
    const a = applied.get(f.version);
    return a ? { version: f.version, name: f.name, applied: true, appliedAt: a.applied_at, checksumOk: a.checksum === f.checksum } : { version: f.version, name: f.name, applied: false };
  });
  for (const a of applied.values()) {
    if (!files.some((f) => f.version === a.version)) out.push({ version: a.version, name: a.name, applied: true, appliedAt: a.applied_at });
  }
  return out.sort((a, b) => a.version - b.version);
}
