/**
 * The operator-controlled part of the risk state: the kill switch and the limits.
 *
 * Stored in `risk_state` (keys `kill_switch` → `{ on, by }`, `risk_limits` → a full RiskLimits
 * object plus `by`); while a key has no row, the configured default (config.risk) is in force.
 * The API's mutations write the row and then publish on the live events (`killSwitch`,
 * `riskLimits`); {@link riskControl$} re-reads the table on each such event, so every process
 * converges on what the database says.
 *
 * For the pipeline (riskGate): combine with exposure and pairs, e.g.
 *   combineLatest([riskControl$(pool, live, config.risk), exposure$, pairs$])
 *     .pipe(map(([c, exposure, pairs]) => ({ ...c, exposure, pairs })))
 */
import type pg from 'pg';
import { Observable } from 'rxjs';
import { z } from 'zod';
import type { Config } from '../config.js';
import { log } from '../log.js';
import { pickLimits, type RiskLimits } from '../../operators/riskGate.js';
import type { LiveEventsHandle } from './events.js';

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

const micros = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** Every limit, validated (non-negative safe integers; confidence in [0, 1]; book age ≥ 1 ms). */
export const RiskLimitsSchema = z.object({
  minEdgePerContractMicros: micros,
  minSizeQty: micros,
  minProfitMicros: micros,
  maxPairExposureMicros: micros,
  maxVenueExposureMicros: micros,
  maxTotalExposureMicros: micros,
  maxBookAgeMs: z.number().int().min(1).max(86_400_000),
  minPairConfidence: z.number().min(0).max(1),
  hysteresisMicros: micros,
});
const KillRow = z.object({ on: z.boolean(), by: z.string().optional() });
const LimitsRow = RiskLimitsSchema.extend({ by: z.string().optional() });

/** The limits config.risk describes. */
export function defaultLimits(risk: Config['risk']): RiskLimits {
  return pickLimits(risk);
}

/** Reads the kill switch and limits (defaults where no row). A malformed row is logged and ignored. */
export async function loadRiskControl(pool: pg.Pool | pg.PoolClient, risk: Config['risk']): Promise<RiskControlDetail> {
  const res = await pool.query("SELECT key, value, updated_at FROM risk_state WHERE key IN ('kill_switch', 'risk_limits')");
  let out: RiskControlDetail = { killSwitch: risk.killSwitch, limits: defaultLimits(risk), killSwitchUpdatedAt: null, killSwitchBy: null, limitsUpdatedAt: null, limitsBy: null };
  for (const row of res.rows as { key: string; value: unknown; updated_at: Date }[]) {
    if (row.key === 'kill_switch') {
      const v = KillRow.safeParse(row.value);
      if (v.success) out = { ...out, killSwitch: v.data.on, killSwitchUpdatedAt: row.updated_at, killSwitchBy: v.data.by ?? null };
      // fail safe: a kill switch row we cannot read means ON
      else {
        log.error({ raw: JSON.stringify(row.value), issues: v.error.issues }, 'risk_state kill_switch row is malformed; treating the kill switch as ON');
        out = { ...out, killSwitch: true };
      }
    } else {
      const v = LimitsRow.safeParse(row.value);
      if (v.success) {
        const { by, ...limits } = v.data;
        out = { ...out, limits, limitsUpdatedAt: row.updated_at, limitsBy: by ?? null };
      } else log.error({ raw: JSON.stringify(row.value), issues: v.error.issues }, 'risk_state risk_limits row is malformed; using the configured limits');
    }
  }
  return out;
}

/** Writes the kill switch (upsert). Call inside the caller's transaction when auditing. */
export async function saveKillSwitch(db: pg.Pool | pg.PoolClient, on: boolean, by: string): Promise<void> {
  await db.query(
    `INSERT INTO risk_state (key, value, updated_at) VALUES ('kill_switch', $1, now())
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`,
    [JSON.stringify({ on, by })],
  );
}

export async function saveRiskLimits(db: pg.Pool | pg.PoolClient, limits: RiskLimits, by: string): Promise<void> {
  const valid = RiskLimitsSchema.parse(limits);
  await db.query(
    `INSERT INTO risk_state (key, value, updated_at) VALUES ('risk_limits', $1, now())
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`,
    [JSON.stringify({ ...valid, by })],
  );
}

/**
 * The kill switch and limits as they change: the current value from the database on subscribe,
 * then a fresh read after every `killSwitch` / `riskLimits` live event (from any process).
 * Consecutive equal values are not repeated. A failed read is logged and retried on the next
 * event; the last good value stays in force.
 */
export function riskControl$(pool: pg.Pool, live: Pick<LiveEventsHandle, 'subscribe'>, risk: Config['risk']): Observable<RiskControl> {
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
      for (const it of iterators) void it.return();
    };
  });
}
