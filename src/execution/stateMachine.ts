/**
 * The per-opportunity execution state machine: pure, no I/O, no clock (time comes in on the
 * events), like `KalshiSequencer`. `step(machine, event)` returns the next machine, the
 * transitions to write ahead (execution_events) and the commands to act on after they are
 * written (place, status, cancel, alert). The executor (./executor.ts) does the I/O.
 *
 * ```
 *   planned ─start─► leg1Submitted ─fill─► leg1Filled | leg1Partial ─► leg2Submitted ─filled─► hedged
 *      │                  │ 0 / rejected                    │ below leg 2's minimum    │ rejected, partial, timeout
 *      ▼                  ▼                                 ▼                          ▼ (retries spent)
 *    failed             failed                          unwinding ◄────────────────────┘
 *                                                           ├─ sold within the loss cap ─► unwound
 *                                                           └─ retries spent ─► failed (residual alerted)
 * ```
 * Rules: leg 2 is sized to leg 1's ACTUAL fill; every order is a limit IOC at the plan's limit
 * (never a market order); an unknown outcome (lost ack, timeout) is reconciled with a status
 * query, never assumed; every non-terminal state has a deadline; an unwind sells leg 1 at the
 * best bid down to a floor that keeps its loss within the cap (fees aside), and whatever cannot
 * be hedged or unwound is alerted.
 *
 * Unknown outcomes never end an execution on a guess: status queries with backoff
 * (`maxReconciles`, `reconcileBackoffMs`), then one cancel whose answer (the order's final
 * status) ends the order like any other answer; when that too is lost the execution is PARKED
 * ({@link isParked}): it stays in its non-terminal state with the order in flight, alerted, and
 * recovery (a `resume`) asks again with a fresh budget. A residual below both venues' minimums
 * ends `hedged` (or `unwound`) with the residual in `netQty`, the reason ("holding residual …")
 * and an alert.
 */
import type { ExecutionPlan, ExecutionProgress, ExecutionState, OrderAck, OrderRequest, RejectReason, RoleProgress } from '../../schema/execution.js';
import { FINAL_ORDER_STATES, TERMINAL_STATES } from '../../schema/execution.js';
import { SCALE, formatScaled, notional, type Micros, type Qty } from '../../schema/money.js';
import type { Venue } from '../../schema/venue.js';
import { roundLimit } from './plan.js';

export type Role = 'leg1' | 'leg2' | 'unwind';
export type ActiveState = Exclude<ExecutionState, 'hedged' | 'unwound' | 'failed'>;

export interface MachineConfig {
  /** deadline per state, ms */
  readonly timeoutsMs: Readonly<Record<ActiveState, number>>;
  /** orders leg 2 may take (partial fills and rejections retried at the same limit) */
  readonly maxLeg2Attempts: number;
  readonly maxUnwindAttempts: number;
  /**
   * Status queries for one order whose outcome is unknown; then one cancel (its answer is the
   * order's final status), then the execution is parked (non-terminal, alerted, asked again by
   * recovery).
   */
  readonly maxReconciles: number;
  /** wait before the n-th status query (n >= 2): `firstMs`·2^(n-2), at most `maxMs`; the first is immediate */
  readonly reconcileBackoffMs: { readonly firstMs: number; readonly maxMs: number };
}

export const DEFAULT_MACHINE_CONFIG: MachineConfig = {
  timeoutsMs: { planned: 1_000, leg1Submitted: 5_000, leg1Filled: 1_000, leg1Partial: 1_000, leg2Submitted: 5_000, unwinding: 10_000 },
  maxLeg2Attempts: 3,
  maxUnwindAttempts: 3,
  // 0 + 0.25 + 0.5 + 1 + 2 + 4 + 8 + 16 s of waits between 8 status queries (~32 s, plus the calls)
  maxReconciles: 8,
  reconcileBackoffMs: { firstMs: 250, maxMs: 16_000 },
};

