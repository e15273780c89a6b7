import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { of } from 'rxjs';
import { orderBook } from '../../operators/orderBook.js';
import { BOOK_ISSUES, type Book, type BookEvent, type BookSnapshotEvent, type Ladder, type Level, type LevelChange, type Venue } from '../../schema/book.js';
import { SCALE } from '../../schema/money.js';
import { createLogger, setLogger } from '../../src/log.js';

// negative results are expected here; the operator's warnings would drown the output
beforeAll(() => setLogger(createLogger({ level: 'silent' })));

type Style = 'kalshi' | 'polymarket';
type Model = Record<Ladder, Map<number, number>>;

const MARKET = { kalshi: 'KX-PROP', polymarket: '0x' + 'cd'.repeat(32) } as const;
const BID_LADDERS: Ladder[] = ['yesBid', 'noBid'];
const ALL_LADDERS: Ladder[] = ['yesBid', 'yesAsk', 'noBid', 'noAsk'];

// few distinct prices (tenths of a cent) so that changes hit existing levels often
const price = fc.integer({ min: 0, max: 1000 }).map((p) => p * 1000);
const level = fc.record({ price, qty: fc.integer({ min: 0, max: 1_000_000_000 }) });
const ladderLevels = fc.array(level, { maxLength: 30 });
const change = (ladders: Ladder[]): fc.Arbitrary<LevelChange> =>
  fc.oneof(
    fc.record({ ladder: fc.constantFrom(...ladders), price, mode: fc.constant('set' as const), qty: fc.integer({ min: 0, max: 100_000_000 }) }),
    fc.record({ ladder: fc.constantFrom(...ladders), price, mode: fc.constant('add' as const), qty: fc.integer({ min: -100_000_000, max: 100_000_000 }) }),
  );

const scenario = (style: Style) => {
  const ladders = style === 'kalshi' ? BID_LADDERS : ALL_LADDERS;
  return fc.record({
    initial: fc.record({ yesBid: ladderLevels, yesAsk: ladderLevels, noBid: ladderLevels, noAsk: ladderLevels }),
    deltas: fc.array(fc.array(change(ladders), { minLength: 1, maxLength: 4 }), { maxLength: 60 }),
  });
};

const base = (venue: Venue, t: number) => ({ venue, marketId: MARKET[venue], tsVenue: t, tsReceived: t });

/** The venue's snapshot event(s) of a model state (Kalshi: one with implied asks; Polymarket: one per token). */
function snapshots(style: Style, t: number, ladders: Record<Ladder, readonly Level[]>): BookSnapshotEvent[] {
  if (style === 'kalshi') {
    return [{ kind: 'snapshot', ...base('kalshi', t), impliedAsks: true, ladders: { yesBid: ladders.yesBid, noBid: ladders.noBid } }];
  }
  return [
    { kind: 'snapshot', ...base('polymarket', t), ladders: { yesBid: ladders.yesBid, yesAsk: ladders.yesAsk } },
    { kind: 'snapshot', ...base('polymarket', t), ladders: { noBid: ladders.noBid, noAsk: ladders.noAsk } },
  ];
}

/** Snapshot semantics on the model: later duplicates win, zero quantities are absent. */
function modelOf(initial: Record<Ladder, Level[]>): Model {
  const m = { yesBid: new Map(), yesAsk: new Map(), noBid: new Map(), noAsk: new Map() } as Model;
  for (const l of ALL_LADDERS) {
    for (const { price: p, qty } of initial[l]) {
      if (qty > 0) m[l].set(p, qty);
      else m[l].delete(p);
    }
  }
  return m;
}

/** Applies one change to the model; true when the result went negative. */
function applyModel(m: Model, c: LevelChange): boolean {
  const total = c.mode === 'set' ? c.qty : (m[c.ladder].get(c.price) ?? 0) + c.qty;
  if (total > 0) m[c.ladder].set(c.price, total);
  else m[c.ladder].delete(c.price);
  return total < 0;
}

const sorted = (m: Map<number, number>, bid: boolean): Level[] =>
  [...m].map(([p, qty]) => ({ price: p, qty })).sort((a, b) => (bid ? b.price - a.price : a.price - b.price));
const implied = (bids: readonly Level[]): Level[] => bids.map((l) => ({ price: SCALE - l.price, qty: l.qty }));

