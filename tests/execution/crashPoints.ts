/**
 * The crash points of the SIGKILL soak (tests/execution/crash.int.spec.ts, scripts/soak-crash.ts):
 * where the child (./crashChild.ts) kills itself, through the executor's test hook
 * `onTransition(machine, phase, detail)`, and which simulator faults the parent arms first to
 * reach that state. The scenario: leg 1 buys NO on Kalshi (the thinner book goes first), leg 2
 * buys YES on Polymarket, an unwind sells leg 1's NO on Kalshi.
 *
 * - phase 'written': the step's transitions are in the database, its orders not yet sent;
 * - phase 'sent': the venue answered a command (it acted), the answer is not yet written: the
 *   same as an answer lost in a crash.
 */
import type { OrderFault } from '../../src/venues/common/simFaults.js';
import type { Machine, Transition } from '../../src/execution/stateMachine.js';
import type { TransitionDetail } from '../../src/execution/executor.js';

export interface CrashPoint {
  readonly name: string;
  readonly phase: 'written' | 'sent';
  readonly match: (m: Machine, d: TransitionDetail) => boolean;
  /** armed at the simulators before the decision (each is used up before the crash point) */
  readonly faults?: { readonly kalshi?: readonly OrderFault[]; readonly polymarket?: readonly OrderFault[] };
}

const to = (d: TransitionDetail, s: Transition['to']): boolean => d.transitions.some((t) => t.to === s);
const placed = (d: TransitionDetail, role: 'leg1' | 'leg2' | 'unwind', attempt = 1): boolean =>
  d.command?.type === 'place' && d.command.role === role && d.command.order.clientOrderId.endsWith(`:${role}:${attempt}`);

const LEG1_HALF: readonly OrderFault[] = [{ kind: 'partial', ratio: 0.5 }];
/** leg 2 finds nothing at its limit on all three attempts: leg 1 must be unwound */
const LEG2_GONE: readonly OrderFault[] = [{ kind: 'reject', reason: 'price_moved', count: 3 }];

export const CRASH_POINTS: readonly CrashPoint[] = [
  { name: 'leg1Submitted-written', phase: 'written', match: (m, d) => m.state === 'leg1Submitted' && d.transitions.some((t) => t.from === 'planned') },
  { name: 'leg1-sent', phase: 'sent', match: (_m, d) => placed(d, 'leg1') },
  { name: 'leg1Partial-sent', phase: 'sent', match: (_m, d) => placed(d, 'leg1'), faults: { kalshi: LEG1_HALF } },
  { name: 'leg1Filled-written', phase: 'written', match: (_m, d) => to(d, 'leg1Filled') },
  { name: 'leg1Partial-written', phase: 'written', match: (_m, d) => to(d, 'leg1Partial'), faults: { kalshi: LEG1_HALF } },
  { name: 'leg2-sent', phase: 'sent', match: (_m, d) => placed(d, 'leg2') },
  { name: 'leg2Retry-written', phase: 'written', match: (m) => m.state === 'leg2Submitted' && m.progress.leg2.attempts === 2, faults: { polymarket: [{ kind: 'partial', ratio: 0.5 }] } },
  { name: 'unwinding-written', phase: 'written', match: (_m, d) => to(d, 'unwinding'), faults: { polymarket: LEG2_GONE } },
  { name: 'unwind-sent', phase: 'sent', match: (_m, d) => placed(d, 'unwind'), faults: { polymarket: LEG2_GONE } },
];

export const crashPoint = (name: string): CrashPoint => {
  const p = CRASH_POINTS.find((x) => x.name === name);
  if (!p) throw new RangeError(`unknown crash point ${name} (known: ${CRASH_POINTS.map((x) => x.name).join(', ')})`);
  return p;
};

/** parent → child (one JSON line on stdin) */
export type ParentMessage = { readonly type: 'go'; readonly point: string; readonly edgeId: string } | { readonly type: 'exit' };

/** child → parent (one JSON line on stdout, prefixed by {@link CHILD_TAG}) */
export type ChildMessage =
  | { readonly type: 'recovered'; readonly ms: number; readonly recovered: readonly { executionId: string; from: string; to: string; netQty: number }[]; readonly mismatches: readonly string[]; readonly alerts: readonly string[] }
  /** the decision ran to its end without reaching the crash point */
  | { readonly type: 'done'; readonly state: string | undefined };

/** the executor's loss cap in the child, micro-dollars */
export const CRASH_LOSS_CAP_MICROS = 500_000;

/** the child's protocol lines (its logs go to stdout too) */
export const CHILD_TAG = '@@crash ';