/** The wait before the n-th status query of one order (see {@link MachineConfig.reconcileBackoffMs}). */
export const reconcileDelayMs = (n: number, cfg: MachineConfig): number =>
  n <= 1 ? 0 : Math.min(cfg.reconcileBackoffMs.maxMs, cfg.reconcileBackoffMs.firstMs * 2 ** (n - 2));

export interface Machine {
  readonly plan: ExecutionPlan;
  readonly state: ExecutionState;
  readonly progress: ExecutionProgress;
  readonly reason: string;
}

export type MachineEvent =
  | { readonly type: 'start'; readonly now: number }
  /** the venue's answer for the role's current order (to place, status or cancel) */
  | { readonly type: 'ack'; readonly role: Role; readonly ack: OrderAck; readonly now: number }
  | { readonly type: 'rejected'; readonly role: Role; readonly reason: RejectReason | string; readonly now: number }
  /** the answer was lost (send failed, ack timed out, status failed) */
  | { readonly type: 'unknown'; readonly role: Role; readonly now: number }
  /** status: the venue never received the order (safe to treat as not placed) */
  | { readonly type: 'notFound'; readonly role: Role; readonly now: number }
  | { readonly type: 'timeout'; readonly now: number }
  /**
   * Recovery after a restart: carry on from the written record. An order in flight is asked
   * about (status), never assumed; a state with no order in flight takes its next step.
   */
  | { readonly type: 'resume'; readonly now: number };

export type Command =
  | { readonly type: 'place'; readonly role: Role; readonly venue: Venue; readonly order: OrderRequest }
  /** `delayMs`: wait that long before asking (reconcile backoff) */
  | { readonly type: 'status'; readonly role: Role; readonly venue: Venue; readonly clientOrderId: string; readonly delayMs: number }
  | { readonly type: 'cancel'; readonly role: Role; readonly venue: Venue; readonly clientOrderId: string }
  | { readonly type: 'alert'; readonly message: string };

export interface Transition {
  readonly from: ExecutionState;
  readonly to: ExecutionState;
  readonly reason: string;
  readonly clientOrderIds: readonly string[];
  readonly venueOrderIds: readonly string[];
  readonly ts: number;
}

export interface Step {
  readonly machine: Machine;
  readonly transitions: readonly Transition[];
  readonly commands: readonly Command[];
}

/** Deterministic client order id of (execution, role, attempt): a retry of the same send is idempotent. */
export const clientOrderId = (executionId: string, role: Role, attempt: number): string => `${executionId}:${role}:${attempt}`;

/** contracts for reasons and alerts */
const ct = (q: Qty): string => formatScaled(q, 0);

const emptyRole = (): RoleProgress => ({ attempts: 0, filledQty: 0, costMicros: 0, feesMicros: 0, venueOrderIds: [] });

export function initialMachine(plan: ExecutionPlan): Machine {
  return {
    plan,
    state: 'planned',
    reason: 'planned',
    progress: { leg1: emptyRole(), leg2: emptyRole(), unwind: emptyRole(), leg2TargetQty: 0, unwindTargetQty: 0, unwindLimitMicros: 0, deadline: plan.tsPlanned, alerts: [] },
  };
}

export const isTerminal = (m: Machine): boolean => TERMINAL_STATES.has(m.state);

/**
 * Parked: the order in flight got no answer to `maxReconciles` status queries nor to the cancel
 * after them. Non-terminal on purpose (the venue may hold a fill): the executor stops driving it,
 * keeps its pair blocked, and recovery asks again ({@link MachineEvent} `resume`).
 */
export function isParked(m: Machine, cfg: MachineConfig = DEFAULT_MACHINE_CONFIG): boolean {
  const role = roleOfState(m.state);
  const cur = role ? m.progress[role].current : undefined;
  return !isTerminal(m) && cur !== undefined && cur.reconciles > cfg.maxReconciles + 1;
}

/** Contracts of leg 1 held without a hedge. */
export const netQty = (p: ExecutionProgress): Qty => p.leg1.filledQty - p.leg2.filledQty - p.unwind.filledQty;

