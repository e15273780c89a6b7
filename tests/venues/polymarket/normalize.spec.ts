import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { from, toArray, lastValueFrom } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { BookDeltaEvent, BookSnapshotEvent } from '../../../schema/book.js';
import { decodeFrame, polyBookEvents, SnapshotGate, type DecodeResult } from '../../../src/venues/polymarket/normalize.js';
import { PolyClientCmdSchema, subscribeCmd, operationCmd } from '../../../src/venues/polymarket/wire.js';
import { FIXTURE_MARKETS, GOLDEN, fixtureContext, frame, readFixture, wsFixtures } from './fixtures.js';

const CLIENT_CMDS = new Set(['docs/ws_subscribe.json', 'docs/ws_subscribe_dynamic.json']);
const BOOK_BEARING = [
  'ws_book.json',
  'docs/ws_book.json',
  'ws_price_change.json',
  'docs/ws_price_change.json',
  'ws_price_change_legacy_changes_2024.json',
  'ws_price_change_legacy_flat_2024.json',
  'docs/ws_price_change_legacy_changes.json',
  'ws_tick_size_change.json',
  'docs/ws_tick_size_change.json',
  'ws_market_resolved.json',
  'docs/ws_market_resolved.json',
];

const decodeFixture = (rel: string): DecodeResult => decodeFrame(frame(readFixture(rel)), fixtureContext());

describe('polymarket wire fixtures', () => {
  const files = wsFixtures();
  it('finds the fixtures', () => {
    expect(files.length).toBeGreaterThanOrEqual(18);
  });
  for (const rel of files) {
    it(`decodes ${rel}`, () => {
      if (CLIENT_CMDS.has(rel)) {
        const v: unknown = JSON.parse(readFixture(rel));
        for (const cmd of Array.isArray(v) ? v : [v]) expect(PolyClientCmdSchema.safeParse(cmd).success).toBe(true);
        return;
      }
      const r = decodeFixture(rel);
      expect(r.errors).toEqual([]);
      expect(r.unknownTypes).toEqual([]);
      expect(r.messages).toHaveLength(1);
    });
  }

  it('our command builders produce valid commands', () => {
    expect(PolyClientCmdSchema.safeParse(JSON.parse(subscribeCmd(['1', '2']))).success).toBe(true);
    expect(JSON.parse(operationCmd('unsubscribe', ['1']))).toEqual({ assets_ids: ['1'], operation: 'unsubscribe', custom_feature_enabled: true });
  });
});

describe('polymarket goldens (raw → BookEvent[])', () => {
  for (const rel of BOOK_BEARING) {
    it(rel, () => {
      const r = decodeFixture(rel);
      const path = join(GOLDEN, rel.replace('/', '__').replace(/\.json$/, '.events.json'));
      if (process.env.UPDATE_GOLDENS === '1') {
        // UPDATE_GOLDENS=1 rewrites the goldens; review the diff before committing
        mkdirSync(GOLDEN, { recursive: true });
        writeFileSync(path, JSON.stringify(r.events, null, 2) + '\n');
      }
      expect(existsSync(path), `golden ${path} missing (run with UPDATE_GOLDENS=1)`).toBe(true);
      expect(r.events).toEqual(JSON.parse(readFileSync(path, 'utf8')));
      expect(r.events.length).toBeGreaterThan(0);
    });
  }
});

