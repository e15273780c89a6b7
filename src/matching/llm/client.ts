/**
 * The LLM judge: asks whether two markets settle on the same event under the same rules, and
 * returns a validated {@link Verdict} with its provenance and cost.
 *
 * Order of work for `judge(a, b)`:
 *  1. verdict cache (llm_verdicts; key = model + both markets' titles and rules, order-normalised):
 *     a hit returns at once (recorded in llm_calls as a cache hit, cost 0);
 *  2. providers in order (DeepSeek, then GPT-4o), each through the `openai` client with
 *     `maxRetries: 0` (we retry ourselves) and `response_format: json_object`:
 *     - before every request: the provider's token bucket, then the daily budget (today's UTC
 *       spend from llm_calls + requests in flight + this estimate, estimate = cl100k prompt tokens
 *       + max output tokens at list price); over budget → {@link BudgetExceededError}, nothing sent;
 *     - 429, 5xx, timeouts, connection errors, truncated bodies → retry with exponential backoff and
 *       full jitter, waiting at least `Retry-After` (seconds, HTTP date, or `retry-after-ms`);
 *       when the retries are spent (or Retry-After is longer than `maxRetryAfterMs`) → next provider;
 *     - an answer that is not the schema → {@link LlmOutputError} (logged with the raw text
 *       truncated, counted), ONE repair request quoting the validation error, then next provider;
 *     - other 4xx (bad key, bad request) → next provider at once;
 *  3. nothing valid from anyone → {@link LlmUnavailableError} listing every failure.
 * Every request (and every cache hit and budget refusal) is one llm_calls row with the provider's
 * `usage` tokens, the estimate, the exact cost (BigInt, rounded up), latency, status and the
 * error text scrubbed of secrets.
 */
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { MarketRecord } from '../../../schema/market.js';
import { formatScaled, type Micros } from '../../../schema/money.js';
import type { Config } from '../../config.js';
import { log, registerSecret, scrub } from '../../log.js';
import { costMicros, MemoryLedger, PgLedger, utcDayStart, type LlmCallStatus, type LlmLedger } from '../cost.js';
import { buildPrompt, parseVerdict, repairMessages, verdictCacheKey, type ChatMessage, type PromptOptions, type Verdict } from '../verdict.js';
import { BudgetExceededError, LlmOutputError, LlmTransportError, LlmUnavailableError } from './errors.js';
import { callProvider, createProvider, isLoopback, type CallOutcome, type LlmProviderConfig, type Provider } from './provider.js';
import { realClock, type Clock } from './tokenBucket.js';
import { countChatTokens } from './tokens.js';

export { BudgetExceededError, LlmOutputError, LlmTransportError, LlmUnavailableError } from './errors.js';
export { parseRetryAfter } from './provider.js';
export type { LlmProviderConfig } from './provider.js';

export interface LlmJudgeOptions {
  /** in order of preference: primary first */
  providers: readonly LlmProviderConfig[];
  dailyBudgetMicros: Micros;
  /** per-request timeout (ms, real time: it bounds a socket) */
  timeoutMs: number;
  /** where calls, spend and cached verdicts live; default a PgLedger on `pool`, else in memory */
  ledger?: LlmLedger;
  pool?: pg.Pool;
  /** backoff sleeps, token buckets and the budget's "today" run on this clock; default real time */
  clock?: Clock;
  /** jitter source in [0, 1); default Math.random */
  random?: () => number;
  /** retries per provider for retryable failures (429/5xx/timeout); default 3 */
  maxRetries?: number;
  /** backoff: full jitter over min(max, base × 2^retry); defaults 500 ms and 20 s */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** a Retry-After longer than this skips to the next provider instead of waiting; default 60 s */
  maxRetryAfterMs?: number;
  /** max_tokens of the answer (also the output part of the budget estimate); default 700 */
  maxOutputTokens?: number;
  prompt?: Omit<PromptOptions, 'nonce'>;
  /**
   * operator alerts (wire to LiveEvents.publishAlert: the Discord bot relays warn/critical ones as
   * `error` alerts with their `source`): the daily budget reached ('llm', critical), ONCE per UTC
   * day (on `clock`) of this judge, at the first refusal, not per refused request. Must not throw
   * (a throw is logged and ignored).
   */
  onAlert?: (a: LlmAlert) => void;
}

/** An operator alert of the judge (same shape as the persister's and LiveEvents' `Alert`). */
export interface LlmAlert {
  readonly level: 'warn' | 'critical';
  readonly message: string;
  readonly source: 'llm';
  readonly ts: number;
}

