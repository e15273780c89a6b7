import { describe, expect, it } from 'vitest';
import { VirtualTimeScheduler } from 'rxjs';
import { schedulerClock, TokenBucket, VirtualClock } from '../../../src/matching/llm/tokenBucket.js';

describe('TokenBucket', () => {
  it('61 requests at 60/min: the first 60 pass at once, the 61st waits 1 s of virtual time', async () => {
    const clock = new VirtualClock(1_000_000);
    const bucket = new TokenBucket({ perMinute: 60, clock });
    const waits: number[] = [];
    for (let i = 0; i < 61; i++) waits.push(await bucket.take());
    expect(waits.slice(0, 60).every((w) => w === 0)).toBe(true);
    expect(waits[60]).toBe(1000);
    expect(clock.now()).toBe(1_001_000);
    expect(clock.sleeps).toEqual([1000]);
  });

  it('concurrent takers are served in order, one per refill interval', async () => {
    const clock = new VirtualClock();
    const bucket = new TokenBucket({ perMinute: 120, burst: 1, clock });
    const done: number[] = [];
    await Promise.all([0, 1, 2, 3].map((i) => bucket.take().then(() => done.push(i))));
    expect(done).toEqual([0, 1, 2, 3]);
    expect(clock.now()).toBe(1500); // 3 × 500 ms
  });

  it('refills over time up to the burst', async () => {
    const clock = new VirtualClock();
    const bucket = new TokenBucket({ perMinute: 60, burst: 5, clock });
    for (let i = 0; i < 5; i++) await bucket.take();
    expect(bucket.available()).toBe(0);
    clock.advance(2500);
    expect(bucket.available()).toBeCloseTo(2.5, 9);
    clock.advance(60_000);
    expect(bucket.available()).toBe(5);
  });

  it('rejects nonsense rates', () => {
    expect(() => new TokenBucket({ perMinute: 0 })).toThrow(RangeError);
    expect(() => new TokenBucket({ perMinute: 10, burst: 0.5 })).toThrow(RangeError);
  });

  it('runs on an RxJS scheduler (VirtualTimeScheduler)', async () => {
    const sched = new VirtualTimeScheduler();
    const bucket = new TokenBucket({ perMinute: 60, burst: 1, clock: schedulerClock(sched) });
    await bucket.take();
    const second = bucket.take();
    let resolved = false;
    void second.then(() => (resolved = true));
    await new Promise((r) => setImmediate(r));
    expect(resolved).toBe(false);
    sched.flush(); // runs the scheduled 1000 ms wait in virtual time
    expect(await second).toBe(1000);
  });
});
