/** Query resolvers: validate the arguments, read through the repositories, map to views. */
import { z } from 'zod';
import { EdgeDirection } from '../../../schema/edge.js';
import { ExecutionState } from '../../../schema/execution.js';
import { PairStatus } from '../../../schema/pair.js';
import { VenueId } from '../../../schema/venue.js';
import { executionStatus } from '../../control/execution.js';
import { loadRiskControl } from '../../control/riskState.js';
import { getExecution } from '../../store/repos/executions.js';
import { latestBookTops } from '../../store/repos/books.js';
import { pageEdges, topEdges } from '../../store/repos/edges.js';
import { latestFeedHealth } from '../../store/repos/feedHealth.js';
import { latestLeadLag } from '../../store/repos/leadLag.js';
import { readPairHistory } from '../../store/repos/pairHistory.js';
import { llmUsageByProvider } from '../../store/repos/llmUsage.js';
import { searchMarkets } from '../../store/repos/markets.js';
import { getPair, listPairs } from '../../store/repos/pairs.js';
import { marketKey } from '../../store/repos/types.js';
import { type ApiContext, type Args, first, id, parseArgs } from '../context.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { apiError } from '../errors.js';
import { pageExecutions, pnlOf, readPositions, type ExecutionAfter } from '../executionReads.js';
import { bookTopView, edgeView, executionView, pnlView, positionsView, feedView, killSwitchView, leadLagView, limitsView, llmUsageView, pairView } from '../views.js';

const EdgesArgs = z.object({
  filter: z
    .object({ pairId: id.nullish(), direction: EdgeDirection.nullish(), minNetEdgeMicros: z.number().int().nullish(), since: z.date().nullish(), until: z.date().nullish() })
    .nullish(),
  orderBy: z.enum(['TS_DESC', 'NET_EDGE_DESC']).default('TS_DESC'),
  first: first(200).default(50),
  after: z.string().max(1000).nullish(),
});

/** Cursor of an executions page: base64url JSON of [tsPlanned ms, executionId] of the last row. */
const ExecutionCursor = z.tuple([z.literal('EXEC'), z.number().int().nonnegative().refine(Number.isSafeInteger), z.string().min(1).max(200)]);
const encodeExecutionCursor = (a: ExecutionAfter): string => Buffer.from(JSON.stringify(['EXEC', a.tsPlanned, a.executionId])).toString('base64url');
function decodeExecutionCursor(s: string): ExecutionAfter {
  let raw: unknown;
  try {
    raw = /^[A-Za-z0-9_-]{1,1000}$/.test(s) ? JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) : undefined;
  } catch {
    raw = undefined;
  }
  const c = ExecutionCursor.safeParse(raw);
  if (!c.success) throw apiError('invalid cursor (not a cursor this API returned)', 'BAD_USER_INPUT');
  return { tsPlanned: c.data[1], executionId: c.data[2] };
}

