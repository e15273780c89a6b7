/**
 * Errors of the LLM verdict service, classified as in src/errors.ts.
 */
import { NonRetryableError, RetryableError } from '../../errors.js';

/**
 * The model answered, but not with the Verdict schema (not JSON, truncated, wrong shape).
 * NonRetryable for the same request; the client sends one repair request, then falls back.
 */
export class LlmOutputError extends NonRetryableError {
  constructor(
    message: string,
    info: { provider: string; model: string; raw: string; issues?: string },
  ) {
    super(message, info);
  }
}

/** Today's (UTC) spend plus this call's estimate would pass the daily budget: no request is sent. */
export class BudgetExceededError extends NonRetryableError {
  constructor(info: { provider: string; model: string; spentMicros: number; estimateMicros: number; budgetMicros: number }) {
    super(
      `LLM daily budget exceeded: spent ${info.spentMicros} + estimate ${info.estimateMicros} > budget ${info.budgetMicros} micro-dollars (${info.provider}/${info.model})`,
      info,
    );
  }
}

/** A transport-level failure worth retrying (429, 5xx, timeout, connection reset, truncated body). */
export class LlmTransportError extends RetryableError {
  constructor(
    message: string,
    info: { provider: string; model: string; status?: number; retryAfterMs?: number },
    options?: { cause?: unknown },
  ) {
    super(message, info, options);
  }
  get retryAfterMs(): number | undefined {
    return this.info.retryAfterMs as number | undefined;
  }
}

/** Every provider was tried and none gave a valid verdict. `info.failures` lists why, per attempt. */
export class LlmUnavailableError extends RetryableError {
  constructor(failures: readonly { provider: string; error: string }[]) {
    super(
      `no LLM verdict: every provider failed (${failures.map((f) => f.error).join('; ')})`,
      { failures },
    );
  }
}
