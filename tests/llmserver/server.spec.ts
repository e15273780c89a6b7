import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import {
  alwaysEquivalent, EQUIVALENT_VERDICT, loadRecordedAnswers, recordedPolicy, startLlmServer, UNRELATED_VERDICT, type LlmServer,
} from '../../tools/llmserver/server.js';
import { buildPrompt, Verdict } from '../../src/matching/verdict.js';
import { FED_KALSHI, FED_POLY, OTHER_KALSHI } from '../matching/llm/helpers.js';

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

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(srv.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

const chat = (a = FED_POLY, b = FED_KALSHI) => ({ model: 'deepseek-chat', messages: buildPrompt(a, b).messages });

describe('llmserver', () => {
  it('listens on 127.0.0.1 and answers chat.completion JSON with usage on both path styles', async () => {
    expect(srv.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    for (const path of ['/v1/chat/completions', '/chat/completions', '/deepseek/chat/completions', '/openai/v1/chat/completions']) {
      const res = await post(path, chat());
      expect(res.status).toBe(200);
      const body = (await res.json()) as { object: string; model: string; choices: { message: { content: string }; finish_reason: string }[]; usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } };
      expect(body.object).toBe('chat.completion');
      expect(body.model).toBe('deepseek-chat');
      expect(body.choices[0]!.finish_reason).toBe('stop');
      expect(body.usage.prompt_tokens).toBeGreaterThan(300);
      expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
      // the recorded answer for the Fed pair, valid against the schema
      const v = Verdict.parse(JSON.parse(body.choices[0]!.message.content));
      expect(v.outcomeMapping).toBe('YES_YES');
    }
    expect(srv.requests.map((r) => r.route)).toEqual(['', '', 'deepseek', 'openai']);
  });

  it('works with the openai client', async () => {
    const client = new OpenAI({ baseURL: `${srv.url}/v1`, apiKey: 'k-test', maxRetries: 0 });
    const res = await client.chat.completions.create({ ...chat(), messages: chat().messages, response_format: { type: 'json_object' } });
    expect(res.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(srv.requests[0]).toMatchObject({ responseFormat: 'json_object', authorized: true });
  });

  it('answers unknown pairs with the default (unrelated) and honours a policy', async () => {
    let body = (await (await post('/v1/chat/completions', chat(FED_POLY, OTHER_KALSHI))).json()) as { choices: { message: { content: string } }[] };
    expect(JSON.parse(body.choices[0]!.message.content)).toEqual(UNRELATED_VERDICT);
    srv.setPolicy(alwaysEquivalent);
    body = (await (await post('/v1/chat/completions', chat(FED_POLY, OTHER_KALSHI))).json()) as typeof body;
    expect(JSON.parse(body.choices[0]!.message.content)).toEqual(EQUIVALENT_VERDICT);
    expect(Verdict.safeParse(EQUIVALENT_VERDICT).success).toBe(true);
    expect(Verdict.safeParse(UNRELATED_VERDICT).success).toBe(true);
  });

  it('plays scripted faults in order, route queue first', async () => {
    srv.script({ kind: 'status', status: 429, retryAfter: '3' }, { kind: 'content', content: 'not json' });
    srv.scriptFor('openai', { kind: 'status', status: 503 });
    expect(srv.pending()).toBe(3);
    const r1 = await post('/openai/v1/chat/completions', chat());
    expect(r1.status).toBe(503);
    const r2 = await post('/deepseek/chat/completions', chat());
    expect(r2.status).toBe(429);
    expect(r2.headers.get('retry-after')).toBe('3');
    expect(((await r2.json()) as { error: { type: string } }).error.type).toBe('rate_limit_error');
    const r3 = (await (await post('/deepseek/chat/completions', chat())).json()) as { choices: { message: { content: string } }[] };
    expect(r3.choices[0]!.message.content).toBe('not json');
    expect(srv.pending()).toBe(0);
    expect(srv.requests.map((r) => r.outcome)).toEqual(['status', 'status', 'content']);
  });

  it('truncated body: the client sees a broken response', async () => {
    srv.script({ kind: 'truncated' });
    await expect(post('/v1/chat/completions', chat()).then((r) => r.text())).rejects.toThrow();
  });

  it('hang: never answers, the client times out', async () => {
    const client = new OpenAI({ baseURL: `${srv.url}/v1`, apiKey: 'k', maxRetries: 0, timeout: 200 });
    srv.script({ kind: 'hang' });
    await expect(client.chat.completions.create({ ...chat(), messages: chat().messages })).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    expect(srv.requests.map((r) => r.outcome)).toEqual(['hang']);
  });

  it('rejects bad requests clearly', async () => {
    expect((await post('/v1/chat/completions', '{not json')).status).toBe(400);
    expect((await post('/v1/chat/completions', { model: 'x' })).status).toBe(400);
    expect((await post('/v1/other', chat())).status).toBe(404);
    expect((await fetch(srv.url + '/v1/chat/completions')).status).toBe(404);
  });

  it('checks the API key when given one', async () => {
    const s = await startLlmServer({ apiKey: 'sekret-key', recordings: [] });
    try {
      expect((await fetch(s.url + '/v1/chat/completions', { method: 'POST', body: JSON.stringify(chat()) })).status).toBe(401);
      const ok = await fetch(s.url + '/v1/chat/completions', { method: 'POST', headers: { authorization: 'Bearer sekret-key' }, body: JSON.stringify(chat()) });
      expect(ok.status).toBe(200);
    } finally {
      await s.stop();
    }
  });

  it('recorded answers in tests/fixtures/llm are valid verdicts and match by market ids', () => {
    const recs = loadRecordedAnswers();
    expect(recs.length).toBeGreaterThanOrEqual(2);
    for (const r of recs) expect(Verdict.safeParse(r.content).success, r.name).toBe(true);
    const policy = recordedPolicy(recs);
    const prompt = buildPrompt(FED_POLY, FED_KALSHI).messages[1]!.content;
    expect(policy({ route: '', path: '', model: 'm', messages: [], prompt, authorized: false, outcome: 'answer' })).toMatchObject({ outcomeMapping: 'YES_YES' });
    const other = buildPrompt(FED_POLY, OTHER_KALSHI).messages[1]!.content;
    expect(policy({ route: '', path: '', model: 'm', messages: [], prompt: other, authorized: false, outcome: 'answer' })).toBeUndefined();
  });

  it('stop() ends hung connections and is idempotent', async () => {
    const s = await startLlmServer({ recordings: [] });
    s.script({ kind: 'hang' });
    const pending = fetch(s.url + '/v1/chat/completions', { method: 'POST', body: JSON.stringify(chat()) }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    await Promise.all([s.stop(), s.stop()]);
    expect(await pending).toBeInstanceOf(Error);
  });
});