/**
 * P&L locked in at resolution: the hedged contracts pay $1 each; minus every fill's cost and the
 * venue-reported fees, plus the unwind's proceeds. An unhedged residual is left out (open risk).
 */
export const lockedPnlMicros = (p: ExecutionProgress): Micros =>
  p.leg2.filledQty - p.leg1.costMicros - p.leg2.costMicros + p.unwind.costMicros - p.leg1.feesMicros - p.leg2.feesMicros - p.unwind.feesMicros;

/** Working state of one step: the machine as it changes, and what to write and do. */
class Builder {
  m: Machine;
  readonly transitions: Transition[] = [];
  readonly commands: Command[] = [];
  constructor(
    m: Machine,
    readonly cfg: MachineConfig,
    readonly now: number,
  ) {
    this.m = m;
  }
  setRole(role: Role, r: RoleProgress): void {
    this.m = { ...this.m, progress: { ...this.m.progress, [role]: r } };
  }
  setProgress(p: Partial<ExecutionProgress>): void {
    this.m = { ...this.m, progress: { ...this.m.progress, ...p } };
  }
  /** Records a transition (also to the same state when it sends orders) and moves there. */
  go(to: ExecutionState, reason: string, commands: readonly Command[] = []): void {
    const from = this.m.state;
    const ids = commands.flatMap((c) => (c.type === 'place' ? [c.order.clientOrderId] : c.type === 'alert' ? [] : [c.clientOrderId]));
    const venueIds = commands.flatMap((c) => (c.type === 'cancel' || c.type === 'status' ? this.venueIdOf(c.role) : []));
    const deadline = TERMINAL_STATES.has(to) ? this.now : this.now + this.cfg.timeoutsMs[to as ActiveState];
    this.m = { ...this.m, state: to, reason, progress: { ...this.m.progress, deadline } };
    this.transitions.push({ from, to, reason, clientOrderIds: ids, venueOrderIds: venueIds, ts: this.now });
    this.commands.push(...commands);
  }
  venueIdOf(role: Role): string[] {
    const v = this.m.progress[role].current?.venueOrderId;
    return v ? [v] : [];
  }
  alert(message: string): Command {
    this.setProgress({ alerts: [...this.m.progress.alerts, message] });
    return { type: 'alert', message: `${this.m.plan.executionId}: ${message}` };
  }
  /** A new order for the role (attempt + 1), recorded as in flight. */
  place(role: Role, qty: Qty, limitPriceMicros: Micros, side: 'buy' | 'sell'): Command {
    const leg = role === 'leg2' ? this.m.plan.legs[1] : this.m.plan.legs[0];
    const r = this.m.progress[role];
    const attempt = r.attempts + 1;
    const id = clientOrderId(this.m.plan.executionId, role, attempt);
    this.setRole(role, { ...r, attempts: attempt, current: { clientOrderId: id, qty, limitPriceMicros, side, reconciles: 0 } });
    return { type: 'place', role, venue: leg.venue, order: { clientOrderId: id, marketId: leg.marketId, outcome: leg.outcome, side, limitPriceMicros, qty, timeInForce: 'IOC' } };
  }
  venueOf(role: Role): Venue {
    return (role === 'leg2' ? this.m.plan.legs[1] : this.m.plan.legs[0]).venue;
  }
  step(): Step {
    return { machine: this.m, transitions: this.transitions, commands: this.commands };
  }
}