export const Query = {
  async edges(_: unknown, args: Args, ctx: ApiContext) {
    const a = parseArgs(EdgesArgs, args);
    const c = a.after ? decodeCursor(a.after, a.orderBy) : null;
    const after = c && (c[0] === 'TS_DESC' ? { tsText: c[1], edgeId: c[2] } : { tsText: c[1], edgeId: c[2], netEdgeMicros: c[3] });
    const rows = await pageEdges(ctx.pool, { ...a.filter, orderBy: a.orderBy, after, limit: a.first + 1 });
    const edges = rows.slice(0, a.first).map((r) => ({
      cursor: encodeCursor(a.orderBy === 'TS_DESC' ? ['TS_DESC', r.tsText, r.edgeId] : ['NET_EDGE_DESC', r.tsText, r.edgeId, r.netEdgePerContractMicros]),
      node: edgeView(r),
    }));
    return { edges, pageInfo: { hasNextPage: rows.length > a.first, endCursor: edges.at(-1)?.cursor ?? null } };
  },
  async topEdges(_: unknown, args: Args, ctx: ApiContext) {
    const a = parseArgs(z.object({ limit: first(200).default(20), withinSeconds: z.number().int().min(1).max(86_400 * 7).default(900) }), args);
    return (await topEdges(ctx.pool, a)).map(edgeView);
  },
  async pairs(_: unknown, args: Args, ctx: ApiContext) {
    const a = parseArgs(z.object({ status: PairStatus.nullish(), first: first(1000).default(200) }), args);
    return (await listPairs(ctx.pool, { ...(a.status ? { status: a.status } : {}), limit: a.first })).map(pairView);
  },
  async pair(_: unknown, args: Args, ctx: ApiContext) {
    const a = parseArgs(z.object({ pairId: id }), args);
    const p = await getPair(ctx.pool, a.pairId);
    return p ? pairView(p) : null;
  },
  async markets(_: unknown, args: Args, ctx: ApiContext) {
    const a = parseArgs(z.object({ venue: VenueId.nullish(), search: z.string().max(200).nullish(), first: first(200).default(50) }), args);
    return searchMarkets(ctx.pool, { venue: a.venue ?? null, search: a.search ?? null, limit: a.first });
  },
  /** books[i] = the latest stored top of leg i's market (null when none). */
  async currentBooks(_: unknown, args: Args, ctx: ApiContext) {
    const a = parseArgs(z.object({ pairId: id }), args);
    const pair = await getPair(ctx.pool, a.pairId);
    if (!pair) return null;
    const tops = await latestBookTops(ctx.pool, pair.legs);
    return { pairId: pair.pairId, books: pair.legs.map((l) => { const t = tops.get(marketKey(l)); return t ? bookTopView(t) : null; }) };
  },
  async pairHistory(_: unknown, args: Args, ctx: ApiContext) {
    const a = parseArgs(z.object({ pairId: id, since: z.date().nullish(), until: z.date().nullish(), limit: z.number().int().min(1).max(5000).default(2000) }), args);
    const pair = await getPair(ctx.pool, a.pairId);
    if (!pair) return null;
    const until = a.until?.getTime() ?? Date.now();
    const since = a.since?.getTime() ?? until - 3_600_000;
    if (since >= until) throw apiError('pairHistory: since must be before until', 'BAD_USER_INPUT');
    const h = await readPairHistory(ctx.pool, { pairId: pair.pairId, legs: pair.legs, since, until, limit: a.limit });
    return {
      pairId: pair.pairId,
      books: h.books.map(bookTopView),
      decisions: h.decisions.map((d) => ({
        edgeId: d.edgeId, accepted: d.accepted, reasons: d.reasons, ts: new Date(d.ts), direction: d.direction ?? null, sizeQty: d.sizeQty ?? null,
        netEdgePerContractMicros: d.netEdgePerContractMicros ?? null, profitMicros: d.profitMicros ?? null, feesMicros: d.feesMicros ?? null,
      })),
    };
  },
  feedHealth: async (_: unknown, __: Args, ctx: ApiContext) => (await latestFeedHealth(ctx.pool)).map(feedView),
  async leadLag(_: unknown, args: Args, ctx: ApiContext) {
    const a = parseArgs(z.object({ pairId: id }), args);
    return (await latestLeadLag(ctx.pool, a.pairId)).map(leadLagView);
  },
  async llmUsage(_: unknown, args: Args, ctx: ApiContext) {
    const a = parseArgs(z.object({ since: z.date().nullish() }), args);
    return (await llmUsageByProvider(ctx.pool, a.since ?? null)).map(llmUsageView);
  },
  riskLimits: async (_: unknown, __: Args, ctx: ApiContext) => limitsView(await loadRiskControl(ctx.pool, ctx.risk)),
  killSwitch: async (_: unknown, __: Args, ctx: ApiContext) => killSwitchView(await loadRiskControl(ctx.pool, ctx.risk)),
  me: (_: unknown, __: Args, ctx: ApiContext) => ({ name: ctx.principal.name, role: ctx.principal.role }),
  async executions(_: unknown, args: Args, ctx: ApiContext) {
    const a = parseArgs(z.object({ first: first(200).default(50), after: z.string().max(1000).nullish(), state: ExecutionState.nullish(), pairId: id.nullish() }), args);
    const rows = await pageExecutions(ctx.pool, { state: a.state ?? null, pairId: a.pairId ?? null, after: a.after ? decodeExecutionCursor(a.after) : null, limit: a.first + 1 });
    const edges = rows.slice(0, a.first).map((e) => ({ cursor: encodeExecutionCursor(e), node: executionView(e) }));
    return { edges, pageInfo: { hasNextPage: rows.length > a.first, endCursor: edges.at(-1)?.cursor ?? null } };
  },
  async execution(_: unknown, args: Args, ctx: ApiContext) {
    const a = parseArgs(z.object({ executionId: id }), args);
    const e = await getExecution(ctx.pool, a.executionId);
    return e ? executionView(e) : null;
  },
  positions: async (_: unknown, __: Args, ctx: ApiContext) => positionsView(await readPositions(ctx.pool, ctx.execution.current())),
  pnl: async (_: unknown, __: Args, ctx: ApiContext) => pnlView(pnlOf(await readPositions(ctx.pool, ctx.execution.current()))),
  executionStatus: (_: unknown, __: Args, ctx: ApiContext) => executionStatus(ctx.execution.current()),
};
