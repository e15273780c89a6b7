/**
 * Arming and disarming live execution: an admin's decision, taken through any door (GraphQL
 * today) and recorded here. Live mode starts unarmed (pipelines/execute.ts); nothing is sent to
 * a venue until an admin arms it.
 *
 * The decision is checked and audited (`armExecution` / `disarmExecution`) in one transaction,
 * then the executor is told, then an alert is published. Refused, and audited as
 * `error: <code>`:
 *   - EXECUTION_OFF       no execution runs in this process (EXECUTION_MODE=off, or another process);
 *   - EXECUTION_NOT_LIVE  arming when EXECUTION_MODE is not live (paper runs armed);
 *   - KILL_SWITCH_ON      arming while the kill switch is on (the executor's, or the stored one).
 * Disarming is allowed in any mode while execution runs (executions in flight still hedge or unwind).
 */
import type pg from 'pg';
import type { AttachedExecution, ExecutionMode } from '../api/executionSlot.js';
import { NonRetryableError } from '../errors.js';
import { log } from '../log.js';
import { actorName, audited, type Actor } from './audit.js';
import { notify, type ControlEvents } from './events.js';
import { readKillSwitch } from './riskState.js';

export type ExecutionControlCode = 'EXECUTION_OFF' | 'EXECUTION_NOT_LIVE' | 'KILL_SWITCH_ON';

/** A refused arm/disarm; `extensions.code` is what the doors show and the audit row records. */
export class ExecutionControlError extends NonRetryableError {
  readonly extensions: { readonly code: ExecutionControlCode };
  constructor(
    message: string,
    readonly code: ExecutionControlCode,
    info: Record<string, unknown> = {},
  ) {
    super(message, info);
    this.extensions = { code };
  }
}

export interface ExecutionStatus {
  readonly mode: ExecutionMode | 'off';
  readonly armed: boolean;
  readonly killSwitch: boolean;
}

export const executionStatus = (running: AttachedExecution | undefined): ExecutionStatus =>
  running ? { mode: running.mode, armed: running.armed, killSwitch: running.killSwitch } : { mode: 'off', armed: false, killSwitch: false };

export interface ArmChange {
  readonly actor: Actor;
  /** the execution of this process (undefined: none) */
  readonly running: AttachedExecution | undefined;
  /** door-specific facts for the audit row */
  readonly context?: Readonly<Record<string, unknown>>;
  /** told after the commit */
  readonly events?: ControlEvents;
}

/** Arms (`on`) or disarms live execution: checked and audited, then the executor is told. See the module comment. */
export async function setExecutionArmed(pool: pg.Pool, on: boolean, c: ArmChange): Promise<ExecutionStatus> {
  const action = on ? 'armExecution' : 'disarmExecution';
  const running = c.running;
  const r = await audited(pool, { actor: c.actor, action, args: { mode: running?.mode ?? 'off', ...c.context } }, async (db): Promise<AttachedExecution> => {
    if (!running) throw new ExecutionControlError('execution is off in this process (EXECUTION_MODE=off, or it runs in another process)', 'EXECUTION_OFF');
    if (!on) return running;
    if (running.mode !== 'live') throw new ExecutionControlError(`EXECUTION_MODE is ${running.mode}, not live: only live execution is armed by an admin`, 'EXECUTION_NOT_LIVE', { mode: running.mode });
    const stored = await readKillSwitch(db);
    if (running.killSwitch || stored.on) throw new ExecutionControlError('the kill switch is on: turn it off before arming live execution', 'KILL_SWITCH_ON', { by: stored.by });
    return running;
  });
  r.arm(on);
  const by = actorName(c.actor);
  log.warn({ on, by, mode: r.mode }, on ? 'live execution ARMED' : 'execution disarmed');
  await notify(() => c.events?.publishAlert?.({ level: on ? 'critical' : 'warn', message: `execution ${on ? 'ARMED (live orders allowed)' : 'disarmed'} (by ${by})`, ts: Date.now() }));
  return executionStatus(r);
}
