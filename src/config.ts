/**
 * The one configuration file: a zod model per concern, read from the environment.
 * Every problem is reported at once (variable, what is wrong, how to fix it) and startup stops.
 * The result is a frozen, nested camelCase object. Secrets are registered with the logger so that
 * they are scrubbed from every log line and every error message.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { RiskLimits } from '../schema/risk.js';
import { LOG_LEVELS, registerSecret } from './log.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));
/** A plain decimal integer ("4000"; never "0x10", "1e3", "4000.0" or " 4000"), within [min, max]. */
const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^\d{1,16}$/, 'must be a plain decimal integer (digits only)')
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`);
const url = (protocols: string[]) =>
  z.string().refine((v) => {
    try {
      return protocols.includes(new URL(v).protocol);
    } catch {
      return false;
    }
  }, `must be a URL with scheme ${protocols.join(' or ')}`);
/** A decimal dollar amount ("12.50") parsed to integer micro-dollars. */
const usd = z
  .string()
  .regex(/^\d+(\.\d{1,6})?$/, 'must be a dollar amount like 12.50 (up to 6 decimals)')
  .transform((v) => {
    const [w, f = ''] = v.split('.');
    return Number(w) * 1_000_000 + Number((f + '000000').slice(0, 6));
  })
  .refine((v) => Number.isSafeInteger(v), 'too large (more than 2^53 micro-dollars)');
const csv = z.string().transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

/** Every variable the app reads, with its default and help. The README table is checked against this. */
export const ENV = {
  // general
  LOG_LEVEL: { schema: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }), default: 'info', help: 'pino log level' },
  LOG_FORMAT: { schema: z.enum(['auto', 'pretty', 'json']), default: 'auto', help: 'auto (human-readable on a terminal, JSON lines otherwise) | pretty | json' },
  NODE_ENV: { schema: z.enum(['development', 'production', 'test'], { error: 'must be development, production or test' }), default: 'development', help: 'development | production | test (production: GraphiQL off, introspection for admins only, unless set below)' },
  // db
  DATABASE_URL: { schema: url(['postgres:', 'postgresql:']).optional(), default: undefined, help: 'PostgreSQL/TimescaleDB URL; unset = embedded TimescaleDB', secret: true },
  EMBEDDED_DB_DIR: { schema: z.string().min(1), default: './data/timescale', help: 'data directory of the embedded TimescaleDB' },
  EMBEDDED_DB_HOST: { schema: z.string().min(1), default: '127.0.0.1', help: 'address the embedded TimescaleDB listens on' },
  EMBEDDED_DB_PORT: { schema: int(0, 65535), default: '54329', help: 'port the embedded TimescaleDB listens on (0 = any free port)' },
  DB_POOL_MAX: { schema: int(1, 200), default: '10', help: 'pg pool size' },
  // redis / stream log
  REDIS_URL: { schema: url(['redis:', 'rediss:']).optional(), default: undefined, help: 'Redis URL for the stream log and pub/sub; unset = in-process stream log', secret: true },
  STREAM_MAXLEN: { schema: int(1000), default: '1000000', help: 'approximate MAXLEN per stream (XADD ~)' },
  STREAM_PREFIX: { schema: z.string().regex(/^[a-z0-9:_-]+$/), default: 'stream', help: 'prefix of stream keys (stream:<stage>:<venue>:<market>)' },
  // venues
  POLYMARKET_WS_URL: { schema: url(['ws:', 'wss:']), default: 'wss://ws-subscriptions-clob.polymarket.com/ws/market', help: 'Polymarket CLOB market channel' },
  POLYMARKET_GAMMA_URL: { schema: url(['http:', 'https:']), default: 'https://gamma-api.polymarket.com', help: 'Polymarket Gamma REST' },
  POLYMARKET_CLOB_URL: { schema: url(['http:', 'https:']), default: 'https://clob.polymarket.com', help: 'Polymarket CLOB REST' },
  POLYMARKET_PRIVATE_KEY: { schema: z.string().regex(/^(0x)?[0-9a-fA-F]{64}$/, 'must be a 32-byte hex private key').optional(), default: undefined, help: 'Polymarket wallet key (EIP-712 order signing; live broker only)', secret: true },
  POLYMARKET_API_KEY: { schema: z.string().min(1).optional(), default: undefined, help: 'Polymarket CLOB L2 API key (live broker)', secret: true },
  POLYMARKET_API_SECRET: { schema: z.string().min(1).optional(), default: undefined, help: 'Polymarket CLOB L2 API secret (base64)', secret: true },
  POLYMARKET_API_PASSPHRASE: { schema: z.string().min(1).optional(), default: undefined, help: 'Polymarket CLOB L2 API passphrase', secret: true },
  KALSHI_WS_URL: { schema: url(['ws:', 'wss:']), default: 'wss://api.elections.kalshi.com/trade-api/ws/v2', help: 'Kalshi WebSocket v2' },
  KALSHI_REST_URL: { schema: url(['http:', 'https:']), default: 'https://api.elections.kalshi.com/trade-api/v2', help: 'Kalshi Trade API v2 REST' },
  KALSHI_API_KEY_ID: { schema: z.string().min(1).optional(), default: undefined, help: 'Kalshi API key id (UUID)', secret: true },
  KALSHI_PRIVATE_KEY_PATH: { schema: z.string().min(1).optional(), default: undefined, help: 'path of the Kalshi RSA private key (PEM)' },
  KALSHI_PRIVATE_KEY_PEM: { schema: z.string().min(1).optional(), default: undefined, help: 'the Kalshi RSA private key itself (PEM), instead of a path', secret: true },
  FEED_IDLE_TIMEOUT_MS: { schema: int(200).optional(), default: undefined, help: 'a socket silent this long (no frame, no pong) is stale and reconnected; unset = 80% of RISK_MAX_BOOK_AGE_MS, never above it' },
  FEED_PROBE_INTERVAL_MS: { schema: int(50).optional(), default: undefined, help: 'a quiet socket is probed (ping / PING) this often; unset = a third of the idle timeout, at most half of it' },
  FEED_BACKOFF_BASE_MS: { schema: int(10), default: '250', help: 'reconnect backoff base (full jitter)' },
  FEED_BACKOFF_MAX_MS: { schema: int(100), default: '30000', help: 'reconnect backoff cap' },
  FEED_STABLE_MS: { schema: int(100), default: '60000', help: 'connected this long resets the backoff' },
  PAIRS_FILE: { schema: z.string().min(1).optional(), default: undefined, help: 'JSON file of manual market pairs (override of the matcher)' },
  // llm
  DEEPSEEK_BASE_URL: { schema: url(['http:', 'https:']), default: 'https://api.deepseek.com', help: 'primary LLM (OpenAI-compatible)' },
  DEEPSEEK_MODEL: { schema: z.string().min(1), default: 'deepseek-chat', help: 'primary LLM model' },
  DEEPSEEK_API_KEY: { schema: z.string().min(1).optional(), default: undefined, help: 'primary LLM key', secret: true },
  DEEPSEEK_RPM: { schema: int(1), default: '60', help: 'primary LLM requests per minute (token bucket)' },
  DEEPSEEK_PRICE_IN_PER_MTOK: { schema: usd, default: '0.27', help: 'primary LLM $ per 1M input tokens' },
  DEEPSEEK_PRICE_OUT_PER_MTOK: { schema: usd, default: '1.10', help: 'primary LLM $ per 1M output tokens' },
  OPENAI_BASE_URL: { schema: url(['http:', 'https:']), default: 'https://api.openai.com/v1', help: 'fallback LLM' },
  OPENAI_MODEL: { schema: z.string().min(1), default: 'gpt-4o', help: 'fallback LLM model' },
  OPENAI_API_KEY: { schema: z.string().min(1).optional(), default: undefined, help: 'fallback LLM key', secret: true },
  OPENAI_RPM: { schema: int(1), default: '500', help: 'fallback LLM requests per minute' },
  OPENAI_PRICE_IN_PER_MTOK: { schema: usd, default: '2.50', help: 'fallback LLM $ per 1M input tokens' },
  OPENAI_PRICE_OUT_PER_MTOK: { schema: usd, default: '10.00', help: 'fallback LLM $ per 1M output tokens' },
  LLM_DAILY_BUDGET_USD: { schema: usd, default: '5.00', help: 'LLM calls stop when the day\'s spend reaches this' },
  LLM_TIMEOUT_MS: { schema: int(100), default: '30000', help: 'per-request LLM timeout' },
  MATCH_AUTO_APPROVE_CONFIDENCE: { schema: z.coerce.number().min(0).max(1), default: '0.95', help: 'auto-approve pairs at or above this confidence (all guards passing)' },
  // api
  API_HOST: { schema: z.string().min(1), default: '127.0.0.1', help: 'GraphQL/dashboard listen address' },
  API_PORT: { schema: int(0, 65535), default: '4000', help: 'GraphQL/dashboard port' },
  API_MAX_BODY_BYTES: { schema: int(1024), default: '65536', help: 'largest accepted request body' },
  API_RATE_LIMIT_PER_MIN: { schema: int(1), default: '600', help: 'requests per minute per API token' },
  API_UNAUTH_RATE_LIMIT_PER_MIN: { schema: int(1), default: '60', help: 'requests per minute per client address without a valid token (then 429, before any token lookup)' },
  API_AUTH_FAILURES_PER_MIN: { schema: int(1), default: '10', help: 'failed token lookups (unknown or revoked token) per minute per client address' },
  API_REVOCATION_CHECK_MS: { schema: int(50, 500), default: '250', help: 'how often tokens with open subscriptions are re-checked (a revoked token\'s subscriptions close within this)' },
  API_GRAPHIQL: { schema: bool.optional(), default: undefined, help: 'serve the GraphiQL page on GET /graphql; unset = on, except NODE_ENV=production' },
  API_INTROSPECTION: { schema: z.enum(['all', 'admins', 'off']).optional(), default: undefined, help: 'who may run introspection queries: all | admins | off; unset = all, except NODE_ENV=production (admins)' },
  METRICS_PORT: { schema: int(0, 65535).optional(), default: undefined, help: 'serve Prometheus /metrics on this port (API_HOST) instead of on the API port; unset = GET /metrics on the API port (no auth, no secrets)' },
  // discord
  DISCORD_ENABLED: { schema: bool, default: 'false', help: 'start the Discord bot' },
  DISCORD_TOKEN: { schema: z.string().min(1).optional(), default: undefined, help: 'Discord bot token', secret: true },
  DISCORD_APPLICATION_ID: { schema: z.string().optional(), default: undefined, help: 'Discord application id (slash commands)' },
  DISCORD_GUILD_ID: { schema: csv, default: '', help: 'register the slash commands in these guilds (comma-separated; instant) instead of globally (up to an hour)' },
  DISCORD_ALERT_CHANNEL_ID: { schema: z.string().optional(), default: undefined, help: 'channel for alerts' },
  DISCORD_COMMAND_CHANNEL_IDS: { schema: csv, default: '', help: 'channels where commands are allowed (comma-separated)' },
  DISCORD_OPERATOR_ROLE_IDS: { schema: csv, default: '', help: 'roles allowed to use /kill and /approve' },
  DISCORD_API_URL: { schema: url(['http:', 'https:']).optional(), default: undefined, help: 'override the Discord REST base (tests)' },
  DISCORD_ALERT_MIN_EDGE_USD: { schema: usd, default: '5.00', help: 'alert on edges with expected profit at least this' },
  BOT_API_URL: { schema: url(['http:', 'https:']).optional(), default: undefined, help: 'standalone `arbstream bot` without REDIS_URL: the running app\'s GraphQL endpoint it takes alerts from (graphql-ws) and sends /kill and /approve to; unset = http://<API_HOST, 127.0.0.1 when a wildcard>:<API_PORT>/graphql' },
  BOT_API_TOKEN: { schema: z.string().regex(/^arb_[A-Za-z0-9_-]{43}$/, 'must be an API token (arb_…, from `arbstream token create --role operator`)').optional(), default: undefined, help: 'standalone `arbstream bot` without REDIS_URL: the API token it uses (operator role, for /kill and /approve)', secret: true },
  // risk
  RISK_MIN_EDGE_PER_CONTRACT_USD: { schema: usd, default: '0.01', help: 'smallest net edge per contract worth trading' },
  RISK_MIN_SIZE_CONTRACTS: { schema: z.coerce.number().positive(), default: '1', help: 'smallest executable size' },
  RISK_MIN_PROFIT_USD: { schema: usd, default: '0.50', help: 'smallest total expected profit' },
  RISK_MAX_PAIR_EXPOSURE_USD: { schema: usd, default: '1000', help: 'exposure limit per pair' },
  RISK_MAX_VENUE_EXPOSURE_USD: { schema: usd, default: '5000', help: 'exposure limit per venue' },
  RISK_MAX_TOTAL_EXPOSURE_USD: { schema: usd, default: '10000', help: 'total exposure limit' },
  RISK_MAX_BOOK_AGE_MS: { schema: int(1), default: '3000', help: 'books older than this are stale' },
  RISK_MAX_SKEW_MS: { schema: int(1), default: '1500', help: 'largest time skew between a pair\'s two books' },
  RISK_MIN_PAIR_CONFIDENCE: { schema: z.coerce.number().min(0).max(1), default: '0.9', help: 'pairs the matcher approved on its own below this confidence are not traded (a human approval stands)' },
  RISK_HYSTERESIS_USD: { schema: usd, default: '0.005', help: 'an opportunity is re-emitted only when its edge moves this much' },
  RISK_CAPITAL_APR: { schema: z.coerce.number().min(0).max(1), default: '0.05', help: 'annual cost of capital locked until resolution' },
  KILL_SWITCH: { schema: bool, default: 'false', help: 'when set (true or false), wins at start: written to risk_state (audited as cli:env) before the pipeline starts; later changes through the API or Discord still apply. Unset = the stored kill switch (off when nothing is stored)' },
  // execution
  EXECUTION_MODE: { schema: z.enum(['off', 'paper', 'live']), default: 'off', help: 'off | paper (fills against the live book) | live (venue orders; also needs arming by an admin)' },
  EXECUTION_LOSS_CAP_USD: { schema: usd, default: '5.00', help: 'the most unwinding a lone first leg may lose, per execution' },
  PAPER_LATENCY_MS: { schema: int(0), default: '50', help: 'paper broker: order travel time to the book' },
  PAPER_HAIRCUT: { schema: z.coerce.number().min(0).max(1), default: '0', help: 'paper broker: share of each displayed level assumed taken by others first' },
  PAPER_CASH_USD: { schema: usd, default: '10000', help: 'paper broker: starting cash per venue' },
} as const satisfies Record<string, { schema: z.ZodType; default: string | undefined; help: string; secret?: boolean }>;

type EnvKey = keyof typeof ENV;
type EnvValues = { [K in EnvKey]: z.output<(typeof ENV)[K]['schema']> };

/** Thrown when the environment is invalid; the message lists every problem and how to fix it. */
export class ConfigError extends Error {
  readonly kind = 'Fatal' as const;
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` + problems.map((p) => `  - ${p}`).join('\n'));
    this.name = 'ConfigError';
  }
}

