/**
 * The operator-controlled part of the risk state: the kill switch and the limits. The one
 * writer of `risk_state`; every door (GraphQL, Discord) sets them through here.
 *
 * Stored in `risk_state` (keys `kill_switch` → `{ on, by, reason? }`, `risk_limits` → a full
 * RiskLimits object plus `by`); while a key has no row, the configured default (config.risk) is
 * in force. A change is written and audited in one transaction, then published on the live events
 * (`killSwitch`, `riskLimits`); {@link riskControl$} re-reads the table on each such event, so
 * every process converges on what the database says.
 *
 * For the pipeline (riskGate): combine with exposure and pairs, e.g.
 *   combineLatest([riskControl$(pool, live, config.risk), exposure$, pairs$])
 *     .pipe(map(([c, exposure, pairs]) => ({ ...c, exposure, pairs })))
 */
import type pg from 'pg';
import { Observable } from 'rxjs';
import { z } from 'zod';
import { pickLimits, RiskLimits } from '../../schema/risk.js';
import type { Config } from '../config.js';
import { log } from '../log.js';
import { lockRiskStateKey, readRiskState, writeRiskState } from '../store/repos/riskState.js';
import type { Queryable } from '../store/repos/types.js';
import { actorName, audited, ControlError, type Actor } from './audit.js';
import { notify, type ControlEvents } from './events.js';

/** @deprecated use RiskLimits from schema/risk.ts (the one definition) */
export const RiskLimitsSchema = RiskLimits;

export interface RiskControl {
  readonly killSwitch: boolean;
  readonly limits: RiskLimits;
}

export interface RiskControlDetail extends RiskControl {
  readonly killSwitchUpdatedAt: Date | null;
  readonly killSwitchBy: string | null;
  readonly limitsUpdatedAt: Date | null;
  readonly limitsBy: string | null;
}

/** The stored kill switch value; a bare boolean is an older form, still read. */
const KillRow = z.union([z.object({ on: z.boolean(), by: z.string().nullish(), reason: z.string().nullish() }), z.boolean().transform((on) => ({ on, by: null, reason: null }))]);
const LimitsRow = RiskLimits.extend({ by: z.string().optional() });

/** The limits config.risk describes. */
export function defaultLimits(risk: Config['risk']): RiskLimits {
  return pickLimits(risk);
}

/** Reads the kill switch and limits (defaults where no row). A malformed row is logged and ignored; an unreadable kill switch is ON. */
export async function loadRiskControl(db: Queryable, risk: Pick<Config['risk'], 'killSwitch'> & RiskLimits): Promise<RiskControlDetail> {
  let out: RiskControlDetail = { killSwitch: risk.killSwitch, limits: pickLimits(risk), killSwitchUpdatedAt: null, killSwitchBy: null, limitsUpdatedAt: null, limitsBy: null };
  for (const row of await readRiskState(db)) {
    if (row.key === 'kill_switch') {
      const v = KillRow.safeParse(row.value);
      if (v.success) out = { ...out, killSwitch: v.data.on, killSwitchUpdatedAt: row.updatedAt, killSwitchBy: v.data.by ?? null };
      // fail safe: a kill switch row we cannot read means ON
      else {
        log.error({ raw: JSON.stringify(row.value), issues: v.error.issues }, 'risk_state kill_switch row is malformed; treating the kill switch as ON');
        out = { ...out, killSwitch: true };
      }
    } else {
      const v = LimitsRow.safeParse(row.value);
      if (v.success) {
        const { by, ...limits } = v.data;
        out = { ...out, limits, limitsUpdatedAt: row.updatedAt, limitsBy: by ?? null };
      } else log.error({ raw: JSON.stringify(row.value), issues: v.error.issues }, 'risk_state risk_limits row is malformed; using the configured limits');
    }
  }
  return out;
}

/** The kill switch as stored, for status displays: absent row = off (the configured default is not known here). Unreadable = ON. */
export async function readKillSwitch(db: Queryable): Promise<{ on: boolean; by: string | null; updatedAt: Date | null }> {
  const row = (await readRiskState(db, ['kill_switch']))[0];
  if (!row) return { on: false, by: null, updatedAt: null };
  const v = KillRow.safeParse(row.value);
  // an unreadable value is treated as ON: when in doubt, do not trade
  if (!v.success) return { on: true, by: 'unreadable risk_state value', updatedAt: row.updatedAt };
  return { on: v.data.on, by: v.data.by ?? null, updatedAt: row.updatedAt };
}

