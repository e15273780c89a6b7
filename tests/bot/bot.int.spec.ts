/**
 * The bot end to end on one machine: a real discord.js client against the fake Discord, commands
 * answered from a migrated PostgreSQL schema. Alerts (dedup, rate limit with summary), /edges,
 * /pairs, /status, /kill and /approve with their audit rows, refusals (role, channel) answered
 * ephemerally and logged, and a canary secret that must never reach Discord.
 */
import { pgGate } from '../helpers/gates.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Subject } from 'rxjs';
import { loadConfig } from '../../src/config.js';
import { createLogger, log, setLogger } from '../../src/log.js';
import { startBot, type BotHandle } from '../../src/bot/bot.js';
import type { AlertEvent } from '../../src/bot/alerts.js';
import { FakeDiscord, snowflake } from './fakeDiscord.js';
import { writeExecution, writeFill } from '../../src/store/repos/executions.js';
import { fillsOf, makeExecution } from '../api/executionFixtures.js';
import { KALSHI_ID } from '../api/helpers.js';
import { pgTestPool, type PgTestDb } from '../helpers/db.js';

const TOKEN = 'MTest.discord-token.' + 'T'.repeat(40);
const CANARY = 'sk-canary-' + 'c4n4ry'.repeat(5);
// Skipped only outside CI when PostgreSQL is unreachable (with the reason printed); with CI=true it runs and fails loudly.
const needsPg = await pgGate();

const edgeAlert = (pairId: string, profitMicros = 12_500_000): AlertEvent => ({
  kind: 'edge', ts: Date.UTC(2025, 0, 1, 12), edgeId: `e-${pairId}`, pairId, direction: 'polyYes', sizeQty: 100_000_000, netEdgePerContractMicros: 125_000, profitMicros,
});

