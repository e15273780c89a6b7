import { concat, firstValueFrom, from, lastValueFrom, of, Subject, throwError, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { MemoryStreamLog } from '../../../src/store/streams/memory.js';
import { appendTo, fromStream, type StreamBatch } from '../../../src/store/streams/rx.js';
import type { StreamLog } from '../../../src/store/streams/types.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fill = (n: number) => Array.from({ length: n }, (_, i) => ({ d: String(i) }));

describe('fromStream', () => {
  it('emits batches in order and reads every entry once when each batch is acked', async () => {
    const seen: string[] = [];
    const log2 = new MemoryStreamLog();
    await log2.append('s', fill(25));
    await new Promise<void>((resolve) => {
      const sub = fromStream(log2, { stream: 's', group: 'g', consumer: 'c', batchSize: 10, blockMs: 20 }).subscribe((b) => {
        seen.push(...b.entries.map((e) => e.fields.d!));
        void b.ack().then(() => {
          if (seen.length === 25) {
            sub.unsubscribe();
            resolve();
          }
        });
      });
    });
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => String(i)));
    expect((await log2.pending('s', 'g')).count).toBe(0);
    await log2.close();
  });

  it('is bounded: reads nothing more until the emitted batch is acked or released', async () => {
    const log = new MemoryStreamLog();
    await log.append('s', fill(100));
    const got: StreamBatch[] = [];
    const sub = fromStream(log, { stream: 's', group: 'g', consumer: 'slow', batchSize: 10, blockMs: 10 }).subscribe((b) => got.push(b));
    await sleep(100);
    expect(got).toHaveLength(1);
    // only one batch was taken from the stream; the other 90 entries wait there, not in memory
    expect(await log.pending('s', 'g')).toEqual({ count: 10, consumers: { slow: 10 } });
    await got[0]!.ack();
    await sleep(50);
    expect(got).toHaveLength(2);
    expect((await log.pending('s', 'g')).count).toBe(10);
    got[1]!.release(); // handled without ack: stays pending
    await sleep(50);
    expect(got).toHaveLength(3);
    expect((await log.pending('s', 'g')).count).toBe(20);
    sub.unsubscribe();
    await log.close();
  });

  it('re-delivers own pending entries first after a restart under the same name', async () => {
    const log = new MemoryStreamLog();
    await log.append('s', fill(5));
    const first = await firstValueFrom(fromStream(log, { stream: 's', group: 'g', consumer: 'c', batchSize: 3, blockMs: 10 }));
    expect(first.entries.map((e) => e.fields.d)).toEqual(['0', '1', '2']);
    // "crash": never acked. Restart:
    const again = await firstValueFrom(fromStream(log, { stream: 's', group: 'g', consumer: 'c', batchSize: 3, blockMs: 10 }));
    expect(again.entries.map((e) => e.fields.d)).toEqual(['0', '1', '2']);
    await log.close();
  });

  it('reclaims entries stuck on a dead consumer', async () => {
    const log = new MemoryStreamLog();
    await log.append('s', fill(3));
    await log.ensureGroup('s', 'g');
    await log.readGroup('s', 'g', 'dead', { count: 3 });
    await sleep(30);
    const b = await firstValueFrom(fromStream(log, { stream: 's', group: 'g', consumer: 'live', batchSize: 10, blockMs: 10, claimIdleMs: 20 }));
    expect(b.entries.map((e) => e.fields.d)).toEqual(['0', '1', '2']);
    await b.ack();
    expect(await log.pending('s', 'g')).toEqual({ count: 0, consumers: {} });
    await log.close();
  });

  it('errors when a read fails', async () => {
    const log = new MemoryStreamLog();
    await log.close();
    await expect(firstValueFrom(fromStream(log, { stream: 's', group: 'g', consumer: 'c' }))).rejects.toThrow(/closed/);
  });
});

describe('appendTo', () => {
  it('appends every value in order and emits ids; batches values that arrive during an append', async () => {
    const log = new MemoryStreamLog();
    const calls: number[] = [];
    const spy: StreamLog = Object.assign(Object.create(log) as StreamLog, {
      append: (s: string, e: Parameters<StreamLog['append']>[1], o?: Parameters<StreamLog['append']>[2]) => {
        calls.push(Array.isArray(e) ? e.length : 1);
        return log.append(s, e, o);
      },
    });
    const ids = await lastValueFrom(from([1, 2, 3, 4, 5]).pipe(appendTo(spy, 's', (n) => ({ d: String(n) })), toArray()));
    expect(ids).toHaveLength(5);
    expect(calls).toEqual([1, 4]); // first alone, the rest while it was in flight
    await log.ensureGroup('s', 'g');
    const entries = await log.readGroup('s', 'g', 'c', { count: 10 });
    expect(entries.map((e) => e.id)).toEqual(ids);
    expect(entries.map((e) => e.fields.d)).toEqual(['1', '2', '3', '4', '5']);
  });

  it('respects maxBatch', async () => {
    const log = new MemoryStreamLog();
    const sizes: number[] = [];
    const spy: StreamLog = Object.assign(Object.create(log) as StreamLog, {
      append: (s: string, e: Parameters<StreamLog['append']>[1]) => {
        sizes.push(Array.isArray(e) ? e.length : 1);
        return log.append(s, e);
      },
    });
    const src = new Subject<number>();
    const out = lastValueFrom(src.pipe(appendTo(spy, 's', (n) => ({ d: String(n) }), { maxBatch: 3 }), toArray()));
    for (let i = 0; i < 8; i++) src.next(i);
    src.complete();
    expect(await out).toHaveLength(8);
    expect(sizes).toEqual([1, 3, 3, 1]);
  });

  it('appends what was buffered before passing on a source error', async () => {
    const log = new MemoryStreamLog();
    const src = concat(of(1, 2, 3), throwError(() => new Error('boom')));
    await expect(lastValueFrom(src.pipe(appendTo(log, 's', (n) => ({ d: String(n) }))))).rejects.toThrow('boom');
    expect(await log.length('s')).toBe(3);
  });

  it('on unsubscribe still appends everything it had taken (in flight and buffered)', async () => {
    const log = new MemoryStreamLog();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const sizes: number[] = [];
    const slow: StreamLog = Object.assign(Object.create(log) as StreamLog, {
      append: async (s: string, e: Parameters<StreamLog['append']>[1]) => {
        sizes.push(Array.isArray(e) ? e.length : 1);
        await gate; // the first append is in flight while the rest is buffered
        return log.append(s, e);
      },
    });
    const src = new Subject<number>();
    const sub = src.pipe(appendTo(slow, 's', (n) => ({ d: String(n) }), { maxBatch: 2 })).subscribe();
    for (let i = 0; i < 5; i++) src.next(i);
    sub.unsubscribe();
    release();
    for (let i = 0; i < 50 && (await log.length('s')) < 5; i++) await new Promise((r) => setTimeout(r, 2));
    expect(sizes).toEqual([1, 2, 2]);
    await log.ensureGroup('s', 'g');
    expect((await log.readGroup('s', 'g', 'c', { count: 10 })).map((e) => e.fields.d)).toEqual(['0', '1', '2', '3', '4']);
  });

  it('errors on an encode failure and on an append failure', async () => {
    const log = new MemoryStreamLog();
    await expect(
      lastValueFrom(of(1).pipe(appendTo(log, 's', () => { throw new Error('bad encode'); }))),
    ).rejects.toThrow('bad encode');
    await log.close();
    await expect(lastValueFrom(of(1).pipe(appendTo(log, 's', (n) => ({ d: String(n) }))))).rejects.toThrow(/closed/);
  });
});
