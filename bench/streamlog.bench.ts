/**
 * Stream log vs raw ioredis on the same Redis, in one run:
 *  - append: RedisStreamLog.append (batches of 1000) vs raw pipelined XADD of the same fields;
 *  - group read: RedisStreamLog.readGroup (COUNT 1000) vs raw XREADGROUP COUNT 1000.
 * Raw and ours alternate in paired rounds (BENCH_ROUNDS, default 3); see pairedRow.
 */
import { Redis } from 'ioredis';
import { encodeEvent } from '../src/store/streams/deadletter.js';
import { RedisStreamLog } from '../src/store/streams/redis.js';
import { pairedRow, rate, REDIS_URL, type BenchRow } from './types.js';

const N = 50_000;
const BATCH = 1000;

export async function run(): Promise<BenchRow[]> {
  const raw = new Redis(REDIS_URL);
  const log = new RedisStreamLog({ url: REDIS_URL });
  const prefix = `bench_${Date.now()}`;
  const fields = Array.from({ length: N }, (_, i) => encodeEvent('book', { seq: i, venue: 'kalshi', market: 'KXBTC', bidPx: 480_000 + (i % 100), bidQty: 1_000_000 }));
  let k = 0;
  const keys: string[] = [];
  const fresh = (): string => {
    const key = `${prefix}:${k++}`;
    keys.push(key);
    return key;
  };
  try {
    const rawAppend = async (key: string): Promise<number> => {
      const t = performance.now();
      for (let i = 0; i < N; i += BATCH) {
        const p = raw.pipeline();
        for (let j = i; j < i + BATCH; j++) p.xadd(key, '*', 't', fields[j]!.t!, 'd', fields[j]!.d!);
        await p.exec();
      }
      return rate(N, performance.now() - t);
    };
    const ourAppend = async (key: string): Promise<number> => {
      const t = performance.now();
      for (let i = 0; i < N; i += BATCH) await log.append(key, fields.slice(i, i + BATCH), { maxLen: 0 });
      return rate(N, performance.now() - t);
    };
    const rawRead = async (key: string): Promise<number> => {
      await raw.xgroup('CREATE', key, 'g', '0');
      const t = performance.now();
      let n = 0;
      while (n < N) {
        const res = (await raw.xreadgroup('GROUP', 'g', 'c', 'COUNT', BATCH, 'STREAMS', key, '>')) as [string, unknown[]][] | null;
        n += res?.[0]?.[1].length ?? 0;
      }
      return rate(n, performance.now() - t);
    };
    const ourRead = async (key: string): Promise<number> => {
      await log.ensureGroup(key, 'g');
      const t = performance.now();
      let n = 0;
      while (n < N) n += (await log.readGroup(key, 'g', 'c', { count: BATCH })).length;
      return rate(n, performance.now() - t);
    };
    const rawA: number[] = [], ourA: number[] = [], rawR: number[] = [], ourR: number[] = [];
    for (let round = 0; round < Number(process.env.BENCH_ROUNDS ?? 3); round++) {
      const a = fresh();
      const b = fresh();
      rawA.push(await rawAppend(a));
      ourA.push(await ourAppend(b));
      rawR.push(await rawRead(b)); // both read the same content (one written by each)
      ourR.push(await ourRead(a));
      await raw.del(a, b);
    }
    return [
      pairedRow(`append (batch ${BATCH})`, ourA, rawA, 'entries/s', 'vs raw pipelined XADD'),
      pairedRow(`group read (COUNT ${BATCH})`, ourR, rawR, 'entries/s', 'vs raw XREADGROUP'),
    ];
  } finally {
    if (keys.length) await raw.del(...keys);
    await log.close();
    raw.disconnect();
  }
}
