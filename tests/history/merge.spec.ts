/** mergeByReceiveTime and chunksOf: the replay's input order is fixed by the data, never by I/O timing. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { chunksOf, mergeByReceiveTime } from '../../src/history/replaySource.js';
import type { RawFrame } from '../../src/venues/common/types.js';

const f = (venue: 'polymarket' | 'kalshi', tsReceived: number, data: string): RawFrame => ({ venue, connId: 'c', tsReceived, data });
const all = async <T>(it: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};
async function* slow<T>(xs: readonly T[], delays: readonly number[]): AsyncGenerator<T> {
  for (let i = 0; i < xs.length; i++) {
    await new Promise((r) => setTimeout(r, delays[i % delays.length]));
    yield xs[i]!;
  }
}

describe('mergeByReceiveTime', () => {
  it('merges by receive time; ties by venue (VENUE_IDS order), then source, then position', async () => {
    const k1 = [f('kalshi', 1, 'k1a'), f('kalshi', 5, 'k1b'), f('kalshi', 5, 'k1c')];
    const p = [f('polymarket', 2, 'p1'), f('polymarket', 5, 'p2')];
    const k2 = [f('kalshi', 0, 'k2a'), f('kalshi', 5, 'k2b')];
    const out = await all(mergeByReceiveTime([k1, slow(p, [3, 0]), k2]));
    expect(out.map((x) => x.data)).toEqual(['k2a', 'k1a', 'p1', 'p2', 'k1b', 'k1c', 'k2b']);
  });

  it('is a stable sort of the concatenation whatever the sources\' timing', async () => {
    const src = fc.array(fc.tuple(fc.constantFrom('polymarket' as const, 'kalshi' as const), fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 12 })), { maxLength: 5 });
    await fc.assert(
      fc.asyncProperty(src, fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 4 }), async (spec, delays) => {
        const sources = spec.map(([venue, gaps], s) => {
          let t = 0;
          return gaps.map((g, i) => f(venue, (t += g), `${s}.${i}`));
        });
        const rank = (v: string) => (v === 'polymarket' ? 0 : 1);
        const want = sources.flatMap((xs, s) => xs.map((x, i) => ({ x, s, i }))).sort((a, b) => a.x.tsReceived - b.x.tsReceived || rank(a.x.venue) - rank(b.x.venue) || a.s - b.s || a.i - b.i).map((e) => e.x.data);
        const got = await all(mergeByReceiveTime(sources.map((xs) => slow(xs, delays))));
        expect(got.map((x) => x.data)).toEqual(want);
      }),
      { numRuns: 30 },
    );
  });

  it('closes every source when the consumer stops early', async () => {
    let closed = 0;
    async function* src(v: 'polymarket' | 'kalshi'): AsyncGenerator<RawFrame> {
      try {
        for (let i = 0; ; i++) yield f(v, i, `${v}${i}`);
      } finally {
        closed++;
      }
    }
    for await (const x of mergeByReceiveTime([src('polymarket'), src('kalshi')])) if (x.tsReceived >= 3) break;
    expect(closed).toBe(2);
  });
});

describe('chunksOf', () => {
  it('groups in order, the last chunk short; rejects a size below 1', async () => {
    expect(await all(chunksOf([1, 2, 3, 4, 5], 2))).toEqual([[1, 2], [3, 4], [5]]);
    expect(await all(chunksOf([], 3))).toEqual([]);
    await expect(all(chunksOf([1], 0))).rejects.toThrow(/chunk size/);
  });
});
