/**
 * Structured logging (pino). Two layers keep secrets out of every line:
 *  1. `redact` paths for fields that hold secrets by name (apiKey, token, privateKey, password, ...);
 *  2. value scrubbing: every secret value registered with {@link registerSecret} (the config does
 *     this for each secret it loads) is replaced in the serialized line, so a secret that leaks into
 *     an error message, a URL or a raw frame is still never written.
 * Style: `log.error({ err, venue }, 'message')`, never `log.error('message', err)` (pino #190).
 */
import { pino, type Logger, type DestinationStream, type LoggerOptions } from 'pino';
import { createRequire } from 'node:module';
import type PinoPretty from 'pino-pretty';

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
  /** 'pretty' (pino-pretty, human-readable) or 'json' (one JSON object a line). Default {@link bootLogFormat}(). Ignored with `destination`. */
  format?: 'pretty' | 'json';
}

export const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;

/** pino-pretty, loaded only when wanted (an image installed without it falls back to JSON lines). */
function loadPinoPretty(): typeof PinoPretty | undefined {
  try {
    return createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  } catch {
    return undefined;
  }
}

/**
 * The process logger's format: LOG_FORMAT=pretty|json wins; otherwise (`auto`, unset or invalid:
 * loadConfig() reports an invalid value) human-readable when stderr (where logs go) is a
 * terminal, JSON lines otherwise (pipes, files, containers, log collectors).
 */
export function bootLogFormat(env: NodeJS.ProcessEnv = process.env, isTTY: boolean = process.stderr.isTTY === true): 'pretty' | 'json' {
  const v = env.LOG_FORMAT;
  if (v === 'pretty' || v === 'json') return v;
  return isTTY ? 'pretty' : 'json';
}

/** The levels LOG_LEVEL may name (pino's). The config validates LOG_LEVEL against the same list. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const isLogLevel = (v: unknown): v is LogLevel => typeof v === 'string' && (LOG_LEVELS as readonly string[]).includes(v);

/**
 * The level the process logger starts with. The logger exists before the config is parsed, so an
 * invalid LOG_LEVEL (e.g. `verbose`) must not throw here (pino would, at import time, with a stack
 * trace): the logger starts at `info` and loadConfig() reports LOG_LEVEL as a config error (exit 78).
 */
export function bootLogLevel(env: NodeJS.ProcessEnv = process.env): LogLevel {
  const v = env.LOG_LEVEL;
  return isLogLevel(v) ? v : 'info';
}

/** A log line longer than this (a hostile value that slipped past every field cap) is replaced by a bounded summary. */
export const MAX_LOG_LINE_CHARS = 16 * 1024;
/** Raw venue input in a log line is cut to this many bytes, with the original length noted. */
export const RAW_LOG_BYTES = 512;

/**
 * Raw input as logged: at most {@link RAW_LOG_BYTES} bytes of UTF-8, then `…(N chars)` with the
 * original length. Use for every raw frame, body or value from outside the process.
 */
export function capRaw(s: string, maxBytes = RAW_LOG_BYTES): string {
  if (s.length <= maxBytes / 3) return s; // fits whatever the encoding
  const head = s.slice(0, maxBytes);
  if (head.length === s.length && Buffer.byteLength(s) <= maxBytes) return s;
  // cut at a character boundary: back off over UTF-8 continuation bytes (10xxxxxx)
  const buf = Buffer.from(head, 'utf8');
  let end = Math.min(maxBytes, buf.length);
  if (end < buf.length) while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  const cut = buf.subarray(0, end).toString('utf8');
  return `${cut}…(${s.length} chars)`;
}

/** Bounds one serialized line (after scrubbing): a line over the limit becomes a short JSON line with its head. */
export function capLine(line: string, max = MAX_LOG_LINE_CHARS): string {
  if (line.length <= max) return line;
  const level = Number(/^\{"level":(\d+)/.exec(line)?.[1] ?? 40);
  const msg = /"msg":"((?:[^"\\]|\\.){0,200})"\}?\n?$/.exec(line.slice(-400))?.[1];
  return JSON.stringify({ level, time: new Date().toISOString(), msg: 'log line truncated', originalMsg: msg, originalChars: line.length, head: line.slice(0, 2048) }) + '\n';
}

