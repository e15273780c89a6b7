import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLlmServer, type LlmServer } from '../../../tools/llmserver/server.js';
import { BudgetExceededError, LlmJudge, LlmUnavailableError, parseRetryAfter } from '../../../src/matching/llm/client.js';
import { costMicros, MemoryLedger } from '../../../src/matching/cost.js';
import { buildPrompt, VERDICT_EXAMPLE } from '../../../src/matching/verdict.js';
import { formatScaled } from '../../../schema/money.js';
import { captureLogs, FED_KALSHI, FED_POLY, OTHER_KALSHI, provider, testJudge } from './helpers.js';

let srv: LlmServer;
beforeAll(async () => {
  srv = await startLlmServer();
});
afterAll(async () => {
  await srv.stop();
});
beforeEach(() => {
  srv.reset();
  srv.setPolicy(undefined);
});

const INVALID_SCHEMA = JSON.stringify({ sameEvent: true, outcomeMapping: 'MAYBE', confidence: 2 });

describe('judge: happy path', () => {
  it('returns the recorded verdict from the primary with usage tokens and the exact cost', async () => {
    const { judge, ledger } = testJudge(srv);
    const r = await judge.judge(FED_POLY, FED_KALSHI, { pairId: 'p1' });
    expect(r.provider).toBe('deepseek');
    expect(r.model).toBe('deepseek-chat');
    expect(r.cacheHit).toBe(false);
    expect(r.attempts).toBe(1);
    expect(r.verdict.outcomeMapping).toBe('YES_YES');
    expect(r.verdict.sameRules).toBe(true);
    expect(r.verdict.confidence).toBe(0.96);
    expect(r.promptTokens).toBeGreaterThan(300);
    expect(r.completionTokens).toBeGreaterThan(20);
    // the estimate and the server count the same messages with the same tokenizer
    expect(r.estimatedPromptTokens).toBe(r.promptTokens);
    // exact: ceil((pt × 0.27 $ + ct × 1.10 $) per 1M), in micro-dollars
    const expected = Math.ceil((r.promptTokens * 270_000 + r.completionTokens * 1_100_000) / 1_000_000);
    expect(r.costMicros).toBe(expected);
    expect(srv.requests).toHaveLength(1);
    const req = srv.requests[0]!;
    expect(req.route).toBe('deepseek');
    expect(req.path).toBe('/deepseek/chat/completions');
    expect(req.responseFormat).toBe('json_object');
    expect(req.maxTokens).toBe(700);
    expect(req.messages[0]!.role).toBe('system');
    const calls = (ledger as MemoryLedger).calls;
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ provider: 'deepseek', model: 'deepseek-chat', pairId: 'p1', status: 'ok', cacheHit: false, promptTokens: r.promptTokens, completionTokens: r.completionTokens, costMicros: expected });
  });

  it('unknown pairs get the server default (unrelated)', async () => {
    const { judge } = testJudge(srv);
    const r = await judge.judge(FED_POLY, OTHER_KALSHI);
    expect(r.verdict.outcomeMapping).toBe('UNRELATED');
    expect(r.verdict.sameEvent).toBe(false);
  });
});

