/**
 * Cost tracking and the verdict cache on real PostgreSQL (tables from migration 0002), with the
 * judge talking to the local OpenAI-compatible server. Fails (never skips) without PostgreSQL.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pgTestPool, type PgTestDb } from '../../helpers/db.js';
import { startLlmServer, type LlmServer } from '../../../tools/llmserver/server.js';
import { BudgetExceededError, LlmJudge, LlmUnavailableError } from '../../../src/matching/llm/client.js';
import { costMicros, formatUsageTable, PgLedger, usageSummary, utcDayStart } from '../../../src/matching/cost.js';
import { VirtualClock } from '../../../src/matching/llm/tokenBucket.js';
import { FED_KALSHI, FED_POLY, OTHER_KALSHI, provider } from './helpers.js';

let db: PgTestDb;
let srv: LlmServer;
const NOW = Date.UTC(2025, 10, 20, 12);

beforeAll(async () => {
  db = await pgTestPool({ migrate: true });
  srv = await startLlmServer();
});
afterAll(async () => {
  await srv?.stop();
  await db?.drop();
});
beforeEach(async () => {
  srv.reset();
  await db.pool.query('TRUNCATE llm_calls, llm_verdicts');
});

function judgeOn(over: { budget?: number; key?: string; clock?: VirtualClock } = {}): { judge: LlmJudge; clock: VirtualClock } {
  const clock = over.clock ?? new VirtualClock(NOW);
  const judge = new LlmJudge({
    providers: [provider(srv, 'deepseek', over.key ? { apiKey: over.key } : {}), provider(srv, 'openai')],
    dailyBudgetMicros: over.budget ?? 5_000_000,
    timeoutMs: 2_000,
    pool: db.pool,
    clock,
    random: () => 0,
    maxRetries: 1,
  });
  return { judge, clock };
}

interface CallRow {
  provider: string; model: string; pair_id: string | null; prompt_tokens: number | null; completion_tokens: number | null;
  estimated_prompt_tokens: number | null; cost_micros: number; latency_ms: number | null; status: string; error: string | null; cache_hit: boolean; ts: Date;
}
const calls = async (): Promise<CallRow[]> => (await db.pool.query<CallRow>('SELECT * FROM llm_calls ORDER BY ts, status')).rows;

describe('llm_calls and llm_verdicts on PostgreSQL', () => {
  it('records usage tokens and the exact cost, caches the verdict, records the cache hit', async () => {
    const { judge } = judgeOn();
    const r = await judge.judge(FED_POLY, FED_KALSHI, { pairId: 'pair-fed' });
    let rows = await calls();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      provider: 'deepseek', model: 'deepseek-chat', pair_id: 'pair-fed', status: 'ok', cache_hit: false, error: null,
      prompt_tokens: r.promptTokens, completion_tokens: r.completionTokens, estimated_prompt_tokens: r.estimatedPromptTokens,
      cost_micros: costMicros(r.promptTokens, r.completionTokens, 270_000, 1_100_000),
    });
    expect(rows[0]!.ts.getTime()).toBe(NOW);
    const v = await db.pool.query<{ cache_key: string; model: string; pair_id: string; verdict: unknown }>('SELECT * FROM llm_verdicts');
    expect(v.rows).toEqual([{ cache_key: r.cacheKey, model: 'deepseek-chat', pair_id: 'pair-fed', verdict: r.verdict, created_at: expect.any(Date) }]);

    // a fresh judge (new process) hits the cache in the database: no HTTP call
    const { judge: j2 } = judgeOn();
    const hit = await j2.judge(FED_KALSHI, FED_POLY, { pairId: 'pair-fed' });
    expect(hit).toMatchObject({ cacheHit: true, attempts: 0, costMicros: 0, verdict: r.verdict });
    expect(srv.requests).toHaveLength(1);
    rows = await calls();
    expect(rows.map((x) => [x.status, x.cache_hit, x.cost_micros])).toEqual([['cache_hit', true, 0], ['ok', false, rows[1]!.cost_micros]]);

    // changed rules → new key → judged again
    const amended = { ...FED_KALSHI, rulesText: FED_KALSHI.rulesText + ' A 50 bp cut also resolves Yes.' };
    const again = await j2.judge(FED_POLY, amended);
    expect(again.cacheHit).toBe(false);
    expect(srv.requests).toHaveLength(2);
    expect((await db.pool.query('SELECT 1 FROM llm_verdicts')).rowCount).toBe(2);
  });

  it('budget: today\'s spend comes from llm_calls (UTC day); over budget → refused, nothing sent', async () => {
    const { judge } = judgeOn({ budget: 1_000_000 });
    // yesterday's spend does not count; today's does
    await new PgLedger(db.pool).recordCall({ ts: utcDayStart(NOW) - 1, provider: 'deepseek', model: 'deepseek-chat', costMicros: 5_000_000, status: 'ok', cacheHit: false });
    await judge.judge(FED_POLY, FED_KALSHI);
    expect(srv.requests).toHaveLength(1);
    await new PgLedger(db.pool).recordCall({ ts: utcDayStart(NOW) + 1, provider: 'openai', model: 'gpt-4o', costMicros: 999_000, status: 'ok', cacheHit: false });
    const err = await judge.judge(FED_POLY, OTHER_KALSHI).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BudgetExceededError);
    expect(srv.requests).toHaveLength(1);
    const refused = (await calls()).filter((c) => c.status === 'budget_refused');
    expect(refused).toHaveLength(1);
    expect(refused[0]!.cost_micros).toBe(0);
    expect(refused[0]!.error).toMatch(/budget exceeded/);
  });

  it('errors are stored scrubbed of API keys; usageSummary reports per provider with p50 latency', async () => {
    const key = 'sk-live-INTEGRATION-5ecr3t-77';
    const { judge } = judgeOn({ key });
    srv.scriptFor('deepseek', { kind: 'status', status: 500, message: `echo ${key}` }, { kind: 'status', status: 500, message: `echo ${key}` });
    srv.scriptFor('openai', { kind: 'content', content: 'nope' });
    const r = await judge.judge(FED_POLY, FED_KALSHI, { pairId: 'p' });
    expect(r.provider).toBe('openai');
    const rows = await calls();
    expect(rows.map((x) => `${x.provider}:${x.status}`).sort()).toEqual(['deepseek:transport_error', 'deepseek:transport_error', 'openai:ok', 'openai:output_error']);
    const errors = rows.map((x) => x.error ?? '').join('\n');
    expect(errors).toContain('[REDACTED]');
    expect(errors).not.toContain(key);

    await judge.judge(FED_POLY, FED_KALSHI); // cache hit (openai's model)
    const summary = await usageSummary(db.pool, { since: new Date(0) });
    expect(summary.map((s) => s.provider)).toEqual(['deepseek', 'openai']);
    const ds = summary[0]!;
    const oa = summary[1]!;
    expect(ds).toMatchObject({ calls: 2, requests: 2, cacheHits: 0, errors: 2, costMicros: 0 });
    expect(oa).toMatchObject({ calls: 3, requests: 2, cacheHits: 1, errors: 1 });
    const oaRows = rows.filter((x) => x.provider === 'openai');
    expect(oa.costMicros).toBe(oaRows.reduce((s, x) => s + x.cost_micros, 0));
    expect(oa.costMicros).toBe(r.costMicros);
    expect(oa.promptTokens).toBe(oaRows.reduce((s, x) => s + (x.prompt_tokens ?? 0), 0));
    const lat = oaRows.map((x) => x.latency_ms!).sort((a, b) => a - b);
    expect(oa.p50LatencyMs).toBe((lat[0]! + lat[1]!) / 2);
    const table = formatUsageTable(summary);
    expect(table).toMatch(/^provider\s+calls/);
    expect(table).toContain('deepseek');
    expect(table.split('\n').at(-1)).toMatch(/^total\s+5\s+4\s+1\s+3/);
  });

  it('both providers down: the failure is recorded per request, the error is clear', async () => {
    const { judge } = judgeOn();
    srv.scriptFor('deepseek', { kind: 'status', status: 503 }, { kind: 'status', status: 503 });
    srv.scriptFor('openai', { kind: 'status', status: 500 }, { kind: 'status', status: 500 });
    await expect(judge.judge(FED_POLY, FED_KALSHI)).rejects.toBeInstanceOf(LlmUnavailableError);
    expect((await calls()).map((c) => c.status)).toEqual(Array(4).fill('transport_error'));
    expect((await db.pool.query('SELECT 1 FROM llm_verdicts')).rowCount).toBe(0);
  });
});
