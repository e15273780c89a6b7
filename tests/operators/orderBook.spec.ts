import { describe, expect, it } from 'vitest';
import { of } from 'rxjs';
import { createOrderBookCounters, orderBook, type BookIssueInfo } from '../../operators/orderBook.js';
import type { Book, BookDeltaEvent, BookEvent, BookIssue, BookResetEvent, BookSnapshotEvent, Ladder, Level, LevelChange, Venue } from '../../schema/book.js';
import { testScheduler } from '../helpers/marble.js';

const KX = 'KXBTCD-25AUG0517-T114999.99';
const PM = '0x' + 'ab'.repeat(32);

/** A level at `cents` ¢ for `n` contracts/shares, in micro units. */
const lv = (cents: number, n: number): Level => ({ price: cents * 10_000, qty: n * 1_000_000 });
const ch = (ladder: Ladder, cents: number, mode: LevelChange['mode'], n: number): LevelChange => ({ ladder, price: cents * 10_000, mode, qty: n * 1_000_000 });

const kSnap = (t: number, yesBid: Level[], noBid: Level[], seq?: number): BookSnapshotEvent => ({
  kind: 'snapshot', venue: 'kalshi', marketId: KX, tsVenue: t, tsReceived: t + 1, ...(seq !== undefined ? { seq } : {}),
  impliedAsks: true, ladders: { yesBid, noBid },
});
const pSnap = (t: number, outcome: 'yes' | 'no', bids: Level[], asks: Level[]): BookSnapshotEvent => ({
  kind: 'snapshot', venue: 'polymarket', marketId: PM, tsVenue: t, tsReceived: t + 1,
  ladders: outcome === 'yes' ? { yesBid: bids, yesAsk: asks } : { noBid: bids, noAsk: asks },
});
const delta = (venue: Venue, t: number, changes: LevelChange[], seq?: number): BookDeltaEvent => ({
  kind: 'delta', venue, marketId: venue === 'kalshi' ? KX : PM, tsVenue: t, tsReceived: t + 1, ...(seq !== undefined ? { seq } : {}), changes,
});
const reset = (venue: Venue, t: number): BookResetEvent => ({
  kind: 'reset', venue, marketId: venue === 'kalshi' ? KX : PM, tsVenue: t, tsReceived: t + 1, reason: 'seq gap',
});

interface Expect {
  yb?: Level[]; ya?: Level[]; nb?: Level[]; na?: Level[]; seq?: number; issues?: BookIssue[];
}
const book = (venue: Venue, t: number, e: Expect): Book => ({
  venue, marketId: venue === 'kalshi' ? KX : PM,
  yes: { bids: e.yb ?? [], asks: e.ya ?? [] }, no: { bids: e.nb ?? [], asks: e.na ?? [] },
  tsVenue: t, tsReceived: t + 1, ...(e.seq !== undefined ? { seq: e.seq } : {}), issues: e.issues ?? [],
});

describe('orderBook: the RxJS set of cases', () => {
  it('empty completes with nothing', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const src = cold<BookEvent>('|');
      expectObservable(src.pipe(orderBook())).toBe('|');
      expectSubscriptions(src.subscriptions).toBe('(^!)');
    });
  });

  it('never stays silent and subscribed', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const src = cold<BookEvent>('-');
      expectObservable(src.pipe(orderBook())).toBe('-');
      expectSubscriptions(src.subscriptions).toBe('^');
    });
  });

  it('passes an error on', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const src = cold<BookEvent>('#', undefined, new Error('socket'));
      expectObservable(src.pipe(orderBook())).toBe('#', undefined, new Error('socket'));
      expectSubscriptions(src.subscriptions).toBe('(^!)');
    });
  });

  it('passes a mid-stream error on after the books before it', () => {
    testScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const src = cold<BookEvent>('-s--#', { s: kSnap(1, [lv(40, 10)], []) }, new Error('boom'));
      expectObservable(src.pipe(orderBook())).toBe('-a--#', { a: book('kalshi', 1, { yb: [lv(40, 10)], na: [lv(60, 10)] }) }, new Error('boom'));
      expectSubscriptions(src.subscriptions).toBe('^---!');
    });
  });

  it('unsubscribing stops the source', () => {
    testScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
      const src = hot<BookEvent>('-s-d-d-d-', {
        s: kSnap(1, [lv(40, 10)], [], 1),
        d: delta('kalshi', 3, [ch('yesBid', 41, 'add', 1)], 2),
      });
      const a = book('kalshi', 1, { seq: 1, yb: [lv(40, 10)], na: [lv(60, 10)] });
      const b = book('kalshi', 3, { seq: 2, yb: [lv(41, 1), lv(40, 10)], na: [lv(59, 1), lv(60, 10)] });
      expectObservable(src.pipe(orderBook()), '^----!').toBe('-a-b--', { a, b });
      expectSubscriptions(src.subscriptions).toBe('^----!');
    });
  });
});

