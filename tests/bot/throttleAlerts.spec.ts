import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { NEVER } from 'rxjs';
import fc from 'fast-check';
import type { AlertEvent } from '../../src/bot/alerts.js';
import { formatSummary, newThrottleCounters, throttleAlerts, type AlertSummary, type OutgoingAlert } from '../../src/bot/throttleAlerts.js';

const ts = () => new TestScheduler((a, e) => expect(a).toEqual(e));
const edge = (pairId: string, profit = 10_000_000): AlertEvent => ({
  kind: 'edge', ts: 0, edgeId: `e-${pairId}-${profit}`, pairId, direction: 'polyYes', sizeQty: 1_000_000, netEdgePerContractMicros: 10_000, profitMicros: profit,
});
const feed: AlertEvent = { kind: 'feed', ts: 0, venue: 'kalshi', state: 'stale', reason: 'idle 5000 ms', attempt: 1 };
const src = { a: edge('A'), A: edge('A', 20_000_000), b: edge('B'), c: edge('C'), d: edge('D'), f: feed };
const out = (k: keyof typeof src): OutgoingAlert => ({ type: 'alert', alert: src[k] });
const summary = (edges: number, feeds: number, fromTs: number, toTs: number): AlertSummary => ({
  type: 'summary', suppressed: edges + feeds, byKind: { edge: edges, decision: 0, feed: feeds, kill: 0, error: 0, execution: 0 }, fromTs, toTs,
});

describe('throttleAlerts', () => {
  it('sends a burst, holds back the excess and summarises it when a token comes back', () => {
    const s = ts();
    const counters = newThrottleCounters();
    s.run(({ cold, expectObservable, expectSubscriptions }) => {
      const in$ = cold('-abcf------|', src);
      const op = throttleAlerts({ burst: 2, refillEveryMs: 10, dedupWindowMs: 100, scheduler: s }, counters);
      expectObservable(in$.pipe(op)).toBe('-ab-------s|', { a: out('a'), b: out('b'), s: summary(1, 1, 3, 4) });
      expectSubscriptions(in$.subscriptions).toBe('^----------!');
    });
    expect(counters).toEqual({ duplicates: 0, rateLimited: 2, summaries: 1, sent: 2 });
  });

  it('suppresses the same key within the window (since the last one sent), counting it', () => {
    const s = ts();
    const counters = newThrottleCounters();
    s.run(({ cold, expectObservable }) => {
      const op = throttleAlerts({ burst: 100, refillEveryMs: 1, dedupWindowMs: 5, scheduler: s }, counters);
      expectObservable(cold('-aAbA--A|', src).pipe(op)).toBe('-a-b---A|', { a: out('a'), b: out('b'), A: out('A') });
    });
    expect(counters.duplicates).toBe(2);
  });

  it('never loses the count: completion and error emit the pending summary first', () => {
    const s = ts();
    s.run(({ cold, expectObservable }) => {
      const op = throttleAlerts({ burst: 1, refillEveryMs: 1000, dedupWindowMs: 0, scheduler: s });
      expectObservable(cold('-ab|', src).pipe(op)).toBe('-a-(s|)', { a: out('a'), s: summary(1, 0, 2, 2) });
      expectObservable(cold('-ab#', src).pipe(op)).toBe('-a-(s#)', { a: out('a'), s: summary(1, 0, 2, 2) });
    });
  });

  it('empty, never, error, unsubscribe stops the source and the timer', () => {
    const s = ts();
    s.run(({ cold, expectObservable, expectSubscriptions }) => {
      const op = throttleAlerts({ burst: 1, refillEveryMs: 5, dedupWindowMs: 0, scheduler: s });
      expectObservable(cold<AlertEvent>('|').pipe(op)).toBe('|');
      expectObservable(NEVER.pipe(op)).toBe('-');
      expectObservable(cold<AlertEvent>('#').pipe(op)).toBe('#');
      const in$ = cold('-ab-------', src);
      // unsubscribed at 3, before the summary at 5 is due: nothing after
      expectObservable(in$.pipe(op), '^--!').toBe('-a-', { a: out('a') });
      expectSubscriptions(in$.subscriptions).toBe('^--!');
    });
  });

  it('rejects a nonsensical config', () => {
    expect(() => throttleAlerts({ burst: 0, refillEveryMs: 1, dedupWindowMs: 0 })).toThrow(RangeError);
  });

  it('property: sent + duplicates + rate-limited = input, and every held-back alert is in exactly one summary', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.constantFrom('a', 'b', 'c', 'f')), { maxLength: 60 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 0, max: 50 }),
        (steps, burst, refillEveryMs, dedupWindowMs) => {
          const s = new TestScheduler(() => undefined);
          const counters = newThrottleCounters();
          const got: OutgoingAlert[] = [];
          s.run(({ cold }) => {
            const frames = steps.map(([gap, k]) => '-'.repeat(gap) + k).join('') + '|';
            cold(frames, src as Record<string, AlertEvent>).pipe(throttleAlerts({ burst, refillEveryMs, dedupWindowMs, scheduler: s }, counters)).subscribe((o) => got.push(o));
          });
          const alerts = got.filter((o) => o.type === 'alert').length;
          const summarised = got.reduce((n, o) => n + (o.type === 'summary' ? o.suppressed : 0), 0);
          expect(alerts).toBe(counters.sent);
          expect(counters.sent + counters.duplicates + counters.rateLimited).toBe(steps.length);
          expect(summarised).toBe(counters.rateLimited);
        },
      ),
    );
  });

  it('formats a summary with its per-kind counts', () => {
    const text = formatSummary(summary(3, 1, Date.UTC(2025, 0, 1), Date.UTC(2025, 0, 1, 0, 1)));
    expect(text).toContain('4 alerts held back (3 edge, 1 feed)');
    expect(text).toContain('2025-01-01T00:01:00.000Z');
  });
});
