/**
 * The embedded TimescaleDB over the socket: protocol messages larger than one TCP chunk (~64 KB,
 * e.g. a persister batch or a big jsonb) used to reach PGlite truncated and abort the process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedTestDb } from '../../helpers/db.js';

type E = Awaited<ReturnType<typeof embeddedTestDb>>;
let e: E;
beforeAll(async () => {
  e = await embeddedTestDb({ migrate: true });
}, 120_000);
afterAll(async () => {
  await e?.stop();
});

describe('embedded TimescaleDB over the socket', () => {
  it('takes messages far larger than a TCP chunk (1 MB, 4 MB parameters)', async () => {
    for (const n of [1 << 20, 4 << 20]) {
      const r = await e.pool.query('SELECT length($1::text) AS n', ['x'.repeat(n)]);
      expect(r.rows[0].n).toBe(n);
    }
  });

  it('writes a large batch into a hypertable in one statement (as the persister does)', async () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `big-${i}-${'p'.repeat(20)}`);
    await e.pool.query(
      `INSERT INTO edges (ts, edge_id, pair_id, direction, size_qty, net_edge_micros, profit_micros)
       SELECT now(), id, 'p', 'polyYes', 1, 1, 1 FROM unnest($1::text[]) AS id ON CONFLICT DO NOTHING`,
      [ids],
    );
    expect((await e.pool.query("SELECT count(*) AS n FROM edges WHERE edge_id LIKE 'big-%'")).rows[0].n).toBe(20_000);
  });
});
