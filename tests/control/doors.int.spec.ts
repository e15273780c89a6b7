/**
 * Issue 10: approval has ONE meaning whichever door it comes through. For each door (CLI,
 * GraphQL, Discord): a 0.85-confidence matcher pair approved by a human is loaded by the pipeline,
 * passes the risk gate with minPairConfidence 0.9, keeps its confidence 0.85, and is audited with
 * the door and who.
 */
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { approvePair as discordApprove } from '../../src/bot/commands.js';
import { register as registerPairs } from '../../src/cli/pairs.js';
import { loadApprovedPairs } from '../../src/matching/pairs.js';
import { pgTestPool, TEST_PG_URL, type PgTestDb } from '../helpers/db.js';
import { apiFixture } from '../api/helpers.js';
import { expectHumanApproval, gateReasons, insertAutoPair, PAIR_ID } from './helpers.js';

let db: PgTestDb | undefined;
afterEach(async () => {
  await db?.drop();
  db = undefined;
});

describe('one approval, every door', () => {
  it('before any human: the pending pair is not loaded; approved by the matcher alone at 0.85 the gate rejects it', async () => {
    db = await pgTestPool({ migrate: true });
    await insertAutoPair(db.pool);
    expect(await loadApprovedPairs(db.pool)).toEqual([]);
    await insertAutoPair(db.pool, { pairId: 'auto-approved', status: 'approved', kalshiId: 'KXBTC-26JAN31-T105000' });
    const pairs = await loadApprovedPairs(db.pool);
    expect(gateReasons(pairs, 'auto-approved')).toEqual(['pair-confidence 0.85 < 0.9']);
  });

  it('CLI: arbstream pairs approve <id> --by alice', async () => {
    db = await pgTestPool({ migrate: true });
    await insertAutoPair(db.pool);
    const env = { DATABASE_URL: process.env.DATABASE_URL };
    process.env.DATABASE_URL = `${TEST_PG_URL}?options=${encodeURIComponent(`-c search_path=${db.schema},public`)}`;
    try {
      const program = new Command().exitOverride();
      registerPairs(program);
      await program.parseAsync(['pairs', 'approve', PAIR_ID, '--by', 'alice'], { from: 'user' });
    } finally {
      if (env.DATABASE_URL === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = env.DATABASE_URL;
    }
    await expectHumanApproval(db.pool, 'cli:alice');
  });

  it('GraphQL: mutation approvePair with an operator token', async () => {
    const f = await apiFixture();
    try {
      await insertAutoPair(f.pool);
      const r = await f.gql(f.operator.token, `mutation { approvePair(pairId: "${PAIR_ID}") { pairId status confidence humanReviewed decidedBy } }`);
      expect(r.body?.errors).toBeUndefined();
      expect(r.body!.data!.approvePair).toEqual({ pairId: PAIR_ID, status: 'approved', confidence: 0.85, humanReviewed: true, decidedBy: 'api:otto-operator' });
      await expectHumanApproval(f.pool, 'api:otto-operator');
    } finally {
      await f.close();
    }
  });

  it('Discord: /approve by an operator', async () => {
    db = await pgTestPool({ migrate: true });
    await insertAutoPair(db.pool);
    const published: unknown[] = [];
    const r = await discordApprove(db.pool, PAIR_ID, { userId: '42', username: 'opsbob', channelId: 'c1', roleIds: ['op'] }, { publishPairStatus: (e) => void published.push(e) });
    expect(r).toEqual({ text: expect.stringContaining('approved (was pending)'), approved: true });
    expect(published).toEqual([{ pairId: PAIR_ID, status: 'approved', by: 'discord:opsbob(42)' }]);
    await expectHumanApproval(db.pool, 'discord:opsbob(42)');
  });
});
