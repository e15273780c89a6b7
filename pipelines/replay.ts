/**
 * The replay pipeline: a recorded session (raw frames, see src/history/recorder.ts) through the
 * SAME graph as live (pipelines/core.ts), on virtual time. Sources: the recorded frames decoded by
 * the venues' own pure decoders (each registered venue's `replay.bookEvents`). Clock: a VirtualTimeScheduler whose `now()` is the recording's
 * receive time, so staleness, sampling and risk decisions see the same times they saw live.
 * Sinks: whatever the caller subscribes (tests collect, `arbstream replay` prints/persists).
 * Replaying the same recording twice gives identical outputs.
 */
import { EMPTY, Observable, BehaviorSubject, merge, filter, type Subscription } from 'rxjs';
import { VirtualTimeScheduler } from 'rxjs';
import type { Pair } from '../schema/pair.js';
import type { Config } from '../src/config.js';
import type { FeeBook } from '../src/fees/schedule.js';
import { recordedFrames } from '../src/history/replaySource.js';
import type { RawFrame } from '../src/venues/common/types.js';
import { venueList } from '../src/venues/registry.js';
import type { FeedMarket } from '../src/venues/venue.js';
import { buildPipeline, limitsFromConfig, type PipelineOutputs, type RiskControl } from './core.js';

export { RecordingMeta, writeRecordingMeta, readRecordingMeta, feeBookFromMeta } from '../src/history/meta.js';

export interface ReplayOptions {
  readonly frames: readonly RawFrame[];
  readonly pairs: readonly Pair[];
  /** the recorded subscriptions (meta.json `markets`, or LiveHandle.subscribedMarkets()) */
  readonly markets: readonly FeedMarket[];
  readonly feeBook: FeeBook;
  readonly risk: Config['risk'];
  readonly control?: RiskControl;
}

export interface ReplayRun {
  readonly outputs: PipelineOutputs;
  readonly scheduler: VirtualTimeScheduler;
  /** Runs the whole recording through the graph (synchronously, on virtual time). */
  run(): void;
}

/** Builds the replay graph over frames already read (see {@link loadFrames}). Subscribe to outputs, then run(). */
export function replayPipeline(o: ReplayOptions): ReplayRun {
  const frames = [...o.frames].sort((a, b) => a.tsReceived - b.tsReceived);
  const t0 = frames[0]?.tsReceived ?? 0;
  const scheduler = new VirtualTimeScheduler();
  // virtual frame 0 = the first frame's receive time, in unix ms
  (scheduler as { now: () => number }).now = () => t0 + scheduler.frame;
  const frames$ = new Observable<RawFrame>((sub) => {
    const subs: Subscription[] = frames.map((f) => scheduler.schedule(() => sub.next(f), f.tsReceived - t0));
    subs.push(scheduler.schedule(() => sub.complete(), (frames.at(-1)?.tsReceived ?? t0) - t0));
    return () => subs.forEach((s) => s.unsubscribe());
  });
  // each venue's frames through its own decoder (the same the live feed uses)
  const bookEvents$ = merge(...venueList.map((v) => frames$.pipe(
    filter((f) => f.venue === v.id),
    v.replay.bookEvents(o.markets.filter((m) => m.venue === v.id)),
  )));
  const control = new BehaviorSubject<RiskControl>(o.control ?? { killSwitch: false, limits: limitsFromConfig(o.risk) });
  const outputs = buildPipeline(
    { bookEvents$, pairs$: new BehaviorSubject(o.pairs), feedStatus$: EMPTY, control$: control },
    { feeBook: o.feeBook, risk: o.risk, scheduler },
  );
  return { outputs, scheduler, run: () => scheduler.flush() };
}

/** Reads a whole recording (both venues, in receive order). */
export async function loadFrames(dir: string, opts: { from?: number; to?: number } = {}): Promise<RawFrame[]> {
  const out: RawFrame[] = [];
  for await (const f of recordedFrames(dir, opts)) out.push(f);
  return out;
}
