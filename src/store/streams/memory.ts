/**
 * In-process stand-in for Redis Streams: same semantics as RedisStreamLog for one process
 * (consumer groups, pending entries list with delivery counts and idle time, XAUTOCLAIM,
 * blocking reads woken by appends, MAXLEN trimming, consumers with idle times). NOT durable and NOT shared between
 * processes: see README.md in this folder.
 */
import { compareIds, type AppendOptions, type ClaimOptions, type ConsumerInfo, type DeleteConsumerOptions, type Fields, type PendingSummary, type ReadOptions, type StreamEntry, type StreamLog } from './types.js';

interface PendingInfo {
  consumer: string;
  deliveredAt: number;
  deliveries: number;
}

interface Group {
  lastDelivered: string;
  /** insertion order is not id order after claims; sorted on demand */
  pel: Map<string, PendingInfo>;
  /**
   * consumer -> when it was last handed entries (read or claim). Like Redis 7.0, a consumer exists
   * from its first delivery and a read that returns nothing neither creates nor refreshes it.
   */
  consumers: Map<string, number>;
}

interface Stream {
  entries: StreamEntry[];
  lastMs: number;
  lastSeq: number;
  groups: Map<string, Group>;
  waiters: Set<() => void>;
}

export interface MemoryStreamLogOptions {
  /** default approximate MAXLEN per stream; 0 = unbounded */
  readonly maxLen?: number;
  /** clock (ms), for idle times; default Date.now */
  readonly now?: () => number;
}

export class MemoryStreamLog implements StreamLog {
  readonly kind = 'memory' as const;
  private readonly streams = new Map<string, Stream>();
  private readonly checkpoints = new Map<string, string>();
  private closed = false;
  private readonly maxLen: number;
  private readonly now: () => number;

  constructor(opts: MemoryStreamLogOptions = {}) {
    this.maxLen = opts.maxLen ?? 0;
    this.now = opts.now ?? Date.now;
  }

  private open(): void {
    if (this.closed) throw new Error('stream log is closed');
  }

  private stream(key: string, create: boolean): Stream | undefined {
    let s = this.streams.get(key);
    if (!s && create) {
      s = { entries: [], lastMs: 0, lastSeq: 0, groups: new Map(), waiters: new Set() };
      this.streams.set(key, s);
    }
    return s;
  }

  private group(stream: string, group: string): { s: Stream; g: Group } {
    const s = this.streams.get(stream);
    const g = s?.groups.get(group);
    if (!s || !g) throw new Error(`NOGROUP No such key '${stream}' or consumer group '${group}'`);
    return { s, g };
  }

