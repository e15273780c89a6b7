/**
 * Exact rationals for fee rates. A rate such as "0.07" or a multiplier such as 0.5 is parsed from
 * its decimal text into a BigInt numerator/denominator, so no float ever enters a fee.
 */
import { z } from 'zod';
import { NonRetryableError } from '../errors.js';

export interface Rational {
  readonly num: bigint;
  /** always > 0 */
  readonly den: bigint;
}

export class FeeInputError extends NonRetryableError {}

const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * Parses a decimal ("0.04", "1", ".5", "2.5e-3") or a finite JS number (through its shortest
 * round-trip text, which is how JSON numbers such as `0.07` are meant) into an exact rational.
 */
export function parseRational(input: string | number): Rational {
  const text = typeof input === 'number' ? numberText(input) : input.trim();
  const m = DECIMAL.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new FeeInputError(`not a decimal number: "${text}"`, { input: text });
  const neg = m[1] === '-';
  const frac = m[3] ?? '';
  const exp = Number(m[4] ?? '0') - frac.length;
  if (Math.abs(exp) > 60) throw new FeeInputError(`exponent out of range: "${text}"`, { input: text });
  let num = BigInt((m[2] || '0') + frac);
  let den = 1n;
  if (exp >= 0) num *= 10n ** BigInt(exp);
  else den = 10n ** BigInt(-exp);
  if (neg) num = -num;
  return reduce(num, den);
}

function numberText(n: number): string {
  if (!Number.isFinite(n)) throw new FeeInputError(`not a finite number: ${String(n)}`, { input: String(n) });
  return String(n);
}

const gcd = (a: bigint, b: bigint): bigint => {
  a = a < 0n ? -a : a;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
};

export function reduce(num: bigint, den: bigint): Rational {
  if (den === 0n) throw new FeeInputError('zero denominator', { input: `${num}/0` });
  if (den < 0n) [num, den] = [-num, -den];
  const g = gcd(num, den) || 1n;
  return { num: num / g, den: den / g };
}

export const mul = (a: Rational, b: Rational): Rational => reduce(a.num * b.num, a.den * b.den);
export const isZero = (a: Rational): boolean => a.num === 0n;
export const ZERO: Rational = { num: 0n, den: 1n };
export const ONE: Rational = { num: 1n, den: 1n };

/** Canonical decimal text of a rational with a power-of-ten-friendly denominator (else num/den). */
export function rationalText(r: Rational): string {
  let d = r.den;
  let k = 0;
  while (d % 10n === 0n) {
    d /= 10n;
    k++;
  }
  let pow2 = 0;
  let pow5 = 0;
  while (d % 2n === 0n) {
    d /= 2n;
    pow2++;
  }
  while (d % 5n === 0n) {
    d /= 5n;
    pow5++;
  }
  if (d !== 1n) return `${r.num}/${r.den}`;
  const scale = k + Math.max(pow2, pow5);
  const n = r.num * 10n ** BigInt(scale) / r.den;
  const neg = n < 0n;
  const s = (neg ? -n : n).toString().padStart(scale + 1, '0');
  const body = scale === 0 ? s : `${s.slice(0, -scale)}.${s.slice(-scale)}`;
  return `${neg ? '-' : ''}${body}`;
}

/** zod: a non-negative decimal rate as text or JSON number, kept as canonical decimal text. */
export const zRate = z.union([z.string(), z.number()]).transform((v, ctx) => {
  try {
    const r = parseRational(v);
    if (r.num < 0n) {
      ctx.addIssue({ code: 'custom', message: `rate must be >= 0, got ${String(v)}` });
      return z.NEVER;
    }
    return rationalText(r);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});
