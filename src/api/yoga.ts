/**
 * The GraphQL server (graphql-yoga 5): schema from schema/api.graphql, resolvers (./resolvers/)
 * on the database and the live events, auth and hardening (./plugins.ts). `createApi(...)` builds
 * it; src/api/server.ts listens (HTTP + graphql-ws); tests call `yoga.fetch`.
 *
 * Masked errors: only errors we raise on purpose (./errors.ts `apiError`) reach the client, each
 * with `extensions.code`; anything else becomes "Unexpected error." and is logged here with its stack.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { ValidationRule } from 'graphql';
import { createGraphQLError, createSchema, createYoga, maskError, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type pg from 'pg';
import type { Config } from '../config.js';
import { log } from '../log.js';
import { type AddressLimiter, createAddressLimiter } from './addressLimit.js';
import { createRateLimiter, type Principal, type RateLimiter } from './auth.js';
import type { ApiContext, ApiServerContext } from './context.js';
import { apiError, isGraphQLError } from './errors.js';
import { createLoaders } from './loaders.js';
import { useRefusedMutationAudit } from './mutationAudit.js';
import type { LiveEventsHandle } from './events.js';
import { type ArmorLimits, armorPlugins, DEFAULT_ARMOR, GRAPHQL_PATH, useErrorCodes, useGraphiqlCsp, useHttpGuard } from './plugins.js';
import { Mutation } from './resolvers/mutation.js';
import { Query } from './resolvers/query.js';
import { Subscription } from './resolvers/subscription.js';
import { Edge, Execution, Market, Pair, PairLeg } from './resolvers/types.js';
import { scalars } from './scalars.js';

export type { ApiContext, ApiServerContext } from './context.js';
export { apiError, isGraphQLError, withCode } from './errors.js';
export { type ArmorLimits, DEFAULT_ARMOR, GRAPHQL_PATH } from './plugins.js';

export const SDL_PATH = new URL('../../schema/api.graphql', import.meta.url);
export const typeDefs = readFileSync(SDL_PATH, 'utf8');

export interface CreateApiOptions {
  readonly config: Pick<Config, 'api' | 'risk'>;
  readonly pool: pg.Pool;
  readonly live: LiveEventsHandle;
  /** Shared with the websocket path (server.ts) so that one token has one bucket. */
  readonly limiter?: RateLimiter;
  /** Per-address limits of requests without a valid token; shared with the websocket path too. */
  readonly addresses?: AddressLimiter;
  /** Armor limits (defaults in plugins.ts). */
  readonly limits?: Partial<ArmorLimits>;
}

export type ApiYoga = YogaServerInstance<ApiServerContext, ApiContext>;

export const resolvers = () => ({ ...scalars, Query, Mutation, Subscription, Edge, Pair, PairLeg, Market, Execution });

export const GRAPHIQL_DEFAULT_QUERY = `# Every operation needs your API token. Log in on the dashboard (/) in this tab first and the
# Headers tab below is filled for you; otherwise put {"Authorization": "Bearer arb_..."} there.
# The token is never taken from the URL (URLs end up in logs and browser history).
# Money: *Micros are integer micro-dollars; Usd fields are exact dollar strings.

query Overview {
  me { name role }
  killSwitch { on updatedBy updatedAt }
  topEdges(limit: 10) { pairId direction netEdgePerContract profit sizeQty ts }
  pairs(status: approved) { pairId status confidence humanReviewed legs { position venue market { title } } }
  feedHealth { venue state reason ts }
}

query EdgePage($after: String) {
  edges(first: 20, after: $after, orderBy: NET_EDGE_DESC, filter: { minNetEdgeMicros: 10000 }) {
    edges { cursor node { edgeId pairId direction netEdgePerContractMicros profitMicros ts } }
    pageInfo { hasNextPage endCursor }
  }
}

subscription LiveEdges {
  edgeAdded(minNetEdgeMicros: 0) { edgeId pairId direction netEdgePerContract profit ts }
}
`;

/** sessionStorage key under which the dashboard (public/app.js) keeps the operator's token for this tab. */
export const TOKEN_STORAGE_KEY = 'arbstream.token';

/**
 * The GraphiQL page, every byte local (@graphql-yoga/render-graphiql inlines GraphiQL, Monaco and
 * its workers; nothing from a CDN). The Headers editor starts empty (`{}`) unless the operator
 * logged in on the dashboard in this browser tab: then it is prefilled with
 * `Authorization: Bearer <token>` read from sessionStorage in the page, so the token never travels
 * in a URL (no `?token=`: URLs reach access logs, history and Referer). Returned with its CSP
 * (the inline script allowed by hash, workers from blob:, requests only to this origin).
 */