  /** index of the first entry with id > `id` */
  private static after(entries: readonly StreamEntry[], id: string): number {
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareIds(entries[mid]!.id, id) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private static find(entries: readonly StreamEntry[], id: string): StreamEntry | undefined {
    const i = MemoryStreamLog.after(entries, id) - 1;
    const e = entries[i];
    return e && e.id === id ? e : undefined;
  }

  async append(stream: string, entries: Fields | readonly Fields[], opts: AppendOptions = {}): Promise<string[]> {
    this.open();
    const list: readonly Fields[] = Array.isArray(entries) ? entries : [entries as Fields];
    const s = this.stream(stream, true)!;
    const ids: string[] = [];
    for (const fields of list) {
      const now = this.now();
      if (now > s.lastMs) {
        s.lastMs = now;
        s.lastSeq = 0;
      } else s.lastSeq += 1;
      const id = `${s.lastMs}-${s.lastSeq}`;
      s.entries.push({ id, fields: Object.freeze({ ...fields }) });
      ids.push(id);
    }
    const maxLen = opts.maxLen ?? this.maxLen;
    if (maxLen > 0 && s.entries.length > maxLen) s.entries.splice(0, s.entries.length - maxLen);
    if (list.length) {
      const waiters = [...s.waiters];
      s.waiters.clear();
      for (const w of waiters) w();
    }
    return ids;
  }

  async ensureGroup(stream: string, group: string, startId = '0'): Promise<void> {
    this.open();
    const s = this.stream(stream, true)!;
    if (s.groups.has(group)) return;
    const lastDelivered = startId === '$' ? (s.entries.at(-1)?.id ?? `${s.lastMs}-${s.lastSeq}`) : startId === '0' ? '0-0' : startId;
    s.groups.set(group, { lastDelivered, pel: new Map(), consumers: new Map() });
  }

  async readGroup(stream: string, group: string, consumer: string, opts: ReadOptions): Promise<StreamEntry[]> {
    this.open();
    const { s, g } = this.group(stream, group);
    if (opts.pending) {
      const ids = [...g.pel.entries()]
        .filter(([id, p]) => p.consumer === consumer && compareIds(id, opts.after ?? '0-0') > 0)
        .map(([id]) => id)
        .sort(compareIds)
        .slice(0, opts.count);
      const out: StreamEntry[] = [];
      const now = this.now();
      for (const id of ids) {
        const p = g.pel.get(id)!;
        p.deliveredAt = now;
        p.deliveries += 1;
        const e = MemoryStreamLog.find(s.entries, id);
        if (e) out.push(e); // trimmed: Redis returns a nil body; we skip it like RedisStreamLog does
      }
      if (ids.length) g.consumers.set(consumer, now);
      return out;
    }
    const deadline = this.now() + (opts.blockMs ?? 0);
    for (;;) {
      const from = MemoryStreamLog.after(s.entries, g.lastDelivered);
      if (from < s.entries.length) {
        const out = s.entries.slice(from, from + opts.count);
        const now = this.now();
        for (const e of out) g.pel.set(e.id, { consumer, deliveredAt: now, deliveries: 1 });
        g.lastDelivered = out.at(-1)!.id;
        g.consumers.set(consumer, now);
        return out;
      }
      const wait = deadline - this.now();
      if (!opts.blockMs || wait <= 0 || this.closed) return [];
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, wait);
        function done(): void {
          clearTimeout(t);
          s.waiters.delete(done);
          resolve();
        }
        s.waiters.add(done);
      });
      if (this.closed) return [];
    }
  }

  async ack(stream: string, group: string, ids: readonly string[]): Promise<number> {
    this.open();
    const g = this.streams.get(stream)?.groups.get(group);
    if (!g) return 0;
    let n = 0;
    for (const id of ids) if (g.pel.delete(id)) n += 1;
    return n;
  }

  async claimStuck(stream: string, group: string, consumer: string, opts: ClaimOptions): Promise<StreamEntry[]> {
    this.open();
    return this.claim(stream, group, consumer, opts, () => true);
  }

  async claimFrom(stream: string, group: string, from: string, consumer: string, opts: ClaimOptions): Promise<StreamEntry[]> {
    this.open();
    return this.claim(stream, group, consumer, opts, (p) => p.consumer === from);
  }

  private claim(stream: string, group: string, consumer: string, opts: ClaimOptions, which: (p: PendingInfo) => boolean): StreamEntry[] {
    const { s, g } = this.group(stream, group);
    const now = this.now();
    const out: StreamEntry[] = [];
    for (const id of [...g.pel.keys()].sort(compareIds)) {
      if (out.length >= opts.count) break;
      const p = g.pel.get(id)!;
      if (!which(p) || now - p.deliveredAt < opts.minIdleMs) continue;
      const e = MemoryStreamLog.find(s.entries, id);
      if (!e) {
        g.pel.delete(id); // trimmed away: Redis 7 XAUTOCLAIM deletes it from the PEL too
        continue;
      }
      p.consumer = consumer;
      p.deliveredAt = now;
      p.deliveries += 1;
      out.push(e);
    }
    if (out.length) g.consumers.set(consumer, now);
    return out;
  }

  async pending(stream: string, group: string): Promise<PendingSummary> {
    this.open();
    const { g } = this.group(stream, group);
    const consumers: Record<string, number> = {};
    for (const p of g.pel.values()) consumers[p.consumer] = (consumers[p.consumer] ?? 0) + 1;
    return { count: g.pel.size, consumers };
  }

  async consumers(stream: string, group: string): Promise<ConsumerInfo[]> {
    this.open();
    const { g } = this.group(stream, group);
    const now = this.now();
    const pending = new Map<string, number>();
    for (const p of g.pel.values()) pending.set(p.consumer, (pending.get(p.consumer) ?? 0) + 1);
    return [...g.consumers.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, seen]) => ({ name, pending: pending.get(name) ?? 0, idleMs: Math.max(0, now - seen) }));
  }

  async deleteConsumer(stream: string, group: string, consumer: string, opts: DeleteConsumerOptions = {}): Promise<boolean> {
    this.open();
    const { g } = this.group(stream, group);
    const seen = g.consumers.get(consumer);
    if (seen === undefined || this.now() - seen < (opts.minIdleMs ?? 0)) return false;
    for (const p of g.pel.values()) if (p.consumer === consumer) return false;
    g.consumers.delete(consumer);
    return true;
  }

  /** Appends here complete before append() returns: nothing is ever in flight. */
  async flush(): Promise<void> {}

  /** Delivery count of a pending entry (memory only; Redis exposes it through XPENDING's extended form). */
  deliveries(stream: string, group: string, id: string): number {
    return this.streams.get(stream)?.groups.get(group)?.pel.get(id)?.deliveries ?? 0;
  }

  async checkpoint(stream: string, group: string): Promise<string | null> {
    this.open();
    return this.checkpoints.get(`${stream}\u0000${group}`) ?? null;
  }

  async setCheckpoint(stream: string, group: string, id: string): Promise<void> {
    this.open();
    this.checkpoints.set(`${stream}\u0000${group}`, id);
  }

  async length(stream: string): Promise<number> {
    this.open();
    return this.streams.get(stream)?.entries.length ?? 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.streams.values()) {
      const waiters = [...s.waiters];
      s.waiters.clear();
      for (const w of waiters) w();
    }
  }
}
