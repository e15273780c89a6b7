/**
 * The fake Discord speaks enough of the protocol for a real discord.js Client: gateway handshake
 * (HELLO → IDENTIFY → READY → GUILD_CREATE), heartbeats, REST with the bot token, and
 * INTERACTION_CREATE becoming a ChatInputCommandInteraction.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Client, Events, GatewayIntentBits, type ChatInputCommandInteraction } from 'discord.js';
import { FakeDiscord, snowflake } from './fakeDiscord.js';

const TOKEN = 'fake-token-' + 'x'.repeat(20);

describe('fake discord', () => {
  let fake: FakeDiscord | undefined;
  let client: Client | undefined;
  afterEach(async () => {
    await client?.destroy();
    await fake?.stop();
    client = undefined;
    fake = undefined;
  });

  it('lets a discord.js client log in, receive a slash command and reply', async () => {
    const channel = snowflake();
    const role = snowflake();
    fake = await FakeDiscord.start({ token: TOKEN, channelIds: [channel], roleIds: [role] });
    client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
    const ready = new Promise<void>((r) => client!.once(Events.ClientReady, () => r()));
    await client.login(TOKEN);
    await ready;

    expect(client.user?.id).toBe(fake.botUser.id);
    expect(client.application?.id).toBe(fake.applicationId);
    expect(client.guilds.cache.get(fake.guildId)?.roles.cache.has(role)).toBe(true);
    const identify = fake.gatewayReceived.find((p) => p.op === 2);
    expect((identify?.d as { token: string }).token).toBe(TOKEN);
    expect(fake.find('GET', '/gateway/bot')[0]?.authorization).toBe(`Bot ${TOKEN}`);

    const got = new Promise<ChatInputCommandInteraction>((resolve) =>
      client!.on(Events.InteractionCreate, (i) => {
        if (i.isChatInputCommand()) resolve(i);
      }),
    );
    const { id, token } = fake.interaction({ command: 'ping', options: { what: 'x' }, channelId: channel, roleIds: [role] });
    const interaction = await got;
    expect(interaction.commandName).toBe('ping');
    expect(interaction.channelId).toBe(channel);
    expect(interaction.options.getString('what')).toBe('x');
    await interaction.deferReply();
    await interaction.editReply({ content: 'pong' });
    expect(fake.replyTo(id, token)).toMatchObject({ content: 'pong', deferred: true });

    const sent = await client.rest.post(`/channels/${channel}/messages`, { body: { content: 'hello' } });
    expect(sent).toMatchObject({ content: 'hello', channel_id: channel });
    expect(fake.channelMessages(channel)).toEqual([{ content: 'hello' }]);
  });

  it('rejects a wrong token at the REST gateway lookup', async () => {
    fake = await FakeDiscord.start({ token: TOKEN, channelIds: [], roleIds: [] });
    client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
    await expect(client.login('wrong-token-abcdefghijklmnop')).rejects.toThrow(/token/i);
  });
});
