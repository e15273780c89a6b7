/**
 * The stream log: durable, append-only streams with consumer groups (Redis Streams semantics).
 * Two implementations pass one contract suite (tests/store/streams/contract.ts):
 * `RedisStreamLog` (src/store/streams/redis.ts) and the in-process `MemoryStreamLog`
 * (src/store/streams/memory.ts). Build one with `createStreamLog(cfg.redis)`.
 *
 * Delivery is at-least-once: an entry read by a group stays in that group's pending list until it
 * is acked; a consumer that dies leaves its entries pending and `claimStuck` moves them to a live
 * consumer. Make the work idempotent (keyed by entry id or a natural key) and ack after it is durable.
 */

/** Field map of one entry. Convention: `t` = event type name, `d` = JSON of the event. */
export type Fields = Readonly<Record<string, string>>;

export interface StreamEntry {
  /** Stream id, `<ms>-<seq>`, increasing within a stream. */
  readonly id: string;
  readonly fields: Fields;
}

export interface AppendOptions {
  /** Approximate cap on the stream length (XADD MAXLEN ~): at least this many newest entries stay. 0 = no trim. Default: the log's configured maxLen. */
  readonly maxLen?: number;
}

export interface ReadOptions {
  /** Most entries returned. */
  readonly count: number;
  /** Wait up to this long for new entries when there are none; 0 or absent = return at once. Ignored with `pending`. */
  readonly blockMs?: number;
  /**
   * Re-read this consumer's own pending entries (delivered before, never acked) instead of new ones,
   * starting after `after` (default the beginning). Used after a restart under the same consumer name.
   * Pending entries whose data was trimmed away are skipped (and reported in the log).
   */
  readonly pending?: boolean;
  readonly after?: string;
}

export interface ClaimOptions {
  /** Only entries pending at least this long (since last delivery) are taken. */
  readonly minIdleMs: number;
  /** Most entries claimed. */
  readonly count: number;
}

export interface PendingSummary {
  /** Entries delivered to the group and not yet acked. */
  readonly count: number;
  /** Pending entries per consumer (consumers with none are absent). */
  readonly consumers: Readonly<Record<string, number>>;
}

export interface ConsumerInfo {
  readonly name: string;
  /** entries delivered to this consumer and not yet acked */
  readonly pending: number;
  /** ms since the consumer last read or claimed (XINFO CONSUMERS `idle`) */
  readonly idleMs: number;
}

export interface DeleteConsumerOptions {
  /** delete only when the consumer has been idle at least this long (default 0) */
  readonly minIdleMs?: number;
}

export interface StreamLog {
  /** 'redis' or 'memory'; lets callers state what they run on. */
  readonly kind: 'redis' | 'memory';
  /** Appends entries in order (one round trip for a batch); returns their ids. */
  append(stream: string, entries: Fields | readonly Fields[], opts?: AppendOptions): Promise<string[]>;
  /** Creates the group (and the stream) if missing; `startId` '0' = from the beginning, '$' = only new entries. Idempotent. */
  ensureGroup(stream: string, group: string, startId?: string): Promise<void>;
  /** XREADGROUP: new entries for this consumer (or its own pending ones, see {@link ReadOptions.pending}). Throws if the group does not exist. */
  readGroup(stream: string, group: string, consumer: string, opts: ReadOptions): Promise<StreamEntry[]>;
  /** XACK: removes the ids from the group's pending list; returns how many were pending. */
  ack(stream: string, group: string, ids: readonly string[]): Promise<number>;
  /** XAUTOCLAIM: moves entries pending at least `minIdleMs` (on any consumer) to `consumer` and returns them. Trimmed entries are dropped from the pending list. */
  claimStuck(stream: string, group: string, consumer: string, opts: ClaimOptions): Promise<StreamEntry[]>;
  /**
   * XPENDING IDLE + XCLAIM: moves the entries pending on consumer `from` for at least `minIdleMs` to
   * `consumer` and returns them (used to empty a dead consumer before removing it). Trimmed entries
   * are dropped from the pending list.
   */
  claimFrom(stream: string, group: string, from: string, consumer: string, opts: ClaimOptions): Promise<StreamEntry[]>;
  /** XINFO CONSUMERS: every consumer of the group with its pending count and idle time. Throws if the group does not exist. */
  consumers(stream: string, group: string): Promise<ConsumerInfo[]>;
  /**
   * XGROUP DELCONSUMER, but only when the consumer has NO pending entries and has been idle at
   * least `minIdleMs` (checked and deleted atomically, so no entry can be lost from the pending
   * list). Returns whether it was deleted. A deleted consumer that reads again is created again.
   */
  deleteConsumer(stream: string, group: string, consumer: string, opts?: DeleteConsumerOptions): Promise<boolean>;
  /** Resolves once every append issued before (or while) waiting has settled; never rejects. */
  flush(): Promise<void>;
  /** XPENDING summary. */
  pending(stream: string, group: string): Promise<PendingSummary>;
  /** Last id a group recorded as fully processed (for replay and monitoring), or null. */
  checkpoint(stream: string, group: string): Promise<string | null>;
  setCheckpoint(stream: string, group: string, id: string): Promise<void>;
  /** XLEN */
  length(stream: string): Promise<number>;
  /** Releases connections / wakes blocked readers (they return empty). */
  close(): Promise<void>;
}

/** Stream key `<prefix>:<stage>:<venue>:<market>` (prefix defaults to 'stream'), e.g. `stream:books:kalshi:KXBTC-25`. */
export function streamKey(stage: string, venue: string, market: string, prefix = 'stream'): string {
  for (const [name, part] of [['stage', stage], ['venue', venue], ['market', market]] as const) {
    if (!part || /\s/.test(part)) throw new Error(`streamKey: ${name} must be non-empty without whitespace, got "${part}"`);
  }
  return `${prefix}:${stage}:${venue}:${market}`;
}

/** Dead-letter stream of a stream. */
export const deadLetterKey = (stream: string): string => `${stream}:dead`;

/** Compares two stream ids (`ms-seq`) numerically. */
export function compareIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  const d = Number(am) - Number(bm);
  if (d !== 0) return d;
  return Number(as) - Number(bs);
}
