/**
 * What the pipeline writes to the stream log and how the persister maps it into TimescaleDB.
 * One stream per stage (`stream:<stage>:all:all`); every payload is validated with zod when it
 * is read back (bad entries go to the dead-letter stream), and every row has a natural key so a
 * replayed batch is a no-op.
 */
import { z } from 'zod';
import type { Book, Level } from '../../schema/book.js';
import type { Edge, RiskDecision } from '../../schema/edge.js';
import type { LeadLagStat } from '../../operators/leadLag.js';
import type { FeedCounters, FeedStatus } from '../venues/common/types.js';
import { defineSink, type SinkSpec } from './persister.js';
import { streamKey, type Fields } from './streams/types.js';
import { encodeEvent } from './streams/deadletter.js';

export const STAGES = ['edges', 'decisions', 'tops', 'depth', 'leadlag', 'feed'] as const;
export type Stage = (typeof STAGES)[number];
export const stageStream = (stage: Stage, prefix = 'stream'): string => streamKey(stage, 'all', 'all', prefix);

const venue = z.enum(['polymarket', 'kalshi']);
const int = z.number().int();
const ts = (ms: number): Date => new Date(ms);

// ── edges ────────────────────────────────────────────────────────────────────────────────────
const EdgeLegZ = z.object({
  venue, marketId: z.string(), outcome: z.enum(['yes', 'no']), vwapMicros: int, worstPriceMicros: int,
  costMicros: int, feeMicros: int, levelsUsed: int,
});
export const EdgeZ = z.object({
  edgeId: z.string().min(1), pairId: z.string().min(1), direction: z.enum(['polyYes', 'polyNo']), sizeQty: int,
  netEdgePerContractMicros: int, profitMicros: int, feesMicros: int, capitalCostMicros: int, payoutMicros: int,
  legs: z.tuple([EdgeLegZ, EdgeLegZ]), polyTsVenue: int, kalshiTsVenue: int, oldestBookTsReceived: int, tsDetected: int,
});

// ── risk decisions ───────────────────────────────────────────────────────────────────────────
export interface DecisionRecord {
  readonly edgeId: string;
  readonly pairId: string;
  readonly accepted: boolean;
  readonly reasons: readonly string[];
  readonly ts: number;
}
export const DecisionZ = z.object({ edgeId: z.string().min(1), pairId: z.string().min(1), accepted: z.boolean(), reasons: z.array(z.string()), ts: int });
export const toDecisionRecord = (d: RiskDecision): DecisionRecord => ({ edgeId: d.edge.edgeId, pairId: d.edge.pairId, accepted: d.accepted, reasons: d.reasons, ts: d.ts });

// ── books: sampled top of book and depth ─────────────────────────────────────────────────────
export interface TopRecord {
  readonly venue: Book['venue'];
  readonly marketId: string;
  readonly tsReceived: number;
  readonly tsVenue: number;
  readonly yesBid?: Level; readonly yesAsk?: Level; readonly noBid?: Level; readonly noAsk?: Level;
  readonly issues: readonly string[];
}
const LevelZ = z.object({ price: int, qty: int });
export const TopZ = z.object({
  venue, marketId: z.string().min(1), tsReceived: int, tsVenue: int,
  yesBid: LevelZ.optional(), yesAsk: LevelZ.optional(), noBid: LevelZ.optional(), noAsk: LevelZ.optional(), issues: z.array(z.string()),
});
export function toTopRecord(b: Book): TopRecord {
  return {
    venue: b.venue, marketId: b.marketId, tsReceived: b.tsReceived, tsVenue: b.tsVenue, issues: b.issues,
    ...(b.yes.bids[0] && { yesBid: b.yes.bids[0] }), ...(b.yes.asks[0] && { yesAsk: b.yes.asks[0] }),
    ...(b.no.bids[0] && { noBid: b.no.bids[0] }), ...(b.no.asks[0] && { noAsk: b.no.asks[0] }),
  };
}
const SideZ = z.object({ bids: z.array(LevelZ), asks: z.array(LevelZ) });
export const DepthZ = z.object({ venue, marketId: z.string().min(1), tsReceived: int, tsVenue: int, yes: SideZ, no: SideZ });
export type DepthRecord = z.infer<typeof DepthZ>;
export const toDepthRecord = (b: Book, maxLevels = 20): DepthRecord => ({
  venue: b.venue, marketId: b.marketId, tsReceived: b.tsReceived, tsVenue: b.tsVenue,
  yes: { bids: b.yes.bids.slice(0, maxLevels), asks: b.yes.asks.slice(0, maxLevels) },
  no: { bids: b.no.bids.slice(0, maxLevels), asks: b.no.asks.slice(0, maxLevels) },
});