function readEnv(env: NodeJS.ProcessEnv): { values: EnvValues; problems: string[] } {
  const problems: string[] = [];
  const values: Partial<Record<EnvKey, unknown>> = {};
  for (const [key, spec] of Object.entries(ENV) as [EnvKey, (typeof ENV)[EnvKey]][]) {
    // set-but-empty (an unfilled .env or compose line) means "use the default", never 0 or ''
    const raw = env[key] === '' || env[key] === undefined ? spec.default : env[key];
    const res = (spec.schema as z.ZodType).safeParse(raw);
    if (res.success) values[key] = res.data;
    // never echo the value: it may be a secret
    else problems.push(`${key}: ${res.error.issues.map((i) => i.message).join('; ')} (${spec.help}; default ${spec.default ?? 'unset'})`);
  }
  // complete only when problems is empty; crossChecks tolerates the missing ones
  return { values: values as EnvValues, problems };
}

/** Checks across variables; runs on whatever parsed, so its problems are reported with the field ones. */
function crossChecks(v: Partial<EnvValues>, problems: string[]): string | undefined {
  let kalshiPem = v.KALSHI_PRIVATE_KEY_PEM;
  if (!kalshiPem && v.KALSHI_PRIVATE_KEY_PATH) {
    try {
      kalshiPem = readFileSync(v.KALSHI_PRIVATE_KEY_PATH, 'utf8');
    } catch (e) {
      problems.push(`KALSHI_PRIVATE_KEY_PATH: cannot read the key file (${(e as NodeJS.ErrnoException).code ?? 'error'}); point it at a readable PEM file`);
    }
  }
  if (kalshiPem && !/-----BEGIN (RSA )?PRIVATE KEY-----/.test(kalshiPem)) {
    problems.push('KALSHI_PRIVATE_KEY_PEM/PATH: not a PEM private key (expected -----BEGIN PRIVATE KEY-----)');
  }
  if (kalshiPem && !v.KALSHI_API_KEY_ID) problems.push('KALSHI_API_KEY_ID: required when a Kalshi private key is set');
  if (v.DISCORD_ENABLED && !v.DISCORD_TOKEN) problems.push('DISCORD_TOKEN: required when DISCORD_ENABLED=true');
  if (v.DISCORD_ENABLED && !v.DISCORD_ALERT_CHANNEL_ID) problems.push('DISCORD_ALERT_CHANNEL_ID: required when DISCORD_ENABLED=true');
  if (v.FEED_BACKOFF_MAX_MS !== undefined && v.FEED_BACKOFF_BASE_MS !== undefined && v.FEED_BACKOFF_MAX_MS < v.FEED_BACKOFF_BASE_MS) {
    problems.push('FEED_BACKOFF_MAX_MS: must be at least FEED_BACKOFF_BASE_MS');
  }
  freshnessChecks(v, problems);
  registerSecret(kalshiPem);
  // the wallet key is written with and without its 0x prefix
  if (v.POLYMARKET_PRIVATE_KEY) for (const k of [v.POLYMARKET_PRIVATE_KEY, v.POLYMARKET_PRIVATE_KEY.replace(/^0x/i, '')]) registerSecret(k);
  for (const u of [v.DATABASE_URL, v.REDIS_URL]) {
    if (!u) continue;
    try {
      const { password } = new URL(u);
      registerSecret(password);
      registerSecret(decodeURIComponent(password));
    } catch {
      /* already reported */
    }
  }
  return kalshiPem;
}

