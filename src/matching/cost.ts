/**
 * LLM cost tracking and the verdict cache.
 *
 * Every LLM call (success, error, budget refusal, cache hit) becomes one `llm_calls` row; today's
 * spend (UTC day) is summed from it for the daily budget; `usageSummary` reports per provider.
 * Verdicts are cached in `llm_verdicts` by {@link verdictCacheKey}.
 *
 * The client talks to an {@link LlmLedger}: {@link PgLedger} on a `pg.Pool` (production,
 * integration tests) or {@link MemoryLedger} (hermetic unit tests, one-off scripts).
 */
import { textTable } from '../textTable.js';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { z } from 'zod';
import { divRound, type Micros } from '../../schema/money.js';
import { scrub } from '../log.js';
import { getCachedVerdict, insertLlmCall, llmSpentSince, llmUsageSummaryRows, putCachedVerdict } from '../store/repos/llmCalls.js';
import { Verdict } from './verdict.js';

// ------------------------------------------------------------------ cost

/**
 * Exact cost of a call in micro-dollars: tokens × price per 1M tokens, summed over input and
 * output, divided by 1M once and rounded UP (a provider never bills us less than this).
 */
export function costMicros(promptTokens: number, completionTokens: number, priceInPerMTokMicros: Micros, priceOutPerMTokMicros: Micros): Micros {
  const total = BigInt(promptTokens) * BigInt(priceInPerMTokMicros) + BigInt(completionTokens) * BigInt(priceOutPerMTokMicros);
  return Number(divRound(total, 1_000_000n, 'ceil'));
}

/** Start of the UTC day containing `nowMs`. */
export function utcDayStart(nowMs: number): number {
  const d = new Date(nowMs);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
}

// ------------------------------------------------------------------ ledger

export type LlmCallStatus = 'ok' | 'output_error' | 'transport_error' | 'error' | 'budget_refused' | 'cache_hit';

export interface LlmCallRecord {
  /** our clock, unix ms */
  ts: number;
  callId?: string;
  provider: string;
  model: string;
  pairId?: string;
  promptTokens?: number;
  completionTokens?: number;
  estimatedPromptTokens?: number;
  costMicros: Micros;
  latencyMs?: number;
  status: LlmCallStatus;
  /** scrubbed of secrets before it is stored */
  error?: string;
  cacheHit: boolean;
}

export interface CachedVerdict {
  cacheKey: string;
  model: string;
  /** provider that produced it, when known */
  pairId?: string;
  verdict: Verdict;
}

/** Where the LLM client records calls, reads today's spend and keeps cached verdicts. */
export interface LlmLedger {
  recordCall(rec: LlmCallRecord): Promise<void>;
  /** Sum of cost_micros of calls at or after `sinceMs`. */
  spentSince(sinceMs: number): Promise<Micros>;
  getVerdict(cacheKey: string): Promise<CachedVerdict | undefined>;
  putVerdict(v: CachedVerdict): Promise<void>;
}

const MAX_ERROR_CHARS = 2000;
const cleanError = (e: string | undefined): string | null => (e === undefined ? null : scrub(e).slice(0, MAX_ERROR_CHARS));

/** The ledger on PostgreSQL/TimescaleDB tables `llm_calls` and `llm_verdicts` (migration 0002; SQL in src/store/repos/llmCalls.ts). */
export class PgLedger implements LlmLedger {
  constructor(private readonly pool: pg.Pool) {}

  async recordCall(r: LlmCallRecord): Promise<void> {
    await insertLlmCall(this.pool, {
      ts: new Date(r.ts), callId: r.callId ?? randomUUID(), provider: r.provider, model: r.model, pairId: r.pairId ?? null,
      promptTokens: r.promptTokens ?? null, completionTokens: r.completionTokens ?? null, estimatedPromptTokens: r.estimatedPromptTokens ?? null,
      costMicros: r.costMicros, latencyMs: r.latencyMs ?? null, status: r.status, error: cleanError(r.error), cacheHit: r.cacheHit,
    });
  }

  spentSince(sinceMs: number): Promise<Micros> {
    return llmSpentSince(this.pool, new Date(sinceMs));
  }

  async getVerdict(cacheKey: string): Promise<CachedVerdict | undefined> {
    const row = await getCachedVerdict(this.pool, cacheKey);
    if (!row) return undefined;
    const v = Verdict.safeParse(row.verdict);
    // a row that no longer fits the schema (schema changed) is a miss: the pair is judged again
    if (!v.success) return undefined;
    return { cacheKey: row.cacheKey, model: row.model, pairId: row.pairId ?? undefined, verdict: v.data };
  }

