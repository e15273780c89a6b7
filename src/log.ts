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
