/**
 * What a backtest replays: a recording (`arbstream record`), a Parquet dataset (src/datasets/,
 * with the recording's meta.json beside it) or frames/book events in memory (tests, the demo
 * scenario). Each replay opens the source afresh (a sweep replays it several times).
 *
 * Nothing is lost silently: unreadable input (bad recording lines with their line numbers, files
 * cut short, unreadable Parquet files with their row group) is pushed to `skipped`; a venue that
 * sends nothing for longer than `gapMs` and a market whose book goes bad after being good (a
 * sequence gap resets it) are pushed to `gaps`.
 */
import { join } from 'node:path';
import type { Observable, Subscription } from 'rxjs';
import type { BacktestGap } from '../../schema/backtest.js';
import type { Book, BookEvent } from '../../schema/book.js';
import type { Pair } from '../../schema/pair.js';
import { VENUE_IDS, type Venue } from '../../schema/venue.js';
import { readDataset } from '../datasets/reader.js';
import { problemLine, type DatasetProblem } from '../datasets/problems.js';
import type { FeeBook } from '../fees/schedule.js';
import { feeBookFromMeta, readRecordingMeta } from '../history/meta.js';
import { listRecording, mergeByReceiveTime, newReplayCounters, readRecordedFile, type RecordingFile } from '../history/replaySource.js';
import type { RawFrame } from '../venues/common/types.js';
import type { FeedMarket } from '../venues/venue.js';

export type BacktestSource =
  | { readonly kind: 'recording'; readonly dir: string }
  | { readonly kind: 'dataset'; readonly dir: string }
  | {
      readonly kind: 'memory';
      readonly name: string;
      readonly pairs: readonly Pair[];
      readonly markets: readonly FeedMarket[];
      readonly feeBook: FeeBook;
      /** in receive order */
      readonly frames?: readonly RawFrame[];
      /** in receive order */
      readonly bookEvents?: readonly BookEvent[];
    };

/** What the replay graph needs besides the input. */
export interface SourceMeta {
  readonly description: string;
  readonly pairs: readonly Pair[];
  readonly markets: readonly FeedMarket[];
  readonly feeBook: FeeBook;
}

export interface OpenedInput {
  readonly frames?: AsyncIterable<RawFrame> | Iterable<RawFrame>;
  readonly bookEvents?: Iterable<BookEvent>;
}

export interface ReadRange {
  readonly from?: number;
  readonly to?: number;
}

export function sourceMeta(src: BacktestSource): SourceMeta {
  if (src.kind === 'memory') return { description: src.name, pairs: src.pairs, markets: src.markets, feeBook: src.feeBook };
  const meta = readRecordingMeta(src.dir);
  return { description: `${src.kind} ${src.dir}`, pairs: meta.pairs, markets: meta.markets, feeBook: feeBookFromMeta(meta) };
}

const inRange = (t: number, r: ReadRange): boolean => t >= (r.from ?? -Infinity) && t < (r.to ?? Infinity);

/**
 * One recording file's frames in range, reporting each line the reader rejected by its number
 * (non-empty lines, as the reader's log counts them) and a file cut short.
 */
async function* fileFrames(dir: string, f: RecordingFile, r: ReadRange, skipped: (s: string) => void): AsyncGenerator<RawFrame> {
  const counters = newReplayCounters();
  let lines = 0;
  let bad = 0;
  const flushBad = (): void => {
    while (bad < counters.badLines) {
      bad++;
      lines++;
      skipped(`${f.file}: line ${lines} is not a valid frame, skipped`);
    }
  };
  for await (const frame of readRecordedFile(join(dir, f.file), counters)) {
    flushBad();
    lines++;
    if (inRange(frame.tsReceived, r)) yield frame;
  }
  flushBad();
  if (counters.badFiles) skipped(`${f.file}: cut short or corrupt after line ${lines}; the rest of the file is unreadable`);
}

