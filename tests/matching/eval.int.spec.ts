/**
 * `arbstream match eval` end to end: the shipped label set through the venue mappings, the memory
 * store, the real matcher and LLM client against the local server, with each model. Asserts the
 * report's shape and invariants, the quality targets of issue 14 (EVAL_TARGETS), and the re-check
 * of an approved pair whose market rules change, on the real loop.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { register } from '../../src/cli/match.js';
import { loadConfig } from '../../src/config.js';
import { computeMetrics, EVAL_MODELS, EVAL_TARGETS, loadLabels, localJudge, runEval, type EvalModel, type EvalReport, type LabelledPair } from '../../src/matching/eval.js';
import { runMatcher } from '../../src/matching/matcher.js';
import { MemoryMatcherStore } from '../../src/matching/memoryStore.js';
import { rulesHash } from '../../src/matching/records.js';
import { alwaysUnrelated, oraclePolicy, startLlmServer } from '../../tools/llmserver/server.js';

const DIR = new URL('../fixtures/matching/labels/', import.meta.url).pathname;
const DECISIONS = ['approved', 'held', 'rejected', 'not proposed'];

let pairs: LabelledPair[];
const reports = new Map<EvalModel, EvalReport>();
beforeAll(async () => {
  pairs = loadLabels(DIR);
  const llm = loadConfig({}).llm;
  for (const model of EVAL_MODELS) reports.set(model, await runEval({ pairs, model, llm, autoApproveConfidence: 0.9 }));
}, 240_000);

describe('match eval over the label directory', () => {
  it.each(EVAL_MODELS)('%s: a decision for every labelled pair, counts that add up, cost from the ledger', (model) => {
    const r = reports.get(model)!;
    expect(r.model).toBe(model);
    expect(r.labelled).toBe(pairs.length);
    expect(r.pairs.map((p) => p.id)).toEqual(pairs.map((p) => p.id));
    for (const p of r.pairs) expect(DECISIONS).toContain(p.decision);
    expect(r.matcher.errors).toBe(0);
    // one matcher run: its approvals are the store's approvals, labelled or not
    expect(r.metrics.approved).toBe(r.matcher.approved);
    expect(r.unlabelledApproved).toHaveLength(r.metrics.unlabelledApproved);
    const classes = Object.values(r.metrics.byClass);
    expect(classes.reduce((s, c) => s + c.pairs, 0)).toBe(pairs.length);
    for (const c of classes) expect(c.approved + c.held + c.rejected + c.notProposed).toBe(c.pairs);
    // every judged pair is one request to the local server (no retries, no cache hits in a fresh store)
    expect(r.llm.calls).toBe(r.matcher.judged);
    expect(r.llm.cacheHits).toBe(0);
    expect(r.llm.costMicros).toBe(r.matcher.costMicros);
    expect(r.llm.costPerJudgedPairMicros).toBe(Math.ceil(r.llm.costMicros / r.matcher.judged));
    expect(r.llm.promptTokens).toBeGreaterThan(100 * r.llm.calls);
    expect(Object.values(r.markets).reduce((s, n) => s + n, 0)).toBe(new Set(pairs.flatMap((p) => p.legs.map((m) => `${m.record.venue}:${m.record.marketId}`))).size);
  });

  it('always-yes: the model says equivalent to everything, so every pair it judged without a failing guard is approved or held', () => {
    const r = reports.get('always-yes')!;
    for (const p of r.pairs.filter((x) => x.decision === 'rejected')) expect(p.reasons.join('\n')).toMatch(/guard \w+ fail/);
  });

  it('oracle: recall on the true and inverted classes is computed, the mapping is never wrong and no "different" pair is approved', () => {
    const r = reports.get('oracle')!;
    const onTrue = computeMetrics(r.pairs.filter((p) => p.class === 'true' || p.class === 'inverted'), 0);
    expect(onTrue.truePairs).toBe(pairs.filter((p) => p.class === 'true' || p.class === 'inverted').length);
    expect(onTrue.recall).toBeGreaterThan(0);
    expect(onTrue.recall).toBeLessThanOrEqual(1);
    expect(r.metrics.wrongMapping).toEqual([]);
    expect(r.metrics.lookalikesApproved).toEqual([]);
    // every approved inverted pair carries YES↔NO, every approved equivalent pair YES↔YES
    for (const p of r.pairs.filter((x) => x.decision === 'approved')) expect(p.yesMapsToNo).toBe(p.label === 'inverted');
  });

  it('issue 14 target: with a model that says yes to everything, no lookalike is approved and no approved pair has a wrong mapping', () => {
    const r = reports.get('always-yes')!;
    expect(r.metrics.byLabel.different?.pairs).toBeGreaterThanOrEqual(40);
    expect(r.metrics.byLabel.different?.approved).toBe(0);
    expect(r.metrics.lookalikesApproved).toEqual([]);
    expect(r.metrics.wrongMapping).toEqual([]);
    for (const p of r.pairs.filter((x) => x.decision === 'approved')) {
      expect(p.label).not.toBe('different');
      expect(p.mappingOk).toBe(true);
      expect(p.yesMapsToNo).toBe(p.label === 'inverted');
    }
  });

  it('issue 14 target: with the oracle model, recall on the true pairs is at least 95%', () => {
    const r = reports.get('oracle')!;
    const missed = r.pairs.filter((p) => p.label !== 'different' && !(p.decision === 'approved' && p.mappingOk)).map((p) => `${p.id}: ${p.decision} ${p.reasons[1] ?? p.reasons[0] ?? ''}`);
    expect(r.metrics.truePairs).toBeGreaterThanOrEqual(60);
    expect(r.metrics.recall!, `missed: ${missed.join('\n')}`).toBeGreaterThanOrEqual(EVAL_TARGETS.minOracleRecall);
    expect(EVAL_TARGETS.minOracleRecall).toBe(0.95);
  });

  it.each(EVAL_MODELS)('issue 14 target, %s: an LLM-judged pair costs at most $0.0005 at the configured prices; the report checks every target', (model) => {
    const r = reports.get(model)!;
    const { primary, fallback } = loadConfig({}).llm;
    expect(r.llm.prices).toEqual([primary, fallback].map((p) => ({ provider: p.name, model: p.model, inPerMTokMicros: p.priceInPerMTokMicros, outPerMTokMicros: p.priceOutPerMTokMicros })));
    expect(r.matcher.judged).toBeGreaterThan(0);
    // every call went to the primary (no faults scripted): its prices price the tokens
    const atPrimary = Math.ceil((r.llm.promptTokens * primary.priceInPerMTokMicros + r.llm.completionTokens * primary.priceOutPerMTokMicros) / 1e6);
    expect(Math.abs(r.llm.costMicros - atPrimary)).toBeLessThanOrEqual(r.llm.calls);
    expect(r.llm.costPerJudgedPairMicros!).toBeLessThanOrEqual(500);
    expect(EVAL_TARGETS.maxCostPerJudgedPairMicros).toBe(500);
    // the report's own target checks agree with the assertions above
    expect(r.targets.map((t) => t.target)).toEqual(['lookalikes approved', 'wrong mapping', ...(model === 'oracle' ? ['recall (oracle)'] : []), 'cost per judged pair (micros)']);
    expect(r.targets.find((t) => t.target.startsWith('cost'))).toMatchObject({ ok: true, value: r.llm.costPerJudgedPairMicros, limit: 500 });
  });

  it('the CLI: --json prints one JSON report; a label file with an error exits 2 naming the line and field', async () => {
    const cli = async (args: string[]): Promise<{ code: number; out: string; err: string }> => {
      const out: string[] = [];
      const err: string[] = [];
      const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
      const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
      const before = process.exitCode;
      try {
        const program = new Command().exitOverride();
        register(program);
        await program.parseAsync(['node', 'arbstream', 'match', 'eval', ...args]);
        return { code: Number(process.exitCode ?? 0), out: out.join('\n'), err: err.join('\n') };
      } finally {
        process.exitCode = before;
        log.mockRestore();
        error.mockRestore();
      }
    };
    const ok = await cli(['--labels', join(DIR, 'inverted.jsonl'), '--model', 'oracle', '--json', '--auto-approve', '0.9']);
    expect(ok.code).toBe(0);
    const report = JSON.parse(ok.out) as EvalReport;
    expect(report).toMatchObject({ model: 'oracle', labelled: pairs.filter((p) => p.where.includes('inverted.jsonl')).length });
    expect(Object.keys(report)).toEqual(expect.arrayContaining(['metrics', 'llm', 'wallMs', 'pairs', 'matcher', 'targets']));
    // everything the target assertions read is in the JSON
    expect(report.metrics).toMatchObject({ recall: expect.any(Number), truePairs: expect.any(Number), lookalikesApproved: expect.any(Array), wrongMapping: expect.any(Array) });
    expect(report.metrics.byLabel.inverted).toMatchObject({ pairs: expect.any(Number), approved: expect.any(Number) });
    expect(report.llm).toMatchObject({ costPerJudgedPairMicros: expect.any(Number), prices: [expect.objectContaining({ provider: 'deepseek' }), expect.objectContaining({ provider: 'openai' })] });
    expect(report.targets.map((t) => t.target)).toContain('recall (oracle)');
    for (const p of report.pairs) expect(Object.keys(p)).toEqual(expect.arrayContaining(['id', 'label', 'decision', 'mappingOk', 'yesMapsToNo']));
    // --check: exit 0 when every target is met (the inverted set: all approved with YES↔NO)
    if (report.targets.every((t) => t.ok)) expect((await cli(['--labels', join(DIR, 'inverted.jsonl'), '--model', 'oracle', '--check', '--auto-approve', '0.9'])).code).toBe(0);

    const dir = mkdtempSync(join(tmpdir(), 'labels-'));
    const lines = readFileSync(join(DIR, 'true_pairs.jsonl'), 'utf8').trim().split('\n');
    const bad = JSON.parse(lines[1]!) as { b: { market: Record<string, unknown> } };
    bad.b.market.close_time = 1767225600;
    writeFileSync(join(dir, 'x.jsonl'), [lines[0], JSON.stringify(bad)].join('\n'));
    const fail = await cli(['--labels', dir]);
    expect(fail.code).toBe(2);
    expect(fail.err).toMatch(/x\.jsonl:2: b\.market\.close_time: .*expected string/);
    expect(fail.out).toBe('');
    expect((await cli(['--labels', dir, '--model', 'gpt-5'])).code).toBe(2);
    expect((await cli(['--labels', dir, '--auto-approve', '1.5'])).code).toBe(2);
  }, 120_000);
});

/**
 * The held-out sets (tests/fixtures/matching/heldout*), written by people who had not read the
 * matcher: the safety target holds on them too (no lookalike approved with a yes-to-everything
 * model, no wrong mapping with either model). Their oracle recall is printed, not asserted: it is
 * the measure of generalisation reported in the notes.
 */
