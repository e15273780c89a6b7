/**
 * `llm_calls` and `llm_verdicts` SQL: the LLM ledger (one row per call, today's spend, the
 * verdict cache) and the per-provider usage summary. The meaning (cost rounding, scrubbing,
 * schema checks of cached verdicts) is in src/matching/cost.ts.
 */
import type { Queryable } from './types.js';

export interface LlmCallRow {
  readonly ts: Date;
  readonly callId: string;
  readonly provider: string;
  readonly model: string;
  readonly pairId: string | null;
  readonly promptTokens: number | null;
  readonly completionTokens: number | null;
  readonly estimatedPromptTokens: number | null;
  readonly costMicros: number;
  readonly latencyMs: number | null;
  readonly status: string;
  readonly error: string | null;
  readonly cacheHit: boolean;
}

/** Records one call (idempotent on its key). */
export async function insertLlmCall(db: Queryable, r: LlmCallRow): Promise<void> {
  await db.query(
    `INSERT INTO llm_calls (ts, call_id, provider, model, pair_id, prompt_tokens, completion_tokens,
       estimated_prompt_tokens, cost_micros, latency_ms, status, error, cache_hit)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     ON CONFLICT DO NOTHING`,
    [r.ts, r.callId, r.provider, r.model, r.pairId, r.promptTokens, r.completionTokens, r.estimatedPromptTokens, r.costMicros, r.latencyMs, r.status, r.error, r.cacheHit],
  );
}

/** Sum of cost_micros of the calls at or after `since`. */
export async function llmSpentSince(db: Queryable, since: Date): Promise<number> {
  const res = await db.query<{ spent: string | number }>('SELECT COALESCE(SUM(cost_micros), 0)::bigint AS spent FROM llm_calls WHERE ts >= $1', [since]);
  return Number(res.rows[0]?.spent ?? 0);
}

export interface CachedVerdictRow {
  readonly cacheKey: string;
  readonly model: string;
  readonly pairId: string | null;
  /** jsonb as stored (the caller checks it against the Verdict schema) */
  readonly verdict: unknown;
}

export async function getCachedVerdict(db: Queryable, cacheKey: string): Promise<CachedVerdictRow | undefined> {
  const res = await db.query<{ cache_key: string; model: string; pair_id: string | null; verdict: unknown }>(
    'SELECT cache_key, model, pair_id, verdict FROM llm_verdicts WHERE cache_key = $1',
    [cacheKey],
  );
  const r = res.rows[0];
  return r ? { cacheKey: r.cache_key, model: r.model, pairId: r.pair_id, verdict: r.verdict } : undefined;
}

/** Stores a verdict (a newer one for the same key replaces it; a known pair id is kept). */
export async function putCachedVerdict(db: Queryable, v: { cacheKey: string; pairId: string | null; model: string; verdict: unknown }): Promise<void> {
  await db.query(
    `INSERT INTO llm_verdicts (cache_key, pair_id, model, verdict) VALUES ($1, $2, $3, $4)
     ON CONFLICT (cache_key) DO UPDATE SET verdict = EXCLUDED.verdict, pair_id = COALESCE(EXCLUDED.pair_id, llm_verdicts.pair_id), created_at = now()`,
    [v.cacheKey, v.pairId, v.model, JSON.stringify(v.verdict)],
  );
}

/** Per provider since `since`: calls, requests, cache hits, errors, tokens, cost, p50 latency (raw rows; bigint columns may be strings). */
export async function llmUsageSummaryRows(db: Queryable, since: Date): Promise<Record<string, unknown>[]> {
  const res = await db.query(
    `SELECT provider,
            count(*)::bigint AS calls,
            count(*) FILTER (WHERE status NOT IN ('cache_hit', 'budget_refused'))::bigint AS requests,
            count(*) FILTER (WHERE cache_hit)::bigint AS cache_hits,
            count(*) FILTER (WHERE status NOT IN ('ok', 'cache_hit'))::bigint AS errors,
            COALESCE(SUM(prompt_tokens), 0)::bigint AS prompt_tokens,
            COALESCE(SUM(completion_tokens), 0)::bigint AS completion_tokens,
            COALESCE(SUM(cost_micros), 0)::bigint AS cost_micros,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms)
              FILTER (WHERE status NOT IN ('cache_hit', 'budget_refused') AND latency_ms IS NOT NULL) AS p50_latency_ms
       FROM llm_calls
      WHERE ts >= $1
      GROUP BY provider
      ORDER BY provider`,
    [since],
  );
  return res.rows as Record<string, unknown>[];
}
