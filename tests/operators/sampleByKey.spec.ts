import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { NEVER } from 'rxjs';
import { sampleByKey } from '../../operators/sampleByKey.js';

type V = { k: string; v: number };
const vals: Record<string, V> = { a: { k: 'A', v: 1 }, b: { k: 'A', v: 2 }, c: { k: 'A', v: 3 }, x: { k: 'X', v: 9 }, y: { k: 'X', v: 10 } };
const ts = () => new TestScheduler((a, e) => expect(a).toEqual(e));

describe('sampleByKey', () => {
  it('leading value at once, latest value at the end of the period, per key', () => {
    const s = ts();
    s.run(({ cold, expectObservable, expectSubscriptions }) => {
      const src = cold('-abcx-y-----|', vals);
      expectObservable(src.pipe(sampleByKey<V>({ key: (v) => v.k, periodMs: 5, scheduler: s }))).toBe('-a--x-c--y--|', vals);
      expectSubscriptions(src.subscriptions).toBe('^-----------!');
    });
  });

  it('flushes pending values on completion', () => {
    const s = ts();
    s.run(({ cold, expectObservable }) => {
      expectObservable(cold('-ab|', vals).pipe(sampleByKey<V>({ key: (v) => v.k, periodMs: 10, scheduler: s }))).toBe('-a-(b|)', vals);
    });
  });

  it('empty, never, error, mid-stream error, unsubscribe', () => {
    const s = ts();
    s.run(({ cold, expectObservable, expectSubscriptions }) => {
      const op = sampleByKey<V>({ key: (v) => v.k, periodMs: 5, scheduler: s });
      expectObservable(cold<V>('|').pipe(op)).toBe('|');
      expectObservable(NEVER.pipe(op)).toBe('-');
      expectObservable(cold<V>('#').pipe(op)).toBe('#');
      expectObservable(cold('-ab#', vals).pipe(op)).toBe('-a-#', vals);
      const src = cold('-ab-----c', vals);
      expectObservable(src.pipe(op), '^--!').toBe('-a-', vals);
      expectSubscriptions(src.subscriptions).toBe('^--!');
    });
  });
});
