import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeFrame, KalshiSequencer, toBookEvents } from '../../../src/venues/kalshi/normalize.js';
import { KalshiCommand, type KalshiWsFrame } from '../../../src/venues/kalshi/wire.js';

const FIX = join(import.meta.dirname, '../../fixtures/kalshi');
const load = (p: string): unknown => JSON.parse(readFileSync(join(FIX, p), 'utf8'));
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);
const TS = 1_700_000_000_000;

const decodeOk = (v: unknown): KalshiWsFrame => {
  const r = decodeFrame({ data: typeof v === 'string' ? v : JSON.stringify(v) });
  if (!r.ok) throw r.error;
  return r.frame;
};

describe('kalshi fixtures decode', () => {
  const wsFiles = readdirSync(join(FIX, 'docs')).filter((f) => /^ws_(?!cmd_)/.test(f));
  it('finds the fixtures', () => expect(wsFiles.length).toBeGreaterThanOrEqual(17));
  it.each(wsFiles)('%s decodes', (file) => {
    for (const frame of asList(load(`docs/${file}`))) {
      const r = decodeFrame({ data: JSON.stringify(frame) });
      if (!r.ok) throw r.error;
      expect(r.frame.type).toBe((frame as { type: string }).type);
    }
  });
  it.each(readdirSync(join(FIX, 'docs')).filter((f) => f.startsWith('ws_cmd_')))('%s is a valid command', (file) => {
    for (const c of asList(load(`docs/${file}`))) expect(KalshiCommand.safeParse(c).success).toBe(true);
  });

  it('prefers fixed-point fields and converts exactly', () => {
    const t = decodeOk(load('docs/ws_ticker.json'));
    if (t.type !== 'ticker') throw new Error(t.type);
    expect(t.msg.yes_bid_dollars).toBe(450_000);
    expect(t.msg.volume_fp).toBe(33_896_000_000);
    const fill = decodeOk(load('docs/ws_fill.json'));
    if (fill.type !== 'fill') throw new Error(fill.type);
    expect(fill.msg.fee_cost).toBe(10_000);
    const tr = decodeOk(load('docs/ws_trade_legacy_2026-02.json'));
    if (tr.type !== 'trade') throw new Error(tr.type);
    expect([tr.msg.yes_price_dollars, tr.msg.yes_price, tr.msg.count_fp, tr.msg.count]).toEqual([360_000, 360_000, 136_000_000, 136_000_000]);
    const fee = asList(load('docs/ws_event_fee_update.json')).map(decodeOk);
    expect(fee.map((f) => f.type === 'event_fee_update' && f.msg.fee_multiplier_override)).toEqual([1, null]);
  });
});

describe('kalshi goldens: raw → BookEvents', () => {
  const goldens = readdirSync(join(FIX, 'golden')).filter((f) => f.endsWith('.events.json'));
  it('has goldens for the book-bearing messages (current and legacy)', () => expect(goldens.length).toBe(4));
  it.each(goldens)('%s', (file) => {
    const g = load(`golden/${file}`) as { source: string; tsReceived: number; events: unknown[] };
    const events = asList(load(g.source)).flatMap((f) => toBookEvents(decodeOk(f), { tsReceived: g.tsReceived }));
    expect(events).toEqual(g.events);
  });

  it('an absent side is an empty ladder; legacy cents-only levels still parse', () => {
    const [snap] = toBookEvents(decodeOk({ type: 'orderbook_snapshot', sid: 1, seq: 5, msg: { market_ticker: 'M', yes_dollars_fp: [['0.1000', '1.50']] } }), { tsReceived: TS });
    expect(snap).toMatchObject({ kind: 'snapshot', impliedAsks: true, ladders: { yesBid: [{ price: 100_000, qty: 1_500_000 }], noBid: [] } });
    const [legacy] = toBookEvents(decodeOk({ type: 'orderbook_snapshot', sid: 1, seq: 5, msg: { market_ticker: 'M', yes: [[8, 300]], no: [[54, 20]] } }), { tsReceived: TS });
    expect(legacy).toMatchObject({ ladders: { yesBid: [{ price: 80_000, qty: 300_000_000 }], noBid: [{ price: 540_000, qty: 20_000_000 }] } });
  });

  it('a NO delta goes to the noBid ladder in NO-leg prices; RFC3339 ts is used without ts_ms', () => {
    const [d] = toBookEvents(decodeOk({ type: 'orderbook_delta', sid: 1, seq: 9, msg: { market_ticker: 'M', price_dollars: '0.5400', delta_fp: '2.25', side: 'no', ts: '2022-11-22T20:44:01Z' } }), { tsReceived: TS });
    expect(d).toEqual({ kind: 'delta', venue: 'kalshi', marketId: 'M', tsVenue: Date.parse('2022-11-22T20:44:01Z'), tsReceived: TS, seq: 9, changes: [{ ladder: 'noBid', price: 540_000, mode: 'add', qty: 2_250_000 }] });
  });
});

