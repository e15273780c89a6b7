import { describe, expect, it } from 'vitest';
import { OrderBookState, createOrderBookCounters } from '../../operators/orderBookState.js';
import type { Book, BookDeltaEvent, BookResetEvent, BookSnapshotEvent, Ladder, Level, LevelChange } from '../../schema/book.js';

const KX = 'KXBTCD-25AUG0517-T114999.99';
const PM = '0x' + 'cd'.repeat(32);

/** A level at `cents` ¢ for `n` contracts/shares, in micro units. */
const lv = (cents: number, n: number): Level => ({ price: cents * 10_000, qty: n * 1_000_000 });
const ch = (ladder: Ladder, cents: number, mode: LevelChange['mode'], n: number): LevelChange => ({ ladder, price: cents * 10_000, mode, qty: n * 1_000_000 });

const kSnap = (t: number, yesBid: Level[], noBid: Level[], extra: Partial<BookSnapshotEvent['ladders']> = {}): BookSnapshotEvent => ({
  kind: 'snapshot', venue: 'kalshi', marketId: KX, tsVenue: t, tsReceived: t + 1, impliedAsks: true, ladders: { yesBid, noBid, ...extra },
});
const pSnap = (t: number, outcome: 'yes' | 'no', bids: Level[], asks: Level[]): BookSnapshotEvent => ({
  kind: 'snapshot', venue: 'polymarket', marketId: PM, tsVenue: t, tsReceived: t + 1,
  ladders: outcome === 'yes' ? { yesBid: bids, yesAsk: asks } : { noBid: bids, noAsk: asks },
});
const kDelta = (t: number, changes: LevelChange[], seq?: number): BookDeltaEvent => ({
  kind: 'delta', venue: 'kalshi', marketId: KX, tsVenue: t, tsReceived: t + 1, ...(seq === undefined ? {} : { seq }), changes,
});
const pDelta = (t: number, changes: LevelChange[]): BookDeltaEvent => ({ kind: 'delta', venue: 'polymarket', marketId: PM, tsVenue: t, tsReceived: t + 1, changes });
const kReset = (t: number): BookResetEvent => ({ kind: 'reset', venue: 'kalshi', marketId: KX, tsVenue: t, tsReceived: t + 1, reason: 'seq gap' });

/** A Polymarket book with both token books snapshotted. */
function polyBook(s: OrderBookState, yes: [Level[], Level[]], no: [Level[], Level[]]): Book {
  s.apply(pSnap(1, 'yes', ...yes));
  return s.apply(pSnap(2, 'no', ...no)).book!;
}

describe('OrderBookState: snapshots', () => {
  it('a Kalshi snapshot sorts bids best first and implies the asks (1 − the other bids)', () => {
    const s = new OrderBookState();
    const step = s.apply(kSnap(10, [lv(40, 5), lv(42, 3), lv(41, 1)], [lv(55, 2), lv(57, 4)]));
    expect(step.book).toEqual({
      venue: 'kalshi', marketId: KX, tsVenue: 10, tsReceived: 11, issues: [],
      yes: { bids: [lv(42, 3), lv(41, 1), lv(40, 5)], asks: [lv(43, 4), lv(45, 2)] },
      no: { bids: [lv(57, 4), lv(55, 2)], asks: [lv(58, 3), lv(59, 1), lv(60, 5)] },
    });
    expect(step.issues).toEqual([]);
    expect(step.notices).toEqual([]);
    expect(Object.isFrozen(step.book)).toBe(true);
    expect(Object.isFrozen(step.book!.yes.bids[0])).toBe(true);
    expect(s.counters.snapshots).toBe(1);
  });

  it('asks sent with an implied snapshot are ignored (counted, one notice)', () => {
    const s = new OrderBookState();
    const step = s.apply(kSnap(10, [lv(40, 1)], [lv(50, 1)], { yesAsk: [lv(10, 9)], noAsk: [lv(11, 9)] }));
    expect(step.book!.yes.asks).toEqual([lv(50, 1)]);
    expect(s.counters.impliedLadderIgnored).toBe(2);
    expect(step.notices).toEqual([{ kind: 'implied-ignored', venue: 'kalshi', marketId: KX, ladder: 'yesAsk' }]);
  });

  it('Polymarket token snapshots fill their own ladders; the book is incomplete until both arrived', () => {
    const s = new OrderBookState();
    const first = s.apply(pSnap(1, 'yes', [lv(40, 1)], [lv(45, 2)])).book!;
    expect(first.issues).toEqual(['incomplete']);
    expect(first.no).toEqual({ bids: [], asks: [] });
    const second = s.apply(pSnap(2, 'no', [lv(54, 3)], [lv(60, 4)])).book!;
    expect(second.issues).toEqual([]);
    expect(second.yes).toEqual({ bids: [lv(40, 1)], asks: [lv(45, 2)] });
    expect(second.no).toEqual({ bids: [lv(54, 3)], asks: [lv(60, 4)] });
    // unchanged ladders are shared between books
    expect(second.yes.bids).toBe(first.yes.bids);
  });

  it('duplicate prices in a snapshot: the later level wins, counted', () => {
    const s = new OrderBookState();
    const b = s.apply(kSnap(1, [lv(40, 1), lv(40, 7)], [])).book!;
    expect(b.yes.bids).toEqual([lv(40, 7)]);
    expect(s.counters.duplicateLevels).toBe(1);
  });

  it('a snapshot in the other implied mode starts a fresh book', () => {
    const s = new OrderBookState();
    s.apply({ ...pSnap(1, 'yes', [lv(40, 1)], [lv(45, 1)]), marketId: KX, venue: 'kalshi' });
    const b = s.apply(kSnap(2, [lv(30, 1)], [])).book!;
    expect(b.yes).toEqual({ bids: [lv(30, 1)], asks: [] });
    expect(b.no).toEqual({ bids: [], asks: [lv(70, 1)] });
    expect(b.issues).toEqual([]);
  });
});