const HELD_OUT = ['heldout', 'heldout2', 'heldout3']
  .map((name) => ({ name, dir: new URL(`../fixtures/matching/${name}/`, import.meta.url).pathname }))
  .filter((d) => existsSync(d.dir));

describe.each(HELD_OUT)('held-out set $name', ({ name, dir }) => {
  it('always-yes approves no lookalike and no wrong mapping; oracle never maps wrong either', async () => {
    const set = loadLabels(dir);
    const llm = loadConfig({}).llm;
    const yes = await runEval({ pairs: set, model: 'always-yes', llm, autoApproveConfidence: 0.9 });
    expect(yes.metrics.lookalikesApproved).toEqual([]);
    expect(yes.metrics.wrongMapping).toEqual([]);
    const oracle = await runEval({ pairs: set, model: 'oracle', llm, autoApproveConfidence: 0.9 });
    expect(oracle.metrics.lookalikesApproved).toEqual([]);
    expect(oracle.metrics.wrongMapping).toEqual([]);
    console.log(`[held-out ${name}] ${set.length} pairs: oracle recall ${((oracle.metrics.recall ?? 0) * 100).toFixed(1)}%, always-yes recall ${((yes.metrics.recall ?? 0) * 100).toFixed(1)}%`);
  }, 240_000);
});