describe('polymarket normalize', () => {
  it('book of the NO token fills the NO ladders, sorted best first, exact prices', () => {
    const [ev] = decodeFixture('ws_book.json').events as BookSnapshotEvent[];
    expect(ev!.kind).toBe('snapshot');
    expect(ev!.marketId).toBe(FIXTURE_MARKETS[1]!.conditionId);
    expect(Object.keys(ev!.ladders).sort()).toEqual(['noAsk', 'noBid']);
    const bids = ev!.ladders.noBid!;
    const asks = ev!.ladders.noAsk!;
    expect(bids[0]).toEqual({ price: 511_000, qty: 1_304_720_000 }); // wire lists best bid last
    expect(asks[0]!.price).toBeGreaterThan(bids[0]!.price);
    for (let i = 1; i < bids.length; i++) expect(bids[i]!.price).toBeLessThan(bids[i - 1]!.price);
    for (let i = 1; i < asks.length; i++) expect(asks[i]!.price).toBeGreaterThan(asks[i - 1]!.price);
    expect(ev!.tsVenue).toBe(1728799418260);
    expect(ev!.tsReceived).toBe(1_700_000_000_000);
  });

  it('docs book with ".48" prices → YES ladders', () => {
    const [ev] = decodeFixture('docs/ws_book.json').events as BookSnapshotEvent[];
    expect(ev!.ladders.yesBid).toEqual([
      { price: 500_000, qty: 15_000_000 },
      { price: 490_000, qty: 20_000_000 },
      { price: 480_000, qty: 30_000_000 },
    ]);
    expect(ev!.ladders.yesAsk![0]).toEqual({ price: 520_000, qty: 25_000_000 });
  });

  it('current price_change covering both tokens → one delta, BUY=bid SELL=ask, set mode', () => {
    const [ev] = decodeFixture('docs/ws_price_change.json').events as BookDeltaEvent[];
    expect(ev!.kind).toBe('delta');
    expect(ev!.changes).toEqual([
      { ladder: 'yesBid', price: 500_000, mode: 'set', qty: 200_000_000 },
      { ladder: 'noAsk', price: 500_000, mode: 'set', qty: 200_000_000 },
    ]);
  });

  it('all three price_change shapes decode to the same message form', () => {
    const shapes = ['ws_price_change.json', 'ws_price_change_legacy_changes_2024.json', 'ws_price_change_legacy_flat_2024.json'].map(
      (f) => decodeFixture(f).messages[0],
    );
    expect(shapes.map((m) => (m?.event_type === 'price_change' ? m.shape : null))).toEqual(['current', 'legacy-changes', 'legacy-flat']);
    const a = decodeFixture('ws_price_change.json').events;
    const b = decodeFixture('ws_price_change_legacy_changes_2024.json').events;
    expect(a).toEqual(b); // same content, two shapes
  });

  it('"0" size removes (qty 0 in set mode)', () => {
    const msg = { event_type: 'price_change', market: FIXTURE_MARKETS[0]!.conditionId, timestamp: '5', price_changes: [{ asset_id: FIXTURE_MARKETS[0]!.yesTokenId, price: '0.4', size: '0', side: 'SELL' }] };
    const [ev] = decodeFrame(frame(JSON.stringify(msg)), fixtureContext()).events as BookDeltaEvent[];
    expect(ev!.changes).toEqual([{ ladder: 'yesAsk', price: 400_000, mode: 'set', qty: 0 }]);
  });

  it('a JSON array frame carries several messages', () => {
    const data = `[${readFixture('docs/ws_book.json')},${readFixture('docs/ws_price_change.json')},${readFixture('ws_best_bid_ask.json')}]`;
    const r = decodeFrame(frame(data), fixtureContext());
    expect(r.messages.map((m) => m.event_type)).toEqual(['book', 'price_change', 'best_bid_ask']);
    expect(r.events.map((e) => e.kind)).toEqual(['snapshot', 'delta']);
    expect(decodeFrame(frame('[]'), fixtureContext()).errors).toEqual([]);
  });

  it('PONG (not JSON) is accepted', () => {
    const r = decodeFrame(frame('PONG'), fixtureContext());
    expect(r.text).toBe('PONG');
    expect(r.errors).toEqual([]);
  });

  it('messages of untracked assets decode but make no events', () => {
    const r = decodeFrame(frame(readFixture('rest_clob_book.json').replace('{', '{"event_type":"book",')), fixtureContext());
    expect(r.errors).toEqual([]);
    expect(r.messages).toHaveLength(1);
    expect(r.events).toEqual([]);
  });

  it('gates deltas until a snapshot, and again after a tick-size reset until the next snapshot', () => {
    const gate = new SnapshotGate();
    const ctx = fixtureContext(gate);
    const m = FIXTURE_MARKETS[0]!;
    const pc = (asset: string) => JSON.stringify({ event_type: 'price_change', market: m.conditionId, timestamp: '10', price_changes: [{ asset_id: asset, price: '0.5', size: '1', side: 'BUY' }] });
    const book = (asset: string) => JSON.stringify({ event_type: 'book', asset_id: asset, market: m.conditionId, bids: [], asks: [{ price: '0.6', size: '5' }], timestamp: '9' });
    const tick = JSON.stringify({ event_type: 'tick_size_change', asset_id: m.yesTokenId, market: m.conditionId, old_tick_size: '0.01', new_tick_size: '0.001', timestamp: '11' });
    let r = decodeFrame(frame(pc(m.yesTokenId)), ctx);
    expect(r.events).toEqual([]);
    expect(r.gated).toBe(1);
    decodeFrame(frame(book(m.yesTokenId)), ctx);
    r = decodeFrame(frame(pc(m.yesTokenId)), ctx);
    expect(r.events.map((e) => e.kind)).toEqual(['delta']);
    r = decodeFrame(frame(pc(m.noTokenId)), ctx);
    expect(r.gated).toBe(1); // NO token has had no snapshot
    r = decodeFrame(frame(tick), ctx);
    expect(r.events).toEqual([expect.objectContaining({ kind: 'reset', marketId: m.conditionId, tsVenue: 11 })]);
    expect(r.resync).toEqual([m.conditionId]);
    r = decodeFrame(frame(pc(m.yesTokenId)), ctx);
    expect(r.gated).toBe(1);
  });
});

