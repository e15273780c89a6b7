/**
 * The matcher eval (`arbstream match eval`): the REAL matcher over a hand-labelled set of venue
 * market pairs, with the LLM replaced by the local OpenAI-compatible server (tools/llmserver)
 * answering with a chosen policy, so guards and recall are measured separately.
 *
 *   label files (JSONL) ──parse (zod, file:line: field)──► labelled pairs
 *        │ each side's payload through its venue's own mapping (src/venues/<venue>/market.ts)
 *        ▼
 *   MemoryMatcherStore ◄── every market of the set
 *        │ runMatcher: candidates → guards → LlmJudge ──HTTP──► llmserver (always-yes | oracle | recorded)
 *        ▼
 *   pairs decided ──► per labelled pair: approved / held / rejected / not proposed, mapping right?
 *                     precision, recall, confusion by class, LLM calls, cost per judged pair, wall time
 *
 * Label line: {"id", "class", "label": equivalent|inverted|different, "a": side, "b": side, "note"}
 * with side = {"venue":"polymarket","market":<Gamma market>} or {"venue":"kalshi","market":<Trade API
 * market>,"event"?:<event>,"series"?:<series>}. The two sides are on different venues.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import type { MarketRecord } from '../../schema/market.js';
import { VENUE_IDS, type Venue } from '../../schema/venue.js';
import { alwaysEquivalent, loadRecordedAnswers, oraclePolicy, startLlmServer, type AnswerPolicy, type RecordedAnswer } from '../../tools/llmserver/server.js';
import type { Config } from '../config.js';
import { legsKey } from '../control/pairs.js';
import { NonRetryableError } from '../errors.js';
import { kalshiRecordFromWire, kalshiTextFlags } from '../venues/kalshi/market.js';
import { toMarketInfo as kalshiMarketInfo } from '../venues/kalshi/restMap.js';
import { EventWire, MarketWire, SeriesWire } from '../venues/kalshi/restSchemas.js';
import { polyRecordFromGamma, polyTextFlags } from '../venues/polymarket/market.js';
import { toMarketInfo as polyMarketInfo } from '../venues/polymarket/restMap.js';
import { GammaMarketSchema } from '../venues/polymarket/restSchemas.js';
import type { CandidateOptions } from './candidates.js';
import type { GuardConfig } from './guards.js';
import { LlmJudge } from './llm/client.js';
import type { UpsertEntry } from './marketStore.js';
import { runMatcher, type MatcherResult } from './matcher.js';
import { MemoryMatcherStore, type MemoryPair } from './memoryStore.js';
import { rulesHash } from './records.js';

// ------------------------------------------------------------------ labels

export const LABEL_CLASSES = ['true', 'inverted', 'dates', 'subject', 'round', 'threshold', 'source', 'blocking', 'other'] as const;
export const LabelClass = z.enum(LABEL_CLASSES);
export type LabelClass = z.infer<typeof LabelClass>;
export const LabelKind = z.enum(['equivalent', 'inverted', 'different']);
export type LabelKind = z.infer<typeof LabelKind>;

const PolySide = z.strictObject({ venue: z.literal('polymarket'), market: GammaMarketSchema });
const KalshiSide = z.strictObject({ venue: z.literal('kalshi'), market: MarketWire, event: EventWire.optional(), series: SeriesWire.optional() });
const LabelSide = z.discriminatedUnion('venue', [PolySide, KalshiSide]);

/** One line of a label file (validated; the raw payloads are kept for the venue mappings). */
export const LabelLine = z
  .strictObject({
    id: z.string().min(1),
    class: LabelClass,
    label: LabelKind,
    a: LabelSide,
    b: LabelSide,
    note: z.string().optional(),
  })
  .refine((l) => l.a.venue !== l.b.venue, { path: ['b', 'venue'], message: 'a and b must be on different venues' });

/** A side of a labelled pair after its venue's own mapping. */
export interface LabelledMarket {
  readonly record: MarketRecord;
  readonly textFlags: readonly string[];
}

