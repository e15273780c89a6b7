/**
 * The Discord bot: alerts to the alert channel (validated, deduplicated, rate-limited with
 * summaries) and slash commands answered from the database.
 *
 *   const bot = await startBot({ config: cfg.discord, pool: db.pool, alerts$, riskControl });
 *   ...
 *   await bot.stop();
 *
 * Every outgoing text goes through `scrub()` (registered secrets → [REDACTED]) and is sent with
 * mentions disabled, so hostile market text can neither leak a key nor ping @everyone.
 * Refused commands are answered ephemerally with the reason, logged and counted; refused
 * operator commands are also written to audit_log.
 *
 * Where the bot runs (and so where its alerts come from):
 *   - embedded default (no REDIS_URL): inside the main process. `arbstream start` and
 *     `arbstream demo` start it with the API (src/app/serve.ts) when DISCORD_ENABLED=true, on the
 *     same in-process LiveEvents bus the pipeline publishes to: nothing else is needed.
 *   - with Redis: also standalone, `arbstream bot`, reading the live bus over Redis pub/sub.
 *   - standalone without Redis: `arbstream bot` takes alerts from the running app's API over
 *     graphql-ws and answers commands through it (src/bot/apiSource.ts; `commands` below).
 * Slash commands are registered globally (up to an hour to appear) unless DISCORD_GUILD_ID
 * names guilds (instant, per guild) or `guildIds` is passed.
 */
import { randomUUID } from 'node:crypto';
import { Client, Events, GatewayIntentBits, MessageFlags, Routes, type ChatInputCommandInteraction, type Interaction } from 'discord.js';
import type pg from 'pg';
import { Observable, concatMap, type Subscription } from 'rxjs';
import type { Config } from '../config.js';
import type { ControlEvents } from '../control/events.js';
import { FatalError } from '../errors.js';
import { log, registerSecret, scrub } from '../log.js';
import { AlertEvent, formatAlert } from './alerts.js';
import {
  CommandArgs, actorOf, approvePair, auditRefusal, authorize, commandDefinitions, edgesReply, pairsReply, positionsReply, setKillSwitch, statusReply,
  type CommandName, type Invoker,
} from './commands.js';
import { formatSummary, newThrottleCounters, throttleAlerts, type OutgoingAlert, type ThrottleAlertsConfig, type ThrottleCounters } from './throttleAlerts.js';

/** Tells the running pipeline about a change made from Discord (e.g. LiveEvents.publishKillSwitch). */
export interface RiskControl {
  setKillSwitch(on: boolean, by: string): void | Promise<void>;
  setPairStatus?(pairId: string, status: 'approved', by: string): void | Promise<void>;
}

export type BotConfig = Pick<Config['discord'], 'token' | 'applicationId' | 'alertChannelId' | 'commandChannelIds' | 'operatorRoleIds' | 'apiUrl'> &
  Partial<Pick<Config['discord'], 'guildIds'>>;

/**
 * Command replies answered elsewhere than the database: the standalone bot on the embedded
 * default asks the running app's API (src/bot/apiSource.ts createApiCommands), since the app's
 * embedded database serves one connection that its pipeline keeps busy.
 */
export interface CommandSource {
  edges(args: { pair?: string | null; limit?: number | null }): Promise<string>;
  pairs(args: { status?: 'pending' | 'approved' | 'rejected' | null }): Promise<string>;
  status(): Promise<string>;
  positions(args: { pair?: string | null }): Promise<string>;
  kill(on: boolean, who: Invoker, reason?: string | null): Promise<string>;
  approve(pairId: string, who: Invoker): Promise<{ text: string; approved: boolean }>;
}

export interface StartBotOptions {
  readonly config: BotConfig;
  /** the database the commands read and write (and refusals are audited in); optional with `commands` */
  readonly pool?: pg.Pool;
  /** answer the commands from here instead of `pool` (the control layer is then the source's: e.g. the API's mutations) */
  readonly commands?: CommandSource;
  /** Alert events (unknown input: each is validated). */
  readonly alerts$: Observable<unknown>;
  readonly riskControl?: RiskControl;
  /** Register commands in these guilds (instant); default: config.guildIds (DISCORD_GUILD_ID), else globally. */
  readonly guildIds?: readonly string[];
  /** Dedup/rate-limit settings (default: dedup 5 min, burst 5, one more every 12 s). */
  readonly throttle?: Partial<ThrottleAlertsConfig>;
  /** Gives up logging in after this long (default 30 s). */
  readonly loginTimeoutMs?: number;
}

export interface BotCounters {
  alertsInvalid: number;
  alertsSent: number;
  alertSendErrors: number;
  commands: number;
  commandsRefused: number;
  commandErrors: number;
  readonly throttle: ThrottleCounters;
}