/** Leg 1 is done (filled what it could): hedge its actual fill, or unwind it when leg 2 cannot take it. */
function afterLeg1(b: Builder): void {
  const { leg1 } = b.m.progress;
  const l2 = b.m.plan.legs[1];
  if (leg1.filledQty === 0) return b.go('failed', 'leg 1 not filled: nothing to hedge');
  b.go(leg1.filledQty >= b.m.plan.sizeQty ? 'leg1Filled' : 'leg1Partial', `leg 1 filled ${ct(leg1.filledQty)} of ${ct(b.m.plan.sizeQty)}`);
  const target = Math.floor(leg1.filledQty / l2.qtyStep) * l2.qtyStep;
  if (target < Math.max(l2.minQty, 1) || notional(l2.limitPriceMicros, target, 'floor') < l2.minNotionalMicros) return startUnwind(b, `leg 1 fill ${ct(leg1.filledQty)} below leg 2's minimum`);
  b.setProgress({ leg2TargetQty: target });
  b.go('leg2Submitted', `leg 2 sized to leg 1's fill: ${ct(target)}`, [b.place('leg2', target, l2.limitPriceMicros, 'buy')]);
}

/** Sells leg 1's unhedged contracts at the best bid down to the loss-cap floor. */
function startUnwind(b: Builder, why: string): void {
  const { leg1 } = b.m.progress;
  const l1 = b.m.plan.legs[0];
  const unhedged = netQty(b.m.progress);
  const qty = Math.floor(unhedged / l1.qtyStep) * l1.qtyStep;
  if (qty <= 0 || qty < l1.minQty) {
    // too small to sell on leg 1's venue (and to hedge on leg 2's): hold it, on record and alerted
    const p = b.m.progress;
    if (unhedged <= 0) return b.go(p.leg2.filledQty > 0 ? 'hedged' : 'failed', why);
    const held = `holding residual ${ct(unhedged)} unhedged on ${l1.venue} ${l1.marketId} (below ${l1.venue}'s minimum ${ct(l1.minQty)} to unwind)`;
    const done = p.leg2.filledQty > 0 ? 'hedged' : p.unwind.filledQty > 0 ? 'unwound' : 'failed';
    const what = done === 'hedged' ? `hedged ${ct(p.leg2.filledQty)}` : done === 'unwound' ? `unwound ${ct(p.unwind.filledQty)}` : 'nothing hedged';
    return b.go(done, `${what}, ${held}; ${why}`, [b.alert(`unhedged residual ${ct(unhedged)} on ${l1.venue} ${l1.marketId}: below the minimum order size, held`)]);
  }
  const avgEntry = Math.floor((leg1.costMicros * SCALE) / leg1.filledQty);
  const capPerContract = Math.floor((b.m.plan.lossCapMicros * SCALE) / qty);
  const floor = Math.max(l1.tickMicros, roundLimit(avgEntry - capPerContract, l1.tickMicros, 'sell'));
  b.setProgress({ unwindTargetQty: qty, unwindLimitMicros: floor });
  b.go('unwinding', `${why}; unwinding ${ct(qty)} at >= ${floor} micros`, [b.place('unwind', qty, floor, 'sell')]);
}

/** Leg 2's attempt ended: hedged, another attempt for the rest, or unwind. */
function afterLeg2(b: Builder, why: string): void {
  const p = b.m.progress;
  const l2 = b.m.plan.legs[1];
  const rest = p.leg2TargetQty - p.leg2.filledQty;
  if (rest <= 0) {
    if (netQty(p) === 0) return b.go('hedged', `hedged ${ct(p.leg2.filledQty)}`);
    return startUnwind(b, `leg 2 filled its target; leg 1 residual ${ct(netQty(p))}`);
  }
  if (p.leg2.attempts < b.cfg.maxLeg2Attempts && rest >= Math.max(l2.minQty, 1)) {
    return b.go('leg2Submitted', `${why}; retrying leg 2 for ${ct(rest)}`, [b.place('leg2', rest, l2.limitPriceMicros, 'buy')]);
  }
  startUnwind(b, `${why}; leg 2 cannot complete (${ct(p.leg2.filledQty)} of ${ct(p.leg2TargetQty)})`);
}

