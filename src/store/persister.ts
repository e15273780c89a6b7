/**
 * The persister: moves stream entries into PostgreSQL/TimescaleDB, exactly once in effect.
 *
 * Per sink (one stream -> one table) a loop reads batches through GroupReader (own pending first,
 * then entries stuck on dead consumers via XAUTOCLAIM, then new ones), decodes them with the sink's
 * zod schema (bad ones to `<stream>:dead`), writes them with
 * `INSERT ... ON CONFLICT (<natural key>) DO NOTHING`, and acks ONLY after the write committed.
 * A crash anywhere replays the batch; the natural key turns the replay into no-ops.
 *
 * Three write methods (bench/persister.bench.ts compares them; see bench/results/latest.md):
 *  - 'unnest' (default, fastest measured): INSERT ... SELECT * FROM unnest($1::type[], ...) ON CONFLICT
 *              DO NOTHING, one array parameter per column (any `{ query }`; column types read once);
 *  - 'values': multi-row INSERT ... VALUES with parameters (any `{ query }`; chunks of <= 65535 params);
 *  - 'copy':   COPY into a temp table, then INSERT ... SELECT ... ON CONFLICT DO NOTHING in one
 *              transaction (needs `pool.connect()`, i.e. a pg.Pool).
 *
 * Failures: an entry that does not decode, or that the database rejects as data (SQLSTATE 22/23),
 * is dead-lettered at once. A connection or availability error fails the batch, which is retried
 * (own pending entries first) and never blamed on an entry. Any other error is narrowed by bisection
 * to the row that raises it; if the database still answers, that entry has failed once: it stays
 * pending and is retried, and at its `maxFailures`-th failure goes to `<stream>:dead` with the error
 * and is acked, so one bad entry cannot stall a sink forever.
 *
 * Hygiene: consumers of the group not handed entries for `deadConsumerIdleMs` are emptied (their
 * entries claimed) and removed (GroupReader); on stop each lane removes its own consumer when it
 * has nothing pending.
 *
 * Observability (src/metrics.ts reads these at scrape time): `stats` (counters), `sinks()` (per
 * stream: lag and dead letters), `pending()` (the group's pending entries per stream, one XPENDING
 * each) and `onBatch` (every batch written, with its write time).
 *
 * stop() drains: the loops finish the batch in hand, appends still in flight land
 * (`StreamLog.flush`), one last non-blocking pass writes every entry left (own pending, then new),
 * then it returns. Stop the sources (feeds, pipeline sinks) BEFORE calling it.
 */
import { performance } from 'node:perf_hooks';
import { log as logger } from '../log.js';
import { GroupReader, type GroupReaderOptions } from './streams/consumer.js';
import { deadLetter, decodeEntries, type BadEntry } from './streams/deadletter.js';
import type { StreamEntry, StreamLog } from './streams/types.js';
import { isDataError, SinkWriter, type DbLike, type SinkSpec } from './sinkWriter.js';

export { copyValue, defineSink, pgArrayLiteral, type DbLike, type Queryable, type SinkSpec } from './sinkWriter.js';

export type WriteMethod = 'unnest' | 'values' | 'copy';

export interface PersisterOptions {
  readonly log: StreamLog;
  readonly pool: DbLike;
  readonly sinks: readonly SinkSpec<unknown>[];
  readonly group?: string;
  readonly consumer: string;
  /** entries per batch; default 1000 */
  readonly batchSize?: number;
  /** longest wait for new entries; default 1000 ms (also bounds how long stop() takes) */
  readonly blockMs?: number;
  /** reclaim entries pending this long on any consumer; default 30000 ms */
  readonly claimIdleMs?: number;
  /** consumers not handed entries this long are emptied and removed from the group; 0 = never; default 600000 ms */
  readonly deadConsumerIdleMs?: number;
  /** an entry whose write fails this many times (database up, error not a data exception) is dead-lettered; default 5 */
  readonly maxFailures?: number;
  /** longest time stop() spends on its final pass; default 10000 ms */
  readonly drainMs?: number;
  /** default 'unnest' (fastest measured, see bench/persister.bench.ts) */
  readonly method?: WriteMethod;
  /**
   * write lanes per sink (each its own group consumer `<consumer>`, `<consumer>#1`, ...; keep the
   * count stable across restarts so each lane re-reads its own pending entries); default 1
   */
  readonly concurrency?: number;
  /** pause after a failed batch before retrying it; default 1000 ms */
  readonly retryDelayMs?: number;
  /**
   * operator alerts (wire to LiveEvents.publishAlert: the Discord bot relays warn/critical ones):
   * a failed batch ('persister') and dead-lettered entries ('dead-letter'). Must not throw.
   */
  readonly onAlert?: (a: { readonly level: 'warn' | 'critical'; readonly message: string; readonly source: string; readonly ts: number }) => void;
}

