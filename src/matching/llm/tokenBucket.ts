/**
 * Per-provider request rate limit: a FIFO token bucket on an injectable clock, so tests run on
 * virtual time. Also the clocks used by the LLM client (real, from an RxJS scheduler, virtual).
 */
import type { SchedulerLike } from 'rxjs';

/** Time source and sleep. Everything time-dependent in the LLM client goes through one. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      const onAbort = (): void => {
        clearTimeout(t);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/** A clock driven by an RxJS scheduler (its `now()` and `schedule(work, delay)`). */
export function schedulerClock(scheduler: SchedulerLike): Clock {
  return {
    now: () => scheduler.now(),
    sleep: (ms) => new Promise<void>((resolve) => void scheduler.schedule(() => resolve(), ms)),
  };
}

/**
 * Virtual time for tests: `sleep(ms)` advances the clock by `ms` at once and records the wait.
 * Sequential code sees exactly the time it would have waited, without waiting.
 */
export class VirtualClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(private t = 0) {}
  now(): number {
    return this.t;
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += Math.max(0, ms);
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface TokenBucketOptions {
  /** requests per minute (the refill rate) */
  perMinute: number;
  /** tokens saved up at most; default = perMinute (a full minute's burst) */
  burst?: number;
  clock?: Clock;
}

/**
 * A token bucket: `perMinute` tokens per minute, at most `burst` saved, starting full. `take()`
 * resolves in call order (FIFO) once a token is available.
 */
export class TokenBucket {
  readonly perMinute: number;
  readonly burst: number;
  private readonly clock: Clock;
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(opts: TokenBucketOptions) {
    if (!(opts.perMinute > 0)) throw new RangeError('perMinute must be > 0');
    this.perMinute = opts.perMinute;
    this.burst = opts.burst ?? opts.perMinute;
    if (!(this.burst >= 1)) throw new RangeError('burst must be >= 1');
    this.clock = opts.clock ?? realClock;
    this.tokens = this.burst;
    this.last = this.clock.now();
  }

  private refill(): void {
    const t = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) * this.perMinute) / 60_000);
    this.last = t;
  }

  /** Tokens available now (fractional). */
  available(): number {
    this.refill();
    return this.tokens;
  }

  /** Waits for a token and takes it. Returns the time waited (clock ms). */
  take(signal?: AbortSignal): Promise<number> {
    const run = this.queue.then(async () => {
      const start = this.clock.now();
      for (;;) {
        this.refill();
        if (this.tokens >= 1) {
          this.tokens -= 1;
          return this.clock.now() - start;
        }
        await this.clock.sleep(Math.ceil(((1 - this.tokens) * 60_000) / this.perMinute), signal);
      }
    });
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }
}
