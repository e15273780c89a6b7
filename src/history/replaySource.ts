/**
 * Replays a recording made by {@link recordFrames}: the same RawFrames (data byte for byte, same
 * tsReceived, connId, venue), venues merged by receive time, each venue in recorded order.
 *
 * Damaged recordings (a crash mid-write) are read as far as they go: a line that is not a
 * valid frame and a gzip stream cut short are logged, counted in `counters`, and the replay goes
 * on with the next line or file. Files missing from the index (their session crashed before
 * closing them) are found by scanning the venue folders.
 *
 * As fast as possible by default; with `speed` the frames are paced on `scheduler`
 * (default asyncScheduler) at `speed` × the recorded pace.
 */
import { createReadStream, existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { asyncScheduler, Observable, type SchedulerLike, type Subscription } from 'rxjs';
import type { z } from 'zod';
import { VENUE_IDS, type Venue } from '../../schema/venue.js';
import { NonRetryableError } from '../errors.js';
import { log } from '../log.js';
import type { RawFrame } from '../venues/common/types.js';
import { FILE_SUFFIX, INDEX_FILE, IndexEntry, RecordedLine, toFrame } from './format.js';

export interface ReplayOptions {
  /** only these venues (default: all) */
  readonly venue?: Venue | readonly Venue[];
  /** first receive time replayed, unix ms, inclusive */
  readonly from?: number;
  /** receive time where the replay stops, unix ms, exclusive */
  readonly to?: number;
  /** pace the replay at this multiple of the recorded pace (1 = as recorded); unset = as fast as possible */
  readonly speed?: number;
  /** scheduler for pacing (default asyncScheduler) */
  readonly scheduler?: SchedulerLike;
  /** incremented while replaying */
  readonly counters?: ReplayCounters;
}

export interface ReplayCounters {
  files: number;
  frames: number;
  /** lines that were not a valid frame (e.g. the half-written last line of a crashed session) */
  badLines: number;
  /** files that could not be read to the end (gzip cut short, unreadable) */
  badFiles: number;
  /** index lines that were not valid */
  badIndexLines: number;
}

export const newReplayCounters = (): ReplayCounters => ({ files: 0, frames: 0, badLines: 0, badFiles: 0, badIndexLines: 0 });

/** A recording file to read: from the index, or found by scanning (then without times). */
export interface RecordingFile {
  readonly file: string;
  readonly venue: Venue;
  readonly firstTs?: number;
  readonly lastTs?: number;
}

/** One JSONL line through a schema; `issues` says 'not JSON' or what the schema rejected. */
function parseJsonLine<S extends z.ZodType>(schema: S, line: string): { success: true; data: z.output<S> } | { success: false; issues: unknown } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { success: false, issues: 'not JSON' };
  }
  const r = schema.safeParse(parsed);
  return r.success ? { success: true, data: r.data } : { success: false, issues: r.error.issues };
}

/** The files of a recording per venue, in recorded order (file names sort by time, then sequence). */
export async function listRecording(dir: string, counters: ReplayCounters = newReplayCounters()): Promise<Map<Venue, RecordingFile[]>> {
  if (!existsSync(dir)) throw new NonRetryableError(`no recording at ${dir}`, { dir });
  const known = new Map<string, RecordingFile>();
  const indexPath = join(dir, INDEX_FILE);
  if (existsSync(indexPath)) {
    const lines = (await readFile(indexPath, 'utf8')).split('\n');
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      const r = parseJsonLine(IndexEntry, line);
      if (!r.success) {
        counters.badIndexLines += 1;
        log.warn({ file: indexPath, line: i + 1, raw: line.slice(0, 500), issues: r.issues }, 'recording index line rejected');
        return;
      }
      known.set(r.data.file, r.data);
    });
  }
  const out = new Map<Venue, RecordingFile[]>();
  for (const venue of VENUE_IDS) {
    const files: RecordingFile[] = [];
    const vdir = join(dir, venue);
    const names = existsSync(vdir) ? (await readdir(vdir)).filter((n) => n.endsWith(FILE_SUFFIX)) : [];
    for (const name of names) {
      const rel = `${venue}/${name}`;
      const entry = known.get(rel);
      if (entry) files.push(entry);
      else {
        log.warn({ file: rel }, 'recording file not in the index (session did not close it); reading it anyway');
        files.push({ file: rel, venue });
      }
    }
    for (const [rel, e] of known) {
      if (e.venue === venue && !names.includes(rel.slice(venue.length + 1))) log.warn({ file: rel }, 'indexed recording file is missing');
    }
    files.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    out.set(venue, files);
  }
  return out;
}

