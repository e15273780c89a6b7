/**
 * Records live RawFrames to gzip-compressed JSONL files so that a session can be replayed byte
 * for byte ({@link replayFrames}). One file at a time per venue, rotated by size (uncompressed
 * bytes) and by time (receive time since the file's first frame); each closed file gets a line
 * in `<dir>/index.jsonl`. Layout in ./format.ts.
 *
 * Durability: lines are batched (64 KiB) and the gzip stream is sync-flushed every `flushMs`
 * (default 1 s), so a crash loses at most about that much; the replay source reads such a file
 * up to where it was cut and reports the rest.
 * `stop()` (or the source completing) ends every gzip stream, waits for the files to be written
 * and then appends their index lines, so stopped recordings are complete and valid.
 *
 * ```ts
 * const rec = recordFeeds(Object.values(live.feeds), { dir: './data/rec' });
 * process.once('SIGINT', () => void rec.stop().then((s) => log.info(s, 'recorded')));
 * ```
 */
import { createWriteStream, existsSync, mkdirSync, type WriteStream } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { constants as zc, createGzip, type Gzip } from 'node:zlib';
import { merge, type Observable, type Subscription } from 'rxjs';
import type { Venue } from '../../schema/venue.js';
import { log } from '../log.js';
import type { RawFrame } from '../venues/common/types.js';
import type { VenueFeed } from '../venues/venue.js';
import { encodeFrame, FILE_SUFFIX, fileStamp, INDEX_FILE, type IndexEntry } from './format.js';

export interface RecorderOptions {
  /** recording directory (created if missing) */
  readonly dir: string;
  /** start a new file once this many uncompressed bytes were written to the current one; default 64 MiB */
  readonly rotateBytes?: number;
  /** start a new file once a frame arrives this long (receive time) after the file's first; default 1 h */
  readonly rotateMs?: number;
  /** sync-flush the gzip streams this often, ms (0 = never, only on close); default 1000 */
  readonly flushMs?: number;
}

export interface RecorderStats {
  /** frames written */
  frames: number;
  /** uncompressed bytes written */
  bytes: number;
  /** files closed and indexed */
  files: number;
  /** write errors (disk full, permissions…); each is logged */
  errors: number;
  /** frames lost to write errors */
  dropped: number;
}

export interface Recorder {
  /** Resolves when recording has ended (source completed or errored, or stop()) and every file is closed and indexed. */
  readonly done: Promise<RecorderStats>;
  /** Unsubscribes, closes every file, writes the index; resolves like `done`. Idempotent. */
  stop(): Promise<RecorderStats>;
  /** Live counters. */
  stats(): Readonly<RecorderStats>;
}

export const DEFAULT_ROTATE_BYTES = 64 * 1024 * 1024;
export const DEFAULT_ROTATE_MS = 60 * 60 * 1000;

interface Writer {
  readonly venue: Venue;
  /** relative to dir, '/'-separated */
  readonly file: string;
  readonly gzip: Gzip;
  readonly out: WriteStream;
  readonly firstTs: number;
  lastTs: number;
  count: number;
  bytes: number;
  dirty: boolean;
  failed: boolean;
  /** lines not yet handed to gzip: one zlib call per line would cost ~10x the throughput */
  pending: string[];
  pendingBytes: number;
}

/** Lines are handed to gzip in batches of about this many bytes (and on every flush/close). */
const BATCH_BYTES = 64 * 1024;

const drain = (w: Writer): void => {
  if (w.pending.length === 0) return;
  w.gzip.write(w.pending.join(''));
  w.pending = [];
  w.pendingBytes = 0;
};