export interface BotHandle {
  readonly client: Client;
  readonly counters: Readonly<BotCounters>;
  /** Resolves when every alert received so far has been sent (or failed). */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

const DEFAULT_THROTTLE = { dedupWindowMs: 5 * 60_000, burst: 5, refillEveryMs: 12_000 };

function rolesOf(i: ChatInputCommandInteraction): string[] {
  const m = i.member;
  if (!m) return [];
  if (Array.isArray(m.roles)) return [...(m.roles as string[])];
  return [...(m.roles as { cache: Map<string, unknown> }).cache.keys()];
}

/** Logs in, registers the slash commands, and starts sending alerts. Throws FatalError when it cannot. */
export async function startBot(opts: StartBotOptions): Promise<BotHandle> {
  const { config, pool, commands: source } = opts;
  if (!pool && !source) throw new FatalError('discord: startBot needs a database pool or a command source');
  if (!config.token) throw new FatalError('discord: DISCORD_TOKEN is required to start the bot');
  if (!config.alertChannelId) throw new FatalError('discord: DISCORD_ALERT_CHANNEL_ID is required to start the bot');
  registerSecret(config.token);
  const alertChannelId = config.alertChannelId;
  const policy = { commandChannelIds: config.commandChannelIds, operatorRoleIds: config.operatorRoleIds };
  if (policy.commandChannelIds.length === 0) log.warn('discord: DISCORD_COMMAND_CHANNEL_IDS is empty: every command will be refused');
  if (policy.operatorRoleIds.length === 0) log.warn('discord: DISCORD_OPERATOR_ROLE_IDS is empty: nobody may use /kill or /approve');

  const counters: BotCounters = { alertsInvalid: 0, alertsSent: 0, alertSendErrors: 0, commands: 0, commandsRefused: 0, commandErrors: 0, throttle: newThrottleCounters() };
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    rest: config.apiUrl ? { api: config.apiUrl } : {},
    allowedMentions: { parse: [] },
  });
  client.on(Events.Error, (err) => log.warn({ err }, 'discord: client error'));
  client.on(Events.ShardError, (err) => log.warn({ err }, 'discord: gateway error'));

  const send = async (content: string): Promise<void> => {
    await client.rest.post(Routes.channelMessages(alertChannelId), { body: { content: scrub(content), allowed_mentions: { parse: [] } } });
  };

  // ── commands ───────────────────────────────────────────────────────────────────────────────
  // what the control layer tells the running pipeline after a decision from Discord
  const rc = opts.riskControl;
  const events: ControlEvents = {
    publishKillSwitch: (on, by) => rc?.setKillSwitch(on, by),
    publishPairStatus: (e) => (e.status === 'approved' ? rc?.setPairStatus?.(e.pairId, 'approved', e.by) : undefined),
  };
  const inFlight = new Set<Promise<void>>();
  const track = (p: Promise<void>): void => {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  async function handle(i: ChatInputCommandInteraction): Promise<void> {
    counters.commands++;
    const who: Invoker = { userId: i.user.id, username: i.user.username, channelId: i.channelId, roleIds: rolesOf(i) };
    const command = i.commandName;
    const rawArgs = Object.fromEntries(i.options.data.map((o) => [o.name, o.value ?? null]));
    const auth = authorize(command, who, policy);
    if (!auth.ok) {
      counters.commandsRefused++;
      log.warn({ command, args: rawArgs, user: actorOf(who), channelId: who.channelId, roles: who.roleIds, reason: auth.reason }, 'discord command refused');
      await i.reply({ content: scrub(`⛔ Refused: ${auth.reason}.`), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
      if (pool && (command === 'kill' || command === 'approve')) {
        await auditRefusal(pool, who, command, rawArgs, auth.reason).catch((err: unknown) => log.warn({ err }, 'discord: audit of a refusal failed'));
      }
      return;
    }
    const parsed = CommandArgs[command as CommandName].safeParse(rawArgs);
    if (!parsed.success) {
      counters.commandsRefused++;
      log.warn({ command, args: rawArgs, user: actorOf(who), issues: parsed.error.issues }, 'discord command rejected: bad arguments');
      await i.reply({ content: scrub(`⛔ Bad arguments: ${parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
      return;
    }
    await i.deferReply();
    let text: string;
    try {
      switch (command as CommandName) {
        case 'edges':
          text = source ? await source.edges(CommandArgs.edges.parse(rawArgs)) : await edgesReply(pool!, CommandArgs.edges.parse(rawArgs));
          break;
        case 'pairs':
          text = source ? await source.pairs(CommandArgs.pairs.parse(rawArgs)) : await pairsReply(pool!, CommandArgs.pairs.parse(rawArgs));
          break;
        case 'status':
          text = source ? await source.status() : await statusReply(pool!);
          break;
        case 'positions':
          text = source ? await source.positions(CommandArgs.positions.parse(rawArgs)) : await positionsReply(pool!, CommandArgs.positions.parse(rawArgs));
          break;
        case 'kill': {
          const a = CommandArgs.kill.parse(rawArgs);
          text = source ? await source.kill(a.state === 'on', who, a.reason) : await setKillSwitch(pool!, a.state === 'on', who, a.reason, events);
          break;
        }
        case 'approve': {
          const a = CommandArgs.approve.parse(rawArgs);
          text = (source ? await source.approve(a.pair_id, who) : await approvePair(pool!, a.pair_id, who, events)).text;
          break;
        }
      }
    } catch (err) {
      counters.commandErrors++;
      const ref = randomUUID().slice(0, 8);
      log.error({ err, command, user: actorOf(who), ref }, 'discord command failed');
      text = `❌ /${command} failed (reference ${ref}; details in the logs).`;
    }
    await i.editReply({ content: scrub(text), allowedMentions: { parse: [] } });
  }

  client.on(Events.InteractionCreate, (i: Interaction) => {
    if (!i.isChatInputCommand()) return;
    track(
      handle(i).catch((err: unknown) => {
        counters.commandErrors++;
        log.error({ err, command: i.commandName }, 'discord: answering a command failed');
      }),
    );
  });

  // ── login, command registration ────────────────────────────────────────────────────────────
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  const loginTimeoutMs = opts.loginTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.login(config.token).then(() => ready),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no READY from the gateway within ${loginTimeoutMs} ms`)), loginTimeoutMs);
      }),
    ]);
    const appId = config.applicationId || client.application?.id;
    if (!appId) throw new Error('no application id (set DISCORD_APPLICATION_ID)');
    const body = commandDefinitions();
    const guildIds = opts.guildIds?.length ? opts.guildIds : (config.guildIds ?? []);
    if (guildIds.length) for (const g of guildIds) await client.rest.put(Routes.applicationGuildCommands(appId, g), { body });
    else await client.rest.put(Routes.applicationCommands(appId), { body });
    log.info({ user: client.user?.tag, commands: body.map((c) => c.name), scope: guildIds.length ? 'guild' : 'global' }, 'discord bot ready');
  } catch (err) {
    await client.destroy().catch(() => undefined);
    throw new FatalError(`discord: cannot start the bot: ${scrub((err as Error).message)}`, {}, { cause: err });
  } finally {
    clearTimeout(timer);
  }

  // ── alerts ─────────────────────────────────────────────────────────────────────────────────
  // drain(): every alert the throttle let out (alerts and summaries) has been sent or has failed
  let drained: (() => void)[] = [];
  const isDrained = (): boolean => counters.throttle.sent + counters.throttle.summaries === counters.alertsSent + counters.alertSendErrors;
  const settle = (): void => {
    if (!isDrained()) return;
    const d = drained;
    drained = [];
    for (const f of d) f();
  };
  const valid$ = new Observable<AlertEvent>((sub) =>
    opts.alerts$.subscribe({
      next: (raw) => {
        const r = AlertEvent.safeParse(raw);
        if (!r.success) {
          counters.alertsInvalid++;
          log.warn({ raw: scrub(JSON.stringify(raw) ?? String(raw)).slice(0, 2000), issues: r.error.issues.slice(0, 5) }, 'alert rejected');
          return;
        }
        sub.next(r.data);
      },
      error: (err: unknown) => sub.error(err),
      complete: () => sub.complete(),
    }),
  );
  const throttle: ThrottleAlertsConfig = { ...DEFAULT_THROTTLE, ...opts.throttle };
  const alertSub: Subscription = valid$
    .pipe(
      throttleAlerts(throttle, counters.throttle),
      concatMap(async (o: OutgoingAlert) => {
        try {
          await send(o.type === 'alert' ? formatAlert(o.alert) : formatSummary(o));
          counters.alertsSent++;
        } catch (err) {
          counters.alertSendErrors++;
          log.error({ err, alert: o.type === 'alert' ? o.alert.kind : 'summary' }, 'discord: sending an alert failed');
        } finally {
          settle();
        }
      }),
    )
    .subscribe({
      error: (err: unknown) => log.error({ err }, 'discord: the alert stream failed; no more alerts'),
      complete: () => log.info('discord: the alert stream completed'),
    });

  let stopped: Promise<void> | null = null;
  return {
    client,
    counters,
    drain: () =>
      new Promise<void>((resolve) => {
        drained.push(resolve);
        settle();
      }).then(() => Promise.all([...inFlight]).then(() => undefined)),
    stop: () =>
      (stopped ??= (async () => {
        alertSub.unsubscribe();
        await Promise.allSettled([...inFlight]);
        await client.destroy();
      })()),
  };
}
