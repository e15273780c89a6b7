/**
 * VirtualClock runs scheduled actions in the order VirtualTimeScheduler.flush does (due time, then
 * scheduling order), but only up to the time it is advanced to, so a replay can interleave inputs
 * and timers without scheduling the whole input up front.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { VirtualTimeScheduler, interval, take, type SchedulerLike } from 'rxjs';
import { VirtualClock } from '../../src/history/virtualClock.js';

describe('VirtualClock', () => {
  it('advanceTo runs the actions due up to t, in order, each at its due time, and leaves the rest', () => {
    const c = new VirtualClock(1000);
    const ran: string[] = [];
    c.schedule(() => ran.push(`b@${c.now()}`), 20);
    c.schedule(() => ran.push(`a@${c.now()}`), 10);
    c.schedule(() => ran.push(`a2@${c.now()}`), 10);
    c.schedule(() => ran.push(`c@${c.now()}`), 30);
    expect(c.now()).toBe(1000);
    c.advanceTo(1020);
    expect(ran).toEqual(['a@1010', 'a2@1010', 'b@1020']);
    expect(c.now()).toBe(1020);
    c.advanceTo(1025);
    expect(ran).toHaveLength(3);
    expect(c.now()).toBe(1025);
    c.advanceTo(1030, false);
    expect(ran).toHaveLength(3);
    expect(c.now()).toBe(1030);
    c.advanceTo(1030);
    expect(ran.at(-1)).toBe('c@1030');
  });

  it('never goes backwards; cancelled actions do not run; periodic actions reschedule', () => {
    const c = new VirtualClock(0);
    const ran: number[] = [];
    const s = c.schedule(() => ran.push(-1), 5);
    s.unsubscribe();
    const ticks: number[] = [];
    interval(10, c).pipe(take(3)).subscribe((i) => ticks.push(c.now() * 100 + i));
    c.advanceTo(100);
    c.advanceTo(50);
    expect(c.now()).toBe(100);
    expect(ran).toEqual([]);
    expect(ticks).toEqual([1000, 2001, 3002]);
    expect(c.nextDue()).toBeUndefined();
  });

  it('an action that throws cancels the pending ones and the error surfaces', () => {
    const c = new VirtualClock(0);
    const ran: number[] = [];
    c.schedule(() => {
      throw new Error('boom');
    }, 1);
    c.schedule(() => ran.push(2), 2);
    expect(() => c.advanceTo(10)).toThrow('boom');
    c.advanceTo(20);
    expect(ran).toEqual([]);
  });

  it('runs any schedule (nested scheduling included) in the same order and at the same times as VirtualTimeScheduler.flush', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 20 })), { maxLength: 60 }), fc.array(fc.integer({ min: 0, max: 120 }), { maxLength: 8 }), (spec, stops) => {
        const trace = (s: SchedulerLike, out: string[]) =>
          spec.forEach(([delay, nested, nestedDelay], i) =>
            s.schedule(() => {
              out.push(`${i}@${s.now()}`);
              for (let k = 0; k < nested; k++) s.schedule(() => out.push(`${i}.${k}@${s.now()}`), nestedDelay);
            }, delay),
          );
        const want: string[] = [];
        const v = new VirtualTimeScheduler();
        trace(v, want);
        v.flush();
        const got: string[] = [];
        const c = new VirtualClock(0);
        trace(c, got);
        for (const t of [...stops].sort((a, b) => a - b)) c.advanceTo(t);
        c.flush();
        expect(got).toEqual(want);
      }),
    );
  });
});
