/**
 * Persister against real Redis and the machine's PostgreSQL (DATABASE_URL or
 * postgres://postgres@127.0.0.1:5432/test), in a schema unique to the run, dropped at the end.
 * With CI=true a missing service fails the suite.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Subject } from 'rxjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { defineSink, startPersister, type Persister, type WriteMethod } from '../../src/store/persister.js';
import { encodeEvent } from '../../src/store/streams/deadletter.js';
import { appendTo } from '../../src/store/streams/rx.js';
import { MemoryStreamLog } from '../../src/store/streams/memory.js';
import { RedisStreamLog } from '../../src/store/streams/redis.js';
import type { StreamLog } from '../../src/store/streams/types.js';
import { pgReachable } from '../helpers/db.js';
import { servicesGate } from '../helpers/gates.js';
import { deleteKeys, REDIS_URL, requireRedis, uniquePrefix } from '../helpers/redis.js';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const d = (await servicesGate({ pg: DATABASE_URL, redis: true })).describe;

const TestEvent = z.object({ seq: z.number().int().nonnegative(), px: z.number().int(), venue: z.enum(['polymarket', 'kalshi']) });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

d('persister (Redis -> PostgreSQL)', () => {
  const schema = `persister_test_${randomBytes(4).toString('hex')}`;
  const prefix = uniquePrefix('persister');
  let pool: pg.Pool;
  let log: RedisStreamLog;
  const mem = new MemoryStreamLog();

  const makeTable = async (name: string) => {
    await pool.query(`CREATE TABLE ${schema}.${name} (seq bigint PRIMARY KEY, entry_id text NOT NULL, px bigint NOT NULL CHECK (px >= 0), venue text NOT NULL)`);
    return `${schema}.${name}`;
  };
  const sinkFor = (stream: string, table: string) =>
    defineSink({ stream, table, columns: ['seq', 'entry_id', 'px', 'venue'], conflictKey: ['seq'], schema: TestEvent, toRow: (e, id) => [e.seq, id, e.px, e.venue] });
  const count = async (table: string, expr = 'count(*)') => Number((await pool.query<{ n: string }>(`SELECT ${expr} AS n FROM ${table}`)).rows[0]!.n);

  beforeAll(async () => {
    await requireRedis();
    if (!(await pgReachable())) throw new Error(`PostgreSQL not reachable at ${DATABASE_URL}`);
    pool = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
    await pool.query(`CREATE SCHEMA ${schema}`);
    log = new RedisStreamLog({ url: REDIS_URL, prefix });
  });
  afterAll(async () => {
    await log?.close();
    await mem.close();
    await pool?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool?.end();
    await deleteKeys(prefix);
  });

  for (const [method, lanes] of [['unnest', 1], ['values', 1], ['copy', 1], ['unnest', 2]] as [WriteMethod, number][]) {
    it(`${method}, ${lanes} lane(s): inserts once, skips duplicates, dead-letters undecodable and DB-rejected entries, acks everything`, async () => {
      const stream = `${prefix}:${method}:${lanes}`;
      const table = await makeTable(`t_${method}_${lanes}`);
      const good = Array.from({ length: 2500 }, (_, i) => encodeEvent('ev', { seq: i, px: i * 10, venue: i % 2 ? 'kalshi' : 'polymarket' }));
      await log.append(stream, good);
      await log.append(stream, [encodeEvent('ev', { seq: 7, px: 70, venue: 'kalshi' }), { t: 'ev', d: 'not json' }, encodeEvent('ev', { seq: 9999, px: -1, venue: 'kalshi' }), encodeEvent('ev', { seq: 'x' })]);
      const p: Persister = startPersister({ log, pool, sinks: [sinkFor(stream, table)], consumer: 'c1', concurrency: lanes, batchSize: 1000, blockMs: 50, method, retryDelayMs: 50 });
      try {
        for (let i = 0; i < 400 && (p.stats.rowsInserted < 2500 || p.stats.deadLettered < 3); i++) await sleep(25);
      } finally {
        await p.stop();
      }
      expect(p.stats).toMatchObject({ rowsInserted: 2500, duplicatesSkipped: 1, deadLettered: 3, failures: 0 });
      expect(await count(table)).toBe(2500);
      expect(await count(table, 'count(DISTINCT seq)')).toBe(2500);
      expect(await log.pending(stream, 'persister')).toEqual({ count: 0, consumers: {} });
      expect(await log.length(`${stream}:dead`)).toBe(3);
      const row = await pool.query(`SELECT seq, px, venue FROM ${table} WHERE seq = 5`);
      expect(row.rows[0]).toEqual({ seq: '5', px: '50', venue: 'kalshi' });
    });
  }

  // the same behaviour on Redis and on the in-process stand-in
  for (const kind of ['redis', 'memory'] as const) {
    const L = (): StreamLog => (kind === 'redis' ? log : mem);
    it(`${kind}: stop() persists every last event: appends still in flight after the source was unsubscribed land in the table`, async () => {
      const stream = `${prefix}:${kind}:drain`;
      const table = await makeTable(`t_${kind}_drain`);
      const p = startPersister({ log: L(), pool, sinks: [sinkFor(stream, table)], consumer: 'c-drain', batchSize: 1000, blockMs: 2000, retryDelayMs: 50 });
      await sleep(100);
      // the shutdown of pipelines/live.ts: the sources emit their last events, the sinks are unsubscribed, then persister.stop()
      const src = new Subject<number>();
      const sub = src.pipe(appendTo(L(), stream, (i: number) => encodeEvent('ev', { seq: i, px: i, venue: 'kalshi' }), { maxBatch: 500 })).subscribe();
      for (let i = 0; i < 3000; i++) src.next(i);
      sub.unsubscribe();
      await p.stop();
      expect(await count(table)).toBe(3000);
      expect(await L().pending(stream, 'persister')).toEqual({ count: 0, consumers: {} });
      expect(await L().consumers(stream, 'persister')).toEqual([]); // a clean stop leaves no consumer behind
    });

    it(`${kind}: an entry PostgreSQL keeps refusing (not a data exception: 54000 index row too big) is dead-lettered after maxFailures`, async () => {
      const stream = `${prefix}:${kind}:poison`;
      const table = await makeTable(`t_${kind}_poison`);
      await pool.query(`CREATE INDEX ON ${table} (venue)`);
      const huge = randomBytes(20_000).toString('base64');
      const sink = defineSink({ ...sinkFor(stream, table), toRow: (e, id) => [e.seq, id, e.px, e.seq === 13 ? huge : e.venue] });
      await L().append(stream, Array.from({ length: 40 }, (_, i) => encodeEvent('ev', { seq: i, px: i, venue: 'kalshi' })));
      const p = startPersister({ log: L(), pool, sinks: [sink], consumer: 'c-poison', batchSize: 100, blockMs: 50, retryDelayMs: 20, maxFailures: 3 });
      try {
        for (let i = 0; i < 400 && p.stats.deadLettered < 1; i++) await sleep(25);
      } finally {
        await p.stop();
      }
      expect(p.stats).toMatchObject({ rowsInserted: 39, deadLettered: 1, failures: 2 });
      expect(await count(table)).toBe(39);
      expect(await L().pending(stream, 'persister')).toEqual({ count: 0, consumers: {} });
      await L().ensureGroup(`${stream}:dead`, 'check');
      const [dead] = await L().readGroup(`${stream}:dead`, 'check', 'x', { count: 10 });
      expect(dead!.fields.reason).toMatch(/^failed 3 times: index row/);
      expect(JSON.parse(JSON.parse(dead!.fields.raw!).d as string)).toMatchObject({ seq: 13 });
    });

    it(`${kind}: claims the entries of dead consumers and removes them from the group (XINFO CONSUMERS / XGROUP DELCONSUMER)`, async () => {
      const stream = `${prefix}:${kind}:reap`;
      const table = await makeTable(`t_${kind}_reap`);
      await L().ensureGroup(stream, 'persister');
      await L().append(stream, Array.from({ length: 5 }, (_, i) => encodeEvent('ev', { seq: i, px: i, venue: 'kalshi' })));
      await L().readGroup(stream, 'persister', 'persister-101', { count: 3 }); // died holding three entries
      const two = await L().readGroup(stream, 'persister', 'persister-102', { count: 2 });
      await L().ack(stream, 'persister', two.map((e) => e.id)); // died with nothing pending
      await sleep(250);
      const p = startPersister({ log: L(), pool, sinks: [sinkFor(stream, table)], consumer: 'c-reap', batchSize: 100, blockMs: 50, claimIdleMs: 0, deadConsumerIdleMs: 200 });
      try {
        for (let i = 0; i < 200 && p.stats.consumersRemoved < 2; i++) await sleep(25);
        expect(p.stats.consumersRemoved).toBe(2);
        expect(await count(table)).toBe(3);
        expect((await L().consumers(stream, 'persister')).map((c) => c.name)).toEqual(['c-reap']);
      } finally {
        await p.stop();
      }
      expect(await L().pending(stream, 'persister')).toEqual({ count: 0, consumers: {} });
    });
  }

  it('kill test: 100,000 entries, consumer SIGKILLed at random moments, every entry in the table exactly once', async () => {
    const N = 100_000;
    const stream = `${prefix}:kill`;
    const table = await makeTable('t_kill');
    const BAD = 10;
    const badAt = new Set(Array.from({ length: BAD }, (_, i) => Math.floor(((i + 0.5) * N) / BAD)));
    for (let start = 0; start < N; start += 5000) {
      const batch = [];
      for (let i = start; i < start + 5000; i++) {
        batch.push(encodeEvent('ev', { seq: i, px: i, venue: i % 2 ? 'kalshi' : 'polymarket' }));
        if (badAt.has(i)) batch.push({ t: 'ev', d: `{"seq":${i},"broken` });
      }
      await log.append(stream, batch, { maxLen: 0 });
    }
    expect(await log.length(stream)).toBe(N + BAD);

    const stderr: string[] = [];
    const spawnWorker = (consumer: string): ChildProcess => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'tests/store/persister-worker.ts'], {
        cwd: ROOT,
        env: { ...process.env, REDIS_URL, DATABASE_URL, STREAM: stream, TABLE: table, CONSUMER: consumer, BATCH: '1000', CLAIM_IDLE_MS: '1000', LOG_LEVEL: 'error' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stderr!.on('data', (b: Buffer) => stderr.push(b.toString()));
      return child;
    };
    const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));

    let killsMidWork = 0;
    for (let round = 0; round < 6; round++) {
      const before = await count(table);
      if (before >= N) break;
      // same consumer name on even rounds (own pending re-read), a new one on odd rounds (XAUTOCLAIM)
      const child = spawnWorker(round % 2 === 0 ? 'w-same' : `w-${round}`);
      for (let i = 0; i < 600 && (await count(table)) === before; i++) await sleep(20);
      await sleep(Math.floor(Math.random() * 150));
      if ((await count(table)) < N) killsMidWork += 1;
      child.kill('SIGKILL');
      await exited(child);
    }
    expect(killsMidWork, stderr.join('')).toBeGreaterThanOrEqual(5);

    const last = spawnWorker('w-final');
    let stdout = '';
    last.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
    try {
      for (let i = 0; i < 1500; i++) {
        if ((await count(table)) === N && (await log.pending(stream, 'persister')).count === 0) break;
        await sleep(40);
      }
    } finally {
      last.kill('SIGTERM');
      await exited(last);
    }

    expect(await count(table), stderr.join('')).toBe(N);
    expect(await count(table, 'count(DISTINCT seq)')).toBe(N);
    expect(await count(table, 'count(DISTINCT entry_id)')).toBe(N);
    const missing = await pool.query(`SELECT count(*) AS n FROM generate_series(0, ${N - 1}) g WHERE NOT EXISTS (SELECT 1 FROM ${table} t WHERE t.seq = g)`);
    expect(Number(missing.rows[0].n)).toBe(0);
    expect((await log.pending(stream, 'persister')).count).toBe(0);
    // bad entries dead-lettered (a kill between dead-letter and ack may repeat one, never lose one)
    const deadRead = await log.readGroup(`${stream}:dead`, 'check', 'x', { count: 1000 }).catch(async () => {
      await log.ensureGroup(`${stream}:dead`, 'check');
      return log.readGroup(`${stream}:dead`, 'check', 'x', { count: 1000 });
    });
    expect(new Set(deadRead.map((e) => e.fields.id)).size).toBe(BAD);
    const finalStats = z.object({ rowsInserted: z.number() }).safeParse(JSON.parse(stdout.trim().split('\n').at(-1) || '{}'));
    expect(finalStats.success).toBe(true);
  });
});
