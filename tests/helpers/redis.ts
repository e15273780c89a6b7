/**
 * Real Redis for integration tests (127.0.0.1:6379 or REDIS_URL). Suites gate on it with
 * `redisGate()` / `servicesGate()` (tests/helpers/gates.ts): with CI=true a missing Redis FAILS the
 * suite (requireRedis throws); locally the suite is skipped with the reason in its title.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const CI = process.env.CI === 'true' || process.env.CI === '1';

/** true when a PING to REDIS_URL answers within a second */
export async function redisReachable(url = REDIS_URL): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/** Throws a clear error when Redis is not reachable (call it in beforeAll). */
export async function requireRedis(): Promise<string> {
  if (!(await redisReachable())) throw new Error(`Redis not reachable at ${REDIS_URL} (start redis-server or set REDIS_URL)`);
  return REDIS_URL;
}

/** a key prefix unique to this run, e.g. `t_3fa9c1`; Redis keys and stream names start with it */
export const uniquePrefix = (tag = 't'): string => `${tag}_${randomBytes(4).toString('hex')}`;

/** Deletes every key starting with `prefix` (SCAN, never KEYS). */
export async function deleteKeys(prefix: string, url = REDIS_URL): Promise<number> {
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  let n = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) n += await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
  return n;
}
