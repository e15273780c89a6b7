import { firstValueFrom, of, Subject, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type pg from 'pg';
import type { Pair } from '../../schema/pair.js';
import { approvedPairs$, mergePairSources } from '../../src/matching/pairs.js';

const P = (id: string, o: Partial<Pair> = {}): Pair => ({
  pairId: id,
  legs: [{ venue: 'polymarket', marketId: '0x' + id.padStart(2, '0').slice(0, 2).repeat(32) }, { venue: 'kalshi', marketId: `KX-${id.toUpperCase()}` }],
  yesMapsToNo: false, status: 'approved', confidence: 0.99, humanReviewed: false, resolutionTs: 1_800_000_000_000, reasons: [], source: 'llm', ...o,
});

describe('mergePairSources', () => {
  it('file wins for the same two markets; a file reject removes the matcher pair', async () => {
    const a = P('aa');
    const b = P('bb');
    const fileA = { ...a, pairId: 'file-a', source: 'file' as const, yesMapsToNo: true };
    const fileBRejected = { ...b, pairId: 'file-b', source: 'file' as const, status: 'rejected' as const };
    const out = await firstValueFrom(mergePairSources(of([fileA, fileBRejected]), of([a, b, P('cc')])));
    expect(out.map((p) => p.pairId).sort()).toEqual(['cc', 'file-a']);
    expect(out.find((p) => p.pairId === 'file-a')!.yesMapsToNo).toBe(true);
  });
  it('the same two markets whichever leg is A: a file pair with the legs swapped still wins', async () => {
    const a = P('aa');
    const swapped = { ...a, pairId: 'file-swapped', source: 'file' as const, legs: [a.legs[1], a.legs[0]] as const };
    const out = await firstValueFrom(mergePairSources(of([swapped]), of([a])));
    expect(out.map((p) => p.pairId)).toEqual(['file-swapped']);
  });
  it('emits only on change', async () => {
    const db = new Subject<readonly Pair[]>();
    const seen = firstValueFrom(mergePairSources(of([]), db).pipe(take(2), toArray()));
    db.next([P('aa')]);
    db.next([P('aa')]);
    db.next([P('aa'), P('bb')]);
    expect((await seen).map((l) => l.length)).toEqual([1, 2]);
  });
});

describe('approvedPairs$', () => {
  it('polls, skips failed polls, emits only changes', async () => {
    const answers: (Pair[] | Error)[] = [[P('aa')], [P('aa')], new Error('db down'), [P('aa'), P('bb')]];
    let calls = 0;
    const load = async (): Promise<Pair[]> => {
      const a = answers[Math.min(calls++, answers.length - 1)]!;
      if (a instanceof Error) throw a;
      return a;
    };
    const got = await firstValueFrom(approvedPairs$({} as pg.Pool, { pollMs: 1, load }).pipe(take(2), toArray()));
    expect(got.map((l) => l.map((p) => p.pairId))).toEqual([['aa'], ['aa', 'bb']]);
    expect(calls).toBeGreaterThanOrEqual(4);
  });
});
