/**
 * The frame guard (issue 11 point 1): bounds checked before any recursive or quadratic work, and
 * the two hostile frames of the issue against both real decoders.
 */
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { boundedJson, MAX_FRAME_CHARS, MAX_JSON_DEPTH, MAX_NUMBER_CHARS, prescanJson } from '../../../src/venues/common/frameGuard.js';
import { decodeFrame as kalshiDecode } from '../../../src/venues/kalshi/normalize.js';
import { buildContext, decodeFrame as polyDecode } from '../../../src/venues/polymarket/normalize.js';
import { FIXTURE_MARKETS, readFixture } from '../polymarket/fixtures.js';

/** Fastest of three runs, ms: a slow frame is slow every time; a preempted process on a shared machine is not. */
const fastest = (fn: () => void): number => {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
};

const poly = (data: string, binary = false) =>
  polyDecode({ venue: 'polymarket', connId: 'c', tsReceived: 1, data, ...(binary ? { binary } : {}) }, buildContext(FIXTURE_MARKETS));

describe('prescanJson', () => {
  it('accepts real frames (depth 4-5, short numbers)', () => {
    expect(prescanJson(readFixture('ws_book.json'))).toEqual({ ok: true });
    expect(prescanJson(`[${readFixture('ws_book.json')},${readFixture('ws_price_change.json')}]`)).toEqual({ ok: true });
    expect(prescanJson('{"a":[1,2,{"b":[-1.5e10]}],"t":1700000000000}')).toEqual({ ok: true });
  });

  it('rejects nesting deeper than MAX_JSON_DEPTH, arrays or objects, without recursion', () => {
    expect(prescanJson('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH)).ok).toBe(true);
    expect(prescanJson('['.repeat(MAX_JSON_DEPTH + 1) + ']'.repeat(MAX_JSON_DEPTH + 1))).toEqual({ ok: false, reason: `nesting deeper than ${MAX_JSON_DEPTH}` });
    expect(prescanJson('{"a":'.repeat(1_000_000)).ok).toBe(false);
  });

  it('rejects number literals longer than MAX_NUMBER_CHARS; digits inside strings do not count', () => {
    expect(prescanJson(`{"size":${'9'.repeat(MAX_NUMBER_CHARS)}}`).ok).toBe(true);
    expect(prescanJson(`{"size":${'9'.repeat(MAX_NUMBER_CHARS + 1)}}`)).toEqual({ ok: false, reason: `number literal longer than ${MAX_NUMBER_CHARS} chars` });
    expect(prescanJson(`{"id":"${'9'.repeat(10_000)}"}`).ok).toBe(true);
    // brackets inside strings, escaped quotes
    expect(prescanJson(`{"t":"${'['.repeat(1000)}\\"${'{'.repeat(1000)}"}`).ok).toBe(true);
  });

  it('rejects frames above MAX_FRAME_CHARS on their length alone', () => {
    const t0 = performance.now();
    expect(prescanJson('9'.repeat(MAX_FRAME_CHARS + 1)).ok).toBe(false);
    expect(performance.now() - t0).toBeLessThan(1_000);
  });
});

describe('boundedJson', () => {
  it('renders like JSON.stringify when small', () => {
    const v = { a: [1, 'x', null, true], b: { c: 2.5 } };
    expect(boundedJson(v)).toBe(JSON.stringify(v));
  });

  it('never exceeds the budget, never recurses past MAX_JSON_DEPTH, survives cycles and BigInt', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const out = boundedJson(deep, 512);
    expect(out.length).toBeLessThanOrEqual(513);
    const cyc: Record<string, unknown> = { a: 1 };
    cyc.self = cyc;
    expect(boundedJson(cyc)).toBe('{"a":1,"self":"[…]"}');
    expect(boundedJson({ n: 10n })).toBe('{"n":"10"}');
    expect(boundedJson({ s: 'y'.repeat(1_000_000) }, 100).length).toBeLessThanOrEqual(101);
    expect(boundedJson(Array(1_000_000).fill(1), 64).length).toBeLessThanOrEqual(65);
  });
});

describe('the issue\'s hostile frames, against both real decoders', () => {
  it('10 KB of 5,000 nested arrays: an error, counted, no throw (it used to end the process on Polymarket)', () => {
    const frame = '['.repeat(5_000) + ']'.repeat(5_000);
    const p = poly(frame);
    expect(p.errors).toHaveLength(1);
    expect(p.errors[0]!.reason).toBe(`nesting deeper than ${MAX_JSON_DEPTH}`);
    expect(p.errors[0]!.raw.length).toBeLessThan(600);
    const k = kalshiDecode({ data: frame });
    expect(k.ok).toBe(false);
    if (!k.ok) expect(k.error.message).toBe(`nesting deeper than ${MAX_JSON_DEPTH}`);
  });

  it('a 9,000,000-digit number in a size field: rejected in well under 100 ms, with a capped raw text', () => {
    const digits = '9'.repeat(9_000_000);
    const book = JSON.parse(readFixture('ws_book.json')) as { bids: { price: string; size: string }[] };
    for (const quoted of [true, false]) {
      const text = JSON.stringify({ ...book, bids: [{ price: '0.5', size: 'SIZE' }] }).replace('"SIZE"', quoted ? `"${digits}"` : digits);
      const ktext = text.replace('"event_type":"book"', '"type":"orderbook_snapshot"');
      const p = poly(text);
      const k = kalshiDecode({ data: ktext });
      expect(fastest(() => poly(text))).toBeLessThan(100);
      expect(fastest(() => kalshiDecode({ data: ktext }))).toBeLessThan(100);
      expect(p.errors).toHaveLength(1);
      expect(p.errors[0]!.raw.length).toBeLessThan(600);
      expect(p.events.every((e) => e.kind === 'reset')).toBe(true);
      expect(k.ok).toBe(false);
    }
  });

  it('a 41-digit size inside a frame of normal length is rejected by the field cap, before the exact parse', () => {
    const book = JSON.parse(readFixture('ws_book.json')) as Record<string, unknown>;
    const p = poly(JSON.stringify({ ...book, bids: [{ price: '0.5', size: '1'.repeat(41) }] }));
    expect(p.errors[0]!.reason).toMatch(/decimal longer than 40 chars/);
    const text = JSON.stringify({ ...book, bids: [{ price: '0.5', size: '1'.repeat(2_000_000) }] });
    const big = poly(text);
    expect(fastest(() => poly(text))).toBeLessThan(100);
    expect(big.errors[0]!.reason).toMatch(/decimal longer than 40 chars/);
    expect(big.errors[0]!.raw.length).toBeLessThan(600);
  });
});