export interface JudgeOptions {
  /** stored with the call and the cached verdict */
  pairId?: string;
  signal?: AbortSignal;
  /** skip the cache lookup (the fresh verdict still replaces the cached one) */
  noCache?: boolean;
  /** pin the prompt nonce (tests) */
  nonce?: string;
}

export interface JudgeResult {
  verdict: Verdict;
  /** provider that answered (for a cache hit: the one whose model produced the cached verdict) */
  provider: string;
  model: string;
  /** provider-reported usage of the successful request (0 on a cache hit) */
  promptTokens: number;
  completionTokens: number;
  /** cl100k estimate of the prompt, made before the call */
  estimatedPromptTokens: number;
  /** total cost of this judge() call over all its requests, micro-dollars */
  costMicros: Micros;
  /** wall time of the whole judge() call */
  latencyMs: number;
  /** HTTP requests sent (0 on a cache hit) */
  attempts: number;
  cacheHit: boolean;
  cacheKey: string;
  /** prompt fields cut to the token budget */
  truncated: string[];
}

/** Counters of the judge (for metrics and tests). */
export interface LlmJudgeStats {
  judged: number;
  cacheHits: number;
  requests: number;
  outputErrors: number;
  transportErrors: number;
  otherErrors: number;
  repairs: number;
  fallbacks: number;
  budgetRefusals: number;
  ledgerErrors: number;
  failures: number;
}

const RAW_LOG_CHARS = 500;

/** The judge. One per process (its token buckets are per provider). */
export class LlmJudge {
  readonly stats: LlmJudgeStats = {
    judged: 0, cacheHits: 0, requests: 0, outputErrors: 0, transportErrors: 0, otherErrors: 0,
    repairs: 0, fallbacks: 0, budgetRefusals: 0, ledgerErrors: 0, failures: 0,
  };
  readonly ledger: LlmLedger;
  private readonly providers: Provider[];
  private readonly skipped: { provider: string; error: string }[] = [];
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly o: Required<Pick<LlmJudgeOptions, 'maxRetries' | 'backoffBaseMs' | 'backoffMaxMs' | 'maxRetryAfterMs' | 'maxOutputTokens' | 'timeoutMs' | 'dailyBudgetMicros'>>;
  /** estimates of requests in flight, counted against the budget until their cost is recorded */
  private reservedMicros = 0;
  /** spend whose llm_calls row could not be written (still counted against the budget) */
  private unrecordedMicros = 0;
  /** UTC day start (judge clock) of the last budget alert: one alert per day */
  private budgetAlertDay: number | null = null;

  constructor(private readonly opts: LlmJudgeOptions) {
    this.clock = opts.clock ?? realClock;
    this.random = opts.random ?? Math.random;
    this.ledger = opts.ledger ?? (opts.pool ? new PgLedger(opts.pool) : new MemoryLedger());
    this.o = {
      maxRetries: opts.maxRetries ?? 3,
      backoffBaseMs: opts.backoffBaseMs ?? 500,
      backoffMaxMs: opts.backoffMaxMs ?? 20_000,
      maxRetryAfterMs: opts.maxRetryAfterMs ?? 60_000,
      maxOutputTokens: opts.maxOutputTokens ?? 700,
      timeoutMs: opts.timeoutMs,
      dailyBudgetMicros: opts.dailyBudgetMicros,
    };
    this.providers = [];
    for (const cfg of opts.providers) {
      registerSecret(cfg.apiKey);
      if (!cfg.apiKey && !isLoopback(cfg.baseUrl)) {
        this.skipped.push({ provider: cfg.name, error: `${cfg.name}: no API key configured` });
        log.warn({ provider: cfg.name }, 'llm: provider has no API key; skipped');
        continue;
      }
      this.providers.push(createProvider(cfg, opts.timeoutMs, this.clock));
    }
  }