/** Runs the events through the operator; also checks no emitted book changed afterwards (copy on write). */
const run = (events: BookEvent[], maxLevels?: number): Book[] => {
  const out: Book[] = [];
  const atEmission: string[] = [];
  of(...events)
    .pipe(orderBook(maxLevels === undefined ? {} : { maxLevels }))
    .subscribe((b) => {
      out.push(b);
      atEmission.push(JSON.stringify(b));
    });
  expect(out.map((b) => JSON.stringify(b))).toEqual(atEmission);
  return out;
};

function checkInvariants(style: Style, b: Book): void {
  for (const side of [b.yes, b.no]) {
    for (const [ladder, bid] of [[side.bids, true], [side.asks, false]] as const) {
      for (let i = 0; i < ladder.length; i++) {
        const l = ladder[i]!;
        expect(Number.isSafeInteger(l.qty) && l.qty > 0).toBe(true);
        expect(Number.isSafeInteger(l.price) && l.price >= 0 && l.price <= SCALE).toBe(true);
        if (i > 0) expect(bid ? ladder[i - 1]!.price > l.price : ladder[i - 1]!.price < l.price).toBe(true);
      }
    }
  }
  if (style === 'kalshi') {
    expect(b.yes.asks).toEqual(implied(b.no.bids));
    expect(b.no.asks).toEqual(implied(b.yes.bids));
  }
  expect(b.issues).toEqual(BOOK_ISSUES.filter((i) => b.issues.includes(i)));
}

describe.each<Style>(['kalshi', 'polymarket'])('orderBook properties (%s-style books)', (style) => {
  it('snapshot + deltas equals the snapshot of the final state, and the model', () => {
    fc.assert(
      fc.property(scenario(style), ({ initial, deltas }) => {
        const m = modelOf(initial);
        let negative = false;
        const events: BookEvent[] = [...snapshots(style, 1, initial)];
        deltas.forEach((changes, n) => {
          for (const c of changes) negative = applyModel(m, c) || negative;
          events.push({ kind: 'delta', ...base(style, 2 + n), seq: 2 + n, changes });
        });
        const books = run(events);
        for (const b of books) checkInvariants(style, b);
        const last = books.at(-1)!;

        const finalLadders = {
          yesBid: sorted(m.yesBid, true), yesAsk: sorted(m.yesAsk, false), noBid: sorted(m.noBid, true), noAsk: sorted(m.noAsk, false),
        };
        if (style === 'kalshi') {
          finalLadders.yesAsk = implied(finalLadders.noBid);
          finalLadders.noAsk = implied(finalLadders.yesBid);
        }
        // the next snapshot, sent in the venue's own (unsorted: reversed) order
        const reversed = Object.fromEntries(ALL_LADDERS.map((l) => [l, [...finalLadders[l]].reverse()])) as Record<Ladder, Level[]>;
        const fresh = run(snapshots(style, 99, reversed)).at(-1)!;

        expect(last.yes).toEqual(fresh.yes);
        expect(last.no).toEqual(fresh.no);
        expect(last.yes).toEqual({ bids: finalLadders.yesBid, asks: finalLadders.yesAsk });
        expect(last.no).toEqual({ bids: finalLadders.noBid, asks: finalLadders.noAsk });
        // a negative result taints the book until the next snapshot; otherwise identical issues
        expect(last.issues.includes('negative-qty')).toBe(negative);
        expect(last.issues.filter((i) => i !== 'negative-qty')).toEqual(fresh.issues);
        expect(last.tsVenue).toBe(deltas.length === 0 ? 1 : 1 + deltas.length);
      }),
      { numRuns: 300 },
    );
  });

  it('maxLevels emits a prefix of every ladder, with the same issues', () => {
    fc.assert(
      fc.property(scenario(style), fc.integer({ min: 1, max: 5 }), ({ initial, deltas }, maxLevels) => {
        const events: BookEvent[] = [
          ...snapshots(style, 1, initial),
          ...deltas.map((changes, n): BookEvent => ({ kind: 'delta', ...base(style, 2 + n), changes })),
        ];
        const full = run(events);
        const cut = run(events, maxLevels);
        expect(cut.length).toBe(full.length);
        cut.forEach((b, i) => {
          const f = full[i]!;
          expect(b.issues).toEqual(f.issues);
          for (const side of ['yes', 'no'] as const) {
            expect(b[side].bids).toEqual(f[side].bids.slice(0, maxLevels));
            expect(b[side].asks).toEqual(f[side].asks.slice(0, maxLevels));
          }
        });
      }),
      { numRuns: 100 },
    );
  });
});