export interface PersisterStats {
  rowsInserted: number;
  duplicatesSkipped: number;
  deadLettered: number;
  batches: number;
  failures: number;
  /** dead consumers removed from the groups */
  consumersRemoved: number;
}

/** One sink as the persister sees it (see {@link Persister.sinks}). */
export interface PersisterSinkStatus {
  readonly stream: string;
  readonly table: string;
  /**
   * Age in seconds (now − append time, from the entry id `<ms>-<seq>`) of the oldest entry this
   * process has read and not yet written (batches in hand, failed ones waiting for their retry);
   * 0 when it is caught up (blocked on an empty read). Entries behind the group's cursor are always
   * newer than the ones in hand, so this is the lag of the stream as long as this process reads it.
   * Not covered: entries pending on ANOTHER (dead) process's consumer until they are claimed
   * (`claimIdleMs`), and a stream-log outage (reads fail: see `failures`).
   */
  readonly lagSeconds: number;
  /** entries of this stream dead-lettered by this persister */
  readonly deadLettered: number;
}

/** One batch written (or failed), for metrics: `seconds` is the write (decode, insert, commit), not the read. */
export interface PersisterBatch {
  readonly stream: string;
  readonly table: string;
  readonly entries: number;
  readonly inserted: number;
  readonly seconds: number;
  readonly ok: boolean;
}

export interface Persister {
  readonly stats: Readonly<PersisterStats>;
  /** Per sink stream: lag and dead letters (cheap, no I/O). */
  sinks(): PersisterSinkStatus[];
  /** Per sink stream: entries delivered to the group and not yet acked (all consumers; one XPENDING per stream). */
  pending(): Promise<{ readonly stream: string; readonly count: number }[]>;
  /** Calls `listener` after every batch (never from inside a throw path: a listener that throws is logged). Returns the remover. */
  onBatch(listener: (b: PersisterBatch) => void): () => void;
  /** Drains (see the module comment), then stops. Idempotent. */
  stop(): Promise<void>;
}

/** Connection, resource or availability errors (SQLSTATE 08/40/53/57/58, socket errnos): retried, never blamed on an entry. */
export function isTransientError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (/^(08|40|53|57|58)[0-9A-Z]{3}$/.test(code) || /^E[A-Z]+$/.test(code))) return true;
  return /connection|terminated|timed? ?out|socket|ECONN/i.test(err instanceof Error ? err.message : String(err));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Append time (ms) of a stream entry, from its id `<ms>-<seq>`. */
