/**
 * Bounds on untrusted venue frames, checked BEFORE any recursive or super-linear work.
 *
 * `JSON.parse` itself is linear, but what follows it is not always: a 5,000-deep array makes
 * any recursive walk (zod, `JSON.stringify` in an error path, a logger) overflow the stack, and a
 * 9,000,000-digit number makes `BigInt` (exact money parsing) quadratic. {@link prescanJson} is one
 * linear pass over the raw text that rejects such frames first, so every later step works on input
 * of bounded depth and bounded number length. The limits are generous for real frames (Polymarket
 * initial dumps of hundreds of KB with thousands of levels, nesting depth 4 to 5).
 *
 * {@link boundedJson} renders a decoded value for a log line without ever walking more than
 * {@link MAX_JSON_DEPTH} levels or producing more than a given number of characters.
 */

/** Largest frame decoded, in UTF-16 code units of its text (ws also refuses frames above {@link MAX_FRAME_BYTES}). */
export const MAX_FRAME_CHARS = 8_000_000;
/** ws `maxPayload`: a frame larger than this closes the connection (1009) before it is buffered whole. */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** Deepest nesting of arrays/objects accepted (real frames: 4 to 5). */
export const MAX_JSON_DEPTH = 32;
/** Longest bare JSON number literal accepted, sign/fraction/exponent included (a unix-ms timestamp is 13). */
export const MAX_NUMBER_CHARS = 40;

export type PrescanResult = { readonly ok: true } | { readonly ok: false; readonly reason: string };

const OK: PrescanResult = Object.freeze({ ok: true });

/**
 * One linear pass over `text`: length, nesting depth and number-literal length. It does not
 * validate JSON (JSON.parse does that next); it only guarantees that what JSON.parse accepts is
 * shallow and has short numbers. Strings are skipped (escapes honoured), so brackets or digits
 * inside strings do not count.
 */
export function prescanJson(text: string): PrescanResult {
  const n = text.length;
  if (n > MAX_FRAME_CHARS) return { ok: false, reason: `frame too large: ${n} chars > ${MAX_FRAME_CHARS}` };
  let depth = 0;
  let numLen = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      numLen = 0;
      // skip the string; an unterminated one is JSON.parse's problem
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i++;
        else if (d === 0x22) break;
      }
      continue;
    }
    if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      numLen = 0;
      if (++depth > MAX_JSON_DEPTH) return { ok: false, reason: `nesting deeper than ${MAX_JSON_DEPTH}` };
      continue;
    }
    if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      numLen = 0;
      depth--;
      continue;
    }
    // number characters: digits . - + e E
    if ((c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x2d || c === 0x2b || c === 0x65 || c === 0x45) {
      if (++numLen > MAX_NUMBER_CHARS) return { ok: false, reason: `number literal longer than ${MAX_NUMBER_CHARS} chars` };
      continue;
    }
    numLen = 0;
  }
  return OK;
}

/**
 * JSON text of `value` for a log line: at most `maxChars` characters (then `…`), never deeper than
 * {@link MAX_JSON_DEPTH} (deeper parts become `"[…]"`). Never throws (cycles, BigInt, getters that
 * throw all render as placeholders).
 */
export function boundedJson(value: unknown, maxChars = 512): string {
  const out: string[] = [];
  let len = 0;
  const push = (s: string): boolean => {
    if (len >= maxChars) return false;
    out.push(s);
    len += s.length;
    return len < maxChars;
  };
  const seen = new Set<object>();
  const walk = (v: unknown, depth: number): boolean => {
    if (v === null || typeof v === 'boolean' || typeof v === 'number') return push(typeof v === 'number' && !Number.isFinite(v) ? 'null' : String(v));
    if (typeof v === 'string') return push(JSON.stringify(v.length > maxChars ? v.slice(0, maxChars) : v));
    if (typeof v !== 'object') return push(JSON.stringify(String(v)));
    if (depth >= MAX_JSON_DEPTH || seen.has(v)) return push('"[…]"');
    seen.add(v);
    try {
      if (Array.isArray(v)) {
        if (!push('[')) return false;
        for (let i = 0; i < v.length; i++) if ((i > 0 && !push(',')) || !walk(v[i], depth + 1)) return false;
        return push(']');
      }
      if (!push('{')) return false;
      let first = true;
      for (const k of Object.keys(v)) {
        if ((!first && !push(',')) || !push(JSON.stringify(k.length > maxChars ? k.slice(0, maxChars) : k) + ':')) return false;
        first = false;
        if (!walk((v as Record<string, unknown>)[k], depth + 1)) return false;
      }
      return push('}');
    } catch {
      return push('"[unreadable]"');
    } finally {
      seen.delete(v);
    }
  };
  walk(value, 0);
  const s = out.join('');
  return s.length > maxChars ? `${s.slice(0, maxChars)}…` : len >= maxChars ? `${s}…` : s;
}
