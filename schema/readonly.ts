/**
 * Domain types are inferred from their zod schemas (`z.infer`) and made deeply readonly: events
 * are immutable (operators return new objects), and a readonly type keeps it so at compile time
 * without freezing anything at run time.
 */
import type { z } from 'zod';

export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly unknown[]
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T extends object
      ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
      : T;

/** The readonly output type of a schema: `type Book = Infer<typeof Book>`. */
export type Infer<S extends z.ZodType> = DeepReadonly<z.infer<S>>;
