/**
 * Opaque keyset cursors for `Query.edges`: base64url JSON of the sort key of the last row
 * (`[orderBy, ts text, edge_id]`, plus net_edge_micros for NET_EDGE_DESC). A cursor is only
 * valid with the orderBy that produced it. Decoding is strict (the exact timestamp text the
 * repository produces, an edge id PostgreSQL can compare, a safe integer) so that a forged cursor
 * is BAD_USER_INPUT, never a database error.
 */
import { z } from 'zod';
import { apiError } from './errors.js';
import { badString } from './input.js';

/** The text `to_char(ts, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` gives (src/store/repos/edges.ts). */
const TsText = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/)
  .refine((s) => {
    const d = new Date(s);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 19) === s.slice(0, 19);
  });
const EdgeId = z.string().min(1).max(300).refine((s) => badString(s) === undefined);

const Cursor = z.union([
  z.tuple([z.literal('TS_DESC'), TsText, EdgeId]),
  z.tuple([z.literal('NET_EDGE_DESC'), TsText, EdgeId, z.number().int().refine(Number.isSafeInteger)]),
]);
export type Cursor = z.infer<typeof Cursor>;

export const encodeCursor = (v: Cursor): string => Buffer.from(JSON.stringify(v)).toString('base64url');

export function decodeCursor(s: string, orderBy: string): Cursor {
  if (!/^[A-Za-z0-9_-]{1,1000}$/.test(s)) throw apiError('invalid cursor (not a cursor this API returned)', 'BAD_USER_INPUT');
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
  } catch {
    throw apiError('invalid cursor (not a cursor this API returned)', 'BAD_USER_INPUT');
  }
  const c = Cursor.safeParse(raw);
  if (!c.success) throw apiError('invalid cursor (not a cursor this API returned)', 'BAD_USER_INPUT');
  if (c.data[0] !== orderBy) throw apiError(`invalid cursor: it comes from orderBy ${c.data[0]}, not ${orderBy}`, 'BAD_USER_INPUT');
  return c.data;
}
