/**
 * Errors meant for the client: `apiError` (unmasked, with `extensions.code`), and `withCode`,
 * which gives graphql-armor's and graphql's validation errors (raised without a code) one:
 * values of the wrong type or out of range (variables or literals) are BAD_USER_INPUT.
 */
import type { GraphQLError } from 'graphql';
import { createGraphQLError } from 'graphql-yoga';

/** An error meant for the client (not masked), with its code. */
export const apiError = (message: string, code: string, extra: Record<string, unknown> = {}): GraphQLError =>
  createGraphQLError(message, { extensions: { code, ...extra } });

/**
 * By name, not instanceof: under vitest our modules may load graphql's ESM build while yoga's
 * executor loads the CJS one (dual package), so errors are created with yoga's createGraphQLError
 * and recognised by name. Scalars are plain objects for the same reason.
 */
export const isGraphQLError = (e: unknown): e is GraphQLError => e instanceof Error && e.name === 'GraphQLError';

/**
 * graphql-js's messages for a value of the wrong type or range (variables and literals): bad input,
 * not a malformed operation.
 */
const BAD_VALUE = [
  /^Variable "\$[^"]+" got invalid value/,
  /^Variable "\$[^"]+" of (required|non-null) type "[^"]+" (was not provided|must not be null)/,
  /^Expected value of type "[^"]+", found /,
  /^(Int|Float|String|Boolean|ID) cannot represent /,
  /^Field "[^"]+" of required type "[^"]+" was not provided/,
  /^Field "[^"]+" is not defined by type "[^"]+Input"/,
];

/** Codes for graphql-armor's rejections (it raises plain GraphQLErrors) and graphql's value errors. */
function armorCode(message: string): string {
  if (BAD_VALUE.some((re) => re.test(message))) return 'BAD_USER_INPUT';
  if (/depth/i.test(message)) return 'QUERY_TOO_DEEP';
  if (/alias/i.test(message)) return 'TOO_MANY_ALIASES';
  if (/cost/i.test(message)) return 'QUERY_TOO_COSTLY';
  if (/token limit/i.test(message)) return 'TOO_MANY_TOKENS';
  if (/directive/i.test(message)) return 'TOO_MANY_DIRECTIVES';
  return 'GRAPHQL_VALIDATION_FAILED';
}

export const needsCode = (e: { message: string; extensions?: Record<string, unknown> }): boolean =>
  !e.extensions?.code ||
  (e.extensions.code === 'GRAPHQL_PARSE_FAILED' && /token limit/i.test(e.message)) ||
  (e.extensions.code === 'GRAPHQL_VALIDATION_FAILED' && BAD_VALUE.some((re) => re.test(e.message)));

/** The error with an `extensions.code` (armor and graphql validation errors have none; bad values get BAD_USER_INPUT). */
export const withCode = (e: Error): Error =>
  !isGraphQLError(e) || !needsCode(e) ? e : createGraphQLError(e.message, { nodes: e.nodes, source: e.source, positions: e.positions, path: e.path, extensions: { ...e.extensions, code: armorCode(e.message) } });