/** Records `frames$` under `opts.dir` until it completes or `stop()` is called. See the module comment. */
export function recordFrames(frames$: Observable<RawFrame>, opts: RecorderOptions): Recorder {
  const rotateBytes = opts.rotateBytes ?? DEFAULT_ROTATE_BYTES;
  const rotateMs = opts.rotateMs ?? DEFAULT_ROTATE_MS;
  const flushMs = opts.flushMs ?? 1000;
  const stats: RecorderStats = { frames: 0, bytes: 0, files: 0, errors: 0, dropped: 0 };
  const writers = new Map<Venue, Writer>();
  const closing: Promise<void>[] = [];
  const usedNames = new Set<string>();
  let seq = 0;
  /** index lines are appended one after the other, in the order files were closed */
  let indexChain: Promise<void> = Promise.resolve();
  let finishing: Promise<RecorderStats> | undefined;
  let resolveDone!: (s: RecorderStats) => void;
  const done = new Promise<RecorderStats>((r) => (resolveDone = r));

  mkdirSync(opts.dir, { recursive: true });

  const openWriter = (venue: Venue, firstTs: number): Writer => {
    const venueDir = join(opts.dir, venue);
    mkdirSync(venueDir, { recursive: true });
    let name: string;
    do {
      seq += 1;
      name = `${venue}/${fileStamp(firstTs)}-${String(seq).padStart(4, '0')}${FILE_SUFFIX}`;
    } while (usedNames.has(name) || existsSync(join(opts.dir, name)));
    usedNames.add(name);
    const gzip = createGzip();
    const out = createWriteStream(join(opts.dir, name), { flags: 'wx' });
    const w: Writer = { venue, file: name, gzip, out, firstTs, lastTs: firstTs, count: 0, bytes: 0, dirty: false, failed: false, pending: [], pendingBytes: 0 };
    const onError = (err: Error) => {
      if (w.failed) return;
      w.failed = true;
      stats.errors += 1;
      log.error({ err, venue, file: name }, 'recording write failed; a new file is started with the next frame');
    };
    gzip.on('error', onError);
    out.on('error', onError);
    gzip.pipe(out);
    log.info({ venue, file: name }, 'recording file opened');
    return w;
  };

  const closeWriter = (w: Writer): void => {
    if (writers.get(w.venue) === w) writers.delete(w.venue);
    const p = (async () => {
      if (!w.failed) drain(w);
      w.gzip.end();
      try {
        await finished(w.out);
      } catch {
        // already logged and counted by onError
      }
      if (w.failed || w.count === 0) return;
      const entry: IndexEntry = { file: w.file, venue: w.venue, firstTs: w.firstTs, lastTs: w.lastTs, count: w.count, bytes: w.bytes };
      indexChain = indexChain.then(async () => {
        try {
          await appendFile(join(opts.dir, INDEX_FILE), JSON.stringify(entry) + '\n');
          stats.files += 1;
          log.info(entry, 'recording file closed');
        } catch (err) {
          stats.errors += 1;
          // the file itself is fine: the replay source finds unindexed files by scanning
          log.error({ err, file: w.file }, 'cannot append to the recording index');
        }
      });
      await indexChain;
    })();
    closing.push(p);
  };

  const write = (f: RawFrame): void => {
    let w = writers.get(f.venue);
    if (w && (w.failed || w.bytes >= rotateBytes || f.tsReceived - w.firstTs >= rotateMs)) {
      closeWriter(w);
      w = undefined;
    }
    if (!w) {
      try {
        w = openWriter(f.venue, f.tsReceived);
      } catch (err) {
        stats.errors += 1;
        stats.dropped += 1;
        log.error({ err, venue: f.venue }, 'cannot open a recording file; frame dropped');
        return;
      }
      writers.set(f.venue, w);
    }
    const line = encodeFrame(f) + '\n';
    const n = Buffer.byteLength(line);
    w.pending.push(line);
    w.pendingBytes += n;
    if (w.pendingBytes >= BATCH_BYTES) drain(w);
    w.count += 1;
    w.bytes += n;
    w.lastTs = f.tsReceived;
    w.dirty = true;
    stats.frames += 1;
    stats.bytes += n;
  };

  const flushTimer =
    flushMs > 0
      ? setInterval(() => {
          for (const w of writers.values()) {
            if (!w.dirty || w.failed) continue;
            w.dirty = false;
            drain(w);
            w.gzip.flush(zc.Z_SYNC_FLUSH);
          }
        }, flushMs)
      : undefined;

  /** assigned after subscribe() returns; a source that completes synchronously finishes before that */
  const subRef: { sub?: Subscription } = {};
  const finish = (): Promise<RecorderStats> => {
    finishing ??= (async () => {
      clearInterval(flushTimer);
      subRef.sub?.unsubscribe();
      for (const w of [...writers.values()]) closeWriter(w);
      await Promise.all(closing);
      await indexChain;
      resolveDone(stats);
      return stats;
    })();
    return finishing;
  };

  const sub = frames$.subscribe({
    next: (f) => {
      if (finishing) return;
      try {
        write(f);
      } catch (err) {
        stats.errors += 1;
        stats.dropped += 1;
        log.error({ err, venue: f.venue }, 'recording failed; frame dropped');
      }
    },
    error: (err: unknown) => {
      log.error({ err }, 'recorded stream errored; recording stopped');
      void finish();
    },
    complete: () => void finish(),
  });
  subRef.sub = sub;
  // a source that completed synchronously called finish() before `sub` was assigned
  if (finishing) sub.unsubscribe();

  return { done, stop: finish, stats: () => stats };
}

/** Records the raw frames of every given feed (e.g. `Object.values(live.feeds)`), see {@link recordFrames}. */
export function recordFeeds(feeds: readonly Pick<VenueFeed, 'frames$'>[], opts: RecorderOptions): Recorder {
  return recordFrames(merge(...feeds.map((f) => f.frames$)), opts);
}