  /** Judges whether markets `a` and `b` are the same market. See the module comment for the order of work. */
  async judge(a: MarketRecord, b: MarketRecord, opts: JudgeOptions = {}): Promise<JudgeResult> {
    const t0 = performance.now();
    this.stats.judged += 1;
    const prompt = buildPrompt(a, b, { ...this.opts.prompt, nonce: opts.nonce });
    const base = { estimatedPromptTokens: prompt.estimatedPromptTokens, truncated: prompt.truncated };

    if (!opts.noCache) {
      for (const p of this.opts.providers) {
        const key = verdictCacheKey(p.model, a, b);
        const hit = await this.ledger.getVerdict(key);
        if (!hit) continue;
        this.stats.cacheHits += 1;
        await this.record({ provider: p.name, model: p.model, pairId: opts.pairId, estimatedPromptTokens: 0, costMicros: 0, status: 'cache_hit', cacheHit: true, latencyMs: 0 });
        return { ...base, verdict: hit.verdict, provider: p.name, model: p.model, promptTokens: 0, completionTokens: 0, costMicros: 0, latencyMs: Math.round(performance.now() - t0), attempts: 0, cacheHit: true, cacheKey: key };
      }
    }

    const failures = [...this.skipped];
    let attempts = 0;
    let spent = 0;
    for (const [i, p] of this.providers.entries()) {
      if (i > 0) {
        this.stats.fallbacks += 1;
        log.warn({ from: this.providers[i - 1]?.cfg.name, to: p.cfg.name, pairId: opts.pairId }, 'llm: falling back to next provider');
      }
      let messages: ChatMessage[] = prompt.messages;
      let estimate = prompt.estimatedPromptTokens;
      let retries = 0;
      let repaired = false;
      for (;;) {
        opts.signal?.throwIfAborted();
        await this.checkBudget(p, estimate, opts.pairId);
        await p.bucket.take(opts.signal);
        const reserve = costMicros(estimate, this.o.maxOutputTokens, p.cfg.priceInPerMTokMicros, p.cfg.priceOutPerMTokMicros);
        this.reservedMicros += reserve;
        attempts += 1;
        this.stats.requests += 1;
        const started = performance.now();
        let out: CallOutcome;
        try {
          out = await callProvider(p, messages, opts.signal, this.o, this.clock);
        } catch (err) {
          this.reservedMicros -= reserve;
          const latencyMs = Math.round(performance.now() - started);
          if (opts.signal?.aborted) throw err;
          const msg = scrub((err as Error).message ?? String(err));
          failures.push({ provider: p.cfg.name, error: msg });
          if (err instanceof LlmTransportError) {
            this.stats.transportErrors += 1;
            await this.record({ provider: p.cfg.name, model: p.cfg.model, pairId: opts.pairId, estimatedPromptTokens: estimate, costMicros: 0, latencyMs, status: 'transport_error', error: msg, cacheHit: false });
            const ra = err.retryAfterMs;
            if (retries >= this.o.maxRetries || (ra !== undefined && ra > this.o.maxRetryAfterMs)) {
              log.warn({ err, provider: p.cfg.name, retries }, 'llm: retries spent');
              break;
            }
            const jitter = Math.floor(this.random() * Math.min(this.o.backoffMaxMs, this.o.backoffBaseMs * 2 ** retries));
            const wait = Math.max(jitter, ra ?? 0);
            log.info({ provider: p.cfg.name, status: err.info.status, retry: retries + 1, waitMs: wait }, 'llm: retrying');
            retries += 1;
            await this.clock.sleep(wait, opts.signal);
            continue;
          }
          this.stats.otherErrors += 1;
          log.warn({ err, provider: p.cfg.name }, 'llm: request failed (not retryable); next provider');
          await this.record({ provider: p.cfg.name, model: p.cfg.model, pairId: opts.pairId, estimatedPromptTokens: estimate, costMicros: 0, latencyMs, status: 'error', error: msg, cacheHit: false });
          break;
        }
        const latencyMs = Math.round(performance.now() - started);
        const cost = costMicros(out.promptTokens, out.completionTokens, p.cfg.priceInPerMTokMicros, p.cfg.priceOutPerMTokMicros);
        spent += cost;
        const parsed = parseVerdict(out.content);
        const problem = parsed.ok ? undefined : (out.finishReason === 'length' ? 'answer truncated at max_tokens; ' : '') + parsed.problem;
        const common = { provider: p.cfg.name, model: p.cfg.model, pairId: opts.pairId, promptTokens: out.promptTokens, completionTokens: out.completionTokens, estimatedPromptTokens: estimate, costMicros: cost, latencyMs, cacheHit: false };
        if (parsed.ok) {
          await this.record({ ...common, status: 'ok' });
          // released only once the real cost is in the ledger: concurrent judges never see a gap
          this.reservedMicros -= reserve;
          const cacheKey = verdictCacheKey(p.cfg.model, a, b);
          try {
            await this.ledger.putVerdict({ cacheKey, model: p.cfg.model, pairId: opts.pairId, verdict: parsed.verdict });
          } catch (err) {
            this.stats.ledgerErrors += 1;
            log.error({ err, provider: p.cfg.name }, 'llm: could not cache the verdict');
          }
          return { ...base, verdict: parsed.verdict, provider: p.cfg.name, model: p.cfg.model, promptTokens: out.promptTokens, completionTokens: out.completionTokens, costMicros: spent, latencyMs: Math.round(performance.now() - t0), attempts, cacheHit: false, cacheKey };
        }
        const err = new LlmOutputError(`${p.cfg.name} answer is not a verdict: ${problem}`, { provider: p.cfg.name, model: p.cfg.model, raw: out.content.slice(0, RAW_LOG_CHARS), issues: problem });
        this.stats.outputErrors += 1;
        log.warn({ err, provider: p.cfg.name, model: p.cfg.model, raw: out.content.slice(0, RAW_LOG_CHARS), repaired }, 'llm: output rejected');
        await this.record({ ...common, status: 'output_error', error: err.message });
        this.reservedMicros -= reserve;
        failures.push({ provider: p.cfg.name, error: err.message });
        if (repaired) break;
        repaired = true;
        this.stats.repairs += 1;
        messages = repairMessages(prompt, out.content, problem ?? 'invalid');
        estimate = countChatTokens(messages);
      }
    }
    this.stats.failures += 1;
    const err = new LlmUnavailableError(failures.map((f) => ({ provider: f.provider, error: f.error.slice(0, 300) })));
    log.error({ err, pairId: opts.pairId, attempts, costMicros: spent }, 'llm: no verdict');
    throw err;
  }

