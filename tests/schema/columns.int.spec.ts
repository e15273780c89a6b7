/**
 * Drift test: on a migrated database (plain PostgreSQL and embedded TimescaleDB), the columns
 * derived from each persisted shape's zod schema (src/store/columns.ts) are exactly the table's
 * columns. A field added to a schema without its migration column, or a column the schema does
 * not know, fails here.
 */
import { pgGate } from '../helpers/gates.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { pipelineSinks, rows } from '../../src/store/sinks.js';
import { PAIR_TABLE_ONLY_COLUMNS, pairRows } from '../../src/store/pairRows.js';
import { executionEventRows, executionRows } from '../../src/store/repos/executions.js';
import { orderRows } from '../../src/store/repos/orders.js';
import { positionRows } from '../../src/store/repos/positions.js';
import { embeddedTestDb, pgTestPool, type EmbeddedTestDb, type PgTestDb } from '../helpers/db.js';

async function tableColumns(pool: pg.Pool, table: string): Promise<string[]> {
  const r = await pool.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY column_name`,
    [table],
  );
  return r.rows.map((x) => x.column_name);
}

/** Every persisted shape: table → the columns its schema derives (plus the table's own columns no shape field maps to). */
const persisted = (): { table: string; columns: readonly string[]; tableOnly?: readonly string[] }[] => [
  ...pipelineSinks().map((s) => ({ table: s.table, columns: s.columns })),
  { table: 'market_pairs', columns: pairRows.columns, tableOnly: PAIR_TABLE_ONLY_COLUMNS },
  { table: 'executions', columns: executionRows.columns },
  { table: 'execution_events', columns: executionEventRows.columns },
  { table: 'orders', columns: orderRows.columns },
  { table: 'positions', columns: positionRows.columns },
];

async function expectNoDrift(pool: pg.Pool): Promise<void> {
  const shapes = persisted();
  expect(shapes.map((s) => s.table).sort()).toEqual(['book_depth', 'book_tops', 'edges', 'execution_events', 'executions', 'feed_health', 'lead_lag', 'market_pairs', 'orders', 'positions', 'risk_decisions']);
  for (const s of shapes) {
    const expected = [...s.columns, ...(s.tableOnly ?? [])].sort();
    expect({ table: s.table, columns: await tableColumns(pool, s.table) }).toEqual({ table: s.table, columns: expected });
  }
}

const needsPg = await pgGate();

describe('schema ↔ table columns', () => {
  it('the derived columns name where every schema field goes', () => {
    // a sample of the mapping the drift test relies on
    expect(rows.edges.fieldColumns).toMatchObject({ edgeId: 'edge_id', netEdgePerContractMicros: 'net_edge_micros', legs: 'details', capitalCostMicros: 'capital_cost_micros' });
    expect(rows.edges.columns).toEqual(expect.arrayContaining(['a_vwap_micros', 'b_vwap_micros', 'a_ts', 'b_ts']));
  });

  needsPg.it('PostgreSQL', async () => {
    const db: PgTestDb = await pgTestPool({ migrate: true });
    try {
      await expectNoDrift(db.pool);
    } finally {
      await db.drop();
    }
  });

  describe('embedded TimescaleDB', () => {
    let e: EmbeddedTestDb;
    beforeAll(async () => {
      e = await embeddedTestDb({ migrate: true });
    });
    afterAll(async () => {
      await e?.stop();
    });
    it('matches', async () => {
      await expectNoDrift(e.pool);
    });
  });
});