/**
 * The frames of one recording file, in order. Bad lines and a cut-short gzip stream are logged
 * and counted; the generator then goes on (bad line) or ends (cut stream) without throwing.
 */
export async function* readRecordedFile(path: string, counters: ReplayCounters = newReplayCounters()): AsyncGenerator<RawFrame> {
  const gunzip = createGunzip();
  pipeline(createReadStream(path), gunzip, () => {
    /* errors surface in the iteration below */
  });
  gunzip.setEncoding('utf8');
  counters.files += 1;
  let rest = '';
  let lineNo = 0;
  const parse = (line: string, last: boolean): RawFrame | undefined => {
    lineNo += 1;
    const r = parseJsonLine(RecordedLine, line);
    if (r.success) return toFrame(r.data);
    counters.badLines += 1;
    log.warn(
      { file: path, line: lineNo, raw: line.slice(0, 500), issues: r.issues },
      last ? 'recording line rejected (truncated last line: crash mid-write?)' : 'recording line rejected',
    );
    return undefined;
  };
  try {
    for await (const chunk of gunzip as AsyncIterable<string>) {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) {
        if (!line) continue;
        const f = parse(line, false);
        if (f) yield f;
      }
    }
  } catch (err) {
    counters.badFiles += 1;
    log.warn({ err, file: path, linesRead: lineNo }, 'recording file cut short or corrupt; replaying what was read');
  }
  if (rest) {
    const f = parse(rest, true);
    if (f) yield f;
  }
}

async function* venueFrames(dir: string, files: readonly RecordingFile[], opts: ReplayOptions, counters: ReplayCounters): AsyncGenerator<RawFrame> {
  const { from = -Infinity, to = Infinity } = opts;
  for (const f of files) {
    if (f.lastTs !== undefined && f.lastTs < from) continue;
    if (f.firstTs !== undefined && f.firstTs >= to) continue;
    for await (const frame of readRecordedFile(join(dir, f.file), counters)) {
      if (frame.tsReceived >= from && frame.tsReceived < to) yield frame;
    }
  }
}

/** Something with a receive time and (optionally) a venue: a RawFrame or a BookEvent. */
export interface Timed {
  readonly tsReceived: number;
  readonly venue?: Venue;
}

const venueRank = (v: Venue | undefined): number => (v === undefined ? VENUE_IDS.length : VENUE_IDS.indexOf(v));

interface Head<T> {
  readonly value: T;
  readonly rank: number;
  readonly source: number;
  readonly seq: number;
}

const headBefore = <T extends Timed>(a: Head<T>, b: Head<T>): boolean =>
  a.value.tsReceived !== b.value.tsReceived
    ? a.value.tsReceived < b.value.tsReceived
    : a.rank !== b.rank
      ? a.rank < b.rank
      : a.source !== b.source
        ? a.source < b.source
        : a.seq < b.seq;

/**
 * k-way merge of sources that are each in receive order into one stream in receive order.
 * Ties (same tsReceived) are broken by venue (VENUE_IDS order), then by the source's position in
 * `sources`, then by position within the source, so the order never depends on I/O timing.
 * Holds one item per source (a heap of heads); closes every source when stopped early.
 */
