/**
 * StreamLog on Redis Streams (ioredis): pipelined XADD MAXLEN ~ for batches, XREADGROUP,
 * XACK, XAUTOCLAIM, XPENDING, XINFO CONSUMERS, XCLAIM, a guarded XGROUP DELCONSUMER (Lua);
 * checkpoints in one hash `<prefix>:checkpoints`.
 * Blocking reads run on their own connections (a blocked XREADGROUP holds its connection),
 * taken from a small pool, so acks and appends never wait behind them.
 */
import { Redis } from 'ioredis';
import { log } from '../../log.js';
import { checkpointKey } from './namespace.js';
import type { AppendOptions, ClaimOptions, ConsumerInfo, DeleteConsumerOptions, Fields, PendingSummary, ReadOptions, StreamEntry, StreamLog } from './types.js';

export interface RedisStreamLogOptions {
  /** redis:// URL, or an existing client (not closed by close()) */
  readonly url?: string;
  readonly client?: Redis;
  /** default approximate MAXLEN per stream; 0 = unbounded */
  readonly maxLen?: number;
  /** the deployment's namespace (config.redis.prefix): checkpoints in `<prefix>:checkpoints`; default 'stream' */
  readonly prefix?: string;
}

type RawEntry = [string, string[] | null];

/**
 * Deletes consumer ARGV[2] of group ARGV[1] only if it has no pending entries and has been idle
 * at least ARGV[3] ms. Atomic: no read can hand it an entry between the check and the delete.
 */
const DELETE_IDLE_CONSUMER = `
for _, c in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local f = {}
  for i = 1, #c, 2 do f[c[i]] = c[i + 1] end
  if f['name'] == ARGV[2] then
    if tonumber(f['pending']) == 0 and tonumber(f['idle']) >= tonumber(ARGV[3]) then
      redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
      return 1
    end
    return 0
  end
end
return 0`;

/** A flat [k1, v1, k2, v2, ...] reply as a map. */
function pairs(flat: unknown): Map<string, unknown> {
  const m = new Map<string, unknown>();
  if (Array.isArray(flat)) for (let i = 0; i + 1 < flat.length; i += 2) m.set(String(flat[i]), flat[i + 1]);
  return m;
}

function toEntries(raw: unknown, stream: string): StreamEntry[] {
  if (!Array.isArray(raw)) return [];
  const out: StreamEntry[] = [];
  let trimmed = 0;
  for (const item of raw as RawEntry[]) {
    const [id, flat] = item;
    if (!flat) {
      trimmed += 1;
      continue;
    }
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
    out.push({ id, fields });
  }
  if (trimmed) log.warn({ stream, trimmed }, 'pending entries were trimmed before they were processed');
  return out;
}

export class RedisStreamLog implements StreamLog {
  readonly kind = 'redis' as const;
  private readonly redis: Redis;
  private readonly owned: boolean;
  private readonly idle: Redis[] = [];
  private readonly busy = new Set<Redis>();
  private readonly maxLen: number;
  private readonly checkpointKey: string;
  private closed = false;
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(opts: RedisStreamLogOptions) {
    if (opts.client) {
      this.redis = opts.client;
      this.owned = false;
    } else if (opts.url) {
      this.redis = new Redis(opts.url, { lazyConnect: false, maxRetriesPerRequest: 20 });
      this.owned = true;
    } else throw new Error('RedisStreamLog needs a url or a client');
    this.redis.on('error', (err: Error) => log.warn({ err }, 'redis stream log connection error'));
    this.maxLen = opts.maxLen ?? 0;
    this.checkpointKey = checkpointKey(opts.prefix ?? 'stream');
  }

  private blockingClient(): Redis {
    const c = this.idle.pop() ?? this.redis.duplicate();
    if (!c.listenerCount('error')) c.on('error', (err: Error) => log.warn({ err }, 'redis blocking connection error'));
    this.busy.add(c);
    return c;
  }

  private release(c: Redis): void {
    this.busy.delete(c);
    if (this.closed) c.disconnect();
    else this.idle.push(c);
  }

  append(stream: string, entries: Fields | readonly Fields[], opts: AppendOptions = {}): Promise<string[]> {
    const p = this.xadd(stream, entries, opts);
    this.inflight.add(p);
    p.finally(() => this.inflight.delete(p)).catch(() => undefined);
    return p;
  }