describe('orderBook: Kalshi (bids only, implied asks)', () => {
  it('derives asks from the opposite bids after the snapshot and every delta', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const src = cold<BookEvent>('-s-a-b-c|', {
        // the wire fixture's shape: yes 8¢×300, 22¢×333; no 54¢×20, 56¢×146 (ascending on the wire)
        s: kSnap(10, [lv(8, 300), lv(22, 333)], [lv(54, 20), lv(56, 146)], 2),
        a: delta('kalshi', 11, [ch('noBid', 56, 'add', -46)], 3), // 146 → 100
        b: delta('kalshi', 12, [ch('noBid', 56, 'add', -100)], 4), // level gone: best NO bid is now 54
        c: delta('kalshi', 13, [ch('yesBid', 23, 'add', 5)], 5), // new best YES bid
      });
      expectObservable(src.pipe(orderBook())).toBe('-w-x-y-z|', {
        w: book('kalshi', 10, {
          seq: 2, yb: [lv(22, 333), lv(8, 300)], nb: [lv(56, 146), lv(54, 20)],
          ya: [lv(44, 146), lv(46, 20)], na: [lv(78, 333), lv(92, 300)],
        }),
        x: book('kalshi', 11, {
          seq: 3, yb: [lv(22, 333), lv(8, 300)], nb: [lv(56, 100), lv(54, 20)],
          ya: [lv(44, 100), lv(46, 20)], na: [lv(78, 333), lv(92, 300)],
        }),
        y: book('kalshi', 12, {
          seq: 4, yb: [lv(22, 333), lv(8, 300)], nb: [lv(54, 20)], ya: [lv(46, 20)], na: [lv(78, 333), lv(92, 300)],
        }),
        z: book('kalshi', 13, {
          seq: 5, yb: [lv(23, 5), lv(22, 333), lv(8, 300)], nb: [lv(54, 20)], ya: [lv(46, 20)], na: [lv(77, 5), lv(78, 333), lv(92, 300)],
        }),
      });
    });
  });

  it('treats an absent side of an implied snapshot as empty (Kalshi omits empty sides)', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const s2: BookSnapshotEvent = { ...kSnap(2, [lv(30, 1)], []), ladders: { yesBid: [lv(30, 1)] } };
      const src = cold<BookEvent>('-s-t|', { s: kSnap(1, [lv(40, 1)], [lv(50, 2)]), t: s2 });
      expectObservable(src.pipe(orderBook())).toBe('-a-b|', {
        a: book('kalshi', 1, { yb: [lv(40, 1)], nb: [lv(50, 2)], ya: [lv(50, 2)], na: [lv(60, 1)] }),
        b: book('kalshi', 2, { yb: [lv(30, 1)], na: [lv(70, 1)] }),
      });
    });
  });

  it('ignores and counts changes to implied ask ladders', () => {
    const counters = createOrderBookCounters();
    testScheduler().run(({ cold, expectObservable }) => {
      const src = cold<BookEvent>('-s-d|', {
        s: kSnap(1, [lv(40, 1)], []),
        d: delta('kalshi', 2, [ch('yesAsk', 45, 'set', 3)]),
      });
      expectObservable(src.pipe(orderBook({ counters }))).toBe('-a--|', { a: book('kalshi', 1, { yb: [lv(40, 1)], na: [lv(60, 1)] }) });
    });
    expect(counters.impliedLadderIgnored).toBe(1);
  });

  it('flags crossed YES and NO when YES bid + NO bid reach 1 $, and only those', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const src = cold<BookEvent>('-s-d|', {
        s: kSnap(1, [lv(40, 1)], [lv(59, 1)]),
        d: delta('kalshi', 2, [ch('noBid', 60, 'add', 2)]),
      });
      expectObservable(src.pipe(orderBook())).toBe('-a-b|', {
        a: book('kalshi', 1, { yb: [lv(40, 1)], nb: [lv(59, 1)], ya: [lv(41, 1)], na: [lv(60, 1)] }),
        b: book('kalshi', 2, {
          yb: [lv(40, 1)], nb: [lv(60, 2), lv(59, 1)], ya: [lv(40, 2), lv(41, 1)], na: [lv(60, 1)],
          issues: ['crossed-yes', 'crossed-no'],
        }),
      });
    });
  });
});

