/**
 * Structured logging (pino). Two layers keep secrets out of every line:
 *  1. `redact` paths for fields that hold secrets by name (apiKey, token, privateKey, password, ...);
 *  2. value scrubbing: every secret value registered with {@link registerSecret} (the config does
 *     this for each secret it loads) is replaced in the serialized line, so a secret that leaks into
 *     an error message, a URL or a raw frame is still never written.
 * Style: `log.error({ err, venue }, 'message')`, never `log.error('message', err)` (pino #190).
 */
import { pino, type Logger, type DestinationStream, type LoggerOptions } from 'pino';

const REDACTED = '[REDACTED]';
const secrets = new Set<string>();
let secretPattern: RegExp | null = null;

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Registers a secret value: from now on it is replaced by [REDACTED] in logs and {@link scrub}. */
export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < 4) return;
  const variants = new Set<string>([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)]);
  // a PEM key also leaks line by line
  if (value.includes('\n')) for (const line of value.split('\n')) if (line.trim().length >= 16) variants.add(line.trim());
  for (const v of variants) secrets.add(v);
  secretPattern = new RegExp([...secrets].sort((a, b) => b.length - a.length).map(escapeRe).join('|'), 'g');
}

/** Replaces every registered secret in a string. Use on anything sent outside the process (errors, API, Discord). */
export function scrub(text: string): string {
  return secretPattern ? text.replace(secretPattern, REDACTED) : text;
}

/** Key names whose values are secrets wherever they appear (two levels deep). */
export const SECRET_KEYS = [
  'password', 'apiKey', 'api_key', 'token', 'secret', 'privateKey', 'private_key', 'privateKeyPem',
  'authorization', 'Authorization', 'KALSHI-ACCESS-SIGNATURE', 'cookie',
];
const redactPaths = SECRET_KEYS.flatMap((k) => {
  const key = /^[A-Za-z_$][\w$]*$/.test(k) ? k : `["${k}"]`;
  const dot = key.startsWith('[') ? '' : '.';
  return [key, `*${dot}${key}`, `*.*${dot}${key}`, `headers${dot}${key}`, `req.headers${dot}${key}`];
});

/**
 * Plain-data view of a log object before redaction: URL objects become their href (with the
 * password scrubbed later), class instances with `#private` fields their toJSON()/string form, so
 * pino's redact never walks into objects it cannot read. Errors are left to the err serializer.
 */
function plain(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || value instanceof Error) return value;
  if (value instanceof URL) {
    if (!value.password) return value.href;
    const u = new URL(value.href);
    u.password = '***';
    return u.href;
  }
  if (value instanceof Date) return value;
  if (depth >= 4) return value;
  if (Array.isArray(value)) return value.map((v) => plain(v, depth + 1));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    const withJson = value as { toJSON?: () => unknown };
    if (typeof withJson.toJSON === 'function') return plain(withJson.toJSON(), depth + 1);
    if (value instanceof Map || value instanceof Set) return value;
    return String(value);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = plain(v, depth + 1);
  return out;
}

export interface LogOptions {
  level?: string;
  destination?: DestinationStream;
  name?: string;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const options: LoggerOptions = {
    name: opts.name ?? 'arbstream',
    level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
    redact: { paths: redactPaths, censor: REDACTED },
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    hooks: { streamWrite: (line: string) => scrub(line) },
    formatters: { log: (obj: Record<string, unknown>) => plain(obj) as Record<string, unknown> },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return opts.destination ? pino(options, opts.destination) : pino(options, pino.destination({ dest: 2, sync: false }));
}

/** The process logger (stderr, so that stdout stays free for CLI output and the demo table). */
export let log: Logger = createLogger();

/** Replaces the process logger (tests, or the CLI after it has read LOG_LEVEL). */
export function setLogger(l: Logger): void {
  log = l;
}

export type { Logger };
