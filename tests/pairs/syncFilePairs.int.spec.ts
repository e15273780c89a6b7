import { describe, expect, it } from 'vitest';
import { syncFilePairs } from '../../src/pairs/file.js';
import { pgTestPool } from '../helpers/db.js';
import type { Pair } from '../../schema/pair.js';

const pair = (id: string, k = 'KX-A'): Pair => ({ pairId: id, polyMarketId: '0x' + 'a1'.repeat(32), kalshiMarketId: k, yesMapsToNo: false, status: 'approved', confidence: 1, resolutionTs: 1, reasons: ['r'], source: 'file' });

describe('syncFilePairs', () => {
  it('mirrors file pairs, updates its own rows, never overwrites the matcher\'s', async () => {
    const { pool, drop } = await pgTestPool({ migrate: true });
    try {
      expect(await syncFilePairs(pool, [pair('f1')])).toBe(1);
      await syncFilePairs(pool, [{ ...pair('f1'), status: 'rejected' }]);
      expect((await pool.query("SELECT status, source FROM market_pairs WHERE pair_id = 'f1'")).rows).toEqual([{ status: 'rejected', source: 'file' }]);
      await pool.query("INSERT INTO market_pairs (pair_id, poly_market_id, kalshi_market_id, status, source) VALUES ('llm1', $1, 'KX-B', 'pending', 'llm')", ['0x' + 'a1'.repeat(32)]);
      // same id as the matcher's row: not touched; same markets under another id: refused, logged
      await syncFilePairs(pool, [{ ...pair('llm1', 'KX-B'), status: 'approved' }, pair('f2', 'KX-B')]);
      expect((await pool.query("SELECT pair_id, status, source FROM market_pairs WHERE kalshi_market_id = 'KX-B'")).rows).toEqual([{ pair_id: 'llm1', status: 'pending', source: 'llm' }]);
    } finally {
      await drop();
    }
  });
});