// ── lead-lag and feed health ─────────────────────────────────────────────────────────────────
export const LeadLagZ = z.object({ pairId: z.string().min(1), windowMs: int, lagMs: int, coefficient: z.number().min(-1).max(1), samples: int, ts: int });
export interface FeedRecord extends FeedStatus {
  readonly counters?: Readonly<FeedCounters>;
}
export const FeedZ = z.object({
  venue, state: z.enum(['connecting', 'live', 'stale', 'reconnecting', 'closed']), reason: z.string().optional(), ts: int,
  attempt: int, connId: z.string().optional(), counters: z.record(z.string(), z.number()).optional(),
});

/** Stream entry fields of each stage's payload. */
export const encoders = {
  edges: (e: Edge): Fields => encodeEvent('edge', e),
  decisions: (d: DecisionRecord): Fields => encodeEvent('decision', d),
  tops: (t: TopRecord): Fields => encodeEvent('top', t),
  depth: (d: DepthRecord): Fields => encodeEvent('depth', d),
  leadlag: (l: LeadLagStat): Fields => encodeEvent('leadlag', l),
  feed: (f: FeedRecord): Fields => encodeEvent('feed', f),
};

/** The persister's sinks: stream → table, natural key, row mapping. */
export function pipelineSinks(prefix = 'stream'): SinkSpec<unknown>[] {
  const sinks = [
    defineSink({
      stream: stageStream('edges', prefix), table: 'edges', schema: EdgeZ, conflictKey: ['edge_id', 'ts'],
      columns: ['ts', 'edge_id', 'pair_id', 'direction', 'size_qty', 'net_edge_micros', 'profit_micros', 'fees_micros', 'poly_vwap_micros', 'kalshi_vwap_micros', 'capital_cost_micros', 'poly_ts', 'kalshi_ts', 'details'],
      // ts = the aligned book time: the same books give the same (edge_id, ts), so a re-found edge is one row
      toRow: (e) => [ts(Math.max(e.polyTsVenue, e.kalshiTsVenue)), e.edgeId, e.pairId, e.direction, e.sizeQty, e.netEdgePerContractMicros, e.profitMicros, e.feesMicros,
        e.legs[0].vwapMicros, e.legs[1].vwapMicros, e.capitalCostMicros, ts(e.polyTsVenue), ts(e.kalshiTsVenue), JSON.stringify({ legs: e.legs, payoutMicros: e.payoutMicros })],
    }),
    defineSink({
      stream: stageStream('decisions', prefix), table: 'risk_decisions', schema: DecisionZ, conflictKey: ['edge_id', 'ts'],
      columns: ['ts', 'edge_id', 'pair_id', 'decision', 'reasons'],
      toRow: (d) => [ts(d.ts), d.edgeId, d.pairId, d.accepted ? 'accepted' : 'rejected', d.reasons],
    }),
    defineSink({
      stream: stageStream('tops', prefix), table: 'book_tops', schema: TopZ, conflictKey: ['venue', 'market_id', 'ts', 'stream_id'],
      columns: ['ts', 'venue', 'market_id', 'ts_venue', 'yes_bid', 'yes_bid_qty', 'yes_ask', 'yes_ask_qty', 'no_bid', 'no_bid_qty', 'no_ask', 'no_ask_qty', 'issues', 'stream_id'],
      toRow: (t, id) => [ts(t.tsReceived), t.venue, t.marketId, ts(t.tsVenue), t.yesBid?.price ?? null, t.yesBid?.qty ?? null, t.yesAsk?.price ?? null, t.yesAsk?.qty ?? null,
        t.noBid?.price ?? null, t.noBid?.qty ?? null, t.noAsk?.price ?? null, t.noAsk?.qty ?? null, t.issues, id],
    }),
    defineSink({
      stream: stageStream('depth', prefix), table: 'book_depth', schema: DepthZ, conflictKey: ['venue', 'market_id', 'ts', 'stream_id'],
      columns: ['ts', 'venue', 'market_id', 'ts_venue', 'yes', 'no', 'stream_id'],
      toRow: (d, id) => [ts(d.tsReceived), d.venue, d.marketId, ts(d.tsVenue), JSON.stringify(d.yes), JSON.stringify(d.no), id],
    }),
    defineSink({
      stream: stageStream('leadlag', prefix), table: 'lead_lag', schema: LeadLagZ, conflictKey: ['pair_id', 'window_ms', 'ts'],
      columns: ['ts', 'pair_id', 'window_ms', 'lag_ms', 'coefficient', 'samples'],
      toRow: (l) => [ts(l.ts), l.pairId, l.windowMs, l.lagMs, l.coefficient, l.samples],
    }),
    defineSink({
      stream: stageStream('feed', prefix), table: 'feed_health', schema: FeedZ, conflictKey: ['venue', 'ts', 'state'],
      columns: ['ts', 'venue', 'state', 'reason', 'attempt', 'conn_id', 'counters'],
      toRow: (f) => [ts(f.ts), f.venue, f.state, f.reason ?? null, f.attempt, f.connId ?? null, f.counters ? JSON.stringify(f.counters) : null],
    }),
  ];
  return sinks as SinkSpec<unknown>[];
}