export interface LabelledPair {
  readonly id: string;
  readonly class: LabelClass;
  readonly label: LabelKind;
  readonly note?: string;
  /** `file:line` */
  readonly where: string;
  /** leg A (VENUE_IDS[0], Polymarket) and leg B (Kalshi), whatever the order in the file */
  readonly legs: readonly [LabelledMarket, LabelledMarket];
}

/** A label set with errors: every problem, each as `file:line: field.path: message`. */
export class LabelSetError extends NonRetryableError {
  constructor(readonly problems: readonly string[]) {
    super(`label set has ${problems.length} error(s):\n${problems.join('\n')}`, { problems });
  }
}

const fieldPath = (path: readonly PropertyKey[]): string => (path.length ? path.map(String).join('.') : '(line)');

type Side = z.output<typeof LabelSide>;

/** A side's payload through the venue's own mapping (the functions discovery uses: src/venues/<venue>/market.ts). */
function mapSide(side: Side, raw: { market: unknown; event?: unknown; series?: unknown }): LabelledMarket {
  if (side.venue === 'polymarket') {
    return { record: polyRecordFromGamma(raw.market), textFlags: polyTextFlags(polyMarketInfo(raw.market)) };
  }
  return {
    record: kalshiRecordFromWire(raw.market, raw.event, raw.series),
    textFlags: kalshiTextFlags(kalshiMarketInfo(side.market, undefined, undefined)),
  };
}

const errText = (err: unknown): string => {
  const issues = (err as { info?: { issues?: unknown } }).info?.issues;
  if (Array.isArray(issues) && issues.length) {
    return (issues as z.core.$ZodIssue[]).map((i) => `${fieldPath(i.path)}: ${i.message}`).join('; ');
  }
  return err instanceof z.ZodError ? err.issues.map((i) => `${fieldPath(i.path)}: ${i.message}`).join('; ') : (err as Error).message;
};

/**
 * Parses one label file's text. Returns the pairs and the problems (`file:line: field: message`);
 * blank lines are skipped. Markets are mapped here, so a payload the venue mapping refuses is a problem too.
 */
export function parseLabelText(text: string, file: string): { pairs: LabelledPair[]; problems: string[] } {
  const pairs: LabelledPair[] = [];
  const problems: string[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    const where = `${file}:${i + 1}`;
    if (!line.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (err) {
      problems.push(`${where}: invalid JSON: ${(err as Error).message}`);
      return;
    }
    const r = LabelLine.safeParse(json);
    if (!r.success) {
      for (const issue of r.error.issues) problems.push(`${where}: ${fieldPath(issue.path)}: ${issue.message}`);
      return;
    }
    const l = r.data;
    // the venue mappings take the payloads as sent (they validate them themselves)
    const rawOf = (k: 'a' | 'b') => (json as Record<'a' | 'b', { market: unknown; event?: unknown; series?: unknown }>)[k];
    const mapped: Partial<Record<'a' | 'b', LabelledMarket>> = {};
    for (const k of ['a', 'b'] as const) {
      try {
        mapped[k] = mapSide(l[k], rawOf(k));
      } catch (err) {
        problems.push(`${where}: ${k}.market: ${l[k].venue} mapping refused it: ${errText(err)}`);
      }
    }
    if (!mapped.a || !mapped.b) return;
    const legs: [LabelledMarket, LabelledMarket] = l.a.venue === VENUE_IDS[0] ? [mapped.a, mapped.b] : [mapped.b, mapped.a];
    pairs.push({ id: l.id, class: l.class, label: l.label, ...(l.note !== undefined ? { note: l.note } : {}), where, legs });
  });
  return { pairs, problems };
}

/** `*.jsonl` files of a directory (sorted), or the one file given. */
export function labelFiles(path: string): string[] {
  const st = statSync(path);
  if (!st.isDirectory()) return [path];
  return readdirSync(path).filter((f) => f.endsWith('.jsonl')).sort().map((f) => join(path, f));
}

