/** The eval's label parser (errors name the line and the field) and its metrics math. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkLabelSet, computeMetrics, evalTargets, loadLabels, LabelSetError, outcomeOf, parseLabelText, type PairOutcome } from '../../src/matching/eval.js';
import type { MemoryPair } from '../../src/matching/memoryStore.js';
import { oraclePolicy, type RecordedRequest } from '../../tools/llmserver/server.js';

const DIR = new URL('../fixtures/matching/labels/', import.meta.url).pathname;
const TRUE_LINES = readFileSync(`${DIR}true_pairs.jsonl`, 'utf8').trim().split('\n');
// a line of this helper's own (its Kalshi market is not shared with other label files)
const LINE = TRUE_LINES.find((l) => l.includes('"id": "true-superbowl-lx-chiefs"') || l.includes('"id":"true-superbowl-lx-chiefs"'))!;
const first = (): Record<string, any> => JSON.parse(LINE); // eslint-disable-line @typescript-eslint/no-explicit-any
const text = (...lines: unknown[]): string => lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n');

describe('label parser', () => {
  it('parses a good line through both venue mappings, leg A on Polymarket whatever the order in the file', () => {
    const l = first();
    const swapped = { ...l, id: 'swapped', a: l.b, b: l.a };
    const r = parseLabelText(text(l, '', swapped), 'x.jsonl');
    expect(r.problems).toEqual([]);
    expect(r.pairs).toHaveLength(2);
    for (const p of r.pairs) {
      expect(p.legs.map((m) => m.record.venue)).toEqual(['polymarket', 'kalshi']);
      expect(p.legs[1].record.marketId).toBe(l.b.market.ticker);
    }
    expect(r.pairs[1]!.where).toBe('x.jsonl:3');
    // the Kalshi event's title and category reach the record, as discovery would set them
    expect(r.pairs[0]!.legs[1].record.title).toContain(l.b.event.title);
    expect(r.pairs[0]!.legs[1].record.category).toBe(l.b.event.category);
    expect(r.pairs[0]!.legs[1].record.expectedResolutionTime).toBe(Date.parse(l.b.market.expected_expiration_time));
  });

  it('names the line and the zod field path of a bad field', () => {
    const l = first();
    l.b.market.close_time = 1735689600;
    const r = parseLabelText(text(first(), first(), l), 'labels/x.jsonl');
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatch(/^labels\/x\.jsonl:3: b\.market\.close_time: .*expected string/);
  });

  it('reports every problem: bad JSON, unknown label, missing field, same venue on both sides, unknown keys', () => {
    const badLabel = { ...first(), label: 'maybe' };
    const noQuestion = first();
    delete noQuestion.a.market.question;
    const sameVenue = { ...first(), b: first().a };
    const extra = { ...first(), colour: 'red' };
    const r = parseLabelText(text('{"id": "x",', badLabel, noQuestion, sameVenue, extra), 'f.jsonl');
    expect(r.pairs).toEqual([]);
    expect(r.problems[0]).toMatch(/^f\.jsonl:1: invalid JSON/);
    expect(r.problems).toContainEqual(expect.stringMatching(/^f\.jsonl:2: label: /));
    expect(r.problems).toContainEqual(expect.stringMatching(/^f\.jsonl:3: a\.market\.question: /));
    expect(r.problems).toContainEqual(expect.stringMatching(/^f\.jsonl:4: b\.venue: a and b must be on different venues/));
    expect(r.problems).toContainEqual(expect.stringMatching(/^f\.jsonl:5: .*colour/));
  });

  describe('bad input: each problem names the file, the line and the field', () => {
    const only = (...lines: unknown[]): string[] => {
      const r = parseLabelText(text(first(), ...lines), 'labels/bad.jsonl');
      expect(r.pairs).toHaveLength(1); // the good line still parses
      return r.problems;
    };
    it('a malformed JSON line', () => {
      const problems = only(LINE.slice(0, -1));
      expect(problems).toEqual([expect.stringMatching(/^labels\/bad\.jsonl:2: invalid JSON: /)]);
    });
    it('a missing field, top level and inside a market payload', () => {
      const noLabel = first();
      delete noLabel.label;
      const noTicker = first();
      delete noTicker.b.market.ticker;
      const problems = only(noLabel, noTicker);
      expect(problems).toEqual([
        expect.stringMatching(/^labels\/bad\.jsonl:2: label: .*(expected|Required)/),
        expect.stringMatching(/^labels\/bad\.jsonl:3: b\.market\.ticker: .*expected string/),
      ]);
    });
    it('a wrong label value (and a wrong class), with the allowed values', () => {
      const problems = only({ ...first(), label: 'equivalant' }, { ...first(), class: 'lookalike' });
      expect(problems).toEqual([
        expect.stringMatching(/^labels\/bad\.jsonl:2: label: .*"equivalent".*"inverted".*"different"/),
        expect.stringMatching(/^labels\/bad\.jsonl:3: class: .*"true"/),
      ]);
    });
    it('a market payload that fails its venue schema (Gamma market, Kalshi market, Kalshi event)', () => {
      const poly = first();
      poly.a.market.outcomes = 42;
      const kalshi = first();
      kalshi.b.market.close_time = 1735689600;
      const event = first();
      event.b.event.title = ['not', 'a', 'string'];
      const problems = only(poly, kalshi, event);
      expect(problems).toEqual([
        expect.stringMatching(/^labels\/bad\.jsonl:2: a\.market\.outcomes: /),
        expect.stringMatching(/^labels\/bad\.jsonl:3: b\.market\.close_time: .*expected string/),
        expect.stringMatching(/^labels\/bad\.jsonl:4: b\.event\.title: .*expected string/),
      ]);
    });
  });

  it('a payload the venue mapping refuses is a problem on its line', () => {
    const l = first();
    l.a.market.clobTokenIds = JSON.stringify(['1']);
    const r = parseLabelText(text(l), 'f.jsonl');
    expect(r.problems).toEqual([expect.stringMatching(/^f\.jsonl:1: a\.market: polymarket mapping refused it: .*not binary/)]);
  });

  it('cross-line checks: duplicate ids, the same two markets labelled twice, one market id with two contents', () => {
    const a = first();
    const b = { ...first(), id: 'other' };
    const c = first();
    c.id = 'third';
    c.b.market.ticker = 'KXSB-26-PHI';
    c.a.market.description += ' Changed.';
    const { pairs, problems } = parseLabelText(text(a, a, b, c), 'f.jsonl');
    expect(problems).toEqual([]);
    const found = checkLabelSet(pairs);
    expect(found).toContainEqual(expect.stringMatching(/^f\.jsonl:2: id: duplicate id "true-superbowl-lx-chiefs" \(first at f\.jsonl:1\)/));
    expect(found).toContainEqual(expect.stringMatching(/^f\.jsonl:3: b\.market: this pair of markets is already labelled at f\.jsonl:1/));
    expect(found).toContainEqual(expect.stringMatching(/^f\.jsonl:4: polymarket:0x[0-9a-f]+: the same market id has other text/));
  });

  it('loadLabels on the shipped true and inverted files: no problems, ids unique, every area covered', () => {
    const pairs = [...loadLabels(`${DIR}true_pairs.jsonl`), ...loadLabels(`${DIR}inverted.jsonl`)];
    expect(checkLabelSet(pairs)).toEqual([]);
    const byClass = (c: string) => pairs.filter((p) => p.class === c);
    expect(byClass('true').length).toBeGreaterThanOrEqual(15);
    expect(byClass('inverted').length).toBeGreaterThanOrEqual(5);
    expect(byClass('inverted').every((p) => p.label === 'inverted')).toBe(true);
    expect(new Set(pairs.map((p) => p.id)).size).toBe(pairs.length);
    expect(new Set(byClass('true').map((p) => p.legs[0].record.category))).toEqual(new Set(['Politics', 'Sports', 'Crypto', 'Economics']));
  });

  it('loadLabels throws a LabelSetError for a missing path or a directory without label files', () => {
    expect(() => loadLabels('/nonexistent/labels')).toThrow(LabelSetError);
    expect(() => loadLabels(`${DIR}../../llm`)).toThrow(/no \*\.jsonl files/);
  });
});

const o = (over: Partial<PairOutcome>): PairOutcome => ({
  id: 'x', class: 'true', label: 'equivalent', where: 'f:1', decision: 'approved', mappingOk: true, yesMapsToNo: false, confidence: 0.99, reasons: [], ...over,
});

describe('metrics', () => {
  it('precision, recall and the confusion by class', () => {
    const outcomes = [
      o({ id: 't1' }),
      o({ id: 't2', decision: 'held', mappingOk: true }),
      o({ id: 't3', decision: 'not proposed', mappingOk: null }),
      o({ id: 'i1', class: 'inverted', label: 'inverted', yesMapsToNo: true }),
      o({ id: 'i2', class: 'inverted', label: 'inverted', mappingOk: false }),
      o({ id: 'l1', class: 'subject', label: 'different', mappingOk: null }),
      o({ id: 'l2', class: 'subject', label: 'different', decision: 'rejected', mappingOk: null }),
    ];
    const m = computeMetrics(outcomes, 1);
    // approved: t1, i1, i2 (wrong mapping), l1 (lookalike) + 1 unlabelled = 5; correct: t1, i1
    expect(m.approved).toBe(5);
    expect(m.approvedCorrect).toBe(2);
    expect(m.precision).toBeCloseTo(2 / 5, 12);
    expect(m.truePairs).toBe(5);
    expect(m.recall).toBeCloseTo(2 / 5, 12);
    expect(m.lookalikesApproved).toEqual(['l1']);
    expect(m.wrongMapping).toEqual(['i2']);
    expect(m.byClass.true).toEqual({ pairs: 3, approved: 1, approvedCorrect: 1, held: 1, rejected: 0, notProposed: 1 });
    expect(m.byClass.inverted).toEqual({ pairs: 2, approved: 2, approvedCorrect: 1, held: 0, rejected: 0, notProposed: 0 });
    expect(m.byClass.subject).toEqual({ pairs: 2, approved: 1, approvedCorrect: 0, held: 0, rejected: 1, notProposed: 0 });
    expect(m.byLabel.different?.pairs).toBe(2);
  });

  it('no approvals: precision is null, not 0 or NaN; no true pairs: recall is null', () => {
    expect(computeMetrics([o({ decision: 'rejected', mappingOk: null })], 0)).toMatchObject({ precision: null, recall: 0 });
    expect(computeMetrics([o({ label: 'different', class: 'dates', decision: 'rejected' })], 0)).toMatchObject({ precision: null, recall: null });
  });

  it('outcomeOf: held for pending, mapping checked only when the verdict gave one, guard failures listed first', () => {
    const [p] = parseLabelText(text(first()), 'f.jsonl').pairs;
    const stored = (over: Partial<MemoryPair>): MemoryPair => ({
      pairId: 'p', legs: [{ venue: 'polymarket', marketId: 'a' }, { venue: 'kalshi', marketId: 'b' }], status: 'approved', confidence: 0.99,
      yesMapsToNo: false, humanReviewed: false, reasons: [], guards: { verdict: { outcomeMapping: 'YES_YES' } }, decidedBy: 'matcher', ...over,
    });
    expect(outcomeOf(p!, undefined)).toMatchObject({ decision: 'not proposed', mappingOk: null });
    expect(outcomeOf(p!, stored({ status: 'pending' }))).toMatchObject({ decision: 'held', mappingOk: true });
    expect(outcomeOf(p!, stored({ yesMapsToNo: true, guards: { verdict: { outcomeMapping: 'YES_NO' } } })).mappingOk).toBe(false);
    expect(outcomeOf(p!, stored({ status: 'rejected', guards: { verdict: { outcomeMapping: 'UNRELATED' } } })).mappingOk).toBeNull();
    const r = outcomeOf(p!, stored({ status: 'rejected', guards: {}, reasons: ['rejected: a deterministic guard failed', 'guard x flag: f', 'llm: y', 'guard z fail: boom'] }));
    expect(r).toMatchObject({ decision: 'rejected', mappingOk: null });
    expect(r.reasons).toEqual(['rejected: a deterministic guard failed', 'guard z fail: boom', 'guard x flag: f', 'llm: y']);
  });
});

describe('targets (issue 14)', () => {
  const good = computeMetrics([o({ id: 't1' }), o({ id: 'l1', label: 'different', class: 'subject', decision: 'rejected', mappingOk: null })], 0);
  it('all met: no lookalike approved, no wrong mapping, oracle recall ≥ 95%, cost ≤ 500 micros per judged pair', () => {
    const t = evalTargets({ model: 'oracle', metrics: good, llm: { costPerJudgedPairMicros: 500 } });
    expect(t.map((x) => [x.target, x.ok])).toEqual([['lookalikes approved', true], ['wrong mapping', true], ['recall (oracle)', true], ['cost per judged pair (micros)', true]]);
    // recall is a target only for the oracle (the other models measure the model, not the matcher)
    expect(evalTargets({ model: 'always-yes', metrics: good, llm: { costPerJudgedPairMicros: null } }).map((x) => x.target)).not.toContain('recall (oracle)');
  });
  it('each missed target says so, with the offending ids', () => {
    const bad = computeMetrics([
      o({ id: 't1' }), o({ id: 't2', decision: 'held' }), o({ id: 'i1', class: 'inverted', label: 'inverted', mappingOk: false }),
      o({ id: 'l1', label: 'different', class: 'subject', mappingOk: null }),
    ], 0);
    const t = evalTargets({ model: 'oracle', metrics: bad, llm: { costPerJudgedPairMicros: 501 } });
    expect(t).toEqual([
      { target: 'lookalikes approved', ok: false, value: 1, limit: 0, bound: 'max', ids: ['l1'] },
      { target: 'wrong mapping', ok: false, value: 1, limit: 0, bound: 'max', ids: ['i1'] },
      { target: 'recall (oracle)', ok: false, value: 1 / 3, limit: 0.95, bound: 'min' },
      { target: 'cost per judged pair (micros)', ok: false, value: 501, limit: 500, bound: 'max' },
    ]);
    // no true pair: recall cannot be met
    const none = computeMetrics([o({ label: 'different', class: 'dates', decision: 'rejected', mappingOk: null })], 0);
    expect(evalTargets({ model: 'oracle', metrics: none, llm: { costPerJudgedPairMicros: null } }).find((x) => x.target === 'recall (oracle)')).toMatchObject({ ok: false, value: null });
  });
});

describe('oracle policy of the local LLM server', () => {
  const req = (ids: string[]): RecordedRequest => ({
    route: '', path: '/v1/chat/completions', model: 'm', messages: [], prompt: ids.map((id) => `market id: ${id}\n`).join('title: x\n'), authorized: false, outcome: 'answer',
  });
  const oracle = oraclePolicy([
    { marketIds: ['0xaa', 'KX-A'], answer: 'equivalent' },
    { marketIds: ['0xaa', 'KX-B'], answer: 'inverted' },
    { marketIds: ['0xbb', 'KX-A'], answer: 'different' },
  ]);
  it('answers equivalent / inverted from the labels (either order in the prompt), unrelated for different or unknown pairs', () => {
    expect(oracle(req(['0xaa', 'KX-A']))).toMatchObject({ outcomeMapping: 'YES_YES', sameEvent: true, confidence: 0.99 });
    expect(oracle(req(['KX-B', '0xaa']))).toMatchObject({ outcomeMapping: 'YES_NO', sameEvent: true, sameRules: true });
    expect(oracle(req(['0xbb', 'KX-A']))).toMatchObject({ outcomeMapping: 'UNRELATED', sameEvent: false });
    expect(oracle(req(['0xbb', 'KX-B']))).toMatchObject({ outcomeMapping: 'UNRELATED' });
    // an id that is only a prefix of the prompt's id does not match
    expect(oracle(req(['0xaa', 'KX-AB']))).toMatchObject({ outcomeMapping: 'UNRELATED' });
  });
});
