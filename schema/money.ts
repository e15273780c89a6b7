/**
 * Exact money. Prices and cash are integer micro-dollars (1e-6 USD); share and contract
 * quantities are integer millionths (1e-6 of a share/contract). Never floats for money:
 * parse decimal strings digit by digit, multiply through BigInt, round explicitly.
 */
import { z } from 'zod';

export const SCALE = 1_000_000;
const SCALE_N = 1_000_000n;

/** Integer micro-dollars (1e-6 USD). */
export type Micros = number;
/** Integer millionths of a share or contract. */
export type Qty = number;

export type Rounding = 'floor' | 'ceil' | 'half-up' | 'exact';

export class MoneyError extends Error {
  readonly kind = 'NonRetryable' as const;
  constructor(message: string, readonly info: { input: string }) {
    super(message);
    this.name = 'MoneyError';
  }
}

const DECIMAL = /^(-)?(\d*)(?:\.(\d*))?$/;

/**
 * Parses a decimal string ("0.456", ".48", "13.00", "219.217767") to an integer in units of 1e-6.
 * More than 6 decimals: rounded with `rounding` ('exact' throws).
 */
export function parseScaled(input: string, rounding: Rounding = 'exact'): number {
  const m = DECIMAL.exec(input.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new MoneyError(`not a decimal number: "${input}"`, { input });
  const neg = m[1] === '-';
  const whole = BigInt(m[2] || '0');
  const frac = m[3] ?? '';
  let v = whole * SCALE_N + BigInt((frac + '000000').slice(0, 6));
  const rest = frac.slice(6);
  if (rest && /[1-9]/.test(rest)) {
    if (rounding === 'exact') throw new MoneyError(`more than 6 decimals: "${input}"`, { input });
    const up = rounding === 'ceil' ? !neg : rounding === 'floor' ? neg : rest[0]! >= '5';
    if (up) v += 1n;
  }
  const out = Number(neg ? -v : v);
  if (!Number.isSafeInteger(out)) throw new MoneyError(`out of range: "${input}"`, { input });
  return out;
}

/** Decimal string of a 1e-6 scaled integer, trailing zeros trimmed to `minDecimals`. */
export function formatScaled(v: number, minDecimals = 2): string {
  const neg = v < 0;
  const a = BigInt(Math.abs(v));
  let frac = (a % SCALE_N).toString().padStart(6, '0');
  while (frac.length > minDecimals && frac.endsWith('0')) frac = frac.slice(0, -1);
  return `${neg ? '-' : ''}${a / SCALE_N}${frac ? '.' + frac : ''}`;
}

/** Divides a BigInt by a positive BigInt with explicit rounding. */
export function divRound(n: bigint, d: bigint, rounding: Exclude<Rounding, 'exact'>): bigint {
  const q = n / d;
  const r = n % d;
  if (r === 0n) return q;
  const neg = n < 0n !== d < 0n;
  switch (rounding) {
    case 'floor':
      return neg ? q - 1n : q;
    case 'ceil':
      return neg ? q : q + 1n;
    case 'half-up': {
      const twice = (r < 0n ? -r : r) * 2n;
      const dd = d < 0n ? -d : d;
      return twice >= dd ? (neg ? q - 1n : q + 1n) : q;
    }
  }
}

/** Cash (micro-dollars) of `qty` millionths at `price` micro-dollars, rounded as asked. */
export function notional(price: Micros, qty: Qty, rounding: Exclude<Rounding, 'exact'> = 'half-up'): Micros {
  return Number(divRound(BigInt(price) * BigInt(qty), SCALE_N, rounding));
}

/** Rounds a micro-dollar amount to a multiple of `step` micro-dollars (e.g. 10_000 = one cent). */
export function roundTo(v: Micros, step: number, rounding: Exclude<Rounding, 'exact'>): Micros {
  return Number(divRound(BigInt(v), BigInt(step), rounding) * BigInt(step));
}

export const ONE_DOLLAR: Micros = SCALE;
export const CENT: Micros = 10_000;

/** zod: a decimal string on the wire, parsed to 1e-6 units (exact). */
export const zScaled = z.string().transform((s, ctx) => {
  try {
    return parseScaled(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});
/** zod: a price in (0, 1] dollars on the wire, parsed to micro-dollars. */
export const zPrice = zScaled.refine((v) => v >= 0 && v <= SCALE, 'price must be between 0 and 1 dollar');
