/**
 * `arbstream bot` runs the Discord bot standalone: config, database (migrated), the live event
 * bus (Redis pub/sub when REDIS_URL is set, so it sees the pipeline's edges, feed states and
 * kill switch flips), alerts and slash commands. Ctrl-C stops it cleanly.
 */
import type { Command } from 'commander';
import { createLiveEvents } from '../api/events.js';
import { alertsFromLive } from '../bot/alerts.js';
import { startBot } from '../bot/bot.js';
import { loadConfig } from '../config.js';
import { FatalError } from '../errors.js';
import { log } from '../log.js';
import { openDb } from '../store/db/index.js';

export function register(program: Command): void {
  program
    .command('bot')
    .description('run the Discord bot (alerts + slash commands) on its own')
    .option('--guild <ids>', 'register the slash commands in these guilds (comma-separated; default: globally)')
    .action(async (opts: { guild?: string }) => {
      const cfg = loadConfig();
      if (!cfg.discord.enabled) throw new FatalError('the Discord bot is disabled: set DISCORD_ENABLED=true, DISCORD_TOKEN and DISCORD_ALERT_CHANNEL_ID');
      if (cfg.redis.mode === 'memory') log.warn('bot: no REDIS_URL: the bot only sees events of this process (none); alerts need the pipeline on Redis');
      const db = await openDb(cfg.db);
      const live = await createLiveEvents(cfg);
      let bot: Awaited<ReturnType<typeof startBot>> | undefined;
      try {
        bot = await startBot({
          config: cfg.discord,
          pool: db.pool,
          alerts$: alertsFromLive(live, { minProfitMicros: cfg.discord.alertMinProfitMicros }),
          riskControl: {
            setKillSwitch: (on, by) => live.events.publishKillSwitch(on, by),
            setPairStatus: (pairId, status, by) => live.events.publishPairStatus({ pairId, status, by }),
          },
          guildIds: opts.guild?.split(',').map((s) => s.trim()).filter(Boolean),
        });
      } catch (err) {
        await live.close();
        await db.close();
        throw err;
      }
      console.log(`discord bot running as ${bot.client.user?.tag ?? '?'} (database: ${db.mode}); Ctrl-C to stop`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      await bot.stop();
      await live.close();
      await db.close();
    });
}
