import { Observable, asyncScheduler, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';

export interface SampleByKeyConfig<T> {
  /** The key values are grouped by (e.g. venue:marketId). */
  readonly key: (value: T) => string;
  /** At most one value per key per period, ms. */
  readonly periodMs: number;
  readonly scheduler?: SchedulerLike;
}

/**
 * Per-key throttle with leading and trailing emission: the first value of a key passes at once,
 * later values within `periodMs` are held and only the latest is emitted when the period ends.
 * Used to persist sampled books (top of book, depth) without writing every tick. On completion
 * the pending latest value of every key is flushed, so the last state is never lost.
 *
 * ```
 * periodMs = 3
 * in:  -a-a'-a"-b--|
 * out: -a----a"-b--|
 * ```
 */
export function sampleByKey<T>(config: SampleByKeyConfig<T>): OperatorFunction<T, T> {
  const scheduler = config.scheduler ?? asyncScheduler;
  return (source) =>
    new Observable<T>((subscriber) => {
      const pending = new Map<string, { value?: T; has: boolean; timer: Subscription }>();
      const open = (key: string) => {
        const timer = scheduler.schedule(() => {
          const p = pending.get(key);
          pending.delete(key);
          if (p?.has) {
            subscriber.next(p.value as T);
            open(key); // a trailing emission starts a new period
          }
        }, config.periodMs);
        pending.set(key, { has: false, timer });
      };
      const sub = source.subscribe({
        next: (value) => {
          const key = config.key(value);
          const p = pending.get(key);
          if (p) {
            p.value = value;
            p.has = true;
            return;
          }
          subscriber.next(value);
          open(key);
        },
        error: (err) => subscriber.error(err),
        complete: () => {
          for (const p of pending.values()) {
            p.timer.unsubscribe();
            if (p.has) subscriber.next(p.value as T);
          }
          pending.clear();
          subscriber.complete();
        },
      });
      return () => {
        sub.unsubscribe();
        for (const p of pending.values()) p.timer.unsubscribe();
        pending.clear();
      };
    });
}