/** Cross-line checks: unique ids, one labelled pair per two markets, one definition per market id. */
export function checkLabelSet(pairs: readonly LabelledPair[]): string[] {
  const problems: string[] = [];
  const ids = new Map<string, string>();
  const legs = new Map<string, string>();
  const markets = new Map<string, { hash: string; where: string }>();
  for (const p of pairs) {
    const seen = ids.get(p.id);
    if (seen) problems.push(`${p.where}: id: duplicate id "${p.id}" (first at ${seen})`);
    else ids.set(p.id, p.where);
    const key = legsKey([p.legs[0].record, p.legs[1].record]);
    const dup = legs.get(key);
    if (dup) problems.push(`${p.where}: b.market: this pair of markets is already labelled at ${dup}`);
    else legs.set(key, p.where);
    for (const m of p.legs) {
      const mk = `${m.record.venue}:${m.record.marketId}`;
      const h = rulesHash(m.record);
      const prev = markets.get(mk);
      if (!prev) markets.set(mk, { hash: h, where: p.where });
      else if (prev.hash !== h) problems.push(`${p.where}: ${mk}: the same market id has other text/dates/strikes than at ${prev.where} (give it its own id)`);
    }
  }
  return problems;
}

/** Loads a label file or directory; throws {@link LabelSetError} listing every problem. */
export function loadLabels(path: string): LabelledPair[] {
  const pairs: LabelledPair[] = [];
  const problems: string[] = [];
  let files: string[];
  try {
    files = labelFiles(path);
  } catch (err) {
    throw new LabelSetError([`${path}: ${(err as Error).message}`]);
  }
  if (!files.length) throw new LabelSetError([`${path}: no *.jsonl files`]);
  for (const f of files) {
    const r = parseLabelText(readFileSync(f, 'utf8'), files.length > 1 ? `${basename(path)}/${basename(f)}` : f);
    pairs.push(...r.pairs);
    problems.push(...r.problems);
  }
  problems.push(...checkLabelSet(pairs));
  if (problems.length) throw new LabelSetError(problems);
  return pairs;
}

// ------------------------------------------------------------------ metrics

export type EvalDecision = 'approved' | 'held' | 'rejected' | 'not proposed';

export interface PairOutcome {
  readonly id: string;
  readonly class: LabelClass;
  readonly label: LabelKind;
  readonly where: string;
  readonly decision: EvalDecision;
  /** for true pairs (equivalent/inverted) that got a decision with a mapping: YES_YES vs YES_NO right; null otherwise */
  readonly mappingOk: boolean | null;
  readonly yesMapsToNo: boolean | null;
  readonly confidence: number | null;
  /** the decision's first reasons (why held or rejected) */
  readonly reasons: readonly string[];
}

export interface ClassRow {
  readonly pairs: number;
  readonly approved: number;
  /** approved with the labelled meaning (true pairs with the right mapping) */
  readonly approvedCorrect: number;
  readonly held: number;
  readonly rejected: number;
  readonly notProposed: number;
}

export interface EvalMetrics {
  /** every approved pair (labelled or not) */
  readonly approved: number;
  readonly approvedCorrect: number;
  /** approvedCorrect / approved; null when nothing was approved */
  readonly precision: number | null;
  readonly truePairs: number;
  /** true pairs approved with the right mapping / true pairs; null when the set has no true pair */
  readonly recall: number | null;
  /** labelled lookalikes (label "different") that were approved: must be none */
  readonly lookalikesApproved: readonly string[];
  /** true pairs approved with the wrong mapping */
  readonly wrongMapping: readonly string[];
  /** approved pairs nobody labelled (counted as not correct in precision) */
  readonly unlabelledApproved: number;
  readonly byClass: Readonly<Record<string, ClassRow>>;
  readonly byLabel: Readonly<Record<string, ClassRow>>;
}

const isTrue = (l: LabelKind): boolean => l !== 'different';
const correct = (o: PairOutcome): boolean => o.decision === 'approved' && isTrue(o.label) && o.mappingOk === true;
const ratio = (n: number, d: number): number | null => (d === 0 ? null : n / d);

