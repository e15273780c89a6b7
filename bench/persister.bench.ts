/**
 * Persister rows/s (Redis stream -> PostgreSQL, both write methods) vs raw COPY of the same rows
 * into the same table on the same PostgreSQL, in one run. The persister figure includes reading
 * the stream, zod decoding, the insert with ON CONFLICT DO NOTHING and the acks; raw COPY is only
 * the load. Paired rounds (see pairedRow); BENCH_ROUNDS, PERSISTER_BATCH, PERSISTER_LANES tune it.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { z } from 'zod';
import { VenueId } from '../schema/venue.js';
import { copyValue, defineSink, startPersister, type WriteMethod } from '../src/store/persister.js';
import { encodeEvent } from '../src/store/streams/deadletter.js';
import { RedisStreamLog } from '../src/store/streams/redis.js';
import { DATABASE_URL, pairedRow, rate, REDIS_URL, type BenchRow } from './types.js';

const N = 50_000;
const BATCH = Number(process.env.PERSISTER_BATCH ?? 2000);
const LANES = Number(process.env.PERSISTER_LANES ?? 1);
const Ev = z.object({ seq: z.number().int(), px: z.number().int(), qty: z.number().int(), venue: VenueId, market: z.string() });
type Ev = z.infer<typeof Ev>;
const COLS = ['seq', 'entry_id', 'px', 'qty', 'venue', 'market'];

export async function run(): Promise<BenchRow[]> {
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
  const log = new RedisStreamLog({ url: REDIS_URL });
  const schema = `bench_persister_${Date.now()}`;
  const table = `${schema}.rows`;
  const events: Ev[] = Array.from({ length: N }, (_, i) => ({ seq: i, px: 400_000 + (i % 1000), qty: 1_000_000 * (1 + (i % 7)), venue: i % 2 ? 'kalshi' : 'polymarket', market: `MKT-${i % 50}` }));
  const toRow = (e: Ev, id: string) => [e.seq, id, e.px, e.qty, e.venue, e.market];
  const streams: string[] = [];
  try {
    await pool.query(`CREATE SCHEMA ${schema}`);
    await pool.query(`CREATE TABLE ${table} (seq bigint PRIMARY KEY, entry_id text NOT NULL, px bigint NOT NULL, qty bigint NOT NULL, venue text NOT NULL, market text NOT NULL)`);

    const rawCopy = async (): Promise<number> => {
      await pool.query(`TRUNCATE ${table}`);
      const t = performance.now();
      let text = '';
      for (const e of events) text += toRow(e, `0-${e.seq}`).map(copyValue).join('\t') + '\n';
      const client = await pool.connect();
      try {
        await pipeline(Readable.from([text]), client.query(copyFrom(`COPY ${table} (${COLS.join(', ')}) FROM STDIN`)));
      } finally {
        client.release();
      }
      return rate(N, performance.now() - t);
    };
    let round = 0;
    const persist = async (method: WriteMethod): Promise<number> => {
      await pool.query(`TRUNCATE ${table}`);
      const stream = `${schema}:${method}:${round++}`;
      streams.push(stream);
      for (let i = 0; i < N; i += 5000) await log.append(stream, events.slice(i, i + 5000).map((e) => encodeEvent('ev', e)), { maxLen: 0 });
      const t = performance.now();
      const p = startPersister({ log, pool, consumer: 'bench', concurrency: LANES, batchSize: BATCH, blockMs: 20, method, sinks: [defineSink({ stream, table, columns: COLS, conflictKey: ['seq'], schema: Ev, toRow })] });
      while (p.stats.rowsInserted < N) await new Promise((r) => setTimeout(r, 2));
      const r = rate(N, performance.now() - t);
      await p.stop();
      return r;
    };
    const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
    const unnest: number[] = [], values: number[] = [], viaCopy: number[] = [];
    const unnestBase: number[] = [], valuesBase: number[] = [], copyBase: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      // each method is paired with a raw COPY measured right before it
      unnestBase.push(await rawCopy());
      unnest.push(await persist('unnest'));
      valuesBase.push(await rawCopy());
      values.push(await persist('values'));
      copyBase.push(await rawCopy());
      viaCopy.push(await persist('copy'));
    }
    const note = 'vs raw COPY into the same table; includes stream read, decode, ack';
    return [
      pairedRow(`persister method 'unnest' (default, batch ${BATCH}, lanes ${LANES})`, unnest, unnestBase, 'rows/s', note),
      pairedRow(`persister method 'values' (batch ${BATCH}, lanes ${LANES})`, values, valuesBase, 'rows/s', note),
      pairedRow(`persister method 'copy' (batch ${BATCH}, lanes ${LANES})`, viaCopy, copyBase, 'rows/s', note),
    ];
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await pool.end();
    await log.close();
    const raw = new Redis(REDIS_URL);
    if (streams.length) await raw.del(...streams, ...streams.map((s) => `${s}:dead`));
    raw.disconnect();
  }
}
