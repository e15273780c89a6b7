/** The control layer's pair decisions on PostgreSQL: human decisions, the matcher's, discovery's re-check, audit. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { audited } from '../../src/control/audit.js';
import { approvePair, setPairStatus, recheckPairs, recordMatcherDecision, rejectPair, setPairPending, UnknownPairError } from '../../src/control/pairs.js';
import { recentAudit } from '../../src/store/repos/audit.js';
import { getPair, listPairs, pairsByIds, pairsByMarkets } from '../../src/store/repos/pairs.js';
import { pgTestPool, type PgTestDb } from '../helpers/db.js';
import { insertAutoPair, KALSHI_ID, PAIR_ID, POLY_ID } from './helpers.js';

let db: PgTestDb;
beforeAll(async () => {
  db = await pgTestPool({ migrate: true });
});
afterAll(async () => {
  await db?.drop();
});
beforeEach(async () => {
  await db.pool.query('TRUNCATE market_pairs, audit_log, venue_markets');
  await insertAutoPair(db.pool);
});

const alice = { door: 'cli', who: 'alice' } as const;

describe('control/pairs: human decisions', () => {
  it('approve: status, human-reviewed, decided_by, reason line; the confidence is untouched; audited; published after commit', async () => {
    const events: unknown[] = [];
    const r = await approvePair(db.pool, PAIR_ID, { actor: alice, reason: 'checked the rules', events: { publishPairStatus: (e) => void events.push(e) } });
    expect(r.previous).toBe('pending');
    expect(r.pair).toMatchObject({ pairId: PAIR_ID, status: 'approved', confidence: 0.85, humanReviewed: true, decidedBy: 'cli:alice' });
    expect(r.pair.legs).toEqual([{ venue: 'polymarket', marketId: POLY_ID }, { venue: 'kalshi', marketId: KALSHI_ID }]);
    expect(r.pair.reasons).toEqual(['llm: same strike', 'approved by cli:alice: checked the rules']);
    expect(await getPair(db.pool, PAIR_ID)).toEqual(r.pair);
    expect(events).toEqual([{ pairId: PAIR_ID, status: 'approved', by: 'cli:alice' }]);
    const [row] = await recentAudit(db.pool);
    expect(row).toMatchObject({ tokenName: 'cli:alice', action: 'approvePair', args: { pairId: PAIR_ID, reason: 'checked the rules' }, result: 'ok' });
  });

  it('reject and back to pending are human decisions too (each audited under its action)', async () => {
    await rejectPair(db.pool, PAIR_ID, { actor: { door: 'api', who: 'otto' }, reason: 'different source' });
    const p = await setPairPending(db.pool, PAIR_ID, { actor: alice, context: { note: 're-review' } });
    expect(p.previous).toBe('rejected');
    expect(p.pair).toMatchObject({ status: 'pending', humanReviewed: true, decidedBy: 'cli:alice', confidence: 0.85 });
    expect((await recentAudit(db.pool)).map((a) => [a.tokenName, a.action, a.args, a.result])).toEqual([
      ['cli:alice', 'setPairPending', { pairId: PAIR_ID, note: 're-review' }, 'ok'],
      ['api:otto', 'rejectPair', { pairId: PAIR_ID, reason: 'different source' }, 'ok'],
    ]);
  });

  it('an unknown pair: UnknownPairError (NOT_FOUND), nothing changed, the attempt audited', async () => {
    await expect(setPairStatus(db.pool, 'nope', 'approved', { actor: alice })).rejects.toBeInstanceOf(UnknownPairError);
    expect((await recentAudit(db.pool))[0]).toMatchObject({ tokenName: 'cli:alice', action: 'approvePair', args: { pairId: 'nope' }, result: 'error: NOT_FOUND' });
    expect((await getPair(db.pool, PAIR_ID))?.status).toBe('pending');
  });

  it('a failing publish does not undo or fail the committed decision', async () => {
    const r = await approvePair(db.pool, PAIR_ID, { actor: alice, events: { publishPairStatus: () => { throw new Error('redis down'); } } });
    expect(r.pair.status).toBe('approved');
  });

  it('audited: a change that fails is rolled back and audited with its code', async () => {
    await expect(
      audited(db.pool, { actor: alice, action: 'approvePair', args: { pairId: PAIR_ID } }, async (c) => {
        await c.query("UPDATE market_pairs SET status = 'approved' WHERE pair_id = $1", [PAIR_ID]);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await getPair(db.pool, PAIR_ID))?.status).toBe('pending');
    expect((await recentAudit(db.pool)).map((a) => a.result)).toEqual(['error: internal']);
  });
});

describe('control/pairs: automatic decisions', () => {
  const decision = (rulesHash: unknown, status: 'approved' | 'pending' = 'approved') => ({
    pairId: PAIR_ID,
    legs: [{ venue: 'polymarket', marketId: POLY_ID }, { venue: 'kalshi', marketId: KALSHI_ID }] as const,
    status, confidence: 0.97, yesMapsToNo: false, reasons: ['approved automatically'], guards: { rulesHash }, verdictModel: 'stub', decidedBy: 'matcher',
  });

  it('the matcher never overwrites a human decision on the same rules, and takes over (not human-reviewed) when the rules changed', async () => {
    await db.pool.query(`UPDATE market_pairs SET guards = '{"rulesHash": {"poly": "h1", "kalshi": "k1"}}'`);
    await rejectPair(db.pool, PAIR_ID, { actor: alice, reason: 'no' });
    expect(await recordMatcherDecision(db.pool, decision({ poly: 'h1', kalshi: 'k1' }))).toBe(false);
    expect(await getPair(db.pool, PAIR_ID)).toMatchObject({ status: 'rejected', humanReviewed: true, confidence: 0.85 });
    expect(await recordMatcherDecision(db.pool, decision({ poly: 'h2', kalshi: 'k1' }))).toBe(true);
    expect(await getPair(db.pool, PAIR_ID)).toMatchObject({ status: 'approved', humanReviewed: false, confidence: 0.97, decidedBy: 'matcher', source: 'llm' });
  });

  it('discovery: a rules change sends approved pairs of that market back to pending', async () => {
    await approvePair(db.pool, PAIR_ID, { actor: alice });
    expect(await recheckPairs(db.pool, [{ venue: 'kalshi', marketId: 'OTHER' }])).toEqual([]);
    expect(await recheckPairs(db.pool, [{ venue: 'kalshi', marketId: KALSHI_ID }])).toEqual([PAIR_ID]);
    const p = await getPair(db.pool, PAIR_ID);
    expect(p).toMatchObject({ status: 'pending', humanReviewed: false, decidedBy: 'discovery' });
    expect(p!.reasons.at(-1)).toBe('market rules changed: re-check');
  });
});

describe('repos/pairs: batched reads', () => {
  it('listPairs by status, pairsByIds and pairsByMarkets answer in one query each', async () => {
    await insertAutoPair(db.pool, { pairId: 'second', kalshiId: 'KX-OTHER' });
    expect((await listPairs(db.pool, { status: 'pending', limit: 1 })).length).toBe(1);
    expect(await listPairs(db.pool, { status: 'approved' })).toEqual([]);
    const byId = await pairsByIds(db.pool, [PAIR_ID, 'missing', PAIR_ID]);
    expect([...byId.keys()]).toEqual([PAIR_ID]);
    const byMarket = await pairsByMarkets(db.pool, [
      { venue: 'polymarket', marketId: POLY_ID },
      { venue: 'kalshi', marketId: 'KX-OTHER' },
      { venue: 'kalshi', marketId: 'NONE' },
    ]);
    expect(Object.fromEntries([...byMarket].map(([k, v]) => [k, v.map((p) => p.pairId)]))).toEqual({
      [`polymarket:${POLY_ID}`]: [PAIR_ID, 'second'],
      'kalshi:KX-OTHER': ['second'],
      'kalshi:NONE': [],
    });
  });
});
