/**
 * DISCORD_GUILD_ID: the bot registers its slash commands in those guilds (instant) instead of
 * globally (real discord.js client against the fake Discord).
 */
import { pgGate } from '../helpers/gates.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NEVER } from 'rxjs';
import { loadConfig } from '../../src/config.js';
import { startBot, type BotHandle } from '../../src/bot/bot.js';
import { FakeDiscord, snowflake } from './fakeDiscord.js';
import { pgTestPool, type PgTestDb } from '../helpers/db.js';

const TOKEN = 'MTest.discord-token.' + 'G'.repeat(40);
const needsPg = await pgGate();

needsPg.describe('discord bot: guild-scoped commands (DISCORD_GUILD_ID)', () => {
  let db: PgTestDb;
  let fake: FakeDiscord;
  let bot: BotHandle;
  const alertCh = snowflake();
  const guildA = snowflake();
  const guildB = snowflake();

  beforeAll(async () => {
    db = await pgTestPool({ migrate: true });
    fake = await FakeDiscord.start({ token: TOKEN, channelIds: [alertCh], roleIds: [] });
    const cfg = loadConfig({ DISCORD_ENABLED: 'true', DISCORD_TOKEN: TOKEN, DISCORD_ALERT_CHANNEL_ID: alertCh, DISCORD_API_URL: fake.apiUrl, DISCORD_GUILD_ID: `${guildA}, ${guildB}` });
    expect(cfg.discord.guildIds).toEqual([guildA, guildB]);
    bot = await startBot({ config: cfg.discord, pool: db.pool, alerts$: NEVER });
  });
  afterAll(async () => {
    await bot?.stop();
    await fake?.stop();
    await db?.drop();
  });

  it('registers the commands in each configured guild and not globally', () => {
    expect(fake.find('PUT', /^\/applications\/\d+\/commands$/)).toHaveLength(0);
    const put = fake.find('PUT', /^\/applications\/\d+\/guilds\/\d+\/commands$/);
    expect(put.map((p) => /guilds\/(\d+)\//.exec(p.path)?.[1])).toEqual([guildA, guildB]);
    expect((put[0]!.body as { name: string }[]).map((c) => c.name)).toContain('kill');
  });
});