function rows(outcomes: readonly PairOutcome[], keyOf: (o: PairOutcome) => string): Record<string, ClassRow> {
  const out: Record<string, { pairs: number; approved: number; approvedCorrect: number; held: number; rejected: number; notProposed: number }> = {};
  for (const o of outcomes) {
    const r = (out[keyOf(o)] ??= { pairs: 0, approved: 0, approvedCorrect: 0, held: 0, rejected: 0, notProposed: 0 });
    r.pairs++;
    if (o.decision === 'approved') r.approved++;
    else if (o.decision === 'held') r.held++;
    else if (o.decision === 'rejected') r.rejected++;
    else r.notProposed++;
    if (correct(o)) r.approvedCorrect++;
  }
  return out;
}

/** The eval's numbers from the per-pair outcomes and the number of approved pairs nobody labelled (pure). */
export function computeMetrics(outcomes: readonly PairOutcome[], unlabelledApproved: number): EvalMetrics {
  const labelledApproved = outcomes.filter((o) => o.decision === 'approved').length;
  const approved = labelledApproved + unlabelledApproved;
  const approvedCorrect = outcomes.filter(correct).length;
  const truePairs = outcomes.filter((o) => isTrue(o.label)).length;
  return {
    approved,
    approvedCorrect,
    precision: ratio(approvedCorrect, approved),
    truePairs,
    recall: ratio(approvedCorrect, truePairs),
    lookalikesApproved: outcomes.filter((o) => o.decision === 'approved' && !isTrue(o.label)).map((o) => o.id),
    wrongMapping: outcomes.filter((o) => o.decision === 'approved' && isTrue(o.label) && o.mappingOk === false).map((o) => o.id),
    unlabelledApproved,
    byClass: rows(outcomes, (o) => o.class),
    byLabel: rows(outcomes, (o) => o.label),
  };
}

const StoredVerdictMapping = z.looseObject({ verdict: z.looseObject({ outcomeMapping: z.string() }) });

/** A stored pair's decision as a labelled pair's outcome. */
export function outcomeOf(p: LabelledPair, stored: MemoryPair | undefined): PairOutcome {
  const base = { id: p.id, class: p.class, label: p.label, where: p.where };
  if (!stored) return { ...base, decision: 'not proposed', mappingOk: null, yesMapsToNo: null, confidence: null, reasons: [] };
  const decision: EvalDecision = stored.status === 'pending' ? 'held' : stored.status;
  // the mapping is only meaningful when a verdict gave one (not after a pre-judge guard rejection, not for UNRELATED)
  const mapping = StoredVerdictMapping.safeParse(stored.guards).data?.verdict.outcomeMapping;
  const mappingOk = isTrue(p.label) && (mapping === 'YES_YES' || mapping === 'YES_NO') ? stored.yesMapsToNo === (p.label === 'inverted') : null;
  // the decision line, then the guard findings (failures first), then the model's reasons
  const [head, ...rest] = stored.reasons;
  const rank = (r: string): number => (/^guard \w+ fail/.test(r) ? 0 : r.startsWith('guard ') ? 1 : 2);
  const reasons = [...(head ? [head] : []), ...[...rest].sort((x, y) => rank(x) - rank(y))].slice(0, 6);
  return { ...base, decision, mappingOk, yesMapsToNo: stored.yesMapsToNo, confidence: stored.confidence, reasons };
}

// ------------------------------------------------------------------ run

export const EVAL_MODELS = ['always-yes', 'oracle', 'recorded'] as const;
export type EvalModel = (typeof EVAL_MODELS)[number];

export interface EvalOptions {
  readonly pairs: readonly LabelledPair[];
  readonly model: EvalModel;
  /** providers' models and prices (the base URLs are replaced by the local server's) */
  readonly llm: Config['llm'];
  readonly autoApproveConfidence: number;
  readonly candidates?: CandidateOptions;
  readonly guardConfig?: GuardConfig;
  /** recorded answers for `recorded` (default tests/fixtures/llm) */
  readonly recordings?: readonly RecordedAnswer[];
}