describe('judge: retries', () => {
  it('500 then success: one retry with full-jitter backoff on virtual time', async () => {
    const { judge, clock, ledger } = testJudge(srv);
    srv.script({ kind: 'status', status: 500 });
    const r = await judge.judge(FED_POLY, FED_KALSHI);
    expect(r.provider).toBe('deepseek');
    expect(r.attempts).toBe(2);
    // random() = 0.5, base 500 ms, first retry: floor(0.5 × 500)
    expect(clock.sleeps).toEqual([250]);
    expect((ledger as MemoryLedger).calls.map((c) => c.status)).toEqual(['transport_error', 'ok']);
    expect(judge.stats.transportErrors).toBe(1);
  });

  it('honours Retry-After in seconds', async () => {
    const { judge, clock } = testJudge(srv);
    srv.script({ kind: 'status', status: 429, retryAfter: '7' });
    const r = await judge.judge(FED_POLY, FED_KALSHI);
    expect(r.attempts).toBe(2);
    expect(clock.sleeps).toEqual([7000]);
  });

  it('honours Retry-After as an HTTP date', async () => {
    const { judge, clock } = testJudge(srv);
    // virtual now + 12 s; the client measures against its (virtual) clock
    srv.script({ kind: 'status', status: 429, retryAfter: new Date(clock.now() + 12_000).toUTCString() });
    await judge.judge(FED_POLY, FED_KALSHI);
    expect(clock.sleeps).toHaveLength(1);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(11_000);
    expect(clock.sleeps[0]).toBeLessThanOrEqual(12_000);
  });

  it('a Retry-After longer than maxRetryAfterMs goes straight to the fallback', async () => {
    const { judge, clock } = testJudge(srv, { maxRetryAfterMs: 5_000 });
    srv.scriptFor('deepseek', { kind: 'status', status: 429, retryAfter: '3600' });
    const r = await judge.judge(FED_POLY, FED_KALSHI);
    expect(r.provider).toBe('openai');
    expect(clock.sleeps).toEqual([]);
  });

  it('timeout (server hangs) is retried', async () => {
    const { judge, ledger } = testJudge(srv, { timeoutMs: 300 });
    srv.script({ kind: 'hang' });
    const r = await judge.judge(FED_POLY, FED_KALSHI);
    expect(r.provider).toBe('deepseek');
    expect(r.attempts).toBe(2);
    const first = (ledger as MemoryLedger).calls[0]!;
    expect(first.status).toBe('transport_error');
    expect(first.error).toMatch(/timed out/);
  });

  it('a truncated HTTP body is retried', async () => {
    const { judge, ledger } = testJudge(srv);
    srv.script({ kind: 'truncated' });
    const r = await judge.judge(FED_POLY, FED_KALSHI);
    expect(r.attempts).toBe(2);
    expect(r.verdict.outcomeMapping).toBe('YES_YES');
    expect((ledger as MemoryLedger).calls[0]!.status).toBe('transport_error');
  });

  it('falls back to GPT-4o once the primary retries are spent', async () => {
    const { judge, clock, ledger } = testJudge(srv, { maxRetries: 3 });
    srv.scriptFor('deepseek', ...Array.from({ length: 4 }, () => ({ kind: 'status' as const, status: 503 })));
    const r = await judge.judge(FED_POLY, FED_KALSHI);
    expect(r.provider).toBe('openai');
    expect(r.model).toBe('gpt-4o');
    expect(r.attempts).toBe(5);
    expect(srv.requests.map((q) => q.route)).toEqual(['deepseek', 'deepseek', 'deepseek', 'deepseek', 'openai']);
    expect(srv.requests[4]!.path).toBe('/openai/v1/chat/completions');
    // exponential: floor(0.5 × 500 × 2^k)
    expect(clock.sleeps).toEqual([250, 500, 1000]);
    expect(judge.stats.fallbacks).toBe(1);
    // GPT-4o prices
    expect(r.costMicros).toBe(costMicros(r.promptTokens, r.completionTokens, 2_500_000, 10_000_000));
    expect((ledger as MemoryLedger).calls.filter((c) => c.provider === 'openai').map((c) => c.status)).toEqual(['ok']);
  });

  it('a 401 from the primary goes to the fallback without retrying', async () => {
    const { judge } = testJudge(srv);
    srv.scriptFor('deepseek', { kind: 'status', status: 401, message: 'bad key' });
    const r = await judge.judge(FED_POLY, FED_KALSHI);
    expect(r.provider).toBe('openai');
    expect(r.attempts).toBe(2);
  });
});