function afterUnwind(b: Builder, why: string): void {
  const p = b.m.progress;
  const l1 = b.m.plan.legs[0];
  const rest = p.unwindTargetQty - p.unwind.filledQty;
  if (rest <= 0) {
    const residual = netQty(p);
    return b.go('unwound', `unwound ${ct(p.unwind.filledQty)}`, residual > 0 ? [b.alert(`unhedged residual ${ct(residual)} on ${l1.venue} ${l1.marketId}`)] : []);
  }
  if (p.unwind.attempts < b.cfg.maxUnwindAttempts && rest >= Math.max(l1.minQty, 1)) {
    return b.go('unwinding', `${why}; retrying the unwind for ${ct(rest)}`, [b.place('unwind', rest, p.unwindLimitMicros, 'sell')]);
  }
  b.go('failed', `${why}; unwind incomplete`, [b.alert(`UNHEDGED ${ct(netQty(p))} on ${l1.venue} ${l1.marketId}: unwind stopped within the loss cap`)]);
}

/** The role's current order ended (final ack, rejection, not found): book its fills and move on. */
function orderEnded(b: Builder, role: Role, filled: Qty, avgPrice: Micros | undefined, fees: Micros | undefined, why: string): void {
  const r = b.m.progress[role];
  const cur = r.current;
  const cost = filled > 0 ? notional(avgPrice ?? cur?.limitPriceMicros ?? 0, filled, 'ceil') : 0;
  b.setRole(role, { attempts: r.attempts, filledQty: r.filledQty + filled, costMicros: r.costMicros + cost, feesMicros: r.feesMicros + (fees ?? 0), venueOrderIds: r.venueOrderIds });
  if (role === 'leg1') afterLeg1(b);
  else if (role === 'leg2') afterLeg2(b, why);
  else afterUnwind(b, why);
}

export function roleOfState(s: ExecutionState): Role | undefined {
  return s === 'leg1Submitted' ? 'leg1' : s === 'leg2Submitted' ? 'leg2' : s === 'unwinding' ? 'unwind' : undefined;
}

/**
 * No answer we can trust: ask the venue (status, with backoff) up to `maxReconciles` times, then
 * cancel (its answer is the order's final status), then park: never end on a guess.
 */
function reconcile(b: Builder, role: Role, why: string): void {
  const r = b.m.progress[role];
  const cur = r.current;
  if (!cur) return;
  const cmd = { role, venue: b.venueOf(role), clientOrderId: cur.clientOrderId };
  const n = cur.reconciles + 1;
  b.setRole(role, { ...r, current: { ...cur, reconciles: Math.min(n, b.cfg.maxReconciles + 2) } });
  if (n <= b.cfg.maxReconciles) {
    const delayMs = reconcileDelayMs(n, b.cfg);
    return b.go(b.m.state, `${why}; asking ${b.venueOf(role)} for ${cur.clientOrderId} (query ${n}${delayMs ? ` in ${delayMs} ms` : ''})`, [{ type: 'status', ...cmd, delayMs }]);
  }
  if (n === b.cfg.maxReconciles + 1) {
    return b.go(b.m.state, `${why}; no answer to ${b.cfg.maxReconciles} status queries: cancelling ${cur.clientOrderId}, its answer ends the order`, [{ type: 'cancel', ...cmd }]);
  }
  const msg = `order ${cur.clientOrderId} on ${b.venueOf(role)}: outcome unknown after ${b.cfg.maxReconciles} status queries and a cancel; parked in ${b.m.state}, recovery asks again`;
  b.go(b.m.state, `${why}; ${msg}`, [b.alert(msg)]);
}

/** After a restart: ask the venue about the order in flight, or take the state's next step (see {@link MachineEvent}). */
function resume(b: Builder): void {
  const m = b.m;
  const why = `recovered in ${m.state} after a restart`;
  if (m.state === 'planned') {
    const l1 = m.plan.legs[0];
    return b.go('leg1Submitted', `${why}: leg 1 first (${l1.venue})`, [b.place('leg1', m.plan.sizeQty, l1.limitPriceMicros, 'buy')]);
  }
  if (m.state === 'leg1Filled' || m.state === 'leg1Partial') return afterLeg1(b);
  const role = roleOfState(m.state);
  if (!role) return;
  const r = m.progress[role];
  if (r.current) {
    // a fresh reconcile budget per recovery (a parked execution is asked again)
    b.setRole(role, { ...r, current: { ...r.current, reconciles: 0 } });
    return reconcile(b, role, why);
  }
  if (role === 'leg1') return afterLeg1(b);
  if (role === 'leg2') return afterLeg2(b, why);
  return afterUnwind(b, why);
}

