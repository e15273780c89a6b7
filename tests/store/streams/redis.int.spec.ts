import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisStreamLog } from '../../../src/store/streams/redis.js';
import { createStreamLog } from '../../../src/store/streams/index.js';
import { deleteKeys, REDIS_URL, requireRedis, uniquePrefix } from '../../helpers/redis.js';
import { redisGate } from '../../helpers/gates.js';
import { runStreamLogContract } from './contract.js';

const d = (await redisGate()).describe;
const prefix = uniquePrefix('streamlog');

runStreamLogContract(
  'redis',
  async () => {
    await requireRedis();
    const log = new RedisStreamLog({ url: REDIS_URL, prefix });
    return { log, key: (n) => `${prefix}:test:redis:${n}:${Math.random().toString(36).slice(2, 8)}`, cleanup: () => log.close() };
  },
  d,
);

d('RedisStreamLog wiring', () => {
  beforeAll(requireRedis);
  afterAll(async () => {
    await deleteKeys(prefix);
  });
  it('createStreamLog builds a Redis log from cfg.redis', async () => {
    const log = createStreamLog({ mode: 'redis', url: REDIS_URL, maxLen: 1000, prefix });
    try {
      expect(log.kind).toBe('redis');
      await log.append(`${prefix}:wiring`, { d: '1' });
      expect(await log.length(`${prefix}:wiring`)).toBe(1);
    } finally {
      await log.close();
    }
  });
});
