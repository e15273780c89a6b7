/**
 * The replay pipeline: recorded frames (a recording, a dataset) and stored books through the SAME
 * graph as live (pipelines/core.ts), on virtual time, streaming.
 *
 *   frames (AsyncIterable<RawFrame>, receive order) ─► per venue: replay.bookEvents (the live decoders) ─┐
 *   bookEvents (AsyncIterable<BookEvent>, e.g. bookRowsSource) ───────────────────────────────────────────┴─► buildPipeline ─► outputs
 *   clock: VirtualClock, advanced to each input's tsReceived before it is delivered
 *
 * Sources: anything that yields frames in receive order (`recordedFrames(dir)`, a Parquet dataset
 * reader, `mergeByReceiveTime` of per-venue sources) and/or book events (stored books). Clock: a
 * {@link VirtualClock} whose `now()` is the input's receive time, so staleness, sampling and risk
 * decisions see the times they saw live; timers due before an input run before it, in order.
 * Sinks: whatever the caller subscribes before `run()` (tests collect, `arbstream replay` prints
 * or writes JSON lines with {@link outputLines}).
 *
 * Streaming: the input is read in chunks (default 10,000) and each chunk goes through the graph
 * synchronously, so memory is the chunk plus the graph's state (books, pending samples), not the
 * recording. Deterministic: the graph is synchronous on virtual time and the input order is fixed
 * (ties broken by venue, then source, then position: `mergeByReceiveTime`), so two runs over the
 * same input give identical outputs, whatever the chunk size.
 */
import { BehaviorSubject, EMPTY, Subject, merge, tap, type Observable, type Subscription } from 'rxjs';
import type { BookEvent } from '../schema/book.js';
import type { Pair } from '../schema/pair.js';
import type { Venue } from '../schema/venue.js';
import type { LeadLagConfig } from '../operators/leadLag.js';
import type { Config } from '../src/config.js';
import { NonRetryableError } from '../src/errors.js';
import type { FeeBook } from '../src/fees/schedule.js';
import { log } from '../src/log.js';
import { chunksOf, mergeByReceiveTime, recordedFrames, type ReplayOptions as RecordingReadOptions } from '../src/history/replaySource.js';
import { VirtualClock } from '../src/history/virtualClock.js';
import type { RawFrame } from '../src/venues/common/types.js';
import { venueList } from '../src/venues/registry.js';
import type { FeedMarket } from '../src/venues/venue.js';
import { buildPipeline, limitsFromConfig, type PipelineOutputs, type RiskControl } from './core.js';

export { RecordingMeta, writeRecordingMeta, readRecordingMeta, feeBookFromMeta } from '../src/history/meta.js';
export { VirtualClock } from '../src/history/virtualClock.js';
export { mergeByReceiveTime, recordedFrames } from '../src/history/replaySource.js';

/** What the graph needs besides the input. */
export interface ReplayGraphOptions {
  readonly pairs: readonly Pair[];
  /** the recorded subscriptions (meta.json `markets`): the venues' decoders need them (Polymarket token ids) */
  readonly markets: readonly FeedMarket[];
  readonly feeBook: FeeBook;
  readonly risk: Config['risk'];
  readonly control?: RiskControl;
  readonly leadLag?: LeadLagConfig;
  readonly topsEveryMs?: number;
  readonly depthEveryMs?: number;
}

/** Replay input: frames and/or book events, each in receive order (nondecreasing tsReceived). */
export interface ReplayInput {
  /** raw frames as received, decoded by each venue's `replay.bookEvents` */
  readonly frames?: AsyncIterable<RawFrame> | Iterable<RawFrame>;
  /** book events as the venues' decoders produce them (stored books: `bookRowsSource`) */
  readonly bookEvents?: AsyncIterable<BookEvent> | Iterable<BookEvent>;
}

export interface StreamReplayOptions extends ReplayGraphOptions, ReplayInput {
  /** inputs read before each synchronous run through the graph (default 10,000) */
  readonly chunkSize?: number;
  /** the clock's time before the first input, unix ms (default: the first input's tsReceived) */
  readonly startMs?: number;
  /** called after each chunk has gone through the graph (progress, memory sampling) */
  readonly onChunk?: (stats: Readonly<ReplayStats>) => void;
}

