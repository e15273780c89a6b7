/**
 * KILL_SWITCH's one meaning: set in the environment (true or false), it wins at start and is
 * written to risk_state with an audit row (`cli:env`); unset or empty, the stored value stands.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { readKillSwitch, setKillSwitch } from '../../src/control/riskState.js';
import { applyKillSwitchFromEnv, startAppServices } from '../../src/app/serve.js';
import { pgTestPool, type PgTestDb } from '../helpers/db.js';

describe('KILL_SWITCH from the environment', () => {
  let db: PgTestDb;
  beforeAll(async () => {
    db = await pgTestPool({ migrate: true });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('unset or empty: the stored kill switch stands', async () => {
    await setKillSwitch(db.pool, true, { actor: { door: 'api', who: 'ada' } });
    for (const env of [{}, { KILL_SWITCH: '' }]) {
      const config = loadConfig(env);
      expect(config.killSwitchFromEnv).toBe(false);
      await applyKillSwitchFromEnv(config, db.pool);
      expect((await readKillSwitch(db.pool)).on).toBe(true);
    }
  });

  it('set: wins over the stored value at start and is audited as cli:env', async () => {
    await applyKillSwitchFromEnv(loadConfig({ KILL_SWITCH: 'false' }), db.pool);
    expect(await readKillSwitch(db.pool)).toMatchObject({ on: false, by: 'cli:env' });
    await applyKillSwitchFromEnv(loadConfig({ KILL_SWITCH: 'true' }), db.pool);
    expect(await readKillSwitch(db.pool)).toMatchObject({ on: true, by: 'cli:env' });
    const audit = await db.pool.query<{ token_name: string; action: string }>("SELECT token_name, action FROM audit_log WHERE token_name = 'cli:env' ORDER BY id");
    expect(audit.rows.map((r) => r.action)).toEqual(['setKillSwitch', 'setKillSwitch']);
  });

  it('every mode that runs the gate starts through startAppServices: the env value is what the gate reads', async () => {
    await setKillSwitch(db.pool, false, { actor: { door: 'api', who: 'ada' } });
    const services = await startAppServices(loadConfig({ KILL_SWITCH: 'true' }), db.pool, { api: false, bot: false });
    try {
      expect(services.control.value.killSwitch).toBe(true);
    } finally {
      await services.stop();
    }
    // unset: the stored value (now true, written at the previous start) stands
    await setKillSwitch(db.pool, false, { actor: { door: 'api', who: 'ada' } });
    const again = await startAppServices(loadConfig({}), db.pool, { api: false, bot: false });
    try {
      expect(again.control.value.killSwitch).toBe(false);
    } finally {
      await again.stop();
    }
  });
});
