/**
 * The replay pipeline: a recorded session (raw frames, see src/history/recorder.ts) through the
 * SAME graph as live (pipelines/core.ts), on virtual time. Sources: the recorded frames decoded by
 * the venues' own pure decoders. Clock: a VirtualTimeScheduler whose `now()` is the recording's
 * receive time, so staleness, sampling and risk decisions see the same times they saw live.
 * Sinks: whatever the caller subscribes (tests collect, `arbstream replay` prints/persists).
 * Replaying the same recording twice gives identical outputs.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { EMPTY, Observable, BehaviorSubject, merge, filter, type Subscription } from 'rxjs';
import { VirtualTimeScheduler } from 'rxjs';
import { z } from 'zod';
import { Pair } from '../schema/pair.js';
import type { Config } from '../src/config.js';
import { FeeBook, FeeScheduleEntry, type FeeScheduleEntryInput } from '../src/fees/schedule.js';
import { recordedFrames } from '../src/history/replaySource.js';
import type { RawFrame } from '../src/venues/common/types.js';
import { buildContext, polyBookEvents, type PolyMarketRef } from '../src/venues/polymarket/normalize.js';
import { kalshiBookEvents } from '../src/venues/kalshi/normalize.js';
import { buildPipeline, limitsFromConfig, type PipelineOutputs, type RiskControl } from './core.js';

/** What a replay needs besides the frames; the recorder writes it next to them as meta.json. */
export const RecordingMeta = z.object({
  pairs: z.array(Pair),
  polyMarkets: z.array(z.object({ conditionId: z.string(), yesTokenId: z.string(), noTokenId: z.string() })),
  feeSchedules: z.array(z.unknown()),
  marketRefs: z.array(z.object({ venue: z.enum(['polymarket', 'kalshi']), marketId: z.string(), eventId: z.string().optional(), seriesId: z.string().optional(), category: z.string().optional() })).default([]),
});
export type RecordingMeta = z.infer<typeof RecordingMeta>;

export function writeRecordingMeta(dir: string, meta: RecordingMeta): void {
  writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
}
export function readRecordingMeta(dir: string): RecordingMeta {
  return RecordingMeta.parse(JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8')));
}
export function feeBookFromMeta(meta: RecordingMeta): FeeBook {
  const fb = new FeeBook();
  for (const e of meta.feeSchedules) fb.add(FeeScheduleEntry.parse(e) as FeeScheduleEntryInput);
  for (const r of meta.marketRefs) fb.setMarketRef(r.venue, r);
  return fb;
}

export interface ReplayOptions {
  readonly frames: readonly RawFrame[];
  readonly pairs: readonly Pair[];
  readonly polyMarkets: readonly PolyMarketRef[];
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
  const bookEvents$ = merge(
    frames$.pipe(filter((f) => f.venue === 'polymarket'), polyBookEvents(buildContext(o.polyMarkets))),
    frames$.pipe(filter((f) => f.venue === 'kalshi'), kalshiBookEvents()),
  );
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
