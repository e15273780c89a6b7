/**
 * The matcher's real loop (runMatcher: candidates → guards → judge → decision) on the in-memory
 * store: decisions kept, nothing judged twice on the same rules, a human decision survives, and a
 * rules change sends the approved pair back to be judged.
 */
import { describe, expect, it } from 'vitest';
import { runMatcher, type JudgeFn } from '../../src/matching/matcher.js';
import { MemoryMatcherStore } from '../../src/matching/memoryStore.js';
import type { Verdict } from '../../src/matching/verdict.js';
import { kalshiMarketRecord, kalshiTextFlags } from '../../src/venues/kalshi/market.js';
import { polyMarketRecord, polyTextFlags } from '../../src/venues/polymarket/market.js';
import { kalshiInfo, POLY_ID, polyInfo } from './helpers.js';

const VERDICT: Verdict = {
  sameEvent: true, sameRules: true, outcomeMapping: 'YES_YES', confidence: 0.99,
  comparisons: { resolutionSource: { same: true, note: '' }, deadline: { same: true, note: '' }, threshold: { same: true, note: '' }, cancellation: { same: true, note: '' } },
  reasons: ['same BTC strike and time'],
};

// the same reference index as the Kalshi market (the source guard holds a Binance-vs-CF Benchmarks pair for a human)
const CF_RULES = 'This market will resolve to "Yes" if the CF Benchmarks Bitcoin Real-Time Index (BRTI) value at 12:00 ET on March 1, 2026 is higher than $100,000. Otherwise, this market will resolve to "No".';
const poly = (o: Parameters<typeof polyInfo>[0] = {}) => polyInfo({ description: CF_RULES, ...o });

function setup() {
  const store = new MemoryMatcherStore();
  const judged: string[] = [];
  const judge: JudgeFn = async (_p, k) => {
    judged.push(k.marketId);
    return { verdict: VERDICT, provider: 'stub', model: 'stub-1', costMicros: 10, cacheHit: false };
  };
  const good = kalshiInfo();
  const wrongStrike = kalshiInfo({ ticker: 'KXBTCD-26MAR01-T105000', floorStrike: 105000, yesSubTitle: 'Above $105,000', rulesPrimary: kalshiInfo().rulesPrimary.replace('100,000', '105,000') });
  const entries = [
    { record: polyMarketRecord(poly()), textFlags: polyTextFlags(poly()) },
    { record: kalshiMarketRecord(good), textFlags: kalshiTextFlags(good) },
    { record: kalshiMarketRecord(wrongStrike), textFlags: kalshiTextFlags(wrongStrike) },
  ];
  const run = () => runMatcher({ store, judge, autoApproveConfidence: 0.95 });
  return { store, judged, entries, run };
}

const pairOn = (store: MemoryMatcherStore, kalshiId: string) => store.pairs().find((p) => p.legs[0].marketId === POLY_ID && p.legs[1].marketId === kalshiId);

describe('runMatcher on the in-memory store', () => {
  it('approves the true pair, rejects the wrong strike without judging it, and judges nothing again on the same rules', async () => {
    const { store, judged, entries, run } = setup();
    expect(await store.upsertMarkets(entries)).toEqual({ inserted: 3, updated: 0, changed: [] });
    const r = await run();
    expect(r).toMatchObject({ judged: 1, approved: 1, rejected: 1, errors: 0, costMicros: 10 });
    expect(judged).toEqual(['KXBTCD-26MAR01-T100000']);
    expect(pairOn(store, 'KXBTCD-26MAR01-T100000')).toMatchObject({ status: 'approved', decidedBy: 'matcher', humanReviewed: false, yesMapsToNo: false, verdictModel: 'stub-1' });
    expect(pairOn(store, 'KXBTCD-26MAR01-T105000')?.status).toBe('rejected');
    const r2 = await run();
    expect(r2).toMatchObject({ judged: 0, skipped: 2 });
    expect(judged).toHaveLength(1);
  });

  it('a rules change sends the approved pair back to pending, and the next run judges it again', async () => {
    const { store, judged, entries, run } = setup();
    await store.upsertMarkets(entries);
    await run();
    // an unchanged upsert changes nothing
    expect((await store.upsertMarkets(entries)).changed).toEqual([]);
    const revised = poly({ description: CF_RULES + ' Revised: the value published for 12:00:00 ET is used.' });
    const res = await store.upsertMarkets([{ record: polyMarketRecord(revised), textFlags: polyTextFlags(revised) }]);
    expect(res).toEqual({ inserted: 0, updated: 1, changed: [{ venue: 'polymarket', marketId: POLY_ID }] });
    const back = pairOn(store, 'KXBTCD-26MAR01-T100000');
    expect(back).toMatchObject({ status: 'pending', decidedBy: 'discovery' });
    expect(back?.reasons.at(-1)).toMatch(/rules changed/);
    // the rejected pair is not "approved", so it is not touched by the re-check, but its hashes changed: judged again too
    expect(pairOn(store, 'KXBTCD-26MAR01-T105000')?.status).toBe('rejected');
    const r = await run();
    expect(judged).toEqual(['KXBTCD-26MAR01-T100000', 'KXBTCD-26MAR01-T100000']);
    expect(r.approved).toBe(1);
    expect(pairOn(store, 'KXBTCD-26MAR01-T100000')).toMatchObject({ status: 'approved', decidedBy: 'matcher' });
  });

  it('a human rejection survives matcher runs on the same rules; a rules change lets the matcher decide again', async () => {
    const { store, entries, run } = setup();
    await store.upsertMarkets(entries);
    await run();
    const good = pairOn(store, 'KXBTCD-26MAR01-T100000')!;
    expect(store.decide(good.pairId, 'rejected', 'cli:alice')).toMatchObject({ status: 'rejected', humanReviewed: true });
    expect(store.decide('nope', 'approved', 'cli:alice')).toBeUndefined();
    const r = await run();
    expect(r.judged).toBe(0);
    expect(pairOn(store, 'KXBTCD-26MAR01-T100000')).toMatchObject({ status: 'rejected', decidedBy: 'cli:alice' });
    // new rules on the Kalshi side: the human decision was on the old rules, so the matcher decides again
    const moved = kalshiInfo({ rulesSecondary: 'Amended: settlement uses the 1-minute average.' });
    await store.upsertMarkets([{ record: kalshiMarketRecord(moved), textFlags: kalshiTextFlags(moved) }]);
    await run();
    expect(pairOn(store, 'KXBTCD-26MAR01-T100000')).toMatchObject({ status: 'approved', decidedBy: 'matcher', pairId: good.pairId });
  });

  it('loads markets by venue, status and id', async () => {
    const { store, entries } = setup();
    await store.upsertMarkets([...entries, { record: { ...entries[1]!.record, marketId: 'KX-CLOSED', status: 'closed' as const } }]);
    expect((await store.loadMarkets({ venue: 'kalshi' })).map((m) => m.record.marketId)).toHaveLength(3);
    expect((await store.loadMarkets({ venue: 'kalshi', statuses: ['open'] })).map((m) => m.record.marketId)).not.toContain('KX-CLOSED');
    expect((await store.loadMarkets({ ids: [POLY_ID] })).map((m) => m.record.venue)).toEqual(['polymarket']);
  });
});
