/**
 * Child process of the persister kill test: runs startPersister against real Redis and PostgreSQL
 * until SIGTERM (or until the test SIGKILLs it). Configured by environment variables.
 */
import pg from 'pg';
import { z } from 'zod';
import { defineSink, startPersister, type WriteMethod } from '../../src/store/persister.js';
import { RedisStreamLog } from '../../src/store/streams/redis.js';

const env = z
  .object({
    REDIS_URL: z.string(),
    DATABASE_URL: z.string(),
    STREAM: z.string(),
    TABLE: z.string(),
    CONSUMER: z.string(),
    METHOD: z.enum(['values', 'copy']).default('values'),
    CLAIM_IDLE_MS: z.coerce.number().int().default(1000),
    BATCH: z.coerce.number().int().default(1000),
  })
  .parse(process.env);

export const TestEvent = z.object({ seq: z.number().int().nonnegative(), px: z.number().int(), venue: z.enum(['polymarket', 'kalshi']) });

const log = new RedisStreamLog({ url: env.REDIS_URL });
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 });
const persister = startPersister({
  log,
  pool,
  consumer: env.CONSUMER,
  group: 'persister',
  batchSize: env.BATCH,
  blockMs: 200,
  claimIdleMs: env.CLAIM_IDLE_MS,
  method: env.METHOD as WriteMethod,
  retryDelayMs: 100,
  sinks: [
    defineSink({
      stream: env.STREAM,
      table: env.TABLE,
      columns: ['seq', 'entry_id', 'px', 'venue'],
      conflictKey: ['seq'],
      schema: TestEvent,
      toRow: (e, id) => [e.seq, id, e.px, e.venue],
    }),
  ],
});

process.on('SIGTERM', () => {
  void persister.stop().then(async () => {
    await log.close();
    await pool.end();
    process.stdout.write(JSON.stringify(persister.stats) + '\n');
    process.exit(0);
  });
});
