/**
 * The matcher: candidates → guards → LLM verdict → decision → `market_pairs`.
 *
 * Auto-approval needs ALL of: confidence ≥ the configured threshold, every guard passing, and a
 * verdict saying same event, same rules and a YES_YES/YES_NO mapping. A failing guard rejects the
 * pair whatever the model said; a flagged guard, a rules difference or a low confidence leaves it
 * pending for a human. Pairs already decided on the same rules (same rules hashes) are not
 * judged again; a rules change re-checks them.
 *
 * Storage is a {@link MatcherStore}: PostgreSQL in production (`pool`, wrapped in a
 * {@link PgMatcherStore}) or memory (`store: new MemoryMatcherStore()`, the eval and tests).
 */
import { createHash } from 'node:crypto';
import { deriveMapping } from './outcomeMapping.js';
import type pg from 'pg';
import type { MarketRecord } from '../../schema/market.js';
import type { PairLeg, PairStatus } from '../../schema/pair.js';
import { VENUE_IDS, type Venue } from '../../schema/venue.js';
import { legsKey } from '../control/pairs.js';
import { log } from '../log.js';
import { CandidateIndex, type CandidateFeatures, type CandidateOptions } from './candidates.js';
import { PgMatcherStore, type MatcherStore, type StoredMarket } from './marketStore.js';
import { DEFAULT_GUARD_CONFIG, guardsFail, runGuards, type GuardConfig, type GuardInput, type GuardResult } from './guards.js';
import type { Verdict } from './verdict.js';

/** What the matcher needs from the LLM verdict client (src/matching/llm: `LlmJudge.judge`). */
export interface JudgeOutcome {
  readonly verdict: Verdict;
  readonly provider: string;
  readonly model: string;
  readonly costMicros: number;
  readonly cacheHit: boolean;
}
export type JudgeFn = (poly: MarketRecord, kalshi: MarketRecord, opts: { pairId?: string }) => Promise<JudgeOutcome>;

export interface Decision {
  readonly status: PairStatus;
  readonly confidence: number;
  readonly yesMapsToNo: boolean;
  readonly reasons: string[];
}

/** The decision rule (pure). `guards` must have been run with the verdict's mapping when there is one. */
export function decidePair(i: { verdict?: Verdict; guards: readonly GuardResult[]; autoApproveConfidence: number }): Decision {
  const { verdict, guards } = i;
  const reasons: string[] = [];
  for (const g of guards) if (g.outcome !== 'pass') reasons.push(`guard ${g.guard} ${g.outcome}: ${g.reason}`);
  if (verdict) for (const r of verdict.reasons) reasons.push(`llm: ${r}`);
  const confidence = verdict?.confidence ?? 0;
  const yesMapsToNo = verdict?.outcomeMapping === 'YES_NO';
  const out = (status: PairStatus, why: string): Decision => ({ status, confidence, yesMapsToNo, reasons: [why, ...reasons] });
  if (guards.some((g) => g.outcome === 'fail')) return out('rejected', 'rejected: a deterministic guard failed');
  if (!verdict) return out('pending', 'pending: no verdict');
  if (verdict.outcomeMapping === 'UNRELATED' || !verdict.sameEvent) return out('rejected', 'rejected: the model found different events');
  if (guards.some((g) => g.outcome === 'flag')) return out('pending', 'pending: a guard flagged the pair for a human');
  if (!verdict.sameRules) return out('pending', 'pending: same event, but the model found different rules');
  if (confidence < i.autoApproveConfidence) return out('pending', `pending: confidence ${confidence} below ${i.autoApproveConfidence}`);
  return out('approved', `approved automatically: confidence ${confidence}, all guards pass`);
}

/** A stable, readable pair id from the two market ids. */
export function pairIdFor(polyMarketId: string, kalshiMarketId: string): string {
  const h = createHash('sha256').update(`${polyMarketId}|${kalshiMarketId}`).digest('hex').slice(0, 10);
  return `${kalshiMarketId.toLowerCase().slice(0, 120)}~${h}`;
}

export type MatchSide = MarketRecord & Pick<GuardInput, 'textFlags'>;