describe('orderBook: Polymarket (two token books under one condition id)', () => {
  it('emits incomplete until both tokens have a snapshot, then the joined book', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const src = cold<BookEvent>('-y-n-d|', {
        y: pSnap(1, 'yes', [lv(45, 100)], [lv(47, 50)]),
        n: pSnap(2, 'no', [lv(53, 50)], [lv(55, 100)]),
        d: delta('polymarket', 3, [ch('yesBid', 46, 'set', 7), ch('noAsk', 54, 'set', 7)]),
      });
      expectObservable(src.pipe(orderBook())).toBe('-a-b-c|', {
        a: book('polymarket', 1, { yb: [lv(45, 100)], ya: [lv(47, 50)], issues: ['incomplete'] }),
        b: book('polymarket', 2, { yb: [lv(45, 100)], ya: [lv(47, 50)], nb: [lv(53, 50)], na: [lv(55, 100)] }),
        c: book('polymarket', 3, { yb: [lv(46, 7), lv(45, 100)], ya: [lv(47, 50)], nb: [lv(53, 50)], na: [lv(54, 7), lv(55, 100)] }),
      });
    });
  });

  it('sorts unsorted input levels best first (Polymarket sends best last)', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const src = cold<BookEvent>('-y-n|', {
        y: pSnap(1, 'yes', [lv(10, 1), lv(44, 2), lv(30, 3)], [lv(99, 1), lv(48, 2), lv(60, 3)]),
        n: pSnap(2, 'no', [lv(40, 1), lv(52, 2)], [lv(90, 1), lv(56, 2)]),
      });
      expectObservable(src.pipe(orderBook())).toBe('-a-b|', {
        a: book('polymarket', 1, { yb: [lv(44, 2), lv(30, 3), lv(10, 1)], ya: [lv(48, 2), lv(60, 3), lv(99, 1)], issues: ['incomplete'] }),
        b: book('polymarket', 2, {
          yb: [lv(44, 2), lv(30, 3), lv(10, 1)], ya: [lv(48, 2), lv(60, 3), lv(99, 1)], nb: [lv(52, 2), lv(40, 1)], na: [lv(56, 2), lv(90, 1)],
        }),
      });
    });
  });

  it('takes the top of book from the maintained book when the best level is removed (Nautilus #3905)', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const src = cold<BookEvent>('-y-d|', {
        y: pSnap(1, 'yes', [lv(45, 1), lv(44, 2)], [lv(47, 1), lv(49, 2)]),
        d: delta('polymarket', 2, [ch('yesBid', 45, 'set', 0), ch('yesAsk', 47, 'set', 0)]),
      });
      expectObservable(src.pipe(orderBook())).toBe('-a-b|', {
        a: book('polymarket', 1, { yb: [lv(45, 1), lv(44, 2)], ya: [lv(47, 1), lv(49, 2)], issues: ['incomplete'] }),
        b: book('polymarket', 2, { yb: [lv(44, 2)], ya: [lv(49, 2)], issues: ['incomplete'] }),
      });
    });
  });

  it('flags a crossed YES book and a locked cross-outcome book', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const src = cold<BookEvent>('-y-n-d|', {
        y: pSnap(1, 'yes', [lv(48, 1)], [lv(47, 1)]),
        n: pSnap(2, 'no', [lv(50, 1)], [lv(60, 1)]),
        d: delta('polymarket', 3, [ch('yesAsk', 47, 'set', 0), ch('yesAsk', 49, 'set', 1)]),
      });
      expectObservable(src.pipe(orderBook())).toBe('-a-b-c|', {
        a: book('polymarket', 1, { yb: [lv(48, 1)], ya: [lv(47, 1)], issues: ['crossed-yes', 'incomplete'] }),
        // 48 + 50 < 100: not locked; YES still crossed
        b: book('polymarket', 2, { yb: [lv(48, 1)], ya: [lv(47, 1)], nb: [lv(50, 1)], na: [lv(60, 1)], issues: ['crossed-yes'] }),
        c: book('polymarket', 3, { yb: [lv(48, 1)], ya: [lv(49, 1)], nb: [lv(50, 1)], na: [lv(60, 1)] }),
      });
    });
    testScheduler().run(({ cold, expectObservable }) => {
      const src = cold<BookEvent>('-y-n|', {
        y: pSnap(1, 'yes', [lv(52, 1)], [lv(53, 1)]),
        n: pSnap(2, 'no', [lv(50, 1)], [lv(60, 1)]),
      });
      expectObservable(src.pipe(orderBook())).toBe('-a-b|', {
        a: book('polymarket', 1, { yb: [lv(52, 1)], ya: [lv(53, 1)], issues: ['incomplete'] }),
        b: book('polymarket', 2, { yb: [lv(52, 1)], ya: [lv(53, 1)], nb: [lv(50, 1)], na: [lv(60, 1)], issues: ['locked-cross-outcome'] }),
      });
    });
  });

  it('gates changes to the token that has no snapshot yet, applies the rest', () => {
    const counters = createOrderBookCounters();
    testScheduler().run(({ cold, expectObservable }) => {
      const src = cold<BookEvent>('-y-d-e|', {
        y: pSnap(1, 'yes', [lv(45, 1)], [lv(47, 1)]),
        d: delta('polymarket', 2, [ch('noBid', 50, 'set', 1), ch('yesBid', 46, 'set', 1)]),
        e: delta('polymarket', 3, [ch('noAsk', 50, 'set', 1)]),
      });
      expectObservable(src.pipe(orderBook({ counters }))).toBe('-a-b--|', {
        a: book('polymarket', 1, { yb: [lv(45, 1)], ya: [lv(47, 1)], issues: ['incomplete'] }),
        b: book('polymarket', 2, { yb: [lv(46, 1), lv(45, 1)], ya: [lv(47, 1)], issues: ['incomplete'] }),
      });
    });
    expect(counters.issues['delta-before-snapshot']).toBe(2);
    expect(counters.changesApplied).toBe(1);
  });
});

