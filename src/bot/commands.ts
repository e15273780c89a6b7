/**
 * The bot's slash commands: their Discord definitions, who may run them, and what they answer,
 * all from the database (reads through src/store/repos). Handlers return plain text; the bot
 * scrubs it and sends it with mentions disabled.
 *
 * Discord is a door to the control layer (src/control): /kill sets the kill switch and /approve
 * approves a pair exactly as the CLI and the API do (human-reviewed, decided_by and the audit row
 * `discord:<username>(<user id>)`); refused attempts are audited too.
 */
import { SlashCommandBuilder, type RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import type pg from 'pg';
import { z } from 'zod';
import { formatScaled } from '../../schema/money.js';
import { actorName, recordAudit, type Actor } from '../control/audit.js';
import type { ControlEvents } from '../control/events.js';
import { approvePair as approvePairControl, UnknownPairError } from '../control/pairs.js';
import { readKillSwitch, setKillSwitch as setKillSwitchControl } from '../control/riskState.js';
import { countPairsByStatus, listPairs } from '../store/repos/pairs.js';
import { edgeStatsSince, pageEdges } from '../store/repos/edges.js';
import { latestFeedHealth } from '../store/repos/feedHealth.js';
import { readPositions, pnlOf, type PositionRecord } from '../api/executionReads.js';
import { textTable } from '../textTable.js';
import { code } from './alerts.js';

export const COMMAND_NAMES = ['edges', 'pairs', 'status', 'kill', 'approve', 'positions'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];
/** Commands that change state: operator role required. */
export const OPERATOR_COMMANDS: ReadonlySet<CommandName> = new Set(['kill', 'approve']);

/** Slash command definitions, as registered through REST. */
export function commandDefinitions(): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  return [
    new SlashCommandBuilder()
      .setName('edges')
      .setDescription('Latest arbitrage edges')
      .addStringOption((o) => o.setName('pair').setDescription('only this pair id').setMaxLength(200))
      .addIntegerOption((o) => o.setName('limit').setDescription('how many (default 10)').setMinValue(1).setMaxValue(25)),
    new SlashCommandBuilder()
      .setName('pairs')
      .setDescription('Matched market pairs')
      .addStringOption((o) =>
        o.setName('status').setDescription('filter by status').addChoices({ name: 'pending', value: 'pending' }, { name: 'approved', value: 'approved' }, { name: 'rejected', value: 'rejected' }),
      ),
    new SlashCommandBuilder().setName('status').setDescription('Kill switch, feeds, edges in the last hour, pairs'),
    new SlashCommandBuilder()
      .setName('kill')
      .setDescription('Turn the kill switch on (no new opportunities pass) or off (operators only)')
      .addStringOption((o) => o.setName('state').setDescription('on or off').setRequired(true).addChoices({ name: 'on', value: 'on' }, { name: 'off', value: 'off' }))
      .addStringOption((o) => o.setName('reason').setDescription('why (kept in the audit log)').setMaxLength(300)),
    new SlashCommandBuilder()
      .setName('approve')
      .setDescription('Approve a matched pair for trading (operators only)')
      .addStringOption((o) => o.setName('pair_id').setDescription('the pair id').setRequired(true).setMaxLength(200)),
    new SlashCommandBuilder()
      .setName('positions')
      .setDescription('Positions and P&L per pair and venue')
      .addStringOption((o) => o.setName('pair').setDescription('only this pair id').setMaxLength(200)),
  ].map((b) => b.toJSON());
}

export interface Invoker {
  readonly userId: string;
  readonly username: string;
  readonly channelId: string | null;
  readonly roleIds: readonly string[];
}

export interface CommandPolicy {
  /** channels where commands are allowed (empty: none) */
  readonly commandChannelIds: readonly string[];
  /** roles allowed to run /kill and /approve (empty: nobody) */
  readonly operatorRoleIds: readonly string[];
}

export type Authorization = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Every command needs an allowed channel; /kill and /approve also need an operator role. Deny by default. */
export function authorize(command: string, who: Invoker, policy: CommandPolicy): Authorization {
  if (!(COMMAND_NAMES as readonly string[]).includes(command)) return { ok: false, reason: `unknown command /${command}` };
  if (!who.channelId || !policy.commandChannelIds.includes(who.channelId)) {
    return { ok: false, reason: 'commands are not allowed in this channel' };
  }
  if (OPERATOR_COMMANDS.has(command as CommandName) && !who.roleIds.some((r) => policy.operatorRoleIds.includes(r))) {
    return { ok: false, reason: `/${command} needs an operator role` };
  }
  return { ok: true };
}

/** The Discord door's actor: `username(user id)`. */
export const discordActor = (who: Pick<Invoker, 'userId' | 'username'>): Actor => ({ door: 'discord', who: `${who.username}(${who.userId})` });
/** How an actor appears in audit_log.token_name, decided_by and kill switch events: `discord:username(id)`. */
export const actorOf = (who: Pick<Invoker, 'userId' | 'username'>): string => actorName(discordActor(who));

