/** Persister logic against the in-process stream log and a scripted database (hermetic). */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { copyValue, defineSink, startPersister, type PersisterBatch, type Queryable } from '../../src/store/persister.js';
import { encodeEvent } from '../../src/store/streams/deadletter.js';
import { MemoryStreamLog } from '../../src/store/streams/memory.js';

const Ev = z.object({ seq: z.number().int() });
const sink = defineSink({ stream: 's', table: 'public.t', columns: ['seq', 'entry_id'], conflictKey: ['seq'], schema: Ev, toRow: (e, id) => [e.seq, id] });
const until = async (cond: () => boolean | Promise<boolean>) => {
  for (let i = 0; i < 500; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('condition not reached');
};

/** A db whose answers the test scripts: each query waits in `calls` until resolved or rejected. */
function scriptedDb() {
  const calls: { text: string; values: unknown[]; resolve: (n: number) => void; reject: (e: unknown) => void }[] = [];
  const db: Queryable = {
    query: (text, values = []) => new Promise((resolve, reject) => calls.push({ text, values, resolve: (n) => resolve({ rowCount: n }), reject })),
  };
  return { db, calls };
}

describe('startPersister', () => {
  it('acks only after the write resolved (committed)', async () => {
    const log = new MemoryStreamLog();
    await log.append('s', [1, 2, 3].map((seq) => encodeEvent('ev', { seq })));
    const { db, calls } = scriptedDb();
    const p = startPersister({ log, pool: db, sinks: [sink], consumer: 'c', batchSize: 10, blockMs: 10, method: 'values' });
    await until(() => calls.length === 1);
    expect(calls[0]!.text).toMatch(/^INSERT INTO "public"."t" \("seq", "entry_id"\) VALUES \(\$1,\$2\),\(\$3,\$4\),\(\$5,\$6\) ON CONFLICT \("seq"\) DO NOTHING$/);
    expect(calls[0]!.values.filter((_, i) => i % 2 === 0)).toEqual([1, 2, 3]);
    await new Promise((r) => setTimeout(r, 30));
    expect((await log.pending('s', 'persister')).count).toBe(3); // not yet committed: nothing acked
    calls[0]!.resolve(2); // one was already there
    await until(async () => (await log.pending('s', 'persister')).count === 0);
    await p.stop();
    expect(p.stats).toMatchObject({ rowsInserted: 2, duplicatesSkipped: 1, batches: 1, failures: 0 });
    await log.close();
  });

  it('a failed write leaves the entries pending and retries them', async () => {
    const log = new MemoryStreamLog();
    await log.append('s', [1, 2].map((seq) => encodeEvent('ev', { seq })));
    const { db, calls } = scriptedDb();
    const p = startPersister({ log, pool: db, sinks: [sink], consumer: 'c', batchSize: 10, blockMs: 10, method: 'values', retryDelayMs: 10 });
    await until(() => calls.length === 1);
    calls[0]!.reject(Object.assign(new Error('connection reset'), { code: 'ECONNRESET' }));
    await until(() => calls.length === 2);
    expect((await log.pending('s', 'persister')).count).toBe(2);
    expect(calls[1]!.values).toEqual(calls[0]!.values);
    calls[1]!.resolve(2);
    await until(async () => (await log.pending('s', 'persister')).count === 0);
    await p.stop();
    expect(p.stats).toMatchObject({ rowsInserted: 2, failures: 1 });
    await log.close();
  });

  it('isolates a row the database rejects (SQLSTATE 22/23) and dead-letters only that row', async () => {
    const log = new MemoryStreamLog();
    await log.append('s', [1, 2, 3, 4].map((seq) => encodeEvent('ev', { seq })));
    const db: Queryable = {
      query: async (_text, values = []) => {
        if (values.includes(3)) throw Object.assign(new Error('value out of range'), { code: '22003' });
        return { rowCount: values.length / 2 };
      },
    };
    const p = startPersister({ log, pool: db, sinks: [sink], consumer: 'c', batchSize: 10, blockMs: 10, method: 'values' });
    await until(async () => (await log.pending('s', 'persister')).count === 0 && p.stats.deadLettered === 1);
    await p.stop();
    expect(p.stats).toMatchObject({ rowsInserted: 3, duplicatesSkipped: 0, deadLettered: 1, failures: 0 });
    await log.ensureGroup('s:dead', 'x');
    const dead = await log.readGroup('s:dead', 'x', 'x', { count: 10 });
    expect(dead).toHaveLength(1);
    expect(dead[0]!.fields.reason).toMatch(/^db: value out of range/);
    expect(JSON.parse(JSON.parse(dead[0]!.fields.raw!).d)).toEqual({ seq: 3 });
    await log.close();
  });

  it('an entry whose write keeps failing (database up) is dead-lettered with its error after maxFailures, the rest is written', async () => {
    const log = new MemoryStreamLog();
    await log.append('s', [1, 2, 3, 4].map((seq) => encodeEvent('ev', { seq })));
    let selects = 0;
    const db: Queryable = {
      query: async (text, values = []) => {
        if (text === 'SELECT 1') {
          selects += 1;
          return { rowCount: 1 };
        }
        if (values.includes(3)) throw new TypeError('cannot serialize value'); // not a data error, not the connection
        return { rowCount: values.length / 2 };
      },
    };
    const p = startPersister({ log, pool: db, sinks: [sink], consumer: 'c', batchSize: 10, blockMs: 10, method: 'values', retryDelayMs: 5, maxFailures: 3 });
    await until(() => p.stats.deadLettered === 1);
    await until(async () => (await log.pending('s', 'persister')).count === 0);
    await p.stop();
    // tries 1 and 2 leave it pending (the others are written and acked at once), try 3 dead-letters it
    expect(p.stats).toMatchObject({ rowsInserted: 3, deadLettered: 1, failures: 2 });
    expect(selects).toBe(3); // blamed only after the database answered
    await log.ensureGroup('s:dead', 'x');
    const [dead] = await log.readGroup('s:dead', 'x', 'x', { count: 10 });
    expect(dead!.fields.reason).toBe('failed 3 times: cannot serialize value');
    expect(JSON.parse(JSON.parse(dead!.fields.raw!).d)).toEqual({ seq: 3 });
    await log.close();
  });

  it('never blames an entry while the database is down, whatever the error looks like', async () => {
    const log = new MemoryStreamLog();
    await log.append('s', [1, 2].map((seq) => encodeEvent('ev', { seq })));
    let down = true;
    let writes = 0;
    const db: Queryable = {
      query: async (text, values = []) => {
        if (down) throw new Error(text === 'SELECT 1' ? 'boom' : 'unexpected failure');
        writes += 1;
        return { rowCount: values.length / 2 };
      },
    };
    const p = startPersister({ log, pool: db, sinks: [sink], consumer: 'c', batchSize: 10, blockMs: 10, method: 'values', retryDelayMs: 2, maxFailures: 2 });
    await until(() => p.stats.failures >= 6);
    expect(p.stats.deadLettered).toBe(0);
    expect((await log.pending('s', 'persister')).count).toBe(2);
    down = false;
    await until(() => p.stats.rowsInserted === 2);
    await p.stop();
    expect(writes).toBe(1);
    expect(p.stats.deadLettered).toBe(0);
    expect(await log.length('s:dead')).toBe(0);
    await log.close();
  });

  it('stop() drains: an entry appended while a batch is being written is persisted before stop resolves', async () => {
    const log = new MemoryStreamLog();
    await log.append('s', encodeEvent('ev', { seq: 1 }));
    const { db, calls } = scriptedDb();
    const p = startPersister({ log, pool: db, sinks: [sink], consumer: 'c', batchSize: 10, blockMs: 5_000, method: 'values' });
    await until(() => calls.length === 1);
    await log.append('s', encodeEvent('ev', { seq: 2 })); // e.g. the last feed status at shutdown
    const stopped = p.stop();
    calls[0]!.resolve(1);
    await until(() => calls.length === 2);
    expect(calls[1]!.values).toEqual([2, expect.any(String)]);
    calls[1]!.resolve(1);
    await stopped;
    expect(p.stats).toMatchObject({ rowsInserted: 2, failures: 0 });
    expect(await log.pending('s', 'persister')).toEqual({ count: 0, consumers: {} });
    // a clean stop leaves no consumer behind
    expect(await log.consumers('s', 'persister')).toEqual([]);
    await log.close();
  });

  it('claims the entries of a dead consumer and removes dead consumers from the group', async () => {
    const log = new MemoryStreamLog();
    await log.ensureGroup('s', 'persister');
    await log.append('s', [1, 2, 3].map((seq) => encodeEvent('ev', { seq })));
    await log.readGroup('s', 'persister', 'persister-old', { count: 2 }); // died holding two entries
    const [third] = await log.readGroup('s', 'persister', 'persister-older', { count: 1 });
    await log.ack('s', 'persister', [third!.id]); // died with nothing pending
    await new Promise((r) => setTimeout(r, 60));
    const written: unknown[] = [];
    const db: Queryable = {
      query: async (_t, values = []) => {
        written.push(...values.filter((_, i) => i % 2 === 0));
        return { rowCount: values.length / 2 };
      },
    };
    // claimIdleMs 0: XAUTOCLAIM is off, so only the dead-consumer sweep can pick the entries up
    const p = startPersister({ log, pool: db, sinks: [sink], consumer: 'c', batchSize: 10, blockMs: 10, method: 'values', claimIdleMs: 0, deadConsumerIdleMs: 50 });
    await until(() => p.stats.consumersRemoved === 2);
    expect(written).toEqual([1, 2]);
    expect((await log.consumers('s', 'persister')).map((c) => c.name)).toEqual(['c']);
    expect(await log.pending('s', 'persister')).toEqual({ count: 0, consumers: {} });
    await p.stop();
    await log.close();
  });

  it('reports lag (age of the oldest unwritten entry) while a batch is in hand and through a failed retry, 0 once written; times every batch', async () => {
    let skew = 5000; // entries appended "5 s ago"
    const log = new MemoryStreamLog({ now: () => Date.now() - skew });
    await log.append('s', [1, 2, 3].map((seq) => encodeEvent('ev', { seq })));
    skew = 0;
    const { db, calls } = scriptedDb();
    const batches: PersisterBatch[] = [];
    const p = startPersister({ log, pool: db, sinks: [sink], consumer: 'c', batchSize: 10, blockMs: 10, method: 'values', retryDelayMs: 150 });
    p.onBatch((b) => batches.push(b));
    expect(p.sinks()).toEqual([{ stream: 's', table: 'public.t', lagSeconds: 0, deadLettered: 0 }]); // nothing read yet
    await until(() => calls.length === 1);
    const inHand = p.sinks()[0]!.lagSeconds;
    expect(inHand).toBeGreaterThanOrEqual(4.9);
    expect(inHand).toBeLessThan(30);
    expect(await p.pending()).toEqual([{ stream: 's', count: 3 }]);
    calls[0]!.reject(Object.assign(new Error('connection reset'), { code: 'ECONNRESET' }));
    await until(() => batches.length === 1);
    expect(batches[0]).toMatchObject({ stream: 's', table: 'public.t', entries: 3, inserted: 0, ok: false });
    // during the retry pause nothing is in hand, but the failed entries are still unwritten
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toHaveLength(1);
    expect(p.sinks()[0]!.lagSeconds).toBeGreaterThanOrEqual(inHand);
    await until(() => calls.length === 2);
    calls[1]!.resolve(3);
    await until(() => batches.length === 2);
    expect(batches[1]).toMatchObject({ entries: 3, inserted: 3, ok: true });
    expect(batches[1]!.seconds).toBeGreaterThanOrEqual(0);
    await until(async () => (await log.pending('s', 'persister')).count === 0);
    expect(p.sinks()[0]!.lagSeconds).toBe(0); // caught up: blocked on an empty read
    // a new entry is written at once: its batch is in hand for a moment only
    await log.append('s', encodeEvent('ev', { seq: 4 }));
    await until(() => calls.length === 3);
    expect(p.sinks()[0]!.lagSeconds).toBeLessThan(1);
    calls[2]!.resolve(1);
    await until(() => batches.length === 3);
    expect(await p.pending()).toEqual([{ stream: 's', count: 0 }]);
    await p.stop();
    await log.close();
  });

  it('counts dead letters by stream', async () => {
    const log = new MemoryStreamLog();
    await log.append('s', [encodeEvent('ev', { seq: 1 }), encodeEvent('ev', { seq: 'not a number' }), encodeEvent('ev', { seq: 2 })]);
    const db: Queryable = { query: async (_t, values = []) => ({ rowCount: values.length / 2 }) };
    const p = startPersister({ log, pool: db, sinks: [sink], consumer: 'c', batchSize: 10, blockMs: 10, method: 'values' });
    await until(() => p.stats.deadLettered === 1);
    expect(p.sinks()).toEqual([{ stream: 's', table: 'public.t', lagSeconds: expect.any(Number), deadLettered: 1 }]);
    await p.stop();
    expect(p.stats.rowsInserted).toBe(2);
    await log.close();
  });

  it("rejects unsafe identifiers and 'copy' without a pool", () => {
    const log = new MemoryStreamLog();
    const { db } = scriptedDb();
    expect(() => startPersister({ log, pool: db, sinks: [{ ...sink, table: 't; DROP TABLE x' }], consumer: 'c' })).toThrow(/identifier/);
    expect(() => startPersister({ log, pool: db, sinks: [sink], consumer: 'c', method: 'copy' })).toThrow(/connect/);
  });
});

describe('copyValue', () => {
  it('escapes COPY text format', () => {
    expect(copyValue(null)).toBe('\\N');
    expect(copyValue('a\tb\nc\\d\re')).toBe('a\\tb\\nc\\\\d\\re');
    expect(copyValue(12)).toBe('12');
    expect(copyValue(true)).toBe('t');
    expect(copyValue({ a: 1 })).toBe('{"a":1}');
  });
});
