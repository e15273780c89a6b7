import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { NEVER, of } from 'rxjs';
import { riskGate, riskReasons, type RiskState } from '../../operators/riskGate.js';
import type { Edge } from '../../schema/edge.js';

const edge = (over: Partial<Edge> = {}): Edge => ({
  edgeId: 'e1', pairId: 'p1', direction: 'aYes', sizeQty: 100_000_000, netEdgePerContractMicros: 30_000, profitMicros: 3_000_000,
  feesMicros: 2_000_000, capitalCostMicros: 100_000, payoutMicros: 100_000_000,
  legs: [
    { venue: 'polymarket', marketId: '0x1', outcome: 'yes', vwapMicros: 400_000, worstPriceMicros: 400_000, costMicros: 40_000_000, feeMicros: 1_000_000, levelsUsed: 1, tsVenue: 0, tsReceived: 0 },
    { venue: 'kalshi', marketId: 'K', outcome: 'no', vwapMicros: 550_000, worstPriceMicros: 550_000, costMicros: 55_000_000, feeMicros: 1_000_000, levelsUsed: 1, tsVenue: 0, tsReceived: 0 },
  ],
  oldestBookTsReceived: 0, tsDetected: 0, ...over,
});
const state = (over: Partial<RiskState> = {}): RiskState => ({
  killSwitch: false,
  limits: {
    minEdgePerContractMicros: 10_000, minSizeQty: 1_000_000, minProfitMicros: 500_000, maxPairExposureMicros: 1_000_000_000,
    maxVenueExposureMicros: 1_000_000_000, maxTotalExposureMicros: 2_000_000_000, maxBookAgeMs: 3000, minPairConfidence: 0.9, hysteresisMicros: 5_000,
  },
  exposure: { byPair: {}, byVenue: { polymarket: 0, kalshi: 0 }, total: 0 },
  pairs: new Map([['p1', { status: 'approved' as const, confidence: 0.99, humanReviewed: false }]]),
  ...over,
});

describe('riskReasons', () => {
  it('accepts a good edge', () => expect(riskReasons(edge(), state(), 100)).toEqual([]));
  it('names every reason at once', () => {
    const s = state({
      killSwitch: true,
      pairs: new Map([['p1', { status: 'pending' as const, confidence: 0.5, humanReviewed: false }]]),
      exposure: { byPair: { p1: 999_000_000 }, byVenue: { polymarket: 999_990_000, kalshi: 0 }, total: 1_999_000_000 },
    });
    const r = riskReasons(edge({ netEdgePerContractMicros: 5_000, sizeQty: 500_000, profitMicros: 100 }), s, 5000);
    expect(r.map((x) => x.split(' ')[0])).toEqual([
      'kill-switch', 'pair-pending', 'pair-confidence', 'edge', 'size', 'profit', 'book-stale', 'pair-exposure', 'venue-exposure', 'total-exposure',
    ]);
    expect(r.find((x) => x.startsWith('venue-exposure'))).toContain('polymarket');
  });
  it('one meaning of approval: approved AND (human-reviewed OR confidence >= minPairConfidence)', () => {
    const pair = (humanReviewed: boolean, confidence = 0.85, status: 'approved' | 'pending' = 'approved') => state({ pairs: new Map([['p1', { status, confidence, humanReviewed }]]) });
    // a 0.85 pair a human approved (CLI, API, Discord, pairs file): traded
    expect(riskReasons(edge(), pair(true), 100)).toEqual([]);
    // the same pair approved by the matcher alone: rejected, and the reason names the confidence
    expect(riskReasons(edge(), pair(false), 100)).toEqual(['pair-confidence 0.85 < 0.9']);
    // confidence at the minimum needs no human; a human review does not approve a pending pair
    expect(riskReasons(edge(), pair(false, 0.9), 100)).toEqual([]);
    expect(riskReasons(edge(), pair(true, 0.85, 'pending'), 100)).toEqual(['pair-pending']);
  });
  it('rejects unknown pairs', () => expect(riskReasons(edge({ pairId: 'zz' }), state(), 0)).toEqual(['pair-unknown']));
  it('a quiet book is not stale while both venues\' feeds are live', () => {
    expect(riskReasons(edge(), state({ liveVenues: new Set(['polymarket', 'kalshi'] as const) }), 60_000)).toEqual([]);
    expect(riskReasons(edge(), state({ liveVenues: new Set(['kalshi'] as const) }), 60_000)[0]).toMatch(/^book-stale/);
  });
});

