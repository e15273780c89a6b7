/** The control layer's kill switch and limits on PostgreSQL: written, audited, published, read back. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InvalidLimitsError, loadRiskControl, readKillSwitch, setKillSwitch, setRiskLimits } from '../../src/control/riskState.js';
import { loadConfig } from '../../src/config.js';
import { recentAudit } from '../../src/store/repos/audit.js';
import { pgTestPool, type PgTestDb } from '../helpers/db.js';

const risk = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' }).risk;
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

const ops = { door: 'discord', who: 'bob(42)' } as const;

describe('control/riskState', () => {
  it('kill switch: absent row = the configured default; set → stored with who and why, audited, published with an alert', async () => {
    expect((await loadRiskControl(db.pool, risk)).killSwitch).toBe(risk.killSwitch);
    expect(await readKillSwitch(db.pool)).toEqual({ on: false, by: null, updatedAt: null });
    const kills: unknown[] = [];
    const alerts: { level: string; message: string }[] = [];
    await setKillSwitch(db.pool, true, {
      actor: ops, reason: 'venue outage', context: { channelId: 'c1' },
      events: { publishKillSwitch: (on, by) => void kills.push([on, by]), publishAlert: (a) => void alerts.push(a) },
    });
    const stored = (await db.pool.query("SELECT value FROM risk_state WHERE key = 'kill_switch'")).rows[0].value;
    expect(stored).toEqual({ on: true, by: 'discord:bob(42)', reason: 'venue outage' });
    expect(await loadRiskControl(db.pool, risk)).toMatchObject({ killSwitch: true, killSwitchBy: 'discord:bob(42)' });
    expect(await readKillSwitch(db.pool)).toMatchObject({ on: true, by: 'discord:bob(42)' });
    expect(kills).toEqual([[true, 'discord:bob(42)']]);
    expect(alerts).toEqual([expect.objectContaining({ level: 'critical', message: 'kill switch ON (by discord:bob(42))' })]);
    expect(await recentAudit(db.pool)).toEqual([
      expect.objectContaining({ tokenName: 'discord:bob(42)', action: 'setKillSwitch', args: { on: true, reason: 'venue outage', channelId: 'c1' }, result: 'ok' }),
    ]);
  });

  it('a kill switch row that cannot be read means ON (fail safe); an older bare boolean is still read', async () => {
    await db.pool.query(`INSERT INTO risk_state (key, value) VALUES ('kill_switch', '"garbage"')`);
    expect((await loadRiskControl(db.pool, { ...risk, killSwitch: false })).killSwitch).toBe(true);
    expect((await readKillSwitch(db.pool)).on).toBe(true);
    await db.pool.query(`UPDATE risk_state SET value = 'false' WHERE key = 'kill_switch'`);
    expect((await loadRiskControl(db.pool, risk)).killSwitch).toBe(false);
  });

  it('limits: merged over those in force, stored with who, audited, published', async () => {
    const published: unknown[] = [];
    const api = { door: 'api', who: 'ada' } as const;
    await setRiskLimits(db.pool, { minProfitMicros: 750_000 }, risk, { actor: api });
    const limits = await setRiskLimits(db.pool, { maxBookAgeMs: 2000 }, risk, { actor: api, events: { publishRiskLimits: (l, by) => void published.push([l, by]) } });
    expect(limits).toMatchObject({ minProfitMicros: 750_000, maxBookAgeMs: 2000, minPairConfidence: risk.minPairConfidence });
    expect(await loadRiskControl(db.pool, risk)).toMatchObject({ limits, limitsBy: 'api:ada' });
    expect(published).toEqual([[limits, 'api:ada']]);
    expect((await recentAudit(db.pool)).map((a) => [a.action, a.args, a.result])).toEqual([
      ['setRiskLimits', { maxBookAgeMs: 2000 }, 'ok'],
      ['setRiskLimits', { minProfitMicros: 750_000 }, 'ok'],
    ]);
  });

  it('limits: invalid values are refused (BAD_USER_INPUT, audited, nothing stored); an empty change is refused before anything', async () => {
    const api = { door: 'api', who: 'ada' } as const;
    await expect(setRiskLimits(db.pool, { minPairConfidence: 1.5 }, risk, { actor: api })).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(setRiskLimits(db.pool, {}, risk, { actor: api })).rejects.toBeInstanceOf(InvalidLimitsError);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM risk_state')).rows[0].n).toBe(0);
    expect((await recentAudit(db.pool)).map((a) => a.result)).toEqual(['error: BAD_USER_INPUT']);
  });
});
