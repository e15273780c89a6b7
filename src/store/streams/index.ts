/**
 * Stream log entry point: `createStreamLog(cfg.redis)` gives Redis Streams when REDIS_URL is set,
 * else the in-process stand-in (one process, not durable: see README.md here).
 */
import type { Config } from '../../config.js';
import { MemoryStreamLog } from './memory.js';
import { RedisStreamLog } from './redis.js';
import type { StreamLog } from './types.js';

export function createStreamLog(cfg: Config['redis']): StreamLog {
  return cfg.mode === 'redis'
    ? new RedisStreamLog({ url: cfg.url, maxLen: cfg.maxLen, prefix: cfg.prefix })
    : new MemoryStreamLog({ maxLen: cfg.maxLen });
}

export * from './types.js';
export { checkpointKey, liveChannelPrefix } from './namespace.js';
export { MemoryStreamLog } from './memory.js';
export { RedisStreamLog } from './redis.js';
