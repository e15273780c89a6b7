/**
 * Yoga plugins, in request order: the HTTP guard (the GraphiQL page needs no token; every other
 * request to /graphql needs a body no larger than maxBodyBytes (413), a client address not over its
 * limit of requests without a valid token (429 RATE_LIMITED with Retry-After, checked BEFORE any
 * token lookup: ./addressLimit.ts), `Authorization: Bearer arb_…` (401 UNAUTHENTICATED) and a free
 * slot in its token's bucket (429 RATE_LIMITED with Retry-After)), then graphql-armor (depth, aliases, cost, tokens, directives; no field
 * suggestions), then error codes for the errors raised without one.
 */
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import type { GraphQLError } from 'graphql';
import { shouldRenderGraphiQL, type Plugin } from 'graphql-yoga';
import type pg from 'pg';
import { log } from '../log.js';
import { type AddressLimiter, retryAfterSeconds } from './addressLimit.js';
import { authenticate, bearerToken, isWellFormedToken, type Principal, type RateLimiter } from './auth.js';
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

export interface HttpGuardOptions {
  readonly pool: pg.Pool;
  readonly maxBodyBytes: number;
  /** per token, once authenticated */
  readonly limiter: RateLimiter;
  /** per client address, before any token lookup (./addressLimit.ts) */
  readonly addresses: AddressLimiter;
  readonly principals: WeakMap<Request, Principal>;
}

const rateLimited = (waitMs: number, what: string): Response => {
  const s = retryAfterSeconds(waitMs);
  return json(429, `${what}; retry in ${s} s`, 'RATE_LIMITED', { 'retry-after': String(s) });
};

/**
 * Content-Security-Policy of the GraphiQL page (an HTML response on /graphql): its inline script
 * by hash, Monaco workers from blob:, requests to this origin only. `csp()` is undefined until the
 * page has been rendered once.
 */
export const useGraphiqlCsp = (csp: () => string | undefined): Plugin => ({
  onResponse({ request, response }) {
    if (new URL(request.url).pathname !== GRAPHQL_PATH) return;
    if (!response.headers.get('content-type')?.startsWith('text/html')) return;
    const policy = csp();
    if (policy) response.headers.set('content-security-policy', policy);
    response.headers.set('cache-control', 'no-store');
  },
});

/** Authentication, body size and rate limits for HTTP requests to /graphql. */
export function useHttpGuard(opts: HttpGuardOptions): Plugin<ApiServerContext> {
  return {
    async onRequest({ request, url, endResponse, serverContext }) {
      if (url.pathname !== GRAPHQL_PATH) return;
      if (shouldRenderGraphiQL(request) && !url.searchParams.has('query')) return; // the GraphiQL page itself
      const len = Number(request.headers.get('content-length') ?? '0');
      if (!Number.isFinite(len) || len > opts.maxBodyBytes) {
        endResponse(json(413, `request body larger than ${opts.maxBodyBytes} bytes`, 'PAYLOAD_TOO_LARGE'));
        return;
      }
      const address = (serverContext as ApiServerContext | undefined)?.remoteAddress;
      const token = bearerToken(request.headers.get('authorization'));
      const lookup = isWellFormedToken(token);
      // per address, before any database work: a flood of bad tokens costs no lookups
      const blockedMs = opts.addresses.wait(address, lookup);
      if (blockedMs > 0) {
        log.warn({ remote: address, lookup }, 'api: unauthenticated requests rate limited (no token lookup)');
        endResponse(rateLimited(blockedMs, 'too many requests without a valid token from this address'));
        return;
      }
      let principal: Principal | undefined;
      try {
        principal = lookup ? await authenticate(opts.pool, token) : undefined;
      } catch (err) {
        log.error({ err }, 'api: token lookup failed');
        endResponse(json(503, 'authentication unavailable, try again', 'SERVICE_UNAVAILABLE'));
        return;
      }
      if (!principal) {
        opts.addresses.refused(address, lookup);
        log.info({ path: url.pathname, remote: address }, 'api: unauthenticated request refused');
        endResponse(json(401, 'missing, invalid or revoked API token (Authorization: Bearer arb_…)', 'UNAUTHENTICATED', { 'www-authenticate': 'Bearer realm="arbstream"' }));
        return;
      }
      const waitMs = opts.limiter.take(principal.tokenId);
      if (waitMs > 0) {
        log.warn({ token: principal.name }, 'api: rate limited');
        endResponse(rateLimited(waitMs, 'rate limit exceeded'));
        return;
      }
      opts.principals.set(request, principal);
      (serverContext as ApiServerContext | undefined)?.onAuthenticated?.(principal);
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
