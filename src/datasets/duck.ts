/**
 * DuckDB for Parquet datasets, through `@duckdb/node-api` (DuckDB's official Node client).
 *
 * Why DuckDB: it is well kept (the DuckDB project's own client, released with the engine); it runs
 * at native speed (C++ Parquet reader/writer, vectorised, multi-threaded); it streams (results are
 * fetched chunk by chunk, sorts and large tables spill to a temp directory under `memory_limit`,
 * so a month of 2,000 pairs never sits in memory); its types are exact (BIGINT, TIMESTAMPTZ at µs,
 * VARCHAR bytes as written) so money stays integer; and the backtest can run SQL over the same
 * files (`SELECT … FROM read_parquet('data/kalshi/2026-11/*.parquet')`) without another tool. A pure-JS reader
 * (hyparquet) would need a hand-written writer, merge and sort next to it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export interface DuckOptions {
  /** DuckDB's memory_limit, e.g. '512MB' (default 1GB); beyond it sorts and tables spill to disk */
  readonly memoryLimit?: string;
  /** worker threads (default 2) */
  readonly threads?: number;
}

export interface Duck {
  readonly conn: DuckDBConnection;
  /** Closes the connection and the instance and deletes the spill/staging directory. Idempotent. */
  close(): void;
}

/**
 * A DuckDB instance backed by a database file in a fresh temp directory (so staged rows and sort
 * runs can leave memory), UTC session time zone.
 */
export async function openDuck(o: DuckOptions = {}): Promise<Duck> {
  const dir = mkdtempSync(join(tmpdir(), 'arbstream-duck-'));
  const instance = await DuckDBInstance.create(join(dir, 'stage.duckdb'), {
    memory_limit: o.memoryLimit ?? '1GB',
    threads: String(o.threads ?? 2),
    temp_directory: join(dir, 'spill'),
    // the order of a COPY's ORDER BY is kept in the file
    preserve_insertion_order: 'true',
  });
  const conn = await instance.connect();
  await conn.run(`SET TimeZone = 'UTC'`);
  let closed = false;
  return {
    conn,
    close() {
      if (closed) return;
      closed = true;
      conn.closeSync();
      instance.closeSync();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The text of a DuckDB (or any) error, one line. */
export const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ').trim();