  async flush(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  private async xadd(stream: string, entries: Fields | readonly Fields[], opts: AppendOptions): Promise<string[]> {
    const list: readonly Fields[] = Array.isArray(entries) ? entries : [entries as Fields];
    if (!list.length) return [];
    const maxLen = opts.maxLen ?? this.maxLen;
    const head: (string | number)[] = maxLen > 0 ? [stream, 'MAXLEN', '~', maxLen, '*'] : [stream, '*'];
    const argsOf = (f: Fields): (string | number)[] => {
      const args = head.slice();
      for (const k in f) args.push(k, f[k]!);
      return args;
    };
    if (list.length === 1) return [(await this.redis.call('XADD', argsOf(list[0]!))) as string];
    const p = this.redis.pipeline();
    for (const f of list) p.call('XADD', argsOf(f));
    const res = (await p.exec()) ?? [];
    return res.map(([err, id]) => {
      if (err) throw err;
      return id as string;
    });
  }

  async ensureGroup(stream: string, group: string, startId = '0'): Promise<void> {
    try {
      await this.redis.xgroup('CREATE', stream, group, startId, 'MKSTREAM');
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith('BUSYGROUP'))) throw err;
    }
  }

  async readGroup(stream: string, group: string, consumer: string, opts: ReadOptions): Promise<StreamEntry[]> {
    const from = opts.pending ? (opts.after ?? '0') : '>';
    const block = !opts.pending && opts.blockMs ? opts.blockMs : 0;
    const args: (string | number)[] = ['GROUP', group, consumer, 'COUNT', opts.count];
    if (block) args.push('BLOCK', block);
    args.push('STREAMS', stream, from);
    if (!block) return toEntries(firstStream(await this.redis.call('XREADGROUP', args)), stream);
    const c = this.blockingClient();
    try {
      return toEntries(firstStream(await c.call('XREADGROUP', args)), stream);
    } catch (err) {
      if (this.closed) return [];
      throw err;
    } finally {
      this.release(c);
    }
  }

  async ack(stream: string, group: string, ids: readonly string[]): Promise<number> {
    if (!ids.length) return 0;
    return this.redis.xack(stream, group, ...ids);
  }

  async claimStuck(stream: string, group: string, consumer: string, opts: ClaimOptions): Promise<StreamEntry[]> {
    const out: StreamEntry[] = [];
    let cursor = '0-0';
    do {
      const res = (await this.redis.xautoclaim(stream, group, consumer, opts.minIdleMs, cursor, 'COUNT', opts.count - out.length)) as [string, RawEntry[], string[]?];
      cursor = res[0];
      out.push(...toEntries(res[1], stream));
      const deleted = res[2]?.length ?? 0;
      if (deleted) log.warn({ stream, group, deleted }, 'stuck entries were trimmed before they were processed');
    } while (cursor !== '0-0' && out.length < opts.count);
    return out;
  }

  async claimFrom(stream: string, group: string, from: string, consumer: string, opts: ClaimOptions): Promise<StreamEntry[]> {
    const pel = (await this.redis.call('XPENDING', stream, group, 'IDLE', opts.minIdleMs, '-', '+', opts.count, from)) as [string, string, number, number][];
    if (!pel.length) return [];
    const res = await this.redis.call('XCLAIM', stream, group, consumer, opts.minIdleMs, ...pel.map((p) => p[0]));
    return toEntries(res, stream);
  }

  async consumers(stream: string, group: string): Promise<ConsumerInfo[]> {
    const res = (await this.redis.call('XINFO', 'CONSUMERS', stream, group)) as unknown[];
    return res.map((flat) => {
      const f = pairs(flat);
      return { name: String(f.get('name')), pending: Number(f.get('pending')), idleMs: Number(f.get('idle')) };
    });
  }

  async deleteConsumer(stream: string, group: string, consumer: string, opts: DeleteConsumerOptions = {}): Promise<boolean> {
    return (await this.redis.eval(DELETE_IDLE_CONSUMER, 1, stream, group, consumer, opts.minIdleMs ?? 0)) === 1;
  }

  async pending(stream: string, group: string): Promise<PendingSummary> {
    const res = (await this.redis.xpending(stream, group)) as [number, string | null, string | null, [string, string][] | null];
    const consumers: Record<string, number> = {};
    for (const [name, n] of res[3] ?? []) consumers[name] = Number(n);
    return { count: Number(res[0]), consumers };
  }

  async checkpoint(stream: string, group: string): Promise<string | null> {
    return this.redis.hget(this.checkpointKey, `${stream}|${group}`);
  }

  async setCheckpoint(stream: string, group: string, id: string): Promise<void> {
    await this.redis.hset(this.checkpointKey, `${stream}|${group}`, id);
  }

  async length(stream: string): Promise<number> {
    return this.redis.xlen(stream);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of [...this.idle, ...this.busy]) c.disconnect();
    this.idle.length = 0;
    if (this.owned) await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

function firstStream(res: unknown): unknown {
  if (!Array.isArray(res) || !res.length) return [];
  const first = res[0] as [string, unknown];
  return first[1];
}