/** The control action each operator command asks for (audit_log.action). */
const ACTION_OF: Readonly<Record<string, string>> = { kill: 'setKillSwitch', approve: 'approvePair' };

// ── option validation (the bot's input boundary) ─────────────────────────────────────────────
export const CommandArgs = {
  edges: z.object({ pair: z.string().min(1).max(200).nullish(), limit: z.number().int().min(1).max(25).nullish() }),
  pairs: z.object({ status: z.enum(['pending', 'approved', 'rejected']).nullish() }),
  status: z.object({}),
  kill: z.object({ state: z.enum(['on', 'off']), reason: z.string().max(300).nullish() }),
  approve: z.object({ pair_id: z.string().min(1).max(200) }),
  positions: z.object({ pair: z.string().min(1).max(200).nullish() }),
} as const satisfies Record<CommandName, z.ZodType>;

const MAX_REPLY = 1900;
const usd = (m: number): string => `$${formatScaled(m, 2)}`;
const qty = (q: number): string => formatScaled(q, 0);
const iso = (d: Date): string => d.toISOString().replace('.000Z', 'Z');
function clip(text: string): string {
  return text.length <= MAX_REPLY ? text : text.slice(0, MAX_REPLY - 20) + '\n… (truncated)';
}

/** Records a refused operator attempt (the refusal is also logged by the bot). */
export async function auditRefusal(pool: pg.Pool, who: Invoker, command: string, args: unknown, reason: string): Promise<void> {
  await recordAudit(pool, { actor: discordActor(who), action: ACTION_OF[command] ?? `discord:${command}`, args: { ...(args as object), channelId: who.channelId }, result: `denied: ${reason}` });
}

export async function edgesReply(pool: pg.Pool, args: z.infer<(typeof CommandArgs)['edges']>): Promise<string> {
  const rows = await pageEdges(pool, { pairId: args.pair ?? null, orderBy: 'TS_DESC', limit: args.limit ?? 10 });
  if (rows.length === 0) return args.pair ? `No edges for pair ${code(args.pair)}.` : 'No edges recorded yet.';
  const lines = rows.map((e) => `${iso(e.ts)} ${code(e.pairId, 60)} ${e.direction} size ${qty(e.sizeQty)} · ${usd(e.netEdgePerContractMicros)}/contract · profit **${usd(e.profitMicros)}**`);
  return clip(`**Latest ${rows.length} edge${rows.length === 1 ? '' : 's'}**\n` + lines.join('\n'));
}

/** A leg for chat: `venue id`, long ids (condition ids) shortened. */
const legText = (l: { venue: string; marketId: string }): string => `${l.venue} ${code(l.marketId.length > 24 ? l.marketId.slice(0, 12) + '…' : l.marketId, 60)}`;

export async function pairsReply(pool: pg.Pool, args: z.infer<(typeof CommandArgs)['pairs']>): Promise<string> {
  const rows = await listPairs(pool, { ...(args.status ? { status: args.status } : {}), limit: 20 });
  if (rows.length === 0) return args.status ? `No ${args.status} pairs.` : 'No pairs yet.';
  const lines = rows.map(
    (p) =>
      `${code(p.pairId, 60)} **${p.status}**${p.humanReviewed ? ' (human)' : ''} conf ${p.confidence === null ? '?' : p.confidence.toFixed(2)} · ${p.legs.map(legText).join(' · ')}${p.decidedBy ? ` · by ${code(p.decidedBy, 60)}` : ''}`,
  );
  return clip(`**Pairs${args.status ? ` (${args.status})` : ''}**, newest first\n` + lines.join('\n'));
}

export { readKillSwitch };

export async function statusReply(pool: pg.Pool): Promise<string> {
  const kill = await readKillSwitch(pool);
  const feeds = await latestFeedHealth(pool);
  const e = await edgeStatsSince(pool, 3600);
  const pairs = await countPairsByStatus(pool);
  return clip(
    [
      `**Kill switch**: ${kill.on ? '🛑 ON' : '✅ off'}${kill.by ? ` (by ${code(kill.by, 80)}` + (kill.updatedAt ? ` at ${iso(kill.updatedAt)})` : ')') : ''}`,
      `**Feeds**: ${feeds.length ? feeds.map((f) => `${f.venue} ${f.state} since ${iso(new Date(f.ts))}${f.reason ? ` (${code(f.reason, 80)})` : ''}`).join(' · ') : 'no feed health recorded'}`,
      `**Edges, last hour**: ${e.n}${e.maxProfitMicros !== null ? `, best profit ${usd(e.maxProfitMicros)}` : ''}`,
      `**Pairs**: ${pairs.length ? pairs.map((p) => `${p.n} ${p.status}`).join(', ') : 'none'}`,
    ].join('\n'),
  );
}

