import { describe, expect, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { map } from 'rxjs';
import { readFileSync } from 'node:fs';
import type { Book } from '../../schema/book.js';
import { PositionRecord, type Fill } from '../../schema/execution.js';
import { EMPTY_POSITIONS, applyPositionEvent, foldFill, initialPositionsState, markPositions, positionMismatches, positionRecords, positions, settleMarket, toExposure, unrealizedPnl } from '../../src/execution/positions.js';
import { kalshiSettlement, polymarketSettlement } from '../../src/execution/settlements.js';
import { KalshiWsFrame } from '../../src/venues/kalshi/wire.js';
import { PolyWsMessageSchema } from '../../src/venues/polymarket/wire.js';
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

describe('marks, settlement, reconciliation, rows', () => {
  const book = (bid: number, venue: 'kalshi' | 'polymarket' = 'kalshi', marketId = 'KX-1'): Book => ({
    venue, marketId, yes: { bids: [{ price: 1_000_000 - bid - 10_000, qty: ONE }], asks: [] }, no: { bids: bid ? [{ price: bid, qty: ONE }] : [], asks: [] }, tsVenue: 0, tsReceived: 0, issues: [],
  });
  const held = () => foldFill(EMPTY_POSITIONS, fill(), 'p1');

  it('marks a held position at the best bid of its outcome, exactly (qty × bid rounded down − cost)', () => {
    // 10.000001 NO at 0.5: cost 5.0000005 → 5.000001 (ceil); at a 0.333333 bid worth 3.33333033… → 3.333330 (floor)
    const s = markPositions(foldFill(EMPTY_POSITIONS, fill({ qty: 10 * ONE + 1 }), 'p1'), () => book(333_333));
    const p = s.positions.get('kalshi|KX-1|no')!;
    expect(p).toMatchObject({ markMicros: 333_333, unrealizedPnlMicros: 3_333_330 - 5_000_001, costMicros: 5_000_001 });
    expect(s.byPair.get('p1')!.get('kalshi|KX-1|no')).toMatchObject({ markMicros: 333_333, unrealizedPnlMicros: -1_666_671 });
    // no bid: marked at 0; no book: not marked
    expect(markPositions(held(), () => book(0)).positions.get('kalshi|KX-1|no')).toMatchObject({ markMicros: 0, unrealizedPnlMicros: -5_000_000 });
    expect(markPositions(held(), () => undefined).positions.get('kalshi|KX-1|no')!.markMicros).toBeUndefined();
  });

  it('books of markets not held keep the same snapshot; a fill is marked at the latest book of its market', () => {
    let st = initialPositionsState(held());
    const before = st.snapshot;
    st = applyPositionEvent(st, { type: 'book', book: book(400_000, 'polymarket', '0xother') });
    expect(st.snapshot).toBe(before);
    st = applyPositionEvent(st, { type: 'book', book: book(600_000) });
    expect(st.snapshot.positions.get('kalshi|KX-1|no')).toMatchObject({ markMicros: 600_000, unrealizedPnlMicros: 1_000_000 });
    st = applyPositionEvent(st, { type: 'fill', fill: fill({ fillId: 'f2', priceMicros: 550_000 }), pairId: 'p1' });
    // 20 at 0.60 = 12 − (5 + 5.5)
    expect(st.snapshot.positions.get('kalshi|KX-1|no')).toMatchObject({ qty: 20 * ONE, markMicros: 600_000, unrealizedPnlMicros: 1_500_000 });
    expect(toExposure(st.snapshot).total).toBe(10_500_000);
  });

  it('Polymarket market_resolved (real fixture): the winning token pays 1$, the losing 0; P&L realised, positions closed', () => {
    const msg = PolyWsMessageSchema.parse(JSON.parse(readFileSync('tests/fixtures/polymarket/ws_market_resolved.json', 'utf8')));
    if (msg.event_type !== 'market_resolved') throw new Error('fixture is not market_resolved');
    const st = polymarketSettlement(msg)!;
    expect(st).toEqual({ venue: 'polymarket', marketId: msg.market, winner: 'yes', yesPayoutMicros: ONE, event: 'market_resolved', ts: 1766790415550 });
    let s = foldFill(EMPTY_POSITIONS, fill({ venue: 'polymarket', marketId: msg.market, outcome: 'yes', priceMicros: 460_000, feeMicros: 0 }), 'p1');
    s = foldFill(s, fill({ fillId: 'f2', venue: 'polymarket', marketId: msg.market, outcome: 'no', priceMicros: 500_000, feeMicros: 10_000 }), 'p2');
    s = settleMarket(s, st);
    expect(s.positions.get(`polymarket|${msg.market}|yes`)).toMatchObject({ qty: 0, costMicros: 0, realizedPnlMicros: 5_400_000, unrealizedPnlMicros: 0, markMicros: ONE, settledAt: 1766790415550 });
    expect(s.positions.get(`polymarket|${msg.market}|no`)).toMatchObject({ qty: 0, realizedPnlMicros: -5_010_000, markMicros: 0, settlementMicros: 0 });
    expect(s.byPair.get('p2')!.get(`polymarket|${msg.market}|no`)!.realizedPnlMicros).toBe(-5_010_000);
    expect(toExposure(s).total).toBe(0);
    // the NO token winning instead
    expect(polymarketSettlement({ ...msg, winning_asset_id: msg.assets_ids[1]!, winning_outcome: 'No' })).toMatchObject({ winner: 'no', yesPayoutMicros: 0 });
    // the name and the token order disagree: not settled (logged)
    expect(polymarketSettlement({ ...msg, winning_asset_id: msg.assets_ids[1]! })).toBeUndefined();
    expect(polymarketSettlement({ ...msg, winning_asset_id: '123' })).toBeUndefined();
  });

  it('Kalshi market_lifecycle_v2 determined then settled: settles once; scalar pays the settlement value; other events none', () => {
    const frames = (JSON.parse(readFileSync('tests/fixtures/kalshi/ws_market_lifecycle_v2_settlement.json', 'utf8')) as unknown[]).map((x) => KalshiWsFrame.parse(x));
    const sts = frames.map((f) => (f.type === 'market_lifecycle_v2' ? kalshiSettlement(f, 99) : undefined));
    expect(sts[0]).toEqual({ venue: 'kalshi', marketId: 'INXD-23SEP14-B4487', winner: 'no', yesPayoutMicros: 0, event: 'determined', ts: 1694722000_000 });
    expect(sts[1]).toMatchObject({ event: 'settled', ts: 1694725600_000, yesPayoutMicros: 0 });
    expect(sts[2]).toEqual({ venue: 'kalshi', marketId: 'KXBTC-25APR30-T0915-B95000', yesPayoutMicros: 500_000, event: 'determined', ts: 1746046800_000 });
    const created = (JSON.parse(readFileSync('tests/fixtures/kalshi/docs/ws_market_lifecycle_v2.json', 'utf8')) as unknown[]).map((x) => KalshiWsFrame.parse(x));
    expect(created.map((f) => (f.type === 'market_lifecycle_v2' ? kalshiSettlement(f, 99) : 'x'))).toEqual([undefined, undefined, undefined]);

    let st = initialPositionsState(foldFill(EMPTY_POSITIONS, fill({ marketId: 'INXD-23SEP14-B4487' }), 'p1'));
    st = applyPositionEvent(st, { type: 'settle', settlement: sts[0]! });
    // NO won: 10 × 1$ − 5$ cost − 0.10 fee
    const p = st.snapshot.positions.get('kalshi|INXD-23SEP14-B4487|no')!;
    expect(p).toMatchObject({ qty: 0, realizedPnlMicros: 4_900_000, settledAt: 1694722000_000, settlementMicros: ONE });
    const after = applyPositionEvent(st, { type: 'settle', settlement: sts[1]! });
    expect(after).toBe(st);
    // a late fill in the settled market is settled at once
    const late = applyPositionEvent(st, { type: 'fill', fill: fill({ fillId: 'late', marketId: 'INXD-23SEP14-B4487', feeMicros: 0 }), pairId: 'p1' });
    expect(late.snapshot.positions.get('kalshi|INXD-23SEP14-B4487|no')).toMatchObject({ qty: 0, realizedPnlMicros: 4_900_000 + 5_000_000 });
    // scalar: 0.5 a YES contract, so 0.5 a NO contract
    const sc = settleMarket(foldFill(EMPTY_POSITIONS, fill({ marketId: 'KXBTC-25APR30-T0915-B95000', priceMicros: 400_000, feeMicros: 0 }), 'p1'), sts[2]!);
    expect(sc.positions.get('kalshi|KXBTC-25APR30-T0915-B95000|no')).toMatchObject({ qty: 0, realizedPnlMicros: 1_000_000, settlementMicros: 500_000 });
  });

  it('reconciles positions with a broker: agreement is silent, each difference is named', () => {
    const s = held();
    expect(positionMismatches(s, 'kalshi', [{ marketId: 'KX-1', outcome: 'no', qty: 10 * ONE, avgPriceMicros: 500_000 }])).toEqual([]);
    expect(positionMismatches(s, 'kalshi', [{ marketId: 'KX-1', outcome: 'no', qty: 7 * ONE, avgPriceMicros: 500_000 }, { marketId: 'KX-2', outcome: 'yes', qty: ONE, avgPriceMicros: 1 }])).toEqual([
      'position mismatch on kalshi KX-1 no: fills say 10, the venue says 7',
      'position mismatch on kalshi KX-2 yes: fills say 0, the venue says 1',
    ]);
    expect(positionMismatches(s, 'polymarket', [])).toEqual([]);
  });

  it('rows per pair and for unattributed fills, with average price, marks and settlement', () => {
    let s = markPositions(held(), () => book(450_000));
    s = foldFill(s, fill({ fillId: 'x', clientOrderId: 'zz', qty: 2 * ONE }), undefined);
    const rows = positionRecords(s, 7);
    expect(rows).toEqual([
      { venue: 'kalshi', marketId: 'KX-1', outcome: 'no', pairId: 'p1', qty: 10 * ONE, costMicros: 5_000_000, avgPriceMicros: 500_000, realizedPnlMicros: -100_000, feesMicros: 100_000, unrealizedPnlMicros: -500_000, markMicros: 450_000, updatedAt: 7 },
      { venue: 'kalshi', marketId: 'KX-1', outcome: 'no', pairId: '', qty: 2 * ONE, costMicros: 1_000_000, avgPriceMicros: 500_000, realizedPnlMicros: -100_000, feesMicros: 100_000, updatedAt: 7 },
    ]);
    for (const r of rows) expect(PositionRecord.parse(r)).toEqual(r);
  });
});
