/**
 * Opaque keyset cursors for `Query.edges`: base64url JSON of the sort key of the last row
 * (`[orderBy, ts text, edge_id]`, plus net_edge_micros for NET_EDGE_DESC). A cursor is only
 * valid with the orderBy that produced it.
 */
import { z } from 'zod';
import { apiError } from './errors.js';

const Cursor = z.union([
  z.tuple([z.literal('TS_DESC'), z.string().max(40), z.string().max(300)]),
  z.tuple([z.literal('NET_EDGE_DESC'), z.string().max(40), z.string().max(300), z.number().int()]),
]);
export type Cursor = z.infer<typeof Cursor>;

export const encodeCursor = (v: Cursor): string => Buffer.from(JSON.stringify(v)).toString('base64url');

export function decodeCursor(s: string, orderBy: string): Cursor {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
  } catch {
    throw apiError('invalid cursor', 'BAD_USER_INPUT');
  }
  const c = Cursor.safeParse(raw);
  if (!c.success || c.data[0] !== orderBy || Number.isNaN(Date.parse(c.data[1]))) throw apiError('invalid cursor (or a cursor from another orderBy)', 'BAD_USER_INPUT');
  return c.data;
}
