/**
 * Migration 0005 (legs by position) upgrading a database that already holds data, on both engines:
 * plain PostgreSQL and embedded TimescaleDB, where `edges` is a hypertable whose chunks are
 * compressed and `edges_per_minute` a continuous aggregate already materialized over them.
 */
import { pgGate } from '../../helpers/gates.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { MIGRATIONS_DIR, migrate } from '../../../src/store/db/index.js';
import { directionFromStored } from '../../../schema/edge.js';
import { embeddedTestDb, pgTestPool, type EmbeddedTestDb, type PgTestDb } from '../../helpers/db.js';

const POLY = `0x${'ab'.repeat(32)}`;

/** The migrations up to 0004 in a temp dir (the database as it was before 0005). */
function migrationsBefore0005(): string {
  const dir = mkdtempSync(join(tmpdir(), 'arbstream-mig4-'));
  cpSync(MIGRATIONS_DIR, dir, { recursive: true, filter: (src) => !/000[5-9]_|00[1-9]\d_/.test(src) });
  return dir;
}

async function seedV4(pool: pg.Pool): Promise<void> {
  await pool.query(`
    INSERT INTO market_pairs (pair_id, poly_market_id, kalshi_market_id, status, confidence, source, decided_by) VALUES
      ('human', '${POLY}', 'KX-1', 'approved', 0.85, 'llm', 'api:alice'),
      ('auto', '0x${'cd'.repeat(32)}', 'KX-2', 'approved', 0.95, 'llm', NULL),
      ('file', '0x${'ef'.repeat(32)}', 'KX-3', 'approved', 1, 'file', NULL),
      ('pending', '0x${'01'.repeat(32)}', 'KX-4', 'pending', 0.5, 'llm', NULL);
    INSERT INTO edges (ts, edge_id, pair_id, direction, size_qty, net_edge_micros, profit_micros, poly_vwap_micros, kalshi_vwap_micros, poly_ts, kalshi_ts) VALUES
      ('2025-01-01T12:00:10Z', 'e1', 'human', 'polyYes', 10000000, 20000, 200000, 400000, 520000, '2025-01-01T12:00:09Z', '2025-01-01T12:00:10Z'),
      ('2025-01-01T12:00:50Z', 'e2', 'human', 'polyNo', 5000000, 30000, 150000, 300000, 640000, '2025-01-01T12:00:50Z', '2025-01-01T12:00:49Z');
  `);
}

