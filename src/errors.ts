/**
 * Classified errors. Every error we raise says what failed, carries its context in `info`,
 * and is one of: Retryable (try again, with backoff), NonRetryable (bad input: reject, log,
 * count, go on) or Fatal (stop the process with a clear message). A send whose result we
 * never saw is an UnknownOutcomeError: it must be reconciled, never blindly retried.
 */
export type ErrorKind = 'Retryable' | 'NonRetryable' | 'Fatal' | 'UnknownOutcome';

export class ArbError extends Error {
  constructor(
    message: string,
    readonly kind: ErrorKind,
    readonly info: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class RetryableError extends ArbError {
  constructor(message: string, info: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, 'Retryable', info, options);
  }
}

export class NonRetryableError extends ArbError {
  constructor(message: string, info: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, 'NonRetryable', info, options);
  }
}

export class FatalError extends ArbError {
  constructor(message: string, info: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, 'Fatal', info, options);
  }
}

export class UnknownOutcomeError extends ArbError {
  constructor(message: string, info: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, 'UnknownOutcome', info, options);
  }
}

/** A wire message, stream entry or API input that failed validation. */
export class DecodeError extends NonRetryableError {
  constructor(message: string, info: { source: string; raw?: string; issues?: unknown } & Record<string, unknown>) {
    super(message, info);
  }
}

export const isRetryable = (e: unknown): boolean => e instanceof ArbError && e.kind === 'Retryable';