describe('judge: output validation', () => {
  it('non-JSON → LlmOutputError → one repair request → success', async () => {
    const { judge, ledger } = testJudge(srv);
    srv.script({ kind: 'content', content: 'Sure! These look like the same market to me.' });
    const r = await judge.judge(FED_POLY, FED_KALSHI);
    expect(r.provider).toBe('deepseek');
    expect(r.attempts).toBe(2);
    expect(judge.stats.outputErrors).toBe(1);
    expect(judge.stats.repairs).toBe(1);
    const repair = srv.requests[1]!;
    expect(repair.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(repair.messages[2]!.content).toContain('Sure!');
    expect(repair.messages[3]!.content).toMatch(/rejected: not valid JSON/);
    const calls = (ledger as MemoryLedger).calls;
    expect(calls.map((c) => c.status)).toEqual(['output_error', 'ok']);
    // the rejected answer still cost money and is counted in the total
    expect(calls[0]!.costMicros).toBeGreaterThan(0);
    expect(r.costMicros).toBe(calls[0]!.costMicros + calls[1]!.costMicros);
  });

  it('schema-invalid twice → fallback', async () => {
    const { judge } = testJudge(srv);
    srv.scriptFor('deepseek', { kind: 'content', content: INVALID_SCHEMA }, { kind: 'content', content: '{"sameEvent": tr' , finishReason: 'length' });
    const r = await judge.judge(FED_POLY, FED_KALSHI);
    expect(r.provider).toBe('openai');
    expect(r.verdict.outcomeMapping).toBe('YES_YES');
    expect(srv.requests.map((q) => q.route)).toEqual(['deepseek', 'deepseek', 'openai']);
    expect(srv.requests[1]!.messages.at(-1)!.content).toMatch(/does not match the schema/);
    expect(judge.stats.outputErrors).toBe(2);
  });

  it('both providers fail → LlmUnavailableError naming both, no crash', async () => {
    const { judge } = testJudge(srv, { maxRetries: 1 });
    srv.scriptFor('deepseek', { kind: 'status', status: 500 }, { kind: 'status', status: 502 });
    srv.scriptFor('openai', { kind: 'content', content: 'no' }, { kind: 'content', content: INVALID_SCHEMA });
    const err = await judge.judge(FED_POLY, FED_KALSHI).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LlmUnavailableError);
    const e = err as LlmUnavailableError;
    expect(e.kind).toBe('Retryable');
    expect(e.message).toMatch(/deepseek: HTTP 502: scripted 502/);
    expect(e.message).toMatch(/openai answer is not a verdict/);
    expect(srv.requests).toHaveLength(4);
    expect(judge.stats.failures).toBe(1);
    // and the judge still works afterwards
    const r = await judge.judge(FED_POLY, FED_KALSHI);
    expect(r.provider).toBe('deepseek');
  });

  it('a valid answer in a ```json fence is accepted', async () => {
    const { judge } = testJudge(srv);
    srv.script({ kind: 'content', content: '```json\n' + JSON.stringify(VERDICT_EXAMPLE) + '\n```' });
    const r = await judge.judge(FED_POLY, OTHER_KALSHI);
    expect(r.verdict).toEqual(VERDICT_EXAMPLE);
  });
});

