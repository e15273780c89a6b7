/**
 * Field resolvers of the object types. Relations go through the per-request loaders
 * (../loaders.ts): one query per relation per execution tick, whatever the number of parents.
 */
import { z } from 'zod';
import { type ApiContext, type Args, first, parseArgs } from '../context.js';
import { executionEvents, getExecution } from '../../store/repos/executions.js';
import type { MarketRecord } from '../../store/repos/markets.js';
import { venueOf } from '../../venues/registry.js';
import { executionFills } from '../executionReads.js';
import { type EdgeView, edgeView, executionEventView, type ExecutionView, fillView, type PairLegView, type PairView, pairView } from '../views.js';

export const Edge = {
  netEdgePerContract: (e: EdgeView) => e.netEdgePerContractMicros,
  profit: (e: EdgeView) => e.profitMicros,
  pair: async (e: EdgeView, _: Args, ctx: ApiContext) => {
    const p = await ctx.loaders.pair.load(e.pairId);
    return p && pairView(p);
  },
};

export const Pair = {
  recentEdges: async (p: PairView, args: Args, ctx: ApiContext) => {
    const a = parseArgs(z.object({ limit: first(50).default(10) }), args);
    return (await ctx.loaders.recentEdges.load({ pairId: p.pairId, limit: a.limit })).map(edgeView);
  },
};

export const PairLeg = {
  market: (l: PairLegView, _: Args, ctx: ApiContext) => ctx.loaders.market.load(l),
};

export const Market = {
  url: (m: MarketRecord) => venueOf(m.venue).marketUrl(m.marketId),
  pairs: async (m: MarketRecord, _: Args, ctx: ApiContext) => (await ctx.loaders.pairsByMarket.load(m)).map(pairView),
};

/** An execution's transitions and fills (one query each per execution asked for). */
export const Execution = {
  events: async (e: ExecutionView, _: Args, ctx: ApiContext) => (await executionEvents(ctx.pool, e.executionId)).map(executionEventView),
  fills: async (e: ExecutionView, _: Args, ctx: ApiContext) => {
    const x = await getExecution(ctx.pool, e.executionId);
    return x ? (await executionFills(ctx.pool, x)).map(fillView) : [];
  },
};