const signedUsd = (m: number | null): string => (m === null ? 'n/a' : m < 0 ? `-$${formatScaled(-m, 2)}` : `$${formatScaled(m, 2)}`);
const contracts = (q: number): string => formatScaled(q, 6).replace(/\.?0+$/, '') || '0';

/**
 * Positions and P&L as a fixed-width table in a code block (per pair, each leg's venue, outcome,
 * quantity, cost, realised and unrealised P&L), then the totals. Read from the stored fills
 * (src/api/executionReads.ts), marked at the latest stored best bid.
 */
export async function positionsReply(pool: pg.Pool, args: z.infer<(typeof CommandArgs)['positions']>): Promise<string> {
  const r = await readPositions(pool, undefined);
  const pairs = r.pairs.filter((p) => !args.pair || p.pairId === args.pair);
  const paired = new Set(r.pairs.flatMap((p) => p.legs.map((l) => `${l.venue}|${l.marketId}|${l.outcome}`)));
  const orphans = args.pair ? [] : r.markets.filter((m) => !paired.has(`${m.venue}|${m.marketId}|${m.outcome}`));
  if (pairs.length === 0 && orphans.length === 0) return args.pair ? `No positions for pair ${code(args.pair)}.` : 'No positions yet (no fills recorded).';
  // table cells are inside a code block: backticks replaced, long ids shortened
  const id = (s: string, n = 18): string => (s.length > n ? s.slice(0, n - 1) + '…' : s).replace(/`/g, 'ˋ');
  const row = (pair: string, p: PositionRecord): string[] => [id(pair), p.venue, id(p.marketId), p.outcome.toUpperCase(), contracts(p.qty), signedUsd(p.costMicros), signedUsd(p.realizedPnlMicros), signedUsd(p.unrealizedPnlMicros)];
  const rows = [
    ...pairs.flatMap((p) => [...p.legs.map((l) => row(p.pairId, l)), [`${id(p.pairId)} total`, '', '', '', '', signedUsd(p.costMicros), signedUsd(p.realizedPnlMicros), signedUsd(p.unrealizedPnlMicros)]]),
    ...orphans.map((m) => row('(no execution)', m)),
  ];
  const table = textTable(['pair', 'venue', 'market', 'side', 'qty', 'cost', 'realised', 'unrealised'], rows, { align: ['left', 'left', 'left', 'left', 'right', 'right', 'right', 'right'], rule: '-' });
  const t = pnlOf(r);
  const totals = args.pair
    ? ''
    : `\n**P&L**: realised **${signedUsd(t.realizedPnlMicros)}** · unrealised **${signedUsd(t.unrealizedPnlMicros)}** · fees ${signedUsd(t.feesMicros)} · exposure ${signedUsd(t.exposureMicros)}${t.unknownFills ? ` · ⚠️ ${t.unknownFills} fill(s) of orders no execution sent` : ''}`;
  const head = `**Positions**${args.pair ? ` of ${code(args.pair)}` : ''} (from ${r.fills} stored fill${r.fills === 1 ? '' : 's'}; unrealised at the latest stored best bid)`;
  const body = '```\n' + table.join('\n') + '\n```';
  const text = `${head}\n${body}${totals}`;
  return text.length <= MAX_REPLY ? text : `${head}\n\`\`\`\n${table.slice(0, 25).join('\n')}\n… (${table.length - 25} more rows)\n\`\`\`${totals}`;
}

/** Sets the kill switch through the control layer (stored, audited, published). Returns the reply text. */
export async function setKillSwitch(pool: pg.Pool, on: boolean, who: Invoker, reason?: string | null, events?: ControlEvents): Promise<string> {
  await setKillSwitchControl(pool, on, { actor: discordActor(who), ...(reason ? { reason } : {}), context: { channelId: who.channelId }, ...(events ? { events } : {}) });
  return on ? `🛑 Kill switch **ON**: no new opportunities pass the risk gate.` : `✅ Kill switch **off**: the risk gate is trading again.`;
}

/** Approves a pair through the control layer (human-reviewed, audited, also when the pair does not exist). */
export async function approvePair(pool: pg.Pool, pairId: string, who: Invoker, events?: ControlEvents): Promise<{ text: string; approved: boolean }> {
  try {
    const r = await approvePairControl(pool, pairId, { actor: discordActor(who), context: { channelId: who.channelId }, ...(events ? { events } : {}) });
    return { text: `✅ Pair ${code(pairId)} approved (was ${r.previous}).`, approved: true };
  } catch (err) {
    if (err instanceof UnknownPairError) return { text: `No pair with id ${code(pairId)}.`, approved: false };
    throw err;
  }
}
