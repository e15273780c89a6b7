/**
 * `arbstream bot` runs the Discord bot standalone: config, database, where its alerts come from,
 * alerts and slash commands. Ctrl-C stops it cleanly.
 *
 * Alerts, in every deployment mode:
 *   - with REDIS_URL: the live event bus over Redis pub/sub (the pipeline's edges, feed states,
 *     kill switch flips), as every process of the deployment sees it;
 *   - without (the embedded default): the running app's GraphQL API over graphql-ws
 *     (src/bot/apiSource.ts; BOT_API_URL, BOT_API_TOKEN of an operator token), since an
 *     in-process bus is not shared. The app must be running: the bot stops with a FatalError
 *     naming the URL when it is not. /kill and /approve then also go through the API's
 *     mutations so that the app's pipeline hears them.
 *
 * Slash commands: through the API as well when the alerts come from it (the app's embedded
 * database serves ONE connection its pipeline keeps busy: a second process would wait for it
 * indefinitely); with Redis from the database: DATABASE_URL, or the embedded TimescaleDB the
 * running app serves on EMBEDDED_DB_HOST:EMBEDDED_DB_PORT (opened here when nobody serves it).
 */
import type { Command } from 'commander';
import type pg from 'pg';
import { createLiveEvents, type LiveEventsHandle } from '../api/events.js';
import { alertsFromLive } from '../bot/alerts.js';
import { createApiCommands, createApiSource, type ApiSource } from '../bot/apiSource.js';
import { startBot, type RiskControl } from '../bot/bot.js';
import { loadConfig, type Config } from '../config.js';
import { FatalError } from '../errors.js';
import { log } from '../log.js';
import { createPool, openDb } from '../store/db/index.js';

interface BotDb {
  readonly pool: pg.Pool;
  readonly mode: string;
  close(): Promise<void>;
}

const errText = (e: unknown): string => {
  const code = (e as { code?: unknown } | undefined)?.code;
  const msg = e instanceof Error ? e.message : String(e);
  return typeof code === 'string' && !msg.includes(code) ? `${code}: ${msg}` : msg;
};

/**
 * The database for the bot. Embedded: the running app's server at EMBEDDED_DB_HOST:PORT; when
 * nobody serves it and the bot does not need the app (Redis bus), the bot opens it itself.
 */
async function openBotDb(cfg: Config, needsApp: boolean): Promise<BotDb> {
  if (cfg.db.mode === 'server') return openDb(cfg.db);
  const { host, port } = cfg.db;
  if (port === 0) {
    if (needsApp) throw new FatalError('bot: EMBEDDED_DB_PORT=0 makes the running app serve its embedded database on a random port the bot cannot find: set a fixed EMBEDDED_DB_PORT for both (default 54329), or DATABASE_URL');
    return openDb(cfg.db);
  }
  const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const url = `postgres://postgres@${h.includes(':') ? `[${h}]` : h}:${port}/postgres`;
  // one connection, given back quickly: PGlite serves one client at a time, the app's pool included
  const pool = createPool({ connectionString: url, max: 1, idleTimeoutMillis: 200, connectionTimeoutMillis: 60_000 });
  if (needsApp) {
    // the app is running (its API answered) and its pipeline keeps the one connection busy: a
    // startup query could wait a minute; connect on the first command instead
    log.warn({ url }, 'bot: slash commands use the running app\'s embedded database, one connection its pipeline keeps busy: they may time out (DATABASE_URL avoids this)');
    return { pool, mode: `embedded, served by the running app at ${h}:${port}`, close: () => pool.end() };
  }
  try {
    await pool.query('SELECT 1 FROM schema_migrations LIMIT 1');
    log.info({ url }, 'bot: using the running app\'s embedded database');
    return { pool, mode: `embedded, served by the running app at ${h}:${port}`, close: () => pool.end() };
  } catch (err) {
    await pool.end().catch(() => undefined);
    if ((err as { code?: unknown }).code === 'ECONNREFUSED') return openDb(cfg.db);
    throw new FatalError(
      `bot: cannot use the embedded database the running app serves at ${h}:${port} (${errText(err)}): start the app first (\`npm start\`, or \`arbstream pipeline\`) ` +
        'with the same EMBEDDED_DB_HOST / EMBEDDED_DB_PORT, or set DATABASE_URL for both',
      { host: h, port },
      { cause: err },
    );
  }
}

export function register(program: Command): void {
  program
    .command('bot')
    .description('run the Discord bot (alerts + slash commands) on its own')
    .option('--guild <ids>', 'register the slash commands in these guilds (comma-separated; default: globally)')
    .action(async (opts: { guild?: string }) => {
      const cfg = loadConfig();
      if (!cfg.discord.enabled) throw new FatalError('the Discord bot is disabled: set DISCORD_ENABLED=true, DISCORD_TOKEN and DISCORD_ALERT_CHANNEL_ID');

      // no Redis: the pipeline's bus lives in the app's process; take the events from its API
      let api: ApiSource | undefined;
      if (cfg.redis.mode === 'memory') {
        const { url, token } = cfg.discord.botApi;
        if (!token) {
          throw new FatalError(
            `bot: without REDIS_URL the standalone bot takes its alerts from the running app's API (${url}): set BOT_API_TOKEN to an operator token ` +
              '(the demo prints one; or `arbstream token create --name discord-bot --role operator`), and BOT_API_URL if the API is elsewhere; or set REDIS_URL for both',
          );
        }
        api = createApiSource({ url, token, minProfitMicros: cfg.discord.alertMinProfitMicros });
        const me = await api.check();
        log.info({ url, token: me.name, role: me.role }, 'bot: alerts from the running app\'s API (graphql-ws)');
      }

      // through the API the bot needs no database (its commands are answered by the API too)
      const db = api ? undefined : await openBotDb(cfg, false);
      let live: LiveEventsHandle | undefined;
      let bot: Awaited<ReturnType<typeof startBot>> | undefined;
      try {
        let alerts$;
        let riskControl: RiskControl;
        if (api) {
          const a = api;
          alerts$ = a.alerts$;
          // the control layer has written and audited the decision (as discord:<user>); the API
          // mutation makes the app publish it on its bus (recorded again as api:<token name>)
          riskControl = {
            setKillSwitch: async (on) => {
              await a.setKillSwitch(on);
            },
            setPairStatus: async (pairId) => {
              await a.approvePair(pairId);
            },
          };
        } else {
          const l = (live = await createLiveEvents(cfg));
          alerts$ = alertsFromLive(l, { minProfitMicros: cfg.discord.alertMinProfitMicros });
          riskControl = {
            setKillSwitch: (on, by) => l.events.publishKillSwitch(on, by),
            setPairStatus: (pairId, status, by) => l.events.publishPairStatus({ pairId, status, by }),
          };
        }
        bot = await startBot({
          config: cfg.discord,
          ...(db ? { pool: db.pool } : {}),
          ...(api ? { commands: createApiCommands(api) } : {}),
          alerts$,
          riskControl,
          guildIds: opts.guild?.split(',').map((s) => s.trim()).filter(Boolean),
        });
      } catch (err) {
        await live?.close();
        await db?.close();
        throw err;
      }
      const from = api ? `alerts from the API at ${api.url}` : 'alerts from the Redis bus';
      console.log(`discord bot running as ${bot.client.user?.tag ?? '?'} (${from}; ${db ? `database: ${db.mode}` : 'commands through the API'}); Ctrl-C to stop`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await bot.stop();
      await live?.close();
      await db?.close();
    });
}