/**
 * Feed freshness: a pair is priced only while each book's connection delivered a frame or a
 * heartbeat answer within RISK_MAX_BOOK_AGE_MS, so the idle timeout that declares a silent
 * connection stale is derived from it (and may not exceed it), and the probe that makes a quiet but
 * healthy connection answer runs well inside it.
 */
export function feedTiming(v: Pick<Partial<EnvValues>, 'FEED_IDLE_TIMEOUT_MS' | 'FEED_PROBE_INTERVAL_MS' | 'RISK_MAX_BOOK_AGE_MS'>): { idleTimeoutMs: number; probeIntervalMs: number } {
  const maxAge = v.RISK_MAX_BOOK_AGE_MS ?? 3000;
  // default: 80% of the book age limit, so timer lateness and the last frame's delivery cannot push a
  // silent connection's books past the limit before the feed is declared stale (measured: ~2-5 ms late)
  const idleTimeoutMs = v.FEED_IDLE_TIMEOUT_MS ?? Math.floor(maxAge * 0.8);
  return { idleTimeoutMs, probeIntervalMs: v.FEED_PROBE_INTERVAL_MS ?? Math.max(1, Math.floor(idleTimeoutMs / 3)) };
}

function freshnessChecks(v: Partial<EnvValues>, problems: string[]): void {
  if (v.RISK_MAX_BOOK_AGE_MS === undefined) return;
  const { idleTimeoutMs, probeIntervalMs } = feedTiming(v);
  if (idleTimeoutMs > v.RISK_MAX_BOOK_AGE_MS) {
    problems.push(`FEED_IDLE_TIMEOUT_MS: must not exceed RISK_MAX_BOOK_AGE_MS (${v.RISK_MAX_BOOK_AGE_MS}): a silent feed would be priced past the book age limit; unset it to use RISK_MAX_BOOK_AGE_MS`);
  } else if (idleTimeoutMs < 200) {
    problems.push(`RISK_MAX_BOOK_AGE_MS/FEED_IDLE_TIMEOUT_MS: an idle timeout of ${idleTimeoutMs} ms (below 200) would reconnect healthy feeds constantly`);
  }
  if (probeIntervalMs * 2 > idleTimeoutMs) {
    problems.push(`FEED_PROBE_INTERVAL_MS: must be at most half the idle timeout (${idleTimeoutMs} ms) so a healthy connection answers in time`);
  }
}

