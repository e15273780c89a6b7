/**
 * Discovery → venue_markets → matcher → market_pairs → approved pairs, on the machine's PostgreSQL
 * (fails when it is missing; see tests/helpers/db.ts). The judge is a stub with a scripted verdict.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Verdict } from '../../src/matching/verdict.js';
import { discoverMarkets, loadMarkets, upsertMarkets } from '../../src/matching/discovery.js';
import { applyKalshiLifecycle, kalshiDiscovery, kalshiMarketRecord } from '../../src/venues/kalshi/market.js';
import { applyPolymarketWsMarket, polymarketDiscovery, polyMarketRecord } from '../../src/venues/polymarket/market.js';
import { runMatcher, type JudgeFn } from '../../src/matching/matcher.js';
import { approvePair, rejectPair } from '../../src/control/pairs.js';
import { loadApprovedPairs } from '../../src/matching/pairs.js';
import { listPairs, type PairRecord } from '../../src/store/repos/pairs.js';
import { pgTestPool, type PgTestDb } from '../helpers/db.js';
import { CLOSE, kalshiInfo, POLY_ID, polyInfo } from './helpers.js';
import { readFileSync } from 'node:fs';

const VERDICT: Verdict = {
  sameEvent: true, sameRules: true, outcomeMapping: 'YES_YES', confidence: 0.99,
  comparisons: { resolutionSource: { same: true, note: '' }, deadline: { same: true, note: '' }, threshold: { same: true, note: '' }, cancellation: { same: true, note: '' } },
  reasons: ['same BTC strike and time'],
};
const onMarkets = (p: PairRecord, kalshiId: string): boolean =>
  p.legs[0].venue === 'polymarket' && p.legs[0].marketId === POLY_ID && p.legs[1].venue === 'kalshi' && p.legs[1].marketId === kalshiId;
let calls = 0;
const judge: JudgeFn = async () => {
  calls++;
  return { verdict: VERDICT, provider: 'stub', model: 'stub-1', costMicros: 10, cacheHit: false };
};

// the same reference index as the Kalshi market (the source guard holds a Binance-vs-CF Benchmarks pair for a human)
const CF_RULES = 'This market will resolve to "Yes" if the CF Benchmarks Bitcoin Real-Time Index (BRTI) value at 12:00 ET on March 1, 2026 is higher than $100,000. Otherwise, this market will resolve to "No".';

let db: PgTestDb;
beforeAll(async () => {
  db = await pgTestPool({ migrate: true });
});
afterAll(async () => {
  await db?.drop();
});

describe('discovery + matcher on PostgreSQL', () => {
  it('discovers markets through the venue clients and upserts them idempotently', async () => {
    const poly = { listMarkets: async () => [polyInfo({ description: CF_RULES }), polyInfo({ conditionId: '0x' + 'cd'.repeat(32), question: 'Will Ethereum be above $5,000 on March 1, 2026?', description: 'ETH.' })] };
    const kalshi = {
      listMarkets: async () => [kalshiInfo(), kalshiInfo({ ticker: 'KXBTCD-26MAR01-T105000', floorStrike: 105000, yesSubTitle: 'Above $105,000' })],
      getEvent: async () => ({ event: { eventTicker: 'KXBTCD-26MAR01', seriesTicker: 'KXBTCD', title: 'Bitcoin price on Mar 1, 2026', subTitle: '', mutuallyExclusive: false, raw: {} }, marketTickers: [] }),
    };
    const sources = { polymarket: polymarketDiscovery(poly), kalshi: kalshiDiscovery(kalshi) };
    const r1 = await discoverMarkets({ pool: db.pool, sources });
    expect(r1).toMatchObject({ counts: { polymarket: 2, kalshi: 2 }, inserted: 4, updated: 0, changed: [] });
    const r2 = await discoverMarkets({ pool: db.pool, sources });
    expect(r2).toMatchObject({ inserted: 0, updated: 4, changed: [] });
    const stored = await loadMarkets(db.pool, { venue: 'kalshi' });
    expect(stored.map((s) => s.record.title)).toContain('Bitcoin price on Mar 1, 2026 — Above $100,000');
  });

  it('matches: the true pair is approved, the wrong strike rejected without asking the judge', async () => {
    const r = await runMatcher({ pool: db.pool, judge, autoApproveConfidence: 0.95 });
    expect(r.approved).toBe(1);
    expect(r.errors).toBe(0);
    const pairs = await listPairs(db.pool);
    const good = pairs.find((p) => onMarkets(p, 'KXBTCD-26MAR01-T100000'))!;
    expect(good).toMatchObject({ status: 'approved', source: 'llm', decidedBy: 'matcher', humanReviewed: false, yesMapsToNo: false, verdictModel: 'stub-1' });
    const bad = pairs.find((p) => onMarkets(p, 'KXBTCD-26MAR01-T105000'));
    expect(bad?.status).toBe('rejected');
    const approved = await loadApprovedPairs(db.pool);
    expect(approved).toEqual([expect.objectContaining({ pairId: good.pairId, resolutionTs: CLOSE + 3_600_000, confidence: 0.99 })]);
    // a second run judges nothing: same rules, same decisions
    const before = calls;
    const r2 = await runMatcher({ pool: db.pool, judge, autoApproveConfidence: 0.95 });
    expect(calls).toBe(before);
    expect(r2.judged).toBe(0);
  });

  it('a human rejection survives matcher runs; approval by a human keeps the confidence and marks the pair human-reviewed', async () => {
    const [good] = (await listPairs(db.pool, { status: 'approved' }));
    const alice = { door: 'cli', who: 'alice' } as const;
    await rejectPair(db.pool, good!.pairId, { actor: alice, reason: 'source differs' });
    await runMatcher({ pool: db.pool, judge, autoApproveConfidence: 0.95 });
    expect((await listPairs(db.pool, { status: 'approved' }))).toEqual([]);
    const back = await approvePair(db.pool, good!.pairId, { actor: alice });
    expect(back.previous).toBe('rejected');
    expect(back.pair).toMatchObject({ status: 'approved', confidence: 0.99, humanReviewed: true, decidedBy: 'cli:alice' });
    expect(back.pair.reasons.at(-1)).toMatch(/approved by cli:alice/);
    expect((await loadApprovedPairs(db.pool))[0]).toMatchObject({ pairId: good!.pairId, confidence: 0.99, humanReviewed: true });
    await expect(approvePair(db.pool, 'nope', { actor: alice })).rejects.toThrow(/no pair/);
  });

  it('a rules change sends the approved pair back to pending and the matcher re-checks it', async () => {
    const changed = await upsertMarkets(db.pool, [{ record: polyMarketRecord(polyInfo({ description: CF_RULES + ' Revised: the value published for 12:00:00 ET is used.' })) }]);
    expect(changed.changed).toEqual([{ venue: 'polymarket', marketId: POLY_ID }]);
    expect((await listPairs(db.pool, { status: 'pending' })).map((p) => p.legs[1].marketId)).toContain('KXBTCD-26MAR01-T100000');
    expect(await loadApprovedPairs(db.pool)).toEqual([]);
    const before = calls;
    await runMatcher({ pool: db.pool, judge, autoApproveConfidence: 0.95 });
    expect(calls).toBe(before + 1);
    expect((await loadApprovedPairs(db.pool)).length).toBe(1);
  });

  it('applies Kalshi lifecycle and Polymarket resolution messages', async () => {
    const frames = JSON.parse(readFileSync(new URL('../fixtures/kalshi/docs/ws_market_lifecycle_v2.json', import.meta.url), 'utf8')) as never[];
    const created = await applyKalshiLifecycle(db.pool, frames[0]!);
    expect(created.applied).toBe(true);
    const [m] = await loadMarkets(db.pool, { venue: 'kalshi', ids: ['INXD-23SEP14-B4487'] });
    expect(m!.record.thresholds).toEqual([{ value: 4487, comparator: '>' }]);
    // unknown market: ignored, not thrown
    expect((await applyKalshiLifecycle(db.pool, frames[2]!)).applied).toBe(false);
    // close date moved on an approved pair's Kalshi market → rules hash changes → pending
    const moved = await applyKalshiLifecycle(db.pool, { type: 'market_lifecycle_v2', sid: 1, msg: { market_ticker: 'KXBTCD-26MAR01-T100000', event_type: 'close_date_updated', close_ts: CLOSE / 1000 + 86_400 } } as never);
    expect(moved).toEqual({ applied: true, changed: true });
    expect(await loadApprovedPairs(db.pool)).toEqual([]);
    const resolved = await applyPolymarketWsMarket(db.pool, { event_type: 'market_resolved', id: '1', market: POLY_ID, assets_ids: ['111', '222'], winning_asset_id: '111', winning_outcome: 'Yes', timestamp: 1 } as never);
    expect(resolved.applied).toBe(true);
    expect((await loadMarkets(db.pool, { venue: 'polymarket', ids: [POLY_ID] }))[0]!.record.status).toBe('resolved');
    const nm = JSON.parse(readFileSync(new URL('../fixtures/polymarket/ws_new_market.json', import.meta.url), 'utf8')) as never;
    expect((await applyPolymarketWsMarket(db.pool, nm)).applied).toBe(true);
    const [n] = await loadMarkets(db.pool, { venue: 'polymarket', ids: ['0x311d0c4b6671ab54af4970c06fcf58662516f5168997bdda209ec3db5aa6b0c1'] });
    expect(n!.record.thresholds).toEqual([{ value: 240, unit: '$', comparator: '>' }]);
    expect(kalshiMarketRecord(kalshiInfo()).title).toContain('Above $100,000');
  });
});
