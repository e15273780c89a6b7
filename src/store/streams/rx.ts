/**
 * RxJS bridges to the stream log.
 *
 * `fromStream` reads a consumer group as an Observable of batches with back-pressure: the next
 * batch is read only after the previous one was acked or released, so a slow subscriber never
 * makes entries pile up in memory (they wait in the stream).
 *
 * `appendTo` is a sink operator: it appends each value (encoded to fields) and emits the entry
 * ids in order; values arriving while an append is in flight go out together in the next one.
 */
import { Observable, type OperatorFunction } from 'rxjs';
import { GroupReader, type GroupReaderOptions } from './consumer.js';
import type { Fields, StreamEntry, StreamLog } from './types.js';

export interface StreamBatch {
  readonly stream: string;
  readonly entries: readonly StreamEntry[];
  /** Acks the given ids (default: every entry of the batch) and lets the next batch be read. */
  ack(ids?: readonly string[]): Promise<number>;
  /** Lets the next batch be read WITHOUT acking: the entries stay pending and are reclaimed later. */
  release(): void;
}

export type FromStreamOptions = GroupReaderOptions;

/**
 * Reads `group` of `stream` as `consumer`: own pending entries first, then entries stuck on dead
 * consumers (claimIdleMs), then new ones. Emits one {@link StreamBatch} at a time and waits for its
 * `ack()` or `release()` before reading again. Read errors error the Observable (compose `retry`).
 * Entries read after unsubscribe stay pending and are reclaimed by the group later.
 *
 * ```
 * log:   e1 e2 e3 ...      (batchSize 2)
 * out:   [e1,e2] ......ack [e3] ...
 * ```
 * @see GroupReader for the read order
 */
export function fromStream(log: StreamLog, opts: FromStreamOptions): Observable<StreamBatch> {
  return new Observable<StreamBatch>((subscriber) => {
    let stopped = false;
    const reader = new GroupReader(log, opts);
    void (async () => {
      while (!stopped) {
        const entries = await reader.next();
        if (stopped) return;
        if (!entries.length) continue;
        await new Promise<void>((resolve) => {
          let done = false;
          const finish = (): void => {
            if (!done) {
              done = true;
              resolve();
            }
          };
          subscriber.next({
            stream: opts.stream,
            entries,
            ack: async (ids = entries.map((e) => e.id)) => {
              try {
                return await log.ack(opts.stream, opts.group, ids);
              } finally {
                finish();
              }
            },
            release: finish,
          });
        });
      }
    })().catch((err: unknown) => {
      if (!stopped) subscriber.error(err);
    });
    return () => {
      stopped = true;
    };
  });
}

export interface AppendToOptions {
  /** most entries per append call; default 500 */
  readonly maxBatch?: number;
  /** approximate MAXLEN for these appends (default: the log's) */
  readonly maxLen?: number;
}

/**
 * Sink operator: appends every value to `stream` as `encode(value)` and emits the new entry ids,
 * in source order. While one append is in flight, arriving values are buffered and sent together
 * next (group commit), so throughput follows the log's batch rate. Completion and source errors
 * wait until everything buffered is appended; an append failure errors the output. On unsubscribe,
 * nothing already taken is lost: the append in flight completes and the values buffered behind it
 * are still appended (no ids are emitted any more); `StreamLog.flush()` waits for them all, which
 * is how a shutdown persists its last events (see src/store/persister.ts, stop()).
 *
 * ```
 * source: a b c d |
 * out:    1 (2 3 4) |     (ids; b c d sent in one batch while a was in flight)
 * ```
 */
export function appendTo<T>(log: StreamLog, stream: string, encode: (value: T) => Fields, opts: AppendToOptions = {}): OperatorFunction<T, string> {
  const maxBatch = opts.maxBatch ?? 500;
  const appendOpts = opts.maxLen === undefined ? {} : { maxLen: opts.maxLen };
  return (source) =>
    new Observable<string>((subscriber) => {
      const buf: Fields[] = [];
      let inFlight = false;
      let end: { error: unknown } | 'complete' | null = null;
      let failed = false;
      const flush = (): void => {
        if (inFlight || failed) return;
        if (!buf.length) {
          if (end === 'complete') subscriber.complete();
          else if (end) subscriber.error(end.error);
          return;
        }
        inFlight = true;
        const batch = buf.splice(0, maxBatch);
        log.append(stream, batch, appendOpts).then(
          (ids) => {
            inFlight = false;
            for (const id of ids) subscriber.next(id);
            flush();
          },
          (err: unknown) => {
            failed = true;
            subscriber.error(err);
          },
        );
      };
      const sub = source.subscribe({
        next: (v) => {
          let fields: Fields;
          try {
            fields = encode(v);
          } catch (err) {
            failed = true;
            subscriber.error(err);
            return;
          }
          buf.push(fields);
          flush();
        },
        error: (error: unknown) => {
          end = { error };
          flush();
        },
        complete: () => {
          end = 'complete';
          flush();
        },
      });
      return () => sub.unsubscribe();
    });
}