/** A recording's frames in receive order (venues merged as the replay merges them). */
async function* recordingFrames(dir: string, r: ReadRange, skipped: (s: string) => void): AsyncGenerator<RawFrame> {
  const listing = await listRecording(dir);
  const perVenue = VENUE_IDS.map((v) =>
    (async function* () {
      for (const f of listing.get(v) ?? []) {
        if (f.lastTs !== undefined && r.from !== undefined && f.lastTs < r.from) continue;
        if (f.firstTs !== undefined && r.to !== undefined && f.firstTs >= r.to) continue;
        yield* fileFrames(dir, f, r, skipped);
      }
    })(),
  );
  yield* mergeByReceiveTime(perVenue);
}

async function* datasetFrames(dir: string, r: ReadRange, skipped: (s: string) => void): AsyncGenerator<RawFrame> {
  const problems: DatasetProblem[] = [];
  let reported = 0;
  const report = (): void => {
    for (; reported < problems.length; reported++) skipped(problemLine(problems[reported]!));
  };
  for await (const row of readDataset(dir, { kinds: ['recording'], problems, ...(r.from !== undefined && { from: r.from }), ...(r.to !== undefined && { to: r.to }) })) {
    report();
    if (row.frame) yield row.frame;
    else skipped(`${row.venue} ${row.market} at ${row.ts}: recording row without a frame, skipped`);
  }
  report();
}

/** Opens the source's input for one replay. */
export function openInput(src: BacktestSource, r: ReadRange, skipped: (s: string) => void): OpenedInput {
  switch (src.kind) {
    case 'recording':
      return { frames: recordingFrames(src.dir, r, skipped) };
    case 'dataset':
      return { frames: datasetFrames(src.dir, r, skipped) };
    case 'memory':
      return {
        ...(src.frames && { frames: src.frames.filter((f) => inRange(f.tsReceived, r)) }),
        ...(src.bookEvents && { bookEvents: src.bookEvents.filter((e) => inRange(e.tsReceived, r)) }),
      };
  }
}

/** Notes each venue's silences longer than `gapMs` (wraps the input). */
export function watchFrames(input: OpenedInput, gapMs: number, gaps: BacktestGap[]): OpenedInput {
  if (!input.frames) return input;
  const frames = input.frames;
  const last = new Map<Venue, number>();
  async function* watched(): AsyncGenerator<RawFrame> {
    for await (const f of frames) {
      const prev = last.get(f.venue);
      if (prev !== undefined && f.tsReceived - prev > gapMs) gaps.push({ venue: f.venue, marketId: '*', from: prev, to: f.tsReceived, source: `no frames for more than ${gapMs} ms` });
      last.set(f.venue, f.tsReceived);
      yield f;
    }
  }
  return { ...input, frames: watched() };
}

/**
 * Markets whose book went from usable to unusable (a reset after a sequence gap, a crossed or
 * incomplete book): a gap from the first bad book to the next good one (or the end of data).
 */
export function watchBooks(books$: Observable<Book>, gaps: BacktestGap[]): { sub: Subscription; close(endMs: number): void } {
  const good = new Set<string>();
  const open = new Map<string, { venue: Venue; marketId: string; from: number; issues: string }>();
  const sub = books$.subscribe((b) => {
    const key = `${b.venue}|${b.marketId}`;
    if (!b.issues.length) {
      const o = open.get(key);
      // a book unusable for less than a millisecond (a half-applied update) is no hole in the data
      if (o && b.tsReceived > o.from) {
        gaps.push({ venue: o.venue, marketId: o.marketId, from: o.from, to: b.tsReceived, source: `book unusable: ${o.issues}` });
      }
      open.delete(key);
      good.add(key);
    } else if (good.has(key) && !open.has(key)) {
      open.set(key, { venue: b.venue, marketId: b.marketId, from: b.tsReceived, issues: b.issues.join(',') });
    }
  });
  return {
    sub,
    close(endMs) {
      for (const o of open.values()) gaps.push({ venue: o.venue, marketId: o.marketId, from: o.from, to: endMs, source: `book unusable: ${o.issues} (until the end of data)` });
      open.clear();
    },
  };
}