/** One event in, the next machine out (see the module comment). Terminal machines ignore events. */
export function step(m: Machine, e: MachineEvent, cfg: MachineConfig = DEFAULT_MACHINE_CONFIG): Step {
  const b = new Builder(m, cfg, e.now);
  if (isTerminal(m)) return b.step();
  if (e.type === 'start') {
    if (m.state !== 'planned') return b.step();
    const l1 = m.plan.legs[0];
    b.go('leg1Submitted', `leg 1 first (${l1.venue})`, [b.place('leg1', m.plan.sizeQty, l1.limitPriceMicros, 'buy')]);
    return b.step();
  }
  if (e.type === 'timeout') {
    if (e.now < m.progress.deadline) return b.step();
    const role = roleOfState(m.state);
    // leg 1 holds contracts: never give up on them, hedge (or unwind) them
    if (m.state === 'leg1Filled' || m.state === 'leg1Partial') afterLeg1(b);
    else if (!role || !m.progress[role].current) b.go('failed', `timed out in ${m.state}`);
    else reconcile(b, role, `timed out in ${m.state}`);
    return b.step();
  }
  if (e.type === 'resume') {
    resume(b);
    return b.step();
  }
  // answers for an order that is not in flight (stale or duplicate) change nothing
  const role = e.role;
  const cur = m.progress[role].current;
  if (roleOfState(m.state) !== role || !cur) return b.step();
  switch (e.type) {
    case 'ack': {
      const a = e.ack;
      if (a.clientOrderId !== cur.clientOrderId) return b.step();
      const r = m.progress[role];
      const ids = a.venueOrderId && !r.venueOrderIds.includes(a.venueOrderId) ? [...r.venueOrderIds, a.venueOrderId] : r.venueOrderIds;
      b.setRole(role, { ...r, venueOrderIds: ids, current: { ...cur, ...(a.venueOrderId ? { venueOrderId: a.venueOrderId } : {}) } });
      if (a.state === 'unknown' || a.state === 'pending') reconcile(b, role, `order ${cur.clientOrderId} ${a.state}`);
      else if (!FINAL_ORDER_STATES.has(a.state)) {
        // an IOC should not rest; cancel what is left, the cancel's answer ends it (counted: a
        // venue that keeps answering "open" ends up parked, not in a loop)
        const c = b.m.progress[role].current!;
        if (c.reconciles >= b.cfg.maxReconciles) reconcile(b, role, `order ${cur.clientOrderId} still ${a.state}`);
        else {
          b.setRole(role, { ...b.m.progress[role], current: { ...c, reconciles: c.reconciles + 1 } });
          b.go(m.state, `order ${cur.clientOrderId} ${a.state}: cancelling the rest`, [{ type: 'cancel', role, venue: b.venueOf(role), clientOrderId: cur.clientOrderId }]);
        }
      } else orderEnded(b, role, Math.min(a.filledQty, cur.qty), a.avgPriceMicros, a.feesMicros, `order ${cur.clientOrderId} ${a.state} ${ct(a.filledQty)}/${ct(cur.qty)}${a.reason ? ` (${a.reason})` : ''}`);
      return b.step();
    }
    case 'rejected':
    case 'notFound':
      orderEnded(b, role, 0, undefined, undefined, `order ${cur.clientOrderId} ${e.type === 'notFound' ? 'not found at the venue' : `rejected: ${e.reason}`}`);
      return b.step();
    case 'unknown':
      reconcile(b, role, `order ${cur.clientOrderId} outcome unknown`);
      return b.step();
  }
}
