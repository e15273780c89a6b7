/**
 * Canary secrets: load every secret the config knows about with a distinctive value, then log in
 * every way code is likely to (whole config, errors, nested headers, interpolated strings, URLs)
 * and assert that no canary reaches the output. Two layers are exercised: pino `redact` paths
 * (by key name) and value scrubbing of registered secrets (by value).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { Writable } from 'node:stream';
import { ConfigError, loadConfig, type Config } from '../src/config.js';
import { createLogger, registerSecret, scrub, type Logger } from '../src/log.js';
import { NonRetryableError } from '../src/errors.js';

const DB_PASSWORD = 'CanaryDbPw-7f3a9c51';
const DATABASE_URL = `postgres://arbstream:${DB_PASSWORD}@timescaledb:5432/arbstream`;
const REDIS_PASSWORD = 'CanaryRedisPw-2b6e';
const REDIS_URL = `redis://default:${REDIS_PASSWORD}@redis:6379/0`;
const KALSHI_API_KEY_ID = 'canary-kalshi-key-id-0b8e2d44';
const DEEPSEEK_API_KEY = 'sk-canary-deepseek-4c1e77aa';
const OPENAI_API_KEY = 'sk-proj-canary-openai-9d2f11bb';
const DISCORD_TOKEN = 'Canary.Discord.Token-e5a0c3d9';
const POLYMARKET_PRIVATE_KEY = '0xca9a7e5ecf0000000000000000000000000000000000000000000000c0ffee01';
const POLYMARKET_API_KEY = 'canary-poly-api-key-3e91f0aa';
const POLYMARKET_API_SECRET = 'Q2FuYXJ5UG9seVNlY3JldC04ZDJj';
const POLYMARKET_API_PASSPHRASE = 'canary-poly-passphrase-61b7';
const PEM = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
}).privateKey;
const PEM_BODY_LINES = PEM.split('\n').filter((l) => l.length > 0 && !l.startsWith('-----'));

/** Every substring that must never be written. */
const CANARIES = [
  DB_PASSWORD,
  REDIS_PASSWORD,
  KALSHI_API_KEY_ID,
  DEEPSEEK_API_KEY,
  OPENAI_API_KEY,
  DISCORD_TOKEN,
  POLYMARKET_PRIVATE_KEY,
  POLYMARKET_PRIVATE_KEY.slice(2),
  POLYMARKET_API_KEY,
  POLYMARKET_API_SECRET,
  POLYMARKET_API_PASSPHRASE,
  ...PEM_BODY_LINES.filter((l) => l.length >= 16),
  PEM_BODY_LINES.join(''),
];

