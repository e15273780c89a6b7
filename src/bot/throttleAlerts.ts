/**
 * Deduplication and rate limiting of alerts before they reach Discord.
 *
 * - Dedup: an alert whose key was *sent* less than `dedupWindowMs` ago is dropped and counted
 *   (`counters.duplicates`), so a pair whose edge persists is announced once per window.
 * - Rate limit: a token bucket of `burst` tokens, one more every `refillEveryMs`. An alert that
 *   finds the bucket empty is not sent but counted; as soon as a token is back, one summary
 *   message says how many alerts (per kind) were held back. Nothing is dropped silently: on
 *   completion or error a pending summary is emitted first.
 *
 * Time comes from `scheduler` (default asyncScheduler), so the operator runs on virtual time.
 *
 * @example
 * // burst 2, refill 10 ms:  a-b-c-d|  →  a-b-(s|)  with s = { suppressed: 2 }
 */
import { Observable, asyncScheduler, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import { ALERT_KINDS, alertKey, type AlertEvent, type AlertKind } from './alerts.js';

export interface ThrottleAlertsConfig {
  /** Same key within this window (since the last one sent) is a duplicate. */
  readonly dedupWindowMs: number;
  /** Bucket size: alerts that may go out back to back. */
  readonly burst: number;
  /** One token comes back every this many ms. */
  readonly refillEveryMs: number;
  readonly scheduler?: SchedulerLike;
  readonly keyOf?: (a: AlertEvent) => string;
}

export interface AlertSummary {
  readonly type: 'summary';
  /** alerts held back by the rate limit since the last summary */
  readonly suppressed: number;
  readonly byKind: Readonly<Record<AlertKind, number>>;
  /** scheduler time of the first and last held-back alert */
  readonly fromTs: number;
  readonly toTs: number;
}
export type OutgoingAlert = { readonly type: 'alert'; readonly alert: AlertEvent } | AlertSummary;

export interface ThrottleCounters {
  duplicates: number;
  rateLimited: number;
  summaries: number;
  sent: number;
}

export const newThrottleCounters = (): ThrottleCounters => ({ duplicates: 0, rateLimited: 0, summaries: 0, sent: 0 });

const zeroByKind = (): Record<AlertKind, number> => Object.fromEntries(ALERT_KINDS.map((k) => [k, 0])) as Record<AlertKind, number>;

/** See the module comment. `counters` (optional) is updated in place. */
export function throttleAlerts(cfg: ThrottleAlertsConfig, counters: ThrottleCounters = newThrottleCounters()): OperatorFunction<AlertEvent, OutgoingAlert> {
  if (!(cfg.burst >= 1) || !(cfg.refillEveryMs > 0) || !(cfg.dedupWindowMs >= 0)) {
    throw new RangeError('throttleAlerts: burst >= 1, refillEveryMs > 0 and dedupWindowMs >= 0 are required');
  }
  const scheduler = cfg.scheduler ?? asyncScheduler;
  const keyOf = cfg.keyOf ?? alertKey;
  return (source) =>
    new Observable<OutgoingAlert>((subscriber) => {
      let tokens = cfg.burst;
      let refilledAt = scheduler.now();
      const lastSent = new Map<string, number>();
      let pending = 0;
      let byKind = zeroByKind();
      let fromTs = 0;
      let toTs = 0;
      let timer: Subscription | null = null;

      const refill = (now: number): void => {
        const n = Math.floor((now - refilledAt) / cfg.refillEveryMs);
        if (n <= 0) return;
        tokens = Math.min(cfg.burst, tokens + n);
        refilledAt = tokens === cfg.burst ? now : refilledAt + n * cfg.refillEveryMs;
      };
      const emitSummary = (): void => {
        const s: AlertSummary = { type: 'summary', suppressed: pending, byKind, fromTs, toTs };
        pending = 0;
        byKind = zeroByKind();
        counters.summaries++;
        subscriber.next(s);
      };
      const flushIfToken = (now: number): void => {
        refill(now);
        if (pending > 0 && tokens > 0) {
          tokens--;
          emitSummary();
        }
      };
      const armTimer = (): void => {
        if (timer && !timer.closed) return;
        const now = scheduler.now();
        const wait = Math.max(0, refilledAt + cfg.refillEveryMs - now);
        timer = scheduler.schedule(() => {
          timer = null;
          flushIfToken(scheduler.now());
          if (pending > 0) armTimer();
        }, wait);
      };

      const sub = source.subscribe({
        next: (a) => {
          const now = scheduler.now();
          flushIfToken(now);
          const key = keyOf(a);
          const last = lastSent.get(key);
          if (last !== undefined && now - last < cfg.dedupWindowMs) {
            counters.duplicates++;
            return;
          }
          if (tokens <= 0) {
            counters.rateLimited++;
            if (pending === 0) fromTs = now;
            toTs = now;
            pending++;
            byKind[a.kind]++;
            armTimer();
            return;
          }
          tokens--;
          lastSent.set(key, now);
          if (lastSent.size > 10_000) for (const [k, t] of lastSent) if (now - t >= cfg.dedupWindowMs) lastSent.delete(k);
          counters.sent++;
          subscriber.next({ type: 'alert', alert: a });
        },
        error: (err: unknown) => {
          if (pending > 0) emitSummary();
          subscriber.error(err);
        },
        complete: () => {
          if (pending > 0) emitSummary();
          subscriber.complete();
        },
      });
      return () => {
        sub.unsubscribe();
        timer?.unsubscribe();
      };
    });
}

/** Discord text of a summary. */
export function formatSummary(s: AlertSummary): string {
  const parts = ALERT_KINDS.filter((k) => s.byKind[k] > 0).map((k) => `${s.byKind[k]} ${k}`);
  return `⏳ **rate limit**: ${s.suppressed} alert${s.suppressed === 1 ? '' : 's'} held back (${parts.join(', ')}) between ${new Date(s.fromTs).toISOString()} and ${new Date(s.toTs).toISOString()}; see /edges and /status`;
}