export function graphiqlPage(opts: Parameters<typeof renderGraphiQL>[0]): { html: string; csp: string } {
  const optsJson = JSON.stringify(opts ?? {});
  const withToken = `(function (o) { try { var t = sessionStorage.getItem(${JSON.stringify(TOKEN_STORAGE_KEY)}); if (t) o.headers = JSON.stringify({ Authorization: 'Bearer ' + t }, null, 2); } catch (e) {} return o; })(${optsJson})`;
  const html = renderGraphiQL(opts).replace(optsJson, withToken);
  if (!html.includes(withToken)) throw new Error('graphiql: render-graphiql output changed (options literal not found)');
  const hashes = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`);
  const csp = [
    "default-src 'self'",
    `script-src 'self' ${hashes.join(' ')} 'unsafe-eval'`,
    "worker-src 'self' blob:",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return { html, csp };
}

/** graphql's NoSchemaIntrospectionCustomRule, with yoga's GraphQLError (graphql's ESM copy is another realm here). */
const noIntrospection: ValidationRule = (ctx) => ({
  Field(node) {
    const name = node.name.value;
    if (name === '__schema' || name === '__type') ctx.reportError(createGraphQLError(`GraphQL introspection is not allowed for this token: "${name}"`, { nodes: [node], extensions: { code: 'INTROSPECTION_DISABLED' } }));
  },
});

/** config.api.introspection: 'all', 'admins' (production default) or 'off'; refused as a validation error. */
const useIntrospectionPolicy = (mode: 'all' | 'admins' | 'off', principalOf: (c: { principal?: Principal; request?: Request }) => Principal | undefined): Plugin<ApiServerContext> => ({
  onValidate({ addValidationRule, context }) {
    if (mode === 'all') return;
    if (mode === 'off' || principalOf(context as { principal?: Principal; request?: Request })?.role !== 'admin') addValidationRule(noIntrospection);
  },
});

/** Builds the yoga server. `principal` comes from the HTTP guard, or from server.ts for graphql-ws. */
export function createApi(opts: CreateApiOptions): ApiYoga {
  const armor = { ...DEFAULT_ARMOR, ...opts.limits };
  const limiter = opts.limiter ?? createRateLimiter({ perMin: opts.config.api.rateLimitPerMin });
  const addresses = opts.addresses ?? createAddressLimiter({ unauthPerMin: opts.config.api.unauthRateLimitPerMin, failuresPerMin: opts.config.api.authFailuresPerMin });
  const principals = new WeakMap<Request, Principal>();
  const principalOf = (c: { principal?: Principal; request?: Request }): Principal | undefined => c.principal ?? (c.request ? principals.get(c.request) : undefined);
  let page: { html: string; csp: string } | undefined;
  return createYoga<ApiServerContext, ApiContext>({
    schema: createSchema<ApiContext>({ typeDefs, resolvers: resolvers() }),
    graphqlEndpoint: GRAPHQL_PATH,
    cors: false,
    landingPage: false,
    logging: { debug: () => undefined, info: () => undefined, warn: (...a: unknown[]) => log.warn({ yoga: a }, 'yoga'), error: (...a: unknown[]) => log.error({ yoga: a }, 'yoga') },
    maskedErrors: {
      isDev: false,
      maskError: (err, message, isDev) => {
        const original = isGraphQLError(err) ? err.originalError : err;
        if (!isGraphQLError(err) || (original && !isGraphQLError(original))) log.error({ err: original ?? err }, 'api: unexpected error (masked)');
        return maskError(err, message, isDev);
      },
    },
    // config.api.graphiql: off in production unless API_GRAPHIQL=true (absent in hand-built configs: on)
    graphiql: opts.config.api.graphiql === false ? false : {
      title: 'arbstream GraphQL',
      defaultQuery: GRAPHIQL_DEFAULT_QUERY,
      headers: '{}',
      subscriptionsProtocol: 'SSE',
    },
    renderGraphiQL: (o) => (page ??= graphiqlPage(o)).html,
    context: ({ request, principal }: { request: Request } & ApiServerContext): ApiContext => {
      const p = principal ?? principals.get(request);
      // unreachable through the server (the guard answered 401 already); kept as a hard stop
      if (!p) throw apiError('missing or invalid API token', 'UNAUTHENTICATED');
      return { principal: p, pool: opts.pool, live: opts.live, risk: opts.config.risk, loaders: createLoaders(opts.pool), execution: opts.live.execution };
    },
    plugins: [
      useGraphiqlCsp(() => page?.csp),
      useHttpGuard({ pool: opts.pool, maxBodyBytes: opts.config.api.maxBodyBytes, limiter, addresses, principals }),
      useIntrospectionPolicy(opts.config.api.introspection ?? 'all', principalOf),
      useRefusedMutationAudit({ pool: opts.pool, principalOf }),
      ...armorPlugins(armor),
      useErrorCodes(),
    ],
  });
}
