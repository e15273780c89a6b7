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
    // no stack: it would only point at the decoder, and capturing one per hostile frame is the
    // most expensive part of rejecting it (a flood of bad frames must stay cheap)
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(message, info);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}

export const isRetryable = (e: unknown): boolean => e instanceof ArbError && e.kind === 'Retryable';

/**
 * A venue refused our credentials (REST 401/403, WebSocket upgrade 401/403): wrong key id, wrong
 * or unreadable private key, revoked key, or a clock too far off for the signed timestamp. Not
 * retryable by backoff: it needs an operator. Feed status reason: `auth failed: HTTP <status>`.
 */
export class VenueAuthError extends NonRetryableError {
  constructor(readonly venue: string, readonly status: number, info: Record<string, unknown> = {}) {
    super(`${venue} refused our credentials (HTTP ${status}): check the API key id and private key`, { venue, status, ...info });
  }
}
