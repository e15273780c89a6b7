/**
 * The bot's slash commands: their Discord definitions, who may run them, and what they answer,
 * all from the database (schema/migrations). Handlers return plain text; the bot scrubs it and
 * sends it with mentions disabled.
 *
 * Kill switch: `risk_state` row `kill_switch` with value `{ "on": bool, "by": actor, "reason"?: text }`.
 * Approve: `market_pairs.status = 'approved'`, `decided_by = actor`. Both write an `audit_log` row
 * (token_name = the Discord actor) in the same transaction; refused attempts are audited too.
 */
import { SlashCommandBuilder, type RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';
import type pg from 'pg';
import { z } from 'zod';
import { formatScaled } from '../../schema/money.js';
import { code } from './alerts.js';

export const COMMAND_NAMES = ['edges', 'pairs', 'status', 'kill', 'approve'] as const;
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

/** How an actor appears in audit_log.token_name, decided_by and kill switch events. */
export const actorOf = (who: Pick<Invoker, 'userId' | 'username'>): string => `discord:${who.username}(${who.userId})`;

// ── option validation (the bot's input boundary) ─────────────────────────────────────────────
export const CommandArgs = {
  edges: z.object({ pair: z.string().min(1).max(200).nullish(), limit: z.number().int().min(1).max(25).nullish() }),
  pairs: z.object({ status: z.enum(['pending', 'approved', 'rejected']).nullish() }),
  status: z.object({}),
  kill: z.object({ state: z.enum(['on', 'off']), reason: z.string().max(300).nullish() }),
  approve: z.object({ pair_id: z.string().min(1).max(200) }),
} as const satisfies Record<CommandName, z.ZodType>;

const MAX_REPLY = 1900;
const usd = (m: number): string => `$${formatScaled(m, 2)}`;
const qty = (q: number): string => formatScaled(q, 0);
const iso = (d: Date): string => d.toISOString().replace('.000Z', 'Z');
function clip(text: string): string {
  return text.length <= MAX_REPLY ? text : text.slice(0, MAX_REPLY - 20) + '\n… (truncated)';
}

async function audit(c: pg.Pool | pg.PoolClient, actor: string, action: string, args: unknown, result: string): Promise<void> {
  await c.query('INSERT INTO audit_log (token_name, action, args, result) VALUES ($1, $2, $3, $4)', [actor, action, JSON.stringify(args), result]);
}

/** Records a refused operator attempt (the refusal is also logged by the bot). */
export async function auditRefusal(pool: pg.Pool, who: Invoker, command: string, args: unknown, reason: string): Promise<void> {
  await audit(pool, actorOf(who), `discord:${command}`, { ...(args as object), channelId: who.channelId }, `denied: ${reason}`);
}

export async function edgesReply(pool: pg.Pool, args: z.infer<(typeof CommandArgs)['edges']>): Promise<string> {
  const limit = args.limit ?? 10;
  const r = await pool.query<{ ts: Date; pair_id: string; direction: string; size_qty: number; net_edge_micros: number; profit_micros: number }>(
    `SELECT ts, pair_id, direction, size_qty, net_edge_micros, profit_micros
       FROM edges WHERE ($1::text IS NULL OR pair_id = $1) ORDER BY ts DESC LIMIT $2`,
    [args.pair ?? null, limit],
  );
  if (r.rows.length === 0) return args.pair ? `No edges for pair ${code(args.pair)}.` : 'No edges recorded yet.';
  const lines = r.rows.map((e) => `${iso(e.ts)} ${code(e.pair_id, 60)} ${e.direction} size ${qty(e.size_qty)} · ${usd(e.net_edge_micros)}/contract · profit **${usd(e.profit_micros)}**`);
  return clip(`**Latest ${r.rows.length} edge${r.rows.length === 1 ? '' : 's'}**\n` + lines.join('\n'));
}

export async function pairsReply(pool: pg.Pool, args: z.infer<(typeof CommandArgs)['pairs']>): Promise<string> {
  const r = await pool.query<{ pair_id: string; poly_market_id: string; kalshi_market_id: string; status: string; confidence: number | null; decided_by: string | null }>(
    `SELECT pair_id, poly_market_id, kalshi_market_id, status, confidence, decided_by
       FROM market_pairs WHERE ($1::text IS NULL OR status = $1) ORDER BY updated_at DESC LIMIT 20`,
    [args.status ?? null],
  );
  if (r.rows.length === 0) return args.status ? `No ${args.status} pairs.` : 'No pairs yet.';
  const lines = r.rows.map(
    (p) => `${code(p.pair_id, 60)} **${p.status}** conf ${p.confidence === null ? '?' : p.confidence.toFixed(2)} · kalshi ${code(p.kalshi_market_id, 60)} · poly ${code(p.poly_market_id.slice(0, 12) + '…')}${p.decided_by ? ` · by ${code(p.decided_by, 60)}` : ''}`,
  );
  return clip(`**Pairs${args.status ? ` (${args.status})` : ''}**, newest first\n` + lines.join('\n'));
}

/** The kill switch as stored (absent row = off). */
export async function readKillSwitch(pool: pg.Pool): Promise<{ on: boolean; by: string | null; updatedAt: Date | null }> {
  const r = await pool.query<{ value: unknown; updated_at: Date }>(`SELECT value, updated_at FROM risk_state WHERE key = 'kill_switch'`);
  const row = r.rows[0];
  if (!row) return { on: false, by: null, updatedAt: null };
  const v = z.union([z.object({ on: z.boolean(), by: z.string().nullish() }), z.boolean()]).safeParse(row.value);
  // an unreadable value is treated as ON: when in doubt, do not trade
  if (!v.success) return { on: true, by: 'unreadable risk_state value', updatedAt: row.updated_at };
  return typeof v.data === 'boolean' ? { on: v.data, by: null, updatedAt: row.updated_at } : { on: v.data.on, by: v.data.by ?? null, updatedAt: row.updated_at };
}

export async function statusReply(pool: pg.Pool): Promise<string> {
  const kill = await readKillSwitch(pool);
  const feeds = await pool.query<{ venue: string; state: string; ts: Date; reason: string | null }>(
    `SELECT DISTINCT ON (venue) venue, state, ts, reason FROM feed_health ORDER BY venue, ts DESC`,
  );
  const edges = await pool.query<{ n: number; max_profit: number | null }>(
    `SELECT count(*) AS n, max(profit_micros) AS max_profit FROM edges WHERE ts >= now() - interval '1 hour'`,
  );
  const pairs = await pool.query<{ status: string; n: number }>(`SELECT status, count(*) AS n FROM market_pairs GROUP BY status ORDER BY status`);
  const e = edges.rows[0] ?? { n: 0, max_profit: null };
  return clip(
    [
      `**Kill switch**: ${kill.on ? '🛑 ON' : '✅ off'}${kill.by ? ` (by ${code(kill.by, 80)}` + (kill.updatedAt ? ` at ${iso(kill.updatedAt)})` : ')') : ''}`,
      `**Feeds**: ${feeds.rows.length ? feeds.rows.map((f) => `${f.venue} ${f.state} since ${iso(f.ts)}${f.reason ? ` (${code(f.reason, 80)})` : ''}`).join(' · ') : 'no feed health recorded'}`,
      `**Edges, last hour**: ${e.n}${e.max_profit !== null ? `, best profit ${usd(e.max_profit)}` : ''}`,
      `**Pairs**: ${pairs.rows.length ? pairs.rows.map((p) => `${p.n} ${p.status}`).join(', ') : 'none'}`,
    ].join('\n'),
  );
}

/** Sets the kill switch and audits it in one transaction. Returns the reply text. */
export async function setKillSwitch(pool: pg.Pool, on: boolean, who: Invoker, reason?: string | null): Promise<string> {
  const actor = actorOf(who);
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    await c.query(
      `INSERT INTO risk_state (key, value, updated_at) VALUES ('kill_switch', $1, now())
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
      [JSON.stringify({ on, by: actor, ...(reason ? { reason } : {}) })],
    );
    await audit(c, actor, 'discord:kill', { state: on ? 'on' : 'off', reason: reason ?? null, channelId: who.channelId }, 'ok');
    await c.query('COMMIT');
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
  return on ? `🛑 Kill switch **ON**: no new opportunities pass the risk gate.` : `✅ Kill switch **off**: the risk gate is trading again.`;
}

/** Approves a pair and audits it (also when the pair does not exist). */
export async function approvePair(pool: pg.Pool, pairId: string, who: Invoker): Promise<{ text: string; approved: boolean }> {
  const actor = actorOf(who);
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const r = await c.query<{ pair_id: string; previous: string }>(
      `UPDATE market_pairs p SET status = 'approved', decided_by = $2, updated_at = now()
         FROM (SELECT pair_id, status AS previous FROM market_pairs WHERE pair_id = $1 FOR UPDATE) old
        WHERE p.pair_id = old.pair_id
      RETURNING p.pair_id, old.previous`,
      [pairId, actor],
    );
    const row = r.rows[0];
    await audit(c, actor, 'discord:approve', { pairId, channelId: who.channelId }, row ? `ok (was ${row.previous})` : 'not found');
    await c.query('COMMIT');
    if (!row) return { text: `No pair with id ${code(pairId)}.`, approved: false };
    return { text: `✅ Pair ${code(pairId)} approved (was ${row.previous}).`, approved: true };
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}
