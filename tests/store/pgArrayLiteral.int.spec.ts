import { describe, expect, it } from 'vitest';
import { pgArrayLiteral } from '../../src/store/persister.js';
import { pgTestPool } from '../helpers/db.js';

describe('pgArrayLiteral', () => {
  it('round-trips awkward strings through text[] on PostgreSQL', async () => {
    const { pool, drop } = await pgTestPool({ migrate: false });
    try {
      const values = ['a', 'b"c', 'd\\e', 'x,y', '{z}', 'NULL', ' sp ', ''];
      const { rows } = await pool.query('SELECT $1::text[] AS a', [pgArrayLiteral(values)]);
      expect(rows[0].a).toEqual(values);
      expect((await pool.query('SELECT $1::text[] AS a', [pgArrayLiteral([])])).rows[0].a).toEqual([]);
    } finally {
      await drop();
    }
  });
});
