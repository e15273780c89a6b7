/**
 * The standalone bot's alert source on the embedded default (no Redis): the REAL API server on
 * the in-memory event bus, the source connected over graphql-ws. What the pipeline publishes
 * arrives as exactly the AlertEvents alertsFromLive would make (accepted decisions above the
 * threshold, operational rejections only, feed down/up, kill switch, warn/critical alerts,
 * executions worth an alert); the API going away raises a critical bot-api alert, and once it is
 * back the source reconnects by itself and alerts flow again. Also: the startup check's clear
 * FatalErrors, and the kill switch mutation through the API with the bot's token.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Subscription } from 'rxjs';
import { createToken, type CreatedToken } from '../../src/api/auth.js';
import { createLiveEvents, type LiveEventsHandle } from '../../src/api/events.js';
import { startApiServer, type ApiServer } from '../../src/api/server.js';
import { alertsFromLive, type AlertEvent } from '../../src/bot/alerts.js';
import { API_ALERT_SOURCE, createApiCommands, createApiSource, type ApiSource } from '../../src/bot/apiSource.js';
import { edgesReply, pairsReply, positionsReply, statusReply } from '../../src/bot/commands.js';
import { FatalError } from '../../src/errors.js';
import type { RiskDecision } from '../../schema/edge.js';
import { makeExecution } from '../api/executionFixtures.js';
import { insertEdge, insertPair, makeEdge, testConfig } from '../api/helpers.js';
import { pgGate } from '../helpers/gates.js';
import { pgTestPool, type PgTestDb } from '../helpers/db.js';

const needsPg = await pgGate();
const MIN_PROFIT = 1_000_000;

const until = async (pred: () => boolean, what: string, timeoutMs = 10_000): Promise<void> => {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

const decision = (edgeId: string, accepted: boolean, reasons: string[], profitMicros = 2_500_000, ts = Date.parse('2026-11-27T12:00:00.000Z')): RiskDecision => ({
  edge: makeEdge({ edgeId, pairId: `pair-${edgeId}`, profitMicros, tsDetected: ts }),
  accepted,
  reasons,
  ts,
});

needsPg.describe('bot alerts from the running API (graphql-ws, embedded default)', () => {
  let db: PgTestDb;
  let live: LiveEventsHandle;
  let api: ApiServer;
  let port: number;
  let operator: CreatedToken;
  let viewer: CreatedToken;
  let source: ApiSource;
  let sub: Subscription;
  const got: AlertEvent[] = [];
  const start = (): Promise<ApiServer> => startApiServer({ config: testConfig(), pool: db.pool, events: live, host: '127.0.0.1', port });
  /** the five subscriptions are running on the server */
  const subscribed = (): Promise<void> => until(() => api.subscriptionStats().executions >= 5 && source.connected(), 'the five subscriptions');

  beforeAll(async () => {
    db = await pgTestPool({ migrate: true });
    live = await createLiveEvents({ redis: { mode: 'memory' } });
    operator = await createToken(db.pool, { name: 'discord-bot', role: 'operator' });
    viewer = await createToken(db.pool, { name: 'viewer-bot', role: 'viewer' });
    port = await freePort();
    api = await start();
    source = createApiSource({ url: `${api.url}/graphql`, token: operator.token, minProfitMicros: MIN_PROFIT, backoff: { baseMs: 50, maxMs: 300 }, keepAliveMs: 2_000 });
  });

  afterAll(async () => {
    sub?.unsubscribe();
    await api?.close();
    await live?.close();
    await db?.drop();
  });

  it('check(): the token and role when the API answers; a FatalError naming the URL and what to do otherwise', async () => {
    await expect(source.check()).resolves.toEqual({ name: 'discord-bot', role: 'operator' });

    const down = `http://127.0.0.1:${await freePort()}/graphql`;
    const err = await createApiSource({ url: down, token: operator.token, minProfitMicros: 0 }).check().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FatalError);
    expect((err as Error).message).toContain(down);
    expect((err as Error).message).toContain('ECONNREFUSED');
    expect((err as Error).message).toContain('npm start');

    const bad = await createApiSource({ url: `${api.url}/graphql`, token: 'arb_' + 'x'.repeat(43), minProfitMicros: 0 }).check().catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(FatalError);
    expect((bad as Error).message).toMatch(/refused BOT_API_TOKEN/);
    expect((bad as Error).message).toContain('arbstream token create');
    // the token never appears in an error message
    expect((bad as Error).message).not.toContain('x'.repeat(43));
  });

  it('delivers exactly the alerts alertsFromLive makes, and nothing for non-operational rejections', async () => {
    sub = source.alerts$.subscribe((a) => got.push(a));
    // the reference: the same events through the in-process bus
    const reference: AlertEvent[] = [];
    const refSub = alertsFromLive(live, { minProfitMicros: MIN_PROFIT }).subscribe((a) => reference.push(a));
    await subscribed();

    const t = Date.parse('2026-11-27T12:00:00.000Z');
    live.events.publishDecision(decision('acc', true, []));
    live.events.publishDecision(decision('small', true, [], MIN_PROFIT - 1)); // below the alert threshold
    live.events.publishDecision(decision('kill', false, ['kill-switch']));
    live.events.publishDecision(decision('edge', false, ['edge 100 < min 10000 micros/contract', 'pair-pending'])); // the market's reasons: no alert
    live.events.publishFeedStatus({ venue: 'kalshi', state: 'live', ts: t, attempt: 0 }); // up without having been down: no alert
    live.events.publishFeedStatus({ venue: 'kalshi', state: 'stale', reason: 'idle 2400 ms', ts: t + 1, attempt: 0 });
    live.events.publishFeedStatus({ venue: 'kalshi', state: 'live', ts: t + 2, attempt: 0 });
    live.events.publishAlert({ level: 'info', message: 'just so you know', ts: t }); // info: no alert
    live.events.publishAlert({ level: 'critical', message: 'persister: batch failed', ts: t, source: 'persister' });
    live.events.publishExecution(makeExecution({ executionId: 'x-hedged', state: 'hedged' }));
    live.events.publishExecution(makeExecution({ executionId: 'x-planned', state: 'planned' })); // not worth an alert
    live.events.publishKillSwitch(true, 'api:otto');

    const expected: AlertEvent[] = [
      { kind: 'decision', ts: t, edgeId: 'acc', pairId: 'pair-acc', direction: 'aYes', accepted: true, reasons: [], sizeQty: 25_000_000, netEdgePerContractMicros: 12_500, profitMicros: 2_500_000 },
      { kind: 'decision', ts: t, edgeId: 'kill', pairId: 'pair-kill', direction: 'aYes', accepted: false, reasons: ['kill-switch'], sizeQty: 25_000_000, netEdgePerContractMicros: 12_500, profitMicros: 2_500_000 },
      { kind: 'feed', ts: t + 1, venue: 'kalshi', state: 'stale', reason: 'idle 2400 ms', attempt: 0 },
      { kind: 'feed', ts: t + 2, venue: 'kalshi', state: 'live', attempt: 0 },
      // the API's Alert type carries the source (the Discord label and dedup key)
      { kind: 'error', ts: t, level: 'critical', message: 'persister: batch failed', source: 'persister' },
      expect.objectContaining({ kind: 'execution', executionId: 'x-hedged', state: 'hedged' }) as AlertEvent,
      expect.objectContaining({ kind: 'kill', on: true, by: 'api:otto' }) as AlertEvent,
    ];
    await until(() => got.length >= expected.length, `${expected.length} alerts (got ${got.length})`);
    await new Promise((r) => setTimeout(r, 300)); // anything extra would have arrived by now
    refSub.unsubscribe();

    const byKind = (xs: AlertEvent[]) => [...xs].sort((a, b) => (a.kind + ('edgeId' in a ? a.edgeId : '') + a.ts).localeCompare(b.kind + ('edgeId' in b ? b.edgeId : '') + b.ts));
    expect(got).toHaveLength(expected.length);
    for (const e of expected) expect(got).toContainEqual(e);
    // exactly the in-process mapping, source included
    expect(byKind(got)).toEqual(byKind(reference));
    // field for field: the execution alert's sums come through the API unchanged
    expect(got.find((a) => a.kind === 'execution')).toEqual(reference.find((a) => a.kind === 'execution'));
    expect(got.some((a) => a.kind === 'decision' && a.edgeId === 'edge')).toBe(false);
    expect(source.counters.invalid).toBe(0);
  });

  it('raises a critical alert when the API goes away and reconnects by itself when it is back', async () => {
    got.length = 0;
    const connectsBefore = source.counters.connects;
    await api.close();
    await until(() => got.some((a) => a.kind === 'error' && a.level === 'critical' && a.source === API_ALERT_SOURCE), 'the connection-lost alert');
    const lost = got.find((a) => a.kind === 'error' && a.source === API_ALERT_SOURCE)!;
    expect(lost).toMatchObject({ kind: 'error', level: 'critical', source: API_ALERT_SOURCE, message: expect.stringContaining(`${api.url}/graphql`) as string });
    expect(source.connected()).toBe(false);

    // a few failed attempts while it is down (connection refused), and only the one alert
    await until(() => source.counters.disconnects >= 3, 'reconnect attempts');
    expect(got.filter((a) => a.kind === 'error' && a.source === API_ALERT_SOURCE)).toHaveLength(1);

    api = await start(); // same port, same bus
    await subscribed();
    expect(source.counters.connects).toBe(connectsBefore + 1);
    await until(() => got.some((a) => a.kind === 'error' && a.level === 'info' && a.source === API_ALERT_SOURCE), 'the restored alert');
    expect(got.find((a) => a.kind === 'error' && a.level === 'info')).toMatchObject({ message: expect.stringContaining('restored') as string });

    got.length = 0;
    live.events.publishDecision(decision('after', true, []));
    live.events.publishDecision(decision('after-ops', false, ['book-stale 4000 ms > 3000 ms']));
    await until(() => got.length >= 2, 'alerts after the reconnection');
    expect(got.map((a) => (a.kind === 'decision' ? [a.edgeId, a.accepted] : a.kind))).toEqual([
      ['after', true],
      ['after-ops', false],
    ]);
  });

  it('the kill switch goes through the API mutation with the bot token (published on the app bus); a viewer token is refused', async () => {
    got.length = 0;
    await expect(source.setKillSwitch(false)).resolves.toEqual({ on: false, updatedBy: 'api:discord-bot' });
    await until(() => got.some((a) => a.kind === 'kill'), 'the kill alert');
    expect(got.find((a) => a.kind === 'kill')).toMatchObject({ kind: 'kill', on: false, by: 'api:discord-bot' });
    const audit = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE token_name = 'api:discord-bot' AND action = 'setKillSwitch'`);
    expect(audit.rows[0]!.n).toBe(1);

    const asViewer = createApiSource({ url: `${api.url}/graphql`, token: viewer.token, minProfitMicros: 0 });
    await expect(asViewer.setKillSwitch(true)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(source.approvePair('no-such-pair')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('slash commands through the API: /edges, /pairs, /status, /positions, /approve, /kill', async () => {
    const cmds = createApiCommands(source);
    const who = { userId: '42', username: 'alice' };
    await insertPair(db.pool, 'btc-100k', 'pending');
    const now = Date.now();
    await insertEdge(db.pool, { edgeId: 'cmd-1', pairId: 'btc-100k', direction: 'aYes', ts: new Date(now - 60_000), netEdgeMicros: 12_500, profitMicros: 1_250_000, sizeQty: 100_000_000 });
    await insertEdge(db.pool, { edgeId: 'cmd-2', pairId: 'btc-100k', direction: 'aNo', ts: new Date(now - 2 * 3_600_000), netEdgeMicros: 9_000, profitMicros: 9_990_000 });

    // the same texts as the database-backed replies (src/bot/commands.ts)
    const edges = await cmds.edges({ pair: 'btc-100k', limit: 5 });
    expect(edges).toMatch(/^\*\*Latest 2 edges\*\*/);
    expect(edges).toContain('`btc-100k` aYes size 100 · $0.0125/contract · profit **$1.25**');
    expect(edges).toBe(await edgesReply(db.pool, { pair: 'btc-100k', limit: 5 }));
    expect(await cmds.edges({})).toBe(await edgesReply(db.pool, {}));
    expect(await cmds.edges({ pair: 'nope' })).toBe('No edges for pair `nope`.');
    const pending = await cmds.pairs({ status: 'pending' });
    expect(pending).toContain('`btc-100k` **pending** conf 0.97');
    expect(pending).toBe(await pairsReply(db.pool, { status: 'pending' }));

    expect(await cmds.approve('btc-100k', who)).toEqual({ text: '✅ Pair `btc-100k` approved (now approved).', approved: true });
    expect(await cmds.approve('nope', who)).toEqual({ text: 'No pair with id `nope`.', approved: false });
    expect(await cmds.pairs({})).toBe(await pairsReply(db.pool, {}));

    expect(await cmds.kill(true, who, 'test')).toContain('Kill switch **ON**');
    await db.pool.query(`INSERT INTO feed_health (ts, venue, state, reason, attempt) VALUES (now(), 'kalshi', 'stale', 'idle 2400 ms', 1)`).catch(() => undefined);
    const status = await cmds.status();
    expect(status).toContain('**Kill switch**: 🛑 ON (by `api:discord-bot` at ');
    // only the edge of the last hour counts; its profit is the best
    expect(status).toContain('**Edges, last hour**: 1, best profit $1.25');
    expect(status).toContain('**Pairs**: 1 approved');
    expect(status).toBe(await statusReply(db.pool));
    expect(await cmds.positions({})).toBe('No positions yet (no fills recorded).');
    expect(await cmds.positions({})).toBe(await positionsReply(db.pool, {}));
    await cmds.kill(false, who);
  });

  it('unsubscribing from the alerts closes the connection and stops reconnecting', async () => {
    expect(api.connections()).toBeGreaterThan(0);
    const disconnects = source.counters.disconnects;
    sub.unsubscribe();
    await until(() => api.connections() === 0 && !source.connected(), 'the socket to close');
    await new Promise((r) => setTimeout(r, 400));
    expect(api.connections()).toBe(0);
    expect(source.counters.disconnects).toBe(disconnects);
  });
});
