/**
 * Subscription resolvers. Each returns the live bus's view directly: the filter runs at delivery
 * and the projection (the module-level payload functions) once per event, shared by every
 * subscriber of the topic.
 */
import { z } from 'zod';
import type { Book } from '../../../schema/book.js';
import type { Edge, RiskDecision } from '../../../schema/edge.js';
import type { Execution } from '../../../schema/execution.js';
import type { FeedStatus } from '../../../schema/feed.js';
import { type ApiContext, type Args, id, parseArgs } from '../context.js';
import type { Alert, KillSwitchEvent } from '../events.js';
import { bookTopFromLive, decisionFromLive, edgeFromLive, executionView, feedView } from '../views.js';

// subscription payloads: pure, module-level (the live bus shares one result per event among subscribers)
const edgeAddedPayload = (e: Edge) => ({ edgeAdded: edgeFromLive(e) });
const pairBookPayload = (b: Book) => ({ pairBook: bookTopFromLive(b) });
const feedStatusPayload = (s: FeedStatus) => ({ feedStatus: feedView(s) });
const alertsPayload = (a: Alert) => ({ alerts: { ...a, ts: new Date(a.ts) } });
const killSwitchPayload = (k: KillSwitchEvent) => ({ killSwitchChanged: { on: k.on, updatedAt: new Date(k.ts), updatedBy: k.by } });
const decisionAddedPayload = (d: RiskDecision) => ({ decisionAdded: decisionFromLive(d) });
const executionUpdatedPayload = (e: Execution) => ({ executionUpdated: executionView(e) });

export const Subscription = {
  edgeAdded: {
    subscribe: (_: unknown, args: Args, ctx: ApiContext) => {
      const a = parseArgs(z.object({ minNetEdgeMicros: z.number().int().nullish() }), args);
      const min = a.minNetEdgeMicros;
      return ctx.live.view('edge', { ...(min != null ? { filter: (e: Edge) => e.netEdgePerContractMicros >= min } : {}), map: edgeAddedPayload });
    },
  },
  pairBook: {
    subscribe: (_: unknown, args: Args, ctx: ApiContext) => {
      const a = parseArgs(z.object({ pairId: id }), args);
      return ctx.live.view('book', { key: a.pairId, map: pairBookPayload });
    },
  },
  feedStatus: {
    subscribe: (_: unknown, __: Args, ctx: ApiContext) => ctx.live.view('feedStatus', { map: feedStatusPayload }),
  },
  alerts: {
    subscribe: (_: unknown, __: Args, ctx: ApiContext) => ctx.live.view('alert', { map: alertsPayload }),
  },
  killSwitchChanged: {
    subscribe: (_: unknown, __: Args, ctx: ApiContext) => ctx.live.view('killSwitch', { map: killSwitchPayload }),
  },
  decisionAdded: {
    subscribe: (_: unknown, args: Args, ctx: ApiContext) => {
      const a = parseArgs(z.object({ acceptedOnly: z.boolean().nullish() }), args);
      return ctx.live.view('decision', { ...(a.acceptedOnly ? { filter: (d: RiskDecision) => d.accepted } : {}), map: decisionAddedPayload });
    },
  },
  executionUpdated: {
    subscribe: (_: unknown, args: Args, ctx: ApiContext) => {
      const a = parseArgs(z.object({ executionId: id.nullish() }), args);
      const only = a.executionId;
      return ctx.live.view('execution', { ...(only ? { filter: (e: Execution) => e.executionId === only } : {}), map: executionUpdatedPayload });
    },
  },
};
