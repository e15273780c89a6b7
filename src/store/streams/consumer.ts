/**
 * GroupReader: the read policy every consumer of a group uses, in this order:
 *  1. its own pending entries (left by an earlier run under the same consumer name), paged once at start;
 *  2. dead consumers: every deadConsumerIdleMs/2, consumers idle at least deadConsumerIdleMs are
 *     emptied (their pending entries claimed, returned as a batch) and then removed from the group;
 *  3. entries stuck on other (dead) consumers, via claimStuck, every claimIdleMs/2 (kept up while full batches come back);
 *  4. new entries, blocking up to blockMs.
 */
import { log as logger } from '../../log.js';
import type { StreamEntry, StreamLog } from './types.js';

export interface GroupReaderOptions {
  readonly stream: string;
  readonly group: string;
  readonly consumer: string;
  /** entries per read; default 500 */
  readonly batchSize?: number;
  /** longest wait for new entries per read; default 1000 ms */
  readonly blockMs?: number;
  /** reclaim entries pending on any consumer at least this long; 0 = never; default 30000 ms */
  readonly claimIdleMs?: number;
  /**
   * a consumer not handed entries for this long is dead: its pending entries are claimed (idle at
   * least this long) and it is removed from the group (XGROUP DELCONSUMER, only once it has none);
   * 0 = never; default 600000 ms (10 min)
   */
  readonly deadConsumerIdleMs?: number;
  /** called for each consumer removed from the group */
  readonly onConsumerRemoved?: (consumer: string, idleMs: number) => void;
  /** create the group (from the beginning) if missing; default true */
  readonly createGroup?: boolean;
}

export class GroupReader {
  private ownPendingAfter: string | null = '0';
  private lastClaim = 0;
  private claimMore = false;
  private lastReap = 0;
  private reapMore = false;
  private ready = false;
  readonly batchSize: number;
  private readonly blockMs: number;
  private readonly claimIdleMs: number;
  private readonly deadIdleMs: number;

  constructor(
    private readonly log: StreamLog,
    readonly opts: GroupReaderOptions,
  ) {
    this.batchSize = opts.batchSize ?? 500;
    this.blockMs = opts.blockMs ?? 1000;
    this.claimIdleMs = opts.claimIdleMs ?? 30_000;
    this.deadIdleMs = opts.deadConsumerIdleMs ?? 600_000;
  }

  /** The next batch (empty after blockMs without entries). `block: false` never waits. */
  async next(o: { readonly block?: boolean } = {}): Promise<StreamEntry[]> {
    const { stream, group, consumer } = this.opts;
    if (!this.ready) {
      if (this.opts.createGroup !== false) await this.log.ensureGroup(stream, group, '0');
      this.ready = true;
    }
    if (this.ownPendingAfter !== null) {
      const own = await this.log.readGroup(stream, group, consumer, { count: this.batchSize, pending: true, after: this.ownPendingAfter });
      // a page shorter than asked may still have skipped trimmed ids: stop only on an empty page
      this.ownPendingAfter = own.length ? own.at(-1)!.id : null;
      if (own.length) return own;
    }
    if (this.deadIdleMs > 0 && (this.reapMore || Date.now() - this.lastReap >= this.deadIdleMs / 2)) {
      this.lastReap = Date.now();
      const claimed = await this.reapDeadConsumers();
      this.reapMore = claimed.length > 0; // come back to remove the consumer just emptied
      if (claimed.length) return claimed;
    }
    if (this.claimIdleMs > 0 && (this.claimMore || Date.now() - this.lastClaim >= this.claimIdleMs / 2)) {
      this.lastClaim = Date.now();
      const claimed = await this.log.claimStuck(stream, group, consumer, { minIdleMs: this.claimIdleMs, count: this.batchSize });
      this.claimMore = claimed.length >= this.batchSize;
      if (claimed.length) return claimed;
    }
    return this.log.readGroup(stream, group, consumer, { count: this.batchSize, blockMs: o.block === false ? 0 : this.blockMs });
  }

  /** Removes dead consumers that have no pending entries; returns entries claimed from the first one that has some. */
  private async reapDeadConsumers(): Promise<StreamEntry[]> {
    const { stream, group, consumer } = this.opts;
    const minIdleMs = this.deadIdleMs;
    for (const c of await this.log.consumers(stream, group)) {
      if (c.name === consumer || c.idleMs < minIdleMs) continue;
      if (c.pending > 0) {
        const claimed = await this.log.claimFrom(stream, group, c.name, consumer, { minIdleMs, count: this.batchSize });
        if (claimed.length) {
          logger.info({ stream, group, from: c.name, to: consumer, claimed: claimed.length, idleMs: c.idleMs }, 'claimed the pending entries of a dead consumer');
          return claimed;
        }
      }
      // atomic: deleted only if it still has no pending entries and is still idle
      if (await this.log.deleteConsumer(stream, group, c.name, { minIdleMs })) {
        logger.info({ stream, group, consumer: c.name, idleMs: c.idleMs }, 'removed a dead consumer from the group');
        this.opts.onConsumerRemoved?.(c.name, c.idleMs);
      }
    }
    return [];
  }
}