  /** Today's (UTC, on the judge's clock) recorded spend plus spend in flight. */
  async spentToday(): Promise<Micros> {
    return (await this.ledger.spentSince(utcDayStart(this.clock.now()))) + this.reservedMicros + this.unrecordedMicros;
  }

  private async checkBudget(p: Provider, estimatedPromptTokens: number, pairId: string | undefined): Promise<void> {
    const estimateMicros = costMicros(estimatedPromptTokens, this.o.maxOutputTokens, p.cfg.priceInPerMTokMicros, p.cfg.priceOutPerMTokMicros);
    const spentMicros = await this.spentToday();
    if (spentMicros + estimateMicros <= this.o.dailyBudgetMicros) return;
    this.stats.budgetRefusals += 1;
    const err = new BudgetExceededError({ provider: p.cfg.name, model: p.cfg.model, spentMicros, estimateMicros, budgetMicros: this.o.dailyBudgetMicros });
    log.warn({ err, provider: p.cfg.name, pairId }, 'llm: daily budget reached; call refused');
    this.alertBudget(spentMicros);
    await this.record({ provider: p.cfg.name, model: p.cfg.model, pairId, estimatedPromptTokens, costMicros: 0, status: 'budget_refused', error: err.message, cacheHit: false });
    throw err;
  }

  /** The budget alert, once per UTC day (decided synchronously: concurrent refusals alert once). */
  private alertBudget(spentMicros: Micros): void {
    const now = this.clock.now();
    const day = utcDayStart(now);
    if (this.budgetAlertDay === day) return;
    this.budgetAlertDay = day;
    if (!this.opts.onAlert) return;
    const message =
      `LLM daily budget reached: $${formatScaled(spentMicros)} spent of $${formatScaled(this.o.dailyBudgetMicros)} on ${new Date(day).toISOString().slice(0, 10)} (UTC); ` +
      `matcher calls are refused until 00:00 UTC (LLM_DAILY_BUDGET_USD)`;
    try {
      this.opts.onAlert({ level: 'critical', message, source: 'llm', ts: now });
    } catch (err) {
      log.warn({ err }, 'llm: the alert hook threw');
    }
  }

  private async record(r: {
    provider: string; model: string; pairId?: string; promptTokens?: number; completionTokens?: number;
    estimatedPromptTokens?: number; costMicros: Micros; latencyMs?: number; status: LlmCallStatus; error?: string; cacheHit: boolean;
  }): Promise<void> {
    try {
      await this.ledger.recordCall({ ...r, ts: this.clock.now() });
    } catch (err) {
      // the verdict (money already spent) must not be lost for a bookkeeping failure; the spend
      // still counts against today's budget in this process
      this.stats.ledgerErrors += 1;
      this.unrecordedMicros += r.costMicros;
      log.error({ err, provider: r.provider, status: r.status, costMicros: r.costMicros }, 'llm: could not record the call in llm_calls');
    }
  }

}

/** A judge from `loadConfig().llm`: DeepSeek first, GPT-4o fallback. */
export function llmJudgeFromConfig(
  cfg: Config['llm'],
  deps: Omit<LlmJudgeOptions, 'providers' | 'dailyBudgetMicros' | 'timeoutMs'> = {},
): LlmJudge {
  return new LlmJudge({ ...deps, providers: [cfg.primary, cfg.fallback], dailyBudgetMicros: cfg.dailyBudgetMicros, timeoutMs: cfg.timeoutMs });
}