export interface Evaluation extends Decision {
  readonly pairId: string;
  readonly guards: GuardResult[];
  readonly judged: boolean;
  readonly outcome?: Omit<JudgeOutcome, 'verdict'> & { verdict: Verdict };
}

export interface EvaluateOptions {
  readonly autoApproveConfidence: number;
  readonly guardConfig?: GuardConfig;
  /** ask the judge even when a guard already failed (costs money; the hostile test uses it) */
  readonly alwaysJudge?: boolean;
}

/** Guards, then (unless a guard failed) the judge, then the guards again with its mapping, then the decision. */
export async function evaluatePair(poly: MatchSide, kalshi: MatchSide, judge: JudgeFn, o: EvaluateOptions): Promise<Evaluation> {
  const cfg = o.guardConfig ?? DEFAULT_GUARD_CONFIG;
  const pairId = pairIdFor(poly.marketId, kalshi.marketId);
  const pre = runGuards(poly, kalshi, cfg);
  if (guardsFail(pre) && !o.alwaysJudge) {
    return { pairId, guards: pre, judged: false, ...decidePair({ guards: pre, autoApproveConfidence: o.autoApproveConfidence }) };
  }
  const { textFlags: _pf, ...polyRecord } = poly;
  const { textFlags: _kf, ...kalshiRecord } = kalshi;
  const outcome = await judge(polyRecord, kalshiRecord, { pairId });
  const mapping = outcome.verdict.outcomeMapping === 'UNRELATED' ? undefined : outcome.verdict.outcomeMapping;
  const guards = runGuards(poly, kalshi, cfg, mapping);
  const decision = decidePair({ verdict: outcome.verdict, guards, autoApproveConfidence: o.autoApproveConfidence });
  return { pairId, guards, judged: true, outcome, ...withRecordsMapping(decision, poly, kalshi) };
}

/**
 * A pair the mapping guard held because the verdict's mapping contradicts what the records imply
 * (named outcomes, opposite-sense wording) is stored with the records' mapping, so a human who
 * approves it from the pending list trades the right legs; the verdict's is kept in the reasons.
 * Never changes the status: such a pair is pending (a guard flagged it), never approved.
 */
function withRecordsMapping(d: Decision, a: MatchSide, b: MatchSide): Decision {
  if (d.status !== 'pending') return d;
  const derived = deriveMapping(a, b);
  if (derived.kind !== 'derived') return d;
  const yesMapsToNo = derived.mapping === 'YES_NO';
  if (yesMapsToNo === d.yesMapsToNo) return d;
  return { ...d, yesMapsToNo, reasons: [...d.reasons, `mapping stored from the records: ${derived.mapping} (${derived.why}); the verdict said ${d.yesMapsToNo ? 'YES_NO' : 'YES_YES'}`] };
}

/** Where the matcher reads markets and writes decisions: a store, or a PostgreSQL pool (wrapped in a PgMatcherStore). */
export type MatcherStorage = { readonly store: MatcherStore; readonly pool?: undefined } | { readonly pool: pg.Pool; readonly store?: undefined };

export type MatcherOptions = MatcherStorage & MatcherRunOptions;

export interface MatcherRunOptions {
  readonly judge: JudgeFn;
  readonly autoApproveConfidence: number;
  readonly guardConfig?: GuardConfig;
  readonly candidates?: CandidateOptions;
  readonly alwaysJudge?: boolean;
  /** judge calls in flight (default 4) */
  readonly concurrency?: number;
  /** stop judging after this many pairs in one run (cost cap; default unlimited) */
  readonly maxJudgements?: number;
  /** the venues of leg A (whose markets are searched for) and leg B (searched in); default VENUE_IDS[0], VENUE_IDS[1] */
  readonly legVenues?: readonly [Venue, Venue];
}

export interface MatcherResult {
  readonly candidates: number;
  readonly skipped: number;
  readonly judged: number;
  readonly approved: number;
  readonly pending: number;
  readonly rejected: number;
  readonly errors: number;
  readonly costMicros: number;
}