/**
 * Where each risk limit comes from. The field list and the types are RiskLimits' (schema/risk.ts):
 * the compiler asks for a line here when a limit is added there.
 */
const RISK_LIMIT_ENV: { readonly [K in keyof RiskLimits]: { readonly key: EnvKey; readonly value: (v: EnvValues) => RiskLimits[K] } } = {
  minEdgePerContractMicros: { key: 'RISK_MIN_EDGE_PER_CONTRACT_USD', value: (v) => v.RISK_MIN_EDGE_PER_CONTRACT_USD },
  minSizeQty: { key: 'RISK_MIN_SIZE_CONTRACTS', value: (v) => Math.round(v.RISK_MIN_SIZE_CONTRACTS * 1_000_000) },
  minProfitMicros: { key: 'RISK_MIN_PROFIT_USD', value: (v) => v.RISK_MIN_PROFIT_USD },
  maxPairExposureMicros: { key: 'RISK_MAX_PAIR_EXPOSURE_USD', value: (v) => v.RISK_MAX_PAIR_EXPOSURE_USD },
  maxVenueExposureMicros: { key: 'RISK_MAX_VENUE_EXPOSURE_USD', value: (v) => v.RISK_MAX_VENUE_EXPOSURE_USD },
  maxTotalExposureMicros: { key: 'RISK_MAX_TOTAL_EXPOSURE_USD', value: (v) => v.RISK_MAX_TOTAL_EXPOSURE_USD },
  maxBookAgeMs: { key: 'RISK_MAX_BOOK_AGE_MS', value: (v) => v.RISK_MAX_BOOK_AGE_MS },
  minPairConfidence: { key: 'RISK_MIN_PAIR_CONFIDENCE', value: (v) => v.RISK_MIN_PAIR_CONFIDENCE },
  hysteresisMicros: { key: 'RISK_HYSTERESIS_USD', value: (v) => v.RISK_HYSTERESIS_USD },
};