describe('re-check on rules changes, on the real loop (memory store, matcher, LLM client, local server)', () => {
  it('an approved pair whose market rules change is set back to pending and re-judged on the new rules; unchanged pairs are not', async () => {
    const oracle = reports.get('oracle')!;
    const approvedIds = new Set(oracle.pairs.filter((p) => p.decision === 'approved' && p.label === 'equivalent').map((p) => p.id));
    const chosen = pairs.filter((p) => approvedIds.has(p.id)).slice(0, 2);
    expect(chosen).toHaveLength(2);
    const [changing, steady] = chosen as [LabelledPair, LabelledPair];
    const store = new MemoryMatcherStore();
    await store.upsertMarkets(chosen.flatMap((p) => p.legs.map((m) => ({ record: { ...m.record, status: 'open' as const }, textFlags: m.textFlags }))));
    const srv = await startLlmServer({ recordings: [] });
    try {
      srv.setPolicy(oraclePolicy(chosen.map((p) => ({ marketIds: [p.legs[0].record.marketId, p.legs[1].record.marketId], answer: p.label }))));
      const judge = localJudge(srv.url, loadConfig({}).llm, store.ledger);
      const run = () => runMatcher({ store, judge: (a, b, opts) => judge.judge(a, b, opts), autoApproveConfidence: 0.9 });
      const pairOf = (p: LabelledPair) => store.pairs().find((x) => x.legs[1].marketId === p.legs[1].record.marketId && x.legs[0].marketId === p.legs[0].record.marketId)!;

      const first = await run();
      expect(pairOf(changing).status).toBe('approved');
      expect(pairOf(steady).status).toBe('approved');
      const requestsAfterFirst = srv.requests.length;
      expect(requestsAfterFirst).toBe(first.judged);

      // same rules: nothing is judged again
      const second = await run();
      expect(second.judged).toBe(0);
      expect(srv.requests.length).toBe(requestsAfterFirst);

      // the Kalshi market of one approved pair changes its rules (a new settlement condition)
      const old = changing.legs[1].record;
      const changed = { ...old, status: 'open' as const, rulesText: `${old.rulesText} If the event is postponed by more than 7 days, this market resolves No.` };
      expect(rulesHash(changed)).not.toBe(rulesHash(old));
      const up = await store.upsertMarkets([{ record: changed, textFlags: changing.legs[1].textFlags }]);
      expect(up.changed).toEqual([{ venue: old.venue, marketId: old.marketId }]);
      expect(pairOf(changing)).toMatchObject({ status: 'pending', decidedBy: 'discovery' });
      expect(pairOf(changing).reasons.at(-1)).toMatch(/rules changed: re-check/);
      expect(pairOf(steady).status).toBe('approved');

      // the model now finds the rules differ: the re-check asks it (a new verdict key, no cache hit) and the pair is no longer approved
      srv.setPolicy(alwaysUnrelated);
      const third = await run();
      expect(third.judged).toBe(1);
      expect(srv.requests.length).toBe(requestsAfterFirst + 1);
      expect(srv.requests.at(-1)!.prompt).toContain('postponed by more than 7 days');
      expect(store.ledger.calls.filter((c) => c.status === 'cache_hit')).toEqual([]);
      const rechecked = pairOf(changing);
      expect(rechecked.status).toBe('rejected');
      expect(rechecked.decidedBy).toBe('matcher');
      expect((rechecked.guards as { rulesHash: { kalshi: string } }).rulesHash.kalshi).toBe(rulesHash(changed));
      expect(pairOf(steady).status).toBe('approved');

      // decided on the new rules: the next run leaves it alone
      expect((await run()).judged).toBe(0);
    } finally {
      await srv.stop();
    }
  }, 60_000);
});
