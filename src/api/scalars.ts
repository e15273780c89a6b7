/**
 * Custom scalars: Micros and Qty (safe integers, also accepted as digit strings), Usd (output
 * only: exact dollars from micro-dollars) and DateTime (ISO-8601 with a time zone). Plain config
 * objects rather than GraphQLScalarType instances (see isGraphQLError on the dual package).
 */
import { Kind, type ValueNode } from 'graphql';
import { formatScaled } from '../../schema/money.js';
import { apiError } from './errors.js';

interface ScalarConfig<TInternal, TExternal> {
  description?: string;
  serialize(v: unknown): TExternal;
  parseValue(v: unknown): TInternal;
  parseLiteral(ast: ValueNode): TInternal;
}

function safeIntScalar(name: string, description: string): ScalarConfig<number, number> {
  const parse = (v: unknown): number => {
    const n = typeof v === 'string' && /^-?\d{1,16}$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw apiError(`${name} must be an integer within ±(2^53 − 1), got ${JSON.stringify(v)?.slice(0, 40)}`, 'BAD_USER_INPUT');
    return n;
  };
  return {
    description,
    serialize: (v) => {
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new TypeError(`${name}: not a safe integer`);
      return v;
    },
    parseValue: parse,
    parseLiteral: (ast: ValueNode) => {
      if (ast.kind === Kind.INT || ast.kind === Kind.STRING) return parse(ast.value);
      throw apiError(`${name} must be an integer literal`, 'BAD_USER_INPUT');
    },
  };
}

const Usd: ScalarConfig<never, string> = {
  serialize: (v) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new TypeError('Usd: not integer micro-dollars');
    return formatScaled(v, 6);
  },
  parseValue: () => {
    throw apiError('Usd is output only: pass Micros', 'BAD_USER_INPUT');
  },
  parseLiteral: () => {
    throw apiError('Usd is output only: pass Micros', 'BAD_USER_INPUT');
  },
};

const toDate = (v: unknown): Date | undefined => (v instanceof Date ? v : typeof v === 'number' ? new Date(v) : undefined);

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

const daysInMonth = (y: number, m: number): number => (m === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31);

/** Strict ISO-8601: a real calendar date (no 2025-02-30 rolled into March), year 0001-9999, offset within ±23:59. */
function parseDate(v: unknown): Date {
  const m = typeof v === 'string' && v.length <= 40 ? DATE_RE.exec(v) : null;
  const [y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, oh = 0, om = 0] = (m ?? []).slice(1).map((x) => (x === undefined ? 0 : Number(x)));
  const valid = m !== null && y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo) && h <= 23 && mi <= 59 && sec <= 59 && oh <= 23 && om <= 59;
  const date = valid ? new Date(v as string) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw apiError(`DateTime must be an ISO-8601 date-time with a time zone, e.g. 2025-01-31T12:00:00Z (got ${JSON.stringify(v)?.slice(0, 40) ?? String(v)})`, 'BAD_USER_INPUT');
  return date;
}

const DateTime: ScalarConfig<Date, string> = {
  serialize: (v) => {
    const d = toDate(v);
    if (!d || Number.isNaN(d.getTime())) throw new TypeError('DateTime: not a date');
    return d.toISOString();
  },
  parseValue: (v) => parseDate(v),
  parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : undefined),
};

export const scalars = {
  Micros: safeIntScalar('Micros', 'integer micro-dollars'),
  Qty: safeIntScalar('Qty', 'integer millionths of a contract'),
  Usd,
  DateTime,
};