const idMs = (id: string): number => Number(id.split('-', 1)[0]);
const oldestMs = (entries: readonly { readonly id: string }[]): number => entries.reduce((m, e) => Math.min(m, idMs(e.id)), Infinity);
const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Starts one loop per sink; runs until stop(). Never throws: failures are logged, counted and retried. */
export function startPersister(opts: PersisterOptions): Persister {
  const group = opts.group ?? 'persister';
  const method = opts.method ?? 'unnest';
  const maxFailures = Math.max(1, opts.maxFailures ?? 5);
  if (method === 'copy' && !opts.pool.connect) throw new Error("persister: method 'copy' needs a pool with connect() (pg.Pool)");
  const stats: PersisterStats = { rowsInserted: 0, duplicatesSkipped: 0, deadLettered: 0, batches: 0, failures: 0, consumersRemoved: 0 };
  let stopped = false;
  const listeners = new Set<(b: PersisterBatch) => void>();
  const deadByStream = new Map<string, number>();
  const emitBatch = (b: PersisterBatch): void => {
    for (const l of listeners) {
      try {
        l(b);
      } catch (err) {
        logger.warn({ err, stream: b.stream }, 'persister: a batch listener threw');
      }
    }
  };
  const alert = (level: 'warn' | 'critical', msg: string, source: string): void => {
    try {
      opts.onAlert?.({ level, message: msg, source, ts: Date.now() });
    } catch (err) {
      logger.warn({ err, source }, 'persister: the alert hook threw');
    }
  };

  const lane = (writer: SinkWriter, consumer: string) => {
    const spec = writer.spec;
    const readerOpts: GroupReaderOptions = {
      stream: spec.stream, group, consumer, batchSize: opts.batchSize ?? 1000, blockMs: opts.blockMs ?? 1000, claimIdleMs: opts.claimIdleMs ?? 30_000,
      deadConsumerIdleMs: opts.deadConsumerIdleMs ?? 600_000, onConsumerRemoved: () => void (stats.consumersRemoved += 1),
    };
    let reader = new GroupReader(opts.log, readerOpts);
    // lag: append time (ms) of the oldest entry of each batch read and not yet written, in read
    // order (the batch being written, then the prefetched one) ...
    const held: number[] = [];
    // ... and of the oldest entry left pending by a failed batch, until a batch is written again
    let stuckMs = Infinity;
    /** oldest append time among the entries a batch deferred (failed alone, database up) */
    let deferredMs = Infinity;
    const read = async (): Promise<StreamEntry[]> => {
      const entries = await reader.next();
      if (entries.length) held.push(oldestMs(entries));
      return entries;
    };
    const oldestUnwritten = (): number => Math.min(stuckMs, ...held);
    /** failures so far of entries that failed alone with the database up (entry id -> count) */
    const failed = new Map<string, number>();
    const write = async (rows: readonly (readonly unknown[])[]): Promise<number> => {
      if (method === 'unnest') return writer.writeUnnest(opts.pool, rows);
      if (method === 'values') return writer.writeValues(opts.pool, rows);
      const client = await opts.pool.connect!();
      try {
        return await writer.writeCopy(client, rows);
      } finally {
        client.release();
      }
    };
    // acks of a batch run while the next one is written: strictly after its COMMIT, one batch behind
    let acking: Promise<void> = Promise.resolve();

    /** rows inserted by the last batch (for the batch listeners) */
    let lastInserted = 0;
    /** Writes one batch and queues its acks; returns how many entries failed and stay pending for a retry. */
    const handleBatch = async (entries: readonly StreamEntry[]): Promise<number> => {
      lastInserted = 0;
      const { good, bad } = decodeEntries(entries, spec.schema);
      const byId = new Map(entries.map((e) => [e.id, e]));
      const rows: (readonly unknown[])[] = [];
      const ids: string[] = [];
      for (const g of good) {
        try {
          const row = spec.toRow(g.value, g.id);
          if (row.length !== spec.columns.length) throw new Error(`${row.length} values for ${spec.columns.length} columns`);
          rows.push(row);
          ids.push(g.id);
        } catch (err) {
          bad.push({ entry: byId.get(g.id)!, reason: `toRow: ${message(err)}` });
        }
      }
      let rejected = 0;
      const deferred = new Set<string>();
      const blame = async (id: string, err: unknown): Promise<BadEntry | null> => {
        if (isDataError(err)) return { entry: byId.get(id)!, reason: `db: ${message(err)}` };
        // neither bad data nor a lost connection: the entry is to blame only if the database answers
        await opts.pool.query('SELECT 1').catch(() => Promise.reject(err));
        const n = (failed.get(id) ?? 0) + 1;
        if (n >= maxFailures) {
          failed.delete(id);
          return { entry: byId.get(id)!, reason: `failed ${n} times: ${message(err)}` };
        }
        failed.set(id, n);
        deferred.add(id);
        logger.warn({ err, stream: spec.stream, table: spec.table, id, failures: n, maxFailures }, 'entry failed to persist; it stays pending and is retried');
        return null;
      };
      // a row that makes the write fail (other than by a lost connection) is isolated by bisection
      const isolate = async (from: number, to: number): Promise<number> => {
        try {
          return await write(rows.slice(from, to));
        } catch (err) {
          if (isTransientError(err)) throw err;
          if (to - from === 1) {
            const b = await blame(ids[from]!, err);
            if (b) {
              rejected += 1;
              bad.push(b);
            }
            return 0;
          }
          const mid = (from + to) >>> 1;
          return (await isolate(from, mid)) + (await isolate(mid, to));
        }
      };
      const inserted = rows.length ? await isolate(0, rows.length) : 0;
      lastInserted = inserted;
      stats.rowsInserted += inserted;
      stats.duplicatesSkipped += rows.length - inserted - rejected - deferred.size;
      stats.batches += 1;
      const ackIds = deferred.size ? ids.filter((id) => !deferred.has(id)) : ids;
      deferredMs = deferred.size ? Math.min(...[...deferred].map(idMs)) : Infinity;
      if (failed.size) for (const id of ackIds) failed.delete(id);
      // committed: only now may the entries leave the pending list
      await acking;
      acking = (async () => {
        const dead = await deadLetter(opts.log, spec.stream, group, bad);
        stats.deadLettered += dead;
        if (dead > 0) deadByStream.set(spec.stream, (deadByStream.get(spec.stream) ?? 0) + dead);
        if (dead > 0) alert('critical', `${dead} ${spec.stream} entr${dead === 1 ? 'y' : 'ies'} dead-lettered to ${spec.stream}:dead (${bad[0]?.reason ?? 'rejected'})`, 'dead-letter');
        await opts.log.ack(spec.stream, group, ackIds);
      })();
      acking.catch(() => undefined);
      return deferred.size;
    };

    /** {@link handleBatch}, timed and reported to the batch listeners. */
    const handle = async (entries: readonly StreamEntry[]): Promise<number> => {
      const t0 = performance.now();
      let inserted = 0;
      let ok = false;
      try {
        const deferred = await handleBatch(entries);
        inserted = lastInserted;
        ok = deferred === 0;
        return deferred;
      } finally {
        emitBatch({ stream: spec.stream, table: spec.table, entries: entries.length, inserted, seconds: (performance.now() - t0) / 1000, ok });
      }
    };

    const run = async (): Promise<void> => {
      // one batch is prefetched while the current one is written (bounded to one batch ahead)
      let prefetch: Promise<StreamEntry[]> | null = null;
      while (!stopped) {
        let failure: unknown = null;
        try {
          const entries = await (prefetch ?? read());
          prefetch = null;
          if (!entries.length) continue;
          if (!stopped) {
            prefetch = read();
            prefetch.catch(() => undefined);
          }
          if ((await handle(entries)) > 0) {
            failure = 'deferred';
            held[0] = deferredMs; // the rest of the batch was written
          } else {
            held.shift();
            stuckMs = Infinity;
          }
        } catch (err) {
          failure = err;
        }
        if (failure === null) continue;
        stats.failures += 1;
        if (failure !== 'deferred') {
          logger.error({ err: failure, stream: spec.stream, table: spec.table, consumer }, 'persister batch failed; will retry');
          alert('warn', `persister: writing ${spec.stream} to ${spec.table} failed, retrying: ${message(failure)}`, 'persister');
        }
        // let the prefetch and the acks land, then re-read this consumer's own pending entries (the failed ones) first
        await prefetch?.catch(() => undefined);
        prefetch = null;
        // everything in hand is now pending on this consumer, re-read first after the pause
        stuckMs = oldestUnwritten();
        held.length = 0;
        await acking.catch(() => undefined);
        acking = Promise.resolve();
        reader = new GroupReader(opts.log, readerOpts);
        if (!stopped) await sleep(opts.retryDelayMs ?? 1000);
      }
      await prefetch?.catch(() => undefined);
      await acking.catch((err: unknown) => {
        stats.failures += 1;
        logger.error({ err, stream: spec.stream, consumer }, 'persister ack failed at stop; entries stay pending and will be reclaimed');
      });
      acking = Promise.resolve();
    };

    /** The final pass of stop(): own pending entries, then every new one, without waiting; then leaves the group if done. */
    const drain = async (deadline: number): Promise<void> => {
      const last = new GroupReader(opts.log, { ...readerOpts, claimIdleMs: 0, deadConsumerIdleMs: 0 });
      try {
        while (Date.now() < deadline) {
          const entries = await last.next({ block: false });
          if (!entries.length || (await handle(entries)) > 0) break;
        }
        await acking;
        await opts.log.deleteConsumer(spec.stream, group, consumer);
      } catch (err) {
        stats.failures += 1;
        logger.error({ err, stream: spec.stream, table: spec.table, consumer }, 'persister final pass failed; the entries left stay pending for the next run');
      }
    };
    return { run, drain, spec, oldestUnwritten };
  };

  // build every writer first: a bad sink spec throws here, synchronously, before anything starts
  const writers = opts.sinks.map((s) => new SinkWriter(s));
  const width = Math.max(1, opts.concurrency ?? 1);
  const lanes = writers.flatMap((w) => Array.from({ length: width }, (_, i) => lane(w, i === 0 ? opts.consumer : `${opts.consumer}#${i}`)));
  const runs = lanes.map((l) => l.run());
  let stopping: Promise<void> | null = null;
  return {
    stats,
    sinks() {
      const now = Date.now();
      return writers.map((w) => {
        const oldest = Math.min(...lanes.filter((l) => l.spec === w.spec).map((l) => l.oldestUnwritten()));
        return {
          stream: w.spec.stream,
          table: w.spec.table,
          lagSeconds: Number.isFinite(oldest) ? Math.max(0, now - oldest) / 1000 : 0,
          deadLettered: deadByStream.get(w.spec.stream) ?? 0,
        };
      });
    },
    async pending() {
      const streams = [...new Set(writers.map((w) => w.spec.stream))];
      // a stream whose group does not exist yet (nothing read so far) or that cannot be asked is left out
      const res = await Promise.allSettled(streams.map(async (stream) => ({ stream, count: (await opts.log.pending(stream, group)).count })));
      return res.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    },
    onBatch(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    stop: () =>
      (stopping ??= (async () => {
        stopped = true;
        await Promise.all(runs);
        await opts.log.flush();
        const deadline = Date.now() + (opts.drainMs ?? 10_000);
        await Promise.all(lanes.map((l) => l.drain(deadline)));
      })()),
  };
}
