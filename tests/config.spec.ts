/**
 * src/config.ts: defaults, every-problem-at-once errors, db and stream-log modes.
 * Secret redaction through the logger is covered in tests/log.spec.ts.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, ENV, loadConfig } from '../src/config.js';

const pem = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
}).privateKey;

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected loadConfig to throw ConfigError');
}

describe('loadConfig defaults', () => {
  it('loads with an empty environment: embedded db, memory stream log, documented defaults', () => {
    const cfg = loadConfig({});
    expect(cfg.db).toEqual({ mode: 'embedded', dataDir: './data/timescale', host: '127.0.0.1', port: 54329, poolMax: 10 });
    expect(cfg.redis).toEqual({ mode: 'memory', maxLen: 1_000_000, prefix: 'stream' });
    expect(cfg.logLevel).toBe('info');
    expect(cfg.env).toBe('development');
    expect(cfg.api).toEqual({ host: '127.0.0.1', port: 4000, maxBodyBytes: 65536, rateLimitPerMin: 600, unauthRateLimitPerMin: 60, authFailuresPerMin: 10, revocationCheckMs: 250, graphiql: true, introspection: 'all' });
    expect(cfg.venues.kalshi.auth).toBeUndefined();
    expect(cfg.discord.enabled).toBe(false);
    expect(cfg.discord.commandChannelIds).toEqual([]);
    expect(cfg.risk.killSwitch).toBe(false);
    expect(cfg.ci).toBe(false);
  });

  it('parses dollar defaults to exact integer micro-dollars and sizes to millionths', () => {
    const cfg = loadConfig({});
    expect(cfg.llm.primary.priceInPerMTokMicros).toBe(270_000);
    expect(cfg.llm.primary.priceOutPerMTokMicros).toBe(1_100_000);
    expect(cfg.llm.fallback.priceOutPerMTokMicros).toBe(10_000_000);
    expect(cfg.llm.dailyBudgetMicros).toBe(5_000_000);
    expect(cfg.risk.minEdgePerContractMicros).toBe(10_000);
    expect(cfg.risk.hysteresisMicros).toBe(5_000);
    expect(cfg.risk.maxTotalExposureMicros).toBe(10_000_000_000);
    expect(cfg.risk.minSizeQty).toBe(1_000_000);
    for (const v of [cfg.llm.dailyBudgetMicros, cfg.risk.minProfitMicros, cfg.risk.maxPairExposureMicros]) {
      expect(Number.isSafeInteger(v)).toBe(true);
    }
  });

  it('every ENV default is itself valid (an empty env never fails)', () => {
    for (const [key, spec] of Object.entries(ENV)) {
      if (spec.default === undefined) continue;
      const res = spec.schema.safeParse(spec.default);
      expect(res.success, `${key} default ${spec.default}`).toBe(true);
    }
  });

  it('returns a deeply frozen object', () => {
    const cfg = loadConfig({});
    expect(Object.isFrozen(cfg)).toBe(true);
    expect(Object.isFrozen(cfg.db)).toBe(true);
    expect(Object.isFrozen(cfg.discord.commandChannelIds)).toBe(true);
    expect(() => {
      (cfg.api as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('reads CI=true as ci mode', () => {
    expect(loadConfig({ CI: 'true' }).ci).toBe(true);
    expect(loadConfig({ CI: 'false' }).ci).toBe(false);
  });

  it('parses booleans, CSV lists and dollar amounts', () => {
    const cfg = loadConfig({
      KILL_SWITCH: 'yes',
      DISCORD_COMMAND_CHANNEL_IDS: ' 1, 2 ,,3 ',
      RISK_MIN_PROFIT_USD: '12.345678',
      RISK_MIN_SIZE_CONTRACTS: '0.5',
    });
    expect(cfg.risk.killSwitch).toBe(true);
    expect(cfg.discord.commandChannelIds).toEqual(['1', '2', '3']);
    expect(cfg.risk.minProfitMicros).toBe(12_345_678);
    expect(cfg.risk.minSizeQty).toBe(500_000);
  });
});

describe('ConfigError', () => {
  const BAD_SECRET_URL = 'mysql://arb:CANARY-db-pw-5a1b@db.internal:3306/arb';
  const bad: NodeJS.ProcessEnv = {
    LOG_LEVEL: 'loud',
    API_PORT: '99999',
    DATABASE_URL: BAD_SECRET_URL,
    REDIS_URL: 'http://CANARY-redis-user:CANARY-redis-pw@r:6379',
    DISCORD_ENABLED: 'maybe',
    DEEPSEEK_PRICE_IN_PER_MTOK: '0.1234567',
    STREAM_PREFIX: 'Bad Prefix',
    MATCH_AUTO_APPROVE_CONFIDENCE: '1.5',
    STREAM_MAXLEN: '10',
    KALSHI_WS_URL: 'https://not-a-socket.example',
  };
  const badKeys = Object.keys(bad);

  it('lists every problem at once, each with the variable name and its help', () => {
    const err = configError(bad);
    expect(err.kind).toBe('Fatal');
    expect(err.name).toBe('ConfigError');
    expect(err.problems).toHaveLength(badKeys.length);
    expect(err.message).toContain(`(${badKeys.length} problems)`);
    for (const key of badKeys) {
      const line = err.problems.find((p) => p.startsWith(`${key}: `));
      expect(line, key).toBeDefined();
      expect(line).toContain(ENV[key as keyof typeof ENV].help);
      expect(err.message).toContain(line);
    }
  });

  it('never echoes a value (values may be secrets)', () => {
    const err = configError(bad);
    expect(err.message).not.toMatch(/CANARY/);
    expect(err.stack ?? '').not.toMatch(/CANARY/);
    expect(err.message).not.toContain('loud');
    expect(err.message).not.toContain('not-a-socket');
  });

  it('reports cross-field problems together', () => {
    const err = configError({
      DISCORD_ENABLED: 'true',
      FEED_BACKOFF_BASE_MS: '5000',
      FEED_BACKOFF_MAX_MS: '1000',
      KALSHI_PRIVATE_KEY_PEM: pem,
    });
    const keys = err.problems.map((p) => p.split(':')[0]);
    expect(keys).toEqual(
      expect.arrayContaining(['DISCORD_TOKEN', 'DISCORD_ALERT_CHANNEL_ID', 'FEED_BACKOFF_MAX_MS', 'KALSHI_API_KEY_ID']),
    );
    expect(err.problems).toHaveLength(4);
    expect(err.message).not.toContain(pem.split('\n')[1]!);
  });

  it('rejects a Kalshi key that is not a PEM without echoing it', () => {
    const err = configError({ KALSHI_API_KEY_ID: 'kid', KALSHI_PRIVATE_KEY_PEM: 'CANARY-not-a-pem-value' });
    expect(err.problems).toEqual([expect.stringMatching(/^KALSHI_PRIVATE_KEY_PEM\/PATH: not a PEM private key/)]);
    expect(err.message).not.toContain('CANARY');
  });

  it('reports an unreadable KALSHI_PRIVATE_KEY_PATH by its error code only', () => {
    const err = configError({ KALSHI_API_KEY_ID: 'kid', KALSHI_PRIVATE_KEY_PATH: '/nonexistent/CANARY-dir/key.pem' });
    expect(err.problems).toEqual([expect.stringMatching(/^KALSHI_PRIVATE_KEY_PATH: cannot read the key file \(ENOENT\)/)]);
  });
});

describe('modes', () => {
  it('server db mode when DATABASE_URL is set (postgres: or postgresql:)', () => {
    const cfg = loadConfig({ DATABASE_URL: 'postgres://arbstream:pw-1234@timescaledb:5432/arbstream', DB_POOL_MAX: '20' });
    expect(cfg.db).toEqual({ mode: 'server', url: 'postgres://arbstream:pw-1234@timescaledb:5432/arbstream', poolMax: 20 });
    expect(loadConfig({ DATABASE_URL: 'postgresql://localhost/test' }).db.mode).toBe('server');
  });

  it('embedded db mode when DATABASE_URL is unset or empty', () => {
    expect(loadConfig({ DATABASE_URL: '', EMBEDDED_DB_PORT: '0', EMBEDDED_DB_DIR: '/tmp/x' }).db).toEqual({
      mode: 'embedded',
      dataDir: '/tmp/x',
      host: '127.0.0.1',
      port: 0,
      poolMax: 10,
    });
  });

  it('redis mode when REDIS_URL is set (redis: or rediss:), memory otherwise', () => {
    expect(loadConfig({ REDIS_URL: 'redis://redis:6379', STREAM_MAXLEN: '5000', STREAM_PREFIX: 'arb' }).redis).toEqual({
      mode: 'redis',
      url: 'redis://redis:6379',
      maxLen: 5000,
      prefix: 'arb',
    });
    expect(loadConfig({ REDIS_URL: 'rediss://u:p4ss@host:6380/0' }).redis.mode).toBe('redis');
    expect(loadConfig({ REDIS_URL: '' }).redis.mode).toBe('memory');
  });

  it('Kalshi auth from a PEM in the env or from a key file', () => {
    const fromEnv = loadConfig({ KALSHI_API_KEY_ID: 'key-id', KALSHI_PRIVATE_KEY_PEM: pem });
    expect(fromEnv.venues.kalshi.auth).toEqual({ keyId: 'key-id', privateKeyPem: pem });
    const dir = mkdtempSync(path.join(tmpdir(), 'arbstream-cfg-'));
    const file = path.join(dir, 'kalshi.pem');
    writeFileSync(file, pem, { mode: 0o600 });
    const fromFile = loadConfig({ KALSHI_API_KEY_ID: 'key-id', KALSHI_PRIVATE_KEY_PATH: file });
    expect(fromFile.venues.kalshi.auth?.privateKeyPem).toBe(pem);
  });

  it('Discord on with its token and channel', () => {
    const cfg = loadConfig({ DISCORD_ENABLED: 'on', DISCORD_TOKEN: 'tok-abcdef', DISCORD_ALERT_CHANNEL_ID: '42' });
    expect(cfg.discord).toMatchObject({ enabled: true, token: 'tok-abcdef', alertChannelId: '42' });
  });
});

// Regressions: defects found by this suite and fixed in src/config.ts (391bc72).
describe('regressions', () => {
  it('a set-but-empty numeric variable falls back to its default instead of silently becoming 0', () => {
    // MATCH_AUTO_APPROVE_CONFIDENCE= (empty, an unfilled compose/.env line) once meant 0: auto-approve every pair
    const cfg = loadConfig({ API_PORT: '', MATCH_AUTO_APPROVE_CONFIDENCE: '', RISK_MIN_PAIR_CONFIDENCE: '' });
    expect(cfg.llm.autoApproveConfidence).toBe(0.95);
    expect(cfg.risk.minPairConfidence).toBe(0.9);
    expect(cfg.api.port).toBe(4000);
  });

  it('cross-field problems are reported together with field problems', () => {
    const err = configError({ LOG_LEVEL: 'loud', DISCORD_ENABLED: 'true' });
    expect(err.problems.map((p) => p.split(':')[0])).toEqual(['LOG_LEVEL', 'DISCORD_TOKEN', 'DISCORD_ALERT_CHANNEL_ID']);
  });

  it('a dollar amount beyond 2^53 micro-dollars is rejected, not rounded', () => {
    expect(() => loadConfig({ RISK_MAX_TOTAL_EXPOSURE_USD: '99999999999.999999' })).toThrow(ConfigError);
  });
});

describe('issue 11: NODE_ENV, plain integers, API exposure, feed freshness', () => {
  it('NODE_ENV must be development, production or test', () => {
    for (const v of ['development', 'production', 'test'] as const) expect(loadConfig({ NODE_ENV: v }).env).toBe(v);
    const err = configError({ NODE_ENV: 'prodution' });
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toMatch(/^NODE_ENV: must be development, production or test/);
  });

  it('integers are plain decimal digits: 0x10, 1e3, 4000.0, +4000, " 4000" and -1 are errors, never 16 or 1000', () => {
    expect(loadConfig({ API_PORT: '4001' }).api.port).toBe(4001);
    for (const v of ['0x10', '1e3', '4000.0', '+4000', ' 4000', '-1', '0b11', '４０００']) {
      const err = configError({ API_PORT: v });
      expect(err.problems, v).toHaveLength(1);
      expect(err.problems[0], v).toMatch(/^API_PORT: must be a plain decimal integer/);
    }
    expect(configError({ API_PORT: '70000' }).problems[0]).toMatch(/^API_PORT: must be between 0 and 65535/);
    expect(configError({ DB_POOL_MAX: '0x2' }).problems[0]).toMatch(/^DB_POOL_MAX: must be a plain decimal integer/);
  });

  it('GraphiQL and introspection: on for everyone outside production; production turns GraphiQL off and limits introspection to admins unless set', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).api).toMatchObject({ graphiql: true, introspection: 'all' });
    expect(loadConfig({ NODE_ENV: 'test' }).api).toMatchObject({ graphiql: true, introspection: 'all' });
    expect(loadConfig({ NODE_ENV: 'production' }).api).toMatchObject({ graphiql: false, introspection: 'admins' });
    expect(loadConfig({ NODE_ENV: 'production', API_GRAPHIQL: 'true', API_INTROSPECTION: 'all' }).api).toMatchObject({ graphiql: true, introspection: 'all' });
    expect(loadConfig({ API_GRAPHIQL: 'false', API_INTROSPECTION: 'off' }).api).toMatchObject({ graphiql: false, introspection: 'off' });
    expect(configError({ API_INTROSPECTION: 'everyone' }).problems[0]).toMatch(/^API_INTROSPECTION:/);
    expect(configError({ API_GRAPHIQL: 'sometimes' }).problems[0]).toMatch(/^API_GRAPHIQL:/);
  });

  it('the feed idle timeout derives from RISK_MAX_BOOK_AGE_MS, never exceeds it, and the probe runs well inside it', () => {
    expect(loadConfig({}).venues.feed).toMatchObject({ idleTimeoutMs: 2400, probeIntervalMs: 800 });
    expect(loadConfig({ RISK_MAX_BOOK_AGE_MS: '6000' }).venues.feed).toMatchObject({ idleTimeoutMs: 4800, probeIntervalMs: 1600 });
    expect(loadConfig({ FEED_IDLE_TIMEOUT_MS: '3000' }).venues.feed).toMatchObject({ idleTimeoutMs: 3000, probeIntervalMs: 1000 });
    expect(loadConfig({ FEED_IDLE_TIMEOUT_MS: '2400' }).venues.feed).toMatchObject({ idleTimeoutMs: 2400, probeIntervalMs: 800 });
    expect(loadConfig({ FEED_PROBE_INTERVAL_MS: '500' }).venues.feed).toMatchObject({ idleTimeoutMs: 2400, probeIntervalMs: 500 });
    expect(configError({ FEED_IDLE_TIMEOUT_MS: '5000' }).problems[0]).toMatch(/^FEED_IDLE_TIMEOUT_MS: must not exceed RISK_MAX_BOOK_AGE_MS \(3000\)/);
    expect(configError({ FEED_PROBE_INTERVAL_MS: '2000' }).problems[0]).toMatch(/^FEED_PROBE_INTERVAL_MS: must be at most half the idle timeout/);
    expect(configError({ RISK_MAX_BOOK_AGE_MS: '50' }).problems[0]).toMatch(/would reconnect healthy feeds constantly/);
  });
});

describe('issue 11: every config error exits 78 with its message, LOG_LEVEL included (the real CLI)', () => {
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
  const cli = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli.ts'), 'run'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('LOG_LEVEL=verbose: exit 78, a clear message, no stack trace', () => {
    const r = cli({ LOG_LEVEL: 'verbose' });
    expect(r.status, r.stderr).toBe(78);
    expect(r.stderr).toContain('invalid configuration (1 problem)');
    expect(r.stderr).toMatch(/LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('NODE_ENV=prodution, API_PORT=0x10 and FEED_IDLE_TIMEOUT_MS above the book age: exit 78 listing all three', () => {
    const r = cli({ NODE_ENV: 'prodution', API_PORT: '0x10', FEED_IDLE_TIMEOUT_MS: '9000', LOG_LEVEL: 'silent' });
    expect(r.status, r.stderr).toBe(78);
    expect(r.stderr).toContain('invalid configuration (3 problems)');
    for (const k of ['NODE_ENV', 'API_PORT', 'FEED_IDLE_TIMEOUT_MS']) expect(r.stderr).toContain(`  - ${k}: `);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});

describe('issue 10: the risk section is RiskLimits (schema/risk.ts)', () => {
  it('holds exactly the RiskLimits fields plus the config-only ones, and RiskLimits checks them', async () => {
    const { RiskLimits } = await import('../schema/risk.js');
    const cfg = loadConfig({});
    expect(Object.keys(cfg.risk).sort()).toEqual([...Object.keys(RiskLimits.shape), 'maxSkewMs', 'capitalApr', 'killSwitch'].sort());
    expect(RiskLimits.parse(cfg.risk)).toBeTruthy();
    // a limit the env schema accepts but RiskLimits does not (book age above one day): reported with the others
    const e = configError({ RISK_MAX_BOOK_AGE_MS: '90000000', API_PORT: 'x' });
    expect(e.problems.map((p) => p.split(':')[0]).sort()).toEqual(['API_PORT', 'RISK_MAX_BOOK_AGE_MS']);
  });
});