export interface EvalReport {
  readonly model: EvalModel;
  readonly labelled: number;
  readonly markets: Readonly<Record<string, number>>;
  readonly matcher: MatcherResult;
  readonly metrics: EvalMetrics;
  readonly llm: {
    /** HTTP requests to the (local) provider */
    readonly calls: number;
    readonly cacheHits: number;
    readonly promptTokens: number;
    readonly completionTokens: number;
    readonly costMicros: number;
    /** cost / pairs judged (integer micro-dollars, rounded up); null when nothing was judged */
    readonly costPerJudgedPairMicros: number | null;
    /** the configured models and prices the cost was computed at (micro-dollars per 1M tokens) */
    readonly prices: readonly { readonly provider: string; readonly model: string; readonly inPerMTokMicros: number; readonly outPerMTokMicros: number }[];
  };
  /** the issue's targets checked on this run (see {@link evalTargets}) */
  readonly targets: readonly TargetCheck[];
  readonly wallMs: number;
  readonly pairs: readonly PairOutcome[];
  /** approved pairs nobody labelled (two lines' markets matched across lines): label them, or they count against precision */
  readonly unlabelledApproved: readonly { readonly a: string; readonly b: string; readonly aTitle: string; readonly bTitle: string }[];
}

/**
 * The matcher's quality targets (issue 14) on a labelled set: whatever the model answers, no
 * lookalike (label "different") is approved and no approved true pair has the wrong YES/NO
 * mapping; with the oracle model (right answers) recall is at least 95%, so what is lost is lost
 * to blocking or guards; an LLM-judged pair costs at most $0.0005 at the configured prices.
 */
export const EVAL_TARGETS = { maxLookalikesApproved: 0, maxWrongMapping: 0, minOracleRecall: 0.95, maxCostPerJudgedPairMicros: 500 } as const;

export interface TargetCheck {
  readonly target: 'lookalikes approved' | 'wrong mapping' | 'recall (oracle)' | 'cost per judged pair (micros)';
  readonly ok: boolean;
  /** the measured value; null when there was nothing to measure (recall without true pairs, cost without judged pairs) */
  readonly value: number | null;
  readonly limit: number;
  /** `max`: value ≤ limit; `min`: value ≥ limit */
  readonly bound: 'max' | 'min';
  /** the labelled pair ids that break it (lookalikes, wrong mappings) */
  readonly ids?: readonly string[];
}

/** The {@link EVAL_TARGETS} that apply to a run's model, checked (pure). */
export function evalTargets(r: Pick<EvalReport, 'model' | 'metrics'> & { readonly llm: Pick<EvalReport['llm'], 'costPerJudgedPairMicros'> }): TargetCheck[] {
  const t = EVAL_TARGETS;
  const m = r.metrics;
  const out: TargetCheck[] = [
    { target: 'lookalikes approved', ok: m.lookalikesApproved.length <= t.maxLookalikesApproved, value: m.lookalikesApproved.length, limit: t.maxLookalikesApproved, bound: 'max', ids: m.lookalikesApproved },
    { target: 'wrong mapping', ok: m.wrongMapping.length <= t.maxWrongMapping, value: m.wrongMapping.length, limit: t.maxWrongMapping, bound: 'max', ids: m.wrongMapping },
  ];
  // recall is a target only when the model answers right: otherwise it measures the model
  if (r.model === 'oracle') out.push({ target: 'recall (oracle)', ok: m.recall !== null && m.recall >= t.minOracleRecall, value: m.recall, limit: t.minOracleRecall, bound: 'min' });
  const cost = r.llm.costPerJudgedPairMicros;
  out.push({ target: 'cost per judged pair (micros)', ok: cost === null || cost <= t.maxCostPerJudgedPairMicros, value: cost, limit: t.maxCostPerJudgedPairMicros, bound: 'max' });
  return out;
}

function policyFor(o: EvalOptions): AnswerPolicy | undefined {
  switch (o.model) {
    case 'always-yes':
      return alwaysEquivalent;
    case 'oracle':
      return oraclePolicy(o.pairs.map((p) => ({ marketIds: [p.legs[0].record.marketId, p.legs[1].record.marketId], answer: p.label })));
    case 'recorded':
      return undefined;
    default: {
      const never: never = o.model;
      throw new Error(`unknown eval model ${String(never)}`);
    }
  }
}

/**
 * The real LLM client with the configured models and prices, pointed at the local server at
 * `url` (routes named after the providers): no keys (loopback), no rate limit to wait for, no
 * budget cap, one retry.
 */
