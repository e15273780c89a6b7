/**
 * GroupReader: the read policy every consumer of a group uses, in this order:
 *  1. its own pending entries (left by an earlier run under the same consumer name), paged once at start;
 *  2. entries stuck on other (dead) consumers, via claimStuck, every claimIdleMs/2 (kept up while full batches come back);
 *  3. new entries, blocking up to blockMs.
 */
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
  /** create the group (from the beginning) if missing; default true */
  readonly createGroup?: boolean;
}

export class GroupReader {
  private ownPendingAfter: string | null = '0';
  private lastClaim = 0;
  private claimMore = false;
  private ready = false;
  readonly batchSize: number;
  private readonly blockMs: number;
  private readonly claimIdleMs: number;

  constructor(
    private readonly log: StreamLog,
    readonly opts: GroupReaderOptions,
  ) {
    this.batchSize = opts.batchSize ?? 500;
    this.blockMs = opts.blockMs ?? 1000;
    this.claimIdleMs = opts.claimIdleMs ?? 30_000;
  }

  async next(): Promise<StreamEntry[]> {
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
    if (this.claimIdleMs > 0 && (this.claimMore || Date.now() - this.lastClaim >= this.claimIdleMs / 2)) {
      this.lastClaim = Date.now();
      const claimed = await this.log.claimStuck(stream, group, consumer, { minIdleMs: this.claimIdleMs, count: this.batchSize });
      this.claimMore = claimed.length >= this.batchSize;
      if (claimed.length) return claimed;
    }
    return this.log.readGroup(stream, group, consumer, { count: this.batchSize, blockMs: this.blockMs });
  }
}
