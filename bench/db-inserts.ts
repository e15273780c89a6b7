/**
 * Rough insert throughput of the embedded TimescaleDB through the socket server (book_tops,
 * migrated schema). Not a test: `LOG_LEVEL=warn npx tsx bench/db-inserts.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPool, migrate, startEmbeddedDb } from '../src/store/db/index.js';

const root = mkdtempSync(join(tmpdir(), 'arbstream-bench-'));
const server = await startEmbeddedDb({ dataDir: join(root, 'data'), host: '127.0.0.1', port: 0 });
const pool = createPool({ connectionString: server.url, max: 1 });
try {
  await migrate(pool);
  const ins = 'INSERT INTO book_tops (ts, venue, market_id, yes_bid, yes_bid_qty, stream_id) VALUES ';
  const SINGLE = 2000;
  let t = performance.now();
  for (let i = 0; i < SINGLE; i++) await pool.query(`${ins}(now(), $1, $2, $3, $4, $5)`, ['kalshi', 'M', 480000, 1000000, `s-${i}`]);
  const single = performance.now() - t;
  const N = 500;
  const B = 40;
  t = performance.now();
  for (let b = 0; b < B; b++) {
    const vals: string[] = [];
    const params: unknown[] = [];
    for (let i = 0; i < N; i++) {
      const k = params.length;
      vals.push(`(now(), $${k + 1}, $${k + 2}, $${k + 3}, $${k + 4}, $${k + 5})`);
      params.push('kalshi', 'M2', 480000, 1000000, `b-${b}-${i}`);
    }
    await pool.query(ins + vals.join(','), params);
  }
  const batch = performance.now() - t;
  process.stdout.write(
    JSON.stringify({ singleRowInsertsPerSec: Math.round((SINGLE / single) * 1000), batchedRowsPerSec: Math.round(((N * B) / batch) * 1000), batchSize: N }) + '\n',
  );
} finally {
  await pool.end();
  await server.stop();
  rmSync(root, { recursive: true, force: true });
}
