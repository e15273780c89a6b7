/**
 * Formatting and escaping for the HTML backtest report. Pure, no I/O.
 *
 * Money arrives as integer micro-dollars and is formatted one integer at a time with integer
 * arithmetic (no float sums, no `micros / 1e6` rounding drift): `$1,234.57`, `-$0.40`.
 * Per-contract amounts (edges, slippage) read better in cents: `2.34¢`.
 */
import { NonRetryableError } from '../../errors.js';

const MICROS_PER_CENT = 10_000;

function assertSafeInteger(micros: number, what: string): void {
  if (!Number.isSafeInteger(micros)) throw new NonRetryableError(`${what} is not an integer number of micro-dollars: ${micros}`, { micros });
}

/** Integer division rounding half away from zero, for non-negative `n` and positive `d`. */
function divRound(n: number, d: number): number {
  const q = Math.floor(n / d);
  return n - q * d >= d - (n - q * d) ? q + 1 : q;
}

const group = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** Dollars and cents from integer micro-dollars, rounded half away from zero to the cent: `-$1,234.57`. */
export function usd(micros: number): string {
  assertSafeInteger(micros, 'amount');
  const cents = divRound(Math.abs(micros), MICROS_PER_CENT);
  const sign = micros < 0 && cents > 0 ? '-' : '';
  return `${sign}$${group(Math.floor(cents / 100))}.${String(cents % 100).padStart(2, '0')}`;
}

/**
 * Cents with two decimals from micro-dollars (per-contract amounts): `2.34¢`. Accepts a
 * non-integer (a mean over trades): it is rounded to whole micro-dollars first.
 */
export function cents(micros: number): string {
  const m = Math.round(micros);
  assertSafeInteger(m, 'amount');
  const hundredths = divRound(Math.abs(m), 100);
  const sign = m < 0 && hundredths > 0 ? '-' : '';
  return `${sign}${Math.floor(hundredths / 100)}.${String(hundredths % 100).padStart(2, '0')}¢`;
}

/** A ratio (Sharpe, Sortino) with two decimals, or "n/a" when undefined. */
export const ratio = (x: number | null): string => (x === null || !Number.isFinite(x) ? 'n/a' : x.toFixed(2));

/** A share 0..1 as a percentage with one decimal, or "n/a". */
export const pct = (x: number | null): string => (x === null || !Number.isFinite(x) ? 'n/a' : `${(x * 100).toFixed(1)}%`);

/** Nullable per-contract amount in cents, or "n/a". */
export const centsOrNa = (micros: number | null): string => (micros === null ? 'n/a' : cents(micros));

/** Unix ms as `2026-11-27 14:05:00 UTC` (always UTC: the report never depends on the reader's zone). */
export function utc(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return `invalid time (${ms})`;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Unix ms as `2026-11-27 14:05` (UTC, to the minute: for compact table cells under a "(UTC)" heading). */
export const utcMinute = (ms: number): string => utc(ms).slice(0, 16);

/** A duration in ms as `2d 3h 5m`, `45m 10s`, `850ms`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = Math.floor(ms / 1000);
  const parts: [number, string][] = [
    [Math.floor(s / 86_400), 'd'],
    [Math.floor((s % 86_400) / 3600), 'h'],
    [Math.floor((s % 3600) / 60), 'm'],
    [s % 60, 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  return parts
    .slice(first, first + 3)
    .filter(([n]) => n > 0)
    .map(([n, u]) => `${n}${u}`)
    .join(' ');
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an HTML text node or a quoted attribute value. */
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

/**
 * JSON safe to embed in `<script type="application/json">`: every `<`, `>` and `&` becomes a
 * `\u00XX` escape, so no `</script`, `<!--` or `-->` can appear in the element's text whatever a
 * market title holds; U+2028/U+2029 are escaped too. `JSON.parse` of the text gives the value back.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
