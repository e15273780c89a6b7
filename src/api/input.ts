/**
 * Hostile arguments: what PostgreSQL cannot store (NUL bytes, lone UTF-16 surrogates) is refused
 * at the door as BAD_USER_INPUT naming the argument, and what an audit row records of a request's
 * arguments is made safe to store whatever they are (`auditArgs`: NUL escaped, strings, arrays,
 * objects, depth and total size capped).
 */
import { apiError } from './errors.js';

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A string PostgreSQL refuses (text: NUL; jsonb: NUL and lone surrogates), with the reason. */
export function badString(s: string): string | undefined {
  if (s.includes('\u0000')) return 'NUL bytes (\\u0000) are not allowed';
  if (/[\uD800-\uDFFF]/.test(s) && s.replace(LONE_SURROGATE, '') !== s) return 'not valid Unicode (lone surrogate)';
  return undefined;
}

const MAX_WALK_DEPTH = 20;

/** Throws BAD_USER_INPUT when any string in `value` (keys included) is one PostgreSQL refuses. */
export function assertStorableStrings(value: unknown, path: readonly (string | number)[] = [], depth = 0): void {
  if (typeof value === 'string') {
    const why = badString(value);
    if (why) throw apiError(`${path.join('.') || 'argument'}: ${why}`, 'BAD_USER_INPUT');
    return;
  }
  if (depth > MAX_WALK_DEPTH || value === null || typeof value !== 'object' || value instanceof Date) return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => assertStorableStrings(v, [...path, i], depth + 1));
    return;
  }
  for (const [k, v] of Object.entries(value)) {
    const why = badString(k);
    if (why) throw apiError(`${[...path, '(key)'].join('.')}: ${why}`, 'BAD_USER_INPUT');
    assertStorableStrings(v, [...path, k], depth + 1);
  }
}

export interface AuditArgsLimits {
  /** longest string kept (longer: cut, with the original length) */
  readonly maxString: number;
  readonly maxItems: number;
  readonly maxDepth: number;
  /** largest JSON text stored; beyond it only a cut preview is kept */
  readonly maxBytes: number;
}
export const AUDIT_ARGS_LIMITS: AuditArgsLimits = { maxString: 500, maxItems: 50, maxDepth: 6, maxBytes: 4096 };

/** A string that jsonb stores: NUL shown as `\0`, lone surrogates as U+FFFD, cut to `max` characters. */
function safeString(s: string, max: number): string {
  const clean = s.replaceAll('\u0000', '\\0').replace(LONE_SURROGATE, '\uFFFD');
  return clean.length <= max ? clean : `${clean.slice(0, max)}…(${clean.length} chars)`;
}

function sanitize(v: unknown, lim: AuditArgsLimits, depth: number): unknown {
  if (v === null || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'string') return safeString(v, lim.maxString);
  if (typeof v === 'bigint') return safeString(v.toString(), lim.maxString);
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString();
  if (typeof v !== 'object') return v === undefined ? null : `<${typeof v}>`;
  if (depth >= lim.maxDepth) return '<too deep>';
  if (Array.isArray(v)) {
    const out: unknown[] = v.slice(0, lim.maxItems).map((x) => sanitize(x, lim, depth + 1));
    if (v.length > lim.maxItems) out.push(`…(${v.length} items)`);
    return out;
  }
  const entries = Object.entries(v as Record<string, unknown>);
  const out: Record<string, unknown> = {};
  for (const [k, x] of entries.slice(0, lim.maxItems)) if (x !== undefined) out[safeString(k, 100)] = sanitize(x, lim, depth + 1);
  if (entries.length > lim.maxItems) out['…'] = `${entries.length} keys`;
  return out;
}

/**
 * The arguments as an audit row may store them (valid jsonb, bounded): any value in, a plain
 * JSON object out. When the sanitized JSON is still over `maxBytes`, `{ truncated, bytes, preview }`.
 */
export function auditArgs(args: unknown, lim: AuditArgsLimits = AUDIT_ARGS_LIMITS): Record<string, unknown> {
  const clean = sanitize(args, lim, 0);
  const obj = clean !== null && typeof clean === 'object' && !Array.isArray(clean) ? (clean as Record<string, unknown>) : { value: clean };
  const text = JSON.stringify(obj);
  if (Buffer.byteLength(text) <= lim.maxBytes) return obj;
  return { truncated: true, bytes: Buffer.byteLength(text), preview: safeString(text.slice(0, lim.maxBytes / 2), lim.maxBytes / 2) };
}
