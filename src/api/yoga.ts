/**
 * The GraphQL server (graphql-yoga 5): schema from schema/api.graphql, resolvers (./resolvers/)
 * on the database and the live events, auth and hardening (./plugins.ts). `createApi(...)` builds
 * it; src/api/server.ts listens (HTTP + graphql-ws); tests call `yoga.fetch`.
 *
 * Masked errors: only errors we raise on purpose (./errors.ts `apiError`) reach the client, each
 * with `extensions.code`; anything else becomes "Unexpected error." and is logged here with its stack.
 */
import { readFileSync } from 'node:fs';
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
import { type ArmorLimits, armorPlugins, DEFAULT_ARMOR, GRAPHQL_PATH, useErrorCodes, useHttpGuard } from './plugins.js';
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

export const GRAPHIQL_DEFAULT_QUERY = `# Every operation needs your API token: put it in the Headers tab below
# as {"Authorization": "Bearer arb_..."}.
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
      headers: JSON.stringify({ Authorization: 'Bearer arb_paste_your_token_here' }),
      subscriptionsProtocol: 'SSE',
    },
    context: ({ request, principal }: { request: Request } & ApiServerContext): ApiContext => {
      const p = principal ?? principals.get(request);
      // unreachable through the server (the guard answered 401 already); kept as a hard stop
      if (!p) throw apiError('missing or invalid API token', 'UNAUTHENTICATED');
      return { principal: p, pool: opts.pool, live: opts.live, risk: opts.config.risk, loaders: createLoaders(opts.pool), execution: opts.live.execution };
    },
    plugins: [
      useHttpGuard({ pool: opts.pool, maxBodyBytes: opts.config.api.maxBodyBytes, limiter, addresses, principals }),
      useIntrospectionPolicy(opts.config.api.introspection ?? 'all', principalOf),
      useRefusedMutationAudit({ pool: opts.pool, principalOf }),
      ...armorPlugins(armor),
      useErrorCodes(),
    ],
  });
}
