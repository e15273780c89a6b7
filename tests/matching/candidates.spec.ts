import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { MarketRecord } from '../../schema/market.js';
import { CandidateIndex, categoryBucket, findCandidates, subjectTokens, tokenize } from '../../src/matching/candidates.js';
import { syntheticUniverse } from '../../src/matching/synthetic.js';
import { kalshiRecordFromWire } from '../../src/venues/kalshi/market.js';
import { polyRecordFromGamma } from '../../src/venues/polymarket/market.js';

const LABELS = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/matching/labels');
interface LabelLine { id: string; class: string; label: string; a: { market: unknown }; b: { market: unknown; event?: unknown } }
const labelLines = (f: string): LabelLine[] => readFileSync(join(LABELS, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as LabelLine);

const DAY = 86_400_000;

const rec = (o: Partial<MarketRecord> & Pick<MarketRecord, 'venue' | 'marketId' | 'title'>): MarketRecord =>
  ({ rulesText: '', rulesSecondary: '', outcomes: ['Yes', 'No'], status: 'open', feeInfo: {}, thresholds: [], entities: [], ...o });

describe('candidates', () => {
  const u = syntheticUniverse({ seed: 7, nPoly: 1500, nKalshi: 600, nPairs: 300 });
  const res = findCandidates(u.poly, u.kalshi, { k: 5 });

  it('recall on the planted set: every true pair is in its market top-k', () => {
    const missed = res.filter((r) => u.truth.has(r.legAMarketId) && !r.candidates.some((c) => c.legBMarketId === u.truth.get(r.legAMarketId)));
    expect(u.truth.size).toBe(300);
    expect(missed).toEqual([]);
  });
  it('the true pair ranks first for nearly all (near misses differ by strike or day)', () => {
    const top1 = res.filter((r) => u.truth.has(r.legAMarketId) && r.candidates[0]?.legBMarketId === u.truth.get(r.legAMarketId)).length;
    expect(top1 / u.truth.size).toBeGreaterThan(0.97);
  });
  it('keeps at most k by rank plus the subject-and-date agreeing ones (at most maxAgreeing), best first, with the feature breakdown', () => {
    for (const r of res) {
      expect(r.candidates.filter((c) => !c.subjectDate).length).toBeLessThanOrEqual(5);
      expect(r.candidates.length).toBeLessThanOrEqual(5 + 10);
      for (let i = 1; i < r.candidates.length; i++) expect(r.candidates[i - 1]!.score).toBeGreaterThanOrEqual(r.candidates[i]!.score);
    }
    const c = res.find((r) => u.truth.has(r.legAMarketId))!.candidates[0]!;
    expect(Object.keys(c.features).sort()).toEqual(['date', 'entity', 'eventDays', 'number', 'text']);
    expect(c.kalshiMarketId).toBe(c.legBMarketId);
  });
  it('is deterministic', () => {
    expect(findCandidates(u.poly.slice(0, 200), u.kalshi, { k: 5 })).toEqual(res.slice(0, 200));
  });
  it('blocks on the event-date window and on category (when the subjects do not agree)', () => {
    const p = u.poly[0]!;
    const far = u.kalshi.map((k) => ({ ...k, eventTime: (p.expectedResolutionTime ?? 0) + 60 * DAY }));
    expect(new CandidateIndex(far, { eventWindowDays: 14 }).search(p)).toEqual([]);
    const otherCat = u.kalshi.map((k) => ({ ...k, category: categoryBucket(p.category) === 'sports' ? 'Crypto' : 'Sports' }));
    const differentSubjects = { subjectKey: (r: MarketRecord) => r.venue, subjectTokens: () => [] };
    expect(new CandidateIndex(u.kalshi, differentSubjects).search(p)).not.toEqual([]);
    expect(new CandidateIndex(otherCat, differentSubjects).search(p)).toEqual([]);
  });
  it('never blocks on a Kalshi close_time backstop years after the event', () => {
    const truth = [...u.truth].slice(0, 50);
    const byId = new Map(u.kalshi.map((k) => [k.marketId, k]));
    // Kalshi closes trading two years after the event; the event date (expectedResolutionTime) is unchanged
    const late = u.kalshi.map((k) => ({ ...k, closeTime: (k.closeTime ?? 0) + 730 * DAY, backstopTime: (k.closeTime ?? 0) + 730 * DAY }));
    const idx = new CandidateIndex(late, { k: 5 });
    for (const [pid, kid] of truth) {
      const p = u.poly.find((x) => x.marketId === pid)!;
      expect(byId.has(kid)).toBe(true);
      expect(idx.search(p).some((c) => c.legBMarketId === kid)).toBe(true);
    }
  });
  it('an event after the other market backstop is blocked; an unknown event date is kept', () => {
    const a = rec({ venue: 'polymarket', marketId: 'P', title: 'Will Jerome Powell be removed as Fed chair?', eventTime: Date.UTC(2026, 11, 31) });
    const early = rec({ venue: 'kalshi', marketId: 'K1', title: 'Trump removes Jerome Powell as Fed chair?', backstopTime: Date.UTC(2026, 5, 1) });
    const unknown = rec({ venue: 'kalshi', marketId: 'K2', title: 'Trump removes Jerome Powell as Fed chair?', backstopTime: Date.UTC(2028, 5, 1) });
    expect(new CandidateIndex([early, unknown]).search(a).map((c) => c.legBMarketId)).toEqual(['K2']);
  });
  it('keeps a true pair the venues file under different categories when subject and event date agree', () => {
    const a = rec({ venue: 'polymarket', marketId: 'P', title: 'Will Trump fire Jerome Powell before 2027?', category: 'Politics', eventTime: Date.UTC(2026, 11, 31) });
    const same = rec({ venue: 'kalshi', marketId: 'K1', title: 'Will Trump fire Jerome Powell? — Before Jan 1, 2027', category: 'Economics', eventTime: Date.UTC(2027, 0, 1, 15), closeTime: Date.UTC(2028, 0, 1) });
    const farDate = rec({ venue: 'kalshi', marketId: 'K2', title: 'Will Trump fire Jerome Powell? — Before Jan 1, 2027', category: 'Economics', eventTime: Date.UTC(2026, 11, 31) + 30 * DAY });
    const noDate = rec({ venue: 'kalshi', marketId: 'K3', title: 'Will Trump fire Jerome Powell? — Before Jan 1, 2027', category: 'Economics' });
    const otherSubject = rec({ venue: 'kalshi', marketId: 'K4', title: 'Will Trump fire the Fed governor Lisa Cook?', category: 'Economics', eventTime: Date.UTC(2026, 11, 31) });
    expect(new CandidateIndex([same, farDate, noDate, otherSubject], { eventWindowDays: 14 }).search(a).map((c) => c.legBMarketId)).toEqual(['K1']);
    // equal subject keys admit a pair whose titles share too little; different keys do not drop a strong title overlap
    const key = (r: MarketRecord): string | undefined => (r.marketId === 'K4' || r.marketId === 'P' ? 'powell' : 'someone-else');
    expect(new CandidateIndex([same, otherSubject], { subjectKey: key }).search(a).map((c) => c.legBMarketId).sort()).toEqual(['K1', 'K4']);
  });
  it('proposes a pair whose subjects agree only under the alias rules or hyphenated words, with no title word in common', () => {
    const E = Date.UTC(2026, 10, 3);
    const rfk = rec({ venue: 'polymarket', marketId: 'P1', title: 'Will RFK win the 2028 Democratic nomination?', category: 'Politics', eventTime: E });
    const kennedy = rec({ venue: 'kalshi', marketId: 'K1', title: 'Who will be the nominee? — Robert F. Kennedy', subjectText: 'Robert F. Kennedy', category: 'Sports', eventTime: E + DAY });
    const truce = rec({ venue: 'polymarket', marketId: 'P2', title: 'Will Russia and Ukraine agree a truce?', category: 'Politics', eventTime: E });
    const ceasefire = rec({ venue: 'kalshi', marketId: 'K2', title: 'Russia-Ukraine ceasefire in 2026?', category: 'Sports', eventTime: E });
    const idx = new CandidateIndex([kennedy, ceasefire], { k: 1 });
    expect(idx.search(rfk)).toEqual([expect.objectContaining({ legBMarketId: 'K1', subjectDate: true, features: expect.objectContaining({ text: 0 }) })]);
    expect(idx.search(truce).map((c) => c.legBMarketId)).toEqual(['K2']);
    // diacritics are folded for the text match too
    expect(tokenize('Rubén Gallego')).toEqual(tokenize('Ruben Gallego'));
  });
  it('subjectTokens keeps names, drops numbers, months and generic words', () => {
    expect(subjectTokens('Will Trump fire Jerome Powell before January 2027?')).toEqual(['trump', 'fire', 'jerome', 'powell']);
  });
  it('tokenize normalises numbers', () => {
    expect(tokenize('Bitcoin above $100,000 or 100k, 4.50%')).toEqual(['bitcoin', '100000', '100000', '4.5']);
  });
});

describe('candidates on the labelled pairs (dates.jsonl, blocking.jsonl), among the synthetic universe', () => {
  const lines = [...labelLines('dates.jsonl'), ...labelLines('blocking.jsonl')];
  const pairs = lines.map((l) => ({ l, a: polyRecordFromGamma(l.a.market), b: kalshiRecordFromWire(l.b.market, l.b.event) }));
  const u = syntheticUniverse({ seed: 11, nPoly: 200, nKalshi: 600, nPairs: 50 });
  const legB = [...new Map([...u.kalshi, ...pairs.map((p) => p.b)].map((r) => [r.marketId, r])).values()];
  const index = new CandidateIndex(legB, { k: 5 });

  it('proposes every true pair, including those filed under different categories', () => {
    const blockingTrue = pairs.filter((p) => p.l.class === 'blocking' && p.l.label === 'equivalent');
    // the point of the class: the category buckets really differ for most of them
    expect(blockingTrue.filter((p) => categoryBucket(p.a.category) && categoryBucket(p.b.category) && categoryBucket(p.a.category) !== categoryBucket(p.b.category)).length).toBeGreaterThanOrEqual(10);
    const missed = pairs.filter((p) => p.l.label === 'equivalent' && !index.search(p.a).some((c) => c.legBMarketId === p.b.marketId)).map((p) => p.l.id);
    expect(missed).toEqual([]);
  });
  it('category blocking alone (no subject agreement) would have dropped the cross-category pairs', () => {
    // an overlap share above 1 can never be met, no two subjects agree: category blocking as it was
    const noSubject = new CandidateIndex(legB, { k: 5, crossCategoryOverlap: 2, subjectKey: (r) => `${r.venue}:${r.marketId}`, subjectTokens: () => [], maxAgreeing: 0 });
    const kept = pairs.filter((p) => p.l.class === 'blocking' && categoryBucket(p.a.category) !== categoryBucket(p.b.category) && categoryBucket(p.b.category))
      .filter((p) => noSubject.search(p.a).some((c) => c.legBMarketId === p.b.marketId));
    expect(kept.map((p) => p.l.id)).toEqual([]);
  });
});


describe('candidates compare event spans (issue 14, round 2)', () => {
  const ms = (x: string): number => Date.parse(x);
  const nominee = (y: number, exp: string, id = `KXPRESNOMD-${y % 100}-GN`) =>
    rec({ venue: 'kalshi', marketId: id, title: `Who will be the Democratic presidential nominee in ${y}? — Gavin Newsom`, subjectText: 'Gavin Newsom', category: 'Elections', eventTime: ms(exp), eventTimeSource: 'expected_expiration_time', backstopTime: ms(`${y + 1}-01-01T15:00:00Z`) });
  const pm = rec({ venue: 'polymarket', marketId: 'P-NOM', title: 'Will Gavin Newsom win the 2028 Democratic presidential nomination?', subjectText: 'Gavin Newsom', category: 'Politics', eventTime: ms('2028-11-07T00:00:00Z'), eventTimeSource: 'endDate' });
  const u = syntheticUniverse({ seed: 5, nPoly: 10, nKalshi: 300, nPairs: 5 });

  it("a year named as the event's, with a loose end date, reaches the other venue's precise date inside it; the next cycle stays out", () => {
    const index = new CandidateIndex([...u.kalshi, nominee(2028, '2028-08-31T14:00:00Z'), nominee(2032, '2032-08-19T14:00:00Z')], { k: 5 });
    const got = index.search(pm);
    expect(got.map((c) => c.legBMarketId)).toContain('KXPRESNOMD-28-GN');
    expect(got.map((c) => c.legBMarketId)).not.toContain('KXPRESNOMD-32-GN');
    expect(got.find((c) => c.legBMarketId === 'KXPRESNOMD-28-GN')!.features.eventDays).toBe(0);
  });
  it('the end date as an instant (before spans) left the convention 68 days away: out of the window', () => {
    const asInstant = { ...pm, title: 'Will Gavin Newsom win the Democratic presidential nomination?' };
    expect(new CandidateIndex([nominee(2028, '2028-08-31T14:00:00Z')], { k: 5 }).search(asInstant).map((c) => c.legBMarketId)).toEqual([]);
  });
  it('a month named as the event\'s: the meeting inside it is proposed, the next meeting is not', () => {
    const fed = (mon: string, exp: string) => rec({ venue: 'kalshi', marketId: `KXFEDDECISION-27${mon}-C25`, title: `Fed decision in ${mon} 2027? — Cut 25bps`, category: 'Economics', eventTime: ms(exp), eventTimeSource: 'expected_expiration_time' });
    const q = rec({ venue: 'polymarket', marketId: 'P-FED', title: 'Fed decreases interest rates by 25 bps after March 2027 meeting?', category: 'Economics', eventTime: ms('2027-03-31T00:00:00Z'), eventTimeSource: 'endDate' });
    const ids = new CandidateIndex([fed('MAR', '2027-03-17T18:05:00Z'), fed('JUN', '2027-06-16T18:05:00Z')], { k: 5 }).search(q).map((c) => c.legBMarketId);
    expect(ids).toEqual(['KXFEDDECISION-27MAR-C25']);
  });
});

describe('blocking never removes a pair whose subject and event date agree (property)', () => {
  // a small seeded PRNG (mulberry32): the generated cases are the same on every run
  const prng = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rnd = prng(14);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  // the same person as each venue writes it: full name, surname, diacritics, initials
  const NAMES: readonly (readonly [string, string])[] = [
    ['J.D. Vance', 'Vance'], ['Rubén Gallego', 'Ruben Gallego'], ['Gavin Newsom', 'Newsom'], ['Alexandria Ocasio-Cortez', 'Ocasio-Cortez'],
    ['Zohran Mamdani', 'Mamdani'], ['Kevin Hassett', 'Kevin Hassett'], ['Lisa Cook', 'Cook'], ['Andrew Cuomo', 'Andrew Cuomo'],
    ['Josh Shapiro', 'Shapiro'], ['Gretchen Whitmer', 'Whitmer'], ['Pete Buttigieg', 'Buttigieg'], ['Marco Rubio', 'Rubio'],
    ['Kamala Harris', 'Harris'], ['Jannik Sinner', 'Sinner'], ['Carlos Alcaraz', 'Alcaraz'], ['Kevin Warsh', 'Warsh'],
  ];
  const OTHERS = ['Tim Walz', 'Wes Moore', 'Andy Beshear', 'Ron DeSantis', 'Nikki Haley', 'Glenn Youngkin', 'Chris Murphy', 'Ro Khanna'];
  const POLY = [
    (n: string) => `Will ${n} win the 2028 presidential nomination?`,
    (n: string) => `Will ${n} be confirmed before the deadline?`,
    (n: string) => `Will ${n} announce a run this cycle?`,
    (n: string) => `Will ${n} leave the post early?`,
  ];
  const KALSHI_EVENT = ['Who will be the nominee?', 'Next person confirmed to the role?', 'Which candidates will enter the race?', 'Departures this term'];
  const CATEGORIES = ['Politics', 'Sports', 'Economics', 'Culture', 'Science and Technology', 'Crypto', 'Companies', 'Climate and Weather'];
  const BASE = Date.UTC(2026, 0, 1);

  const cases = Array.from({ length: 120 }, (_, i) => {
    const [pn, kn] = pick(NAMES);
    const swap = rnd() < 0.5; // either venue may write the longer form
    const [aName, bName] = swap ? [kn, pn] : [pn, kn];
    const event = BASE + Math.floor(rnd() * 700) * DAY + Math.floor(rnd() * 24) * 3_600_000;
    const catA = pick(CATEGORIES);
    const catB = pick(CATEGORIES.filter((c) => categoryBucket(c) !== categoryBucket(catA)));
    const kEvent = pick(KALSHI_EVENT);
    const a = rec({ venue: 'polymarket', marketId: `P${i}`, title: pick(POLY)(aName), category: catA, eventTime: event, closeTime: event });
    // Kalshi: another wording, the event date up to two days later (expected expiration), a backstop a year or two out
    const b = rec({
      venue: 'kalshi', marketId: `K${i}`, title: `${kEvent} — ${bName}`, subjectText: bName, category: catB,
      eventTime: event + Math.floor(rnd() * 48) * 3_600_000, closeTime: event + 500 * DAY, backstopTime: event + 700 * DAY,
    });
    // lookalikes that out-rank it on text: the poly title's very words, other people, the same date and the poly category
    const lookalikes = OTHERS.map((o, j) =>
      rec({ venue: 'kalshi', marketId: `K${i}-x${j}`, title: pick(POLY)(o), subjectText: o, category: catA, eventTime: event, backstopTime: event + 700 * DAY }));
    return { a, b, lookalikes };
  });
  const u = syntheticUniverse({ seed: 3, nPoly: 10, nKalshi: 800, nPairs: 5 });
  const index = new CandidateIndex([...u.kalshi, ...cases.flatMap((c) => [c.b, ...c.lookalikes])], { k: 3 });

  it('generated pairs with the same subject and event date, other categories and titles, are always proposed', () => {
    expect(cases.every((c) => categoryBucket(c.a.category) !== categoryBucket(c.b.category))).toBe(true);
    const missed = cases.filter((c) => !index.search(c.a).some((x) => x.legBMarketId === c.b.marketId)).map((c) => `${c.a.title} ⇄ ${c.b.title}`);
    expect(missed).toEqual([]);
  });
  it('and it is the subject-and-date path that proposes them: the text rank alone would have lost most', () => {
    const textOnly = new CandidateIndex([...u.kalshi, ...cases.flatMap((c) => [c.b, ...c.lookalikes])], { k: 3, maxAgreeing: 0 });
    const lost = cases.filter((c) => !textOnly.search(c.a).some((x) => x.legBMarketId === c.b.marketId)).length;
    expect(lost).toBeGreaterThan(cases.length / 2);
    // the flag says why each was proposed; the lookalikes (other people) are not forced in
    for (const c of cases.slice(0, 20)) {
      const found = index.search(c.a);
      expect(found.find((x) => x.legBMarketId === c.b.marketId)?.subjectDate).toBe(true);
      expect(found.filter((x) => x.subjectDate && x.legBMarketId.startsWith(`K${c.a.marketId.slice(1)}-x`))).toEqual([]);
    }
  });
  it('an agreeing subject on a far event date is not forced in (the window still blocks it)', () => {
    const c = cases[0]!;
    const far = { ...c.b, marketId: 'FAR', eventTime: (c.b.eventTime ?? 0) + 30 * DAY };
    expect(new CandidateIndex([far, ...c.lookalikes], { k: 3 }).search(c.a).map((x) => x.legBMarketId)).not.toContain('FAR');
  });
});

describe('candidates on game pairs whose Polymarket end date is a postponement window (round5_games.jsonl)', () => {
  const lines = labelLines('round5_games.jsonl');
  const pairs = lines.map((l) => ({ l, a: polyRecordFromGamma(l.a.market), b: kalshiRecordFromWire(l.b.market, l.b.event) }));
  const u = syntheticUniverse({ seed: 17, nPoly: 100, nKalshi: 400, nPairs: 20 });
  const legB = [...new Map([...u.kalshi, ...pairs.map((p) => p.b)].map((r) => [r.marketId, r])).values()];
  const index = new CandidateIndex(legB, { k: 5 });

  it('every game is dated by its start or day, not its end date a week later', () => {
    for (const { a } of pairs) {
      expect(['gameStartTime', 'description', 'description.day', 'slug']).toContain(a.eventTimeSource);
      expect(a.closeTime! - a.eventTime!).toBeGreaterThan(5 * DAY);
    }
  });
  it('proposes every true and inverted game pair', () => {
    const missed = pairs.filter((p) => p.l.label !== 'different' && !index.search(p.a).some((c) => c.legBMarketId === p.b.marketId)).map((p) => p.l.id);
    expect(pairs.filter((p) => p.l.label !== 'different').length).toBeGreaterThanOrEqual(6);
    expect(missed).toEqual([]);
  });
});