async function check(pool: pg.Pool): Promise<void> {
  const pairs = await pool.query(`SELECT pair_id, a_venue, a_market_id, b_venue, b_market_id, human_reviewed FROM market_pairs ORDER BY pair_id`);
  expect(pairs.rows).toEqual([
    { pair_id: 'auto', a_venue: 'polymarket', a_market_id: `0x${'cd'.repeat(32)}`, b_venue: 'kalshi', b_market_id: 'KX-2', human_reviewed: false },
    { pair_id: 'file', a_venue: 'polymarket', a_market_id: `0x${'ef'.repeat(32)}`, b_venue: 'kalshi', b_market_id: 'KX-3', human_reviewed: true },
    { pair_id: 'human', a_venue: 'polymarket', a_market_id: POLY, b_venue: 'kalshi', b_market_id: 'KX-1', human_reviewed: true },
    { pair_id: 'pending', a_venue: 'polymarket', a_market_id: `0x${'01'.repeat(32)}`, b_venue: 'kalshi', b_market_id: 'KX-4', human_reviewed: false },
  ]);
  // the natural key is now both legs; venue ids are no longer checked by the database
  const dup = await pool.query(`INSERT INTO market_pairs (pair_id, a_venue, a_market_id, b_venue, b_market_id, source) VALUES ('dup', 'polymarket', $1, 'kalshi', 'KX-1', 'llm') ON CONFLICT DO NOTHING`, [POLY]);
  expect(dup.rowCount).toBe(0);
  await pool.query(`INSERT INTO market_pairs (pair_id, a_venue, a_market_id, b_venue, b_market_id, source) VALUES ('third', 'newvenue', 'M-1', 'kalshi', 'KX-1', 'llm')`);
  await pool.query(`INSERT INTO fee_schedules (venue, scope, scope_id, fee_type, rate, valid_from) VALUES ('newvenue', 'venue', '*', 'none', 0, now())`);

  const edges = await pool.query(`SELECT edge_id, direction, a_vwap_micros, b_vwap_micros, a_ts, b_ts FROM edges ORDER BY edge_id`);
  expect(edges.rows.map((r: { direction: string }) => ({ ...r, direction: directionFromStored(r.direction) }))).toEqual([
    { edge_id: 'e1', direction: 'aYes', a_vwap_micros: 400000, b_vwap_micros: 520000, a_ts: new Date('2025-01-01T12:00:09Z'), b_ts: new Date('2025-01-01T12:00:10Z') },
    { edge_id: 'e2', direction: 'aNo', a_vwap_micros: 300000, b_vwap_micros: 640000, a_ts: new Date('2025-01-01T12:00:50Z'), b_ts: new Date('2025-01-01T12:00:49Z') },
  ]);
  // new rows in the new columns, and the aggregate over old and new rows
  await pool.query(`INSERT INTO edges (ts, edge_id, pair_id, direction, size_qty, net_edge_micros, profit_micros, a_vwap_micros, b_vwap_micros, a_ts, b_ts)
    VALUES ('2025-01-01T12:00:55Z', 'e3', 'human', 'aYes', 1000000, 10000, 10000, 410000, 530000, '2025-01-01T12:00:55Z', '2025-01-01T12:00:54Z')`);
  // (TimescaleDB: the old rows are materialized, so the new one in that range shows after a refresh)
  const ts = await pool.query(`SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS t`);
  if ((ts.rows[0] as { t: boolean }).t) await pool.query(`CALL refresh_continuous_aggregate('edges_per_minute', NULL, NULL)`);
  const agg = await pool.query(`SELECT direction, sum(n)::int AS n FROM edges_per_minute GROUP BY 1 ORDER BY 1`);
  const byDir: Record<string, number> = {};
  for (const r of agg.rows as { direction: string; n: number }[]) byDir[directionFromStored(r.direction)] = (byDir[directionFromStored(r.direction)] ?? 0) + r.n;
  expect(byDir).toEqual({ aYes: 2, aNo: 1 });
}

const needsPg = await pgGate();

describe('migration 0005_legs_by_position on a database with data', () => {
  let dir: string;
  beforeAll(() => {
    dir = migrationsBefore0005();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  needsPg.it('PostgreSQL: renames, fills the leg venues and human review, drops venue checks', async () => {
    const db: PgTestDb = await pgTestPool();
    try {
      expect((await migrate(db.pool, { dir })).applied.at(-1)).toBe('0004_timescale_policies');
      await seedV4(db.pool);
      expect(await migrate(db.pool)).toEqual({ applied: ['0005_legs_by_position', '0006_execution', '0007_orders_positions', '0008_history'], timescale: false });
      await check(db.pool);
    } finally {
      await db.drop();
    }
  });

  describe('embedded TimescaleDB', () => {
    let e: EmbeddedTestDb;
    beforeAll(async () => {
      e = await embeddedTestDb();
    });
    afterAll(async () => {
      await e?.stop();
    });

    it('works on compressed chunks under a materialized continuous aggregate', async () => {
      expect((await migrate(e.pool, { dir })).timescale).toBe(true);
      await seedV4(e.pool);
      await e.pool.query(`CALL refresh_continuous_aggregate('edges_per_minute', NULL, NULL)`);
      const compressed = await e.pool.query(`SELECT count(compress_chunk(c)) AS n FROM show_chunks('edges') c`);
      expect(compressed.rows[0]).toEqual({ n: 1 });
      expect(await migrate(e.pool)).toEqual({ applied: ['0005_legs_by_position', '0006_execution', '0007_orders_positions', '0008_history'], timescale: true });
      await check(e.pool);
    });
  });
});
