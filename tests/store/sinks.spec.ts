/**
 * The pipeline's stream payloads and row mappers, derived from the domain schemas: an Edge goes
 * through the stream encoder, comes back through the schema the persister decodes with, and
 * becomes a row whose columns are named by convention (plus the by-position leg columns).
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Edge } from '../../schema/edge.js';
import { UnixMs } from '../../schema/book.js';
import { columnKind, rowMapper, snake } from '../../src/store/columns.js';
import { encoders, pipelineSinks, rows } from '../../src/store/sinks.js';
import { decodeEntries } from '../../src/store/streams/deadletter.js';

const leg = (venue: 'polymarket' | 'kalshi', ts: number) => ({
  venue, marketId: venue === 'kalshi' ? 'KX-1' : '0x' + 'ab'.repeat(32), outcome: venue === 'kalshi' ? 'no' : 'yes', vwapMicros: 400_000, worstPriceMicros: 410_000,
  costMicros: 40_000_000, feeMicros: 960_000, levelsUsed: 2, tsVenue: ts, tsReceived: ts + 5,
}) as const;
const edge: Edge = {
  edgeId: 'p1:aYes:1000:1200:100', pairId: 'p1', direction: 'aYes', sizeQty: 100_000_000, netEdgePerContractMicros: 18_984, profitMicros: 1_898_493,
  feesMicros: 2_700_000, capitalCostMicros: 401_507, payoutMicros: 100_000_000, legs: [leg('polymarket', 1000), leg('kalshi', 1200)],
  oldestBookTsReceived: 1005, tsDetected: 1300,
};

describe('schema-derived sinks', () => {
  it('an edge round-trips through the stream encoder and the schema the persister decodes with', () => {
    const fields = encoders.edges(edge);
    const sink = pipelineSinks().find((s) => s.table === 'edges')!;
    const { good, bad } = decodeEntries([{ id: '1-0', fields }], sink.schema);
    expect(bad).toEqual([]);
    expect(good[0]!.value).toEqual(edge);
  });

  it('legacy or malformed payloads are rejected by the schema (dead-lettered)', () => {
    const sink = pipelineSinks().find((s) => s.table === 'edges')!;
    const { good, bad } = decodeEntries([{ id: '1-0', fields: encoders.edges({ ...edge, direction: 'polyYes' } as unknown as Edge) }], sink.schema);
    expect(good).toEqual([]);
    expect(bad).toHaveLength(1);
  });

  it('edges row: convention columns, renamed net edge, legs by position, details jsonb', () => {
    const m = rows.edges;
    const row = Object.fromEntries(m.columns.map((c, i) => [c, m.toRow(edge, '1-0')[i]]));
    expect(row).toEqual({
      ts: new Date(1200), net_edge_micros: 18_984, a_vwap_micros: 400_000, b_vwap_micros: 400_000, a_ts: new Date(1000), b_ts: new Date(1200),
      details: JSON.stringify({ legs: edge.legs, payoutMicros: edge.payoutMicros, oldestBookTsReceived: 1005, tsDetected: 1300 }),
      edge_id: edge.edgeId, pair_id: 'p1', direction: 'aYes', size_qty: 100_000_000, profit_micros: 1_898_493, fees_micros: 2_700_000, capital_cost_micros: 401_507,
    });
  });

  it('a new top-level field becomes a column by name (camelCase → snake_case, nested → jsonb, unix ms → timestamptz)', () => {
    const Extended = Edge.extend({ slippageBudgetMicros: z.number().int(), venueRefs: z.object({ a: z.string() }), tags: z.array(z.string()), tsPlanned: UnixMs.optional() });
    const m = rowMapper({ schema: Extended, derived: { ts: () => null }, fields: { netEdgePerContractMicros: 'ts', legs: 'ts', payoutMicros: 'ts', oldestBookTsReceived: 'ts', tsDetected: 'ts' } });
    expect(m.columns).toEqual(['ts', 'edge_id', 'pair_id', 'direction', 'size_qty', 'profit_micros', 'fees_micros', 'capital_cost_micros', 'slippage_budget_micros', 'venue_refs', 'tags', 'ts_planned']);
    const row = m.toRow({ ...edge, slippageBudgetMicros: 5, venueRefs: { a: 'x' }, tags: ['t'], tsPlanned: 7 }, '');
    expect(row.slice(-4)).toEqual([5, '{"a":"x"}', ['t'], new Date(7)]);
    expect(m.toRow({ ...edge, slippageBudgetMicros: 5, venueRefs: { a: 'x' }, tags: [] }, '').at(-1)).toBeNull();
  });

  it('every time column of every sink is written as a Date (unix ms → timestamptz)', () => {
    const samples = {
      edges: edge,
      decisions: { edgeId: 'e', pairId: 'p', accepted: false, reasons: ['x'], ts: 5 },
      tops: { venue: 'kalshi', marketId: 'K', tsReceived: 5, tsVenue: 4, yesBid: { price: 1, qty: 2 }, issues: [] },
      depth: { venue: 'kalshi', marketId: 'K', tsReceived: 5, tsVenue: 4, yes: { bids: [], asks: [] }, no: { bids: [], asks: [] } },
      leadlag: { pairId: 'p', windowMs: 60_000, lagMs: 250, coefficient: 0.5, samples: 10, ts: 5 },
      feed: { venue: 'kalshi', state: 'live', ts: 5, attempt: 0, retryInMs: 10, counters: { messages: 1, venueSpecific: 2 } },
    } as const;
    for (const [stage, m] of Object.entries(rows)) {
      const row = (m.toRow as (v: unknown, id: string) => unknown[])(samples[stage as keyof typeof samples], '1-0');
      m.columns.forEach((c, i) => {
        if (c === 'ts' || c.startsWith('ts_') || c.endsWith('_ts')) expect({ stage, c, v: row[i] instanceof Date }).toEqual({ stage, c, v: true });
      });
    }
    // venue-specific feed counters are kept; the reconnect delay is not history
    const feed = Object.fromEntries(rows.feed.columns.map((c, i) => [c, rows.feed.toRow(samples.feed, '')[i]]));
    expect(feed).toEqual({ venue: 'kalshi', state: 'live', reason: null, ts: new Date(5), attempt: 0, conn_id: null, counters: '{"messages":1,"venueSpecific":2}' });
  });

  it('column kinds and names', () => {
    expect(snake('netEdgePerContractMicros')).toBe('net_edge_per_contract_micros');
    expect(columnKind(UnixMs)).toBe('time');
    expect(columnKind(z.array(z.object({ a: z.number() })))).toBe('json');
    expect(columnKind(z.array(z.string()).default([]))).toBe('array');
    expect(columnKind(z.string().optional())).toBe('plain');
  });

  it('a spec naming an unknown field or a missing derived column throws', () => {
    expect(() => rowMapper({ schema: Edge, fields: { nope: 'x' } as never })).toThrow(/not a field/);
    expect(() => rowMapper({ schema: Edge, fields: { legs: 'details' } })).toThrow(/not a derived column/);
    expect(() => rowMapper({ schema: Edge, derived: { edge_id: (e) => e.edgeId } })).toThrow(/both derived and the convention column/);
  });
});
