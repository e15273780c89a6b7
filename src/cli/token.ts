/**
 * `arbstream token create --name <n> --role viewer|operator|admin` prints a new API token (once);
 * `arbstream token revoke <name>`; `arbstream token list` (names, roles, dates; never secrets).
 */
import type { Command } from 'commander';
import { withDb } from './withDb.js';
import { textTable } from '../textTable.js';
import { createToken, listTokens, revokeToken, Role } from '../api/auth.js';

export function register(program: Command): void {
  const cmd = program.command('token').description('API tokens (GraphQL API and dashboard)');

  cmd
    .command('create')
    .description('create a token and print it (shown once; only its hash is stored)')
    .requiredOption('--name <name>', 'unique name, recorded in the audit log')
    .option('--role <role>', 'viewer | operator | admin', 'viewer')
    .action(async (opts: { name: string; role: string }) => {
      const role = Role.safeParse(opts.role);
      if (!role.success) throw new Error(`--role must be viewer, operator or admin (got "${opts.role}")`);
      await withDb(async (db) => {
        const t = await createToken(db.pool, { name: opts.name, role: role.data });
        console.log(`created token "${t.name}" (${t.role}). Store it now, it is not shown again:`);
        console.log(t.token);
      });
    });

  cmd
    .command('revoke <name>')
    .description('revoke a token: refused from the next request on')
    .action(async (name: string) => {
      await withDb(async (db) => {
        if (!(await revokeToken(db.pool, name))) {
          console.error(`no active token named "${name}"`);
          process.exitCode = 1;
          return;
        }
        console.log(`revoked "${name}"`);
      });
    });

  cmd
    .command('list')
    .description('list tokens (name, role, created, revoked)')
    .action(async () => {
      await withDb(async (db) => {
        const rows = await listTokens(db.pool);
        if (!rows.length) return console.log('no tokens; create one with: arbstream token create --name you --role operator');
        console.log(textTable(['name', 'role', 'created', 'revoked'], rows.map((r) => [r.name, r.role, r.createdAt.toISOString(), r.revokedAt?.toISOString() ?? ''])).join('\n'));
      });
    });
}
