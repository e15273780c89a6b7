/**
 * Yoga plugins, in request order: the HTTP guard (the GraphiQL page needs no token; every other
 * request to /graphql needs `Authorization: Bearer arb_…` (401 UNAUTHENTICATED), a body no larger
 * than maxBodyBytes (413) and a free slot in its token's bucket (429 RATE_LIMITED with
 * Retry-After)), then graphql-armor (depth, aliases, cost, tokens, directives; no field
 * suggestions), then error codes for the errors raised without one.
 */
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { GraphQLError } from 'graphql';
import { shouldRenderGraphiQL, type Plugin } from 'graphql-yoga';
import type pg from 'pg';
import { log } from '../log.js';
import { authenticate, bearerToken, type Principal, type RateLimiter } from './auth.js';
import type { ApiServerContext } from './context.js';
import { needsCode, withCode } from './errors.js';

export const GRAPHQL_PATH = '/graphql';

export interface ArmorLimits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
  maxTokens: number;
  maxDirectives: number;
}
export const DEFAULT_ARMOR: ArmorLimits = { maxDepth: 10, maxAliases: 10, maxCost: 5000, maxTokens: 2000, maxDirectives: 20 };

/** Gives every error that reaches a client without a code (armor's, graphql's validation) an `extensions.code`. */
export const useErrorCodes = (): Plugin => ({
  onResultProcess({ result, setResult }) {
    if (Array.isArray(result) || Symbol.asyncIterator in result) return;
    const errors = result.errors;
    if (errors?.some((e) => needsCode(e))) setResult({ ...result, errors: errors.map((e) => withCode(e as Error) as GraphQLError) });
  },
});

const json = (status: number, message: string, code: string, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });

/** Authentication, body size and rate limit for HTTP requests to /graphql. */
export function useHttpGuard(opts: { pool: pg.Pool; maxBodyBytes: number; limiter: RateLimiter; principals: WeakMap<Request, Principal> }): Plugin<ApiServerContext> {
  return {
    async onRequest({ request, url, endResponse }) {
      if (url.pathname !== GRAPHQL_PATH) return;
      if (shouldRenderGraphiQL(request) && !url.searchParams.has('query')) return; // the GraphiQL page itself
      const len = Number(request.headers.get('content-length') ?? '0');
      if (!Number.isFinite(len) || len > opts.maxBodyBytes) {
        endResponse(json(413, `request body larger than ${opts.maxBodyBytes} bytes`, 'PAYLOAD_TOO_LARGE'));
        return;
      }
      let principal: Principal | undefined;
      try {
        principal = await authenticate(opts.pool, bearerToken(request.headers.get('authorization')));
      } catch (err) {
        log.error({ err }, 'api: token lookup failed');
        endResponse(json(503, 'authentication unavailable, try again', 'SERVICE_UNAVAILABLE'));
        return;
      }
      if (!principal) {
        log.info({ path: url.pathname }, 'api: unauthenticated request refused');
        endResponse(json(401, 'missing, invalid or revoked API token (Authorization: Bearer arb_…)', 'UNAUTHENTICATED', { 'www-authenticate': 'Bearer realm="arbstream"' }));
        return;
      }
      const waitMs = opts.limiter.take(principal.tokenId);
      if (waitMs > 0) {
        log.warn({ token: principal.name }, 'api: rate limited');
        endResponse(json(429, `rate limit exceeded; retry in ${Math.ceil(waitMs / 1000)} s`, 'RATE_LIMITED', { 'retry-after': String(Math.ceil(waitMs / 1000)) }));
        return;
      }
      opts.principals.set(request, principal);
    },
  };
}

/** Two armor instances so that depth is checked before cost (a deep query reports QUERY_TOO_DEEP). */
export function armorPlugins(armor: ArmorLimits) {
  return [
    EnvelopArmorPlugin({
      maxDepth: { n: armor.maxDepth },
      maxAliases: { n: armor.maxAliases },
      costLimit: { enabled: false },
      maxTokens: { n: armor.maxTokens },
      maxDirectives: { n: armor.maxDirectives },
      blockFieldSuggestion: { enabled: true },
    }),
    EnvelopArmorPlugin({
      maxDepth: { enabled: false },
      maxAliases: { enabled: false },
      costLimit: { maxCost: armor.maxCost },
      maxTokens: { enabled: false },
      maxDirectives: { enabled: false },
      blockFieldSuggestion: { enabled: false },
    }),
  ];
}