export interface ReplayStats {
  /** frames delivered to the decoders */
  frames: number;
  /** book events given as input (stored books) */
  inputEvents: number;
  /** book events into the graph (decoded from frames plus given) */
  bookEvents: number;
  /** inputs whose tsReceived was before the clock (out of order): delivered at the clock's time */
  late: number;
  /** frames of a venue that is not registered (dropped, logged once) */
  unknownVenue: number;
  /** receive time of the first and last input, unix ms */
  firstTs?: number;
  lastTs?: number;
}

export interface StreamReplay {
  readonly outputs: PipelineOutputs;
  readonly clock: VirtualClock;
  readonly stats: Readonly<ReplayStats>;
  /** Reads the input to the end through the graph; resolves when every output has completed. Call once. */
  run(): Promise<ReplayStats>;
}

/** The graph on a virtual clock with push-style input; shared by the streaming and the in-memory replay. */
interface ReplayEngine {
  readonly outputs: PipelineOutputs;
  readonly clock: VirtualClock;
  readonly stats: ReplayStats;
  push(x: RawFrame | BookEvent): void;
  end(): void;
}

const isBookEvent = (x: RawFrame | BookEvent): x is BookEvent => 'kind' in x;

function createEngine(o: ReplayGraphOptions, startMs: number | undefined): ReplayEngine {
  const clock = new VirtualClock(startMs ?? 0);
  let started = startMs !== undefined;
  const stats: ReplayStats = { frames: 0, inputEvents: 0, bookEvents: 0, late: 0, unknownVenue: 0 };
  const frameSubjects = new Map<Venue, Subject<RawFrame>>();
  const decoded: Observable<BookEvent>[] = [];
  // each venue's frames through its own decoder (the same the live feed uses)
  for (const v of venueList) {
    const s = new Subject<RawFrame>();
    frameSubjects.set(v.id, s);
    decoded.push(s.pipe(v.replay.bookEvents(o.markets.filter((m) => m.venue === v.id))));
  }
  const given = new Subject<BookEvent>();
  const bookEvents$ = merge(...decoded, given).pipe(tap(() => stats.bookEvents++));
  const control = new BehaviorSubject<RiskControl>(o.control ?? { killSwitch: false, limits: limitsFromConfig(o.risk) });
  const outputs = buildPipeline(
    { bookEvents$, pairs$: new BehaviorSubject(o.pairs), feedStatus$: EMPTY, control$: control },
    {
      feeBook: o.feeBook, risk: o.risk, scheduler: clock,
      ...(o.leadLag && { leadLag: o.leadLag }),
      ...(o.topsEveryMs !== undefined && { topsEveryMs: o.topsEveryMs }),
      ...(o.depthEveryMs !== undefined && { depthEveryMs: o.depthEveryMs }),
    },
  );
  let ended = false;
  const push = (x: RawFrame | BookEvent): void => {
    let t = x.tsReceived;
    if (!started) {
      clock.frame = t;
      started = true;
    }
    if (!(t >= clock.frame)) {
      if (stats.late++ === 0) log.warn({ venue: x.venue, tsReceived: t, clock: clock.frame }, 'replay input out of receive order: delivered at the clock\'s time (counted in stats.late)');
      t = clock.frame;
    }
    stats.firstTs ??= x.tsReceived;
    stats.lastTs = x.tsReceived;
    // timers due before this input run first (a timer due at the same ms runs after the inputs of that ms)
    clock.advanceTo(t, false);
    if (isBookEvent(x)) {
      stats.inputEvents++;
      given.next(x);
      return;
    }
    const s = frameSubjects.get(x.venue);
    if (!s) {
      if (stats.unknownVenue++ === 0) log.warn({ venue: x.venue }, 'replay frame of a venue that is not registered: dropped (counted in stats.unknownVenue)');
      return;
    }
    stats.frames++;
    s.next(x);
  };
  const end = (): void => {
    if (ended) return;
    ended = true;
    if (stats.lastTs !== undefined) clock.advanceTo(Math.max(stats.lastTs, clock.frame), true);
    for (const s of frameSubjects.values()) s.complete();
    given.complete();
    // what the completed graph still has scheduled (none of its timers outlive completion)
    clock.flush();
  };
  return { outputs, clock, stats, push, end };
}

