/** The control layer's arm/disarm of execution on PostgreSQL: checked, audited, the executor told, an alert published. */
import { Subject } from 'rxjs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createExecutionSlot } from '../../src/api/executionSlot.js';
import { ExecutionControlError, executionStatus, setExecutionArmed } from '../../src/control/execution.js';
import type { PositionsSnapshot } from '../../src/execution/positions.js';
import { recentAudit } from '../../src/store/repos/audit.js';
import { pgTestPool, type PgTestDb } from '../helpers/db.js';

let db: PgTestDb;
beforeAll(async () => {
  db = await pgTestPool({ migrate: true });
});
afterAll(async () => {
  await db?.drop();
});
beforeEach(async () => {
  await db.pool.query('TRUNCATE risk_state, audit_log');
});

const actor = { door: 'discord', who: 'bob(42)' } as const;

function slotWith(mode: 'paper' | 'live') {
  const calls: boolean[] = [];
  const slot = createExecutionSlot();
  let armed = mode !== 'live'; // as the real executor: live starts unarmed, paper armed
  slot.attach({ executor: { arm: (on = true) => void (calls.push(on), (armed = on)), get armed() { return armed; }, killSwitch: false }, positions$: new Subject<PositionsSnapshot>() }, mode);
  return { slot, calls };
}

describe('control/execution', () => {
  it('live: arms (audited with the door and its context, executor told, critical alert), then disarms', async () => {
    const { slot, calls } = slotWith('live');
    const alerts: { level: string; message: string }[] = [];
    expect(executionStatus(slot.current())).toEqual({ mode: 'live', armed: false, killSwitch: false });
    const s = await setExecutionArmed(db.pool, true, { actor, running: slot.current(), context: { channelId: 'c1' }, events: { publishAlert: (a) => void alerts.push(a) } });
    expect(s).toEqual({ mode: 'live', armed: true, killSwitch: false });
    expect(slot.current()!.armed).toBe(true);
    expect(calls).toEqual([true]);
    expect(alerts).toEqual([expect.objectContaining({ level: 'critical', message: 'execution ARMED (live orders allowed) (by discord:bob(42))' })]);
    await setExecutionArmed(db.pool, false, { actor, running: slot.current() });
    expect(calls).toEqual([true, false]);
    expect((await recentAudit(db.pool)).map((a) => [a.tokenName, a.action, a.args, a.result]).reverse()).toEqual([
      ['discord:bob(42)', 'armExecution', { mode: 'live', channelId: 'c1' }, 'ok'],
      ['discord:bob(42)', 'disarmExecution', { mode: 'live' }, 'ok'],
    ]);
  });

  it('refusals carry their code, are audited as error: <code>, and never reach the executor', async () => {
    const paper = slotWith('paper');
    await expect(setExecutionArmed(db.pool, true, { actor, running: undefined })).rejects.toMatchObject({ code: 'EXECUTION_OFF' });
    await expect(setExecutionArmed(db.pool, true, { actor, running: paper.slot.current() })).rejects.toBeInstanceOf(ExecutionControlError);
    const live = slotWith('live');
    await db.pool.query(`INSERT INTO risk_state (key, value) VALUES ('kill_switch', '{"on": true, "by": "cli:ops"}')`);
    await expect(setExecutionArmed(db.pool, true, { actor, running: live.slot.current() })).rejects.toMatchObject({ code: 'KILL_SWITCH_ON', message: expect.stringMatching(/kill switch is on/) });
    expect([...paper.calls, ...live.calls]).toEqual([]);
    expect((await recentAudit(db.pool)).map((a) => a.result).reverse()).toEqual(['error: EXECUTION_OFF', 'error: EXECUTION_NOT_LIVE', 'error: KILL_SWITCH_ON']);
    // disarming is allowed in paper mode (a pause)
    await setExecutionArmed(db.pool, false, { actor, running: paper.slot.current() });
    expect(paper.calls).toEqual([false]);
  });

  it('the slot: detach empties it; positions are the latest snapshot of positions$', () => {
    const slot = createExecutionSlot();
    const positions$ = new Subject<PositionsSnapshot>();
    slot.attach({ executor: { arm: () => undefined, armed: true, killSwitch: false }, positions$ }, 'paper');
    expect(slot.current()!.positions()).toBeUndefined();
    const snap = { positions: new Map(), byPair: new Map(), unknownFills: 0, fills: 7, seen: new Set<string>() };
    positions$.next(snap);
    expect(slot.current()!.positions()).toBe(snap);
    expect(slot.current()!.armed).toBe(true);
    slot.detach();
    expect(slot.current()).toBeUndefined();
    expect(positions$.observed).toBe(false);
  });
});