export async function* mergeByReceiveTime<T extends Timed>(sources: readonly (AsyncIterable<T> | Iterable<T>)[]): AsyncGenerator<T> {
  const its = sources.map((s) => (Symbol.asyncIterator in s ? s[Symbol.asyncIterator]() : (s as Iterable<T>)[Symbol.iterator]()));
  const seqs = its.map(() => 0);
  const heap: Head<T>[] = [];
  const push = (h: Head<T>): void => {
    heap.push(h);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!headBefore(heap[i]!, heap[p]!)) break;
      [heap[i], heap[p]] = [heap[p]!, heap[i]!];
      i = p;
    }
  };
  const pop = (): Head<T> | undefined => {
    const top = heap[0];
    const last = heap.pop();
    if (heap.length && last) {
      heap[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < heap.length && headBefore(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && headBefore(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  };
  const pull = async (k: number): Promise<void> => {
    const r = await its[k]!.next();
    if (!r.done) push({ value: r.value, rank: venueRank(r.value.venue), source: k, seq: seqs[k]!++ });
  };
  try {
    // first heads in source order (then the heap decides)
    for (let k = 0; k < its.length; k++) await pull(k);
    for (let h = pop(); h; h = pop()) {
      yield h.value;
      await pull(h.source);
    }
  } finally {
    await Promise.all(its.map((it) => it.return?.(undefined)));
  }
}

/** Groups an (async) iterable into arrays of up to `size` items, so a consumer can work synchronously on each. */
export async function* chunksOf<T>(source: AsyncIterable<T> | Iterable<T>, size: number): AsyncGenerator<T[]> {
  if (!(size >= 1)) throw new NonRetryableError(`chunk size must be at least 1, got ${size}`, { size });
  let chunk: T[] = [];
  for await (const x of source) {
    chunk.push(x);
    if (chunk.length >= size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length) yield chunk;
}

/**
 * All frames of the recording, venues merged by receive time (ties: venue order of VENUE_IDS),
 * each venue's frames in recorded order. Streams: holds one frame per venue plus the file
 * reader's buffer, whatever the recording's size.
 */
export async function* recordedFrames(dir: string, opts: ReplayOptions = {}): AsyncGenerator<RawFrame> {
  const counters = opts.counters ?? newReplayCounters();
  const wanted: readonly Venue[] = opts.venue === undefined ? VENUE_IDS : typeof opts.venue === 'string' ? [opts.venue] : opts.venue;
  const listing = await listRecording(dir, counters);
  const its = VENUE_IDS.filter((v) => wanted.includes(v)).map((v) => venueFrames(dir, listing.get(v) ?? [], opts, counters));
  for await (const frame of mergeByReceiveTime(its)) {
    counters.frames += 1;
    yield frame;
  }
}

/**
 * Replays a recording as an Observable of RawFrames (see the module comment). Errors only when
 * the recording does not exist or cannot be listed.
 */
export function replayFrames(dir: string, opts: ReplayOptions = {}): Observable<RawFrame> {
  return new Observable<RawFrame>((subscriber) => {
    let stopped = false;
    let pending: Subscription | undefined;
    let wake: (() => void) | undefined;
    const scheduler = opts.scheduler ?? asyncScheduler;
    const speed = opts.speed;
    if (speed !== undefined && !(speed > 0)) {
      subscriber.error(new NonRetryableError(`speed must be positive, got ${speed}`, { speed }));
      return;
    }
    const it = recordedFrames(dir, opts);
    void (async () => {
      let t0: number | undefined;
      let start = 0;
      try {
        for await (const f of it) {
          if (stopped) break;
          if (speed !== undefined) {
            if (t0 === undefined) {
              t0 = f.tsReceived;
              start = scheduler.now();
            }
            const delay = start + (f.tsReceived - t0) / speed - scheduler.now();
            if (delay > 0) {
              await new Promise<void>((resolve) => {
                wake = resolve;
                pending = scheduler.schedule(() => resolve(), delay);
              });
              wake = undefined;
              if (stopped) break;
            }
          }
          subscriber.next(f);
        }
        if (!stopped) subscriber.complete();
      } catch (err) {
        if (!stopped) subscriber.error(err);
      }
    })();
    return () => {
      stopped = true;
      pending?.unsubscribe();
      wake?.();
    };
  });
}