describe('polymarket hostile frames', () => {
  const m = FIXTURE_MARKETS[0]!;
  const pc = (over: Record<string, unknown>) =>
    JSON.stringify({ event_type: 'price_change', market: m.conditionId, timestamp: '10', price_changes: [{ asset_id: m.yesTokenId, price: '0.5', size: '1', side: 'BUY', ...over }] });
  const cases: [string, string][] = [
    ['truncated JSON', readFixture('docs/ws_book.json').slice(0, 120)],
    ['price > 1', pc({ price: '1.5' })],
    ['negative size', pc({ size: '-3' })],
    ['huge number', pc({ size: '9'.repeat(40) })],
    ['too many decimals', pc({ price: '0.1234567' })],
    ['wrong type', pc({ price: 0.5, size: { x: 1 } })],
    ['bad side', pc({ side: 'HOLD' })],
    ['missing fields', JSON.stringify({ event_type: 'book', market: m.conditionId })],
    ['no event_type', JSON.stringify({ market: m.conditionId })],
    ['null', 'null'],
    ['number', '42'],
    ['string', '"hello"'],
    ['array of junk', '[1, null, "x"]'],
    ['bad timestamp', pc({}).replace('"10"', '"yesterday"')],
    ['exponent price', pc({ price: '5e-1' })],
    ['empty', ''],
  ];
  for (const [name, data] of cases) {
    it(`${name}: error reported, nothing thrown, no book event but a reset`, () => {
      const r = decodeFrame(frame(data), fixtureContext());
      expect(r.errors.length).toBeGreaterThan(0);
      expect(r.events.every((e) => e.kind === 'reset')).toBe(true);
      for (const e of r.errors) expect(e.raw.length).toBeLessThanOrEqual(600);
    });
  }

  it('a malformed book-bearing message of a known market resets it and asks for a resync', () => {
    const r = decodeFrame(frame(pc({ price: '2' })), fixtureContext());
    expect(r.events).toEqual([expect.objectContaining({ kind: 'reset', marketId: m.conditionId })]);
    expect(r.resync).toEqual([m.conditionId]);
  });

  it('unknown event_type is counted separately and ignored', () => {
    const r = decodeFrame(frame(JSON.stringify({ event_type: 'galaxy_brain', market: m.conditionId })), fixtureContext());
    expect(r.unknownTypes).toEqual(['galaxy_brain']);
    expect(r.errors).toEqual([]);
    expect(r.events).toEqual([]);
  });

  it('a bad element of an array does not drop its good neighbours', () => {
    const r = decodeFrame(frame(`[${pc({ size: '-1' })},${readFixture('docs/ws_book.json')}]`), fixtureContext());
    expect(r.errors).toHaveLength(1);
    expect(r.events.map((e) => e.kind)).toEqual(['reset', 'snapshot']);
  });

  it('never throws on arbitrary text or JSON (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify({ event_type: 'price_change', ...(typeof v === 'object' && v && !Array.isArray(v) ? v : { v }) }))), (data) => {
        const r = decodeFrame(frame(data), fixtureContext(new SnapshotGate()));
        expect(r.events.every((e) => e.kind === 'reset')).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('polyBookEvents operator', () => {
  it('turns recorded frames into events and reports issues', async () => {
    const seen: number[] = [];
    const frames = [frame(readFixture('docs/ws_book.json')), frame('{oops'), frame(readFixture('docs/ws_price_change.json'))];
    const events = await lastValueFrom(from(frames).pipe(polyBookEvents(fixtureContext(), { onResult: (r) => seen.push(r.errors.length) }), toArray()));
    expect(events.map((e) => e.kind)).toEqual(['snapshot', 'delta']);
    expect(seen).toEqual([0, 1, 0]);
  });
});