describe('orderBook: gating, resets and bad input', () => {
  it('does not apply a delta for a market without a snapshot, and reports it', () => {
    const reports: [BookIssue, BookIssueInfo][] = [];
    testScheduler().run(({ cold, expectObservable }) => {
      const src = cold<BookEvent>('-d-s-e|', {
        d: delta('kalshi', 1, [ch('yesBid', 40, 'add', 5)], 7),
        s: kSnap(2, [lv(30, 1)], [], 8),
        e: delta('kalshi', 3, [ch('yesBid', 40, 'add', 5)], 9),
      });
      expectObservable(src.pipe(orderBook({ onIssue: (i, info) => reports.push([i, info]) }))).toBe('---a-b|', {
        a: book('kalshi', 2, { seq: 8, yb: [lv(30, 1)], na: [lv(70, 1)] }),
        b: book('kalshi', 3, { seq: 9, yb: [lv(40, 5), lv(30, 1)], na: [lv(60, 5), lv(70, 1)] }),
      });
    });
    expect(reports).toEqual([
      ['delta-before-snapshot', { venue: 'kalshi', marketId: KX, tsVenue: 1, tsReceived: 2, seq: 7, ladder: 'yesBid', price: 400_000, qty: 5_000_000 }],
    ]);
  });

  it('a reset emits an empty incomplete book and gates deltas until the next snapshot', () => {
    const counters = createOrderBookCounters();
    testScheduler().run(({ cold, expectObservable }) => {
      const src = cold<BookEvent>('-s-r-d-t-d|', {
        s: kSnap(1, [lv(40, 1)], []),
        r: reset('kalshi', 2),
        d: delta('kalshi', 3, [ch('yesBid', 40, 'add', 1)]),
        t: kSnap(4, [lv(41, 1)], []),
      });
      expectObservable(src.pipe(orderBook({ counters }))).toBe('-a-b---c-d|', {
        a: book('kalshi', 1, { yb: [lv(40, 1)], na: [lv(60, 1)] }),
        b: book('kalshi', 2, { issues: ['incomplete'] }),
        c: book('kalshi', 4, { yb: [lv(41, 1)], na: [lv(59, 1)] }),
        d: { ...book('kalshi', 3, { yb: [lv(41, 1), lv(40, 1)], na: [lv(59, 1), lv(60, 1)] }) },
      });
    });
    expect(counters.issues['delta-before-snapshot']).toBe(1);
    expect(counters.resets).toBe(1);
    expect(counters.booksEmitted).toBe(4);
  });

  it('removes a level whose add goes negative and flags the ladder until its next snapshot', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const src = cold<BookEvent>('-s-d-e-t|', {
        s: kSnap(1, [lv(40, 1), lv(39, 1)], []),
        d: delta('kalshi', 2, [ch('yesBid', 40, 'add', -3)]),
        e: delta('kalshi', 3, [ch('yesBid', 38, 'add', 1)]),
        t: kSnap(4, [lv(39, 1)], []),
      });
      expectObservable(src.pipe(orderBook())).toBe('-a-b-c-d|', {
        a: book('kalshi', 1, { yb: [lv(40, 1), lv(39, 1)], na: [lv(60, 1), lv(61, 1)] }),
        b: book('kalshi', 2, { yb: [lv(39, 1)], na: [lv(61, 1)], issues: ['negative-qty'] }),
        c: book('kalshi', 3, { yb: [lv(39, 1), lv(38, 1)], na: [lv(61, 1), lv(62, 1)], issues: ['negative-qty'] }),
        d: book('kalshi', 4, { yb: [lv(39, 1)], na: [lv(61, 1)] }),
      });
    });
  });

  it('drops and flags prices outside [0, 1 $] and non-integer quantities', () => {
    const counters = createOrderBookCounters();
    testScheduler().run(({ cold, expectObservable }) => {
      const bad: BookSnapshotEvent = {
        ...pSnap(1, 'yes', [], []),
        ladders: { yesBid: [{ price: 1_000_001, qty: 1 }, { price: 400_000, qty: 1.5 }, { price: 300_000, qty: 2 }], yesAsk: [{ price: -1, qty: 1 }] },
      };
      const src = cold<BookEvent>('-y|', { y: bad });
      expectObservable(src.pipe(orderBook({ counters }))).toBe('-a|', {
        a: book('polymarket', 1, { yb: [{ price: 300_000, qty: 2 }], issues: ['price-out-of-range', 'invalid-qty', 'incomplete'] }),
      });
    });
    expect(counters.issues['price-out-of-range']).toBe(2);
    expect(counters.issues['invalid-qty']).toBe(1);
  });

  it('keeps markets apart and truncates emitted depth to maxLevels', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const other: BookSnapshotEvent = { ...kSnap(2, [lv(10, 1)], []), marketId: 'OTHER' };
      const src = cold<BookEvent>('-s-o-d|', {
        s: kSnap(1, [lv(40, 1), lv(39, 1), lv(38, 1)], []),
        o: other,
        d: delta('kalshi', 3, [ch('yesBid', 41, 'add', 1)]),
      });
      expectObservable(src.pipe(orderBook({ maxLevels: 2 }))).toBe('-a-b-c|', {
        a: book('kalshi', 1, { yb: [lv(40, 1), lv(39, 1)], na: [lv(60, 1), lv(61, 1)] }),
        b: { ...book('kalshi', 2, { yb: [lv(10, 1)], na: [lv(90, 1)] }), marketId: 'OTHER' },
        c: book('kalshi', 3, { yb: [lv(41, 1), lv(40, 1)], na: [lv(59, 1), lv(60, 1)] }),
      });
    });
    expect(() => orderBook({ maxLevels: 0 })).toThrow(RangeError);
  });

  it('reports a state issue once when it appears, not on every book while it persists', () => {
    const seen: BookIssue[] = [];
    const events: BookEvent[] = [
      kSnap(1, [lv(40, 1)], [lv(60, 1)]), // crossed
      delta('kalshi', 2, [ch('yesBid', 30, 'add', 1)]), // still crossed
      delta('kalshi', 3, [ch('noBid', 60, 'add', -1)]), // uncrossed
      delta('kalshi', 4, [ch('noBid', 61, 'add', 1)]), // crossed again
    ];
    const out: Book[] = [];
    of(...events).pipe(orderBook({ onIssue: (i) => seen.push(i) })).subscribe((b) => out.push(b));
    expect(out.map((b) => b.issues)).toEqual([['crossed-yes', 'crossed-no'], ['crossed-yes', 'crossed-no'], [], ['crossed-yes', 'crossed-no']]);
    expect(seen).toEqual(['crossed-yes', 'crossed-no', 'crossed-yes', 'crossed-no']);
  });

  it('emits frozen books, never mutates an emitted ladder, shares unchanged ones', () => {
    const out: Book[] = [];
    of<BookEvent[]>(kSnap(1, [lv(40, 1)], [lv(50, 1)]), delta('kalshi', 2, [ch('yesBid', 41, 'add', 1)]))
      .pipe(orderBook())
      .subscribe((b) => out.push(b));
    const [a, b] = out as [Book, Book];
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a.yes)).toBe(true);
    expect(Object.isFrozen(a.issues)).toBe(true);
    expect(Object.isFrozen(a.yes.bids[0])).toBe(true);
    expect(a.no.asks).toEqual([lv(60, 1)]);
    expect(a.yes.bids).toEqual([lv(40, 1)]); // the later delta did not touch the earlier book
    expect(b.no.bids).toBe(a.no.bids);
    expect(b.yes.asks).toBe(a.yes.asks);
  });

  it('survives a malformed event: counted, logged, the stream goes on', () => {
    const counters = createOrderBookCounters();
    const out: Book[] = [];
    const bogus = { kind: 'delta', venue: 'kalshi', marketId: KX, tsVenue: 2, tsReceived: 3, changes: null } as unknown as BookEvent;
    const unknown = { kind: 'trade', venue: 'kalshi', marketId: KX, tsVenue: 2, tsReceived: 3 } as unknown as BookEvent;
    of<BookEvent[]>(kSnap(1, [lv(40, 1)], []), bogus, unknown, kSnap(4, [lv(41, 1)], []))
      .pipe(orderBook({ counters }))
      .subscribe({ next: (b) => out.push(b), error: () => expect.unreachable() });
    expect(out.map((b) => b.tsVenue)).toEqual([1, 4]);
    expect(counters.internalErrors).toBe(1);
    expect(counters.unknownEvents).toBe(1);
  });
});
