/**
 * `arbstream db migrate` applies pending migrations; `arbstream db status` lists them.
 * Both use the configured database (DATABASE_URL, or the embedded TimescaleDB).
 */
import type { Command } from 'commander';
import { migrate, migrationStatus, redactUrl, type Db } from '../store/db/index.js';
import { withDb } from './withDb.js';
import { textTable } from '../textTable.js';

function header(db: Db): string {
  return `database: ${db.mode} ${redactUrl(db.url)}`;
}

export function register(program: Command): void {
  const cmd = program.command('db').description('database: migrations and status');

  cmd
    .command('migrate')
    .description('apply pending schema migrations (safe to run twice, and concurrently)')
    .action(async () => {
      await withDb(async (db) => {
        const res = await migrate(db.pool);
        console.log(header(db));
        console.log(`timescaledb: ${res.timescale ? 'yes' : 'no (plain PostgreSQL)'}`);
        if (res.applied.length === 0) console.log('up to date: no migration to apply');
        else for (const name of res.applied) console.log(`applied ${name}`);
      }, { migrate: false });
    });

  cmd
    .command('status')
    .description('list migrations and whether each is applied')
    .action(async () => {
      await withDb(async (db) => {
        const rows = await migrationStatus(db.pool);
        console.log(header(db));
        console.log(`timescaledb: ${db.timescale ? 'yes' : 'no'}`);
        const state = (r: (typeof rows)[number]) => (!r.applied ? 'pending' : r.checksumOk === false ? 'CHANGED' : 'applied');
        console.log(textTable(['migration', 'state', 'applied at'], rows.map((r) => [r.name, state(r), r.appliedAt?.toISOString() ?? ''])).join('\n'));
        const changed = rows.filter((r) => r.checksumOk === false);
        if (changed.length) {
          console.log(`\n${changed.length} applied migration file(s) changed since they were applied; \`db migrate\` will refuse to run.`);
          process.exitCode = 1;
        }
      }, { migrate: false });
    });
}