needsPg.describe('discord bot (fake Discord, PostgreSQL)', () => {
  let db: PgTestDb;
  let fake: FakeDiscord;
  let bot: BotHandle;
  const alerts$ = new Subject<unknown>();
  const killCalls: [boolean, string][] = [];
  const logLines: string[] = [];
  const previousLog = log;
  const alertCh = snowflake();
  const cmdCh = snowflake();
  const otherCh = snowflake();
  const opRole = snowflake();
  const viewerRole = snowflake();

  /** Dispatches a command and waits for its (final) reply. */
  async function run(command: string, opts: { options?: Record<string, string>; channelId?: string; roleIds?: string[]; username?: string } = {}) {
    const { id, token } = fake.interaction({ command, options: opts.options, channelId: opts.channelId ?? cmdCh, roleIds: opts.roleIds ?? [viewerRole], username: opts.username ?? 'alice' });
    await fake.waitFor(() => {
      const r = fake.replyTo(id, token);
      return r !== undefined && r.content !== undefined;
    }, 10_000, `reply to /${command}`);
    await bot.drain();
    return fake.replyTo(id, token)!;
  }

  beforeAll(async () => {
    setLogger(createLogger({ level: 'debug', destination: { write: (s: string) => void logLines.push(s) } as never }));
    db = await pgTestPool({ migrate: true });
    fake = await FakeDiscord.start({ token: TOKEN, channelIds: [alertCh, cmdCh, otherCh], roleIds: [opRole, viewerRole] });
    // the config registers the secrets (bot token, LLM key) with the scrubber, as in production
    const cfg = loadConfig({
      DISCORD_ENABLED: 'true', DISCORD_TOKEN: TOKEN, DISCORD_ALERT_CHANNEL_ID: alertCh, DISCORD_COMMAND_CHANNEL_IDS: cmdCh,
      DISCORD_OPERATOR_ROLE_IDS: opRole, DISCORD_API_URL: fake.apiUrl, OPENAI_API_KEY: CANARY,
    });
    bot = await startBot({
      config: cfg.discord,
      pool: db.pool,
      alerts$,
      riskControl: { setKillSwitch: (on, by) => void killCalls.push([on, by]) },
      throttle: { burst: 3, refillEveryMs: 200, dedupWindowMs: 60_000 },
    });
  });

  afterAll(async () => {
    await bot?.stop();
    await fake?.stop();
    await db?.drop();
    setLogger(previousLog);
  });

  it('registers the six slash commands through REST with the bot token', () => {
    const put = fake.find('PUT', /^\/applications\/\d+\/commands$/);
    expect(put).toHaveLength(1);
    expect(put[0]!.authorization).toBe(`Bot ${TOKEN}`);
    expect((put[0]!.body as { name: string }[]).map((c) => c.name).sort()).toEqual(['approve', 'edges', 'kill', 'pairs', 'positions', 'status']);
  });

  it('sends alerts to the alert channel, suppresses duplicates and summarises a burst', async () => {
    alerts$.next(edgeAlert('pair-A'));
    alerts$.next(edgeAlert('pair-A', 13_000_000)); // same pair and direction: duplicate
    alerts$.next({ kind: 'feed', ts: Date.now(), venue: 'kalshi', state: 'stale', reason: 'idle 5000 ms', attempt: 2 });
    alerts$.next({ kind: 'kill', ts: Date.now(), on: true, by: 'api:ops' });
    for (const p of ['B', 'C', 'D', 'E']) alerts$.next(edgeAlert(`pair-${p}`)); // bucket empty: held back
    alerts$.next({ kind: 'bogus' }); // invalid: rejected, counted
    await fake.waitFor(() => fake.channelMessages(alertCh).length >= 4, 10_000, 'summary message');
    await bot.drain();

    const msgs = fake.channelMessages(alertCh);
    expect(msgs).toHaveLength(4);
    expect(msgs[0]!.content).toContain('pair-A');
    expect(msgs[0]!.content).toContain('$12.50');
    expect(msgs[1]!.content).toContain('kalshi is **stale**');
    expect(msgs[2]!.content).toContain('kill switch ON');
    expect(msgs[3]!.content).toContain('4 alerts held back (4 edge)');
    for (const m of msgs) expect(m.allowed_mentions).toEqual({ parse: [] });
    expect(bot.counters.throttle).toMatchObject({ duplicates: 1, rateLimited: 4, summaries: 1, sent: 3 });
    expect(bot.counters.alertsInvalid).toBe(1);
    expect(logLines.some((l) => l.includes('alert rejected'))).toBe(true);
  });

  it('/edges answers from the edges table, newest first', async () => {
    await db.pool.query(
      `INSERT INTO edges (ts, edge_id, pair_id, direction, size_qty, net_edge_micros, profit_micros)
       VALUES (now() - interval '2 minutes', 'e1', 'fed-cut-june', 'polyYes', 50000000, 40000, 2000000),
              (now() - interval '1 minute', 'e2', 'btc-100k', 'polyNo', 10000000, 125000, 1250000)`,
    );
    const r = await run('edges');
    expect(r.deferred).toBe(true);
    expect(r.content).toContain('Latest 2 edges');
    expect(r.content!.indexOf('btc-100k')).toBeLessThan(r.content!.indexOf('fed-cut-june'));
    expect(r.content).toContain('profit **$1.25**');
    expect(r.content).toContain('$0.04/contract');
    const one = await run('edges', { options: { pair: 'fed-cut-june' } });
    expect(one.content).toContain('Latest 1 edge');
    expect(one.content).not.toContain('btc-100k');
  });

  it('/positions: a table of positions and P&L per pair and venue from the stored fills; one pair; none', async () => {
    const empty = await run('positions');
    expect(empty.content).toBe('No positions yet (no fills recorded).');
    await writeExecution(db.pool, makeExecution({ executionId: 'ex_bot', state: 'hedged', pairId: 'btc-100k' }), []);
    for (const f of fillsOf('ex_bot')) await writeFill(db.pool, f);
    await db.pool.query(`INSERT INTO book_tops (ts, venue, market_id, no_bid, no_bid_qty) VALUES (now(), 'kalshi', $1, 500000, 1000000)`, [KALSHI_ID]);
    const r = await run('positions');
    expect(r.content).toContain('**Positions** (from 2 stored fills');
    const lines = r.content!.split('\n');
    // header, rule, the pair's two legs and its total, inside a code block
    expect(lines.find((l) => l.startsWith('pair'))).toMatch(/^pair\s+venue\s+market\s+side\s+qty\s+cost\s+realised\s+unrealised$/);
    expect(lines.find((l) => l.includes('kalshi'))).toMatch(/^btc-100k\s+kalshi\s+KXBTC-25DEC31-T10…\s+NO\s+10\s+\$5\.40\s+-\$0\.07\s+-\$0\.40$/);
    // Polymarket YES has no stored book: no mark, unrealised n/a (never a guess)
    expect(lines.find((l) => l.includes('polymarket'))).toMatch(/YES\s+10\s+\$4\.40\s+\$0\.00\s+n\/a$/);
    expect(lines.find((l) => l.startsWith('btc-100k total'))).toMatch(/\$9\.80\s+-\$0\.07\s+n\/a$/);
    expect(r.content).toContain('**P&L**: realised **-$0.07** · unrealised **n/a** · fees $0.07 · exposure $9.80');
    const other = await run('positions', { options: { pair: 'nope' } });
    expect(other.content).toBe('No positions for pair `nope`.');
  });

  it('/kill on by an operator flips risk_state, writes audit_log and tells the pipeline', async () => {
    const r = await run('kill', { options: { state: 'on', reason: 'venue outage' }, roleIds: [opRole], username: 'opsbob' });
    expect(r.content).toContain('Kill switch **ON**');
    const state = await db.pool.query(`SELECT value FROM risk_state WHERE key = 'kill_switch'`);
    expect(state.rows[0].value).toMatchObject({ on: true, reason: 'venue outage' });
    expect(state.rows[0].value.by).toMatch(/^discord:opsbob\(\d+\)$/);
    const audit = await db.pool.query(`SELECT token_name, action, args, result FROM audit_log WHERE action = 'setKillSwitch' AND result = 'ok'`);
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0].token_name).toMatch(/^discord:opsbob\(\d+\)$/);
    expect(audit.rows[0].token_name).toBe(state.rows[0].value.by);
    expect(audit.rows[0].args).toMatchObject({ on: true, reason: 'venue outage' });
    expect(killCalls).toEqual([[true, state.rows[0].value.by]]);
    const status = await run('status');
    expect(status.content).toContain('🛑 ON');
  });

  it('refuses /kill from a user without the operator role: ephemeral reason, logged, audited, nothing changed', async () => {
    const before = await db.pool.query(`SELECT value, updated_at FROM risk_state WHERE key = 'kill_switch'`);
    const r = await run('kill', { options: { state: 'off' }, roleIds: [viewerRole], username: 'mallory' });
    expect(r.deferred).toBe(false);
    expect(r.flags).toBe(64); // ephemeral
    expect(r.content).toContain('/kill needs an operator role');
    const after = await db.pool.query(`SELECT value, updated_at FROM risk_state WHERE key = 'kill_switch'`);
    expect(after.rows).toEqual(before.rows);
    expect(killCalls).toHaveLength(1);
    expect(logLines.some((l) => l.includes('discord command refused') && l.includes('mallory') && l.includes('operator role'))).toBe(true);
    const audit = await db.pool.query(`SELECT result FROM audit_log WHERE action = 'setKillSwitch' AND token_name LIKE 'discord:mallory%'`);
    expect(audit.rows).toEqual([{ result: 'denied: /kill needs an operator role' }]);
  });

  it('refuses any command from a channel that is not allowed, even for an operator', async () => {
    const refusedBefore = bot.counters.commandsRefused;
    for (const [command, roles] of [['edges', [viewerRole]], ['status', [opRole]]] as const) {
      const r = await run(command, { channelId: otherCh, roleIds: [...roles] });
      expect(r.flags).toBe(64);
      expect(r.content).toContain('not allowed in this channel');
      expect(r.content).not.toContain('fed-cut-june');
    }
    expect(bot.counters.commandsRefused).toBe(refusedBefore + 2);
    expect(logLines.filter((l) => l.includes('discord command refused') && l.includes(otherCh)).length).toBeGreaterThanOrEqual(2);
  });

  it('/approve by an operator approves a pending pair; /pairs shows it; an unknown id is answered and audited', async () => {
    await db.pool.query(
      `INSERT INTO market_pairs (pair_id, a_venue, a_market_id, b_venue, b_market_id, status, confidence, source)
       VALUES ('pair-approve-me', 'polymarket', '0x${'ab'.repeat(32)}', 'kalshi', 'KXFED-25JUN-T4.25', 'pending', 0.93, 'llm')`,
    );
    const r = await run('approve', { options: { pair_id: 'pair-approve-me' }, roleIds: [opRole], username: 'opsbob' });
    expect(r.content).toContain('approved (was pending)');
    const p = await db.pool.query(`SELECT status, decided_by, human_reviewed, confidence FROM market_pairs WHERE pair_id = 'pair-approve-me'`);
    expect(p.rows[0]).toMatchObject({ status: 'approved', human_reviewed: true, confidence: 0.93 });
    expect(p.rows[0].decided_by).toMatch(/^discord:opsbob/);
    const pairs = await run('pairs', { options: { status: 'approved' } });
    expect(pairs.content).toContain('pair-approve-me');
    expect(pairs.content).toContain('KXFED-25JUN-T4.25');
    const missing = await run('approve', { options: { pair_id: 'no-such-pair' }, roleIds: [opRole] });
    expect(missing.content).toContain('No pair with id');
    const audit = await db.pool.query(`SELECT result FROM audit_log WHERE action = 'approvePair' AND token_name LIKE 'discord:%' ORDER BY id`);
    expect(audit.rows.map((x) => x.result)).toEqual(['ok', 'error: NOT_FOUND']);
  });

  it('never sends a secret: a canary in a pair id, an error alert and a DB row is redacted everywhere', async () => {
    // let the token bucket refill completely (3 tokens × 200 ms) so both canary alerts go out as text
    await new Promise((r) => setTimeout(r, 3 * 200 + 100));
    const sentBefore = bot.counters.throttle.sent;
    alerts$.next(edgeAlert(`pair-${CANARY}`, 99_000_000));
    alerts$.next({ kind: 'error', ts: Date.now(), level: 'critical', message: `LLM call failed: 401 for key ${CANARY} token ${TOKEN}`, source: 'matcher' });
    await db.pool.query(
      `INSERT INTO edges (ts, edge_id, pair_id, direction, size_qty, net_edge_micros, profit_micros) VALUES (now(), 'e-canary', $1, 'polyYes', 1000000, 1, 1)`,
      [`leak-${CANARY}`],
    );
    expect(bot.counters.throttle.sent).toBe(sentBefore + 2);
    await bot.drain();
    expect(fake.channelMessages(alertCh).filter((m) => m.content?.includes('[REDACTED]'))).toHaveLength(2);
    const r = await run('edges', { options: { pair: `leak-${CANARY}` } });
    expect(r.content).toContain('leak-[REDACTED]');
    const all = fake.outgoingTexts();
    expect(all.length).toBeGreaterThan(10);
    for (const t of all) {
      expect(t).not.toContain(CANARY);
      expect(t).not.toContain(TOKEN);
    }
    expect(all.some((t) => t.includes('pair-[REDACTED]') || t.includes('held back'))).toBe(true);
    // the log lines are scrubbed too
    for (const l of logLines) expect(l).not.toContain(CANARY);
  });
});