describe('kalshi hostile frames', () => {
  const hostile: [string, string][] = [
    ['truncated JSON', '{"type":"orderbook_delta","sid":2,"seq":3,"msg":{"market_ticker":"F'],
    ['empty', ''],
    ['array', '[1,2,3]'],
    ['null', 'null'],
    ['no type', '{"sid":1}'],
    ['wrong types', '{"type":"orderbook_delta","sid":"2","seq":3,"msg":{"market_ticker":"F","price_dollars":0.5,"delta_fp":"1.00","side":"yes"}}'],
    ['price > 1', '{"type":"orderbook_delta","sid":2,"seq":3,"msg":{"market_ticker":"F","price_dollars":"1.5000","delta_fp":"1.00","side":"yes"}}'],
    ['negative price', '{"type":"orderbook_delta","sid":2,"seq":3,"msg":{"market_ticker":"F","price_dollars":"-0.1000","delta_fp":"1.00","side":"yes"}}'],
    ['negative snapshot size', '{"type":"orderbook_snapshot","sid":2,"seq":3,"msg":{"market_ticker":"F","yes_dollars_fp":[["0.1000","-5.00"]]}}'],
    ['huge number', '{"type":"orderbook_delta","sid":2,"seq":3,"msg":{"market_ticker":"F","price_dollars":"0.5000","delta_fp":"99999999999999999999999.00","side":"yes"}}'],
    ['too many decimals', '{"type":"orderbook_delta","sid":2,"seq":3,"msg":{"market_ticker":"F","price_dollars":"0.50000001","delta_fp":"1.00","side":"yes"}}'],
    ['bad side', '{"type":"orderbook_delta","sid":2,"seq":3,"msg":{"market_ticker":"F","price_dollars":"0.5000","delta_fp":"1.00","side":"maybe"}}'],
    ['delta without price', '{"type":"orderbook_delta","sid":2,"seq":3,"msg":{"market_ticker":"F","delta_fp":"1.00","side":"yes"}}'],
    ['NaN-ish count', '{"type":"ticker","sid":2,"msg":{"market_ticker":"F","volume_fp":"NaN"}}'],
    ['seq missing on a delta', '{"type":"orderbook_delta","sid":2,"msg":{"market_ticker":"F","price_dollars":"0.5000","delta_fp":"1.00","side":"yes"}}'],
    ['proto pollution', '{"type":"orderbook_snapshot","sid":2,"seq":3,"__proto__":{"x":1},"msg":{"market_ticker":"F","yes_dollars_fp":[["0.1","x"]]}}'],
  ];
  it.each(hostile)('%s → malformed, no throw', (_name, data) => {
    const r = decodeFrame({ data });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.kind).toBe('malformed');
      expect(r.error.kind).toBe('NonRetryable');
      expect(String(r.error.info.raw).length).toBeLessThanOrEqual(600);
    }
  });
  it('unknown type is classified separately', () => {
    const r = decodeFrame({ data: '{"type":"mystery","sid":1,"msg":{}}' });
    expect(r).toMatchObject({ ok: false, kind: 'unknown-type', type: 'mystery' });
  });
  it('binary frames are rejected', () => expect(decodeFrame({ data: 'AAEC', binary: true }).ok).toBe(false));
  it('a huge frame is logged truncated', () => {
    const r = decodeFrame({ data: '{"type":"ticker","x":"' + 'a'.repeat(100_000) });
    expect(!r.ok && String(r.error.info.raw).length < 600).toBe(true);
  });
  it('property: arbitrary strings never throw', () => {
    fc.assert(fc.property(fc.string(), (s) => {
      decodeFrame({ data: s });
    }));
    fc.assert(fc.property(fc.json(), (s) => {
      decodeFrame({ data: s });
    }));
  });
});

