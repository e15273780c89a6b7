import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { map } from 'rxjs';
import type { Fill } from '../../schema/execution.js';
import { EMPTY_POSITIONS, foldFill, positions, toExposure, unrealizedPnl } from '../../src/execution/positions.js';
import { FeeBook } from '../../src/fees/schedule.js';
import { ONE } from './fixtures.js';

const fill = (o: Partial<Fill> = {}): Fill => ({
  venue: 'kalshi', fillId: 'f1', clientOrderId: 'ex_1:leg1:1', venueOrderId: 'v1', marketId: 'KX-1', outcome: 'no', side: 'buy',
  priceMicros: 500_000, qty: 10 * ONE, feeMicros: 100_000, tsVenue: 1, tsReceived: 1, ...o,
});
const pairOf = (f: Fill) => (f.clientOrderId?.startsWith('ex_1') ? 'p1' : undefined);

describe('positions', () => {
  it('buys add at cost, sells realise against the average cost, fees from the fills', () => {
    let s = foldFill(EMPTY_POSITIONS, fill(), 'p1');
    s = foldFill(s, fill({ fillId: 'f2', priceMicros: 600_000, qty: 10 * ONE, feeMicros: 50_000 }), 'p1');
    s = foldFill(s, fill({ fillId: 'f3', side: 'sell', priceMicros: 700_000, qty: 5 * ONE, feeMicros: 20_000 }), 'p1');
    const p = s.positions.get('kalshi|KX-1|no')!;
    // cost 5 + 6 = 11 for 20; sold 5 at avg 0.55 = 2.75 for 3.50
    expect(p).toMatchObject({ qty: 15 * ONE, costMicros: 8_250_000, feesMicros: 170_000, realizedPnlMicros: 750_000 - 170_000 });
    expect(toExposure(s)).toEqual({ byPair: { p1: 8_250_000 }, byVenue: { polymarket: 0, kalshi: 8_250_000 }, total: 8_250_000 });
  });

  it('a venue-reported fee is kept even when another fill of the leg lacks one (computed by the engine)', () => {
    const fb = FeeBook.withDefaults();
    let s = foldFill(EMPTY_POSITIONS, fill({ feeMicros: 123 }), 'p1', fb);
    const { feeMicros: _drop, ...noFee } = fill({ fillId: 'f2' });
    s = foldFill(s, noFee, 'p1', fb);
    const fees = s.positions.get('kalshi|KX-1|no')!.feesMicros;
    // Kalshi quadratic: 0.07 × 10 × 0.5 × 0.5 = $0.175, rounded up to the cent
    expect(fees).toBe(123 + 180_000);
  });

  it('a repeated fill id changes nothing; a fill of an unknown order is counted and still held', () => {
    let s = foldFill(EMPTY_POSITIONS, fill(), 'p1');
    expect(foldFill(s, fill(), 'p1')).toBe(s);
    s = foldFill(s, fill({ fillId: 'x', clientOrderId: 'zz' }), undefined);
    expect(s.unknownFills).toBe(1);
    expect(s.positions.get('kalshi|KX-1|no')!.qty).toBe(20 * ONE);
    expect(toExposure(s).byPair).toEqual({ p1: 5_000_000 });
  });

  it('unrealised P&L at the best bid', () => {
    const s = foldFill(EMPTY_POSITIONS, fill(), 'p1');
    const book = { venue: 'kalshi' as const, marketId: 'KX-1', yes: { bids: [], asks: [] }, no: { bids: [{ price: 450_000, qty: ONE }], asks: [] }, tsVenue: 0, tsReceived: 0, issues: [] };
    expect(unrealizedPnl(s, () => book)).toEqual({ realizedMicros: -100_000, unrealizedMicros: -500_000 });
  });

  describe('operator', () => {
    const ts = () => new TestScheduler((a, e) => expect(a).toEqual(e));
    it('emits a snapshot per fill; repeats change nothing; errors and completion pass through; unsubscribe stops the source', () => {
      ts().run(({ cold, expectObservable, expectSubscriptions }) => {
        const src = cold('--a--b--a--#', { a: fill(), b: fill({ fillId: 'f2' }) });
        const out = src.pipe(positions({ pairOf }), map((s) => s.positions.get('kalshi|KX-1|no')!.qty / ONE));
        expectObservable(out).toBe('--x--y--y--#', { x: 10, y: 20 });
        expectSubscriptions(src.subscriptions).toBe('^----------!');
      });
      ts().run(({ cold, expectObservable, expectSubscriptions }) => {
        const src = cold('--a--|', { a: fill() });
        expectObservable(src.pipe(positions({ pairOf }), map((s) => s.fills))).toBe('--1--|', { 1: 1 });
        const never = cold<Fill>('-');
        expectObservable(never.pipe(positions({ pairOf })), '^--!').toBe('---');
        expectSubscriptions(never.subscriptions).toBe('^--!');
      });
    });
  });
});
