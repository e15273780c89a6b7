/**
 * The per-request context every resolver receives, and argument validation (NUL bytes and lone
 * surrogates refused, then zod; errors as BAD_USER_INPUT naming the argument path).
 */
import type pg from 'pg';
import { z } from 'zod';
import type { Config } from '../config.js';
import type { Principal } from './auth.js';
import { apiError } from './errors.js';
import { assertStorableStrings } from './input.js';
import type { LiveEventsHandle } from './events.js';
import type { ExecutionSlot } from './executionSlot.js';
import type { Loaders } from './loaders.js';

/** What server.ts passes: for a graphql-ws operation its principal; for HTTP the address (the plugin authenticates). */
export interface ApiServerContext {
  principal?: Principal;
  /** the client's address (server.ts: the socket's remote address), for the per-address limits */
  remoteAddress?: string;
  /** told the principal once the HTTP guard has authenticated the request (server.ts: SSE revocation) */
  onAuthenticated?: (p: Principal) => void;
}

export interface ApiContext {
  readonly principal: Principal;
  readonly pool: pg.Pool;
  readonly live: LiveEventsHandle;
  readonly risk: Config['risk'];
  /** per-request batch loaders (./loaders.ts) */
  readonly loaders: Loaders;
  /** the execution running in this process, if any (`live.execution`; ./executionSlot.ts) */
  readonly execution: ExecutionSlot;
}

/** Resolver arguments as graphql-js hands them over (validated with `parseArgs`). */
export type Args = Record<string, unknown>;

/** Validates resolver arguments: strings PostgreSQL cannot store first (./input.ts), then `schema`. */
export function parseArgs<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  assertStorableStrings(value);
  const r = schema.safeParse(value);
  if (!r.success) throw apiError(r.error.issues.map((i) => `${i.path.join('.') || 'argument'}: ${i.message}`).join('; '), 'BAD_USER_INPUT');
  return r.data;
}

/** A page size argument: 1..max. */
export const first = (max: number) => z.number().int().min(1).max(max);
/** A pair/edge/market id argument. */
export const id = z.string().min(1).max(200);
