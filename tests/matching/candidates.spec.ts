import { describe, expect, it } from 'vitest';
import { CandidateIndex, categoryBucket, findCandidates, tokenize } from '../../src/matching/candidates.js';
import { syntheticUniverse } from '../../src/matching/synthetic.js';

describe('candidates', () => {
  const u = syntheticUniverse({ seed: 7, nPoly: 1500, nKalshi: 600, nPairs: 300 });
  const res = findCandidates(u.poly, u.kalshi, { k: 5 });

  it('recall on the planted set: every true pair is in its market top-k', () => {
    const missed = res.filter((r) => u.truth.has(r.polyMarketId) && !r.candidates.some((c) => c.kalshiMarketId === u.truth.get(r.polyMarketId)));
    expect(u.truth.size).toBe(300);
    expect(missed).toEqual([]);
  });
  it('the true pair ranks first for nearly all (near misses differ by strike or day)', () => {
    const top1 = res.filter((r) => u.truth.has(r.polyMarketId) && r.candidates[0]?.kalshiMarketId === u.truth.get(r.polyMarketId)).length;
    expect(top1 / u.truth.size).toBeGreaterThan(0.97);
  });
  it('keeps at most k, best first, with the feature breakdown', () => {
    for (const r of res) {
      expect(r.candidates.length).toBeLessThanOrEqual(5);
      for (let i = 1; i < r.candidates.length; i++) expect(r.candidates[i - 1]!.score).toBeGreaterThanOrEqual(r.candidates[i]!.score);
    }
    const c = res.find((r) => u.truth.has(r.polyMarketId))!.candidates[0]!;
    expect(Object.keys(c.features).sort()).toEqual(['closeDays', 'date', 'entity', 'number', 'text']);
  });
  it('is deterministic', () => {
    expect(findCandidates(u.poly.slice(0, 200), u.kalshi, { k: 5 })).toEqual(res.slice(0, 200));
  });
  it('blocks on category and close window', () => {
    const p = u.poly[0]!;
    const far = u.kalshi.map((k) => ({ ...k, closeTime: (p.closeTime ?? 0) + 60 * 86_400_000 }));
    expect(new CandidateIndex(far, { closeWindowDays: 14 }).search(p)).toEqual([]);
    const otherCat = u.kalshi.map((k) => ({ ...k, category: categoryBucket(p.category) === 'sports' ? 'Crypto' : 'Sports' }));
    expect(new CandidateIndex(otherCat).search(p)).toEqual([]);
  });
  it('tokenize normalises numbers', () => {
    expect(tokenize('Bitcoin above $100,000 or 100k, 4.50%')).toEqual(['bitcoin', '100000', '100000', '4.5']);
  });
});