export function localJudge(url: string, llm: Config['llm'], ledger: MemoryMatcherStore['ledger']): LlmJudge {
  const local = (route: string, suffix: string) => `${url}/${route}${suffix}`;
  return new LlmJudge({
    providers: [
      { ...llm.primary, baseUrl: local(llm.primary.name, ''), apiKey: undefined, rpm: 1_000_000 },
      { ...llm.fallback, baseUrl: local(llm.fallback.name, '/v1'), apiKey: undefined, rpm: 1_000_000 },
    ],
    dailyBudgetMicros: Number.MAX_SAFE_INTEGER,
    timeoutMs: llm.timeoutMs,
    ledger,
    maxRetries: 1,
  });
}

/**
 * Runs the eval: every market of the set into a memory store (status forced to open: the eval
 * measures matching, not trading status), the local LLM server with the model's policy, one real
 * matcher run, then the report.
 */
export async function runEval(o: EvalOptions): Promise<EvalReport> {
  const t0 = performance.now();
  const store = new MemoryMatcherStore();
  const entries = new Map<string, UpsertEntry>();
  for (const p of o.pairs) {
    for (const m of p.legs) entries.set(`${m.record.venue}:${m.record.marketId}`, { record: { ...m.record, status: 'open' }, textFlags: m.textFlags });
  }
  await store.upsertMarkets([...entries.values()]);
  const markets: Record<string, number> = {};
  for (const e of entries.values()) markets[e.record.venue] = (markets[e.record.venue] ?? 0) + 1;

  const srv = await startLlmServer({ recordings: o.model === 'recorded' ? (o.recordings ?? loadRecordedAnswers()) : [] });
  try {
    srv.setPolicy(policyFor(o));
    const judge = localJudge(srv.url, o.llm, store.ledger);
    const legVenues: readonly [Venue, Venue] = [VENUE_IDS[0], VENUE_IDS[1]];
    const matcher = await runMatcher({
      store,
      judge: (a, b, opts) => judge.judge(a, b, opts),
      autoApproveConfidence: o.autoApproveConfidence,
      legVenues,
      ...(o.candidates ? { candidates: o.candidates } : {}),
      ...(o.guardConfig ? { guardConfig: o.guardConfig } : {}),
    });
    const stored = new Map(store.pairs().map((p) => [legsKey(p.legs), p]));
    const outcomes = o.pairs.map((p) => outcomeOf(p, stored.get(legsKey([p.legs[0].record, p.legs[1].record]))));
    const labelledKeys = new Set(o.pairs.map((p) => legsKey([p.legs[0].record, p.legs[1].record])));
    const unlabelled = store.pairs().filter((p) => p.status === 'approved' && !labelledKeys.has(legsKey(p.legs)));
    const titleOf = (l: { venue: string; marketId: string }): string => entries.get(`${l.venue}:${l.marketId}`)?.record.title ?? '';
    const calls = store.ledger.calls;
    const requests = calls.filter((c) => c.status !== 'cache_hit' && c.status !== 'budget_refused');
    const costMicros = calls.reduce((s, c) => s + c.costMicros, 0);
    const metrics = computeMetrics(outcomes, unlabelled.length);
    const llm = {
      calls: requests.length,
      cacheHits: calls.filter((c) => c.status === 'cache_hit').length,
      promptTokens: requests.reduce((s, c) => s + (c.promptTokens ?? 0), 0),
      completionTokens: requests.reduce((s, c) => s + (c.completionTokens ?? 0), 0),
      costMicros,
      costPerJudgedPairMicros: matcher.judged ? Math.ceil(costMicros / matcher.judged) : null,
      prices: [o.llm.primary, o.llm.fallback].map((p) => ({ provider: p.name, model: p.model, inPerMTokMicros: p.priceInPerMTokMicros, outPerMTokMicros: p.priceOutPerMTokMicros })),
    };
    return {
      model: o.model,
      labelled: o.pairs.length,
      markets,
      matcher,
      metrics,
      llm,
      targets: evalTargets({ model: o.model, metrics, llm }),
      wallMs: Math.round(performance.now() - t0),
      pairs: outcomes,
      unlabelledApproved: unlabelled.map((p) => ({ a: p.legs[0].marketId, b: p.legs[1].marketId, aTitle: titleOf(p.legs[0]), bTitle: titleOf(p.legs[1]) })),
    };
  } finally {
    await srv.stop();
  }
}

