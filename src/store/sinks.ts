/**
 * What the pipeline writes to the stream log and how the persister maps it into TimescaleDB.
 * One stream per stage (`stream:<stage>:all:all`); every payload is validated with its domain
 * schema (schema/) when it is read back (bad entries go to the dead-letter stream), and every
 * row has a natural key so a replayed batch is a no-op. Columns are derived from the schemas by
 * name (src/store/columns.ts); only computed, renamed and by-position columns are written here.
 */
import { BookDepth, BookTop, toBookDepth, toBookTop } from '../../schema/book.js';
import { DecisionRecord, Edge, toDecisionRecord } from '../../schema/edge.js';
import { FeedRecord } from '../../schema/feed.js';
import { LeadLagStat } from '../../schema/leadLag.js';
import { rowMapper, type RowMapper } from './columns.js';
import { defineSink, type SinkSpec } from './persister.js';
import { streamKey, type Fields } from './streams/types.js';
import { encodeEvent } from './streams/deadletter.js';

export const STAGES = ['edges', 'decisions', 'tops', 'depth', 'leadlag', 'feed'] as const;
export type Stage = (typeof STAGES)[number];
export const stageStream = (stage: Stage, prefix = 'stream'): string => streamKey(stage, 'all', 'all', prefix);

/** @deprecated the persisted shapes live in schema/ (kept for importers): */
export type TopRecord = BookTop;
export type DepthRecord = BookDepth;
export { DecisionRecord, FeedRecord, toDecisionRecord };
export const toTopRecord = toBookTop;
export const toDepthRecord = toBookDepth;

const ts = (ms: number): Date => new Date(ms);

/** Row mappers per table (exported for the column drift test). */
export const rows = {
  edges: rowMapper({
    schema: Edge,
    derived: {
      // ts = the aligned book time: the same books give the same (edge_id, ts), so a re-found edge is one row
      ts: (e) => ts(Math.max(e.legs[0].tsVenue, e.legs[1].tsVenue)),
      net_edge_micros: (e) => e.netEdgePerContractMicros,
      // legs by position: a_* = leg A (legs[0]), b_* = leg B (legs[1])
      a_vwap_micros: (e) => e.legs[0].vwapMicros,
      b_vwap_micros: (e) => e.legs[1].vwapMicros,
      a_ts: (e) => ts(e.legs[0].tsVenue),
      b_ts: (e) => ts(e.legs[1].tsVenue),
      details: (e) => JSON.stringify({ legs: e.legs, payoutMicros: e.payoutMicros, oldestBookTsReceived: e.oldestBookTsReceived, tsDetected: e.tsDetected }),
    },
    fields: { netEdgePerContractMicros: 'net_edge_micros', legs: 'details', payoutMicros: 'details', oldestBookTsReceived: 'details', tsDetected: 'details' },
  }),
  decisions: rowMapper({
    schema: DecisionRecord,
    derived: { decision: (d) => (d.accepted ? 'accepted' : 'rejected') },
    fields: { accepted: 'decision' },
  }),
  tops: rowMapper({
    schema: BookTop,
    derived: {
      ts: (t) => ts(t.tsReceived),
      yes_bid: (t) => t.yesBid?.price ?? null, yes_bid_qty: (t) => t.yesBid?.qty ?? null,
      yes_ask: (t) => t.yesAsk?.price ?? null, yes_ask_qty: (t) => t.yesAsk?.qty ?? null,
      no_bid: (t) => t.noBid?.price ?? null, no_bid_qty: (t) => t.noBid?.qty ?? null,
      no_ask: (t) => t.noAsk?.price ?? null, no_ask_qty: (t) => t.noAsk?.qty ?? null,
      stream_id: (_t, id) => id,
    },
    fields: { tsReceived: 'ts', yesBid: 'yes_bid', yesAsk: 'yes_ask', noBid: 'no_bid', noAsk: 'no_ask' },
  }),
  depth: rowMapper({
    schema: BookDepth,
    derived: { ts: (d) => ts(d.tsReceived), stream_id: (_d, id) => id },
    fields: { tsReceived: 'ts' },
  }),
  leadlag: rowMapper({ schema: LeadLagStat }),
  feed: rowMapper({
    schema: FeedRecord,
    fields: { retryInMs: { notStored: 'the backoff delay of one reconnect: live state, not history' } },
  }),
} as const satisfies Record<Stage, RowMapper<never>>;

/** Stream entry fields of each stage's payload. */
export const encoders = {
  edges: (e: Edge): Fields => encodeEvent('edge', e),
  decisions: (d: DecisionRecord): Fields => encodeEvent('decision', d),
  tops: (t: BookTop): Fields => encodeEvent('top', t),
  depth: (d: BookDepth): Fields => encodeEvent('depth', d),
  leadlag: (l: LeadLagStat): Fields => encodeEvent('leadlag', l),
  feed: (f: FeedRecord): Fields => encodeEvent('feed', f),
};

/** The persister's sinks: stream → table, natural key, schema-derived row mapping. */
export function pipelineSinks(prefix = 'stream'): SinkSpec<unknown>[] {
  const sink = <T>(stage: Stage, table: string, schema: SinkSpec<T>['schema'], conflictKey: readonly string[], m: RowMapper<T>) =>
    defineSink<T>({ stream: stageStream(stage, prefix), table, schema, conflictKey, columns: m.columns, toRow: (v, id) => m.toRow(v, id) });
  const sinks = [
    sink('edges', 'edges', Edge, ['edge_id', 'ts'], rows.edges),
    sink('decisions', 'risk_decisions', DecisionRecord, ['edge_id', 'ts'], rows.decisions),
    sink('tops', 'book_tops', BookTop, ['venue', 'market_id', 'ts', 'stream_id'], rows.tops),
    sink('depth', 'book_depth', BookDepth, ['venue', 'market_id', 'ts', 'stream_id'], rows.depth),
    sink('leadlag', 'lead_lag', LeadLagStat, ['pair_id', 'window_ms', 'ts'], rows.leadlag),
    sink('feed', 'feed_health', FeedRecord, ['venue', 'ts', 'state'], rows.feed),
  ];
  return sinks as SinkSpec<unknown>[];
}