describe('KalshiSequencer (PROTOCOLS §3.6)', () => {
  const snap = (sid: number, seq: number, t = 'A') => decodeOk({ type: 'orderbook_snapshot', sid, seq, msg: { market_ticker: t, yes_dollars_fp: [['0.4000', '10.00']] } });
  const delta = (sid: number, seq: number, t = 'A') => decodeOk({ type: 'orderbook_delta', sid, seq, msg: { market_ticker: t, price_dollars: '0.4000', delta_fp: '1.00', side: 'yes', ts_ms: TS } });

  it('continuous seq: snapshot then deltas pass through', () => {
    const s = new KalshiSequencer();
    const kinds = [snap(1, 7), delta(1, 8), delta(1, 9)].flatMap((f) => s.push(f, TS).events.map((e) => e.kind));
    expect(kinds).toEqual(['snapshot', 'delta', 'delta']);
  });

  it('a gap resets every live book of the sid and asks for their snapshots', () => {
    const s = new KalshiSequencer();
    s.push(snap(1, 1, 'A'), TS);
    s.push(snap(1, 2, 'B'), TS);
    const out = s.push(delta(1, 4, 'A'), TS);
    expect(out.gap).toEqual({ sid: 1, expected: 3, got: 4 });
    expect(out.events.map((e) => [e.kind, e.marketId])).toEqual([['reset', 'A'], ['reset', 'B']]);
    expect(out.resync).toEqual({ sid: 1, markets: ['A', 'B'] });
    // stale books ignore deltas until their snapshot
    expect(s.push(delta(1, 5, 'A'), TS).events).toEqual([]);
    expect(s.push(snap(1, 6, 'A'), TS).events.map((e) => e.kind)).toEqual(['snapshot']);
    expect(s.push(delta(1, 7, 'A'), TS).events.map((e) => e.kind)).toEqual(['delta']);
    expect(s.push(delta(1, 8, 'B'), TS).events).toEqual([]);
    expect(s.liveMarkets()).toEqual(['A']);
  });

  it('old seq is dropped, not applied', () => {
    const s = new KalshiSequencer();
    s.push(snap(1, 1), TS);
    s.push(delta(1, 2), TS);
    expect(s.push(delta(1, 2), TS)).toEqual({ events: [], dropped: true });
  });

  it('a delta before any snapshot resets and resyncs that market', () => {
    const s = new KalshiSequencer();
    const out = s.push(delta(3, 1, 'Z'), TS);
    expect(out.deltaBeforeSnapshot).toBe('Z');
    expect(out.events).toEqual([expect.objectContaining({ kind: 'reset', marketId: 'Z' })]);
    expect(out.resync).toEqual({ sid: 3, markets: ['Z'] });
  });

  it('seq is per sid; ok/unsubscribed responses count in it', () => {
    const s = new KalshiSequencer();
    s.push(snap(1, 1, 'A'), TS);
    s.push(snap(2, 10, 'B'), TS);
    expect(s.push(decodeOk({ id: 5, sid: 1, seq: 2, type: 'ok', msg: { market_tickers: ['A'] } }), TS).gap).toBeUndefined();
    expect(s.push(delta(1, 3, 'A'), TS).gap).toBeUndefined();
    expect(s.push(delta(2, 11, 'B'), TS).gap).toBeUndefined();
    expect(s.push(delta(2, 13, 'B'), TS).gap).toEqual({ sid: 2, expected: 12, got: 13 });
  });

  it('connection loss resets every live book once', () => {
    const s = new KalshiSequencer();
    s.push(snap(1, 1, 'A'), TS);
    s.push(snap(2, 1, 'B'), TS);
    expect(s.connectionLost('reconnect', TS).map((e) => e.marketId).sort()).toEqual(['A', 'B']);
    expect(s.connectionLost('reconnect', TS)).toEqual([]);
    // new sids after reconnect start fresh, whatever their seq
    expect(s.push(snap(1, 40, 'A'), TS).gap).toBeUndefined();
  });

  it('terminal error 25 on a sid resets its books and forgets it', () => {
    const s = new KalshiSequencer();
    s.push(snap(4, 1, 'A'), TS);
    const out = s.push(decodeOk({ type: 'error', sid: 4, msg: { code: 25, msg: 'buffer overflow' } }), TS);
    expect(out.events).toEqual([expect.objectContaining({ kind: 'reset', marketId: 'A' })]);
    expect(s.marketsOf(4)).toEqual([]);
  });
});