/** The risk limits from the environment (unchecked: {@link riskLimitChecks} reports what RiskLimits rejects). */
function riskLimits(v: EnvValues): RiskLimits {
  return Object.fromEntries(Object.entries(RISK_LIMIT_ENV).map(([field, { value }]) => [field, value(v)])) as RiskLimits;
}

/**
 * The limits through the RiskLimits schema (the one the API and risk_state use); a problem per
 * variable it rejects. Runs on whatever parsed: a variable that did not parse is already reported.
 */
function riskLimitChecks(v: Partial<EnvValues>, problems: string[]): void {
  const r = RiskLimits.safeParse(riskLimits(v as EnvValues));
  if (r.success) return;
  for (const i of r.error.issues) {
    const field = i.path[0] as keyof RiskLimits;
    if (v[RISK_LIMIT_ENV[field].key] === undefined) continue;
    problems.push(`${RISK_LIMIT_ENV[field].key}: ${i.message} (${ENV[RISK_LIMIT_ENV[field].key].help})`);
  }
}

/** The API's /graphql URL as seen from this machine (a wildcard listen address is reached on loopback). */
function defaultBotApiUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '::' || host === '[::]' ? '127.0.0.1' : host;
  return `http://${h.includes(':') && !h.startsWith('[') ? `[${h}]` : h}:${port}/graphql`;
}