// ------------------------------------------------------------------ text report

const pct = (x: number | null): string => (x === null ? '-' : `${(x * 100).toFixed(1)}%`);
const usd = (micros: number): string => `$${(micros / 1e6).toFixed(6)}`;

/** The report as text for the terminal. */
export function formatEvalReport(r: EvalReport): string {
  const m = r.metrics;
  const out: string[] = [];
  out.push(`model ${r.model}: ${r.labelled} labelled pairs, markets ${Object.entries(r.markets).map(([v, n]) => `${n} ${v}`).join(', ')}`);
  out.push(`matcher: ${r.matcher.candidates} candidates, ${r.matcher.judged} judged, ${r.matcher.approved} approved, ${r.matcher.pending} held, ${r.matcher.rejected} rejected, ${r.matcher.errors} errors`);
  out.push(`precision ${pct(m.precision)} (${m.approvedCorrect}/${m.approved} approved; ${m.unlabelledApproved} unlabelled)   recall ${pct(m.recall)} (${m.approvedCorrect}/${m.truePairs} true pairs)`);
  out.push(`lookalikes approved: ${m.lookalikesApproved.length ? m.lookalikesApproved.join(', ') : 'none'}   wrong mapping: ${m.wrongMapping.length ? m.wrongMapping.join(', ') : 'none'}`);
  out.push(`LLM: ${r.llm.calls} calls, ${r.llm.promptTokens}+${r.llm.completionTokens} tokens, ${usd(r.llm.costMicros)}, per judged pair ${r.llm.costPerJudgedPairMicros === null ? '-' : usd(r.llm.costPerJudgedPairMicros)}   wall ${r.wallMs} ms`);
  const shown = (t: TargetCheck): string =>
    t.value === null ? '-' : t.target.startsWith('recall') ? pct(t.value) : t.target.startsWith('cost') ? usd(t.value) : String(t.value);
  const limit = (t: TargetCheck): string => (t.target.startsWith('recall') ? pct(t.limit) : t.target.startsWith('cost') ? usd(t.limit) : String(t.limit));
  out.push(`targets: ${r.targets.map((t) => `${t.target.replace(' (micros)', '')} ${shown(t)} ${t.bound === 'max' ? '≤' : '≥'} ${limit(t)} ${t.ok ? 'ok' : 'FAIL'}`).join('; ')}`);
  out.push('');
  out.push('class        pairs  approved  correct  held  rejected  not proposed');
  const line = (k: string, c: ClassRow) =>
    `${k.padEnd(12)} ${String(c.pairs).padStart(5)} ${String(c.approved).padStart(9)} ${String(c.approvedCorrect).padStart(8)} ${String(c.held).padStart(5)} ${String(c.rejected).padStart(9)} ${String(c.notProposed).padStart(13)}`;
  for (const [k, c] of Object.entries(m.byClass)) out.push(line(k, c));
  out.push('');
  for (const p of r.pairs) {
    const map = p.mappingOk === null ? '' : p.mappingOk ? ' mapping ok' : ' MAPPING WRONG';
    const bad = (p.label === 'different' && p.decision === 'approved') || (p.label !== 'different' && p.decision !== 'approved') || p.mappingOk === false;
    out.push(`${bad ? '!' : ' '} ${p.id} [${p.class}/${p.label}] ${p.decision}${map}${bad && p.reasons[0] ? ` — ${p.reasons.slice(0, 2).join(' | ')}` : ''}`);
  }
  if (r.unlabelledApproved.length) {
    out.push('', `approved but not labelled (${r.unlabelledApproved.length}):`);
    for (const u of r.unlabelledApproved) out.push(`  ${u.aTitle} [${u.a.slice(0, 14)}…] ⇄ ${u.bTitle} [${u.b}]`);
  }
  return out.join('\n');
}