describe('OrderBookState: deltas', () => {
  it('add on an implied book changes the bid and re-derives the implied ask at that price', () => {
    const s = new OrderBookState();
    const before = s.apply(kSnap(1, [lv(40, 5)], [lv(55, 2)])).book!;
    const step = s.apply(kDelta(2, [ch('yesBid', 40, 'add', 2), ch('noBid', 56, 'add', 1)], 7));
    expect(step.book).toMatchObject({ tsVenue: 2, tsReceived: 3, seq: 7, issues: [] });
    expect(step.book!.yes).toEqual({ bids: [lv(40, 7)], asks: [lv(44, 1), lv(45, 2)] });
    expect(step.book!.no).toEqual({ bids: [lv(56, 1), lv(55, 2)], asks: [lv(60, 7)] });
    // copy on write: the earlier book did not change
    expect(before.yes.bids).toEqual([lv(40, 5)]);
    expect(before.no.asks).toEqual([lv(60, 5)]);
    expect(s.counters.changesApplied).toBe(2);
  });

  it('add down to zero removes the level and its implied ask', () => {
    const s = new OrderBookState();
    s.apply(kSnap(1, [lv(40, 5), lv(39, 1)], []));
    const b = s.apply(kDelta(2, [ch('yesBid', 40, 'add', -5)])).book!;
    expect(b.yes.bids).toEqual([lv(39, 1)]);
    expect(b.no.asks).toEqual([lv(61, 1)]);
  });

  it('set replaces the total (0 removes) on a Polymarket book', () => {
    const s = new OrderBookState();
    polyBook(s, [[lv(40, 1), lv(39, 2)], [lv(45, 2)]], [[lv(54, 3)], [lv(60, 4)]]);
    const b = s.apply(pDelta(3, [ch('yesBid', 40, 'set', 9), ch('yesBid', 39, 'set', 0), ch('yesAsk', 44, 'set', 1)])).book!;
    expect(b.yes).toEqual({ bids: [lv(40, 9)], asks: [lv(44, 1), lv(45, 2)] });
    expect(b.issues).toEqual([]);
  });

  it('a change to an implied ask is ignored; a delta with nothing applicable emits no book', () => {
    const s = new OrderBookState();
    s.apply(kSnap(1, [lv(40, 1)], []));
    const step = s.apply(kDelta(2, [ch('yesAsk', 50, 'set', 1)]));
    expect(step.book).toBeUndefined();
    expect(s.counters.impliedLadderIgnored).toBe(1);
    expect(step.notices).toEqual([{ kind: 'implied-ignored', venue: 'kalshi', marketId: KX, ladder: 'yesAsk' }]);
    // one notice per snapshot period
    expect(s.apply(kDelta(3, [ch('noAsk', 50, 'set', 1)])).notices).toEqual([]);
    expect(s.counters.impliedLadderIgnored).toBe(2);
  });

  it('negative results are removed and taint the ladder until its next snapshot', () => {
    const s = new OrderBookState();
    s.apply(kSnap(1, [lv(40, 1)], [lv(50, 1)]));
    const step = s.apply(kDelta(2, [ch('yesBid', 40, 'add', -3)]));
    expect(step.book!.yes.bids).toEqual([]);
    expect(step.book!.issues).toEqual(['negative-qty']);
    expect(step.issues).toEqual([{ issue: 'negative-qty', info: { venue: 'kalshi', marketId: KX, tsVenue: 2, tsReceived: 3, ladder: 'yesBid', price: 400_000, qty: -2_000_000 } }]);
    expect(s.apply(kDelta(3, [ch('noBid', 50, 'add', 1)])).book!.issues).toEqual(['negative-qty']);
    expect(s.apply(kSnap(4, [lv(40, 1)], [lv(50, 1)])).book!.issues).toEqual([]);
  });

  it('out-of-range prices and non-integer quantities are dropped, reported each time, noticed once per kind', () => {
    const s = new OrderBookState();
    polyBook(s, [[lv(40, 1)], [lv(45, 1)]], [[lv(54, 1)], [lv(60, 1)]]);
    const bad = s.apply(pDelta(3, [{ ladder: 'yesBid', price: 1_500_000, mode: 'set', qty: 1 }, { ladder: 'noBid', price: 500_000, mode: 'set', qty: 0.5 }]));
    expect(bad.book).toBeUndefined();
    expect(bad.issues.map((i) => i.issue)).toEqual(['price-out-of-range', 'invalid-qty']);
    expect(bad.notices.map((n) => n.kind === 'input-rejected' && n.issue)).toEqual(['price-out-of-range', 'invalid-qty']);
    const again = s.apply(pDelta(4, [{ ladder: 'yesBid', price: -1, mode: 'set', qty: 1 }, ch('yesBid', 41, 'set', 1)]));
    expect(again.issues.map((i) => i.issue)).toEqual(['price-out-of-range']);
    expect(again.notices).toEqual([]);
    expect(again.book!.issues).toEqual(['price-out-of-range', 'invalid-qty']);
    expect(s.counters.issues['price-out-of-range']).toBe(2);
    expect(s.counters.issues['invalid-qty']).toBe(1);
  });
});