function buildConfig(v: EnvValues, env: NodeJS.ProcessEnv, kalshiPem: string | undefined) {
  const production = v.NODE_ENV === 'production';
  return {
    env: v.NODE_ENV,
    logLevel: v.LOG_LEVEL,
    logFormat: v.LOG_FORMAT,
    /** KILL_SWITCH was set (non-empty) in the environment: risk.killSwitch wins at start (written to risk_state) */
    killSwitchFromEnv: env.KILL_SWITCH !== undefined && env.KILL_SWITCH.trim() !== '',
    db: v.DATABASE_URL
      ? { mode: 'server' as const, url: v.DATABASE_URL, poolMax: v.DB_POOL_MAX }
      : { mode: 'embedded' as const, dataDir: v.EMBEDDED_DB_DIR, host: v.EMBEDDED_DB_HOST, port: v.EMBEDDED_DB_PORT, poolMax: v.DB_POOL_MAX },
    redis: v.REDIS_URL
      ? { mode: 'redis' as const, url: v.REDIS_URL, maxLen: v.STREAM_MAXLEN, prefix: v.STREAM_PREFIX }
      : { mode: 'memory' as const, maxLen: v.STREAM_MAXLEN, prefix: v.STREAM_PREFIX },
    venues: {
      polymarket: {
        wsUrl: v.POLYMARKET_WS_URL,
        gammaUrl: v.POLYMARKET_GAMMA_URL,
        clobUrl: v.POLYMARKET_CLOB_URL,
        trading: v.POLYMARKET_PRIVATE_KEY && v.POLYMARKET_API_KEY && v.POLYMARKET_API_SECRET && v.POLYMARKET_API_PASSPHRASE
          ? { privateKey: v.POLYMARKET_PRIVATE_KEY, apiKey: v.POLYMARKET_API_KEY, apiSecret: v.POLYMARKET_API_SECRET, apiPassphrase: v.POLYMARKET_API_PASSPHRASE }
          : undefined,
      },
      kalshi: {
        wsUrl: v.KALSHI_WS_URL,
        restUrl: v.KALSHI_REST_URL,
        auth: v.KALSHI_API_KEY_ID && kalshiPem ? { keyId: v.KALSHI_API_KEY_ID, privateKeyPem: kalshiPem } : undefined,
      },
      feed: { ...feedTiming(v), backoffBaseMs: v.FEED_BACKOFF_BASE_MS, backoffMaxMs: v.FEED_BACKOFF_MAX_MS, stableMs: v.FEED_STABLE_MS },
      pairsFile: v.PAIRS_FILE,
    },
    llm: {
      primary: { name: 'deepseek', baseUrl: v.DEEPSEEK_BASE_URL, model: v.DEEPSEEK_MODEL, apiKey: v.DEEPSEEK_API_KEY, rpm: v.DEEPSEEK_RPM, priceInPerMTokMicros: v.DEEPSEEK_PRICE_IN_PER_MTOK, priceOutPerMTokMicros: v.DEEPSEEK_PRICE_OUT_PER_MTOK },
      fallback: { name: 'openai', baseUrl: v.OPENAI_BASE_URL, model: v.OPENAI_MODEL, apiKey: v.OPENAI_API_KEY, rpm: v.OPENAI_RPM, priceInPerMTokMicros: v.OPENAI_PRICE_IN_PER_MTOK, priceOutPerMTokMicros: v.OPENAI_PRICE_OUT_PER_MTOK },
      dailyBudgetMicros: v.LLM_DAILY_BUDGET_USD,
      timeoutMs: v.LLM_TIMEOUT_MS,
      autoApproveConfidence: v.MATCH_AUTO_APPROVE_CONFIDENCE,
    },
    api: {
      host: v.API_HOST,
      port: v.API_PORT,
      maxBodyBytes: v.API_MAX_BODY_BYTES,
      rateLimitPerMin: v.API_RATE_LIMIT_PER_MIN,
      /** per client address: requests without a valid token, and failed token lookups */
      unauthRateLimitPerMin: v.API_UNAUTH_RATE_LIMIT_PER_MIN,
      authFailuresPerMin: v.API_AUTH_FAILURES_PER_MIN,
      revocationCheckMs: v.API_REVOCATION_CHECK_MS,
      /** GraphiQL page on GET /graphql */
      graphiql: v.API_GRAPHIQL ?? !production,
      /** who may run introspection queries */
      introspection: v.API_INTROSPECTION ?? (production ? ('admins' as const) : ('all' as const)),
      /** Prometheus /metrics on its own port (undefined: on the API port) */
      metricsPort: v.METRICS_PORT,
    },
    discord: {
      enabled: v.DISCORD_ENABLED,
      token: v.DISCORD_TOKEN,
      applicationId: v.DISCORD_APPLICATION_ID,
      guildIds: v.DISCORD_GUILD_ID,
      alertChannelId: v.DISCORD_ALERT_CHANNEL_ID,
      commandChannelIds: v.DISCORD_COMMAND_CHANNEL_IDS,
      operatorRoleIds: v.DISCORD_OPERATOR_ROLE_IDS,
      apiUrl: v.DISCORD_API_URL,
      alertMinProfitMicros: v.DISCORD_ALERT_MIN_EDGE_USD,
      /** the running app's API, for a standalone bot without Redis (src/bot/apiSource.ts) */
      botApi: { url: v.BOT_API_URL ?? defaultBotApiUrl(v.API_HOST, v.API_PORT), token: v.BOT_API_TOKEN },
    },
    risk: {
      ...riskLimits(v),
      maxSkewMs: v.RISK_MAX_SKEW_MS,
      capitalApr: v.RISK_CAPITAL_APR,
      killSwitch: v.KILL_SWITCH,
    },
    execution: {
      mode: v.EXECUTION_MODE,
      lossCapMicros: v.EXECUTION_LOSS_CAP_USD,
      paper: { latencyMs: v.PAPER_LATENCY_MS, haircut: v.PAPER_HAIRCUT, cashMicros: v.PAPER_CASH_USD },
    },
    /** true when running under CI=true: a missing service is a failure, never a skip */
    ci: env.CI === 'true' || env.CI === '1',
  };
}

export type Config = ReturnType<typeof buildConfig>;

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** Reads and validates the environment. Throws {@link ConfigError} listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  for (const [key, spec] of Object.entries(ENV)) if ('secret' in spec && spec.secret) registerSecret(env[key]);
  const { values, problems } = readEnv(env);
  const kalshiPem = crossChecks(values, problems);
  riskLimitChecks(values, problems);
  if (problems.length) throw new ConfigError(problems);
  return deepFreeze(buildConfig(values, env, kalshiPem));
}
