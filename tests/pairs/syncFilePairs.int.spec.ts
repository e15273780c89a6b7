import { describe, expect, it } from 'vitest';
import { syncFilePairs } from '../../src/control/pairs.js';
import { pgTestPool } from '../helpers/db.js';
import type { Pair } from '../../schema/pair.js';

const POLY = '0x' + 'a1'.repeat(32);
const pair = (id: string, k = 'KX-A'): Pair => ({
  pairId: id,
  legs: [{ venue: 'polymarket', marketId: POLY }, { venue: 'kalshi', marketId: k }],
  yesMapsToNo: false, status: 'approved', confidence: 1, humanReviewed: true, resolutionTs: 1, reasons: ['r'], source: 'file',
});

describe('syncFilePairs', () => {
  it('mirrors file pairs, updates its own rows, never overwrites the matcher\'s', async () => {
    const { pool, drop } = await pgTestPool({ migrate: true });
    try {
      expect(await syncFilePairs(pool, [pair('f1')])).toBe(1);
      expect((await pool.query("SELECT a_venue, a_market_id, b_venue, b_market_id, human_reviewed, decided_by FROM market_pairs WHERE pair_id = 'f1'")).rows).toEqual([
        { a_venue: 'polymarket', a_market_id: POLY, b_venue: 'kalshi', b_market_id: 'KX-A', human_reviewed: true, decided_by: 'file:pairs file' },
      ]);
      await syncFilePairs(pool, [{ ...pair('f1'), status: 'rejected', humanReviewed: false }]);
      expect((await pool.query("SELECT status, source FROM market_pairs WHERE pair_id = 'f1'")).rows).toEqual([{ status: 'rejected', source: 'file' }]);
      await pool.query("INSERT INTO market_pairs (pair_id, a_venue, a_market_id, b_venue, b_market_id, status, source) VALUES ('llm1', 'polymarket', $1, 'kalshi', 'KX-B', 'pending', 'llm')", [POLY]);
      // same id as the matcher's row: not touched; same markets under another id: refused, logged
      expect(await syncFilePairs(pool, [{ ...pair('llm1', 'KX-B'), status: 'approved' }, pair('f2', 'KX-B')])).toBe(0);
      expect((await pool.query("SELECT pair_id, status, source FROM market_pairs WHERE b_market_id = 'KX-B'")).rows).toEqual([{ pair_id: 'llm1', status: 'pending', source: 'llm' }]);
      // the same file again changes nothing and is not audited again
      await syncFilePairs(pool, [{ ...pair('f1'), status: 'rejected', humanReviewed: false }]);
      const audit = (await pool.query("SELECT token_name, action, args, result FROM audit_log WHERE action = 'syncFilePairs' ORDER BY id")).rows;
      expect(audit).toEqual([
        { token_name: 'file:pairs file', action: 'syncFilePairs', args: { changes: [{ pairId: 'f1', status: 'approved', previous: null }] }, result: 'ok' },
        { token_name: 'file:pairs file', action: 'syncFilePairs', args: { changes: [{ pairId: 'f1', status: 'rejected', previous: 'approved' }] }, result: 'ok' },
      ]);
    } finally {
      await drop();
    }
  });
});