const hashesOf = (p: StoredMarket, k: StoredMarket): string => JSON.stringify({ poly: p.rulesHash, kalshi: k.rulesHash });
/** The matcher pairs a leg A market (default Polymarket) with a leg B market (default Kalshi). */
const legsOf = (p: StoredMarket, k: StoredMarket): readonly [PairLeg, PairLeg] => [
  { venue: p.record.venue, marketId: p.record.marketId },
  { venue: k.record.venue, marketId: k.record.marketId },
];

/** One matcher run over the open markets of the store (`venue_markets` on PostgreSQL). */
export async function runMatcher(o: MatcherOptions): Promise<MatcherResult> {
  const store: MatcherStore = o.store ?? new PgMatcherStore(o.pool);
  const open = ['open', 'unopened'] as const;
  const [venueA, venueB] = o.legVenues ?? [VENUE_IDS[0], VENUE_IDS[1]];
  // names below: `poly` = leg A's markets, `kalshi` = leg B's (the matching rework, issue 14, renames them)
  const [poly, kalshi] = await Promise.all([
    store.loadMarkets({ venue: venueA, statuses: [...open] }),
    store.loadMarkets({ venue: venueB, statuses: [...open] }),
  ]);
  const byKalshi = new Map(kalshi.map((k) => [k.record.marketId, k]));
  const existing = await store.matcherDecisions();
  const index = new CandidateIndex(kalshi.map((k) => k.record), o.candidates);
  const work: { p: StoredMarket; k: StoredMarket; score: number; features: CandidateFeatures }[] = [];
  let nCandidates = 0;
  let skipped = 0;
  for (const p of poly) {
    for (const c of index.search(p.record)) {
      nCandidates++;
      const k = byKalshi.get(c.legBMarketId)!;
      const ex = existing.get(legsKey(legsOf(p, k)));
      // decided on these same rules already (by the matcher or a human): nothing to do
      if (ex && ex.decidedBy !== 'discovery' && ex.hashes === hashesOf(p, k)) {
        skipped++;
        continue;
      }
      work.push({ p, k, score: c.score, features: c.features });
    }
  }
  const counts = { judged: 0, approved: 0, pending: 0, rejected: 0, errors: 0, costMicros: 0 };
  let next = 0;
  const max = o.maxJudgements ?? Infinity;
  const worker = async (): Promise<void> => {
    while (next < work.length) {
      const { p, k, score, features } = work[next++]!;
      if (counts.judged >= max) {
        skipped++;
        continue;
      }
      try {
        const ev = await evaluatePair(
          { ...p.record, textFlags: p.textFlags },
          { ...k.record, textFlags: k.textFlags },
          o.judge,
          { autoApproveConfidence: o.autoApproveConfidence, ...(o.guardConfig ? { guardConfig: o.guardConfig } : {}), ...(o.alwaysJudge ? { alwaysJudge: true } : {}) },
        );
        if (ev.judged) {
          counts.judged++;
          counts.costMicros += ev.outcome?.costMicros ?? 0;
        }
        await store.recordMatcherDecision({
          pairId: ev.pairId,
          legs: legsOf(p, k),
          status: ev.status,
          confidence: ev.confidence,
          yesMapsToNo: ev.yesMapsToNo,
          reasons: ev.reasons,
          guards: {
            results: ev.guards,
            rulesHash: { poly: p.rulesHash, kalshi: k.rulesHash },
            candidate: { score, features },
            ...(ev.outcome ? { verdict: ev.outcome.verdict, provider: ev.outcome.provider, costMicros: ev.outcome.costMicros, cacheHit: ev.outcome.cacheHit } : {}),
          },
          ...(ev.outcome ? { verdictModel: ev.outcome.model } : {}),
          decidedBy: 'matcher',
        });
        counts[ev.status]++;
      } catch (err) {
        // judge unavailable, budget spent, bad output: nothing stored, the next run tries again
        counts.errors++;
        log.warn({ err, polyMarketId: p.record.marketId, kalshiMarketId: k.record.marketId }, 'pair evaluation failed');
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency ?? 4) }, worker));
  const result = { candidates: nCandidates, skipped, ...counts };
  log.info(result, 'matcher run done');
  return result;
}
