/**
 * Table columns derived from a domain shape's zod schema, so a new field needs no hand-written
 * mapping: every top-level field of the schema is a column named by convention
 * (camelCase → snake_case) unless the spec says where else it goes.
 *
 *   field kind (optional/nullable/default unwrapped)  → column value
 *   number described 'unix ms' (schema/book.ts UnixMs) → Date (timestamptz)
 *   object, tuple, array of objects, record           → JSON text (jsonb)
 *   array of primitives                               → the array (text[] etc.)
 *   anything else                                     → the value; undefined → NULL
 *
 * Adding a field to e.g. `Edge` therefore adds the column `snake(field)` to the sink's column
 * list; the migration must add it, and tests/schema/columns.int.spec.ts fails until it does.
 */
import { z } from 'zod';
import type { DeepReadonly } from '../../schema/readonly.js';

/** camelCase → snake_case (`netEdgeMicros` → `net_edge_micros`). */
export const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

type Kind = 'time' | 'json' | 'array' | 'plain';

function unwrap(s: z.ZodType): z.ZodType {
  let cur = s;
  for (;;) {
    if (cur instanceof z.ZodOptional || cur instanceof z.ZodNullable || cur instanceof z.ZodDefault || cur instanceof z.ZodReadonly) cur = cur.unwrap() as z.ZodType;
    else if (cur instanceof z.ZodPipe) cur = cur.in as z.ZodType;
    else return cur;
  }
}

/** How a field of this schema is stored (see the table in the module doc). */
export function columnKind(s: z.ZodType): Kind {
  const described = (x: z.ZodType): boolean => x.description === 'unix ms';
  const inner = unwrap(s);
  if (described(s) || described(inner)) return 'time';
  if (inner instanceof z.ZodObject || inner instanceof z.ZodTuple || inner instanceof z.ZodRecord) return 'json';
  if (inner instanceof z.ZodArray) {
    const el = unwrap(inner.element as z.ZodType);
    return el instanceof z.ZodObject || el instanceof z.ZodTuple || el instanceof z.ZodArray || el instanceof z.ZodRecord ? 'json' : 'array';
  }
  return 'plain';
}

function toValue(kind: Kind, v: unknown): unknown {
  if (v === undefined || v === null) return null;
  switch (kind) {
    case 'time':
      return new Date(v as number);
    case 'json':
      return JSON.stringify(v);
    case 'array':
    case 'plain':
      return v;
  }
}

/** One row value computed from the whole record (and the stream entry id). */
export type ColumnFn<T> = (value: T, entryId: string) => unknown;

export interface RowSpec<S extends z.ZodObject, T = DeepReadonly<z.output<S>>> {
  readonly schema: S;
  /**
   * Columns that are not "one field, by convention": computed (e.g. `ts`), renamed, legs by
   * position, or a jsonb column grouping several fields. Written first, in this order.
   */
  readonly derived?: Readonly<Record<string, ColumnFn<T>>>;
  /**
   * Fields NOT stored as their own column: the derived column that carries them, or `false`
   * with the reason (not persisted). Every other field is a column by convention.
   */
  readonly fields?: { readonly [K in keyof T]?: string | { readonly notStored: string } };
}

export interface RowMapper<T> {
  /** every column written, in row order */
  readonly columns: readonly string[];
  /** fields of the schema and where they went (column name, or why not stored) */
  readonly fieldColumns: Readonly<Record<string, string>>;
  toRow(value: T, entryId: string): unknown[];
}

/** The column list and row function of a schema (see the module doc). Throws on a spec naming an unknown column or field. */
export function rowMapper<S extends z.ZodObject>(spec: RowSpec<S>): RowMapper<DeepReadonly<z.output<S>>> {
  type T = DeepReadonly<z.output<S>>;
  const derived = Object.entries(spec.derived ?? {}) as [string, ColumnFn<T>][];
  const derivedNames = new Set(derived.map(([c]) => c));
  const shape = spec.schema.shape as Record<string, z.ZodType>;
  const fieldSpec = (spec.fields ?? {}) as Record<string, string | { notStored: string } | undefined>;
  for (const f of Object.keys(fieldSpec)) if (!(f in shape)) throw new Error(`rowMapper: "${f}" is not a field of the schema`);
  const conventional: { field: string; column: string; kind: Kind }[] = [];
  const fieldColumns: Record<string, string> = {};
  for (const [field, s] of Object.entries(shape)) {
    const where = fieldSpec[field];
    if (typeof where === 'string') {
      if (!derivedNames.has(where)) throw new Error(`rowMapper: field "${field}" goes to "${where}", which is not a derived column`);
      fieldColumns[field] = where;
    } else if (where) fieldColumns[field] = `(not stored: ${where.notStored})`;
    else {
      const column = snake(field);
      if (derivedNames.has(column)) throw new Error(`rowMapper: column "${column}" is both derived and the convention column of "${field}"; map the field to it`);
      conventional.push({ field, column, kind: columnKind(s) });
      fieldColumns[field] = column;
    }
  }
  const columns = [...derived.map(([c]) => c), ...conventional.map((c) => c.column)];
  if (new Set(columns).size !== columns.length) throw new Error(`rowMapper: duplicate columns in ${columns.join(', ')}`);
  return {
    columns,
    fieldColumns,
    toRow: (value, entryId) => {
      const row: unknown[] = [];
      for (const [, fn] of derived) row.push(fn(value, entryId));
      const rec = value as Record<string, unknown>;
      for (const c of conventional) row.push(toValue(c.kind, rec[c.field]));
      return row;
    },
  };
}
