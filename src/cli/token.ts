/**
 * `arbstream token create --name <n> --role viewer|operator|admin` prints a new API token (once);
 * `arbstream token revoke <name>`; `arbstream token list` (names, roles, dates; never secrets).
 */
import { Option, type Command } from 'commander';
import { dbAction } from './withDb.js';
import { textTable } from '../textTable.js';
import { createToken, listTokens, revokeToken, Role } from '../api/auth.js';

export function register(program: Command): void {
  const cmd = program.command('token').description('API tokens (GraphQL API and dashboard)');

  cmd
    .command('create')
    .description('create a token and print it (shown once; only its hash is stored)')
    .requiredOption('--name <name>', 'unique name, recorded in the audit log')
    // commander rejects a role outside Role before the database opens
    .addOption(new Option('--role <role>', Role.options.join(' | ')).choices(Role.options).default('viewer'))
    .action(dbAction(async (db, _cfg, opts: { name: string; role: Role }) => {
      const t = await createToken(db.pool, { name: opts.name, role: opts.role });
      console.log(`created token "${t.name}" (${t.role}). Store it now, it is not shown again:`);
      console.log(t.token);
    }));

  cmd
    .command('revoke <name>')
    .description('revoke a token: refused from the next request on')
    .action(dbAction(async (db, _cfg, name: string) => {
      if (!(await revokeToken(db.pool, name))) {
        console.error(`no active token named "${name}"`);
        process.exitCode = 1;
        return;
      }
      console.log(`revoked "${name}"`);
    }));

  cmd
    .command('list')
    .description('list tokens (name, role, created, revoked)')
    .action(dbAction(async (db) => {
      const rows = await listTokens(db.pool);
      if (!rows.length) return console.log('no tokens; create one with: arbstream token create --name you --role operator');
      console.log(textTable(['name', 'role', 'created', 'revoked'], rows.map((r) => [r.name, r.role, r.createdAt.toISOString(), r.revokedAt?.toISOString() ?? ''])).join('\n'));
    }));
}
