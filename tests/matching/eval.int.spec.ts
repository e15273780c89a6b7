/**
 * `arbstream match eval` end to end: the shipped label set through the venue mappings, the memory
 * store, the real matcher and LLM client against the local server, with each model. Asserts the
 * report's shape and invariants; the quality targets (issue 14) are asserted by the lead once every
 * guard has landed.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { register } from '../../src/cli/match.js';
import { loadConfig } from '../../src/config.js';
import { computeMetrics, EVAL_MODELS, loadLabels, runEval, type EvalModel, type EvalReport, type LabelledPair } from '../../src/matching/eval.js';

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
    expect(Object.keys(report)).toEqual(expect.arrayContaining(['metrics', 'llm', 'wallMs', 'pairs', 'matcher']));

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