describe('OrderBookState: gating and reset', () => {
  it('a delta before any snapshot emits nothing and reports every change; the log notice comes once', () => {
    const s = new OrderBookState();
    const step = s.apply(kDelta(1, [ch('yesBid', 40, 'add', 1), ch('noBid', 50, 'add', 1)], 3));
    expect(step.book).toBeUndefined();
    expect(step.issues).toEqual([
      { issue: 'delta-before-snapshot', info: { venue: 'kalshi', marketId: KX, tsVenue: 1, tsReceived: 2, seq: 3, ladder: 'yesBid', price: 400_000, qty: 1_000_000 } },
      { issue: 'delta-before-snapshot', info: { venue: 'kalshi', marketId: KX, tsVenue: 1, tsReceived: 2, seq: 3, ladder: 'noBid', price: 500_000, qty: 1_000_000 } },
    ]);
    expect(step.notices).toEqual([{ kind: 'input-rejected', venue: 'kalshi', marketId: KX, issue: 'delta-before-snapshot', ladder: 'yesBid', price: 400_000, qty: 1_000_000, seq: 3 }]);
    expect(s.apply(kDelta(2, [ch('yesBid', 40, 'add', 1)])).notices).toEqual([]);
    expect(s.counters.issues['delta-before-snapshot']).toBe(3);
  });

  it('a Polymarket delta on the token not yet snapshotted is gated, the other token applies', () => {
    const s = new OrderBookState();
    s.apply(pSnap(1, 'yes', [lv(40, 1)], [lv(45, 1)]));
    const step = s.apply(pDelta(2, [ch('noBid', 50, 'set', 1), ch('yesBid', 41, 'set', 2)]));
    expect(step.issues.map((i) => i.issue)).toEqual(['delta-before-snapshot']);
    expect(step.book!.yes.bids).toEqual([lv(41, 2), lv(40, 1)]);
    expect(step.book!.no.bids).toEqual([]);
    expect(step.book!.issues).toEqual(['incomplete']);
  });

  it('reset emits one empty incomplete book, a notice, and gates deltas until the next snapshot', () => {
    const s = new OrderBookState();
    s.apply(kSnap(1, [lv(40, 1)], [lv(50, 1)]));
    const r = s.apply(kReset(2));
    expect(r.book).toEqual({ venue: 'kalshi', marketId: KX, tsVenue: 2, tsReceived: 3, issues: ['incomplete'], yes: { bids: [], asks: [] }, no: { bids: [], asks: [] } });
    expect(r.notices).toEqual([{ kind: 'reset', venue: 'kalshi', marketId: KX, reason: 'seq gap' }]);
    expect(s.size).toBe(0);
    const gated = s.apply(kDelta(3, [ch('yesBid', 40, 'add', 1)]));
    expect(gated.book).toBeUndefined();
    expect(gated.issues.map((i) => i.issue)).toEqual(['delta-before-snapshot']);
    const back = s.apply(kSnap(4, [lv(41, 1)], []));
    expect(back.book!.yes.bids).toEqual([lv(41, 1)]);
    expect(s.apply(kDelta(5, [ch('yesBid', 41, 'add', 1)])).book!.yes.bids).toEqual([lv(41, 2)]);
    expect(s.counters.resets).toBe(1);
  });

  it('drop forgets a market like a reset, without emitting', () => {
    const s = new OrderBookState();
    s.apply(kSnap(1, [lv(40, 1)], []));
    s.drop('kalshi', KX);
    expect(s.apply(kDelta(2, [ch('yesBid', 40, 'add', 1)])).book).toBeUndefined();
  });
});

