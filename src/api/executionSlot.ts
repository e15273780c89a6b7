/**
 * The running execution as the doors (GraphQL, the dashboard, Discord) see it: one slot per
 * process, on the live events handle (`live.execution`). pipelines/live.ts attaches the
 * ExecutionHandle when EXECUTION_MODE is paper or live (through its sink, `LiveEvents.attachExecution`)
 * and detaches it on stop. Empty slot = no execution in this process: queries read the tables,
 * the arm/disarm mutations answer EXECUTION_OFF.
 *
 *   live.execution.current()?.positions()   // the latest PositionsSnapshot (undefined before the first fill)
 *   live.execution.current()?.armed          // the executor's own flag (live mode starts unarmed)
 */
import type { Observable, Subscription } from 'rxjs';
import type { PositionsSnapshot } from '../execution/positions.js';
import { log } from '../log.js';

export type ExecutionMode = 'paper' | 'live';

/**
 * What the doors need of a running execution. pipelines/execute.ts `ExecutionHandle` fits it;
 * `latestPositions` is used when the handle has it, else the slot keeps the last `positions$` value.
 */
export interface RunningExecution {
  readonly executor: {
    arm(on?: boolean): void;
    readonly armed: boolean;
    readonly killSwitch: boolean;
  };
  readonly positions$: Observable<PositionsSnapshot>;
  latestPositions?(): PositionsSnapshot | undefined;
}

export interface AttachedExecution {
  readonly mode: ExecutionMode;
  /** false until an admin arms it (live); paper runs armed */
  readonly armed: boolean;
  readonly killSwitch: boolean;
  arm(on: boolean): void;
  /** the latest positions (undefined: no fill yet) */
  positions(): PositionsSnapshot | undefined;
}

export interface ExecutionSlot {
  attach(h: RunningExecution, mode: ExecutionMode): void;
  detach(): void;
  current(): AttachedExecution | undefined;
}

export function createExecutionSlot(): ExecutionSlot {
  let cur: { h: RunningExecution; mode: ExecutionMode; last?: PositionsSnapshot; sub?: Subscription } | undefined;
  const detach = (): void => {
    cur?.sub?.unsubscribe();
    cur = undefined;
  };
  return {
    attach(h, mode) {
      detach();
      const slot: NonNullable<typeof cur> = { h, mode };
      cur = slot;
      slot.sub = h.positions$.subscribe({ next: (p) => void (slot.last = p), error: (err: unknown) => log.warn({ err }, 'execution slot: positions stream failed') });
    },
    detach,
    current() {
      const c = cur;
      if (!c) return undefined;
      return {
        mode: c.mode,
        get armed() {
          return c.h.executor.armed;
        },
        get killSwitch() {
          return c.h.executor.killSwitch;
        },
        arm(on) {
          c.h.executor.arm(on);
        },
        positions: () => c.h.latestPositions?.() ?? c.last,
      };
    },
  };
}
