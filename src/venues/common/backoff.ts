/**
 * Reconnect backoff: exponential with FULL jitter and a cap (AWS Architecture Blog,
 * "Exponential Backoff And Jitter"): `delay = random() * min(maxMs, baseMs * 2 ** attempt)`.
 * Full jitter spreads the reconnects of many clients after a venue outage instead of
 * having them all retry in lock step.
 */
import type { BackoffOptions } from './types.js';

/** Defaults, the same as the FEED_BACKOFF_* defaults in src/config.ts. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 250, maxMs: 30_000, stableMs: 60_000 };

/** The largest delay of reconnect attempt `attempt` (0-based): `min(maxMs, baseMs * 2 ** attempt)`. */
export function backoffCap(attempt: number, opts: Pick<BackoffOptions, 'baseMs' | 'maxMs'>): number {
  const n = attempt > 0 ? Math.min(Math.floor(attempt), 1023) : 0; // NaN and negatives count as 0
  const base = Math.max(0, opts.baseMs);
  const max = Math.max(0, opts.maxMs);
  // 2 ** 1024 is Infinity; min() with max keeps the result finite
  return Math.min(max, base * 2 ** n);
}

/**
 * The delay before reconnect attempt `attempt` (0-based), whole milliseconds in
 * `[0, backoffCap(attempt)]`. `random` returns a number in [0, 1] (Math.random by default;
 * values outside are clamped, NaN counts as 0), so `() => 1` gives the cap itself.
 */
export function backoffDelay(
  attempt: number,
  opts: Pick<BackoffOptions, 'baseMs' | 'maxMs'>,
  random: () => number = Math.random,
): number {
  const cap = backoffCap(attempt, opts);
  const r = random();
  const u = Number.isNaN(r) ? 0 : Math.min(1, Math.max(0, r));
  return Math.floor(u * cap);
}