describe('judge: budget', () => {
  it('refuses the second call with BudgetExceededError and sends nothing', async () => {
    const est = costMicros(buildPrompt(FED_POLY, FED_KALSHI, { nonce: 'n' }).estimatedPromptTokens, 700, 270_000, 1_100_000);
    const { judge, ledger } = testJudge(srv, { dailyBudgetMicros: est });
    await judge.judge(FED_POLY, FED_KALSHI, { nonce: 'n' });
    expect(srv.requests).toHaveLength(1);
    const err = await judge.judge(FED_POLY, FED_KALSHI, { nonce: 'n', noCache: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BudgetExceededError);
    expect((err as BudgetExceededError).info).toMatchObject({ budgetMicros: est, estimateMicros: est });
    expect(srv.requests).toHaveLength(1);
    expect((ledger as MemoryLedger).calls.map((c) => c.status)).toEqual(['ok', 'budget_refused']);
    expect(judge.stats.budgetRefusals).toBe(1);
  });

  it('the budget is per UTC day: tomorrow the calls go through again', async () => {
    const est = costMicros(buildPrompt(FED_POLY, FED_KALSHI, { nonce: 'n' }).estimatedPromptTokens, 700, 270_000, 1_100_000);
    const { judge, clock } = testJudge(srv, { dailyBudgetMicros: est });
    await judge.judge(FED_POLY, FED_KALSHI, { nonce: 'n' });
    await expect(judge.judge(FED_POLY, FED_KALSHI, { nonce: 'n', noCache: true })).rejects.toBeInstanceOf(BudgetExceededError);
    clock.advance(24 * 3600_000);
    const r = await judge.judge(FED_POLY, FED_KALSHI, { nonce: 'n', noCache: true });
    expect(r.cacheHit).toBe(false);
    expect(srv.requests).toHaveLength(2);
  });
});

describe('judge: budget alert', () => {
  it('alerts once per UTC day at the first refusal (not per refused request), again the next day', async () => {
    const est = costMicros(buildPrompt(FED_POLY, FED_KALSHI, { nonce: 'n' }).estimatedPromptTokens, 700, 270_000, 1_100_000);
    const alerts: { level: string; message: string; source: string; ts: number }[] = [];
    const { judge, clock } = testJudge(srv, { dailyBudgetMicros: est, onAlert: (a) => alerts.push(a) });
    await judge.judge(FED_POLY, FED_KALSHI, { nonce: 'n' });
    expect(alerts).toEqual([]); // spending up to the budget is not an alert
    const refused = await Promise.all([1, 2, 3].map(() => judge.judge(FED_POLY, FED_KALSHI, { nonce: 'n', noCache: true }).catch((e: unknown) => e)));
    for (const e of refused) expect(e).toBeInstanceOf(BudgetExceededError);
    expect(judge.stats.budgetRefusals).toBe(3);
    expect(alerts).toHaveLength(1);
    const spent = await judge.spentToday();
    expect(alerts[0]).toMatchObject({ level: 'critical', source: 'llm', ts: clock.now() });
    expect(alerts[0]!.message).toContain('LLM daily budget reached');
    expect(alerts[0]!.message).toContain('2025-11-20');
    expect(spent).toBeGreaterThan(0);
    expect(alerts[0]!.message).toContain(`$${formatScaled(spent)} spent of $${formatScaled(est)}`);
    // next UTC day: the budget resets; a refusal then alerts again (once)
    clock.advance(24 * 3600_000);
    await judge.judge(FED_POLY, FED_KALSHI, { nonce: 'n', noCache: true });
    await expect(judge.judge(FED_POLY, FED_KALSHI, { nonce: 'n', noCache: true })).rejects.toBeInstanceOf(BudgetExceededError);
    await expect(judge.judge(FED_POLY, FED_KALSHI, { nonce: 'n', noCache: true })).rejects.toBeInstanceOf(BudgetExceededError);
    expect(alerts).toHaveLength(2);
    expect(alerts[1]!.message).toContain('2025-11-21');
  });

  it('a throwing hook does not change the refusal', async () => {
    const { judge } = testJudge(srv, { dailyBudgetMicros: 1, onAlert: () => { throw new Error('hook down'); } });
    await expect(judge.judge(FED_POLY, FED_KALSHI, { nonce: 'n' })).rejects.toBeInstanceOf(BudgetExceededError);
    expect(srv.requests).toHaveLength(0);
  });
});

describe('judge: cache', () => {
  it('a second judge of the same pair (either order) is a cache hit with no HTTP call; changed rules re-check', async () => {
    const { judge, ledger } = testJudge(srv);
    const first = await judge.judge(FED_POLY, FED_KALSHI, { pairId: 'p1' });
    const again = await judge.judge(FED_KALSHI, FED_POLY, { pairId: 'p1' });
    expect(srv.requests).toHaveLength(1);
    expect(again).toMatchObject({ cacheHit: true, attempts: 0, costMicros: 0, provider: 'deepseek', model: 'deepseek-chat', cacheKey: first.cacheKey });
    expect(again.verdict).toEqual(first.verdict);
    const calls = (ledger as MemoryLedger).calls;
    expect(calls.at(-1)).toMatchObject({ status: 'cache_hit', cacheHit: true, costMicros: 0, pairId: 'p1' });
    const changed = { ...FED_KALSHI, rulesText: FED_KALSHI.rulesText + ' Amended: a cut of 50 bps also counts.' };
    const re = await judge.judge(FED_POLY, changed);
    expect(re.cacheHit).toBe(false);
    expect(re.cacheKey).not.toBe(first.cacheKey);
    expect(srv.requests).toHaveLength(2);
  });
});

describe('judge: secrets', () => {
  it('API keys never appear in logs or stored errors, even when a provider echoes them', async () => {
    const key = 'sk-live-SECRET-9f8e7d6c5b4a';
    const ledger = new MemoryLedger();
    const judge = new LlmJudge({
      providers: [provider(srv, 'deepseek', { apiKey: key }), provider(srv, 'openai', { apiKey: key + '-fallback' })],
      dailyBudgetMicros: 5_000_000,
      timeoutMs: 2_000,
      ledger,
      clock: testJudge(srv).clock,
      maxRetries: 0,
    });
    srv.scriptFor('deepseek', { kind: 'status', status: 500, message: `upstream rejected Authorization: Bearer ${key}` });
    srv.scriptFor('openai', { kind: 'content', content: `I cannot help; your key ${key}-fallback is logged` }, { kind: 'status', status: 400, message: `bad key ${key}-fallback` });
    const { error, lines } = await captureLogs(() => judge.judge(FED_POLY, FED_KALSHI));
    expect(error).toBeInstanceOf(LlmUnavailableError);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines).toContain('[REDACTED]');
    expect(lines).not.toContain(key);
    expect((error as Error).message).not.toContain(key);
    const stored = ledger.calls.map((c) => c.error ?? '').join('\n');
    expect(stored).toContain('[REDACTED]');
    expect(stored).not.toContain(key);
    expect(srv.requests.every((r) => r.authorized)).toBe(true);
  });
});