function capture(): { logger: Logger; text: () => string; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const logger = createLogger({ destination, level: 'trace' });
  return {
    logger,
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

function expectNoCanary(text: string): void {
  expect(text.length).toBeGreaterThan(0);
  for (const c of CANARIES) expect(text, `leaked ${c.slice(0, 12)}…`).not.toContain(c);
}

let cfg: Config;

beforeAll(() => {
  cfg = loadConfig({
    DATABASE_URL,
    REDIS_URL,
    KALSHI_API_KEY_ID,
    KALSHI_PRIVATE_KEY_PEM: PEM,
    DEEPSEEK_API_KEY,
    OPENAI_API_KEY,
    DISCORD_TOKEN,
    POLYMARKET_PRIVATE_KEY,
    POLYMARKET_API_KEY,
    POLYMARKET_API_SECRET,
    POLYMARKET_API_PASSPHRASE,
  });
});

describe('secrets never reach a log line', () => {
  it('the config really holds the canaries (so the test can fail)', () => {
    expect(cfg.db).toMatchObject({ mode: 'server', url: DATABASE_URL });
    expect(cfg.venues.kalshi.auth).toEqual({ keyId: KALSHI_API_KEY_ID, privateKeyPem: PEM });
    expect(cfg.llm.primary.apiKey).toBe(DEEPSEEK_API_KEY);
    expect(cfg.venues.polymarket.trading).toEqual({ privateKey: POLYMARKET_PRIVATE_KEY, apiKey: POLYMARKET_API_KEY, apiSecret: POLYMARKET_API_SECRET, apiPassphrase: POLYMARKET_API_PASSPHRASE });
    expect(JSON.stringify(cfg)).toContain(PEM_BODY_LINES[0]);
  });

  it('logging the whole config object, at the top level and nested', () => {
    const { logger, text } = capture();
    logger.info({ cfg }, 'config loaded');
    logger.info(cfg, 'config at top level');
    logger.debug({ deep: { deeper: { deepest: cfg } } }, 'config nested');
    logger.info({ kalshi: cfg.venues.kalshi, polymarket: cfg.venues.polymarket, llm: cfg.llm, discord: cfg.discord }, 'parts');
    expectNoCanary(text());
    expect(text()).toContain('[REDACTED]');
  });

  it('an Error whose message and stack contain secrets, with causes and info', () => {
    const { logger, text, lines } = capture();
    const cause = new Error(`auth failed for key ${KALSHI_API_KEY_ID} with ${PEM}`);
    const err = new Error(`connect ${DATABASE_URL} failed (openai ${OPENAI_API_KEY})`, { cause });
    logger.error({ err }, 'db connect failed');
    logger.error(err);
    logger.error({ error: new NonRetryableError(`bad reply from deepseek ${DEEPSEEK_API_KEY}`, { token: DISCORD_TOKEN, url: REDIS_URL }) }, 'llm');
    logger.warn({ err: new AggregateError([new Error(DISCORD_TOKEN), new Error(REDIS_URL)], 'many') }, 'aggregate');
    expectNoCanary(text());
    const first = lines()[0] as { err: { message: string; stack: string } };
    expect(first.err.message).toContain('[REDACTED]');
    expect(first.err.stack).toContain('[REDACTED]');
  });

  it('nested objects with apiKey / token / password / authorization headers', () => {
    const { logger, text } = capture();
    logger.info({ apiKey: DEEPSEEK_API_KEY, token: DISCORD_TOKEN, password: DB_PASSWORD }, 'top');
    logger.info({ llm: { apiKey: OPENAI_API_KEY }, bot: { token: DISCORD_TOKEN }, db: { password: DB_PASSWORD } }, 'one level');
    logger.info({ headers: { authorization: `Bearer ${OPENAI_API_KEY}`, 'KALSHI-ACCESS-KEY': KALSHI_API_KEY_ID } }, 'headers');
    logger.info({ req: { headers: { Authorization: `Bot ${DISCORD_TOKEN}`, cookie: `s=${DEEPSEEK_API_KEY}` } } }, 'req headers');
    logger.info({ request: { options: { headers: { authorization: `Bearer ${OPENAI_API_KEY}` } } } }, 'deep headers');
    logger.info({ kalshi: { auth: { privateKeyPem: PEM, private_key: PEM } } }, 'pem by key');
    expectNoCanary(text());
  });

  it('redacts by key name even for values that were never registered', () => {
    const { logger, lines } = capture();
    const unregistered = 'session-token-never-registered-77';
    logger.info(
      {
        token: unregistered,
        session: { token: unregistered },
        ctx: { auth: { password: unregistered } },
        headers: { authorization: unregistered },
      },
      'by key',
    );
    const text = JSON.stringify(lines());
    expect(text).not.toContain(unregistered);
    const [line] = lines() as [{ token: string; session: { token: string }; ctx: { auth: { password: string } } }];
    expect(line.token).toBe('[REDACTED]');
    expect(line.session.token).toBe('[REDACTED]');
    expect(line.ctx.auth.password).toBe('[REDACTED]');
  });

  it('raw strings: template literals, printf-style args and raw frames', () => {
    const { logger, text } = capture();
    logger.info(`using deepseek key ${DEEPSEEK_API_KEY}`);
    logger.info('openai key %s and discord %s', OPENAI_API_KEY, DISCORD_TOKEN);
    logger.info({ raw: `{"op":"auth","key":"${KALSHI_API_KEY_ID}"}` }, 'frame rejected');
    logger.info({ raw: JSON.stringify({ pem: PEM }) }, 'frame with an escaped pem');
    logger.info({ frame: PEM.replace(/\n/g, '') }, 'pem on one line');
    logger.info('pem %s', PEM);
    logger.info({ body: Buffer.from(`key=${OPENAI_API_KEY}`).toString() }, 'buffer text');
    expectNoCanary(text());
  });

  it('URLs with the password: as string, URL object, password field, re-built URL', () => {
    const { logger, text } = capture();
    const u = new URL(DATABASE_URL);
    logger.info({ url: DATABASE_URL }, 'as string');
    logger.info(u, 'URL object as the merge object');
    logger.info({ url: u.toString() }, 'URL toString');
    logger.info({ href: u.href, pw: u.password }, 'fields');
    logger.info(`redis at ${REDIS_URL}`);
    logger.info({ dsn: `postgresql://${u.username}:${u.password}@replica:5433/arbstream` }, 'rebuilt for another host');
    logger.info({ r: new URL(REDIS_URL).password }, 'redis password alone');
    expectNoCanary(text());
  });

  it('child loggers with secret bindings', () => {
    const { logger, text } = capture();
    const child = logger.child({ dsn: DATABASE_URL, apiKey: OPENAI_API_KEY });
    child.info({ n: 1 }, 'child line');
    child.child({ token: DISCORD_TOKEN }).warn('grandchild line');
    expectNoCanary(text());
  });
});

describe('scrub()', () => {
  it('replaces every registered secret in arbitrary text', () => {
    expect(scrub(`a ${DEEPSEEK_API_KEY} b`)).toBe('a [REDACTED] b');
    expect(scrub(`${DATABASE_URL}`)).toBe('[REDACTED]');
    expect(scrub(`postgres://x:${DB_PASSWORD}@y/z`)).toBe('postgres://x:[REDACTED]@y/z');
    expect(scrub(PEM_BODY_LINES[3]!)).toBe('[REDACTED]');
    const all = CANARIES.join(' | ');
    expectNoCanary(scrub(all));
  });

  it('leaves text without secrets unchanged', () => {
    const plain = 'KXHIGHNY-25NOV25-B48.5 yes bid 0.45 x 100';
    expect(scrub(plain)).toBe(plain);
  });

  it('catches the JSON-escaped and URL-encoded forms of a registered secret', () => {
    const odd = 'canary "quoted" \\ back/slash & amp';
    registerSecret(odd);
    expect(scrub(JSON.stringify({ v: odd }))).toBe('{"v":"[REDACTED]"}');
    expect(scrub(`?q=${encodeURIComponent(odd)}`)).toBe('?q=[REDACTED]');
  });

  it('ignores empty and very short values (they would scrub ordinary text)', () => {
    registerSecret('');
    registerSecret('ab');
    registerSecret(undefined);
    expect(scrub('ab abc')).toBe('ab abc');
  });
});

describe('ConfigError never carries a secret', () => {
  it('a bad value that is itself a secret is not echoed', () => {
    const secretish = [
      'mysql://arb:CANARY-bad-url-pw-11@db:3306/x',
      'postgres//CANARY-no-scheme-22@db',
      'CANARY-not-a-pem-33',
      'CANARY-rediss-typo-44',
    ];
    let err: unknown;
    try {
      loadConfig({
        DATABASE_URL: secretish[0],
        REDIS_URL: secretish[3],
        KALSHI_WS_URL: secretish[1],
        LOG_LEVEL: OPENAI_API_KEY,
        API_PORT: DEEPSEEK_API_KEY,
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.problems.length).toBe(5);
    for (const s of [...secretish, OPENAI_API_KEY, DEEPSEEK_API_KEY]) {
      expect(e.message).not.toContain(s);
      expect(e.stack ?? '').not.toContain(s);
    }
    expect(e.message).not.toMatch(/CANARY/i);
  });

  it('a PEM without its key id is reported without the key; logging the error stays clean', () => {
    const { logger, text } = capture();
    let err: unknown;
    try {
      loadConfig({ KALSHI_PRIVATE_KEY_PEM: PEM, DISCORD_ENABLED: 'true', DISCORD_TOKEN });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    logger.fatal({ err }, 'bad configuration');
    expectNoCanary(text());
    expect(text()).toContain('KALSHI_API_KEY_ID: required when a Kalshi private key is set');
  });
});

// Known defect, reported (see the infra report): pino's redact (@pinojs/redact 0.4.0) copies the
// logged object and then reads `password` / `token` getters on the copy; for a class with private
// fields (URL, or any `#field` class with such a getter) this THROWS out of log.info, and one level
// deeper the value is replaced by "[unable to serialize ...]". Fix belongs in src/log.ts
// (formatters.log that turns URL into href and other class instances into plain data).
describe('known defect (reported; flip to it() once src/log.ts normalises class instances)', () => {
  it('logging { url: new URL(DATABASE_URL) } neither throws nor leaks', () => {
    const { logger, text } = capture();
    logger.info({ url: new URL(DATABASE_URL) }, 'as URL object');
    expectNoCanary(text());
    expect(text()).toContain('timescaledb:5432');
  });
});

// Known gap, reported (see the infra report): URL.password returns the percent-encoded form as
// written in DATABASE_URL, but config.ts registers only the decoded password and
// encodeURIComponent(decoded), which differ when the user encoded e.g. "!" as %21.
describe('known gap (reported; flip to it() once src/config.ts registers the raw URL password)', () => {
  it('a percent-encoded password is scrubbed in its encoded form too', () => {
    const encoded = 'Canary%21Enc%2APw99';
    loadConfig({ DATABASE_URL: `postgres://arbstream:${encoded}@db:5432/arbstream` });
    const { logger, text } = capture();
    logger.info({ pw: new URL(`postgres://arbstream:${encoded}@db:5432/arbstream`).password }, 'encoded');
    expect(text()).not.toContain(encoded);
  });
});

describe('bounded logs (issue 11): raw input capped, lines capped, repeated warnings rate-limited', () => {
  it('capRaw keeps short text, cuts long text to 512 bytes and notes the original length', async () => {
    const { capRaw, RAW_LOG_BYTES } = await import('../src/log.js');
    expect(capRaw('{"a":1}')).toBe('{"a":1}');
    const big = 'x'.repeat(9_000_000);
    const cut = capRaw(big);
    expect(cut).toBe(`${'x'.repeat(RAW_LOG_BYTES)}…(9000000 chars)`);
    // multi-byte text is cut by bytes, not characters
    const euro = '€'.repeat(400); // 1200 bytes
    const c2 = capRaw(euro);
    expect(Buffer.byteLength(c2.replace(/…\(\d+ chars\)$/, ''))).toBeLessThanOrEqual(RAW_LOG_BYTES);
    expect(c2.endsWith('…(400 chars)')).toBe(true);
  });

  it('a log line longer than MAX_LOG_LINE_CHARS is replaced by a bounded JSON summary (level and msg kept)', async () => {
    const { MAX_LOG_LINE_CHARS } = await import('../src/log.js');
    const { logger, lines } = capture();
    logger.warn({ raw: '9'.repeat(9_000_000) }, 'frame rejected');
    const out = lines();
    expect(out).toHaveLength(1);
    expect(JSON.stringify(out[0]).length).toBeLessThanOrEqual(MAX_LOG_LINE_CHARS);
    expect(out[0]).toMatchObject({ level: 40, msg: 'log line truncated', originalMsg: 'frame rejected' });
    expect(out[0]!.originalChars).toBeGreaterThan(9_000_000);
  });

  it('the line cap runs after scrubbing: a secret at the cut is never half-written', async () => {
    const { logger, text } = capture();
    registerSecret('Canary-cut-secret-123456');
    logger.warn({ blob: 'y'.repeat(2040) + 'Canary-cut-secret-123456' + 'z'.repeat(40_000) }, 'big');
    expect(text()).not.toContain('Canary-cut');
  });

  it('LogLimiter: first N per key per interval, then one "suppressed K similar warnings" line', async () => {
    const { createLogLimiter } = await import('../src/log.js');
    const { logger, lines } = capture();
    let t = 0;
    const lim = createLogLimiter({ max: 3, intervalMs: 1000, now: () => t, logger: () => logger });
    for (let i = 0; i < 20_000; i++) lim.warn('frame rejected', { i }, 'frame rejected');
    lim.warn('other', {}, 'other warning');
    expect(lines().map((l) => l.msg)).toEqual(['frame rejected', 'frame rejected', 'frame rejected', 'other warning']);
    // the next interval: the summary first, then logging resumes
    t = 1000;
    lim.warn('frame rejected', { i: -1 }, 'frame rejected');
    const after = lines().slice(4);
    expect(after[0]).toMatchObject({ msg: 'suppressed 19997 similar warnings: frame rejected', suppressed: 19_997, key: 'frame rejected', level: 40 });
    expect(after[1]).toMatchObject({ msg: 'frame rejected', i: -1 });
    expect(lim.suppressedTotal).toBe(19_997);
    expect(lines().length).toBe(6);
  });

  it('LogLimiter: a flood that stops is still summarised (timer at the end of the interval; flush())', async () => {
    const { createLogLimiter } = await import('../src/log.js');
    const { logger, lines } = capture();
    const lim = createLogLimiter({ max: 1, intervalMs: 30, logger: () => logger });
    for (let i = 0; i < 5; i++) lim.warn('k', {}, 'bad frame');
    expect(lines()).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 80));
    expect(lines().map((l) => l.msg)).toEqual(['bad frame', 'suppressed 4 similar warnings: bad frame']);
    lim.warn('k2', {}, 'x');
    lim.warn('k2', {}, 'x');
    lim.flush();
    expect(lines().at(-1)).toMatchObject({ msg: 'suppressed 1 similar warnings: x' });
  });

  it('LogLimiter keeps at most maxKeys keys (the oldest is summarised and forgotten)', async () => {
    const { createLogLimiter } = await import('../src/log.js');
    const { logger, lines } = capture();
    const lim = createLogLimiter({ max: 1, intervalMs: 60_000, maxKeys: 2, logger: () => logger });
    lim.warn('a', {}, 'A');
    lim.warn('a', {}, 'A');
    lim.warn('b', {}, 'B');
    lim.warn('c', {}, 'C');
    expect(lines().map((l) => l.msg)).toEqual(['A', 'B', 'suppressed 1 similar warnings: A', 'C']);
    lim.flush();
  });

  it('an invalid LOG_LEVEL does not throw at import: the boot logger runs at info and the config reports it', async () => {
    const { bootLogLevel } = await import('../src/log.js');
    expect(bootLogLevel({ LOG_LEVEL: 'verbose' })).toBe('info');
    expect(bootLogLevel({ LOG_LEVEL: 'debug' })).toBe('debug');
    expect(bootLogLevel({})).toBe('info');
    const err = (() => {
      try {
        loadConfig({ LOG_LEVEL: 'verbose' });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.problems[0]).toMatch(/^LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent/);
  });
});