describe('riskGate', () => {
  it('applies hysteresis per pair and direction', () => {
    const ts = new TestScheduler((a, e) => expect(a).toEqual(e));
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const a = edge(), a2 = edge({ netEdgePerContractMicros: 33_000 }), a3 = edge({ netEdgePerContractMicros: 36_000 });
      const b = edge({ direction: 'aNo' });
      const src = cold('-a-c-d-b-|', { a, c: a2, d: a3, b });
      expectObservable(src.pipe(riskGate({ state$: of(state()), scheduler: ts }))).toBe('-x---y-z-|', {
        x: { edge: a, accepted: true, reasons: [], ts: 1 },
        y: { edge: a3, accepted: true, reasons: [], ts: 5 },
        z: { edge: b, accepted: true, reasons: [], ts: 7 },
      });
      expectSubscriptions(src.subscriptions).toBe('^--------!');
    });
  });

  it('re-emits when the verdict changes (kill switch) and rejects before any state', () => {
    const ts = new TestScheduler((a, e) => expect(a).toEqual(e));
    ts.run(({ cold, hot, expectObservable }) => {
      const state$ = hot('--s-k', { s: state(), k: state({ killSwitch: true }) });
      const src = cold('-a-a-a|', { a: edge() });
      expectObservable(src.pipe(riskGate({ state$, scheduler: ts }))).toBe('-x-y-z|', {
        x: { edge: edge(), accepted: false, reasons: ['no-risk-state'], ts: 1 },
        y: { edge: edge(), accepted: true, reasons: [], ts: 3 },
        z: { edge: edge(), accepted: false, reasons: ['kill-switch'], ts: 5 },
      });
    });
  });

  it('accepts a human-approved 0.85 pair and rejects the auto-approved one (marbles)', () => {
    const ts = new TestScheduler((a, e) => expect(a).toEqual(e));
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const pairs = new Map([
        ['human', { status: 'approved' as const, confidence: 0.85, humanReviewed: true }],
        ['auto', { status: 'approved' as const, confidence: 0.85, humanReviewed: false }],
      ]);
      const h = edge({ pairId: 'human' }), a = edge({ pairId: 'auto' });
      const src = cold('-h-a|', { h, a });
      expectObservable(src.pipe(riskGate({ state$: of(state({ pairs })), scheduler: ts }))).toBe('-x-y|', {
        x: { edge: h, accepted: true, reasons: [], ts: 1 },
        y: { edge: a, accepted: false, reasons: ['pair-confidence 0.85 < 0.9'], ts: 3 },
      });
      expectSubscriptions(src.subscriptions).toBe('^---!');
    });
  });

  it('empty, never, error, mid-stream error, unsubscribe', () => {
    const ts = new TestScheduler((a, e) => expect(a).toEqual(e));
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const cfg = { state$: of(state()), scheduler: ts };
      expectObservable(cold<never>('|').pipe(riskGate(cfg))).toBe('|');
      expectObservable(NEVER.pipe(riskGate(cfg))).toBe('-');
      expectObservable(cold<never>('#').pipe(riskGate(cfg))).toBe('#');
      expectObservable(cold('-a#', { a: edge() }).pipe(riskGate(cfg))).toBe('-x#', { x: expect.objectContaining({ accepted: true }) });
      const src = cold('-a---b', { a: edge(), b: edge({ direction: 'aNo' }) });
      expectObservable(src.pipe(riskGate(cfg)), '^--!').toBe('-x-', { x: expect.objectContaining({ accepted: true }) });
      expectSubscriptions(src.subscriptions).toBe('^--!');
    });
  });
});