describe('judge: providers', () => {
  it('a remote provider without an API key is skipped, the next one answers', async () => {
    const ledger = new MemoryLedger();
    const judge = new LlmJudge({
      providers: [{ ...provider(srv, 'deepseek'), baseUrl: 'https://api.deepseek.invalid', apiKey: undefined }, provider(srv, 'openai')],
      dailyBudgetMicros: 5_000_000,
      timeoutMs: 2_000,
      ledger,
    });
    const r = await judge.judge(FED_POLY, FED_KALSHI);
    expect(r.provider).toBe('openai');
  });
});

describe('parseRetryAfter', () => {
  const h = (o: Record<string, string>) => new Headers(o);
  it('reads seconds, HTTP dates and retry-after-ms', () => {
    expect(parseRetryAfter(h({ 'retry-after': '3' }), 0)).toBe(3000);
    expect(parseRetryAfter(h({ 'retry-after': '0.5' }), 0)).toBe(500);
    expect(parseRetryAfter(h({ 'retry-after-ms': '1234' }), 0)).toBe(1234);
    const now = Date.UTC(2025, 0, 1);
    expect(parseRetryAfter(h({ 'retry-after': new Date(now + 30_000).toUTCString() }), now)).toBe(30_000);
    expect(parseRetryAfter(h({ 'retry-after': new Date(now - 30_000).toUTCString() }), now)).toBe(0);
    expect(parseRetryAfter(h({ 'retry-after': 'soon' }), 0)).toBeUndefined();
    expect(parseRetryAfter(h({}), 0)).toBeUndefined();
    expect(parseRetryAfter(undefined, 0)).toBeUndefined();
  });
});

describe('judge: rate limit', () => {
  it('61 judgements at 60 requests/min: the 61st request waits 1 s of virtual time', async () => {
    const { judge, clock } = testJudge(srv);
    for (let i = 0; i < 61; i++) await judge.judge(FED_POLY, FED_KALSHI, { noCache: true });
    expect(srv.requests).toHaveLength(61);
    expect(clock.sleeps).toEqual([1000]);
  });
});
