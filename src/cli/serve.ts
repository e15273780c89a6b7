/**
 * `arbstream serve`: the GraphQL API, graphql-ws, GraphiQL and the dashboard, standalone (reads
 * the database and the live events; the pipeline publishes into the same Redis when
 * REDIS_URL is set; without Redis only events published in this process are seen).
 */
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { log } from '../log.js';
import { openDb } from '../store/db/index.js';
import { createLiveEvents } from '../api/events.js';
import { startApiServer } from '../api/server.js';
import { register as registerToken } from './token.js';

/** Registers `serve` and the `token` commands (one line in src/cli/index.ts). */
export function register(program: Command): void {
  registerToken(program);
  program
    .command('serve')
    .description('serve the GraphQL API (/graphql, GraphiQL, graphql-ws) and the dashboard (/)')
    .option('--host <host>', 'listen address (default API_HOST)')
    .option('--port <port>', 'port (default API_PORT)')
    .action(async (opts: { host?: string; port?: string }) => {
      const config = loadConfig();
      const port = opts.port === undefined ? undefined : Number(opts.port);
      if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new Error('--port must be 0..65535');
      const db = await openDb(config.db);
      const live = await createLiveEvents(config);
      const api = await startApiServer({ config, pool: db.pool, events: live, ...(opts.host ? { host: opts.host } : {}), ...(port !== undefined ? { port } : {}) });
      console.log(`arbstream API on ${api.url}  (dashboard ${api.url}/, GraphiQL ${api.url}/graphql, live events: ${live.mode})`);
      await new Promise<void>((resolve) => {
        const stop = (): void => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      log.info('api: shutting down');
      await api.close();
      await live.close();
      await db.close();
    });
}
