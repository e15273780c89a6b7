/** `llm_calls` reads: usage per provider. */
import type { Queryable } from './types.js';

export interface LlmUsageRecord {
  readonly provider: string;
  readonly calls: number;
  readonly errors: number;
  readonly cacheHits: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costMicros: number;
}

/** Calls, errors, cache hits, tokens and cost per provider, all time or since `since`. */
export async function llmUsageByProvider(db: Queryable, since: Date | null): Promise<LlmUsageRecord[]> {
  const res = await db.query(
    `SELECT provider, count(*)::bigint AS calls, count(*) FILTER (WHERE error IS NOT NULL)::bigint AS errors,
            count(*) FILTER (WHERE cache_hit)::bigint AS cache_hits,
            coalesce(sum(prompt_tokens), 0)::bigint AS prompt_tokens, coalesce(sum(completion_tokens), 0)::bigint AS completion_tokens,
            coalesce(sum(cost_micros), 0)::bigint AS cost_micros
     FROM llm_calls WHERE ($1::timestamptz IS NULL OR ts >= $1) GROUP BY provider ORDER BY provider`,
    [since],
  );
  return (res.rows as Record<string, unknown>[]).map((r) => ({
    provider: String(r.provider),
    calls: Number(r.calls),
    errors: Number(r.errors),
    cacheHits: Number(r.cache_hits),
    promptTokens: Number(r.prompt_tokens),
    completionTokens: Number(r.completion_tokens),
    costMicros: Number(r.cost_micros),
  }));
}