/**
 * Builds the streaming replay graph. Subscribe to `outputs`, then `await run()`.
 *
 * ```ts
 * const r = streamReplay({ frames: recordedFrames(dir), pairs, markets, feeBook, risk });
 * const sub = outputLines(r.outputs, (line) => out.write(line + '\n'));
 * const stats = await r.run();
 * ```
 */
export function streamReplay(o: StreamReplayOptions): StreamReplay {
  const chunkSize = o.chunkSize ?? 10_000;
  if (!(chunkSize >= 1)) throw new NonRetryableError(`chunkSize must be at least 1, got ${chunkSize}`, { chunkSize });
  const engine = createEngine(o, o.startMs);
  let running = false;
  const run = async (): Promise<ReplayStats> => {
    if (running) throw new NonRetryableError('a replay runs once', {});
    running = true;
    const sources: (AsyncIterable<RawFrame | BookEvent> | Iterable<RawFrame | BookEvent>)[] = [];
    if (o.frames) sources.push(o.frames);
    if (o.bookEvents) sources.push(o.bookEvents);
    // both kinds given: one stream in receive order (ties: venue, then frames before events)
    const input = sources.length === 1 ? sources[0]! : mergeByReceiveTime(sources);
    for await (const chunk of chunksOf(input, chunkSize)) {
      for (const x of chunk) engine.push(x);
      o.onChunk?.(engine.stats);
    }
    engine.end();
    return engine.stats;
  };
  return { outputs: engine.outputs, clock: engine.clock, stats: engine.stats, run };
}

/** Options of {@link replayPipeline}: frames already in memory. */
export interface ReplayOptions extends ReplayGraphOptions {
  readonly frames: readonly RawFrame[];
}

export interface ReplayRun {
  readonly outputs: PipelineOutputs;
  readonly scheduler: VirtualClock;
  /** Runs the whole input through the graph (synchronously, on virtual time). */
  run(): void;
}

/**
 * The replay graph over frames already in memory (tests, small recordings), sorted by receive
 * time (stable). Subscribe to outputs, then run(). Large inputs: {@link streamReplay}.
 */
export function replayPipeline(o: ReplayOptions): ReplayRun {
  const frames = [...o.frames].sort((a, b) => a.tsReceived - b.tsReceived);
  const engine = createEngine(o, frames[0]?.tsReceived);
  return {
    outputs: engine.outputs,
    scheduler: engine.clock,
    run: () => {
      for (const f of frames) engine.push(f);
      engine.end();
    },
  };
}

/** Reads a whole recording (both venues, in receive order) into memory; for small ones (tests). */
export async function loadFrames(dir: string, opts: Pick<RecordingReadOptions, 'from' | 'to' | 'venue' | 'counters'> = {}): Promise<RawFrame[]> {
  const out: RawFrame[] = [];
  for await (const f of recordedFrames(dir, opts)) out.push(f);
  return out;
}

/** The output streams {@link outputLines} writes, in the order their lines are tagged. */
export const OUTPUT_STAGES = ['edges', 'decisions', 'leadLag', 'tops', 'depth'] as const;
export type OutputStage = (typeof OUTPUT_STAGES)[number] | 'books';

/**
 * Every output as one JSON line `{"stage":…,"value":…}`, in the order they are emitted (the graph
 * is synchronous, so the order is part of the result). `books: true` adds every book (large).
 * Subscribe before `run()`; the returned Subscription stops it.
 */
export function outputLines(outputs: PipelineOutputs, write: (line: string) => void, opts: { readonly books?: boolean } = {}): Subscription {
  const line = (stage: OutputStage) => (value: unknown): void => write(JSON.stringify({ stage, value }));
  const sub = outputs.edges$.subscribe(line('edges'));
  sub.add(outputs.decisions$.subscribe(line('decisions')));
  sub.add(outputs.leadLag$.subscribe(line('leadLag')));
  sub.add(outputs.tops$.subscribe(line('tops')));
  sub.add(outputs.depth$.subscribe(line('depth')));
  if (opts.books) sub.add(outputs.books$.subscribe(line('books')));
  return sub;
}
