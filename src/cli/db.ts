/**
 * `arbstream db migrate` applies pending migrations; `arbstream db status` lists them.
 * Both use the configured database (DATABASE_URL, or the embedded TimescaleDB).
 */
import type { Command } from 'commander';
import { migrate, migrationStatus, redactUrl, type Db } from '../store/db/index.js';
import { dbAction } from './withDb.js';
import { textTable } from '../textTable.js';

/** Which database, and whether TimescaleDB is on. */
function header(db: Db, timescale: string): void {
  console.log(`database: ${db.mode} ${redactUrl(db.url)}`);
  console.log(`timescaledb: ${timescale}`);
}

async function migrateCommand(db: Db): Promise<void> {
  const res = await migrate(db.pool);
  header(db, res.timescale ? 'yes' : 'no (plain PostgreSQL)');
  if (res.applied.length === 0) console.log('up to date: no migration to apply');
  else for (const name of res.applied) console.log(`applied ${name}`);
}

async function statusCommand(db: Db): Promise<void> {
  const rows = await migrationStatus(db.pool);
  header(db, db.timescale ? 'yes' : 'no');
  const state = (r: (typeof rows)[number]) => (!r.applied ? 'pending' : r.checksumOk === false ? 'CHANGED' : 'applied');
  console.log(textTable(['migration', 'state', 'applied at'], rows.map((r) => [r.name, state(r), r.appliedAt?.toISOString() ?? ''])).join('\n'));
  const changed = rows.filter((r) => r.checksumOk === false);
  if (changed.length) {
    console.log(`\n${changed.length} applied migration file(s) changed since they were applied; \`db migrate\` will refuse to run.`);
    process.exitCode = 1;
  }
}

export function register(program: Command): void {
  const cmd = program.command('db').description('database: migrations and status');
  const commands: readonly [name: string, description: string, run: (db: Db) => Promise<void>][] = [
    ['migrate', 'apply pending schema migrations (safe to run twice, and concurrently)', migrateCommand],
    ['status', 'list migrations and whether each is applied', statusCommand],
  ];
  // both open the database without migrating it
  for (const [name, description, run] of commands) cmd.command(name).description(description).action(dbAction(run, { migrate: false }));
}