export function createLogger(opts: LogOptions = {}): Logger {
  const options: LoggerOptions = {
    name: opts.name ?? 'arbstream',
    level: opts.level ?? bootLogLevel(),
    redact: { paths: redactPaths, censor: REDACTED },
    serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    hooks: { streamWrite: (line: string) => capLine(scrub(line)) },
    formatters: { log: (obj: Record<string, unknown>) => plain(obj) as Record<string, unknown> },
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (opts.destination) return pino(options, opts.destination);
  const pretty = (opts.format ?? bootLogFormat()) === 'pretty' ? loadPinoPretty() : undefined;
  if (pretty) {
    // in process and synchronous (no worker thread): lines are scrubbed and capped before pino-pretty sees them
    return pino(options, pretty({ destination: 2, sync: true, colorize: process.stderr.isTTY === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name' }));
  }
  return pino(options, pino.destination({ dest: 2, sync: false }));
}

/** The process logger (stderr, so that stdout stays free for CLI output and the demo table). */
export let log: Logger = createLogger();

/** Replaces the process logger (tests, or the CLI after it has read LOG_LEVEL). */
export function setLogger(l: Logger): void {
  log = l;
}

export interface LogLimiterOptions {
  /** lines logged per key per interval before suppression. Default 10. */
  readonly max?: number;
  /** interval, ms. Default 10_000. */
  readonly intervalMs?: number;
  /** keys tracked at once (keys are code constants; the cap only guards against misuse). Default 1000. */
  readonly maxKeys?: number;
  readonly now?: () => number;
  /** the logger to write to; default: the process logger at call time */
  readonly logger?: () => Logger;
}

type LimitedLevel = 'warn' | 'info' | 'error' | 'debug';

/**
 * Rate limit for repeated log lines: per key, the first `max` lines of each interval are written,
 * the rest are counted and summarised in ONE line (`suppressed K similar warnings`) when the
 * interval ends. Keys name the kind of line ('polymarket frame rejected'), never input.
 */
export interface LogLimiter {
  log(level: LimitedLevel, key: string, obj: Record<string, unknown>, msg: string): void;
  warn(key: string, obj: Record<string, unknown>, msg: string): void;
  /** writes the pending summaries now (shutdown, tests) */
  flush(): void;
  /** lines suppressed so far, all keys */
  readonly suppressedTotal: number;
}

export function createLogLimiter(opts: LogLimiterOptions = {}): LogLimiter {
  const max = opts.max ?? 10;
  const intervalMs = opts.intervalMs ?? 10_000;
  const maxKeys = opts.maxKeys ?? 1000;
  const now = opts.now ?? Date.now;
  const out = opts.logger ?? (() => log);
  interface Slot { start: number; count: number; suppressed: number; level: LimitedLevel; msg: string; timer?: NodeJS.Timeout }
  const slots = new Map<string, Slot>();
  let suppressedTotal = 0;
  const summarise = (key: string, s: Slot): void => {
    clearTimeout(s.timer);
    s.timer = undefined;
    if (s.suppressed > 0) {
      out()[s.level]({ key, suppressed: s.suppressed, intervalMs }, `suppressed ${s.suppressed} similar warnings: ${s.msg}`);
      s.suppressed = 0;
    }
  };
  const limiter: LogLimiter = {
    log(level, key, obj, msg) {
      const t = now();
      let s = slots.get(key);
      if (s && t - s.start >= intervalMs) {
        summarise(key, s);
        s.start = t;
        s.count = 0;
      }
      if (!s) {
        if (slots.size >= maxKeys) {
          // forget the oldest key (its pending summary is written first)
          const [oldKey, old] = slots.entries().next().value as [string, Slot];
          summarise(oldKey, old);
          slots.delete(oldKey);
        }
        s = { start: t, count: 0, suppressed: 0, level, msg };
        slots.set(key, s);
      }
      if (s.count < max) {
        s.count++;
        out()[level](obj, msg);
        return;
      }
      s.suppressed++;
      suppressedTotal++;
      if (!s.timer) {
        const slot = s;
        slot.level = level;
        slot.msg = msg;
        slot.timer = setTimeout(() => summarise(key, slot), Math.max(1, slot.start + intervalMs - t));
        slot.timer.unref?.();
      }
    },
    warn(key, obj, msg) {
      limiter.log('warn', key, obj, msg);
    },
    flush() {
      for (const [k, s] of slots) summarise(k, s);
    },
    get suppressedTotal() {
      return suppressedTotal;
    },
  };
  return limiter;
}

/** The process-wide limiter for warnings about untrusted input (bad frames, rejected responses). */
export const limitedLog: LogLimiter = createLogLimiter();

export type { Logger };