export interface RiskChange {
  readonly actor: Actor;
  readonly reason?: string | null;
  /** door-specific facts for the audit row (e.g. the Discord channel) */
  readonly context?: Readonly<Record<string, unknown>>;
  /** told after the commit */
  readonly events?: ControlEvents;
}

/** Sets the kill switch: written and audited (`setKillSwitch`) in one transaction, then published with an alert. */
export async function setKillSwitch(pool: pg.Pool, on: boolean, c: RiskChange): Promise<void> {
  const by = actorName(c.actor);
  const reason = c.reason?.trim() || undefined;
  await audited(pool, { actor: c.actor, action: 'setKillSwitch', args: { on, ...(reason ? { reason } : {}), ...c.context } }, (db) =>
    writeRiskState(db, 'kill_switch', { on, by, ...(reason ? { reason } : {}) }),
  );
  log.warn({ on, by, reason }, 'kill switch changed');
  await notify(() => c.events?.publishKillSwitch?.(on, by));
  await notify(() => c.events?.publishAlert?.({ level: on ? 'critical' : 'warn', message: `kill switch ${on ? 'ON' : 'OFF'} (by ${by})`, ts: Date.now() }));
}

export class InvalidLimitsError extends ControlError {}

/**
 * Changes some limits: merged over the limits in force (under a lock, so two changes never lose
 * each other's fields), validated, written and audited (`setRiskLimits`), then published.
 * Throws {@link InvalidLimitsError} (BAD_USER_INPUT) for an empty change (not audited) or invalid limits.
 */
export async function setRiskLimits(pool: pg.Pool, change: Partial<RiskLimits>, risk: Config['risk'], c: RiskChange): Promise<RiskLimits> {
  const by = actorName(c.actor);
  if (Object.keys(change).length === 0) throw new InvalidLimitsError('setRiskLimits: give at least one limit', 'BAD_USER_INPUT');
  const limits = await audited(pool, { actor: c.actor, action: 'setRiskLimits', args: { ...change, ...c.context } }, async (db) => {
    await lockRiskStateKey(db, 'risk_limits');
    const merged = RiskLimits.safeParse({ ...(await loadRiskControl(db, risk)).limits, ...change });
    if (!merged.success) {
      throw new InvalidLimitsError(`invalid limits: ${merged.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 'BAD_USER_INPUT');
    }
    await writeRiskState(db, 'risk_limits', { ...merged.data, by });
    return merged.data;
  });
  await notify(() => c.events?.publishRiskLimits?.(limits, by));
  return limits;
}

/** The subscribe side of the live events this needs (the API's LiveEventsHandle fits). */
export interface RiskEventSource {
  subscribe(topic: 'killSwitch' | 'riskLimits'): AsyncIterableIterator<unknown>;
}

/**
 * The kill switch and limits as they change: the current value from the database on subscribe,
 * then a fresh read after every `killSwitch` / `riskLimits` live event (from any process).
 * Consecutive equal values are not repeated. A failed read is logged and retried on the next
 * event; the last good value stays in force.
 */
export function riskControl$(pool: pg.Pool, live: RiskEventSource, risk: Config['risk']): Observable<RiskControl> {
  return new Observable<RiskControl>((subscriber) => {
    let last = '';
    let stopped = false;
    const read = async (): Promise<void> => {
      try {
        const c = await loadRiskControl(pool, risk);
        const v: RiskControl = { killSwitch: c.killSwitch, limits: c.limits };
        const key = JSON.stringify(v);
        if (!stopped && key !== last) {
          last = key;
          subscriber.next(v);
        }
      } catch (err) {
        log.warn({ err }, 'riskControl$: cannot read risk_state; keeping the last value');
      }
    };
    const iterators = [live.subscribe('killSwitch'), live.subscribe('riskLimits')];
    let chain = read();
    for (const it of iterators) {
      void (async () => {
        for await (const _ of it) {
          if (stopped) break;
          chain = chain.then(read);
        }
      })();
    }
    return () => {
      stopped = true;
      for (const it of iterators) void it.return?.();
    };
  });
}