describe('OrderBookState: state issues', () => {
  it('crossed-yes is reported when it appears, not while it persists, and again when it comes back', () => {
    const s = new OrderBookState();
    polyBook(s, [[lv(40, 1)], [lv(45, 1)]], [[lv(50, 1)], [lv(60, 1)]]);
    const crossed = s.apply(pDelta(3, [ch('yesBid', 46, 'set', 1)]));
    expect(crossed.book!.issues).toEqual(['crossed-yes']);
    expect(crossed.issues.map((i) => i.issue)).toEqual(['crossed-yes']);
    const still = s.apply(pDelta(4, [ch('yesBid', 47, 'set', 1)]));
    expect(still.book!.issues).toEqual(['crossed-yes']);
    expect(still.issues).toEqual([]);
    const cleared = s.apply(pDelta(5, [ch('yesBid', 46, 'set', 0), ch('yesBid', 47, 'set', 0)]));
    expect(cleared.book!.issues).toEqual([]);
    expect(s.apply(pDelta(6, [ch('yesBid', 45, 'set', 1)])).issues.map((i) => i.issue)).toEqual(['crossed-yes']);
    expect(s.counters.issues['crossed-yes']).toBe(2);
  });

  it('locked-cross-outcome: best YES bid + best NO bid above 1 $ on a book with real asks', () => {
    const s = new OrderBookState();
    const b = polyBook(s, [[lv(48, 1)], [lv(49, 1)]], [[lv(53, 1)], [lv(54, 1)]]);
    expect(b.issues).toEqual(['locked-cross-outcome']);
  });

  it('an implied book whose bids sum above 1 $ is crossed on both sides, issues in canonical order', () => {
    const s = new OrderBookState();
    const step = s.apply(kSnap(1, [lv(60, 1)], [lv(45, 1)]));
    expect(step.book!.issues).toEqual(['crossed-yes', 'crossed-no']);
    expect(step.issues.map((i) => i.issue)).toEqual(['crossed-yes', 'crossed-no']);
  });
});

describe('OrderBookState: options', () => {
  it('maxLevels cuts the emitted depth, not the maintained book', () => {
    const s = new OrderBookState({ maxLevels: 2 });
    const b = s.apply(kSnap(1, [lv(40, 1), lv(39, 1), lv(38, 1)], [])).book!;
    expect(b.yes.bids).toEqual([lv(40, 1), lv(39, 1)]);
    const after = s.apply(kDelta(2, [ch('yesBid', 40, 'add', -1), ch('yesBid', 39, 'add', -1)])).book!;
    expect(after.yes.bids).toEqual([lv(38, 1)]);
  });

  it('rejects a maxLevels that is not a positive integer', () => {
    expect(() => new OrderBookState({ maxLevels: 0 })).toThrow(RangeError);
    expect(() => new OrderBookState({ maxLevels: 1.5 })).toThrow(RangeError);
  });

  it('increments the counters it is given', () => {
    const counters = createOrderBookCounters();
    const s = new OrderBookState({ counters });
    s.apply(kSnap(1, [lv(40, 1)], []));
    s.apply(kDelta(2, [ch('yesBid', 40, 'add', 1)]));
    expect(counters).toMatchObject({ snapshots: 1, deltas: 1, changesApplied: 1, events: 0, booksEmitted: 0 });
  });
});