  async putVerdict(v: CachedVerdict): Promise<void> {
    await putCachedVerdict(this.pool, { cacheKey: v.cacheKey, pairId: v.pairId ?? null, model: v.model, verdict: v.verdict });
  }
}

/** In-memory ledger (unit tests, scripts without a database). Same semantics as {@link PgLedger}. */
export class MemoryLedger implements LlmLedger {
  readonly calls: LlmCallRecord[] = [];
  readonly verdicts = new Map<string, CachedVerdict>();

  async recordCall(r: LlmCallRecord): Promise<void> {
    this.calls.push({ ...r, callId: r.callId ?? randomUUID(), error: cleanError(r.error) ?? undefined });
  }
  async spentSince(sinceMs: number): Promise<Micros> {
    return this.calls.filter((c) => c.ts >= sinceMs).reduce((s, c) => s + c.costMicros, 0);
  }
  async getVerdict(cacheKey: string): Promise<CachedVerdict | undefined> {
    return this.verdicts.get(cacheKey);
  }
  async putVerdict(v: CachedVerdict): Promise<void> {
    this.verdicts.set(v.cacheKey, v);
  }
}

// ------------------------------------------------------------------ summary

export const UsageRow = z.object({
  provider: z.string(),
  calls: z.number().int(),
  /** calls that reached the provider (not cache hits, not budget refusals) */
  requests: z.number().int(),
  cacheHits: z.number().int(),
  errors: z.number().int(),
  promptTokens: z.number().int(),
  completionTokens: z.number().int(),
  costMicros: z.number().int(),
  /** median latency of requests that reached the provider; null when none */
  p50LatencyMs: z.number().nullable(),
});
export type UsageRow = z.infer<typeof UsageRow>;

const num = z.union([z.string(), z.number()]).transform(Number);
const SummaryDbRow = z.object({
  provider: z.string(),
  calls: num,
  requests: num,
  cache_hits: num,
  errors: num,
  prompt_tokens: num,
  completion_tokens: num,
  cost_micros: num,
  p50_latency_ms: z.union([z.string(), z.number()]).nullable().transform((v) => (v === null ? null : Number(v))),
});

/** Per provider since `since` (default: start of today, UTC): calls, tokens, cost, p50 latency. */
export async function usageSummary(pool: pg.Pool, opts: { since?: Date } = {}): Promise<UsageRow[]> {
  const since = opts.since ?? new Date(utcDayStart(Date.now()));
  const rows = await llmUsageSummaryRows(pool, since);
  return rows.map((r) => {
    const d = SummaryDbRow.parse(r);
    return UsageRow.parse({
      provider: d.provider,
      calls: d.calls,
      requests: d.requests,
      cacheHits: d.cache_hits,
      errors: d.errors,
      promptTokens: d.prompt_tokens,
      completionTokens: d.completion_tokens,
      costMicros: d.cost_micros,
      p50LatencyMs: d.p50_latency_ms,
    });
  });
}

const usd = (micros: number): string => {
  const neg = micros < 0;
  const a = Math.abs(micros);
  return `${neg ? '-' : ''}$${Math.floor(a / 1_000_000)}.${String(a % 1_000_000).padStart(6, '0')}`;
};

/** The usage summary as a fixed-width text table (the `arbstream match cost` output). */
export function formatUsageTable(rows: readonly UsageRow[]): string {
  const head = ['provider', 'calls', 'requests', 'cache hits', 'errors', 'prompt tok', 'completion tok', 'cost (USD)', 'p50 latency'];
  const body = rows.map((r) => [
    r.provider, String(r.calls), String(r.requests), String(r.cacheHits), String(r.errors), String(r.promptTokens),
    String(r.completionTokens), usd(r.costMicros), r.p50LatencyMs === null ? '-' : `${Math.round(r.p50LatencyMs)} ms`,
  ]);
  const total = rows.reduce((s, r) => s + r.costMicros, 0);
  body.push(['total', String(rows.reduce((s, r) => s + r.calls, 0)), String(rows.reduce((s, r) => s + r.requests, 0)),
    String(rows.reduce((s, r) => s + r.cacheHits, 0)), String(rows.reduce((s, r) => s + r.errors, 0)),
    String(rows.reduce((s, r) => s + r.promptTokens, 0)), String(rows.reduce((s, r) => s + r.completionTokens, 0)), usd(total), '']);
  return textTable(head, body, { align: head.map((_, i) => (i === 0 ? 'left' : 'right')), rule: '-' }).join('\n');
}
